-- The engine: the rule registry, GUCs, levels, exemptions, where the guard
-- looks and where it does not.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- The registry, with effective levels.
SELECT rule, family, moments, level FROM schema_guard.rules() ORDER BY rule;

-- One PGC_SUSET enum GUC per rule, plus the master switch; all listed.
SELECT name, setting, context, enumvals
  FROM pg_settings WHERE name LIKE 'schema_guard.%' ORDER BY name;
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject

-- Values are checked (the reserved prefix: guard_reserved_prefix.sql).
SET schema_guard.mode = 'sometimes';
SET schema_guard.implicit_nullable = 'info';

-- mode = warn turns every error into a warning, and rules() says so.
SET schema_guard.mode = warn;
SELECT rule, level FROM schema_guard.rules() WHERE rule = 'implicit_nullable';
CREATE TABLE engine_warned (a int);
-- mode = off: silence, and rules() says off.
SET schema_guard.mode = off;
SELECT DISTINCT level FROM schema_guard.rules();
CREATE TABLE engine_silent (a int);
RESET schema_guard.mode;

-- A per-rule level: warning, then off.
SET schema_guard.implicit_nullable = warning;
CREATE TABLE engine_rule_warning (a int);
SET schema_guard.implicit_nullable = off;
CREATE TABLE engine_rule_off (a int);
RESET schema_guard.implicit_nullable;

-- Each moment calls only the rules whose level is not off then.  A rule off
-- when the statement ran never judges what it created, even back on at
-- commit; a rule off at commit judges nothing the transaction left.
CREATE TABLE engine_moment_parent (id int PRIMARY KEY);
BEGIN;
SET LOCAL schema_guard.fk_unindexed = off;
CREATE TABLE engine_moment_off (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES engine_moment_parent);
SET LOCAL schema_guard.fk_unindexed = error;
COMMIT;
BEGIN;
CREATE TABLE engine_moment_late (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES engine_moment_parent);
SET LOCAL schema_guard.fk_unindexed = off;
COMMIT;
BEGIN;
CREATE TABLE engine_moment_on (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES engine_moment_parent);
COMMIT;
DROP TABLE engine_moment_off, engine_moment_late, engine_moment_parent;

