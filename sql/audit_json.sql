-- schema_guard.audit() runs json_not_jsonb and jsonb_uncontracted through
-- the guard's own checks, on the columns the guard would judge (a
-- partitioned table once, on the parent), as the caller: it reads
-- documents only with with_data, and only those the caller may read.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- What exists was built without the guard.
SET schema_guard.mode = off;
CREATE SCHEMA ajson;
CREATE DOMAIN ajson.json_doc AS json;
CREATE DOMAIN ajson.object_doc AS jsonb CHECK (pg_catalog.jsonb_typeof(VALUE) = 'object');
CREATE TABLE ajson.doc (
    id bigint PRIMARY KEY,
    legacy json NULL,                  -- json_not_jsonb
    legacy_d ajson.json_doc NULL,      -- json_not_jsonb: a domain over json
    payload jsonb NULL,                -- jsonb_uncontracted: objects and arrays
    meta jsonb NULL,                   -- jsonb_uncontracted: objects only
    checked jsonb NULL CHECK (pg_catalog.jsonb_typeof(checked) = 'array'),  -- a CHECK decides
    by_domain ajson.object_doc NULL,   -- its domain's CHECK decides
    contracted jsonb NULL              -- a contract decides
);
INSERT INTO ajson.doc
SELECT g, '{}', '[]', CASE WHEN g % 2 = 0 THEN '{"a": 1}' ELSE '[1]' END::jsonb,
       '{"m": true}', '[]', '{}', '{"k": 1}'
  FROM generate_series(1, 20) g;
SELECT schema_guard.jsonb_expect('ajson.doc', 'contracted', '{"type": "object"}');
-- partitioned: the columns are the parent's, judged once over every partition
CREATE TABLE ajson.event (id bigint NOT NULL, body jsonb NULL, raw json NULL)
    PARTITION BY RANGE (id);
CREATE TABLE ajson.event_1 PARTITION OF ajson.event FOR VALUES FROM (0) TO (100);
CREATE TABLE ajson.event_2 PARTITION OF ajson.event FOR VALUES FROM (100) TO (200);
INSERT INTO ajson.event
SELECT g, CASE WHEN g < 100 THEN '"s"' ELSE '7' END::jsonb, '{}' FROM generate_series(1, 150) g;
-- inheritance: an inherited column is judged on its parent, the child's own on the child
CREATE TABLE ajson.base (id bigint PRIMARY KEY, note jsonb NULL);
CREATE TABLE ajson.derived (extra jsonb NULL) INHERITS (ajson.base);
-- a typed table's columns are its type's: json_not_jsonb does not judge them
-- (nor does the guard), jsonb_uncontracted does (as the guard does)
CREATE TYPE ajson.rec AS (r json, s jsonb);
CREATE TABLE ajson.typed OF ajson.rec;
-- a view's and a materialized view's columns are not a table's
CREATE VIEW ajson.v AS SELECT '{}'::json AS vj, '{}'::jsonb AS vb;
CREATE MATERIALIZED VIEW ajson.mv AS SELECT '{}'::json AS mj, '{}'::jsonb AS mb;
RESET schema_guard.mode;

-- Both rules run in the audit, as rules() says.
SELECT rule, moments FROM schema_guard.rules()
 WHERE rule IN ('json_not_jsonb', 'jsonb_uncontracted') ORDER BY rule;

-- Without data: the finding is the guard's, and jsonb_uncontracted's HINT
-- reads nothing: it registers the contract inferred from the documents
-- when the caller runs it, reading them as itself.
SELECT rule, level, object_type, object_identity, message, detail, fix, exempted, evidence
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{json_not_jsonb,jsonb_uncontracted}');

-- With data: the commit's HINT, a CHECK on the top-level types of the
-- documents the caller reads (words for a column without any), with the
-- numbers in evidence.
SELECT object_identity, fix, evidence
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{jsonb_uncontracted}', with_data => true);

