/* schema_guard--0.2.0.sql: install script */

\echo Use "CREATE EXTENSION schema_guard" to load this file. \quit

-- Roles granted schema_guard_admin may exempt findings; so may superusers
-- and the extension's owner.  Roles are cluster-wide: the role outlives
-- DROP EXTENSION and is shared by every database that installs it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'schema_guard_admin') THEN
        CREATE ROLE schema_guard_admin NOLOGIN;
    END IF;
END
$$;

-- Every function of the extension runs under the same pinned settings,
-- whatever the caller set (pg_dump scripts set row_security = off; others
-- set standard_conforming_strings, DateStyle, a search_path that shadows
-- pg_catalog...): the SET clauses below, the same list as
-- sg_pinned_settings in src/report.c, which pins the C code's own queries.

------------------------------------------------------------------------
-- The rule registry
------------------------------------------------------------------------

CREATE FUNCTION schema_guard.rules(
    OUT rule text,
    OUT family text,
    OUT moments text[],
    OUT level text,
    OUT description text)
RETURNS SETOF record
LANGUAGE C STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'schema_guard_rules';

COMMENT ON FUNCTION schema_guard.rules() IS
    'every rule with its family, moments, effective level and description';

------------------------------------------------------------------------
-- Exemptions: data, with a reason, who and when
------------------------------------------------------------------------

-- An exemption is keyed by its object, not by a name: a relation is a
-- regclass (its OID; it follows RENAME and SET SCHEMA, dumps as a name and
-- restores to the new OID), a schema a regnamespace, and a column,
-- constraint or index its table plus its name, which the ddl_command_end
-- trigger follows through renames (an index gets a new OID when it is
-- rebuilt, by REINDEX CONCURRENTLY or a column's new type).  The sql_drop trigger deletes the exemptions of
-- a dropped object.
CREATE TABLE schema_guard.exemption_rows (
    rule        text         NOT NULL,
    reason      text         NOT NULL CONSTRAINT exemption_rows_reason_check CHECK (reason ~ '[^[:space:]]'),
    exempted_by name         NOT NULL DEFAULT current_user,
    exempted_at timestamptz  NOT NULL DEFAULT now(),
    object_type text         NOT NULL,
    rel         regclass     NOT NULL DEFAULT 0,
    nsp         regnamespace NOT NULL DEFAULT 0,
    sub         name         NOT NULL DEFAULT '',
    CONSTRAINT exemption_rows_pkey PRIMARY KEY (rule, object_type, rel, nsp, sub),
    CONSTRAINT exemption_rows_key_check CHECK (
        CASE object_type
            WHEN 'table' THEN rel <> 0 AND nsp = 0 AND sub = ''
            WHEN 'index' THEN rel <> 0 AND nsp = 0 AND sub <> ''
            WHEN 'column' THEN rel <> 0 AND nsp = 0 AND sub <> ''
            WHEN 'constraint' THEN rel <> 0 AND nsp = 0 AND sub <> ''
            WHEN 'schema' THEN rel = 0 AND nsp <> 0 AND sub = ''
            WHEN 'database' THEN rel = 0 AND nsp = 0 AND sub = ''
            ELSE false END)
);

COMMENT ON TABLE schema_guard.exemption_rows IS
    'exemptions keyed by object: schema_guard.exemptions shows them by name';

-- Restored by pg_dump with the extension.
SELECT pg_catalog.pg_extension_config_dump('schema_guard.exemption_rows', '');

REVOKE ALL ON schema_guard.exemption_rows FROM PUBLIC;
GRANT SELECT ON schema_guard.exemption_rows TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON schema_guard.exemption_rows TO schema_guard_admin;

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

CREATE FUNCTION schema_guard.exempt(rule text, object text, reason text)
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

CREATE FUNCTION schema_guard.unexempt(rule text, object text)
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
-- The guard: event triggers (the ProcessUtility hook lives in the library)
------------------------------------------------------------------------

-- They resolve the names of the user's statement in the user's search_path,
-- as the statement did; the library pins every other setting, and only when
-- the caller's value differs (a SET clause here would cost every DDL
-- statement the loop over all settings that ends it).
CREATE FUNCTION schema_guard.ddl_command_start() RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'schema_guard_ddl_command_start';

