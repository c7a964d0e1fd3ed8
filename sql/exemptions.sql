-- Exemptions are keyed by object: they follow renames and SET SCHEMA, a new
-- object that takes an old name inherits nothing, and dropping an object of
-- another kind with the same name removes nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- the drops, renames and type changes here test what exemptions follow
SET schema_guard.rename_breaks_clients = off;
SET schema_guard.lossy_type_change = off;

SET schema_guard.mode = off;
CREATE SCHEMA exm;
CREATE TABLE exm.legacy (id int PRIMARY KEY, note text, doc text, "Odd Col" text);
CREATE INDEX legacy_note_idx ON exm.legacy (note);
CREATE TABLE exm.parent (id int PRIMARY KEY);
CREATE TABLE exm.child (id int PRIMARY KEY, parent_id int NOT NULL,
                        CONSTRAINT "Child Parent" FOREIGN KEY (parent_id) REFERENCES exm.parent);
CREATE INDEX child_parent_id_idx ON exm.child (parent_id);
RESET schema_guard.mode;

-- An exemption names an object that exists now, as findings name it
-- (quoted identifiers included); anything else is refused.
SELECT schema_guard.exempt('implicit_nullable', 'exm.legacy', 'legacy table');
SELECT schema_guard.exempt('json_not_jsonb', 'exm.legacy.doc', 'legacy column');
SELECT schema_guard.exempt('json_not_jsonb', 'exm.legacy."Odd Col"', 'odd column');
SELECT schema_guard.exempt('drop_index_not_concurrent', 'exm.legacy_note_idx', 'small index');
SELECT schema_guard.exempt('fk_unindexed', '"Child Parent" on exm.child', 'ten rows');
SELECT schema_guard.exempt('reindex_not_concurrent', 'exm', 'scratch schema');
SELECT schema_guard.exempt('implicit_nullable', 'exm.nothing', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm.legacy.nothing', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm.legacy."odd col"', 'x');
SELECT schema_guard.exempt('fk_unindexed', 'Child Parent on exm.child', 'x');
SELECT schema_guard.exempt('fk_unindexed', 'nothing on exm.child', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'no_such_schema', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'a.b.c.d', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm."legacy', 'x');
SELECT schema_guard.unexempt('implicit_nullable', 'exm.nothing');
CREATE TEMP TABLE exm_scratch (a int);
-- (the pg_temp_N a session gets varies: the statement names it in SQL)
SELECT schema_guard.exempt('implicit_nullable', format('%I.exm_scratch', nspname), 'x')
  FROM pg_namespace WHERE oid = pg_my_temp_schema();
SELECT rule, object_type, object, reason FROM schema_guard.exemptions ORDER BY rule, object;
SELECT rule, object_type, rel, nsp, sub FROM schema_guard.exemption_rows ORDER BY rule, sub;

-- Renames are followed: the table, its column, its constraint, the index
-- of a constraint, and SET SCHEMA.
ALTER TABLE exm.legacy RENAME TO legacy_old;
ALTER TABLE exm.legacy_old RENAME COLUMN doc TO body;
ALTER TABLE exm.legacy_old RENAME COLUMN "Odd Col" TO "Odder Col";
ALTER TABLE exm.child RENAME CONSTRAINT "Child Parent" TO child_parent_fkey;
SELECT schema_guard.exempt('constraint_index_in_place', 'legacy_pkey on exm.legacy_old', 'primary key');
ALTER INDEX exm.legacy_pkey RENAME TO legacy_old_pkey;
CREATE SCHEMA exm_archive;
ALTER TABLE exm.legacy_old SET SCHEMA exm_archive;
SELECT rule, object_type, object FROM schema_guard.exemptions ORDER BY rule, object;

-- A new table that takes the old name inherits nothing...
CREATE TABLE exm.legacy (a int);
-- ...while the renamed table keeps its exemptions, under its new name.
ALTER TABLE exm_archive.legacy_old ADD COLUMN added int;
SET schema_guard.table_rewrite = off;
ALTER TABLE exm_archive.legacy_old ALTER COLUMN body TYPE json USING to_json(body);
RESET schema_guard.table_rewrite;
-- (a new column with the old name of an exempted column is not exempted)
ALTER TABLE exm_archive.legacy_old ADD COLUMN doc json NULL;
-- The foreign key, renamed, keeps its exemption when its index goes.
SET schema_guard.drop_index_not_concurrent = off;
DROP INDEX exm.child_parent_id_idx;
RESET schema_guard.drop_index_not_concurrent;
-- An index exemption stays with the index, wherever it moved.
DROP INDEX exm_archive.legacy_note_idx;

-- A schema's exemption.
REINDEX SCHEMA exm;

-- Unexempt takes the current name, not the old one.
SELECT schema_guard.unexempt('fk_unindexed', '"Child Parent" on exm.child');
SELECT schema_guard.unexempt('fk_unindexed', 'child_parent_fkey on exm.child');

-- A role that may create objects cannot remove anyone's exemption by
-- dropping an object of another kind that has the same name: a domain, a
-- type, a statistics object.
SELECT schema_guard.exempt('drop_index_not_concurrent', 'exm.child_pkey', 'small index');
CREATE ROLE exm_mallory;
GRANT USAGE, CREATE ON SCHEMA exm TO exm_mallory;
SET ROLE exm_mallory;
CREATE DOMAIN exm.child_pkey AS int;
DROP DOMAIN exm.child_pkey;
CREATE TYPE exm.child_pkey AS ENUM ('a');
DROP TYPE exm.child_pkey;
CREATE TABLE exm.mallory (a int NOT NULL, b int NOT NULL);
CREATE STATISTICS exm.child_pkey ON a, b FROM exm.mallory;
DROP STATISTICS exm.child_pkey;
DROP TABLE exm.mallory;
RESET ROLE;
SELECT rule, object FROM schema_guard.exemptions WHERE rule = 'drop_index_not_concurrent';

-- Dropping the object drops its exemptions: a column, a constraint, an
-- index, a table, a schema.
ALTER TABLE exm_archive.legacy_old DROP COLUMN body;
ALTER TABLE exm.child DROP CONSTRAINT child_pkey CASCADE;
SELECT rule, object_type, object FROM schema_guard.exemptions ORDER BY rule, object;
DROP TABLE exm_archive.legacy_old;
SELECT rule, object_type, object FROM schema_guard.exemptions ORDER BY rule, object;
ALTER SCHEMA exm RENAME TO exm_renamed;
SELECT rule, object_type, object FROM schema_guard.exemptions ORDER BY rule, object;
DROP SCHEMA exm_renamed CASCADE;
SELECT count(*) AS exemptions_left FROM schema_guard.exemption_rows;

-- Objects the guard never judges have nothing to exempt: system catalogs,
-- TOAST relations, the extension's own tables (and their columns, and the
-- schemas), views, sequences and composite types.  A reason is more than
-- white space.
CREATE TABLE exm_archive.seen (id int PRIMARY KEY, note text NULL);
CREATE VIEW exm_archive.seen_view AS SELECT id FROM exm_archive.seen;
CREATE SEQUENCE exm_archive.seen_seq;
CREATE TYPE exm_archive.pair AS (a int, b int);
CREATE MATERIALIZED VIEW exm_archive.seen_mv AS SELECT id FROM exm_archive.seen;
SELECT schema_guard.exempt('implicit_nullable', 'pg_catalog.pg_class', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'pg_catalog.pg_class.relname', 'x');
SELECT schema_guard.exempt('reindex_not_concurrent', 'pg_toast.pg_toast_1255', 'x');
SELECT schema_guard.exempt('reindex_not_concurrent', 'pg_catalog', 'x');
SELECT schema_guard.exempt('reindex_not_concurrent', 'pg_toast', 'x');
SELECT schema_guard.exempt('reindex_not_concurrent', 'schema_guard', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'schema_guard.exemption_rows', 'x');
SELECT schema_guard.exempt('fk_unindexed', 'jsonb_snapshot_paths_snapshot_id_fkey on schema_guard.jsonb_snapshot_paths', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm_archive.seen_view', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm_archive.seen_view.id', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm_archive.seen_seq', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm_archive.pair', 'x');
SELECT schema_guard.exempt('implicit_nullable', 'exm_archive.seen', E'\n\t \r');
SELECT schema_guard.exempt('implicit_nullable', 'exm_archive.seen', E' \tbig table\n');
SELECT schema_guard.exempt('index_not_concurrent', 'exm_archive.seen_mv', 'small view');
SELECT schema_guard.exempt('index_not_concurrent', 'exm_archive.seen_pkey', 'small index');
SELECT rule, object_type, object, reason FROM schema_guard.exemptions ORDER BY rule, object;
-- (a privileged role that writes the table directly is held to it too)
\set VERBOSITY terse
INSERT INTO schema_guard.exemption_rows (rule, object_type, rel, reason)
VALUES ('implicit_nullable', 'table', 'exm_archive.seen_mv', E'\n');
\set VERBOSITY default

