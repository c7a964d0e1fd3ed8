-- JSONB shapes on hostile input: deep, wide, huge and odd documents.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE SCHEMA jhostile;
SET search_path = jhostile, public;

-- Documents nested 10,000 deep: paths stop at schema_guard.jsonb_max_depth
-- (64) and the rest is counted as skipped, with a warning.
CREATE TABLE deep (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO deep VALUES (1, (repeat('[', 10000) || '1' || repeat(']', 10000))::jsonb),
                        (2, (repeat('{"a": ', 10000) || '"x"' || repeat('}', 10000))::jsonb);
SELECT count(*) AS rows, max(depth) AS max_depth FROM schema_guard.jsonb_shape('deep', 'doc');
SELECT paths, depth_exhausted, values_skipped FROM schema_guard.jsonb_shape_summary('deep', 'doc');
SELECT schema_guard.jsonb_infer_contract('deep', 'doc') -> 'type' AS root_type;
SET schema_guard.jsonb_max_depth = 1000;
SELECT max(depth) FROM schema_guard.jsonb_shape('deep', 'doc');
RESET schema_guard.jsonb_max_depth;
-- A contract nested 10,000 deep is refused cleanly (it is also a JSON
-- Schema no one writes).
SELECT schema_guard.jsonb_expect('deep', 'doc',
    (repeat('{"items": ', 10000) || '{}' || repeat('}', 10000))::jsonb);

-- 100,000 keys in one object: a map, collapsed at once.
CREATE TABLE wide (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO wide SELECT 1, jsonb_object_agg('key' || i, i) FROM generate_series(1, 100000) i;
INSERT INTO wide SELECT 2, jsonb_build_object('m', jsonb_object_agg('k' || i, jsonb_build_object('v', i)))
  FROM generate_series(1, 100000) i;
SELECT path, type, rows, note FROM schema_guard.jsonb_shape('wide', 'doc') ORDER BY path, type;
SELECT paths, maps_collapsed, budget_exhausted FROM schema_guard.jsonb_shape_summary('wide', 'doc');

-- A 100 MB document, and an array of 200,000 objects.
CREATE TABLE huge (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO huge SELECT 1, jsonb_build_object('blob', repeat('x', 100 * 1024 * 1024));
INSERT INTO huge SELECT 2, jsonb_agg(jsonb_build_object('i', i, 's', md5(i::text)))
  FROM generate_series(1, 200000) i;
SELECT id, octet_length(doc::text) > 100 * 1024 * 1024 AS over_100mb FROM huge WHERE id = 1;
SELECT path, type, rows, min_length, max_length FROM schema_guard.jsonb_shape('huge', 'doc') ORDER BY path, type;
-- statement_timeout stops a long scan.
SET statement_timeout = '50ms';
SELECT count(*) FROM schema_guard.jsonb_shape('huge', 'doc')
  CROSS JOIN generate_series(1, 100);
SELECT count(*) FROM (SELECT schema_guard.jsonb_shape('huge', 'doc') FROM generate_series(1, 100)) x;
RESET statement_timeout;

-- Top-level scalars, empty containers, odd keys: quotes, dots, brackets,
-- "*", the empty key, non-ASCII, control characters.
CREATE TABLE odd (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO odd VALUES
 (1, 'null'), (2, 'true'), (3, '"s"'), (4, '-0.5'), (5, '[]'), (6, '{}'), (7, '[{}]'),
 (8, '{"": 1, "*": 2, "a.b": 3, "[*]": 4, "q\"uote": 5, "back\\slash": 6, "日本": 7, "tab\tkey": 8, "$": 9}');
SELECT path, type, rows, depth FROM schema_guard.jsonb_shape('odd', 'doc') ORDER BY path, type;
-- The odd paths round-trip through a contract.
SELECT schema_guard.jsonb_expect('odd', 'doc', schema_guard.jsonb_infer_contract('odd', 'doc'));
SELECT count(*) FROM schema_guard.jsonb_drift('odd', 'doc');
-- ...and the drift fixes are valid jsonpath.
UPDATE odd SET doc = '{"": "now a string", "a.b": [1]}' WHERE id = 8;
CREATE FUNCTION fix_rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE r text[];
BEGIN
    EXECUTE 'SELECT array_agg(k ORDER BY k) FROM (' || rtrim(q, ';') || ') x(k)' INTO r;
    RETURN r;
END $$;
SELECT kind, path, fix_rows(fix), fix FROM schema_guard.jsonb_drift('odd', 'doc')
 WHERE kind = 'type_mismatch' ORDER BY path;

-- Keys longer than 128 bytes are data, not names: they collapse into .*.
-- Each path used to carry the whole key: this 3.5 kB document (a 50,000
-- byte key above 8,100 paths) made jsonb_shape() take 840 MB, and long
-- random keys made jsonb_snapshot() fail on its btree index.
CREATE TABLE longkeys (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO longkeys SELECT 1, jsonb_build_object(repeat('k', 50000),
    (SELECT jsonb_object_agg('o' || i, (SELECT jsonb_object_agg('a' || j, j) FROM generate_series(1, 90) j))
       FROM generate_series(1, 90) i));
INSERT INTO longkeys SELECT 2, jsonb_build_object(repeat('n', 128), 1, repeat('n', 129), 2,
    (SELECT string_agg(translate(md5(i::text), '0123456789abcdef', 'ghijklmnopqrstuv'), '')
       FROM generate_series(1, 100) i), jsonb_build_object('a', 1));
SELECT paths, maps_collapsed, budget_exhausted, values_skipped FROM schema_guard.jsonb_shape_summary('longkeys', 'doc');
SELECT left(path, 12) AS path, length(path), type, rows, note FROM schema_guard.jsonb_shape('longkeys', 'doc')
 WHERE path NOT LIKE '$.*.o%' OR path IN ('$.*.o1', '$.*.o1.a1') ORDER BY path, type;
SELECT count(*), max(length(path)) FROM schema_guard.jsonb_shape('longkeys', 'doc');
SELECT schema_guard.jsonb_snapshot('longkeys', 'doc') AS snap \gset
SELECT (SELECT count(*) FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id = :snap) =
       (SELECT count(*) FROM schema_guard.jsonb_shape('longkeys', 'doc')) AS stored_every_path;
-- A key the contract names is never collapsed.
SELECT schema_guard.jsonb_expect('longkeys', 'doc',
    jsonb_build_object('type', 'object', 'properties', jsonb_build_object(repeat('n', 129), '{}'::jsonb)));
SELECT kind, left(path, 12) AS path, length(path), observed FROM schema_guard.jsonb_drift('longkeys', 'doc')
 ORDER BY path, kind;

-- Names of 120 bytes, 40 deep: past 2,000 bytes of path text, keys
-- collapse into .* too, so that every path fits the snapshot's index.
CREATE TABLE deepkeys (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO deepkeys SELECT 1, ((SELECT string_agg('{"' || left(repeat(translate(md5(i::text),
    '0123456789abcdef', 'ghijklmnopqrstuv'), 4), 120) || '": ', '' ORDER BY i)
    FROM generate_series(1, 40) i) || '1' || repeat('}', 40))::jsonb;
SELECT count(*), max(depth), max(length(path)), count(note) AS collapsed, min(depth) FILTER (WHERE note IS NOT NULL)
  FROM schema_guard.jsonb_shape('deepkeys', 'doc');
SELECT DISTINCT note FROM schema_guard.jsonb_shape('deepkeys', 'doc') WHERE note IS NOT NULL;
SELECT schema_guard.jsonb_snapshot('deepkeys', 'doc') AS snap \gset
SELECT (SELECT count(*) FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id = :snap) =
       (SELECT count(*) FROM schema_guard.jsonb_shape('deepkeys', 'doc')) AS stored_every_path;

-- A required key is present even where the depth limit or the path budget
-- leaves it without a path of its own: no missing_required, and no
-- never_present for paths the scan was not allowed to keep.
CREATE TABLE req (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO req SELECT r, jsonb_object_agg('k' || lpad(i::text, 2, '0'), i) || '{"a": {"b": 2}, "zz_required": 1}'
  FROM generate_series(1, 2) r, generate_series(1, 20) i GROUP BY r;
SELECT schema_guard.jsonb_expect('req', 'doc', '{"type": "object", "required": ["a", "zz_required"],
    "properties": {"a": {"type": "object", "required": ["b"], "properties": {"b": {}}}, "zz_required": {}}}');
SET schema_guard.jsonb_max_depth = 1;
SELECT kind, path, rows FROM schema_guard.jsonb_drift('req', 'doc')
 WHERE kind IN ('missing_required', 'never_present');
RESET schema_guard.jsonb_max_depth;
SET schema_guard.jsonb_path_budget = 16;
SELECT kind, path, rows FROM schema_guard.jsonb_drift('req', 'doc')
 WHERE kind IN ('missing_required', 'never_present');
RESET schema_guard.jsonb_path_budget;
SELECT kind, path, rows FROM schema_guard.jsonb_drift('req', 'doc') WHERE kind = 'missing_required';

-- Ten map-like objects ($.m, $.n.m, $.n.n.m, ...) recognised one by one,
-- in documents 3 to 12 (the k-th gets its third distinct key in document
-- k + 2): after 8 restarts the scan goes on, and says that the counts
-- under the last two are not exact.
SET schema_guard.jsonb_map_threshold = 2;
CREATE TABLE latemaps (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO latemaps SELECT r, ((SELECT string_agg('{"m": {"' || CASE WHEN r <= k THEN 'a' ELSE chr(97 + r - k) END
                                                   || '": 1}, "n": ', '' ORDER BY k)
                                   FROM generate_series(1, 10) k) || '{}' || repeat('}', 10))::jsonb
  FROM generate_series(1, 12) r;
SELECT paths, maps_collapsed, restarts FROM schema_guard.jsonb_shape_summary('latemaps', 'doc');
SELECT path, type, rows FROM schema_guard.jsonb_shape('latemaps', 'doc')
 WHERE path LIKE '$.m%' OR path LIKE '$.n.n.n.n.n.n.n.n.n.m%' ORDER BY path, type;
RESET schema_guard.jsonb_map_threshold;

DROP SCHEMA jhostile CASCADE;
