-- The audit's data rules (with_data => true): nullable_never_null,
-- not_null_empty_strings, check_values_unused, jsonb_drift, orphaned_rows.  One scan
-- per table, as the caller, sampled beyond schema_guard.audit_sample_rows;
-- what the caller may not read is a row of audit_skipped.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- What exists was built without the guard.
SET schema_guard.mode = off;
CREATE SCHEMA sgdata;
CREATE DOMAIN sgdata.required_text AS text NOT NULL;
CREATE TYPE sgdata.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE sgdata.person (
    id int PRIMARY KEY,
    nick text NULL,                        -- never NULL: a finding
    note text NULL,                        -- one NULL: none
    gone text NULL,                        -- NULL everywhere: none
    tag sgdata.required_text,              -- NOT NULL by its domain: not judged
    code text NOT NULL,                    -- '' in 60%: a finding
    label text NOT NULL,                   -- '' in 40%: none (below 50%)
    pad char(3) NOT NULL,                  -- spaces only in 100%: a finding
    -- one NULL in each of the next five columns: only their values are judged
    mood sgdata.mood NULL,                 -- 'happy' unused: a finding
    state varchar(10) NULL CHECK (state IN ('new', 'paid', 'void')),   -- 'void' unused
    size int NULL CONSTRAINT person_size_check CHECK (size = ANY (ARRAY[1, 2, 3, 4]) AND size > 0),  -- 4 unused
    level int NULL CHECK (level > 0),       -- no value list: not judged
    blank text NULL,                       -- nullable: not judged by not_null_empty_strings
    unused sgdata.mood NULL,               -- NULL everywhere: no value to judge
    boss_id int NULL REFERENCES sgdata.person ON DELETE SET NULL  -- NULL is its purpose
);
INSERT INTO sgdata.person
SELECT g, 'n' || g, CASE WHEN g = 7 THEN NULL ELSE 'x' END, NULL, 't',
       CASE WHEN g % 5 < 3 THEN '' ELSE 'c' END,
       CASE WHEN g % 5 < 2 THEN '' ELSE 'l' END,
       '', CASE WHEN g = 1 THEN NULL WHEN g % 2 = 0 THEN 'sad' ELSE 'ok' END::sgdata.mood,
       CASE WHEN g = 1 THEN NULL WHEN g % 2 = 0 THEN 'new' ELSE 'paid' END,
       CASE WHEN g > 1 THEN 1 + g % 3 END, CASE WHEN g > 1 THEN g END,
       CASE WHEN g > 1 THEN '' END, NULL, NULL
  FROM generate_series(1, 200) g;
CREATE TABLE sgdata.empty (id int PRIMARY KEY, nick text NULL, code text NOT NULL,
                           mood sgdata.mood NULL);
CREATE TABLE sgdata.few (id int PRIMARY KEY, nick text NULL);
INSERT INTO sgdata.few SELECT g, 'f' FROM generate_series(1, 20) g;
RESET schema_guard.mode;

-- Without with_data no data rule runs.
SELECT count(*) FROM schema_guard.audit(schemas => '{sgdata}', rules => '{data}');

-- Every finding of the family: the evidence has the rows read.
SELECT rule, level, object_type, object_identity, message, detail, fix, exempted, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{data}', with_data => true);

-- The knobs: fewer rows make a judgement, a lower share makes "full".
SET schema_guard.nullable_never_null_min_rows = 10;
SET schema_guard.not_null_empty_strings_fraction = 0.4;
SET schema_guard.check_values_unused_min_rows = 1000;
SELECT rule, object_identity, evidence->>'threshold' AS threshold
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{data}', with_data => true);
RESET schema_guard.nullable_never_null_min_rows;
RESET schema_guard.not_null_empty_strings_fraction;
RESET schema_guard.check_values_unused_min_rows;
SET schema_guard.not_null_empty_strings_fraction = 0;
SET schema_guard.not_null_empty_strings_fraction = 1.5;

-- Each rule has its level setting; off, it does not run.
SET schema_guard.nullable_never_null = warning;
SET schema_guard.check_values_unused = off;
SELECT rule, level, count(*)
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{data}', with_data => true)
 GROUP BY rule, level ORDER BY rule;
