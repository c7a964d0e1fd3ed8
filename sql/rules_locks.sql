-- Rule family "locks": statements that lock an existing table while they
-- work.  "Existing" means created before the current transaction.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TABLE lk_account (id int PRIMARY KEY, email text NOT NULL, plan text NULL);
INSERT INTO lk_account SELECT g, 'u' || g || '@example.com', NULL FROM generate_series(1, 100) g;

------------------------------------------------------------------------
-- index_not_concurrent
------------------------------------------------------------------------
-- Fires: the HINT is the index's own definition, built concurrently.
CREATE INDEX lk_account_plan_idx ON lk_account (plan) WHERE plan IS NOT NULL;
CREATE UNIQUE INDEX lk_account_email_idx ON lk_account (lower(email)) INCLUDE (plan);
-- Does not fire: CONCURRENTLY; a table created in the same transaction.
CREATE INDEX CONCURRENTLY lk_account_plan_idx ON lk_account (plan);
BEGIN;
CREATE TABLE lk_fresh (id int PRIMARY KEY, v int NOT NULL);
CREATE INDEX ON lk_fresh (v);
COMMIT;
-- Edge: a materialized view is locked the same way.
CREATE MATERIALIZED VIEW lk_plan_counts AS SELECT plan, count(*) AS n FROM lk_account GROUP BY plan;
CREATE INDEX ON lk_plan_counts (plan);
-- Edge: a partitioned table cannot build concurrently on the parent; the
-- HINT is the recipe, partition by partition, sub-partitions included.
CREATE TABLE lk_log (id int NOT NULL, at date NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE lk_log_2025 PARTITION OF lk_log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE lk_log_2026 PARTITION OF lk_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE lk_log_2026_web PARTITION OF lk_log_2026 FOR VALUES IN ('web');
CREATE INDEX lk_log_kind_idx ON lk_log (kind);
-- ...and the recipe's first step, ON ONLY the parent, builds nothing.
CREATE INDEX lk_log_kind_idx ON ONLY lk_log (kind);
-- Edge: a temporary table is nobody else's.
CREATE TEMP TABLE lk_scratch (v int NULL);
CREATE INDEX ON lk_scratch (v);

------------------------------------------------------------------------
-- drop_index_not_concurrent
------------------------------------------------------------------------
DROP INDEX lk_account_plan_idx;
DROP INDEX IF EXISTS lk_no_such_index;
-- Does not fire: CONCURRENTLY; an index created in this transaction.
DROP INDEX CONCURRENTLY lk_account_plan_idx;
BEGIN;
SET LOCAL schema_guard.rule.index_not_concurrent = off;
CREATE INDEX lk_account_plan_idx ON lk_account (plan);
DROP INDEX lk_account_plan_idx;
COMMIT;
-- Edge: several indexes in one statement, the first existing one named.
CREATE INDEX CONCURRENTLY lk_a ON lk_account (plan);
CREATE INDEX CONCURRENTLY lk_b ON lk_account (email);
DROP INDEX lk_a, lk_b;
DROP INDEX CONCURRENTLY lk_a;
DROP INDEX CONCURRENTLY lk_b;

------------------------------------------------------------------------
-- reindex_not_concurrent (seen by the ProcessUtility hook)
------------------------------------------------------------------------
REINDEX TABLE lk_account;
REINDEX INDEX lk_account_pkey;
REINDEX (VERBOSE false) TABLE lk_account;
REINDEX SCHEMA public;
-- Does not fire: CONCURRENTLY; a table of this transaction.
REINDEX TABLE CONCURRENTLY lk_account;
REINDEX (CONCURRENTLY) INDEX lk_account_pkey;
BEGIN;
CREATE TABLE lk_fresh2 (id int PRIMARY KEY);
REINDEX TABLE lk_fresh2;
ROLLBACK;
-- Edge: REINDEX SYSTEM has no concurrent form, and is left alone.
-- (Not run here: it would reindex every catalog.)

------------------------------------------------------------------------
-- constraint_index_in_place
------------------------------------------------------------------------
CREATE TABLE lk_tag (name text NOT NULL, owner int NOT NULL);
ALTER TABLE lk_tag ADD PRIMARY KEY (name);
ALTER TABLE lk_tag ADD CONSTRAINT lk_tag_owner_name_key UNIQUE (owner, name);
-- Does not fire: the safe form from the HINT.
CREATE UNIQUE INDEX CONCURRENTLY lk_tag_pkey ON lk_tag (name);
ALTER TABLE lk_tag ADD CONSTRAINT lk_tag_pkey PRIMARY KEY USING INDEX lk_tag_pkey;
-- Does not fire: a table of this transaction.
BEGIN;
CREATE TABLE lk_fresh3 (id int NOT NULL);
ALTER TABLE lk_fresh3 ADD PRIMARY KEY (id);
COMMIT;
-- Edge: partitioned tables take no USING INDEX; the parent's constraint
-- adopts indexes already built on every partition.
ALTER TABLE lk_log ADD PRIMARY KEY (id, at, kind);

------------------------------------------------------------------------
-- table_rewrite (from the table_rewrite event)
------------------------------------------------------------------------
ALTER TABLE lk_account ALTER COLUMN id TYPE bigint;
ALTER TABLE lk_account ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE lk_account SET UNLOGGED;
-- Does not fire: no rewrite (a constant default, a binary-compatible type
-- change), or a table of this transaction.
ALTER TABLE lk_account ADD COLUMN score int NOT NULL DEFAULT 0;
ALTER TABLE lk_account ALTER COLUMN email TYPE varchar;
BEGIN;
CREATE TABLE lk_fresh4 (id int NOT NULL);
ALTER TABLE lk_fresh4 ALTER COLUMN id TYPE bigint;
COMMIT;

-- mode = warn lets every one of them through with its warning.
SET schema_guard.mode = warn;
CREATE INDEX lk_warned_idx ON lk_account (score);
RESET schema_guard.mode;

-- Warn mode changes nothing: a serial column's recipe takes the type from
-- the catalog ("serial" names no type), directly and through EXECUTE.
CREATE TABLE lk_serial (id int PRIMARY KEY);
INSERT INTO lk_serial VALUES (1), (2);
SET schema_guard.mode = warn;
ALTER TABLE lk_serial ADD COLUMN s serial;
ALTER TABLE lk_serial ADD COLUMN b bigserial, ADD COLUMN sm smallserial;
DO $$ BEGIN EXECUTE 'ALTER TABLE lk_serial ADD COLUMN s2 serial'; END $$;
RESET schema_guard.mode;
SELECT * FROM lk_serial ORDER BY id;

DROP TABLE lk_account, lk_fresh, lk_log, lk_tag, lk_fresh3, lk_fresh4, lk_serial CASCADE;
