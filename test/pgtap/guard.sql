-- pgTAP: the registry, exemptions and privileges of the guard.
-- (Runs inside a transaction that is rolled back: commit-time behaviour is
-- tested by pg_regress and the isolation tester instead.)
BEGIN;
SELECT plan(46);

------------------------------------------------------------------------
-- The registry
------------------------------------------------------------------------
SELECT has_function('schema_guard', 'rules', ARRAY[]::name[], 'schema_guard.rules() exists');
SELECT results_eq(
    $$SELECT rule FROM schema_guard.rules() ORDER BY rule$$,
    ARRAY['backfill_under_lock', 'char_column', 'check_values_unused',
          'constraint_index_in_place', 'constraint_not_validated',
          'constraint_validates_in_place',
          'destructive_drop', 'drop_index_not_concurrent', 'empty_string_default',
          'fk_missing', 'fk_type_mismatch', 'fk_unindexed', 'implicit_nullable',
          'index_duplicate', 'index_invalid',
          'index_not_concurrent', 'index_rebuild', 'index_redundant', 'index_unused',
          'json_not_jsonb', 'jsonb_drift',
          'jsonb_uncontracted', 'lock_held_too_long', 'lock_queue', 'lossy_type_change',
          'missing_primary_key', 'no_lock_timeout', 'not_null_empty_strings',
          'nullable_never_null', 'orphaned_rows', 'partition_detach_not_concurrent',
          'prefer_bigint_key', 'prefer_identity', 'prefer_timestamptz',
          'reindex_not_concurrent', 'rename_breaks_clients',
          'required_column_without_default', 'sequence_near_exhaustion',
          'set_not_null_scan', 'table_rewrite'],
    'rules() lists every rule of this version');
SELECT is_empty(
    $$SELECT rule FROM schema_guard.rules()
       WHERE family IS NULL OR moments IS NULL OR cardinality(moments) = 0
          OR level IS NULL OR description IS NULL OR description = ''$$,
    'every rule has a family, moments, a level and a description');
SELECT results_eq(
    $$SELECT family, moments FROM schema_guard.rules() WHERE rule = 'fk_unindexed'$$,
    $$VALUES ('foreign_keys', ARRAY['utility', 'ddl_end', 'commit', 'audit'])$$,
    'fk_unindexed is a foreign_keys rule whose check serves commit and audit');
SELECT is((SELECT level FROM schema_guard.rules() WHERE rule = 'implicit_nullable'), 'error',
    'default level of implicit_nullable is error');
SET LOCAL schema_guard.implicit_nullable = warning;
SELECT is((SELECT level FROM schema_guard.rules() WHERE rule = 'implicit_nullable'), 'warning',
    'rules() shows the level set by the rule GUC');
SET LOCAL schema_guard.mode = warn;
SELECT is((SELECT count(*)::int FROM schema_guard.rules() WHERE level = 'error'), 0,
    'mode = warn: no rule is at error level');
SET LOCAL schema_guard.mode = off;
SELECT is((SELECT array_agg(DISTINCT level) FROM schema_guard.rules()), ARRAY['off'],
    'mode = off: every rule is off');
RESET schema_guard.mode;
RESET schema_guard.implicit_nullable;

------------------------------------------------------------------------
-- The event triggers: installed, firing in replica mode too
------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT format('%s on %s, enabled %s', evtname, evtevent, evtenabled) COLLATE "default" FROM pg_event_trigger
       WHERE evtname LIKE 'schema_guard%' ORDER BY evtname$$,
    ARRAY['schema_guard_ddl_command_end on ddl_command_end, enabled A',
          'schema_guard_ddl_command_start on ddl_command_start, enabled A',
          'schema_guard_sql_drop on sql_drop, enabled A',
          'schema_guard_table_rewrite on table_rewrite, enabled A'],
    'four event triggers, enabled ALWAYS');
SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc p
       WHERE p.pronamespace = 'schema_guard'::regnamespace
         AND p.prorettype <> 'event_trigger'::regtype
         -- runs the user's migration under the user's settings, pins its own queries
         AND p.oid <> 'schema_guard.roundtrip(text,text,text,name[],integer)'::regprocedure
         AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
    'every SQL-callable function pins search_path');
SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc p
       WHERE p.pronamespace = 'schema_guard'::regnamespace
         AND p.prosecdef$$,
    'no function runs as its owner');

------------------------------------------------------------------------
-- Exemptions as a superuser
------------------------------------------------------------------------
SET LOCAL schema_guard.mode = off;
CREATE TABLE tap_legacy (id int PRIMARY KEY, note text);
CREATE TABLE tap_kept (id int NULL);
CREATE INDEX tap_kept_idx ON tap_kept (id);
CREATE TABLE tap_lead (x int NULL);
RESET schema_guard.mode;
SELECT lives_ok(
    $$SELECT schema_guard.exempt('implicit_nullable', 'public.tap_legacy.note', 'legacy import')$$,
    'a superuser can exempt');
