/* schema_guard--0.1.0--0.2.0.sql: upgrade from 0.1.0 */

\echo Use "ALTER EXTENSION schema_guard UPDATE TO '0.2.0'" to load this file. \quit

-- Every change to schema_guard--0.2.0.sql is repeated here, in order, so
-- that an updated 0.1.0 installation equals a fresh 0.2.0 one.

-- (First, out of order: this script's own drops reach sql_drop, which
-- deletes the rows of dropped indexes from this table.)
-- When the guard saw each index created (index_unused's ddl_end), so that
-- the audit does not call a new index unused.  The guard's bookkeeping:
-- written as the extension owner, not readable by others; rows of dropped
-- indexes go at sql_drop.  Not dumped: a restore creates new indexes.
CREATE TABLE schema_guard.index_created (
    indexrelid oid         NOT NULL CONSTRAINT index_created_pkey PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON schema_guard.index_created FROM PUBLIC;

-- Every function runs under pinned settings, whatever the caller set (the
-- list of sg_pinned_settings in src/report.c; the event triggers keep the
-- user's search_path); helpers that only read are PARALLEL SAFE.
ALTER FUNCTION schema_guard.rules()
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.exempt(text, text, text)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.unexempt(text, text)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
-- The event-trigger functions pin the settings in the library, and only
-- when the caller's differ: a SET clause would cost every DDL statement.
ALTER FUNCTION schema_guard.sql_drop() SECURITY INVOKER RESET ALL;
ALTER FUNCTION schema_guard.jsonb_shape(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_shape_summary(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_infer_contract(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_contract_valid(jsonb)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_expect(regclass, name, jsonb)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_drift(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_snapshot(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.can_read_column(regclass, name)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex PARALLEL SAFE;
ALTER FUNCTION schema_guard.owns_table(regclass)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex PARALLEL SAFE;
ALTER FUNCTION schema_guard.jsonb_changes(regclass, name, timestamptz, float8)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_workload_paths(regclass, name, regclass)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_path_keys(text)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex PARALLEL SAFE;
ALTER FUNCTION schema_guard.jsonb_suggest(regclass, name, float8, regclass)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;

------------------------------------------------------------------------
-- Exemptions keyed by object (issue 7): the table of 0.1.0, keyed by name,
-- becomes schema_guard.exemption_rows; schema_guard.exemptions is now a
-- view that names each object as it is called now.
------------------------------------------------------------------------

ALTER TABLE schema_guard.exemptions RENAME TO exemption_rows;
ALTER TABLE schema_guard.exemption_rows RENAME CONSTRAINT exemptions_reason_check TO exemption_rows_reason_check;
-- From PostgreSQL 18 on NOT NULL constraints are catalogued, named after the
-- table that made them: rename them as a fresh install names them.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT conname FROM pg_catalog.pg_constraint
              WHERE conrelid = 'schema_guard.exemption_rows'::pg_catalog.regclass
                AND contype = 'n' AND conname LIKE 'exemptions\_%' LOOP
        EXECUTE pg_catalog.format('ALTER TABLE schema_guard.exemption_rows RENAME CONSTRAINT %I TO %I',
                                  c.conname, 'exemption_rows' || pg_catalog.substr(c.conname, 11));
    END LOOP;
END
$$;
ALTER TABLE schema_guard.exemption_rows
    ADD COLUMN object_type text,
    ADD COLUMN rel regclass NOT NULL DEFAULT 0,
    ADD COLUMN nsp regnamespace NOT NULL DEFAULT 0,
    ADD COLUMN sub name NOT NULL DEFAULT '';

-- The object a finding's object_identity names, resolved now: "schema.table"
-- or "schema.index", "schema.table.column", "constraint on schema.table",
-- "schema", or the current database's name.
CREATE FUNCTION schema_guard.exemption_key(object text,
    OUT object_type text, OUT rel regclass, OUT nsp regnamespace, OUT sub name)
RETURNS record
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    m text[];
    parts text[];
    names text;
    persistence "char";
    kind "char";
BEGIN
    rel := 0;
    nsp := 0;
    sub := '';
    names := 'Name it as the finding''s object_identity does: schema.table, schema.index, '
             'schema.table.column, "constraint on schema.table", a schema, or the database.';
    m := regexp_match(object, '^("(?:[^"]|"")+"|[^". ]+) on (.+)$');
    BEGIN
        IF m IS NOT NULL THEN
            parts := parse_ident(m[2]) || parse_ident(m[1]);
            IF cardinality(parts) <> 3 THEN
                parts := NULL;
            END IF;
        ELSE
            parts := parse_ident(object);
        END IF;
    EXCEPTION WHEN invalid_parameter_value THEN
        parts := NULL;
    END;
    IF parts IS NULL OR cardinality(parts) > 3 THEN
        RAISE EXCEPTION 'invalid object name: %', object
            USING ERRCODE = 'invalid_name', HINT = names;
    END IF;

    IF cardinality(parts) = 1 THEN
        nsp := coalesce((SELECT n.oid FROM pg_namespace n WHERE n.nspname = parts[1]), 0);
        IF nsp <> 0 THEN
            object_type := 'schema';
        ELSIF parts[1] = current_database() THEN
            object_type := 'database';
        ELSE
            RAISE EXCEPTION 'schema "%" does not exist', parts[1]
                USING ERRCODE = 'invalid_schema_name', HINT = names;
        END IF;
        RETURN;
    END IF;

    SELECT c.oid, c.relkind, c.relpersistence INTO rel, kind, persistence
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = parts[1] AND c.relname = parts[2];
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation "%.%" does not exist', parts[1], parts[2]
            USING ERRCODE = 'undefined_table', HINT = names;
    END IF;
    IF persistence = 't' THEN
        RAISE EXCEPTION 'temporary relations are not guarded: there is nothing to exempt'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF cardinality(parts) = 2 AND kind IN ('i', 'I') THEN
        -- An index by its table and its name, like a constraint: a rebuild
        -- (ALTER COLUMN TYPE, REINDEX CONCURRENTLY) gives it a new OID.
        object_type := 'index';
        rel := (SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = rel);
        sub := parts[2];
    ELSIF cardinality(parts) = 2 THEN
        object_type := 'table';
    ELSIF m IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = rel AND c.conname = parts[3]) THEN
            RAISE EXCEPTION 'constraint "%" of relation "%.%" does not exist', parts[3], parts[1], parts[2]
                USING ERRCODE = 'undefined_object', HINT = names;
        END IF;
        object_type := 'constraint';
        sub := parts[3];
    ELSE
        IF NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = parts[3]
                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of relation "%.%" does not exist', parts[3], parts[1], parts[2]
                USING ERRCODE = 'undefined_column', HINT = names;
        END IF;
        object_type := 'column';
        sub := parts[3];
    END IF;
END
$$;

COMMENT ON FUNCTION schema_guard.exemption_key(text) IS
    'the object (type, relation, schema, sub-object name) that an object_identity names now';

-- Resolve each name of 0.1.0 to its object; an exemption whose object no
-- longer exists (or is a temporary one) is dropped, with a WARNING (an
-- extension script shows nothing less).
DO $$
DECLARE
    r record;
    k record;
BEGIN
    FOR r IN SELECT e.ctid, e.rule, e.object FROM schema_guard.exemption_rows e LOOP
        BEGIN
            k := schema_guard.exemption_key(r.object);
            UPDATE schema_guard.exemption_rows e
               SET object_type = k.object_type, rel = k.rel, nsp = k.nsp, sub = k.sub
             WHERE e.ctid = r.ctid;
        EXCEPTION WHEN invalid_name OR invalid_schema_name OR undefined_table
                       OR undefined_column OR undefined_object OR feature_not_supported THEN
            RAISE WARNING 'exemption of rule "%" on % dropped: %', r.rule, r.object, SQLERRM;
            DELETE FROM schema_guard.exemption_rows e WHERE e.ctid = r.ctid;
        END;
    END LOOP;
END
$$;
-- Two names of one object (quoted and not): the newest exemption stays.
DELETE FROM schema_guard.exemption_rows e
 USING schema_guard.exemption_rows f
 WHERE (e.rule, e.object_type, e.rel, e.nsp, e.sub) = (f.rule, f.object_type, f.rel, f.nsp, f.sub)
   AND (e.exempted_at, e.ctid) < (f.exempted_at, f.ctid);

ALTER TABLE schema_guard.exemption_rows
    DROP CONSTRAINT exemptions_pkey,
    DROP COLUMN object,
    ALTER COLUMN object_type SET NOT NULL,
    ADD CONSTRAINT exemption_rows_pkey PRIMARY KEY (rule, object_type, rel, nsp, sub),
    ADD CONSTRAINT exemption_rows_key_check CHECK (
        CASE object_type
            WHEN 'table' THEN rel <> 0 AND nsp = 0 AND sub = ''
            WHEN 'index' THEN rel <> 0 AND nsp = 0 AND sub <> ''
            WHEN 'column' THEN rel <> 0 AND nsp = 0 AND sub <> ''
            WHEN 'constraint' THEN rel <> 0 AND nsp = 0 AND sub <> ''
            WHEN 'schema' THEN rel = 0 AND nsp <> 0 AND sub = ''
            WHEN 'database' THEN rel = 0 AND nsp = 0 AND sub = ''
            ELSE false END);

COMMENT ON TABLE schema_guard.exemption_rows IS
    'exemptions keyed by object: schema_guard.exemptions shows them by name';

-- Exemptions under the current names of their objects, written as findings
-- name them (object_identity).
CREATE VIEW schema_guard.exemptions AS
SELECT e.rule, e.object_type,
       CASE e.object_type
            WHEN 'schema' THEN pg_catalog.quote_ident(n.nspname)
            WHEN 'database' THEN pg_catalog.quote_ident(pg_catalog.current_database())
            WHEN 'column' THEN r.ident || '.' || pg_catalog.quote_ident(e.sub)
            WHEN 'constraint' THEN pg_catalog.quote_ident(e.sub) || ' on ' || r.ident
            WHEN 'index' THEN r.nsp || '.' || pg_catalog.quote_ident(e.sub)
            ELSE r.ident END COLLATE "default" AS object,
       e.reason, e.exempted_by, e.exempted_at
  FROM schema_guard.exemption_rows e
  LEFT JOIN LATERAL (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(c.relname),
                            pg_catalog.quote_ident(cn.nspname)
                       FROM pg_catalog.pg_class c
                       JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
                      WHERE c.oid = e.rel) AS r(ident, nsp) ON true
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.nsp;

COMMENT ON VIEW schema_guard.exemptions IS
    'findings the guard does not raise: a rule on an object (or on every object of a table), with a reason';

REVOKE ALL ON schema_guard.exemptions FROM PUBLIC;
GRANT SELECT ON schema_guard.exemptions TO PUBLIC;

CREATE OR REPLACE FUNCTION schema_guard.exempt(rule text, object text, reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    k record;
    nspname name;
    kind "char";
BEGIN
    IF rule IS NULL OR object IS NULL THEN
        RAISE EXCEPTION 'rule and object must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF reason IS NULL OR reason !~ '[^[:space:]]' THEN
        RAISE EXCEPTION 'an exemption needs a reason'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Say why the finding is acceptable, e.g. ''legacy table, dropped in Q3''.';
    END IF;
    IF NOT EXISTS (SELECT FROM schema_guard.rules() r WHERE r.rule = exempt.rule) THEN
        RAISE EXCEPTION 'unknown rule "%"', rule
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'SELECT rule FROM schema_guard.rules() lists the rules.';
    END IF;
    IF NOT has_table_privilege('schema_guard.exemption_rows', 'INSERT') THEN
        RAISE EXCEPTION 'permission denied to exempt findings of rule "%"', rule
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Exemptions are for superusers, the extension owner and members of schema_guard_admin.';
    END IF;
    k := schema_guard.exemption_key(object);
    -- Objects the guard never judges have no findings to exempt.
    IF k.object_type = 'schema' THEN
        nspname := (SELECT n.nspname FROM pg_namespace n WHERE n.oid = k.nsp);
    ELSIF k.object_type <> 'database' THEN
        SELECT n.nspname, c.relkind INTO nspname, kind
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = k.rel;
    END IF;
    IF nspname IN ('pg_catalog', 'pg_toast', 'schema_guard') THEN
        RAISE EXCEPTION 'schema_guard does not judge system catalogs, TOAST relations or its own tables: there is nothing to exempt'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF kind NOT IN ('r', 'p', 'f', 'm', 'i', 'I') THEN
        RAISE EXCEPTION '"%" is not a table, index, foreign table or materialized view', k.rel
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'schema_guard judges tables and indexes (and their columns and constraints) only: there is nothing to exempt.';
    END IF;
    INSERT INTO schema_guard.exemption_rows AS e (rule, object_type, rel, nsp, sub, reason)
    VALUES (exempt.rule, k.object_type, k.rel, k.nsp, k.sub, btrim(exempt.reason, E' \t\n\r\f\v'))
    ON CONFLICT ON CONSTRAINT exemption_rows_pkey DO UPDATE
        SET reason = excluded.reason,
            exempted_by = excluded.exempted_by,
            exempted_at = excluded.exempted_at;
END
$$;

COMMENT ON FUNCTION schema_guard.exempt(text, text, text) IS
    'stop raising a rule''s findings on an object (or on every object of a table), with a reason';

CREATE OR REPLACE FUNCTION schema_guard.unexempt(rule text, object text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    k record;
BEGIN
    IF NOT has_table_privilege('schema_guard.exemption_rows', 'DELETE') THEN
        RAISE EXCEPTION 'permission denied to remove exemptions of rule "%"', rule
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Exemptions are for superusers, the extension owner and members of schema_guard_admin.';
    END IF;
    k := schema_guard.exemption_key(object);
    DELETE FROM schema_guard.exemption_rows e
     WHERE e.rule = unexempt.rule AND e.object_type = k.object_type
       AND e.rel = k.rel AND e.nsp = k.nsp AND e.sub = k.sub;
    RETURN FOUND;
END
$$;

COMMENT ON FUNCTION schema_guard.unexempt(text, text) IS
    'remove an exemption; returns whether there was one';

------------------------------------------------------------------------
-- JSONB snapshots are written only by jsonb_snapshot(), shown only to
-- roles entitled to what they counted; no contracts or snapshots of
-- temporary tables (issue 7).
------------------------------------------------------------------------

REVOKE INSERT, UPDATE ON schema_guard.jsonb_snapshots FROM PUBLIC;
REVOKE INSERT, DELETE ON schema_guard.jsonb_snapshot_paths FROM PUBLIC;
REVOKE USAGE ON SEQUENCE schema_guard.jsonb_snapshots_id_seq FROM PUBLIC;
DROP POLICY readers_take ON schema_guard.jsonb_snapshots;
DROP POLICY owner_renames ON schema_guard.jsonb_snapshots;
DROP POLICY taker_adds ON schema_guard.jsonb_snapshot_paths;
DROP POLICY with_snapshot_removed ON schema_guard.jsonb_snapshot_paths;
ALTER POLICY readers_read ON schema_guard.jsonb_snapshots
    USING (schema_guard.can_read_column(tbl, col)
           AND (taken_by = CURRENT_USER OR schema_guard.owns_table(tbl)
                OR NOT pg_catalog.row_security_active(tbl)));

CREATE FUNCTION schema_guard.not_temporary(tbl regclass)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
    SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                        WHERE c.oid = tbl AND c.relpersistence = 't')
$$;
COMMENT ON FUNCTION schema_guard.not_temporary(regclass) IS
    'is this relation not a temporary one (contracts and snapshots are refused for those)';

-- Rows of temporary tables, live or ended with their session (an OID that
-- names no relation), go.
DO $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM schema_guard.jsonb_contracts x
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                        WHERE c.oid = x.tbl AND c.relpersistence <> 't');
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        RAISE WARNING '% jsonb contract(s) of temporary tables dropped', n;
    END IF;
    DELETE FROM schema_guard.jsonb_snapshots x
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                        WHERE c.oid = x.tbl AND c.relpersistence <> 't');
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        RAISE WARNING '% jsonb snapshot(s) of temporary tables dropped', n;
    END IF;
END
$$;
ALTER TABLE schema_guard.jsonb_contracts
    ADD CONSTRAINT jsonb_contracts_not_temporary CHECK (schema_guard.not_temporary(tbl));
ALTER TABLE schema_guard.jsonb_snapshots
    ADD CONSTRAINT jsonb_snapshots_not_temporary CHECK (schema_guard.not_temporary(tbl));

-- The rule levels were called schema_guard.rule.<id> in 0.1.0; a name with
-- two dots cannot be written in postgresql.conf, and ALTER SYSTEM wrote one
-- that the next reload or restart refused.  0.2.0 calls them
-- schema_guard.<id>: move the per-database and per-role settings over.
DO $$
DECLARE
    s record;
    item text;
    setting text;
    value text;
    target text;
BEGIN
    FOR s IN SELECT d.setdatabase, d.setrole, d.setconfig
               FROM pg_catalog.pg_db_role_setting d
    LOOP
        FOREACH item IN ARRAY s.setconfig LOOP
            CONTINUE WHEN item NOT LIKE 'schema\_guard.rule.%=%';
            setting := pg_catalog.split_part(item, '=', 1);
            value := pg_catalog.substr(item, pg_catalog.length(setting) + 2);
            target := pg_catalog.concat_ws(' ',
                CASE WHEN s.setrole <> 0 THEN pg_catalog.format('ROLE %I', pg_catalog.pg_get_userbyid(s.setrole)) END,
                CASE WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'IN' END,
                CASE WHEN s.setdatabase <> 0 THEN pg_catalog.format('DATABASE %I',
                    (SELECT datname FROM pg_catalog.pg_database WHERE oid OPERATOR(pg_catalog.=) s.setdatabase)) END);
            EXECUTE pg_catalog.format('ALTER %s SET %I = %L', target,
                                      'schema_guard.' || pg_catalog.substr(setting, 19), value);
            EXECUTE pg_catalog.format('ALTER %s RESET %I', target, setting);
        END LOOP;
    END LOOP;
END
$$;

------------------------------------------------------------------------
-- Only the extension's functions write contracts and snapshots: a role
-- with UPDATE or DELETE on them could LOCK them IN ACCESS EXCLUSIVE MODE and
-- stall every DROP and column rename of the database, and a table owner
-- could forge a contract's registered_by, registered_at and
-- unchecked_keywords (issue 7).
------------------------------------------------------------------------

REVOKE INSERT, UPDATE, DELETE ON schema_guard.jsonb_contracts FROM PUBLIC;
REVOKE DELETE ON schema_guard.jsonb_snapshots FROM PUBLIC;
DROP POLICY owner_writes ON schema_guard.jsonb_contracts;
DROP POLICY taker_or_owner_removes ON schema_guard.jsonb_snapshots;

CREATE FUNCTION schema_guard.jsonb_unexpect(tbl regclass, col name)
RETURNS boolean
LANGUAGE C VOLATILE STRICT SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_jsonb_unexpect';
COMMENT ON FUNCTION schema_guard.jsonb_unexpect(regclass, name) IS
    'remove the contract of a column (members of the table owner''s role); returns whether there was one';

CREATE FUNCTION schema_guard.jsonb_snapshot_drop(id bigint)
RETURNS boolean
LANGUAGE C VOLATILE STRICT SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_jsonb_snapshot_drop';
COMMENT ON FUNCTION schema_guard.jsonb_snapshot_drop(bigint) IS
    'remove a snapshot and its paths (its taker or members of the table owner''s role); returns whether there was one';

-- A relation that does not exist is an error, not a relation named "-".
CREATE OR REPLACE FUNCTION schema_guard.jsonb_workload_paths(
    tbl regclass, col name, workload regclass,
    OUT path text, OUT operator text, OUT calls numeric, OUT queries bigint)
RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    -- the column, bare or qualified, not inside another identifier
    colre text := '(?:^|[^A-Za-z0-9_$."])(?:[A-Za-z0-9_"]+\.)?"?'
                  || regexp_replace(col, '([^A-Za-z0-9_])', '\\\1', 'g') || '"?';
    -- the table, bare or quoted: a query that does not name it is another
    -- table's, whatever its columns are called
    tblre text := '(?:^|[^A-Za-z0-9_$])"?'
                  || regexp_replace((SELECT c.relname FROM pg_class c WHERE c.oid = tbl),
                                    '([^A-Za-z0-9_])', '\\\1', 'g')
                  || '"?(?:[^A-Za-z0-9_$]|$)';
BEGIN
    IF tbl IS NULL OR col IS NULL OR workload IS NULL THEN
        RAISE EXCEPTION 'table, column and workload must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = tbl) THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = col
                      AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', col, tbl
            USING ERRCODE = 'undefined_column';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH w AS (
            SELECT w.query::text AS query, w.calls::numeric AS calls
              FROM %s w
             WHERE w.query::text ~* %L AND w.query::text ~* %L),
        chains AS (
            -- doc -> 'a' ->> 'b'  and  doc #>> '{a,b}'
            SELECT w.query, w.calls, m[1] AS chain
              FROM w, regexp_matches(w.query, %L || '((?:\s*(?:->>?|#>>?)\s*(?:''(?:[^'']|'''')*''|\$[0-9]+)(?:::\w+(?:\[\])?)?)+)', 'g') AS m),
        steps AS (
            SELECT c.query, c.calls, c.chain,
                   array_agg(s[1] ORDER BY ord) AS ops,
                   array_agg(s[2] ORDER BY ord) AS args
              FROM chains c,
                   regexp_matches(c.chain, '(->>?|#>>?)\s*(''(?:[^'']|'''')*''|\$[0-9]+)', 'g') WITH ORDINALITY AS x(s, ord)
             GROUP BY c.query, c.calls, c.chain),
        paths AS (
            SELECT st.query, st.calls, st.ops[array_upper(st.ops, 1)] AS op,
                   CASE WHEN bool_or(a ~ '^\$') THEN NULL
                        ELSE '$' || string_agg(
                            (SELECT string_agg(CASE WHEN k ~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN '.' || k
                                                    ELSE '.' || to_json(k)::text END, '' ORDER BY ko)
                               FROM unnest(CASE WHEN o LIKE '#%%'
                                                THEN replace(substr(a, 2, length(a) - 2), '''''', '''')::text[]
                                                ELSE ARRAY[replace(substr(a, 2, length(a) - 2), '''''', '''')] END)
                                    WITH ORDINALITY AS kk(k, ko)), '' ORDER BY i) END AS path
              FROM steps st, unnest(st.ops, st.args) WITH ORDINALITY AS u(o, a, i)
             GROUP BY st.query, st.calls, st.chain, st.ops),
        contains AS (
            SELECT w.query, w.calls, m[1] AS op
              FROM w, regexp_matches(w.query, %L || '\s*(@>|\?\||\?&|\?)', 'g') AS m)
        SELECT p.path, p.op, sum(p.calls), count(DISTINCT p.query)
          FROM paths p GROUP BY p.path, p.op
        UNION ALL
        SELECT NULL, c.op, sum(c.calls), count(DISTINCT c.query)
          FROM contains c GROUP BY c.op
        $q$, workload, colre, tblre, colre, colre);
END
$$;

-- A reason is more than white space (0.1.0 stripped spaces only).
DO $$
DECLARE
    n bigint;
BEGIN
    UPDATE schema_guard.exemption_rows SET reason = 'no reason given (before 0.2.0)'
     WHERE reason !~ '[^[:space:]]';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        RAISE WARNING '% exemption(s) without a reason now say "no reason given (before 0.2.0)"', n;
    END IF;
END
$$;
ALTER TABLE schema_guard.exemption_rows DROP CONSTRAINT exemption_rows_reason_check,
    ADD CONSTRAINT exemption_rows_reason_check CHECK (reason ~ '[^[:space:]]');

------------------------------------------------------------------------
-- jsonb_suggest: its fixes call pg_catalog's functions and operators by
-- their qualified names (a domain-typed column made them bind elsewhere).
------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION schema_guard.jsonb_suggest(
    tbl regclass, col name,
    min_presence float8 DEFAULT 0.95, workload regclass DEFAULT NULL,
    OUT rule text, OUT level text, OUT object_type text, OUT object_identity text,
    OUT message text, OUT detail text, OUT fix text,
    OUT kind text, OUT path text, OUT type text, OUT rows bigint,
    OUT presence float8, OUT calls numeric)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    rel text;
    relname text;
    colq text;
    is_json boolean;
    typeof_fn text;
    shape jsonb;
    ndocs bigint;
    r record;
    keys text[];
    acc text;
    sqltype text;
    expr text;
    newcol text;
    cname text;
    cond text;
    pgss regclass;
    wl regclass := workload;
    unkeyed numeric := 0;
BEGIN
    IF tbl IS NULL OR col IS NULL OR min_presence IS NULL THEN
        RAISE EXCEPTION 'table, column and min_presence must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a table, its json or jsonb column, and a share such as 0.95.';
    END IF;
    IF NOT (min_presence > 0 AND min_presence <= 1) THEN
        RAISE EXCEPTION 'min_presence must be greater than 0 and at most 1'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('min_presence was %s.', min_presence),
                  HINT = 'It is the share of documents that must hold a path: 0.95 is 95%.';
    END IF;

    SELECT jsonb_agg(to_jsonb(s)) INTO shape FROM schema_guard.jsonb_shape(tbl, col) s;
    rel := tbl::text;
    relname := (SELECT c.relname FROM pg_class c WHERE c.oid = tbl);
    colq := quote_ident(col);
    is_json := (SELECT a.atttypid = 'json'::regtype FROM pg_attribute a
                 WHERE a.attrelid = tbl AND a.attname = col);
    -- The fix is pasted under anyone's search_path: every function and
    -- operator it calls is qualified, so none binds to another schema's
    -- better match for a domain-typed column.
    typeof_fn := CASE WHEN is_json THEN 'pg_catalog.json_typeof' ELSE 'pg_catalog.jsonb_typeof' END;
    ndocs := (SELECT sum(x.rows) FROM jsonb_to_recordset(shape) x(path text, rows bigint)
               WHERE x.path = '$');

    FOR r IN
        WITH s AS (SELECT * FROM jsonb_to_recordset(shape)
                          AS x(path text, type text, rows bigint, presence float8)),
             p AS (SELECT s.path, max(s.presence) AS presence,
                          array_agg(DISTINCT CASE WHEN s.type = 'integer' THEN 'number' ELSE s.type END
                                    ORDER BY CASE WHEN s.type = 'integer' THEN 'number' ELSE s.type END) AS jtypes,
                          array_agg(DISTINCT s.type) FILTER (WHERE s.type <> 'null') AS types,
                          sum(s.rows) FILTER (WHERE s.type <> 'null') AS rows
                     FROM s GROUP BY s.path)
        SELECT p.*, schema_guard.jsonb_path_keys(p.path) AS keys FROM p ORDER BY p.path
    LOOP
        keys := r.keys;
        CONTINUE WHEN keys IS NULL;
        acc := CASE cardinality(keys)
                 WHEN 0 THEN colq
                 WHEN 1 THEN format('(%s OPERATOR(pg_catalog.->) %L)', colq, keys[1])
                 ELSE format('(%s OPERATOR(pg_catalog.#>) %L)', colq, keys::text) END;

        -- promote: one scalar type (JSON null aside) in >= min_presence of documents
        IF cardinality(keys) > 0 AND r.presence >= min_presence
           AND (r.types = '{string}' OR r.types = '{integer}' OR r.types = '{number}'
                OR r.types = '{boolean}' OR r.types <@ '{integer,number}') THEN
            -- "integer" includes 2.0 and 1e30, which bigint refuses: numeric
            -- takes every JSON number.
            sqltype := CASE WHEN r.types = '{string}' THEN 'text'
                            WHEN r.types = '{boolean}' THEN 'boolean'
                            ELSE 'numeric' END;
            expr := CASE cardinality(keys)
                      WHEN 1 THEN format('(%s OPERATOR(pg_catalog.->>) %L)', colq, keys[1])
                      ELSE format('(%s OPERATOR(pg_catalog.#>>) %L)', colq, keys::text) END;
            IF sqltype <> 'text' THEN
                expr := format('(%s::%s)', expr, sqltype);
            END IF;
            newcol := left(regexp_replace(lower(col || '_' || array_to_string(keys, '_')),
                                          '[^a-z0-9_]+', '_', 'g'), 63);
            IF NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = tbl
                            AND a.attname = newcol AND NOT a.attisdropped) THEN
                rule := 'jsonb_suggest'; level := 'info'; object_type := 'jsonb path';
                object_identity := format('%s.%s %s', rel, colq, r.path);
                kind := 'promote'; path := r.path; type := sqltype; rows := r.rows;
                presence := r.presence; calls := NULL;
                message := format('path %s of %s.%s can become a %s column', r.path, rel, colq, sqltype);
                detail := format('Present in %s%% of %s documents, always %s. A STORED generated column '
                                 'rewrites %s under ACCESS EXCLUSIVE; on a large table add a plain column '
                                 'and backfill it in batches instead: ALTER TABLE %s ADD COLUMN %I %s NULL; '
                                 'UPDATE %s SET %I = %s WHERE %I IS NULL AND %s IS NOT NULL;',
                                 round((r.presence * 100)::numeric, 1), ndocs,
                                 array_to_string(r.types, ' or '), rel, rel, newcol, sqltype,
                                 rel, newcol, expr, newcol, expr);
                fix := format('ALTER TABLE %s ADD COLUMN %I %s GENERATED ALWAYS AS (%s) STORED;',
                              rel, newcol, sqltype, expr);
                RETURN NEXT;
            END IF;
        END IF;

        -- CHECK: the path always holds one type (JSON null allowed beside it)
        IF cardinality(r.jtypes) = 1 OR (cardinality(r.jtypes) = 2 AND 'null' = ANY (r.jtypes)) THEN
            cname := left(regexp_replace(lower(relname || '_' || col || '_'
                                               || coalesce(nullif(array_to_string(keys, '_'), ''), 'root')
                                               || '_type'), '[^a-z0-9_]+', '_', 'g'), 63);
            cond := CASE WHEN cardinality(r.jtypes) = 1
                         THEN format('%s(%s) = %L', typeof_fn, acc, r.jtypes[1])
                         ELSE format('%s(%s) IN (%L, %L)', typeof_fn, acc, r.jtypes[1], r.jtypes[2]) END;
            IF r.presence = 1 AND cardinality(keys) > 0 THEN
                -- presence counts non-null documents: a NULL document passes
                cond := format('%s IS NULL OR (%s IS NOT NULL AND %s)', colq, acc, cond);
            END IF;
            IF NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = tbl AND c.conname = cname) THEN
                rule := 'jsonb_suggest'; level := 'info'; object_type := 'jsonb path';
                object_identity := format('%s.%s %s', rel, colq, r.path);
                kind := 'check'; path := r.path; type := array_to_string(r.jtypes, ', ');
                rows := r.rows; presence := r.presence; calls := NULL;
                message := format('path %s of %s.%s always holds %s: a CHECK can keep it so',
                                  r.path, rel, colq, array_to_string(r.jtypes, ' or '));
                detail := format('Observed in %s of %s documents%s. The constraint is added NOT VALID '
                                 '(no scan under the ACCESS EXCLUSIVE lock), then validated under '
                                 'SHARE UPDATE EXCLUSIVE.',
                                 r.rows, ndocs,
                                 CASE WHEN r.presence = 1 AND cardinality(keys) > 0
                                      THEN ', in every one: the CHECK also requires it' ELSE '' END);
                fix := format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID; '
                              'ALTER TABLE %s VALIDATE CONSTRAINT %I;', rel, cname, cond, rel, cname);
                RETURN NEXT;
            END IF;
        END IF;
    END LOOP;

    -- index: paths and operators that queries use, weighted by calls
    IF wl IS NULL THEN
        SELECT to_regclass(quote_ident(n.nspname) || '.pg_stat_statements') INTO pgss
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements';
        IF pgss IS NOT NULL AND has_table_privilege(pgss, 'SELECT') THEN
            BEGIN
                EXECUTE format('SELECT 1 FROM %s LIMIT 1', pgss);
                wl := pgss;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'pg_stat_statements is not readable: no index suggestions'
                    USING DETAIL = SQLERRM;
            END;
        ELSE
            RAISE NOTICE 'pg_stat_statements is not installed or not readable: no index suggestions'
                USING HINT = 'Install it, or pass a relation of (query, calls) rows as "workload".';
        END IF;
    END IF;
    IF wl IS NULL THEN
        RETURN;
    END IF;

    FOR r IN
        -- ->> and #>> read the same text: one index serves both
        WITH w AS (
            SELECT w.path,
                   CASE WHEN w.operator IN ('->>', '#>>') THEN '->>'
                        WHEN w.operator IN ('->', '#>') THEN '->'
                        ELSE w.operator END AS operator,
                   sum(w.calls) AS calls, sum(w.queries) AS queries
              FROM schema_guard.jsonb_workload_paths(tbl, col, wl) w
             GROUP BY 1, 2)
        SELECT w.path, w.operator, w.calls, w.queries,
               schema_guard.jsonb_path_keys(w.path) AS keys,
               (SELECT max(x.presence) FROM jsonb_to_recordset(shape) x(path text, presence float8)
                 WHERE x.path = w.path) AS presence,
               (SELECT sum(x.rows) FROM jsonb_to_recordset(shape) x(path text, rows bigint)
                 WHERE x.path = w.path) AS rows
          FROM w
         ORDER BY w.calls DESC, w.path, w.operator
    LOOP
        rule := 'jsonb_suggest'; level := 'info'; object_type := 'jsonb path';
        kind := 'index'; path := r.path; type := NULL; rows := r.rows;
        presence := r.presence; calls := r.calls;
        IF r.operator IN ('@>', '?', '?|', '?&') THEN
            CONTINUE WHEN is_json;
            -- jsonb_path_ops serves @> only; jsonb_ops serves them all
            CONTINUE WHEN EXISTS (SELECT FROM pg_index i JOIN pg_opclass oc ON oc.oid = i.indclass[0]
                                   WHERE i.indrelid = tbl
                                     AND oc.opcname IN ('jsonb_ops', 'jsonb_path_ops')
                                     AND (oc.opcname = 'jsonb_ops' OR r.operator = '@>')
                                     AND i.indkey[0] = (SELECT a.attnum FROM pg_attribute a
                                                         WHERE a.attrelid = tbl AND a.attname = col));
            object_identity := format('%s.%s', rel, colq);
            path := '$';
            message := format('%s.%s is searched with %s in %s calls: a GIN index serves it',
                              rel, colq, r.operator, r.calls);
            detail := format('%s normalized queries use %s on the column.', r.queries, r.operator);
            fix := format('CREATE INDEX CONCURRENTLY ON %s USING gin (%s%s);', rel, colq,
                          CASE WHEN r.operator = '@>' THEN ' jsonb_path_ops' ELSE '' END);
            RETURN NEXT;
        ELSIF r.keys IS NULL OR cardinality(r.keys) = 0 THEN
            unkeyed := unkeyed + r.calls;
        ELSIF r.rows IS NOT NULL THEN
            expr := CASE WHEN cardinality(r.keys) = 1
                         THEN format('(%s OPERATOR(pg_catalog.%s) %L)', colq, CASE WHEN r.operator LIKE '%>>' THEN '->>' ELSE '->' END, r.keys[1])
                         ELSE format('(%s OPERATOR(pg_catalog.%s) %L)', colq, CASE WHEN r.operator LIKE '%>>' THEN '#>>' ELSE '#>' END, r.keys::text) END;
            CONTINUE WHEN EXISTS (SELECT FROM pg_index i WHERE i.indrelid = tbl
                                     AND pg_get_indexdef(i.indexrelid) LIKE
                                         '%' || replace(format('(%s %s %L::', colq,
                                                   CASE WHEN cardinality(r.keys) = 1
                                                        THEN CASE WHEN r.operator LIKE '%>>' THEN '->>' ELSE '->' END
                                                        ELSE CASE WHEN r.operator LIKE '%>>' THEN '#>>' ELSE '#>' END END,
                                                   CASE WHEN cardinality(r.keys) = 1 THEN r.keys[1] ELSE r.keys::text END),
                                            '_', '\_') || '%');
            object_identity := format('%s.%s %s', rel, colq, r.path);
            message := format('path %s of %s.%s is read with %s in %s calls: an expression index serves it',
                              r.path, rel, colq, r.operator, r.calls);
            detail := format('%s normalized queries use it; the path is in %s%% of documents.',
                             r.queries, round((coalesce(r.presence, 0) * 100)::numeric, 1));
            fix := format('CREATE INDEX CONCURRENTLY ON %s (%s);', rel, expr);
            RETURN NEXT;
        END IF;
    END LOOP;
    IF unkeyed > 0 THEN
        RAISE NOTICE '% calls read %.% with keys that the normalization replaced by $n: their paths are unknown',
            unkeyed, rel, colq;
    END IF;
END
$$;

------------------------------------------------------------------------
-- The audit: the rules applied to what exists
------------------------------------------------------------------------

-- Runs as the caller and judges only the relations the caller has a
-- privilege on (the others are rows of audit_skipped).
CREATE FUNCTION schema_guard.audit(
    schemas name[] DEFAULT NULL, rules text[] DEFAULT NULL,
    min_level text DEFAULT 'info', with_data boolean DEFAULT false)
RETURNS TABLE (rule text, level text, object_type text, object_identity text,
               message text, detail text, fix text, exempted boolean, evidence jsonb)
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_audit';

COMMENT ON FUNCTION schema_guard.audit(name[], text[], text, boolean) IS
    'the findings of every rule that judges existing objects, on the relations the caller may see';

-- Realistic rows made from the declared schema, deterministic by seed,
-- inserted as the caller (src/fill.c).
CREATE FUNCTION schema_guard.fill(
    rel regclass, rows int, seed int DEFAULT 0,
    OUT tbl regclass, OUT inserted bigint, OUT not_made bigint, OUT note text)
RETURNS SETOF record
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_fill';
COMMENT ON FUNCTION schema_guard.fill(regclass, int, int) IS
    'insert rows generated from the declared schema (types, NOT NULL, CHECK, UNIQUE, foreign keys, partitions), deterministic by seed';

CREATE FUNCTION schema_guard.fill_schema(
    rows int, schemas name[] DEFAULT NULL, seed int DEFAULT 0,
    OUT tbl regclass, OUT inserted bigint, OUT not_made bigint, OUT note text)
RETURNS SETOF record
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_fill_schema';
COMMENT ON FUNCTION schema_guard.fill_schema(int, name[], int) IS
    'fill every table of the schemas (all user schemas by default) in foreign-key order';

-- ==== Fingerprints (issue 11) ====
-- What a round trip compares (doc/schema_guard.md, "Fingerprints"): schema
-- and data described without OIDs, as the caller sees them.

CREATE FUNCTION schema_guard.schema_fingerprint(schemas name[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_schema_fingerprint';

COMMENT ON FUNCTION schema_guard.schema_fingerprint(name[]) IS
'Every object of the schemas (default: all but the system''s, temporary ones and schema_guard''s), described by name and definition without OIDs, as jsonb';

CREATE FUNCTION schema_guard.schema_diff(a jsonb, b jsonb)
RETURNS TABLE (object_type text, object_identity text, kind text, before jsonb, after jsonb)
LANGUAGE C STABLE STRICT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_schema_diff';

COMMENT ON FUNCTION schema_guard.schema_diff(jsonb, jsonb) IS
'Every difference between two schema fingerprints, one row each: missing, extra, renamed, changed_type, changed_default, changed_nullability, changed_definition, reordered_columns';

-- TimeZone too: a value hashed through its text (a composite holding a
-- timestamptz) must not depend on the session's.
CREATE FUNCTION schema_guard.data_fingerprint(rel regclass)
RETURNS jsonb
LANGUAGE C VOLATILE STRICT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
SET TimeZone = 'UTC'
AS 'MODULE_PATHNAME', 'sg_data_fingerprint';

COMMENT ON FUNCTION schema_guard.data_fingerprint(regclass) IS
'Row count, and per column the NULL count and an order-independent hash of the values, of one scan of the relation as the caller';

-- ==== Round trips (issue 11) ====
-- No SET clause: up, down and seed_sql run with the caller's settings; the
-- function pins its own queries' settings itself.
CREATE FUNCTION schema_guard.roundtrip(up text, down text, seed_sql text DEFAULT NULL,
                                       schemas name[] DEFAULT NULL, fill_rows int DEFAULT 0)
RETURNS TABLE (phase text, object_type text, object_identity text, kind text,
               detail text, count bigint, examples text[])
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'sg_roundtrip';

COMMENT ON FUNCTION schema_guard.roundtrip(text, text, text, name[], int) IS
'Runs up then down in a transaction that is always rolled back, and reports every difference of schema and data they leave, with the likely cause of each changed value';


------------------------------------------------------------------------
-- Findings where CI reads them (src/audit_report.c)
------------------------------------------------------------------------

-- One document: SARIF 2.1.0, JSON, JUnit XML or TAP, of audit()'s rows for
-- the same arguments.
CREATE FUNCTION schema_guard.audit_report(format text,
    schemas name[] DEFAULT NULL, rules text[] DEFAULT NULL,
    min_level text DEFAULT 'info', with_data boolean DEFAULT false)
RETURNS text
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_audit_report';
COMMENT ON FUNCTION schema_guard.audit_report(text, name[], text[], text, boolean) IS
    'the audit''s findings as one sarif, json, junit or tap document';

-- One error (SQLSTATE SG002) listing every finding at or above min_level
-- that is not exempted; nothing when there is none.
CREATE FUNCTION schema_guard.assert_clean(min_level text DEFAULT 'error',
    schemas name[] DEFAULT NULL, rules text[] DEFAULT NULL, with_data boolean DEFAULT false)
RETURNS void
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_assert_clean';
COMMENT ON FUNCTION schema_guard.assert_clean(text, name[], text[], boolean) IS
    'raise one error listing the findings at or above min_level that are not exempted';

-- pgTAP assertions.  They exist whether or not pgTAP does, and find pgTAP
-- when they are called: so they work whichever extension was created first,
-- in whatever schema pgTAP lives, and across a dump and restore.  pgTAP's
-- functions call one another unqualified, hence its schema on the path for
-- the call (the SET clause restores the caller's path afterwards).
CREATE FUNCTION schema_guard.pgtap_ok(pass boolean, description text, diagnostics text[])
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    nsp name;
    tap text;
    diag text;
BEGIN
    SELECT n.nspname INTO nsp
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pgtap';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pgTAP is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'CREATE EXTENSION pgtap;';
    END IF;
    PERFORM set_config('search_path', format('%I, pg_catalog, pg_temp', nsp), true);
    EXECUTE format('SELECT %I.ok($1, $2)', nsp) INTO tap USING pass, description;
    IF NOT pass AND cardinality(diagnostics) > 0 THEN
        EXECUTE format('SELECT %I.diag($1)', nsp) INTO diag USING array_to_string(diagnostics, E'\n');
        tap := tap || E'\n' || diag;
    END IF;
    RETURN tap;
END
$$;
COMMENT ON FUNCTION schema_guard.pgtap_ok(boolean, text, text[]) IS
    'pgTAP''s ok() with diagnostics on failure, for the assertions below';

-- The configured level of a rule, when the name is a rule's (not a family's).
CREATE FUNCTION schema_guard.rule_setting(rule text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
    SELECT current_setting('schema_guard.' || r.rule, true)
      FROM schema_guard.rules() r WHERE r.rule = rule_setting.rule
$$;
COMMENT ON FUNCTION schema_guard.rule_setting(text) IS
    'the setting (error, warning, info or off) of a rule; NULL for a family or an unknown name';

CREATE FUNCTION schema_guard.no_findings(rule text, description text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    listed text[];
BEGIN
    description := coalesce(description, format('no findings of %s', rule));
    IF schema_guard.rule_setting(rule) = 'off' THEN
        RETURN schema_guard.pgtap_ok(false, description,
            ARRAY[format('rule %s is off (schema_guard.%s): the audit does not run it', rule, rule)]);
    END IF;
    SELECT array_agg(format('%s %s: %s: %s', f.level, f.rule, f.object_identity, f.message))
      INTO listed
      FROM schema_guard.audit(rules => ARRAY[rule]) f
     WHERE NOT f.exempted;
    RETURN schema_guard.pgtap_ok(listed IS NULL, description, listed);
END
$$;
COMMENT ON FUNCTION schema_guard.no_findings(text, text) IS
    'pgTAP: ok when the audit of a rule or family finds nothing that is not exempted';

CREATE FUNCTION schema_guard.fk_indexed(tbl regclass, description text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    nsp name;
    ident text;
    listed text[];
BEGIN
    SELECT n.nspname, format('%I.%I', n.nspname, c.relname) INTO nsp, ident
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    description := coalesce(description, format('every foreign key of %s has an index', ident));
    IF schema_guard.rule_setting('fk_unindexed') = 'off' THEN
        RETURN schema_guard.pgtap_ok(false, description,
            ARRAY['rule fk_unindexed is off (schema_guard.fk_unindexed): the audit does not run it']);
    END IF;
    -- the table's findings: those of its foreign keys, and the table when
    -- the audit could not judge it
    SELECT array_agg(format('%s %s: %s: %s', f.level, f.rule, f.object_identity, f.message))
      INTO listed
      FROM schema_guard.audit(schemas => ARRAY[nsp], rules => ARRAY['fk_unindexed']) f
     WHERE NOT f.exempted
       AND (f.object_identity = ident
            OR f.object_identity IN (SELECT format('%I on %s', con.conname, ident)
                                       FROM pg_constraint con
                                      WHERE con.conrelid = tbl AND con.contype = 'f'));
    RETURN schema_guard.pgtap_ok(listed IS NULL, description, listed);
END
$$;
COMMENT ON FUNCTION schema_guard.fk_indexed(regclass, text) IS
    'pgTAP: ok when the audit finds no unindexed foreign key on the table';

CREATE FUNCTION schema_guard.jsonb_matches_contract(tbl regclass, col name, description text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS $$
DECLARE
    listed text[];
BEGIN
    description := coalesce(description, format('%s.%I matches its contract', tbl, col));
    IF NOT EXISTS (SELECT FROM schema_guard.jsonb_contracts c
                    WHERE c.tbl = jsonb_matches_contract.tbl AND c.col = jsonb_matches_contract.col) THEN
        RETURN schema_guard.pgtap_ok(false, description,
            ARRAY[format('%s.%I has no contract: schema_guard.jsonb_expect() registers one', tbl, col)]);
    END IF;
    -- never_present (info) says a documented path is unused, not that a
    -- document breaks the contract
    SELECT array_agg(format('%s %s %s: %s', d.level, d.kind, d.path, d.message))
      INTO listed
      FROM schema_guard.jsonb_drift(tbl, col) d
     WHERE d.level IN ('error', 'warning');
    RETURN schema_guard.pgtap_ok(listed IS NULL, description, listed);
END
$$;
COMMENT ON FUNCTION schema_guard.jsonb_matches_contract(regclass, name, text) IS
    'pgTAP: ok when no document of the column breaks its contract (jsonb_drift at error or warning level)';

------------------------------------------------------------------------
-- What the guard raised in this session, and where
------------------------------------------------------------------------

-- Backend-local memory: never parallel, volatile (reset forgets them).
CREATE FUNCTION schema_guard.session_findings(
    reset boolean DEFAULT false,
    OUT rule text,
    OUT level text,
    OUT object_type text,
    OUT object_identity text,
    OUT message text,
    OUT detail text,
    OUT fix text,
    OUT raised text,
    OUT at_commit boolean,
    OUT statement bigint,
    OUT statement_line integer,
    OUT statement_position integer,
    OUT statement_length integer)
RETURNS SETOF record
LANGUAGE C VOLATILE STRICT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'schema_guard_session_findings';

COMMENT ON FUNCTION schema_guard.session_findings(boolean) IS
    'the findings the guard raised in this session, with the number of their statement and its line and position in its query string; reset forgets them';

-- Backend-local state: never parallel, volatile (it numbers its caller).
CREATE FUNCTION schema_guard.statement_number() RETURNS bigint
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'schema_guard_statement_number';

COMMENT ON FUNCTION schema_guard.statement_number() IS
    'the number this session gives the statement that calls it, as session_findings() names statements';

CREATE FUNCTION schema_guard.check_pending() RETURNS void
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'schema_guard_check_pending';

COMMENT ON FUNCTION schema_guard.check_pending() IS
    'run now the checks COMMIT would run on what the transaction did so far';
