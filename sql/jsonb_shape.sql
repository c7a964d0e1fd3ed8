-- JSONB shapes: jsonb_shape(), jsonb_shape_summary(), jsonb_infer_contract().
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE SCHEMA jshape;
SET search_path = jshape, public;

CREATE TABLE docs (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO docs VALUES
 (1, '{"a": 1, "b": "xy", "tags": ["x", "y"], "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1.5}]}'),
 (2, '{"a": 2.0, "b": null, "tags": [], "items": [{"sku": "C"}], "odd key": {"x.y": true, "[0]": false, "say \"hi\"": 1}}'),
 (3, '{"a": "3", "b": "żółw", "users": {"123": {"n": 1}, "456": {"n": 2}}, "ü": 1e2}'),
 (4, '42'),
 (5, '[1, [2, [3.5]], {"k": "v"}]'),
 (6, NULL),
 (7, '{}'),
 (8, '"just a string"');

-- One row per (path, type); counts are of documents, not occurrences:
-- document 1 has two $.items[*].sku strings and counts once.
SELECT path, type, rows, round(presence::numeric, 3) AS presence,
       round(ratio_low::numeric, 3) AS ratio_low, round(ratio_high::numeric, 3) AS ratio_high,
       min_length, max_length, depth, note
  FROM schema_guard.jsonb_shape('docs', 'doc')
 ORDER BY path, type;

-- 1.0 and 1e2 are integers (JSON Schema); 1.5 and 3.5 are numbers.
SELECT path, type, rows FROM schema_guard.jsonb_shape('docs', 'doc')
 WHERE type IN ('integer', 'number') ORDER BY path, type;

-- integer vs number agrees with min_scale() on numbers of every form:
-- short and long stored formats, trailing zeros, exponents, huge and tiny.
CREATE TABLE nums (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT setseed(0.5);
INSERT INTO nums SELECT row_number() OVER (), jsonb_build_object('v', v::numeric) FROM (
    SELECT unnest(ARRAY['0', '-0', '1', '-1', '1.0', '-1.0', '1.5', '100.00', '1e2', '1e-2', '0.0001',
                        '10000', '9999.9999', '123456789012345678901234567890',
                        '123456789012345678901234567890.5', '1e100', '1e-100', '-1e100',
                        '100000000.000000001', '0.5e1', '12.3400', '-12.0000', '1e20', '1000000.0']) AS v
    UNION ALL SELECT (random() * 10 ^ (random() * 30 - 10))::numeric(60, 15)::text FROM generate_series(1, 2000)
    UNION ALL SELECT round((random() * 10 ^ (random() * 20))::numeric, (random() * 4)::int)::text FROM generate_series(1, 2000)
    UNION ALL SELECT (-(random() * 1e6)::int)::text || '.' || repeat('0', (random() * 5)::int) FROM generate_series(1, 1000)) x;
SELECT (SELECT array_agg(type || ':' || rows ORDER BY type) FROM schema_guard.jsonb_shape('nums', 'doc') WHERE path = '$.v')
     = (SELECT array_agg(t || ':' || n ORDER BY t)
          FROM (SELECT CASE WHEN min_scale((doc->'v')::numeric) = 0 THEN 'integer' ELSE 'number' END AS t, count(*) AS n
                  FROM nums GROUP BY 1) x) AS agrees_with_min_scale,
       (SELECT count(DISTINCT type) FROM schema_guard.jsonb_shape('nums', 'doc') WHERE path = '$.v') AS types;

-- String lengths are characters, checked against char_length() on strings
-- of every length mixing 1- to 4-byte characters.
CREATE TABLE strs (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO strs SELECT i, jsonb_build_object('s', s, 'k' || (i % 3), s)
  FROM (SELECT i, string_agg((ARRAY['a', 'é', '日', '😀', 'z'])[1 + (i * 7 + j * 3) % 5], '') AS s
          FROM generate_series(1, 300) i, generate_series(1, 1 + i % 40) j GROUP BY i) x;
SELECT bool_and(sh.min_length = q.mn AND sh.max_length = q.mx) AS lengths_agree, count(*) AS paths
  FROM schema_guard.jsonb_shape('strs', 'doc') sh
  JOIN (SELECT '$.' || k AS path, min(char_length(v)) AS mn, max(char_length(v)) AS mx
          FROM strs, jsonb_each_text(doc) e(k, v) GROUP BY k) q USING (path);

-- Strings: lengths in characters ("żółw" is 4), never values.
SELECT path, min_length, max_length FROM schema_guard.jsonb_shape('docs', 'doc')
 WHERE path = '$.b' AND type = 'string';

SELECT method, sample_percent, seed, rows_scanned, null_documents, est_total_rows,
       paths, maps_collapsed, budget_exhausted, values_skipped, unseen_max_ratio, restarts
  FROM schema_guard.jsonb_shape_summary('docs', 'doc');

-- The observed shape as JSON Schema; "required" only where a key is in
-- every object at its path (the root is not always an object here).
SELECT jsonb_pretty(schema_guard.jsonb_infer_contract('docs', 'doc'));

-- A regular column: required keys, maps as additionalProperties.
CREATE TABLE orders (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO orders
SELECT i, jsonb_build_object(
        'id', i,
        'status', CASE WHEN i % 10 = 0 THEN NULL ELSE 'paid' END,
        'lines', jsonb_build_array(jsonb_build_object('sku', 'S' || i, 'qty', i % 3)),
        'by_day', jsonb_build_object(to_char(date '2024-01-01' + i, 'YYYY-MM-DD'), i))
  || CASE WHEN i % 4 = 0 THEN '{"note": "x"}'::jsonb ELSE '{}' END
  FROM generate_series(1, 40) i;
SELECT jsonb_pretty(schema_guard.jsonb_infer_contract('orders', 'doc'));

-- Map-like objects: keys that are data collapse into .* (uuids, dates,
-- numbers) and so do objects with more distinct keys than the threshold.
CREATE TABLE maps (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO maps
SELECT i, jsonb_build_object(
        'by_uuid', jsonb_build_object(md5(i::text)::uuid::text, i),
        'by_name', jsonb_build_object('user_' || chr(97 + i % 26) || chr(97 + i / 26 % 26), true),
        'fixed', jsonb_build_object('a', 1))
  FROM generate_series(1, 300) i;
SET schema_guard.jsonb_map_threshold = 50;
SELECT path, type, rows, note FROM schema_guard.jsonb_shape('maps', 'doc') ORDER BY path, type;
-- The named keys were seen before the object was recognised as a map: the
-- scan started again, so the counts are exact.
SELECT paths, maps_collapsed, restarts FROM schema_guard.jsonb_shape_summary('maps', 'doc');
-- With a threshold above the distinct keys, the names stay.
SET schema_guard.jsonb_map_threshold = 1000;
SELECT count(*) AS named_paths FROM schema_guard.jsonb_shape('maps', 'doc')
 WHERE path LIKE '$.by_name.user%';
RESET schema_guard.jsonb_map_threshold;

-- The distinct-path budget bounds memory and is reported, never silent.
SET schema_guard.jsonb_path_budget = 16;
SET schema_guard.jsonb_map_threshold = 100000;
SELECT count(*) FROM schema_guard.jsonb_shape('maps', 'doc');
SELECT paths, budget_exhausted, values_skipped > 0 AS skipped
  FROM schema_guard.jsonb_shape_summary('maps', 'doc');
RESET schema_guard.jsonb_path_budget;
RESET schema_guard.jsonb_map_threshold;

-- Partitioned tables read every partition; materialized views; json columns.
CREATE TABLE events (id int NOT NULL, at date NOT NULL, payload json NULL)
    PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events VALUES
 (1, '2023-05-01', '{"kind": "a", "n": 1}'),
 (2, '2024-05-01', '{"kind": "b", "n": 2.5, "kind": "dup"}'),
 (3, '2024-06-01', '[]');
SELECT path, type, rows FROM schema_guard.jsonb_shape('events', 'payload') ORDER BY path, type;
CREATE MATERIALIZED VIEW order_status AS
    SELECT id, jsonb_build_object('status', doc->'status') AS doc FROM orders;
SELECT path, type, rows FROM schema_guard.jsonb_shape('order_status', 'doc') ORDER BY path, type;

-- An empty table and a table of NULLs.
CREATE TABLE empty_docs (id int PRIMARY KEY, doc jsonb NULL);
SELECT count(*) FROM schema_guard.jsonb_shape('empty_docs', 'doc');
INSERT INTO empty_docs VALUES (1, NULL), (2, NULL);
SELECT count(*) FROM schema_guard.jsonb_shape('empty_docs', 'doc');
SELECT rows_scanned, null_documents, paths FROM schema_guard.jsonb_shape_summary('empty_docs', 'doc');
SELECT schema_guard.jsonb_infer_contract('empty_docs', 'doc');

-- Runs as the caller: column privileges and row-level security apply.
CREATE ROLE jshape_reader;
GRANT USAGE ON SCHEMA jshape TO jshape_reader;
GRANT SELECT (id) ON orders TO jshape_reader;
SET ROLE jshape_reader;
SELECT count(*) FROM schema_guard.jsonb_shape('orders', 'doc');
RESET ROLE;
GRANT SELECT (doc) ON orders TO jshape_reader;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenth ON orders FOR SELECT TO jshape_reader USING (id <= 4);
SET ROLE jshape_reader;
SELECT path, type, rows FROM schema_guard.jsonb_shape('orders', 'doc')
 WHERE path IN ('$', '$.note') ORDER BY path;
RESET ROLE;

-- Rows come in the byte order of their paths (ORDER BY path COLLATE "C"),
-- also where one key is a prefix of another: $.aB sorts before $.a[*].
CREATE TABLE ord (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO ord VALUES
 (1, '{"a": [1], "aB": 1, "a_": {"x": 1}, "a b": {"c": 1}, "a b!": 2, "a.": 3, "": {"": 1}, "A": [[1]], "a0": {"b": "s"}}');
SELECT path, type FROM schema_guard.jsonb_shape('ord', 'doc');
SELECT array_agg(path ORDER BY n) = array_agg(path ORDER BY path COLLATE "C") AS in_c_order
  FROM schema_guard.jsonb_shape('ord', 'doc') WITH ORDINALITY
       AS s(path, type, rows, presence, ratio_low, ratio_high, min_length, max_length, depth, note, n);

-- Objects that repeat the keys of the one before them take their paths
-- from memory: the same key bytes split differently ("ab", "c" and "a",
-- "bc"), the same split with other bytes, and the same keys again after
-- them must each be counted under their own paths.
CREATE TABLE memo (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO memo VALUES
 (1, '{"o": {"ab": 1, "c": "x"}}'), (2, '{"o": {"ab": 1, "c": "x"}}'),
 (3, '{"o": {"a": 1, "bc": "x"}}'), (4, '{"o": {"ab": true, "d": "x"}}'),
 (5, '{"o": {"ab": 1, "c": "xyz"}}'), (6, '{"o": {"a": [], "bc": null}}'),
 (7, '{"o": {"ab": 1, "c": "x"}}');
SELECT path, type, rows, min_length, max_length FROM schema_guard.jsonb_shape('memo', 'doc');

DROP SCHEMA jshape CASCADE;
DROP ROLE jshape_reader;
