-- Rule family "locks", the locks themselves: no_lock_timeout, lock_queue,
-- lock_held_too_long, backfill_under_lock.  Existing tables are those
-- created before the current transaction.  lock_queue with a live second
-- session: test/isolation/specs/lock_queue.spec.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.index_not_concurrent = off;  -- the lock rules' subject is the lock, not the build
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject

CREATE TABLE lw (id int NOT NULL PRIMARY KEY, v text NULL);
INSERT INTO lw SELECT g, NULL FROM generate_series(1, 10) g;
CREATE SCHEMA "LW s";
CREATE TABLE "LW s"."Tab" (id int NOT NULL PRIMARY KEY);
CREATE TABLE lw_part (id int NOT NULL, k int NOT NULL) PARTITION BY RANGE (k);
CREATE TABLE lw_part_1 PARTITION OF lw_part FOR VALUES FROM (0) TO (100);
CREATE TABLE lw_parent (id int NOT NULL);
CREATE TABLE lw_heir (extra int NULL) INHERITS (lw_parent);
CREATE MATERIALIZED VIEW lw_mv AS SELECT id FROM lw;

------------------------------------------------------------------------
-- no_lock_timeout
------------------------------------------------------------------------
-- The test clusters set lock_timeout = '5s' (test/common.conf).
SHOW lock_timeout;
SHOW schema_guard.no_lock_timeout_max;
-- Fires: no lock_timeout; one above the limit.
SET lock_timeout = 0;
ALTER TABLE lw ADD COLUMN a int NULL;
SET lock_timeout = '1min';
ALTER TABLE lw ADD COLUMN a int NULL;
-- Fires: CREATE INDEX (SHARE), DROP TABLE, a foreign key from a new table
-- (SHARE ROW EXCLUSIVE on the referenced one), a new partition (its
-- parent), REFRESH, quoted and schema-qualified names.
CREATE INDEX lw_v_idx ON lw (v);
DROP TABLE lw_heir;
CREATE TABLE lw_ref (id int NOT NULL PRIMARY KEY, lw_id int NOT NULL REFERENCES lw);
CREATE TABLE lw_part_2 PARTITION OF lw_part FOR VALUES FROM (100) TO (200);
REFRESH MATERIALIZED VIEW lw_mv;
ALTER TABLE "LW s"."Tab" ADD COLUMN b int NULL;
-- Fires: statements the ProcessUtility hook passes on (TRUNCATE, LOCK,
-- CLUSTER; VACUUM FULL cannot run in a transaction block, so the rule's
-- once per transaction is each statement's).
CREATE TABLE lw_trunc (id int NOT NULL PRIMARY KEY);
TRUNCATE lw_trunc;
BEGIN;
LOCK TABLE lw_trunc IN SHARE MODE;
ROLLBACK;
SET schema_guard.table_rewrite = off;  -- their rewrite is table_rewrite's subject, not their lock
CLUSTER lw_trunc USING lw_trunc_pkey;
VACUUM (FULL) lw_trunc;
RESET schema_guard.table_rewrite;
-- Does not fire: LOCK in a mode that does not block writes; VACUUM without
-- FULL.  LOCK outside a transaction block: PostgreSQL's error comes first.
BEGIN;
LOCK TABLE lw_trunc IN ROW EXCLUSIVE MODE;
ROLLBACK;
VACUUM lw_trunc;
LOCK TABLE lw_trunc IN SHARE MODE;
-- Fires from a DO block and a function.
DO $$ BEGIN ALTER TABLE lw ADD COLUMN a int NULL; END $$;
CREATE FUNCTION lw_migrate() RETURNS void LANGUAGE plpgsql AS $$
BEGIN ALTER TABLE lw ADD COLUMN a int NULL; END $$;
SELECT lw_migrate();
-- Does not fire: lock_timeout at or under the limit; the limit raised.
SET lock_timeout = '5s';
ALTER TABLE lw ADD COLUMN a int NULL;
SET lock_timeout = '1min';
SET schema_guard.no_lock_timeout_max = '1min';
ALTER TABLE lw ADD COLUMN b int NULL;
RESET schema_guard.no_lock_timeout_max;
SET lock_timeout = 0;
-- Does not fire: locks that do not block writes (SHARE UPDATE EXCLUSIVE).
ALTER TABLE lw ALTER COLUMN v SET STATISTICS 200;
CREATE INDEX CONCURRENTLY lw_v_idx ON lw (v);
-- Does not fire: a table new in the transaction, a temporary table.
BEGIN;
CREATE TABLE lw_new (id int NOT NULL PRIMARY KEY);
ALTER TABLE lw_new ADD COLUMN c int NULL;
CREATE INDEX ON lw_new (c);
COMMIT;
CREATE TEMP TABLE lw_temp (id int NULL);
ALTER TABLE lw_temp ADD COLUMN c int NULL;
-- Edge: once per transaction, and not for a lock the transaction holds.
SET schema_guard.no_lock_timeout = warning;
BEGIN;
ALTER TABLE lw ADD COLUMN c int NULL;
ALTER TABLE lw_new ADD COLUMN d int NULL;
ALTER TABLE lw_part ADD COLUMN c int NULL;
COMMIT;
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE lw ADD COLUMN d int NULL;
SET LOCAL lock_timeout = 0;
ALTER TABLE lw ADD COLUMN e int NULL;
COMMIT;
-- Edge: the partitioned table, a partition, an inheritance child, the
-- materialized view's index.
ALTER TABLE lw_part ADD COLUMN d int NULL;
ALTER TABLE lw_part_1 ALTER COLUMN d SET DEFAULT 0;
ALTER TABLE lw_parent ADD COLUMN c int NULL;
CREATE INDEX ON lw_mv (id);
RESET schema_guard.no_lock_timeout;
SET lock_timeout = '5s';

------------------------------------------------------------------------
-- lock_queue (a prepared transaction holds a lock; its pid is 0)
------------------------------------------------------------------------
CREATE TABLE lq (id int NOT NULL PRIMARY KEY);
BEGIN;
LOCK TABLE lq IN ACCESS SHARE MODE;
PREPARE TRANSACTION 'sg_lock_queue';
-- Fires: ACCESS EXCLUSIVE conflicts with ACCESS SHARE, before it queues.
ALTER TABLE lq ADD COLUMN a int NULL;
DROP TABLE lq;
-- Does not fire: a lock that does not conflict (SHARE UPDATE EXCLUSIVE,
-- SHARE); a table nobody else locks.
ALTER TABLE lq ALTER COLUMN id SET STATISTICS 200;
CREATE INDEX ON lq (id);
ALTER TABLE lw ADD COLUMN f int NULL;
-- Edge: at warning, the statement queues as it would without the guard.
SET schema_guard.lock_queue = warning;
SET lock_timeout = '50ms';
ALTER TABLE lq ADD COLUMN a int NULL;
RESET schema_guard.lock_queue;
SET lock_timeout = '5s';
ROLLBACK PREPARED 'sg_lock_queue';
ALTER TABLE lq ADD COLUMN a int NULL;

------------------------------------------------------------------------
-- backfill_under_lock
------------------------------------------------------------------------
-- Fires: a column added, then filled, in one transaction.
BEGIN;
ALTER TABLE lw ADD COLUMN g int NULL;
UPDATE lw SET g = id;
ROLLBACK;
-- Fires: INSERT under the SHARE lock of CREATE INDEX; a writing WITH;
-- DELETE from a DO block; a partition written after its parent's DDL.
BEGIN;
CREATE INDEX lw_id_v_idx ON lw (id, v);
INSERT INTO lw VALUES (100, 'x');
ROLLBACK;
BEGIN;
ALTER TABLE lw ADD COLUMN g int NULL;
WITH u AS (UPDATE lw SET g = 1 RETURNING id) SELECT count(*) FROM u;
ROLLBACK;
BEGIN;
ALTER TABLE lw ADD COLUMN g int NULL;
DO $$ BEGIN DELETE FROM lw WHERE id = 1; END $$;
ROLLBACK;
BEGIN;
ALTER TABLE lw_part ADD COLUMN g int NULL;
INSERT INTO lw_part_1 (id, k) VALUES (1, 1);
ROLLBACK;
-- Does not fire: a reload after TRUNCATE, writes under a lock taken with
-- LOCK TABLE (neither changes the schema).
BEGIN;
TRUNCATE lw_trunc;
INSERT INTO lw_trunc VALUES (1);
LOCK TABLE lw IN SHARE ROW EXCLUSIVE MODE;
UPDATE lw SET v = v WHERE id = 1;
ROLLBACK;
-- Does not fire: the DDL committed first; reads; EXPLAIN without ANALYZE;
-- a table new in the transaction; a weak lock; DDL rolled back to a
-- savepoint (its lock went with it); writes to another table.
ALTER TABLE lw ADD COLUMN g int NULL;
UPDATE lw SET g = id;
BEGIN;
ALTER TABLE lw ADD COLUMN h int NULL;
SELECT count(*) FROM lw;
EXPLAIN (COSTS OFF) UPDATE lw SET h = 1;
CREATE TABLE lw_fresh (id int NOT NULL);
ALTER TABLE lw_fresh ADD COLUMN x int NULL;
INSERT INTO lw_fresh VALUES (1, 1);
INSERT INTO lq VALUES (1, NULL);
ROLLBACK;
BEGIN;
ALTER TABLE lw ALTER COLUMN v SET STATISTICS 100;
UPDATE lw SET g = 2;
SAVEPOINT s;
ALTER TABLE lw ADD COLUMN h int NULL;
ROLLBACK TO SAVEPOINT s;
UPDATE lw SET g = 3;
COMMIT;
-- Edge: a savepoint released keeps the lock, and the rule.
BEGIN;
SAVEPOINT s;
ALTER TABLE lw ADD COLUMN h int NULL;
RELEASE SAVEPOINT s;
UPDATE lw SET h = 1;
ROLLBACK;

------------------------------------------------------------------------
-- lock_held_too_long
------------------------------------------------------------------------
SHOW schema_guard.lock_held_too_long_max;  -- test/common.conf: test transactions are slow
SET schema_guard.lock_held_too_long_max = '100ms';
SET schema_guard.backfill_under_lock = off;  -- the writes are what ran under the lock
-- Fires at COMMIT, which it aborts: the column is not there afterwards.
BEGIN;
ALTER TABLE lw ADD COLUMN i int NULL;
UPDATE lw SET i = 1;
SELECT pg_sleep(0.3);
ALTER TABLE lw ADD COLUMN j int NULL;
COMMIT;
SELECT count(*) FROM pg_attribute WHERE attrelid = 'lw'::regclass AND attname IN ('i', 'j');
-- Fires: an inheritance child, at PREPARE TRANSACTION too.
BEGIN;
ALTER TABLE lw_heir ADD COLUMN y int NULL;
SELECT pg_sleep(0.3);
PREPARE TRANSACTION 'sg_held';
-- Does not fire: held briefly; a SHARE lock held long; a new table; a lock
-- taken in a savepoint rolled back.
SET schema_guard.lock_held_too_long_max = '30s';
BEGIN;
ALTER TABLE lw ADD COLUMN i int NULL;
COMMIT;
SET schema_guard.lock_held_too_long_max = '100ms';
BEGIN;
CREATE INDEX lw_i_idx ON lw (i);
SELECT pg_sleep(0.3);
COMMIT;
BEGIN;
CREATE TABLE lw_held_new (id int NOT NULL);
ALTER TABLE lw_held_new ADD COLUMN x int NULL;
SELECT pg_sleep(0.3);
COMMIT;
BEGIN;
SAVEPOINT s;
ALTER TABLE lw ADD COLUMN k int NULL;
SELECT pg_sleep(0.3);
ROLLBACK TO SAVEPOINT s;
COMMIT;
RESET schema_guard.lock_held_too_long_max;
RESET schema_guard.backfill_under_lock;

DROP SCHEMA "LW s" CASCADE;
DROP FUNCTION lw_migrate();
DROP MATERIALIZED VIEW lw_mv;
DROP TABLE lw_held_new, lw_new, lw_part, lw_heir, lw_parent, lq, lw;
