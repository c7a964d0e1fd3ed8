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
SELECT schema_guard.jsonb_snapshot('jsec.secret', 'doc') AS secret_snap \gset
SELECT path, type, rows FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id = :secret_snap ORDER BY path, type;

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

-- Snapshots are written by jsonb_snapshot() alone: a role that may read the
-- column takes one, in its own name and at the server's time, but cannot
-- write one by hand, add or remove paths, or move its time.
CREATE TABLE jsec.feed (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO jsec.feed VALUES (1, '{"a": 1}');
CREATE ROLE jsec_forger;
GRANT USAGE ON SCHEMA jsec TO jsec_forger;
GRANT SELECT ON jsec.feed TO jsec_forger;
SET ROLE jsec_forger;
SELECT schema_guard.jsonb_snapshot('jsec.feed', 'doc') AS forged_first \gset
INSERT INTO schema_guard.jsonb_snapshots (tbl, col, method, rows_scanned, null_documents, budget_exhausted)
VALUES ('jsec.feed', 'doc', 'full', 1, 0, false);
INSERT INTO schema_guard.jsonb_snapshot_paths (snapshot_id, path, type, rows, presence, ratio)
VALUES (:forged_first, '$.forged', 'string', 1, 1, 1);
DELETE FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id = :forged_first;
UPDATE schema_guard.jsonb_snapshots SET taken_at = '2020-01-01' WHERE id = :forged_first;
SELECT nextval('schema_guard.jsonb_snapshots_id_seq');
SELECT schema_guard.jsonb_snapshot('jsec.feed', 'doc') AS forged_second \gset
SELECT change, path, type FROM schema_guard.jsonb_changes('jsec.feed', 'doc');
SELECT taken_by, count(p.*) AS paths
  FROM schema_guard.jsonb_snapshots s LEFT JOIN schema_guard.jsonb_snapshot_paths p ON p.snapshot_id = s.id
 WHERE s.tbl = 'jsec.feed'::regclass GROUP BY s.id, taken_by ORDER BY s.id;
-- Its taker removes a whole snapshot, paths included, with
-- jsonb_snapshot_drop() (not by hand).
DELETE FROM schema_guard.jsonb_snapshots WHERE id = :forged_second;
SELECT schema_guard.jsonb_snapshot_drop(:forged_second) AS dropped;
SELECT schema_guard.jsonb_snapshot_drop(:forged_second) AS dropped_again;
RESET ROLE;
SELECT count(*) AS paths_of_removed FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id = :forged_second;

-- A snapshot counts the rows its taker could see.  With row-level security
-- on the table it is shown (with the column's privilege) only to its
-- taker, the table owner and roles the policies do not filter; on a table
-- without row-level security, to every reader of the column.
CREATE ROLE jsec_owner;
CREATE ROLE jsec_a;
CREATE ROLE jsec_b;
CREATE ROLE jsec_auditor BYPASSRLS;
GRANT USAGE ON SCHEMA jsec TO jsec_owner, jsec_a, jsec_b, jsec_auditor;
CREATE TABLE jsec.tenant (id int PRIMARY KEY, tenant name NOT NULL, doc jsonb NULL);
INSERT INTO jsec.tenant VALUES (1, 'jsec_a', '{"a_only": 1}'), (2, 'jsec_b', '{"b_only": 1}');
ALTER TABLE jsec.tenant OWNER TO jsec_owner;
ALTER TABLE jsec.tenant ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON jsec.tenant USING (tenant = current_user);
GRANT SELECT ON jsec.tenant TO jsec_a, jsec_b, jsec_auditor;
SELECT schema_guard.jsonb_snapshot('jsec.tenant', 'doc') AS everything \gset
SET ROLE jsec_a;
SELECT schema_guard.jsonb_snapshot('jsec.tenant', 'doc') AS a_rows \gset
SELECT s.taken_by, array_agg(p.path ORDER BY p.path) AS paths
  FROM schema_guard.jsonb_snapshots s JOIN schema_guard.jsonb_snapshot_paths p ON p.snapshot_id = s.id
 WHERE s.tbl = 'jsec.tenant'::regclass GROUP BY s.id, s.taken_by ORDER BY s.id;
SET ROLE jsec_b;
SELECT count(*) AS snapshots_b_sees FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.tenant'::regclass;
SELECT count(*) AS paths_b_sees FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id IN (:everything, :a_rows);
SELECT * FROM schema_guard.jsonb_changes('jsec.tenant', 'doc');
SET ROLE jsec_owner;
SELECT count(*) AS snapshots_owner_sees FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.tenant'::regclass;
RESET ROLE;
ALTER TABLE jsec.tenant FORCE ROW LEVEL SECURITY;
SET ROLE jsec_owner;
SELECT count(*) AS snapshots_owner_sees_forced FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.tenant'::regclass;
SET ROLE jsec_auditor;
SELECT count(*) AS snapshots_auditor_sees FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.tenant'::regclass;
SET ROLE jsec_forger;
SELECT count(*) AS snapshots_forger_sees FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.tenant'::regclass;
RESET ROLE;
SELECT schema_guard.jsonb_snapshot('jsec.feed', 'doc') > 0 AS taken_without_rls;
SET ROLE jsec_forger;
SELECT taken_by FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.feed'::regclass ORDER BY id;
-- Another taker's snapshot is not the forger's to drop; the table owner's
-- role may drop any of its table.
SELECT max(id) AS superuser_snap FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.feed'::regclass \gset
\set VERBOSITY sqlstate
SELECT schema_guard.jsonb_snapshot_drop(:superuser_snap);
\set VERBOSITY default
SELECT count(*) AS superuser_snap_kept FROM schema_guard.jsonb_snapshots WHERE id = :superuser_snap;
SET ROLE jsec_owner;
SELECT schema_guard.jsonb_snapshot_drop(:everything) AS owner_dropped;
SELECT schema_guard.jsonb_snapshot_drop(:a_rows) AS owner_dropped_a;
RESET ROLE;

-- The owner of a table renames its column (with row_security off, as in a
-- restore): its contract and snapshots follow, though the owner may not
-- write snapshots.
ALTER TABLE jsec.feed OWNER TO jsec_owner;
SET ROLE jsec_owner;
SELECT schema_guard.jsonb_expect('jsec.feed', 'doc', '{"type": "object"}');
SET row_security = off;
ALTER TABLE jsec.feed RENAME COLUMN doc TO body;
RESET row_security;
RESET ROLE;
SELECT tbl, col, count(*) FROM schema_guard.jsonb_snapshots WHERE tbl = 'jsec.feed'::regclass GROUP BY tbl, col;
SELECT tbl, col, registered_by FROM schema_guard.jsonb_contracts WHERE tbl = 'jsec.feed'::regclass;

-- Contracts are written by jsonb_expect() and jsonb_unexpect() alone: the
-- table owner cannot forge who registered one, when, or which keywords go
-- unchecked, nor remove one by hand, nor lock the table to stall the DROPs
-- and renames of others.
SET ROLE jsec_owner;
INSERT INTO schema_guard.jsonb_contracts (tbl, col, contract, registered_by, registered_at)
VALUES ('jsec.tenant', 'doc', '{"type": "object"}', 'postgres', '2000-01-01');
UPDATE schema_guard.jsonb_contracts SET unchecked_keywords = '{}', registered_by = 'postgres'
 WHERE tbl = 'jsec.feed'::regclass;
DELETE FROM schema_guard.jsonb_contracts WHERE tbl = 'jsec.feed'::regclass;
BEGIN;
LOCK TABLE schema_guard.jsonb_contracts IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
SELECT schema_guard.jsonb_unexpect('jsec.feed', 'body') AS removed_by_owner;
RESET ROLE;
SELECT count(*) AS feed_contracts FROM schema_guard.jsonb_contracts WHERE tbl = 'jsec.feed'::regclass;

-- Temporary tables get no contract and no snapshot: they end with their
-- session without a sql_drop event, and a dump would keep their OID.
CREATE TEMP TABLE jsec_scratch (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO jsec_scratch VALUES (1, '{"a": 1}');
SELECT schema_guard.jsonb_expect('jsec_scratch', 'doc', '{"type": "object"}');
SELECT schema_guard.jsonb_snapshot('jsec_scratch', 'doc');
\set VERBOSITY terse
INSERT INTO schema_guard.jsonb_contracts (tbl, col, contract) VALUES ('jsec_scratch', 'doc', '{"type": "object"}');
\set VERBOSITY default
-- Reading their shape is fine.
SELECT path, type, rows FROM schema_guard.jsonb_shape('jsec_scratch', 'doc');

DROP SCHEMA jsec, jsec_evil CASCADE;
DROP OWNED BY jsec_mallory;
DROP ROLE jsec_mallory;
DROP OWNED BY jsec_reader;
DROP ROLE jsec_reader;
DROP OWNED BY jsec_forger;
DROP ROLE jsec_forger;
DROP OWNED BY jsec_a;
DROP ROLE jsec_a;
DROP OWNED BY jsec_b;
DROP ROLE jsec_b;
DROP OWNED BY jsec_auditor;
DROP ROLE jsec_auditor;
DROP OWNED BY jsec_owner;
DROP ROLE jsec_owner;
SELECT count(*) AS contracts_left FROM schema_guard.jsonb_contracts;