CREATE FUNCTION schema_guard.ddl_command_end() RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'schema_guard_ddl_command_end';

CREATE FUNCTION schema_guard.table_rewrite() RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'schema_guard_table_rewrite';

-- Deletes the exemptions, contracts and snapshots of dropped objects; the
-- deletes themselves run as the extension owner (inside the library).
CREATE FUNCTION schema_guard.sql_drop() RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'schema_guard_sql_drop';

REVOKE ALL ON FUNCTION schema_guard.ddl_command_start() FROM PUBLIC;
REVOKE ALL ON FUNCTION schema_guard.ddl_command_end() FROM PUBLIC;
REVOKE ALL ON FUNCTION schema_guard.table_rewrite() FROM PUBLIC;
REVOKE ALL ON FUNCTION schema_guard.sql_drop() FROM PUBLIC;

CREATE EVENT TRIGGER schema_guard_ddl_command_start ON ddl_command_start
    EXECUTE FUNCTION schema_guard.ddl_command_start();
CREATE EVENT TRIGGER schema_guard_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION schema_guard.ddl_command_end();
CREATE EVENT TRIGGER schema_guard_table_rewrite ON table_rewrite
    EXECUTE FUNCTION schema_guard.table_rewrite();
CREATE EVENT TRIGGER schema_guard_sql_drop ON sql_drop
    EXECUTE FUNCTION schema_guard.sql_drop();

-- Fire under session_replication_role = replica too.
ALTER EVENT TRIGGER schema_guard_ddl_command_start ENABLE ALWAYS;
ALTER EVENT TRIGGER schema_guard_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER schema_guard_table_rewrite ENABLE ALWAYS;
ALTER EVENT TRIGGER schema_guard_sql_drop ENABLE ALWAYS;

GRANT USAGE ON SCHEMA schema_guard TO PUBLIC;

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

-- ==== JSONB shapes (issue 3) ====
-- Inference, contracts, drift, snapshots and suggestions for json/jsonb
-- columns (doc/schema_guard.md, "JSONB shapes").  Everything runs as the caller: rows are read
-- with the caller's privileges and row-level security.

CREATE FUNCTION schema_guard.jsonb_shape(
    tbl regclass, col name,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0,
    OUT path text, OUT type text, OUT rows bigint, OUT presence float8,
    OUT ratio_low float8, OUT ratio_high float8,
    OUT min_length bigint, OUT max_length bigint, OUT depth int, OUT note text)
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
AS 'MODULE_PATHNAME', 'sg_jsonb_shape';

CREATE FUNCTION schema_guard.jsonb_shape_summary(
    tbl regclass, col name,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0,
    OUT method text, OUT sample_percent float8, OUT seed int,
    OUT rows_scanned bigint, OUT null_documents bigint, OUT est_total_rows float8,
    OUT paths int, OUT maps_collapsed int, OUT budget_exhausted boolean,
    OUT values_skipped bigint, OUT unseen_max_ratio float8, OUT restarts int,
    OUT depth_exhausted boolean, OUT elapsed_ms float8)
RETURNS record
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
AS 'MODULE_PATHNAME', 'sg_jsonb_shape_summary';

CREATE FUNCTION schema_guard.jsonb_infer_contract(
    tbl regclass, col name,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0)
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
AS 'MODULE_PATHNAME', 'sg_jsonb_infer_contract';

-- Documented shapes.  tbl is a regclass: it follows table renames and dumps
-- as a name; col follows column renames through the ddl_command_end trigger.
-- True, or the error jsonb_expect() raises for the contract (with the JSON
-- pointer of the problem): rows written without jsonb_expect() are valid too.
CREATE FUNCTION schema_guard.jsonb_contract_valid(contract jsonb)
RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_jsonb_contract_valid';

-- Temporary tables have none: they end with their session without a
-- sql_drop event, and a dump would keep their OID for an unrelated table.
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