-- Rejections carry the extension's own SQLSTATE, warnings class 01.
\set VERBOSITY sqlstate
CREATE TABLE engine_sqlstate (a int);
SET schema_guard.mode = warn;
CREATE TABLE engine_sqlstate (a int);
RESET schema_guard.mode;
\set VERBOSITY default
-- A rejection raised by the statement itself can be caught (one raised at
-- commit, such as implicit_nullable's, cannot).
SET schema_guard.json_not_jsonb = error;
DO $$
BEGIN
    CREATE TABLE engine_caught (a json NOT NULL);
EXCEPTION WHEN SQLSTATE 'SG001' THEN
    RAISE NOTICE 'caught %: %', SQLSTATE, SQLERRM;
END
$$;
RESET schema_guard.json_not_jsonb;

-- DDL inside a DO block and inside a function is guarded too.
DO $$ BEGIN CREATE TABLE engine_in_do (a int); END $$;
CREATE FUNCTION engine_make_table() RETURNS void LANGUAGE plpgsql
  AS $$ BEGIN EXECUTE 'CREATE TABLE engine_in_function (a int)'; END $$;
SELECT engine_make_table();

-- Not guarded: temporary tables, and the extension's own objects.
CREATE TEMP TABLE engine_scratch (a int);
CREATE INDEX ON engine_scratch (a);
BEGIN;
ALTER TABLE schema_guard.exemption_rows ADD COLUMN note text;
ROLLBACK;

-- Exemptions: a reason is required; the rule must exist, and so must the
-- object (exemptions are keyed by object: see sql/exemptions.sql).
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_in_function', NULL);
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_in_function', '   ');
SELECT schema_guard.exempt('no_such_rule', 'public.engine_in_function', 'why not');
SELECT schema_guard.exempt(NULL, 'public.engine_in_function', 'why not');
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_in_function', 'not created yet');
SET schema_guard.mode = off;
SELECT engine_make_table();
RESET schema_guard.mode;
-- An exemption on a table covers every object of the table, and says who
-- and why.
SELECT now() AS before_exempt \gset
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_in_function', 'legacy importer writes NULLs');
ALTER TABLE engine_in_function ADD COLUMN b int;
SELECT rule, object_type, object, reason, exempted_by = current_user AS by_me,
       exempted_at BETWEEN :'before_exempt' AND now() AS dated
  FROM schema_guard.exemptions;
-- Exempting again replaces the reason.
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_in_function', 'importer fixed in 2.0');
SELECT reason FROM schema_guard.exemptions;
-- Other rules are not exempted by it.
CREATE INDEX ON engine_in_function (a);
-- Exemptions die with their objects.
DROP TABLE engine_in_function;
SELECT count(*) FROM schema_guard.exemptions;
-- unexempt says whether there was something to remove.
SET schema_guard.mode = off;
CREATE TABLE engine_placeholder (a int);
RESET schema_guard.mode;
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_placeholder', 'placeholder');
SELECT schema_guard.unexempt('implicit_nullable', 'public.engine_placeholder');
SELECT schema_guard.unexempt('implicit_nullable', 'public.engine_placeholder');
DROP TABLE engine_placeholder;

-- A failing statement or an aborted transaction leaves nothing behind: what
-- it created is gone, and so is its pending commit check (an unindexed
-- foreign key).  The same foreign key, added again with the guard off by
-- the very next transaction, is not judged at its commit.
CREATE TABLE engine_parent (id int PRIMARY KEY);
CREATE TABLE engine_child (id int PRIMARY KEY, parent_id int NOT NULL);
BEGIN;
SELECT 1/0;
ROLLBACK;
BEGIN;
CREATE TABLE engine_in_aborted (a int NOT NULL);
ALTER TABLE engine_child ADD CONSTRAINT engine_child_parent_fk
    FOREIGN KEY (parent_id) REFERENCES engine_parent NOT VALID;
SELECT 1/0;
COMMIT;
BEGIN;
SET LOCAL schema_guard.mode = off;
ALTER TABLE engine_child ADD CONSTRAINT engine_child_parent_fk
    FOREIGN KEY (parent_id) REFERENCES engine_parent NOT VALID;
SET LOCAL schema_guard.mode = enforce;
COMMIT;
SELECT to_regclass('engine_in_aborted') IS NULL AS gone,
       (SELECT count(*) FROM pg_constraint WHERE conname = 'engine_child_parent_fk') AS fks;
-- The same within a transaction: a savepoint rolled back forgets its
-- pending check, so the foreign key added again with the guard off passes.
ALTER TABLE engine_child DROP CONSTRAINT engine_child_parent_fk;
BEGIN;
SAVEPOINT s1;
ALTER TABLE engine_child ADD CONSTRAINT engine_child_parent_fk
    FOREIGN KEY (parent_id) REFERENCES engine_parent NOT VALID;
ROLLBACK TO SAVEPOINT s1;
SET LOCAL schema_guard.mode = off;
ALTER TABLE engine_child ADD CONSTRAINT engine_child_parent_fk
    FOREIGN KEY (parent_id) REFERENCES engine_parent NOT VALID;
SET LOCAL schema_guard.mode = enforce;
COMMIT;
SELECT count(*) AS fks FROM pg_constraint WHERE conname = 'engine_child_parent_fk';
DROP TABLE engine_child, engine_parent;

-- Clean up.
DROP TABLE engine_warned, engine_silent, engine_rule_warning, engine_rule_off, engine_sqlstate;
DROP FUNCTION engine_make_table();

-- The exemption lookup cannot be steered by the caller's search_path: an
-- "=" operator that says yes to everything changes nothing.
CREATE SCHEMA engine_evil;
CREATE FUNCTION engine_evil.always(text, text) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR engine_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = engine_evil.always);
SET schema_guard.mode = off;
CREATE TABLE engine_other_table (a int);
RESET schema_guard.mode;
SELECT schema_guard.exempt('implicit_nullable', 'public.engine_other_table', 'unrelated');
SET search_path = engine_evil, pg_catalog, public;
CREATE TABLE engine_search_path (a int);
RESET search_path;
SELECT schema_guard.unexempt('implicit_nullable', 'public.engine_other_table');
DROP TABLE engine_other_table;
DROP SCHEMA engine_evil CASCADE;

-- A statement that drops an object it collected (DROP IDENTITY drops the
-- identity's sequence, SET DATA TYPE collects it) runs as without the guard
-- on every major (13's pg_event_trigger_ddl_commands() raises for it).
SET schema_guard.mode = warn;
CREATE TABLE engine_identity (id bigint PRIMARY KEY, f5 int NOT NULL GENERATED ALWAYS AS IDENTITY);
ALTER TABLE engine_identity
    ALTER COLUMN f5 DROP IDENTITY,
    ALTER COLUMN f5 DROP NOT NULL,
    ALTER COLUMN f5 SET DATA TYPE bigint;
SELECT attname, format_type(atttypid, atttypmod), attnotnull, attidentity
  FROM pg_attribute WHERE attrelid = 'engine_identity'::regclass AND attname = 'f5';
DROP TABLE engine_identity;
RESET schema_guard.mode;
