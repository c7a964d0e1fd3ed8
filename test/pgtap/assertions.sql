-- pgTAP: the assertions schema_guard gives a project's own pgTAP suites
-- (no_findings, fk_indexed, jsonb_matches_contract).  test/pgtap.sh runs this
-- file twice: in a database where pgTAP was created before schema_guard, and
-- in one where it was created after it, in a schema of its own.  A failing
-- assertion is checked with check_test(), which takes it out of the tally;
-- a passing one counts in the plan like any pgTAP test.
BEGIN;
SELECT plan(30);

SELECT has_function('schema_guard', 'no_findings', ARRAY['text', 'text'],
    'schema_guard.no_findings(rule, description) exists');
SELECT has_function('schema_guard', 'fk_indexed', ARRAY['regclass', 'text'],
    'schema_guard.fk_indexed(tbl, description) exists');
SELECT has_function('schema_guard', 'jsonb_matches_contract', ARRAY['regclass', 'name', 'text'],
    'schema_guard.jsonb_matches_contract(tbl, col, description) exists');

SET LOCAL schema_guard.mode = warn;
SET LOCAL client_min_messages = error;
CREATE SCHEMA tapt;
CREATE TABLE tapt.customer (id bigint PRIMARY KEY);
CREATE TABLE tapt.indexed (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT indexed_customer_fk REFERENCES tapt.customer);
CREATE INDEX indexed_customer_idx ON tapt.indexed (customer_id);
CREATE TABLE tapt.unindexed (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT unindexed_customer_fk REFERENCES tapt.customer);
CREATE TABLE tapt.docs (id bigint PRIMARY KEY, doc jsonb NOT NULL, other jsonb NOT NULL);
INSERT INTO tapt.docs VALUES (1, '{"total": 1}', '{}'), (2, '{"total": "2"}', '{}');
SELECT schema_guard.jsonb_expect('tapt.docs', 'doc',
    '{"type": "object", "required": ["total"], "properties": {"total": {"type": "integer"}}}');
SELECT schema_guard.jsonb_expect('tapt.docs', 'other', '{"type": "object"}');
RESET client_min_messages;
RESET schema_guard.mode;

------------------------------------------------------------------------
-- fk_indexed
------------------------------------------------------------------------
SELECT schema_guard.fk_indexed('tapt.indexed');
SELECT schema_guard.fk_indexed('tapt.customer', 'a table without foreign keys passes');
SELECT * FROM check_test(
    schema_guard.fk_indexed('tapt.unindexed'), false,
    'fk_indexed on a table with an unindexed foreign key',
    'every foreign key of tapt.unindexed has an index',
    '^error fk_unindexed: unindexed_customer_fk on tapt\.unindexed: .+$', true);
SELECT * FROM check_test(
    schema_guard.fk_indexed('tapt.unindexed', 'my own words'), false,
    'fk_indexed with a description', 'my own words');
-- another table's finding is not this table's
SELECT schema_guard.fk_indexed('tapt.indexed', 'the unindexed neighbour does not count');
SET LOCAL schema_guard.fk_unindexed = off;
SELECT * FROM check_test(
    schema_guard.fk_indexed('tapt.indexed'), false,
    'fk_indexed with the rule off', 'every foreign key of tapt.indexed has an index',
    'rule fk_unindexed is off (schema_guard.fk_unindexed): the audit does not run it');
RESET schema_guard.fk_unindexed;

------------------------------------------------------------------------
-- no_findings
------------------------------------------------------------------------
SELECT * FROM check_test(
    schema_guard.no_findings('fk_unindexed'), false,
    'no_findings of a rule with a finding', 'no findings of fk_unindexed',
    '^error fk_unindexed: unindexed_customer_fk on tapt\.unindexed: .+$', true);
SELECT * FROM check_test(
    schema_guard.no_findings('foreign_keys', 'a family'), false,
    'no_findings of a family with a finding', 'a family');
SELECT schema_guard.exempt('fk_unindexed', 'unindexed_customer_fk on tapt.unindexed',
    'pgTAP test: an exempted finding does not fail');
SELECT schema_guard.no_findings('fk_unindexed');
SELECT schema_guard.fk_indexed('tapt.unindexed', 'an exempted foreign key passes');
SELECT throws_ok($$SELECT schema_guard.no_findings('no_such_rule')$$, '22023', NULL,
    'an unknown rule is an error, not a failing test');

------------------------------------------------------------------------
-- jsonb_matches_contract
------------------------------------------------------------------------
SELECT schema_guard.jsonb_matches_contract('tapt.docs', 'other');
SELECT * FROM check_test(
    schema_guard.jsonb_matches_contract('tapt.docs', 'doc'), false,
    'jsonb_matches_contract with a document breaking the contract',
    'tapt.docs.doc matches its contract',
    '^error type_mismatch \$\.total: .+$', true);
SELECT * FROM check_test(
    schema_guard.jsonb_matches_contract('tapt.indexed', 'id'), false,
    'jsonb_matches_contract on a column without a contract',
    'tapt.indexed.id matches its contract',
    'tapt.indexed.id has no contract: schema_guard.jsonb_expect() registers one');
UPDATE tapt.docs SET doc = '{"total": 2}' WHERE id = 2;
SELECT schema_guard.jsonb_matches_contract('tapt.docs', 'doc', 'the documents now match');

SELECT * FROM finish();
ROLLBACK;
