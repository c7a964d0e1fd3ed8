-- The caller's settings change nothing: every SQL function of the
-- extension, and the guard as it fires, give the same results under
-- hostile settings as under the defaults.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set regress_db :DBNAME

-- Every SQL-callable function pins the same settings (sg_pinned_settings in
-- src/report.c).  The event-trigger functions pin them in the library
-- instead, only when the caller's differ, and keep the user's search_path,
-- in which they resolve the names of the user's statement (the firing cases
-- below show them immune).  So does roundtrip(), which runs the user's
-- migration with the user's settings (sql/roundtrip.sql shows its report
-- immune).  Nothing is missing:
WITH pins(setting) AS (
    VALUES ('search_path=pg_catalog, pg_temp'), ('row_security=on'),
           ('standard_conforming_strings=on'), ('quote_all_identifiers=off'),
           ('array_nulls=on'), ('DateStyle=ISO, MDY'), ('IntervalStyle=postgres'),
           ('extra_float_digits=1'), ('bytea_output=hex'))
SELECT f.oid::regprocedure AS function, pins.setting AS missing
  FROM pg_proc f CROSS JOIN pins
 WHERE f.pronamespace = 'schema_guard'::regnamespace
   AND NOT pins.setting = ANY (coalesce(f.proconfig, '{}'))
   AND f.prorettype <> 'event_trigger'::regtype
   AND f.oid <> 'schema_guard.roundtrip(text,text,text,name[],integer)'::regprocedure
 ORDER BY f.oid::regprocedure::text, pins.setting;
-- ...and the event-trigger functions and roundtrip() have no SET clause (nor
-- SECURITY DEFINER):
SELECT f.oid::regprocedure AS function
  FROM pg_proc f
 WHERE f.pronamespace = 'schema_guard'::regnamespace
   AND (f.prorettype = 'event_trigger'::regtype
        OR f.oid = 'schema_guard.roundtrip(text,text,text,name[],integer)'::regprocedure)
   AND (f.proconfig IS NOT NULL OR f.prosecdef);

-- IMMUTABLE functions are PARALLEL SAFE: none is not.
SELECT f.oid::regprocedure AS function, f.proparallel
  FROM pg_proc f
 WHERE f.pronamespace = 'schema_guard'::regnamespace
   AND f.provolatile = 'i' AND f.proparallel <> 's';

