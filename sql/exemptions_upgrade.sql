-- ALTER EXTENSION schema_guard UPDATE from 0.1.0: exemptions, keyed by name
-- in 0.1.0, are resolved to their objects (those whose object is gone are
-- dropped, with a WARNING; a reason that is only white space, which 0.1.0
-- let through, is replaced, with a WARNING); contracts and snapshots of
-- temporary tables go;
-- and the updated extension equals a fresh 0.2.0 one.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS schema_guard;
CREATE EXTENSION schema_guard VERSION '0.1.0';
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.rename_breaks_clients = off;  -- the rename and the drop here test what exemptions follow
SET schema_guard.destructive_drop = off;
-- (the library is already the new one: no DDL that it would follow while
-- the tables are still those of 0.1.0)
SET schema_guard.mode = off;

CREATE TABLE upg_t (id int PRIMARY KEY, note text, "Odd" text);
CREATE INDEX upg_t_note_idx ON upg_t (note);
INSERT INTO schema_guard.exemptions (rule, object, reason, exempted_at) VALUES
    ('implicit_nullable', 'public.upg_t', 'table', '2024-01-01'),
    ('implicit_nullable', 'public."upg_t"', 'the same table, quoted: the newer stays', '2024-02-01'),
    ('json_not_jsonb', 'public.upg_t.note', 'column', '2024-01-01'),
    ('json_not_jsonb', 'public.upg_t."Odd"', 'quoted column', '2024-01-01'),
    ('fk_unindexed', 'upg_t_pkey on public.upg_t', 'constraint', '2024-01-01'),
    ('drop_index_not_concurrent', 'public.upg_t_note_idx', 'index', '2024-01-01'),
    ('reindex_not_concurrent', 'public', 'schema', '2024-01-01'),
    ('implicit_nullable', 'public.upg_gone', 'a table dropped since', '2024-01-01'),
    ('implicit_nullable', 'public.upg_t.gone', 'a column dropped since', '2024-01-01'),
    ('implicit_nullable', 'not a name', 'never a name', '2024-01-01'),
    ('json_not_jsonb', 'public.upg_t', E'\n\t', '2024-01-01');
CREATE TEMP TABLE upg_scratch (doc jsonb);
INSERT INTO schema_guard.jsonb_contracts (tbl, col, contract) VALUES ('upg_scratch', 'doc', '{"type": "object"}');
-- a snapshot of a temporary table that ended with its session: its OID
-- names no relation now
INSERT INTO schema_guard.jsonb_snapshots (tbl, col, method, rows_scanned, null_documents, budget_exhausted)
VALUES (1, 'doc', 'full', 0, 0, false);

-- 0.1.0's rule levels had two dots in their names (schema_guard.rule.<id>),
-- which postgresql.conf cannot hold; settings kept per role and per database
-- move to schema_guard.<id>.  (The new library refuses the old names, so they
-- are written into the catalog directly.)
CREATE ROLE upg_role;
INSERT INTO pg_db_role_setting VALUES
    (0, 'upg_role'::regrole, '{work_mem=4MB,schema_guard.rule.fk_unindexed=off}'),
    ((SELECT oid FROM pg_database WHERE datname = current_database()), 'upg_role'::regrole,
     '{schema_guard.rule.table_rewrite=warning}');

ALTER EXTENSION schema_guard UPDATE TO '0.2.0';
RESET schema_guard.mode;
SELECT setdatabase <> 0 AS in_database, setconfig FROM pg_db_role_setting
 WHERE setrole = 'upg_role'::regrole ORDER BY 1;
DROP ROLE upg_role;
SELECT rule, object_type, object, reason FROM schema_guard.exemptions ORDER BY rule, object;
-- an index is keyed by its table and its name, as in a fresh 0.2.0
SELECT rule, rel, sub FROM schema_guard.exemption_rows WHERE object_type = 'index';
SELECT count(*) AS temporary_contracts FROM schema_guard.jsonb_contracts;
SELECT count(*) AS dangling_snapshots FROM schema_guard.jsonb_snapshots;

-- The converted exemptions work and follow their objects.
ALTER TABLE upg_t ADD COLUMN added int;
ALTER TABLE upg_t RENAME TO upg_renamed;
ALTER TABLE upg_renamed RENAME COLUMN note TO remark;
SELECT rule, object_type, object FROM schema_guard.exemptions ORDER BY rule, object;
DROP TABLE upg_renamed;
SELECT rule, object_type, object FROM schema_guard.exemptions ORDER BY rule, object;
SELECT schema_guard.unexempt('reindex_not_concurrent', 'public');

-- Updated equals fresh: every object of the extension, its definition,
-- privileges, policies and dumped tables (the fingerprint that
-- test/t_upgrade.sh uses with the released 0.1.0 library).
\set ECHO none
\i test/extension_fingerprint.sql
\set ECHO all
CREATE TEMP TABLE upg_updated AS SELECT * FROM pg_temp.sg_fingerprint();
SET client_min_messages = warning;
DROP EXTENSION schema_guard;
CREATE EXTENSION schema_guard;
RESET client_min_messages;
CREATE TEMP TABLE upg_fresh AS SELECT * FROM pg_temp.sg_fingerprint();
SELECT count(*) > 100 AS fingerprinted FROM upg_fresh;
(SELECT 'only updated' AS side, * FROM upg_updated EXCEPT SELECT 'only updated', * FROM upg_fresh)
UNION ALL
(SELECT 'only fresh', * FROM upg_fresh EXCEPT SELECT 'only fresh', * FROM upg_updated)
ORDER BY kind, name, side;