RESET schema_guard.nullable_never_null;
RESET schema_guard.check_values_unused;

-- nullable_never_null's HINT runs as written, without the guard's
-- objection, and leaves nothing to report.
ALTER TABLE sgdata.person ADD CONSTRAINT person_nick_check CHECK (nick IS NOT NULL) NOT VALID;
ALTER TABLE sgdata.person VALIDATE CONSTRAINT person_nick_check;  -- in its own transaction (outside a transaction block)
ALTER TABLE sgdata.person ALTER COLUMN nick SET NOT NULL;
ALTER TABLE sgdata.person DROP CONSTRAINT person_nick_check;
SELECT rule, object_identity
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{nullable_never_null}', with_data => true);

-- Partitioned: the parent is judged over every partition, a partition
-- is not judged on its own (its columns are the parent's).
SET schema_guard.mode = off;
CREATE TABLE sgdata.events (id int NOT NULL, kind text NULL, who text NULL) PARTITION BY RANGE (id);
CREATE TABLE sgdata.events_1 PARTITION OF sgdata.events FOR VALUES FROM (0) TO (100);
CREATE TABLE sgdata.events_2 PARTITION OF sgdata.events FOR VALUES FROM (100) TO (300);
INSERT INTO sgdata.events SELECT g, 'k', CASE WHEN g = 250 THEN NULL ELSE 'w' END
  FROM generate_series(0, 299) g;
RESET schema_guard.mode;
SELECT rule, object_identity, detail
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{nullable_never_null}', with_data => true)
 WHERE object_identity LIKE 'sgdata.events%';

-- A table of more rows than schema_guard.audit_sample_rows is read through
-- TABLESAMPLE SYSTEM, REPEATABLE (0): the same sample every time, said in
-- the detail and the evidence.  The NULL in row 3000 is outside it.
SET schema_guard.mode = off;
CREATE TABLE sgdata.big (id int PRIMARY KEY, nick text NULL, pad text NOT NULL);
INSERT INTO sgdata.big SELECT g, CASE WHEN g = 3000 THEN NULL ELSE 'b' END, repeat('x', 100)
  FROM generate_series(1, 20000) g;
ANALYZE sgdata.big;
RESET schema_guard.mode;
SET schema_guard.audit_sample_rows = 1000;
SELECT rule, object_identity, detail, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{nullable_never_null}', with_data => true)
 WHERE object_identity LIKE 'sgdata.big%';
SELECT count(*) AS rows_in_sample, count(*) FILTER (WHERE id = 3000) AS row_3000
  FROM sgdata.big TABLESAMPLE SYSTEM (5) REPEATABLE (0);
RESET schema_guard.audit_sample_rows;
-- read whole, the NULL is there
SELECT rule, object_identity
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{nullable_never_null}', with_data => true)
 WHERE object_identity LIKE 'sgdata.big%';

-- The caller reads only what it may: a column without SELECT privilege is
-- not read (a row of audit_skipped for each rule that would judge it);
-- where row-level security hides rows, what no row holds is not claimed
-- (skipped), what the rows it sees hold still is.
SET schema_guard.mode = off;
CREATE TABLE sgdata.owned (id int PRIMARY KEY, nick text NULL, code text NOT NULL,
                           owner name NOT NULL);
INSERT INTO sgdata.owned
SELECT g, 'o', '', CASE WHEN g <= 150 THEN 'sgdata_reader' ELSE 'nobody' END
  FROM generate_series(1, 200) g;
ALTER TABLE sgdata.owned ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON sgdata.owned USING (owner = current_user);
RESET schema_guard.mode;
CREATE ROLE sgdata_reader;
GRANT USAGE ON SCHEMA sgdata TO sgdata_reader;
-- (only column privileges on person: the columns granted are judged)
GRANT SELECT (id, note, code, state) ON sgdata.person TO sgdata_reader;
GRANT SELECT ON sgdata.owned TO sgdata_reader;
SET ROLE sgdata_reader;
SELECT rule, level, object_type, object_identity, message, detail, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{data}', with_data => true)
 WHERE object_identity LIKE 'sgdata.person%' OR object_identity LIKE 'sgdata.owned%'
    OR object_identity LIKE '%on sgdata.person';
RESET ROLE;

-- jsonb_drift: every contracted column, through jsonb_drift()'s own check
-- (the same findings; its level of each kind is in the evidence).
SET schema_guard.mode = off;
CREATE TABLE sgdata.docs (id int PRIMARY KEY, doc jsonb NULL, other jsonb NULL);
INSERT INTO sgdata.docs
SELECT g, jsonb_build_object('a', g, 'b', CASE WHEN g % 10 = 0 THEN to_jsonb('x'::text) ELSE to_jsonb(g) END),
       '{"free": true}'
  FROM generate_series(1, 2000) g;
ANALYZE sgdata.docs;
RESET schema_guard.mode;
SELECT schema_guard.jsonb_expect('sgdata.docs', 'doc',
    '{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"},
      "c": {"type": "string"}}, "required": ["a", "b"]}');
