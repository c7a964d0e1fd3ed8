-- audit_report() and assert_clean(): the audit's findings where CI reads
-- them.  Each format is validated by a real validator against its published
-- schema in test/t_report_formats.sh; here the documents of a small case,
-- read line by line, the bad arguments, and assert_clean() firing, silent
-- and at its edges.  The pgTAP assertions are tested in
-- test/pgtap/assertions.sql; here only their error without pgTAP.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE SCHEMA rep;
CREATE TABLE rep.customer (id bigint PRIMARY KEY);
BEGIN;
CREATE TABLE rep.clean (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT clean_customer_fk REFERENCES rep.customer);
CREATE INDEX clean_customer_idx ON rep.clean (customer_id);
COMMIT;
SET schema_guard.mode = warn;
-- an unindexed foreign key (error) and a timestamp without time zone
-- (warning), under names the formats must escape
CREATE TABLE rep."order <&> ""#1""" (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT "fk <&>" REFERENCES rep.customer,
    "at ""<&>""" timestamp NOT NULL);
RESET schema_guard.mode;

------------------------------------------------------------------------
-- assert_clean()
------------------------------------------------------------------------
-- firing: one error, SQLSTATE SG002, listing the finding
SELECT schema_guard.assert_clean(schemas => ARRAY['rep']);
-- min_level warning lists the warning too
SELECT schema_guard.assert_clean('warning', ARRAY['rep']);
-- silent: nothing at or above the level for these rules
SELECT schema_guard.assert_clean(schemas => ARRAY['rep'], rules => ARRAY['prefer_timestamptz']);
-- the SQLSTATE a suite can catch
DO $$
BEGIN
    PERFORM schema_guard.assert_clean(schemas => ARRAY['rep']);
EXCEPTION WHEN SQLSTATE 'SG002' THEN
    RAISE NOTICE 'caught SG002: %', SQLERRM;
END
$$;
-- an exempted finding does not count
BEGIN;
SELECT schema_guard.exempt('fk_unindexed', '"fk <&>" on rep."order <&> ""#1"""', 'regress: accepted');
SELECT schema_guard.assert_clean(schemas => ARRAY['rep']);
ROLLBACK;
-- a database where the rule is off is clean for it (the audit does not run it)
BEGIN;
SET LOCAL schema_guard.fk_unindexed = off;
SELECT schema_guard.assert_clean(schemas => ARRAY['rep']);
ROLLBACK;
-- bad arguments: audit()'s errors, and a NULL level
SELECT schema_guard.assert_clean('fatal', ARRAY['rep']);
SELECT schema_guard.assert_clean(NULL);
SELECT schema_guard.assert_clean(rules => ARRAY['no_such_rule']);

------------------------------------------------------------------------
-- audit_report(), printed as the documents they are
------------------------------------------------------------------------
\pset format unaligned
\pset tuples_only on
SELECT schema_guard.audit_report('tap', ARRAY['rep'], ARRAY['fk_unindexed', 'prefer_timestamptz']);
SELECT schema_guard.audit_report('junit', ARRAY['rep'], ARRAY['fk_unindexed', 'prefer_timestamptz']);
SELECT schema_guard.audit_report('json', ARRAY['rep'], ARRAY['fk_unindexed', 'prefer_timestamptz']);
-- SARIF: the results (without ruleIndex, which moves as rules are added),
-- and a driver rule per rule of the registry
SELECT jsonb_pretty(jsonb_agg(r - 'ruleIndex'))
  FROM jsonb_array_elements(schema_guard.audit_report('sarif', ARRAY['rep'],
           ARRAY['fk_unindexed', 'prefer_timestamptz'])::jsonb #> '{runs,0,results}') r;
SELECT jsonb_array_length(schema_guard.audit_report('sarif', ARRAY['rep'])::jsonb
                          #> '{runs,0,tool,driver,rules}') = (SELECT count(*) FROM schema_guard.rules())
       AS every_rule_described;
-- min_level and rules reach the audit: no warning at min_level error
SELECT schema_guard.audit_report('tap', ARRAY['rep'], ARRAY['prefer_timestamptz'], 'error');
\pset format aligned
\pset tuples_only off
-- bad formats
SELECT schema_guard.audit_report('xml');
SELECT schema_guard.audit_report('SARIF');
SELECT schema_guard.audit_report(NULL);

------------------------------------------------------------------------
-- pgTAP assertions without pgTAP: a clear error
------------------------------------------------------------------------
SELECT schema_guard.fk_indexed('rep.clean');

SET schema_guard.destructive_drop = off;
DROP SCHEMA rep CASCADE;
RESET schema_guard.destructive_drop;