SELECT results_eq(
    $$SELECT rule, object, reason, exempted_by::text FROM schema_guard.exemptions$$,
    $$VALUES ('implicit_nullable', 'public.tap_legacy.note', 'legacy import', current_user::text)$$,
    'the exemption records rule, object, reason and who');
SELECT throws_ok(
    $$SELECT schema_guard.exempt('implicit_nullable', 'public.tap_legacy.note', '')$$,
    '22023', 'an exemption needs a reason', 'an empty reason is refused');
SELECT throws_ok(
    $$SELECT schema_guard.exempt('implicit_nullable', 'public.tap_legacy.note', NULL)$$,
    '22023', 'an exemption needs a reason', 'a NULL reason is refused');
SELECT throws_ok(
    $$SELECT schema_guard.exempt('not_a_rule', 'public.tap_legacy.note', 'why')$$,
    '22023', 'unknown rule "not_a_rule"', 'an unknown rule is refused');
SELECT throws_ok(
    $$SELECT schema_guard.exempt('implicit_nullable', NULL, 'why')$$,
    '22004', 'rule and object must not be null', 'a NULL object is refused');
SELECT throws_ok(
    $$SELECT schema_guard.exempt('implicit_nullable', 'public.tap_missing', 'why')$$,
    '42P01', 'relation "public.tap_missing" does not exist', 'an object that does not exist is refused');
SELECT is(schema_guard.unexempt('implicit_nullable', 'public.tap_legacy.note'), true,
    'unexempt removes an exemption');
SELECT is(schema_guard.unexempt('implicit_nullable', 'public.tap_legacy.note'), false,
    'unexempt of nothing says so');
SELECT is(schema_guard.unexempt(NULL, 'x'), NULL, 'unexempt is strict');

------------------------------------------------------------------------
-- Privileges of an ordinary role
------------------------------------------------------------------------
CREATE ROLE sg_tap_developer;
CREATE ROLE sg_tap_lead;
GRANT schema_guard_admin TO sg_tap_lead;
GRANT CREATE ON SCHEMA public TO sg_tap_developer, sg_tap_lead;
SELECT schema_guard.exempt('fk_unindexed', 'public.tap_kept', 'kept for the privilege tests');
SELECT schema_guard.exempt('drop_index_not_concurrent', 'public.tap_kept_idx', 'kept for the privilege tests');
-- A rule judged when the statement runs (this file never commits).
SET LOCAL schema_guard.json_not_jsonb = error;

