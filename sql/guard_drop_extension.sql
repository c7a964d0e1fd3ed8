-- DROP EXTENSION with commit-time checks pending: once the extension is
-- gone, its checks are gone too, and the commit keeps everything.  Dropped
-- in a savepoint that is rolled back, or dropped and created again, the
-- checks stay.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
-- Only whether the commit is refused matters here: SQLSTATE SG001 is the
-- guard's refusal (the messages are the rules' tests).
\set VERBOSITY sqlstate
CREATE SCHEMA gdrop;
SET search_path = gdrop, public;
CREATE TABLE parent (id int PRIMARY KEY);

-- An unindexed foreign key (fk_unindexed waits for the commit), then the
-- extension goes: the commit succeeds.
BEGIN;
CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
DROP EXTENSION schema_guard;
COMMIT;
SELECT conname FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype = 'f';
CREATE EXTENSION schema_guard;

-- A new jsonb column (jsonb_uncontracted waits for the commit).
BEGIN;
CREATE TABLE doc (id int PRIMARY KEY, body jsonb NOT NULL);
DROP EXTENSION schema_guard;
COMMIT;
SELECT attname FROM pg_attribute WHERE attrelid = 'doc'::regclass AND atttypid = 'jsonb'::regtype;
CREATE EXTENSION schema_guard;

-- DROP SCHEMA schema_guard CASCADE takes the extension with it.
BEGIN;
CREATE TABLE child_schema (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent,
                           body jsonb NOT NULL);
SET LOCAL client_min_messages = warning;
DROP SCHEMA schema_guard CASCADE;
COMMIT;
SELECT to_regclass('child_schema') IS NOT NULL AS child_schema_kept;
CREATE EXTENSION schema_guard;

-- PREPARE TRANSACTION runs the same checks: none once the extension is gone.
-- (Only where prepared transactions are enabled: not on a stock server, as
-- under `make installcheck`; test/run.sh enables them.)
SELECT current_setting('max_prepared_transactions')::int > 0 AS can_prepare \gset
\if :can_prepare
BEGIN;
CREATE TABLE child_prepared (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
DROP EXTENSION schema_guard;
PREPARE TRANSACTION 'gdrop';
COMMIT PREPARED 'gdrop';
CREATE EXTENSION schema_guard;
\endif
SELECT NOT :'can_prepare'::boolean OR to_regclass('child_prepared') IS NOT NULL AS child_prepared_kept;

-- Dropped inside a savepoint that is rolled back: the extension is still
-- there, and so are the checks of the statements before the savepoint.
BEGIN;
CREATE TABLE child_savepoint (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
SAVEPOINT before_drop;
DROP EXTENSION schema_guard;
ROLLBACK TO SAVEPOINT before_drop;
COMMIT;
SELECT to_regclass('child_savepoint') IS NULL AS child_savepoint_rolled_back;

-- Dropped and created again: the new extension checks what is pending.
BEGIN;
CREATE TABLE child_recreated (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
DROP EXTENSION schema_guard;
CREATE EXTENSION schema_guard;
COMMIT;
SELECT to_regclass('child_recreated') IS NULL AS child_recreated_rolled_back;

-- Dropped in a savepoint that is released: gone for good.
BEGIN;
CREATE TABLE child_released (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
SAVEPOINT before_drop;
DROP EXTENSION schema_guard;
RELEASE SAVEPOINT before_drop;
COMMIT;
SELECT to_regclass('child_released') IS NOT NULL AS child_released_kept;
CREATE EXTENSION schema_guard;

-- With the extension in place, the same transaction is still refused.
BEGIN;
CREATE TABLE child_guarded (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
COMMIT;

SET client_min_messages = warning;
DROP SCHEMA gdrop CASCADE;