------------------------------------------------------------------------
-- The data, made under the defaults by a role that is not a superuser
------------------------------------------------------------------------
CREATE ROLE regress_sg_immune;
GRANT schema_guard_admin TO regress_sg_immune;
CREATE SCHEMA imm AUTHORIZATION regress_sg_immune;
-- A schema placed before pg_catalog, shadowing its operators and functions:
-- each complains when it is called, and answers wrong.
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE FUNCTION evil.texteq(a text, b text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil = called'; RETURN NOT pg_catalog.texteq(a, b); END$$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq);
CREATE FUNCTION evil.textregexeq(a text, b text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil ~ called'; RETURN NOT pg_catalog.textregexeq(a, b); END$$;
CREATE OPERATOR evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textregexeq);
CREATE FUNCTION evil.textcat(a text, b text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil || called'; RETURN pg_catalog.textcat(b, a); END$$;
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textcat);
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil lower called'; RETURN pg_catalog.upper($1); END$$;
CREATE FUNCTION evil.btrim(text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil btrim called'; RETURN 'evil'; END$$;
CREATE FUNCTION evil.quote_ident(text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil quote_ident called'; RETURN 'evil'; END$$;
CREATE FUNCTION evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil jsonb_typeof called'; RETURN 'evil'; END$$;
CREATE FUNCTION evil.replace(text, text, text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil replace called'; RETURN 'evil'; END$$;
CREATE FUNCTION evil.regexp_replace(text, text, text, text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil regexp_replace called'; RETURN 'evil'; END$$;
CREATE FUNCTION evil.has_table_privilege(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'evil has_table_privilege called'; RETURN true; END$$;

SET schema_guard.mode = off;
SET ROLE regress_sg_immune;
CREATE TABLE imm.docs (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO imm.docs
SELECT i, jsonb_build_object('name', 'n' || i, 'price', i * 1.25 + 0.1, 'tags',
                             jsonb_build_array(E'a\\b', 'c''d'), 'odd key', i % 2 = 0,
                             'when', '2024-01-0' || (i % 9 + 1), E'q\"t', i)
  FROM generate_series(1, 40) i;
INSERT INTO imm.docs VALUES (41, NULL), (42, '[1, 2.5, "x"]');
SELECT schema_guard.jsonb_expect('imm.docs', 'doc',
    '{"type": "object", "required": ["name", "note"], "properties": {"price": {"type": "string"}}}');
SELECT schema_guard.jsonb_snapshot('imm.docs', 'doc') > 0 AS first_snapshot;
UPDATE imm.docs SET doc = doc || '{"note": "x"}' WHERE id <= 10;
SELECT schema_guard.jsonb_snapshot('imm.docs', 'doc') > 0 AS second_snapshot;
CREATE TABLE imm.docs2 (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO imm.docs2 SELECT id, doc FROM imm.docs;
SELECT schema_guard.jsonb_snapshot('imm.docs2', 'doc') > 0 AS docs2_snapshot;
CREATE TABLE imm.workload (query text, calls bigint);
INSERT INTO imm.workload VALUES
    ($q$SELECT doc->>'name' FROM imm.docs WHERE id = $1$q$, 10),
    ($q$SELECT doc #>> '{tags,0}' FROM docs$q$, 3),
    ($q$SELECT doc->>'odd key', doc->'a\b' FROM docs$q$, 2),
    ($q$SELECT * FROM docs WHERE doc @> $1$q$, 5),
    ($q$SELECT doc->>$1 FROM docs$q$, 4);

-- Every function of the extension once (the event triggers fire below).
CREATE TABLE imm.queries (n int PRIMARY KEY, sql text NOT NULL);
INSERT INTO imm.queries VALUES
 (1, $q$SELECT * FROM schema_guard.rules()$q$),
 (2, $q$SELECT * FROM schema_guard.jsonb_shape('imm.docs', 'doc')$q$),
 (3, $q$SELECT * FROM schema_guard.jsonb_shape('imm.docs', 'doc', 50, 7)$q$),
 (4, $q$SELECT method, sample_percent, seed, rows_scanned, null_documents, est_total_rows,
               paths, maps_collapsed, budget_exhausted, values_skipped, unseen_max_ratio,
               restarts, depth_exhausted
          FROM schema_guard.jsonb_shape_summary('imm.docs', 'doc')$q$),
 (5, $q$SELECT schema_guard.jsonb_infer_contract('imm.docs', 'doc')$q$),
 (6, $q$SELECT schema_guard.jsonb_contract_valid(
            E'{"type": "object", "properties": {"a\\\\b": {"enum": ["x", 1.5]}}}')$q$),
 (7, $q$SELECT count(*) FROM (SELECT schema_guard.jsonb_expect('imm.docs2', 'doc',
            E'{"type": "object", "properties": {"q\\"t": {"type": "integer"}}}')) x$q$),
 (8, $q$SELECT * FROM schema_guard.jsonb_drift('imm.docs', 'doc')$q$),
 (9, $q$SELECT * FROM schema_guard.jsonb_drift()$q$),
 (10, $q$SELECT schema_guard.jsonb_snapshot('imm.docs2', 'doc') > 0$q$),
 (11, $q$SELECT change, path, type, old_rows, new_rows, old_ratio, new_ratio,
                old_presence, new_presence
           FROM schema_guard.jsonb_changes('imm.docs2', 'doc', NULL, 0)$q$),
 (12, $q$SELECT change, path, type, old_rows, new_rows, old_ratio, new_ratio,
                old_presence, new_presence, from_snapshot, to_snapshot
           FROM schema_guard.jsonb_changes('imm.docs', 'doc', NULL, 0.001)$q$),
 (13, $q$SELECT schema_guard.can_read_column('imm.docs', 'doc'),
                schema_guard.owns_table('imm.docs')$q$),
 (14, $q$SELECT * FROM schema_guard.jsonb_workload_paths('imm.docs', 'doc', 'imm.workload')$q$),
 (15, $q$SELECT p, schema_guard.jsonb_path_keys(p)
           FROM (VALUES ('$'), ('$.a'), ('$."b c".d'), (E'$."q\\"t".x'),
                        ('$.tags[*]'), ('$.x.*')) v(p)$q$),
 (16, $q$SELECT * FROM schema_guard.jsonb_suggest('imm.docs', 'doc', 0.5, 'imm.workload')$q$),
 (17, $q$SELECT count(*) FROM (SELECT schema_guard.exempt('index_not_concurrent', 'imm.docs',
                                                        '  reviewed  ')) x$q$),
 (18, $q$SELECT schema_guard.unexempt('index_not_concurrent', 'imm.docs') AS removed,
                schema_guard.unexempt('index_not_concurrent', 'imm.docs') AS removed_again$q$);
-- Each run keeps its results in tables, with their order: compared as
-- values, whatever the settings print them as.
CREATE TABLE imm.stmts AS
SELECT r.run, q.n,
       format('CREATE TABLE imm.%I AS SELECT row_number() OVER () AS ord, q.* FROM (%s) q',
              r.run || '_' || q.n, q.sql) AS stmt
  FROM imm.queries q CROSS JOIN (VALUES ('base'), ('hostile1'), ('hostile2')) r(run);

-- The defaults.
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT stmt FROM imm.stmts WHERE run = 'base' ORDER BY n LOOP
        EXECUTE s;
    END LOOP;
END
$$;

-- Hostile settings, as a role that is not a superuser.
\c :regress_db
SET schema_guard.mode = off;
SET ROLE regress_sg_immune;
SET search_path = evil, pg_catalog, imm, public;
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SET row_security = off;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = sql_standard;
SET extra_float_digits = -15;
SET bytea_output = escape;
SET quote_all_identifiers = on;
SET array_nulls = off;
SET transform_null_equals = on;
SET TimeZone = 'Asia/Kathmandu';
SET plpgsql.extra_errors = 'all';
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT stmt FROM imm.stmts WHERE run OPERATOR(pg_catalog.=) 'hostile1' ORDER BY n LOOP
        EXECUTE s;
    END LOOP;
END
$$;

\c :regress_db
SET schema_guard.mode = off;
SET ROLE regress_sg_immune;
SET search_path = evil, pg_catalog, imm, public;
SET standard_conforming_strings = off;
SET row_security = off;
SET DateStyle = 'German';
SET IntervalStyle = iso_8601;
SET extra_float_digits = 3;
SET quote_all_identifiers = on;
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT stmt FROM imm.stmts WHERE run OPERATOR(pg_catalog.=) 'hostile2' ORDER BY n LOOP
        EXECUTE s;
    END LOOP;
END
$$;

\c :regress_db
-- Rows per function, and the rows that differ from the defaults' (none).
CREATE FUNCTION pg_temp.differing(a text, b text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((TABLE imm.%I EXCEPT ALL TABLE imm.%I) '
                   'UNION ALL (TABLE imm.%I EXCEPT ALL TABLE imm.%I)) d', a, b, b, a) INTO c;
    RETURN c;
END
$$;
CREATE FUNCTION pg_temp.nrows(a text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM imm.%I', a) INTO c;
    RETURN c;
END
$$;
SELECT q.n, pg_temp.nrows('base_' || q.n) AS rows,
       pg_temp.differing('base_' || q.n, 'hostile1_' || q.n) AS hostile1_differs,
       pg_temp.differing('base_' || q.n, 'hostile2_' || q.n) AS hostile2_differs
  FROM imm.queries q ORDER BY q.n;
-- What the defaults printed, for the record of what was compared.
SELECT path, type, rows, presence FROM imm.base_2 ORDER BY ord;
SELECT * FROM imm.base_14 ORDER BY ord;
SELECT * FROM imm.base_15 ORDER BY ord;
SELECT kind, path FROM imm.base_16 ORDER BY ord;
SELECT * FROM imm.base_18;

------------------------------------------------------------------------
-- The guard as it fires: at the statement, at ddl_command_end, at a
-- rewrite, in the ProcessUtility hook (REINDEX) and at commit, with
-- findings read against the exemptions and the contracts.  The same
-- statements under the defaults and under hostile settings, as the role
-- that owns the tables: the same messages (compared below; shown here by
-- SQLSTATE only, SG001 the guard's refusal and 01SG0 its warning: the
-- messages themselves are the rules' tests).
------------------------------------------------------------------------
\set VERBOSITY sqlstate
SET schema_guard.mode = enforce;
SET schema_guard.jsonb_uncontracted = error;
SET schema_guard.rename_breaks_clients = off;  -- renames and drops here are about contracts
SET schema_guard.destructive_drop = off;
SET ROLE regress_sg_immune;
BEGIN;
CREATE TABLE imm.child (id int PRIMARY KEY, docs_id int NOT NULL REFERENCES imm.docs);
COMMIT;
\set base_fk :LAST_ERROR_MESSAGE
BEGIN;
CREATE TABLE imm.fresh (id int PRIMARY KEY, body jsonb NOT NULL);
COMMIT;
\set base_jsonb :LAST_ERROR_MESSAGE
CREATE INDEX ON imm.docs (id, doc);
\set base_index :LAST_ERROR_MESSAGE
REINDEX TABLE imm.docs;
\set base_reindex :LAST_ERROR_MESSAGE
ALTER TABLE imm.docs ALTER COLUMN id TYPE bigint;
\set base_rewrite :LAST_ERROR_MESSAGE
-- A contract follows its column's rename (the rename also waits for no
-- finding: the column is contracted).
ALTER TABLE imm.docs RENAME COLUMN doc TO body;
SELECT count(*) AS drift_after_rename FROM schema_guard.jsonb_drift('imm.docs', 'body');
ALTER TABLE imm.docs RENAME COLUMN body TO doc;
RESET ROLE;
SET schema_guard.mode = warn;
SET ROLE regress_sg_immune;
BEGIN;
CREATE TABLE imm.child (id int PRIMARY KEY, docs_id int NOT NULL REFERENCES imm.docs);
COMMIT;
DROP TABLE imm.child;
RESET ROLE;
SET schema_guard.mode = off;
SET ROLE regress_sg_immune;
ALTER TABLE imm.docs RENAME COLUMN doc TO body;
SELECT count(*) AS drift_after_rename FROM schema_guard.jsonb_drift('imm.docs', 'body');
ALTER TABLE imm.docs RENAME COLUMN body TO doc;

\c :regress_db
SET schema_guard.mode = enforce;
SET schema_guard.jsonb_uncontracted = error;
SET schema_guard.rename_breaks_clients = off;  -- renames and drops here are about contracts
SET schema_guard.destructive_drop = off;
SET ROLE regress_sg_immune;
SET search_path = evil, pg_catalog, imm, public;
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SET row_security = off;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = sql_standard;
SET extra_float_digits = -15;
SET bytea_output = escape;
SET quote_all_identifiers = on;
SET array_nulls = off;
BEGIN;
CREATE TABLE imm.child (id int PRIMARY KEY, docs_id int NOT NULL REFERENCES imm.docs);
COMMIT;
\set hostile_fk :LAST_ERROR_MESSAGE
BEGIN;
CREATE TABLE imm.fresh (id int PRIMARY KEY, body jsonb NOT NULL);
COMMIT;
\set hostile_jsonb :LAST_ERROR_MESSAGE
CREATE INDEX ON imm.docs (id, doc);
\set hostile_index :LAST_ERROR_MESSAGE
REINDEX TABLE imm.docs;
\set hostile_reindex :LAST_ERROR_MESSAGE
ALTER TABLE imm.docs ALTER COLUMN id TYPE bigint;
\set hostile_rewrite :LAST_ERROR_MESSAGE
ALTER TABLE imm.docs RENAME COLUMN doc TO body;
SELECT count(*) AS drift_after_rename FROM schema_guard.jsonb_drift('imm.docs', 'body');
ALTER TABLE imm.docs RENAME COLUMN body TO doc;
RESET ROLE;
SET schema_guard.mode = warn;
SET ROLE regress_sg_immune;
BEGIN;
CREATE TABLE imm.child (id int PRIMARY KEY, docs_id int NOT NULL REFERENCES imm.docs);
COMMIT;
DROP TABLE imm.child;
RESET ROLE;
SET schema_guard.mode = off;
SET ROLE regress_sg_immune;
ALTER TABLE imm.docs RENAME COLUMN doc TO body;
SELECT count(*) AS drift_after_rename FROM schema_guard.jsonb_drift('imm.docs', 'body');
ALTER TABLE imm.docs RENAME COLUMN body TO doc;

\c :regress_db
SELECT :'base_fk' = :'hostile_fk' AS fk_same, :'base_jsonb' = :'hostile_jsonb' AS jsonb_same,
       :'base_index' = :'hostile_index' AS index_same,
       :'base_reindex' = :'hostile_reindex' AS reindex_same,
       :'base_rewrite' = :'hostile_rewrite' AS rewrite_same;

SET client_min_messages = warning;
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
DROP SCHEMA imm CASCADE;
DROP SCHEMA evil CASCADE;
DROP OWNED BY regress_sg_immune;
DROP ROLE regress_sg_immune;