CREATE TABLE schema_guard.jsonb_contracts (
    tbl regclass NOT NULL CONSTRAINT jsonb_contracts_not_temporary CHECK (schema_guard.not_temporary(tbl)),
    col name NOT NULL,
    contract jsonb NOT NULL CHECK (schema_guard.jsonb_contract_valid(contract)),
    unchecked_keywords text[] NOT NULL DEFAULT '{}',
    registered_at timestamptz NOT NULL DEFAULT now(),
    registered_by name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (tbl, col)
);
COMMENT ON TABLE schema_guard.jsonb_contracts IS
    'documented shapes of json/jsonb columns, registered with schema_guard.jsonb_expect()';
SELECT pg_catalog.pg_extension_config_dump('schema_guard.jsonb_contracts', '');

CREATE FUNCTION schema_guard.jsonb_expect(tbl regclass, col name, contract jsonb)
RETURNS void
LANGUAGE C VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_jsonb_expect';

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

CREATE FUNCTION schema_guard.jsonb_drift(
    tbl regclass DEFAULT NULL, col name DEFAULT NULL,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0,
    OUT rule text, OUT level text, OUT object_type text, OUT object_identity text,
    OUT message text, OUT detail text, OUT fix text,
    OUT kind text, OUT path text, OUT expected text, OUT observed text,
    OUT rows bigint, OUT examples text[])
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
AS 'MODULE_PATHNAME', 'sg_jsonb_drift';

-- Shape snapshots, compared by jsonb_changes().
CREATE TABLE schema_guard.jsonb_snapshots (
    id bigserial PRIMARY KEY,
    tbl regclass NOT NULL CONSTRAINT jsonb_snapshots_not_temporary CHECK (schema_guard.not_temporary(tbl)),
    col name NOT NULL,
    taken_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    taken_by name NOT NULL DEFAULT CURRENT_USER,
    method text NOT NULL,
    sample_percent float8,
    seed int,
    rows_scanned bigint NOT NULL,
    null_documents bigint NOT NULL,
    budget_exhausted boolean NOT NULL
);
CREATE INDEX ON schema_guard.jsonb_snapshots (tbl, col, taken_at);

CREATE TABLE schema_guard.jsonb_snapshot_paths (
    snapshot_id bigint NOT NULL REFERENCES schema_guard.jsonb_snapshots ON DELETE CASCADE,
    path text NOT NULL,
    type text NOT NULL,
    rows bigint NOT NULL,
    presence float8 NOT NULL,
    ratio float8 NOT NULL,
    min_length bigint,
    max_length bigint,
    PRIMARY KEY (snapshot_id, path, type)
);
SELECT pg_catalog.pg_extension_config_dump('schema_guard.jsonb_snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('schema_guard.jsonb_snapshots_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('schema_guard.jsonb_snapshot_paths', '');

CREATE FUNCTION schema_guard.jsonb_snapshot(
    tbl regclass, col name,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0)
RETURNS bigint
LANGUAGE C VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET row_security = on
SET standard_conforming_strings = on
SET quote_all_identifiers = off
SET array_nulls = on
SET DateStyle = 'ISO, MDY'
SET IntervalStyle = postgres
SET extra_float_digits = 1
SET bytea_output = hex
AS 'MODULE_PATHNAME', 'sg_jsonb_snapshot';

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

-- Contracts and snapshots describe a column's data: only roles that may read
-- the column see them.  Only the extension's functions write them, as the
-- extension owner and in the caller's name: a contract through
-- jsonb_expect() and jsonb_unexpect(), for members of the table owner's
-- role; a snapshot through jsonb_snapshot(), which scans as the caller, and
-- jsonb_snapshot_drop(), for its taker or the table owner.  Other roles get
-- SELECT alone, so none can lock these tables beyond ACCESS SHARE (UPDATE
-- or DELETE would let them LOCK ... IN ACCESS EXCLUSIVE MODE and stall
-- every DROP and column rename of the database).  A snapshot's counts are
-- of the rows its taker could see, so besides the column it is shown only
-- to its taker, the table owner and roles that row-level security does not
-- filter on that table.
CREATE FUNCTION schema_guard.can_read_column(tbl regclass, col name)
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
    SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_attribute a
                              WHERE a.attrelid = tbl AND a.attname = col
                                AND a.attnum > 0 AND NOT a.attisdropped)
                THEN pg_catalog.has_column_privilege(tbl, col::text, 'SELECT')
                ELSE false END
