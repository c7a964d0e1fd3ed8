-- JSONB contracts and snapshots: who sees and changes them, and what a
-- hostile search_path or a hand-written row can do (nothing).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;

CREATE SCHEMA jsec;
CREATE TABLE jsec.secret (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO jsec.secret VALUES (1, '{"salary": 100, "ssn": "x"}'), (2, NULL);
SELECT schema_guard.jsonb_expect('jsec.secret', 'doc', '{"type": "object", "required": ["salary"]}');
SELECT schema_guard.jsonb_snapshot('jsec.secret', 'doc') > 0 AS snapshot_taken;

CREATE ROLE jsec_mallory;
GRANT USAGE ON SCHEMA jsec TO jsec_mallory;
GRANT SELECT (id) ON jsec.secret TO jsec_mallory;

-- A role that cannot read the column sees neither its contract nor its
-- snapshots, cannot forge paths into them, and cannot take one.
SET ROLE jsec_mallory;
SELECT count(*) AS contracts FROM schema_guard.jsonb_contracts;
SELECT count(*) AS snapshots FROM schema_guard.jsonb_snapshots;
SELECT count(*) AS snapshot_paths FROM schema_guard.jsonb_snapshot_paths;
INSERT INTO schema_guard.jsonb_snapshot_paths (snapshot_id, path, type, rows, presence, ratio)
SELECT id, '$.forged', 'string', 1, 1, 1 FROM schema_guard.jsonb_snapshots;
INSERT INTO schema_guard.jsonb_snapshots (tbl, col, method, rows_scanned, null_documents, budget_exhausted)
VALUES ('jsec.secret', 'doc', 'full', 1, 0, false);
SELECT schema_guard.jsonb_snapshot('jsec.secret', 'doc');
SELECT * FROM schema_guard.jsonb_drift();
RESET ROLE;

-- A contract written by hand is validated like one given to jsonb_expect().
INSERT INTO schema_guard.jsonb_contracts (tbl, col, contract) VALUES ('jsec.secret', 'id', '[]');
UPDATE schema_guard.jsonb_contracts SET contract = '{"type": "text"}';
-- "required" names each key once.
SELECT schema_guard.jsonb_expect('jsec.secret', 'doc', '{"required": ["salary", "salary"]}');

-- Renaming a column follows it in contracts and snapshots, and a "="
-- operator in the renamer's search_path is not called.
CREATE SCHEMA jsec_evil;
CREATE FUNCTION jsec_evil.loud_eq(regclass, regclass) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN RAISE WARNING 'evil operator called by %', current_user; RETURN true; END $$;
CREATE OPERATOR jsec_evil.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = jsec_evil.loud_eq);
CREATE TABLE jsec.other (id int PRIMARY KEY, doc jsonb NULL);
SELECT schema_guard.jsonb_expect('jsec.other', 'doc', '{"type": "object"}');
SET search_path = jsec_evil, public;
ALTER TABLE jsec.secret RENAME COLUMN doc TO body;
RESET search_path;
SELECT tbl, col FROM schema_guard.jsonb_contracts ORDER BY tbl::text, col;
SELECT tbl, col FROM schema_guard.jsonb_snapshots ORDER BY tbl::text, col;

-- Asked for every contract, a column that is no longer json is skipped with
-- a warning; the others are still checked.
ALTER TABLE jsec.other ALTER COLUMN doc TYPE text;
SELECT kind, path, rows FROM schema_guard.jsonb_drift() ORDER BY kind, path;

-- Drift names offending rows by what the caller may read: the primary key,
-- else the ctid (which needs SELECT on the table), else nothing, and the
-- query in fix then lists the documents themselves.
CREATE TABLE jsec.rows (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO jsec.rows VALUES (1, '{"a": 1}'), (2, '{"a": "x"}');
SELECT schema_guard.jsonb_expect('jsec.rows', 'doc', '{"properties": {"a": {"type": "integer"}}}');
CREATE ROLE jsec_reader;
GRANT USAGE ON SCHEMA jsec TO jsec_reader;
GRANT SELECT (doc) ON jsec.rows TO jsec_reader;
SET ROLE jsec_reader;
SELECT kind, rows, examples, detail, fix FROM schema_guard.jsonb_drift('jsec.rows', 'doc');
RESET ROLE;
GRANT SELECT (id) ON jsec.rows TO jsec_reader;
SET ROLE jsec_reader;
SELECT kind, rows, examples, fix FROM schema_guard.jsonb_drift('jsec.rows', 'doc');
RESET ROLE;
ALTER TABLE jsec.rows DROP CONSTRAINT rows_pkey;
GRANT SELECT ON jsec.rows TO jsec_reader;
SET ROLE jsec_reader;
SELECT kind, rows, examples, fix FROM schema_guard.jsonb_drift('jsec.rows', 'doc');
RESET ROLE;

DROP SCHEMA jsec, jsec_evil CASCADE;
DROP OWNED BY jsec_mallory;
DROP ROLE jsec_mallory;
DROP OWNED BY jsec_reader;
DROP ROLE jsec_reader;
SELECT count(*) AS contracts_left FROM schema_guard.jsonb_contracts;