-- Can the current role take this lock?  (Released at once: the
-- subtransaction is rolled back either way.)
CREATE FUNCTION pg_temp.sg_tap_lockable(rel regclass, mode text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('LOCK TABLE %s IN %s MODE NOWAIT', rel, mode);
    RAISE EXCEPTION 'locked';
EXCEPTION
    WHEN insufficient_privilege OR wrong_object_type THEN RETURN false;
    WHEN raise_exception THEN RETURN true;
END
$$;

SET LOCAL ROLE sg_tap_developer;
SELECT throws_ok($$SET schema_guard.mode = off$$, '42501',
    'permission denied to set parameter "schema_guard.mode"',
    'an ordinary role cannot turn the guard off');
SELECT throws_ok($$SET schema_guard.fk_unindexed = off$$, '42501',
    'permission denied to set parameter "schema_guard.fk_unindexed"',
    'an ordinary role cannot turn a rule off');
SELECT throws_ok($$SELECT schema_guard.exempt('fk_unindexed', 'public.t', 'because')$$, '42501',
    'permission denied to exempt findings of rule "fk_unindexed"',
    'an ordinary role cannot exempt');
SELECT throws_ok($$SELECT schema_guard.unexempt('fk_unindexed', 'public.tap_kept')$$, '42501',
    'permission denied to remove exemptions of rule "fk_unindexed"',
    'an ordinary role cannot remove an exemption');
SELECT throws_ok($$INSERT INTO schema_guard.exemption_rows (rule, object_type, rel, reason)
                    VALUES ('fk_unindexed', 'table', 'public.tap_kept', 'y')$$,
    '42501', NULL, 'an ordinary role cannot write the exemptions table directly');
SELECT throws_ok($$DELETE FROM schema_guard.exemption_rows$$,
    '42501', NULL, 'an ordinary role cannot delete exemptions directly');
SELECT throws_ok($$UPDATE schema_guard.exemption_rows SET reason = 'mine'$$,
    '42501', NULL, 'an ordinary role cannot change an exemption');
SELECT results_eq($$SELECT object FROM schema_guard.exemptions ORDER BY object$$,
    ARRAY['public.tap_kept', 'public.tap_kept_idx'],
    'an ordinary role can read the exemptions');
SELECT lives_ok($$CREATE DOMAIN public.tap_kept_idx AS int; DROP DOMAIN public.tap_kept_idx;
                  CREATE TYPE public.tap_kept_idx AS ENUM ('a'); DROP TYPE public.tap_kept_idx;
                  CREATE TABLE public.tap_dev_stats (a int NOT NULL, b int NOT NULL);
                  CREATE STATISTICS public.tap_kept_idx ON a, b FROM public.tap_dev_stats;
                  DROP STATISTICS public.tap_kept_idx$$,
    'an ordinary role creates and drops a domain, a type and statistics named like an exempted index');
SELECT results_eq($$SELECT object FROM schema_guard.exemptions ORDER BY object$$,
    ARRAY['public.tap_kept', 'public.tap_kept_idx'],
    'dropping objects of another kind with the same name removes no exemption');
SELECT throws_ok($$DROP EVENT TRIGGER schema_guard_ddl_command_end$$, '42501',
    'must be owner of event trigger schema_guard_ddl_command_end',
    'an ordinary role cannot drop the event triggers');
SELECT throws_ok($$ALTER EVENT TRIGGER schema_guard_ddl_command_start DISABLE$$, '42501',
    'must be owner of event trigger schema_guard_ddl_command_start',
    'an ordinary role cannot disable the event triggers');
SELECT throws_ok($$DROP EXTENSION schema_guard$$, '42501',
    'must be owner of extension schema_guard',
    'an ordinary role cannot drop the extension');
SELECT throws_ok($$SELECT schema_guard.ddl_command_end()$$, '42501', NULL,
    'an ordinary role cannot execute the event-trigger functions');
SELECT throws_ok($$CREATE TABLE tap_dev_table (a json NOT NULL)$$, 'SG001', NULL,
    'the guard applies to an ordinary role');
SELECT lives_ok($$CREATE TABLE tap_dev_table (a int NOT NULL)$$,
    'a clean migration passes for an ordinary role');
-- Every DROP and column rename writes the extension's tables (as its
-- owner): a role that could lock them beyond reading would stall those
-- of everyone, superusers included, even in off mode.
SELECT ok(pg_temp.sg_tap_lockable('schema_guard.jsonb_contracts', 'ACCESS SHARE'),
    'an ordinary role may lock an extension table for reading');
SELECT is_empty(
    $$SELECT format('%s in %s mode', c.oid::regclass, m.mode)
        FROM pg_class c,
             unnest(ARRAY['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE',
                          'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']) AS m(mode)
       WHERE CASE WHEN c.relnamespace = 'schema_guard'::regnamespace
                  THEN pg_temp.sg_tap_lockable(c.oid, m.mode) END$$,
    'an ordinary role cannot lock any relation of the extension beyond ACCESS SHARE');
SELECT is_empty(
    $$SELECT format('%s %s', c.oid::regclass, p.priv)
        FROM pg_class c,
             unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(priv)
       WHERE c.relnamespace = 'schema_guard'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND has_table_privilege(c.oid, p.priv)$$,
    'an ordinary role has no privilege but SELECT on the extension''s tables and views');
SELECT is_empty(
    $$SELECT c.oid::regclass FROM pg_class c
       WHERE c.relnamespace = 'schema_guard'::regnamespace AND c.relkind = 'S'
         AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'USAGE, UPDATE') END$$,
    'an ordinary role cannot use the extension''s sequences');
RESET ROLE;

-- A member of schema_guard_admin may exempt, and is recorded.
SET LOCAL ROLE sg_tap_lead;
SELECT lives_ok($$SELECT schema_guard.exempt('implicit_nullable', 'public.tap_lead.x', 'reviewed by the lead')$$,
    'a member of schema_guard_admin can exempt');
SELECT is((SELECT exempted_by::text FROM schema_guard.exemptions WHERE object = 'public.tap_lead.x'),
    'sg_tap_lead', 'the exemption records the member who made it');
SELECT is(schema_guard.unexempt('implicit_nullable', 'public.tap_lead.x'), true,
    'a member of schema_guard_admin can remove an exemption');
SELECT throws_ok($$SET schema_guard.mode = off$$, '42501', NULL,
    'exempting is not turning the guard off: the admin role cannot set the GUCs');
RESET ROLE;

SELECT throws_ok($$SELECT schema_guard.ddl_command_end()$$, '39P01', 'function was not called by the event trigger manager',
    'nobody can call an event-trigger function directly');

SELECT * FROM finish();
ROLLBACK;