$$;
COMMENT ON FUNCTION schema_guard.can_read_column(regclass, name) IS
    'may the current role read this column (false when it does not exist)';

CREATE FUNCTION schema_guard.owns_table(tbl regclass)
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
    SELECT coalesce(pg_catalog.pg_has_role(
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = tbl), 'USAGE'), false)
$$;
COMMENT ON FUNCTION schema_guard.owns_table(regclass) IS
    'is the current role a member of the owner of this table';

GRANT SELECT ON schema_guard.jsonb_contracts TO PUBLIC;
GRANT SELECT ON schema_guard.jsonb_snapshots TO PUBLIC;
GRANT SELECT ON schema_guard.jsonb_snapshot_paths TO PUBLIC;
REVOKE ALL ON SEQUENCE schema_guard.jsonb_snapshots_id_seq FROM PUBLIC;
ALTER TABLE schema_guard.jsonb_contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_guard.jsonb_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_guard.jsonb_snapshot_paths ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers_read ON schema_guard.jsonb_contracts FOR SELECT
    USING (schema_guard.can_read_column(tbl, col));
CREATE POLICY readers_read ON schema_guard.jsonb_snapshots FOR SELECT
    USING (schema_guard.can_read_column(tbl, col)
           AND (taken_by = CURRENT_USER OR schema_guard.owns_table(tbl)
                OR NOT pg_catalog.row_security_active(tbl)));
-- The paths of a snapshot: visible with their snapshot.
CREATE POLICY with_snapshot ON schema_guard.jsonb_snapshot_paths FOR SELECT
    USING (EXISTS (SELECT FROM schema_guard.jsonb_snapshots s WHERE s.id = snapshot_id));

-- Compare the newest snapshot of a column with the one at or before
-- "since" (or the one before it): paths added and gone, type shares and
-- presence that moved by at least min_change, with both numbers.
CREATE FUNCTION schema_guard.jsonb_changes(
    tbl regclass, col name, since timestamptz DEFAULT NULL,
    min_change float8 DEFAULT 0.01,
    OUT change text, OUT path text, OUT type text,
    OUT old_rows bigint, OUT new_rows bigint,
    OUT old_ratio float8, OUT new_ratio float8,
    OUT old_presence float8, OUT new_presence float8,
    OUT from_snapshot bigint, OUT from_taken_at timestamptz,
    OUT to_snapshot bigint, OUT to_taken_at timestamptz)
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
    newest schema_guard.jsonb_snapshots;
    base schema_guard.jsonb_snapshots;
