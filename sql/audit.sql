-- schema_guard.audit(): the rules run on what exists, through the same
-- checks as the guard's commit, as the caller, one relation at a time.
-- (Lock waits: test/isolation/specs/audit_lock.spec.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- What exists was built without the guard.  (Keys are bigint primary keys:
-- the other audit rules are not this file's subject.)
SET schema_guard.mode = off;
CREATE SCHEMA aud;
CREATE TABLE aud.parent (id bigint PRIMARY KEY);
CREATE TABLE aud.child (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES aud.parent);
CREATE TABLE aud.indexed (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES aud.parent);
CREATE INDEX ON aud.indexed (parent_id);
CREATE SCHEMA "Aud Odd";
CREATE TABLE "Aud Odd"."Child T" (id bigint PRIMARY KEY,
    "Parent Id" bigint NOT NULL CONSTRAINT "Child Fk" REFERENCES aud.parent);
-- partitioned: the foreign key is judged once, on the parent
CREATE TABLE aud.events (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES aud.parent)
    PARTITION BY RANGE (id);
CREATE TABLE aud.events_1 PARTITION OF aud.events FOR VALUES FROM (0) TO (100);
CREATE TABLE aud.events_2 PARTITION OF aud.events FOR VALUES FROM (100) TO (200);
-- the caller's own temporary tables are audited too
CREATE TEMP TABLE aud_tmp_parent (id bigint PRIMARY KEY);
CREATE TEMP TABLE aud_tmp_child (id bigint PRIMARY KEY, parent_id bigint NULL REFERENCES aud_tmp_parent);
RESET schema_guard.mode;

-- The finding's columns; the mode is the guard's switch, not the audit's:
-- the audit reports the same with the guard off.
SELECT rule, level, object_type, object_identity, message, detail, fix, exempted, evidence
  FROM schema_guard.audit(schemas => '{aud}');
SET schema_guard.mode = off;
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}');
RESET schema_guard.mode;

-- Every schema but the system's and the extensions' (the caller's pg_temp_N
-- included); ordered by level, rule, object_identity.  (Only this file's
-- objects: other files may leave theirs.)
SELECT rule, level, regexp_replace(object_identity, 'pg_temp_[0-9]+', 'pg_temp_N') AS object_identity
  FROM schema_guard.audit()
 WHERE object_identity ~* 'aud';

-- Named schemas: quoted names; an unknown one is an error.
SELECT object_identity FROM schema_guard.audit(schemas => '{"Aud Odd"}');
SELECT object_identity FROM schema_guard.audit(schemas => '{aud_nothing}');
SELECT object_identity FROM schema_guard.audit(schemas => ARRAY[NULL]::name[]);

-- A relation that is a member of an extension is the extension's.
ALTER EXTENSION schema_guard ADD TABLE aud.child;
SELECT object_identity FROM schema_guard.audit(schemas => '{aud}');
ALTER EXTENSION schema_guard DROP TABLE aud.child;

-- Rules by id or family; unknown names, NULLs and levels are errors.
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', rules => '{fk_unindexed}');
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', rules => '{foreign_keys}');
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', rules => '{locks}');
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', rules => '{}');
SELECT * FROM schema_guard.audit(rules => '{fk_unindexd}');
SELECT * FROM schema_guard.audit(rules => ARRAY[NULL]);
SELECT * FROM schema_guard.audit(min_level => 'fatal');
SELECT * FROM schema_guard.audit(min_level => NULL);
SELECT * FROM schema_guard.audit(with_data => NULL);

-- The level is the rule's setting; below min_level or off, no row.
SET schema_guard.fk_unindexed = warning;
SELECT DISTINCT level FROM schema_guard.audit(schemas => '{aud}');
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', min_level => 'error');
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', min_level => 'warning');
SET schema_guard.fk_unindexed = off;
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}', rules => '{fk_unindexed}');
RESET schema_guard.fk_unindexed;

-- An exempted finding is shown, as exempted; an exemption of the table
-- covers its objects.
SELECT schema_guard.exempt('fk_unindexed', 'child_parent_id_fkey on aud.child', 'ten rows');
SELECT schema_guard.exempt('fk_unindexed', 'aud.events', 'append only');
SELECT object_identity, exempted FROM schema_guard.audit(schemas => '{aud}');
SELECT schema_guard.unexempt('fk_unindexed', 'child_parent_id_fkey on aud.child');
SELECT schema_guard.unexempt('fk_unindexed', 'aud.events');

-- The caller sees only what it may: a relation it has no privilege on is a
-- row of audit_skipped (info), never judged; row level security changes
-- nothing for rules that read only the catalog.
CREATE ROLE aud_reader;
GRANT USAGE ON SCHEMA aud TO aud_reader;
GRANT SELECT ON aud.child TO aud_reader;
GRANT INSERT ON aud.events TO aud_reader;
ALTER TABLE aud.events ENABLE ROW LEVEL SECURITY;
SET ROLE aud_reader;
SELECT rule, level, object_type, object_identity, message, detail, exempted, evidence
  FROM schema_guard.audit(schemas => '{aud}', rules => '{fk_unindexed}');
SELECT rule, object_identity FROM schema_guard.audit(schemas => '{aud}', min_level => 'warning');
-- no USAGE on the schema: nothing in it is judged
SELECT rule, object_identity FROM schema_guard.audit(schemas => '{"Aud Odd"}');
RESET ROLE;

-- The audit holds no lock on what it judged once a relation is done.
BEGIN;
SELECT count(*) FROM schema_guard.audit(schemas => '{aud}');
SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'aud'::regnamespace;
COMMIT;

SET schema_guard.mode = off;
DROP SCHEMA aud CASCADE;
DROP SCHEMA "Aud Odd" CASCADE;
DROP TABLE aud_tmp_child, aud_tmp_parent;
RESET schema_guard.mode;
DROP ROLE aud_reader;
