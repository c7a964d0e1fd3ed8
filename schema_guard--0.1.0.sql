/* schema_guard--0.1.0.sql: install script */

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
AS 'MODULE_PATHNAME', 'schema_guard_rules';

COMMENT ON FUNCTION schema_guard.rules() IS
    'every rule with its family, moments, effective level and description';

------------------------------------------------------------------------
-- Exemptions: data, with a reason, who and when
------------------------------------------------------------------------

CREATE TABLE schema_guard.exemptions (
    rule        text        NOT NULL,
    object      text        NOT NULL,
    reason      text        NOT NULL CHECK (btrim(reason) <> ''),
    exempted_by name        NOT NULL DEFAULT current_user,
    exempted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule, object)
);

COMMENT ON TABLE schema_guard.exemptions IS
    'findings the guard does not raise: a rule on an object (or on every object of a table), with a reason';

-- Restored by pg_dump with the extension.
SELECT pg_catalog.pg_extension_config_dump('schema_guard.exemptions', '');

REVOKE ALL ON schema_guard.exemptions FROM PUBLIC;
GRANT SELECT ON schema_guard.exemptions TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON schema_guard.exemptions TO schema_guard_admin;

CREATE FUNCTION schema_guard.exempt(rule text, object text, reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF rule IS NULL OR object IS NULL THEN
        RAISE EXCEPTION 'rule and object must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION 'an exemption needs a reason'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Say why the finding is acceptable, e.g. ''legacy table, dropped in Q3''.';
    END IF;
    IF NOT EXISTS (SELECT FROM schema_guard.rules() r WHERE r.rule = exempt.rule) THEN
        RAISE EXCEPTION 'unknown rule "%"', rule
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'SELECT rule FROM schema_guard.rules() lists the rules.';
    END IF;
    IF NOT has_table_privilege('schema_guard.exemptions', 'INSERT') THEN
        RAISE EXCEPTION 'permission denied to exempt findings of rule "%"', rule
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Exemptions are for superusers, the extension owner and members of schema_guard_admin.';
    END IF;
    INSERT INTO schema_guard.exemptions AS e (rule, object, reason)
    VALUES (exempt.rule, exempt.object, btrim(exempt.reason))
    ON CONFLICT ON CONSTRAINT exemptions_pkey DO UPDATE
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
AS $$
BEGIN
    IF NOT has_table_privilege('schema_guard.exemptions', 'DELETE') THEN
        RAISE EXCEPTION 'permission denied to remove exemptions of rule "%"', rule
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Exemptions are for superusers, the extension owner and members of schema_guard_admin.';
    END IF;
    DELETE FROM schema_guard.exemptions e WHERE e.rule = unexempt.rule AND e.object = unexempt.object;
    RETURN FOUND;
END
$$;

COMMENT ON FUNCTION schema_guard.unexempt(text, text) IS
    'remove an exemption; returns whether there was one';

------------------------------------------------------------------------
-- The guard: event triggers (the ProcessUtility hook lives in the library)
------------------------------------------------------------------------

CREATE FUNCTION schema_guard.ddl_command_start() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'schema_guard_ddl_command_start';

CREATE FUNCTION schema_guard.ddl_command_end() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'schema_guard_ddl_command_end';

CREATE FUNCTION schema_guard.table_rewrite() RETURNS event_trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'schema_guard_table_rewrite';

-- Runs as the extension owner: it deletes the exemptions of dropped objects.
CREATE FUNCTION schema_guard.sql_drop() RETURNS event_trigger
LANGUAGE C SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

-- ==== JSONB shapes (issue 3) ====
-- Inference, contracts, drift, snapshots and suggestions for json/jsonb
-- columns (doc/jsonb.md).  Everything runs as the caller: rows are read
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
AS 'MODULE_PATHNAME', 'sg_jsonb_shape';

CREATE FUNCTION schema_guard.jsonb_shape_summary(
    tbl regclass, col name,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0,
    OUT method text, OUT sample_percent float8, OUT seed int,
    OUT rows_scanned bigint, OUT null_documents bigint, OUT est_total_rows float8,
    OUT paths int, OUT maps_collapsed int, OUT budget_exhausted boolean,
    OUT values_skipped bigint, OUT unseen_max_ratio float8, OUT restarts int,
    OUT elapsed_ms float8)
RETURNS record
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sg_jsonb_shape_summary';

CREATE FUNCTION schema_guard.jsonb_infer_contract(
    tbl regclass, col name,
    sample_percent float8 DEFAULT NULL, seed int DEFAULT 0)
RETURNS jsonb
LANGUAGE C VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sg_jsonb_infer_contract';

-- Documented shapes.  tbl is a regclass: it follows table renames and dumps
-- as a name; col follows column renames through the ddl_command_end trigger.
CREATE TABLE schema_guard.jsonb_contracts (
    tbl regclass NOT NULL,
    col name NOT NULL,
    contract jsonb NOT NULL,
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
AS 'MODULE_PATHNAME', 'sg_jsonb_expect';

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
AS 'MODULE_PATHNAME', 'sg_jsonb_drift';

-- Shape snapshots, compared by jsonb_changes().
CREATE TABLE schema_guard.jsonb_snapshots (
    id bigserial PRIMARY KEY,
    tbl regclass NOT NULL,
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
AS 'MODULE_PATHNAME', 'sg_jsonb_snapshot';

-- Contracts and snapshots are shared: anyone may read them; a contract may
-- be changed by members of the table owner's role, a snapshot taken by
-- whoever may read the column.
GRANT SELECT, INSERT, UPDATE, DELETE ON schema_guard.jsonb_contracts TO PUBLIC;
GRANT SELECT, INSERT, DELETE ON schema_guard.jsonb_snapshots,
    schema_guard.jsonb_snapshot_paths TO PUBLIC;
GRANT USAGE ON SEQUENCE schema_guard.jsonb_snapshots_id_seq TO PUBLIC;
ALTER TABLE schema_guard.jsonb_contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_guard.jsonb_snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON schema_guard.jsonb_contracts FOR SELECT USING (true);
CREATE POLICY owner_writes ON schema_guard.jsonb_contracts
    USING (pg_catalog.pg_has_role(
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = tbl), 'USAGE'))
    WITH CHECK (pg_catalog.pg_has_role(
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = tbl), 'USAGE'));
CREATE POLICY read_all ON schema_guard.jsonb_snapshots FOR SELECT USING (true);
CREATE POLICY reader_writes ON schema_guard.jsonb_snapshots
    USING (pg_catalog.has_column_privilege(tbl, col, 'SELECT'))
    WITH CHECK (pg_catalog.has_column_privilege(tbl, col, 'SELECT'));