-- The HINTs run as written (the VALIDATE in a transaction of its own) and
-- leave nothing to report.
ALTER TABLE ajson.doc ADD CONSTRAINT doc_meta_check CHECK (pg_catalog.jsonb_typeof(meta) = 'object') NOT VALID;
ALTER TABLE ajson.doc VALIDATE CONSTRAINT doc_meta_check;  -- in its own transaction (outside a transaction block)
SELECT schema_guard.jsonb_expect('ajson.event', 'body', schema_guard.jsonb_infer_contract('ajson.event', 'body'));
SELECT object_identity
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{jsonb_uncontracted}', with_data => true);

-- Exempted findings are shown, as exempted; a rule that is off does not run.
SELECT schema_guard.exempt('json_not_jsonb', 'ajson.doc.legacy', 'read by a legacy client');
SELECT schema_guard.exempt('jsonb_uncontracted', 'ajson.doc', 'free-form payloads');
SELECT rule, object_identity, exempted
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{json_not_jsonb,jsonb_uncontracted}')
 WHERE object_identity LIKE 'ajson.doc.%';
SELECT schema_guard.unexempt('json_not_jsonb', 'ajson.doc.legacy');
SELECT schema_guard.unexempt('jsonb_uncontracted', 'ajson.doc');
SET schema_guard.json_not_jsonb = off;
SELECT rule, count(*)
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{json_not_jsonb,jsonb_uncontracted}')
 GROUP BY rule ORDER BY rule;
RESET schema_guard.json_not_jsonb;

-- As the caller.  A role with column privileges only is judged on them: a
-- column it may not SELECT is not judged by jsonb_uncontracted (its
-- contract, if any, is hidden from the caller: a contracted and an
-- uncontracted column look the same), json_not_jsonb reads only the
-- catalog.  With data, only the columns it may read are read.
CREATE ROLE ajson_reader;
GRANT USAGE ON SCHEMA ajson TO ajson_reader;
GRANT SELECT (id, payload, legacy) ON ajson.doc TO ajson_reader;
SET ROLE ajson_reader;
SELECT rule, level, object_type, object_identity, message, fix, evidence
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{json_not_jsonb,jsonb_uncontracted}',
                          with_data => true)
 WHERE object_identity LIKE 'ajson.doc%';
RESET ROLE;
-- Where row-level security hides rows, the types of the rows the caller
-- sees say nothing of the others: the HINT stays the one that reads
-- nothing, the evidence says so.
SET schema_guard.mode = off;
CREATE TABLE ajson.owned (id bigint PRIMARY KEY, doc jsonb NULL, owner name NOT NULL);
INSERT INTO ajson.owned VALUES (1, '{}', 'ajson_reader'), (2, '[]', 'nobody');
ALTER TABLE ajson.owned ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON ajson.owned USING (owner = current_user);
RESET schema_guard.mode;
GRANT SELECT ON ajson.owned TO ajson_reader;
SET ROLE ajson_reader;
SELECT object_identity, fix, evidence
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{jsonb_uncontracted}', with_data => true)
 WHERE object_identity LIKE 'ajson.owned%';
RESET ROLE;

-- Sampled like the data rules beyond schema_guard.audit_sample_rows.
SET schema_guard.mode = off;
CREATE TABLE ajson.big (id bigint PRIMARY KEY, doc jsonb NULL);
INSERT INTO ajson.big SELECT g, '{"n": 1}' FROM generate_series(1, 5000) g;
ANALYZE ajson.big;
RESET schema_guard.mode;
SET schema_guard.audit_sample_rows = 500;
SELECT object_identity, evidence->'sampled' AS sampled, evidence->'types' AS types
  FROM schema_guard.audit(schemas => '{ajson}', rules => '{jsonb_uncontracted}', with_data => true)
 WHERE object_identity LIKE 'ajson.big%';
RESET schema_guard.audit_sample_rows;

SET schema_guard.mode = off;
DROP SCHEMA ajson CASCADE;
RESET schema_guard.mode;
DROP ROLE ajson_reader;