SELECT rule, level, object_type, object_identity, message, detail, fix, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{jsonb_drift}', with_data => true);
SELECT level, object_identity, message, detail FROM schema_guard.jsonb_drift('sgdata.docs');
-- sampled like every data rule
SET schema_guard.audit_sample_rows = 500;
SELECT object_identity, evidence->>'kind' AS kind, evidence->>'sample_percent' AS pct,
       evidence->>'documents' AS documents
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{jsonb_drift}', with_data => true);
RESET schema_guard.audit_sample_rows;

-- orphaned_rows: a column fk_missing matches (named like a reference to a
-- table of its schema, typed like its key, without a foreign key) holding
-- values that table does not have: why its foreign key would fail.
SET schema_guard.mode = off;
CREATE TABLE sgdata.customer (id int PRIMARY KEY, secret text NULL);
INSERT INTO sgdata.customer SELECT g, 's' FROM generate_series(1, 100) g;
CREATE TABLE sgdata.orders (id int PRIMARY KEY,
    customer_id int NULL,                 -- 6 orphans, NULLs are not orphans
    person_id int NULL REFERENCES sgdata.person);  -- a foreign key: not fk_missing's
INSERT INTO sgdata.orders
SELECT g, CASE WHEN g % 50 = 0 THEN 1000 + g WHEN g % 7 = 0 THEN NULL ELSE g % 100 + 1 END, NULL
  FROM generate_series(1, 300) g;
CREATE TABLE sgdata.invoice (id int PRIMARY KEY, customer_id int NULL);  -- every value has its row
INSERT INTO sgdata.invoice SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE sgdata.refund (id int PRIMARY KEY, customer_id int NULL);   -- empty
RESET schema_guard.mode;
SELECT rule, level, object_type, object_identity, message, detail, fix, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{orphaned_rows}', with_data => true);
-- the match is fk_missing's: its pattern decides
SET schema_guard.fk_missing_pattern = '^(.*)_ref$';
SELECT count(*) FROM schema_guard.audit(schemas => '{sgdata}', rules => '{orphaned_rows}', with_data => true);
RESET schema_guard.fk_missing_pattern;
-- probed in the referenced table as the caller sees it: without SELECT on
-- its key, or where row-level security hides rows of it, not judged
GRANT SELECT ON sgdata.orders TO sgdata_reader;
GRANT SELECT (secret) ON sgdata.customer TO sgdata_reader;
SET ROLE sgdata_reader;
SELECT rule, level, object_type, object_identity, message, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{orphaned_rows}', with_data => true)
 WHERE object_identity LIKE 'sgdata.orders%';
RESET ROLE;
GRANT SELECT ON sgdata.customer TO sgdata_reader;
ALTER TABLE sgdata.customer ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_customers ON sgdata.customer USING (id < 50);
SET ROLE sgdata_reader;
SELECT rule, level, object_type, object_identity, message, evidence
  FROM schema_guard.audit(schemas => '{sgdata}', rules => '{orphaned_rows}', with_data => true)
 WHERE object_identity LIKE 'sgdata.orders%';
RESET ROLE;

SET schema_guard.mode = off;
DROP SCHEMA sgdata CASCADE;
RESET schema_guard.mode;
DROP ROLE sgdata_reader;