DROP SCHEMA exm_archive CASCADE;
DROP OWNED BY exm_mallory;
DROP ROLE exm_mallory;

-- An index exemption is keyed by its table and its name: rebuilds give the
-- index a new OID under the same name (a column's new type, REINDEX
-- CONCURRENTLY, the guard's own HINT) and fire no sql_drop; the exemption
-- stays.  ALTER INDEX ... RENAME is followed; a new index that takes the
-- name of a dropped one inherits nothing.
SET schema_guard.mode = off;
CREATE TABLE exm_ix (id int PRIMARY KEY, v int NOT NULL);
CREATE INDEX exm_ix_v_idx ON exm_ix (v);
RESET schema_guard.mode;
SELECT schema_guard.exempt('reindex_not_concurrent', 'public.exm_ix_v_idx', 'legacy');
SET schema_guard.table_rewrite = off;
ALTER TABLE exm_ix ALTER COLUMN v TYPE bigint;
RESET schema_guard.table_rewrite;
SELECT rule, object_type, object FROM schema_guard.exemptions WHERE rule = 'reindex_not_concurrent';
REINDEX INDEX exm_ix_v_idx;
REINDEX INDEX CONCURRENTLY exm_ix_v_idx;
REINDEX INDEX exm_ix_v_idx;
-- Fires: the exemption is the index's, not its table's.
REINDEX INDEX exm_ix_pkey;
ALTER INDEX exm_ix_v_idx RENAME TO exm_ix_value_idx;
SELECT rule, object_type, object FROM schema_guard.exemptions WHERE rule = 'reindex_not_concurrent';
REINDEX INDEX exm_ix_value_idx;
-- Renaming it through ALTER TABLE is followed too.
ALTER TABLE exm_ix_value_idx RENAME TO exm_ix_v_idx;
SELECT rule, object_type, object FROM schema_guard.exemptions WHERE rule = 'reindex_not_concurrent';
DROP INDEX CONCURRENTLY exm_ix_v_idx;
SELECT count(*) AS exemptions_left FROM schema_guard.exemption_rows;
CREATE INDEX CONCURRENTLY exm_ix_v_idx ON exm_ix (v);
REINDEX INDEX exm_ix_v_idx;
DROP TABLE exm_ix;
