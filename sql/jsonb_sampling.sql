-- JSONB shapes: sampling with TABLESAMPLE and 95% intervals; bad arguments.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE SCHEMA jsample;
SET search_path = jsample, public;

-- 20,000 documents: $.rare in 1%, $.half in 50%, $.all in every one.
CREATE TABLE s (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO s
SELECT i, jsonb_build_object('all', i)
          || CASE WHEN i % 2 = 0 THEN '{"half": true}'::jsonb ELSE '{}' END
          || CASE WHEN i % 100 = 0 THEN '{"rare": "x"}'::jsonb ELSE '{}' END
  FROM generate_series(1, 20000) i;
ANALYZE s;

-- Full scan: exact counts, the interval is the ratio itself.
SELECT path, type, rows, presence, ratio_low, ratio_high
  FROM schema_guard.jsonb_shape('s', 'doc') ORDER BY path;

-- A 10% sample is repeatable with its seed, and every interval holds the
-- true ratio (1, 0.5, 0.01).
CREATE TEMP TABLE a AS SELECT * FROM schema_guard.jsonb_shape('s', 'doc', 10, 42);
CREATE TEMP TABLE b AS SELECT * FROM schema_guard.jsonb_shape('s', 'doc', 10, 42);
SELECT count(*) AS same_rows FROM a JOIN b USING (path, type, rows);
SELECT path,
       ratio_low <= CASE path WHEN '$.half' THEN 0.5 WHEN '$.rare' THEN 0.01 ELSE 1 END
       AND ratio_high >= CASE path WHEN '$.half' THEN 0.5 WHEN '$.rare' THEN 0.01 ELSE 1 END AS covers_truth,
       ratio_high - ratio_low < 0.05 AS narrow,
       rows BETWEEN 1500 AND 2500 OR path IN ('$.half', '$.rare') AS plausible
  FROM a ORDER BY path;
-- Another seed draws another sample.
SELECT count(*) < 4 AS differs
  FROM schema_guard.jsonb_shape('s', 'doc', 10, 7) c JOIN a USING (path, type, rows);

-- The summary says how the rows were read and how common a path can be
-- while the sample missed it (about 3/n at 95%).
SELECT method, sample_percent, seed, rows_scanned BETWEEN 1800 AND 2200 AS about_10_percent,
       est_total_rows, unseen_max_ratio BETWEEN 2.99 / rows_scanned AND 3.0 / rows_scanned AS rule_of_three
  FROM schema_guard.jsonb_shape_summary('s', 'doc', 10, 42);
SELECT method, rows_scanned, est_total_rows, round(unseen_max_ratio::numeric, 7) AS unseen_max_ratio
  FROM schema_guard.jsonb_shape_summary('s', 'doc', 100, 1);

-- A tiny sample: a path it did not see can still be in up to ~3/n.
SELECT rows_scanned, round(unseen_max_ratio::numeric, 3) AS unseen_at_most,
       round((unseen_max_ratio * rows_scanned)::numeric, 2) AS times_n
  FROM schema_guard.jsonb_shape_summary('s', 'doc', 0.1, 3);

-- Bad arguments: clear errors with a hint.
SELECT * FROM schema_guard.jsonb_shape('s', 'doc', 0);
SELECT * FROM schema_guard.jsonb_shape('s', 'doc', 100.5);
SELECT * FROM schema_guard.jsonb_shape('s', 'doc', -1);
SELECT * FROM schema_guard.jsonb_shape('s', 'doc', 'NaN');
SELECT * FROM schema_guard.jsonb_shape('s', 'doc', 10, NULL);
SELECT * FROM schema_guard.jsonb_shape(NULL, 'doc');
SELECT * FROM schema_guard.jsonb_shape('s', NULL);
SELECT * FROM schema_guard.jsonb_shape('s', 'id');
SELECT * FROM schema_guard.jsonb_shape('s', 'nope');
SELECT * FROM schema_guard.jsonb_shape('nope', 'doc');
SELECT * FROM schema_guard.jsonb_shape(1::oid::regclass, 'doc');
CREATE VIEW v AS SELECT * FROM s;
SELECT * FROM schema_guard.jsonb_shape('v', 'doc');
CREATE TABLE notjson (id int PRIMARY KEY, body text NOT NULL, tags text[] NOT NULL);
SELECT * FROM schema_guard.jsonb_shape('notjson', 'body');
SELECT * FROM schema_guard.jsonb_infer_contract('notjson', 'tags');
SELECT * FROM schema_guard.jsonb_shape_summary('s', 'doc', 0);
SELECT * FROM schema_guard.jsonb_shape('s', 'ctid');
-- A domain over jsonb is jsonb.
CREATE DOMAIN payload AS jsonb CHECK (VALUE IS NOT NULL);
CREATE TABLE d (id int PRIMARY KEY, p payload NOT NULL);
INSERT INTO d VALUES (1, '{"x": 1}');
SELECT path, type, rows FROM schema_guard.jsonb_shape('d', 'p') ORDER BY path;

DROP SCHEMA jsample CASCADE;
