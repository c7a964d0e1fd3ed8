-- The library runs only against the SQL objects of its own version
-- (version.c).  Here the objects are those of 0.1.0 and the library is the
-- current one, as between installing a new package and ALTER EXTENSION
-- schema_guard UPDATE: the guard and its bookkeeping step aside with one
-- WARNING per transaction instead of blocking DDL; the report functions
-- raise an ERROR whose HINT is the update; the update is not warned about.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS schema_guard;
CREATE EXTENSION schema_guard VERSION '0.1.0';
\set SHOW_CONTEXT never
CREATE TABLE vm_existing (id int PRIMARY KEY, v int NOT NULL);

-- index_not_concurrent on an existing table, in enforce mode: not checked.
CREATE INDEX vm_existing_v_idx ON vm_existing (v);
-- One WARNING for the transaction: an unindexed foreign key (checked at
-- commit) and a DROP INDEX (whose sql_drop bookkeeping would read tables
-- that 0.1.0 does not have) go through.
BEGIN;
CREATE TABLE vm_child (id int PRIMARY KEY, existing_id int NOT NULL REFERENCES vm_existing);
DROP INDEX vm_existing_v_idx;
COMMIT;
-- REINDEX (the ProcessUtility hook), DROP TABLE (sql_drop), a column
-- rename (exemptions and contracts follow renames at ddl_command_end).
REINDEX TABLE vm_existing;
DROP TABLE vm_child;
ALTER TABLE vm_existing RENAME COLUMN v TO w;
SELECT to_regclass('vm_child') IS NULL AS child_dropped,
       to_regclass('vm_existing_v_idx') IS NULL AS index_dropped;

-- Report functions refuse.
SELECT count(*) FROM schema_guard.rules();
SELECT * FROM schema_guard.jsonb_drift();
SELECT schema_guard.jsonb_shape_summary('vm_existing', 'w');
-- ...except the CHECK of jsonb_contracts, which reads only its argument.
SELECT schema_guard.jsonb_contract_valid('{"type": "object"}');

-- The update in a transaction: the guard is back at once, and gone again
-- when the update rolls back, with its savepoint or its transaction.
BEGIN;
CREATE INDEX vm_existing_w_idx ON vm_existing (w);
ALTER EXTENSION schema_guard UPDATE TO '0.2.0';
SELECT count(*) > 0 AS rules_listed FROM schema_guard.rules();
SAVEPOINT again;
CREATE INDEX vm_existing_w_id_idx ON vm_existing (w, id);
ROLLBACK TO SAVEPOINT again;
SELECT count(*) > 0 AS rules_listed FROM schema_guard.rules();
ROLLBACK;
BEGIN;
SAVEPOINT before_update;
ALTER EXTENSION schema_guard UPDATE TO '0.2.0';
SELECT count(*) > 0 AS rules_listed FROM schema_guard.rules();
ROLLBACK TO SAVEPOINT before_update;
SELECT count(*) FROM schema_guard.rules();
ROLLBACK;

-- Objects newer than the library (a session that loaded the library before
-- an update to a later version): no SQL fixes that, the HINT says what does.
BEGIN;
UPDATE pg_extension SET extversion = '0.3.0' WHERE extname = 'schema_guard';
SELECT count(*) FROM schema_guard.rules();
ROLLBACK;

-- The HINT, as written: no WARNING, and the guard is back.
ALTER EXTENSION schema_guard UPDATE TO '0.2.0';
CREATE INDEX vm_existing_w_idx ON vm_existing (w);
SELECT count(*) > 0 AS rules_listed FROM schema_guard.rules();
SET schema_guard.mode = off;
DROP TABLE vm_existing;
RESET schema_guard.mode;
RESET client_min_messages;
