-- JSONB shapes on hostile input: deep, wide, huge and odd documents.
CREATE EXTENSION IF NOT EXISTS schema_guard;
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
SELECT length(schema_guard.jsonb_infer_contract('deep', 'doc')::text) > 0 AS inferred;
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

DROP SCHEMA jhostile CASCADE;