BEGIN
    IF tbl IS NULL OR col IS NULL OR min_change IS NULL THEN
        RAISE EXCEPTION 'table, column and min_change must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the table and column given to schema_guard.jsonb_snapshot().';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = tbl) THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid
            USING ERRCODE = 'undefined_table',
                  HINT = 'The table was dropped; its snapshots went with it.';
    END IF;
    SELECT * INTO newest FROM schema_guard.jsonb_snapshots s
     WHERE s.tbl = jsonb_changes.tbl AND s.col = jsonb_changes.col
     ORDER BY s.taken_at DESC, s.id DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no jsonb snapshot of %.% exists', tbl, quote_ident(col)
            USING ERRCODE = 'no_data_found',
                  HINT = 'Take one with schema_guard.jsonb_snapshot() now and another later.';
    END IF;
    SELECT * INTO base FROM schema_guard.jsonb_snapshots s
     WHERE s.tbl = jsonb_changes.tbl AND s.col = jsonb_changes.col
       AND s.id <> newest.id
       AND CASE WHEN since IS NULL
                THEN (s.taken_at, s.id) < (newest.taken_at, newest.id)
                ELSE s.taken_at <= since END
     ORDER BY s.taken_at DESC, s.id DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no earlier jsonb snapshot of %.% to compare with', tbl, quote_ident(col)
            USING ERRCODE = 'no_data_found',
                  DETAIL = format('%s snapshot(s) of the column exist.',
                                  (SELECT count(*) FROM schema_guard.jsonb_snapshots s
                                    WHERE s.tbl = jsonb_changes.tbl AND s.col = jsonb_changes.col)),
                  HINT = CASE WHEN since IS NULL
                              THEN 'Take another snapshot with schema_guard.jsonb_snapshot() later.'
                              ELSE 'Pass a later "since", or NULL for the previous snapshot.' END;
    END IF;

    RETURN QUERY
    WITH o AS (SELECT * FROM schema_guard.jsonb_snapshot_paths p WHERE p.snapshot_id = base.id),
         n AS (SELECT * FROM schema_guard.jsonb_snapshot_paths p WHERE p.snapshot_id = newest.id),
         op AS (SELECT DISTINCT o.path, o.presence FROM o),
         np AS (SELECT DISTINCT n.path, n.presence FROM n),
         types AS (
            SELECT CASE
                     WHEN o.path IS NULL AND NOT EXISTS (SELECT FROM op WHERE op.path = n.path) THEN 'path_added'
                     WHEN n.path IS NULL AND NOT EXISTS (SELECT FROM np WHERE np.path = o.path) THEN 'path_gone'
                     WHEN o.path IS NULL THEN 'type_added'
                     WHEN n.path IS NULL THEN 'type_gone'
                     ELSE 'type_share' END AS change,
                   coalesce(n.path, o.path) AS path, coalesce(n.type, o.type) AS type,
                   o.rows AS old_rows, n.rows AS new_rows,
                   o.ratio AS old_ratio, n.ratio AS new_ratio,
                   o.presence AS old_presence, n.presence AS new_presence
              FROM o FULL JOIN n ON o.path = n.path AND o.type = n.type),
         presence AS (
            SELECT 'presence'::text AS change, np.path, NULL::text AS type,
                   NULL::bigint AS old_rows, NULL::bigint AS new_rows,
                   NULL::float8 AS old_ratio, NULL::float8 AS new_ratio,
                   op.presence AS old_presence, np.presence AS new_presence
              FROM op JOIN np ON op.path = np.path
             WHERE abs(np.presence - op.presence) >= min_change)
    SELECT x.change, x.path, x.type, x.old_rows, x.new_rows, x.old_ratio, x.new_ratio,
           x.old_presence, x.new_presence,
           base.id, base.taken_at, newest.id, newest.taken_at
      FROM (SELECT * FROM types t
             WHERE t.change <> 'type_share' OR abs(t.new_ratio - t.old_ratio) >= min_change
            UNION ALL
            SELECT * FROM presence) x
     ORDER BY x.path, x.type NULLS FIRST, x.change;
END
$$;

-- Paths used by queries on a jsonb column, from normalized query texts:
-- (query, calls) rows of pg_stat_statements or of any relation with those
-- columns.  Keys written as literals give a path; keys that the
-- normalization replaced by $n only tell the operator.
CREATE FUNCTION schema_guard.jsonb_workload_paths(
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

-- Keys of a path written by jsonb_shape(): $.a."b c" -> {a,"b c"}; NULL
-- when the path goes through [*] or .*.
CREATE FUNCTION schema_guard.jsonb_path_keys(path text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT SECURITY INVOKER PARALLEL SAFE
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
    SELECT CASE WHEN path = '$' THEN '{}'::text[]
                WHEN path !~ '^\$(\.([A-Za-z_][A-Za-z0-9_]*|"([^"\\]|\\.)*"))+$' THEN NULL
                ELSE ARRAY(SELECT coalesce(m[1], (m[2]::json) #>> '{}')
                             FROM regexp_matches(path, '\.(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*"))', 'g')
                                  WITH ORDINALITY AS x(m, i)
                            ORDER BY i) END
$$;

-- Ready DDL for a jsonb column: promote, CHECK and index suggestions.
CREATE FUNCTION schema_guard.jsonb_suggest(
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

-- When the guard saw each index created (index_unused's ddl_end), so that
-- the audit does not call a new index unused.  The guard's bookkeeping:
-- written as the extension owner, not readable by others; rows of dropped
-- indexes go at sql_drop.  Not dumped: a restore creates new indexes.
CREATE TABLE schema_guard.index_created (
    indexrelid oid         NOT NULL CONSTRAINT index_created_pkey PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON schema_guard.index_created FROM PUBLIC;

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
