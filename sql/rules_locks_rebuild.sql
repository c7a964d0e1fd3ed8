-- Rule family "locks", statements that rebuild what exists without a
-- table_rewrite event: index_rebuild (a type change rebuilds indexes of a
-- table it does not rewrite), and table_rewrite for VACUUM FULL and CLUSTER
-- (seen by the ProcessUtility hook before they run).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
DROP ROLE IF EXISTS rb_owner;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.lossy_type_change = off;  -- nor is data loss: its type changes are about locks
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject

-- Built in one transaction: new tables are no finding.
BEGIN;
CREATE TABLE rb_account (id int PRIMARY KEY, email varchar(40) NOT NULL, code varchar(10) NULL UNIQUE,
    nick varchar(10) NULL, note text NULL);
CREATE INDEX rb_account_email_idx ON rb_account (email);
CREATE INDEX rb_account_lower_email_idx ON rb_account (lower(email));
CREATE INDEX rb_account_email_part_idx ON rb_account (email) WHERE email <> '';
CREATE INDEX rb_account_nick_idx ON rb_account (nick);
CREATE INDEX rb_account_note_idx ON rb_account (note);
CREATE TABLE rb_log (id int NOT NULL, at date NOT NULL, kind varchar(10) NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE rb_log_2025 PARTITION OF rb_log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE rb_log_2026 PARTITION OF rb_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX rb_log_kind_idx ON rb_log (kind);
CREATE TABLE rb_base (id int NOT NULL, tag varchar(10) NULL);
CREATE TABLE rb_child () INHERITS (rb_base);
CREATE INDEX rb_child_tag_idx ON rb_child (lower(tag));
CREATE TYPE rb_pair AS (k varchar(10), v int);
CREATE TABLE rb_pairs OF rb_pair;
CREATE INDEX rb_pairs_k_idx ON rb_pairs (lower(k));
CREATE TABLE "rb Odd" ("Col" varchar(10) NULL);
CREATE INDEX "rb Odd idx" ON "rb Odd" (lower("Col"));
CREATE MATERIALIZED VIEW rb_counts AS SELECT count(*) AS n FROM rb_log;
CREATE INDEX rb_counts_n_idx ON rb_counts (n);
COMMIT;
INSERT INTO rb_account SELECT g, 'u' || g || '@example.com', 'c' || g, 'n' || g, NULL FROM generate_series(1, 100) g;
INSERT INTO rb_log SELECT g, '2025-06-01', 'web' FROM generate_series(1, 10) g;
INSERT INTO rb_child VALUES (1, 'a');
INSERT INTO rb_pairs VALUES ('a', 1);
INSERT INTO "rb Odd" VALUES ('a');

------------------------------------------------------------------------
-- index_rebuild
------------------------------------------------------------------------
-- Fires: a wider varchar rewrites nothing and keeps the plain index, but
-- the expression and partial indexes are built again (PostgreSQL reuses
-- an index only without expression or predicate).
ALTER TABLE rb_account ALTER COLUMN email TYPE varchar(80);
-- Fires: a collation change rebuilds even a plain index; the index of a
-- UNIQUE constraint cannot be rebuilt concurrently around it: words.
ALTER TABLE rb_account ALTER COLUMN nick TYPE varchar(10) COLLATE "C";
ALTER TABLE rb_account ALTER COLUMN code TYPE varchar(10) COLLATE "C";
-- Does not fire: every index on the column keeps its storage (a wider
-- varchar, text to an unbounded varchar): under a new OID, with the same
-- relfilenode.
CREATE TEMP TABLE rb_storage AS SELECT relname, oid, relfilenode FROM pg_class
WHERE relname IN ('rb_account_nick_idx', 'rb_account_note_idx');
ALTER TABLE rb_account ALTER COLUMN nick TYPE varchar(20), ALTER COLUMN note TYPE varchar;
SELECT s.relname, c.oid <> s.oid AS new_oid, c.relfilenode = s.relfilenode AS same_storage
FROM rb_storage s JOIN pg_class c USING (relname) ORDER BY 1;
-- Does not fire: the table is rewritten, which table_rewrite reports alone.
SET schema_guard.mode = warn;
BEGIN;
ALTER TABLE rb_account ALTER COLUMN email TYPE text USING email || '';
ROLLBACK;
RESET schema_guard.mode;
-- Does not fire: a table created in the transaction; a temporary table.
BEGIN;
CREATE TABLE rb_fresh (v varchar(10) NULL);
CREATE INDEX ON rb_fresh (lower(v));
ALTER TABLE rb_fresh ALTER COLUMN v TYPE varchar(20);
COMMIT;
CREATE TEMP TABLE rb_scratch (v varchar(10) NULL);
CREATE INDEX ON rb_scratch (lower(v));
ALTER TABLE rb_scratch ALTER COLUMN v TYPE varchar(20);
-- Edge: a partitioned table's partitions get a new index even where a
-- plain table would keep it: one finding, on the partitioned table.
ALTER TABLE rb_log ALTER COLUMN kind TYPE varchar(20);
-- Edge: inheritance children, a typed table through its type, quoted
-- names, a DO block.
ALTER TABLE rb_base ALTER COLUMN tag TYPE varchar(20);
ALTER TYPE rb_pair ALTER ATTRIBUTE k TYPE varchar(20) CASCADE;
ALTER TABLE "rb Odd" ALTER COLUMN "Col" TYPE varchar(20);
DO $$ BEGIN ALTER TABLE rb_account ALTER COLUMN email TYPE varchar(90); END $$;
-- In warn mode: once per statement, and the statement does its work.
SET schema_guard.mode = warn;
ALTER TABLE rb_account ALTER COLUMN email TYPE varchar(100), ALTER COLUMN nick TYPE varchar(20) COLLATE "POSIX";
RESET schema_guard.mode;
-- The table's exemption applies.
SELECT schema_guard.exempt('index_rebuild', 'public.rb_account', 'tiny table');
ALTER TABLE rb_account ALTER COLUMN email TYPE varchar(110);
SELECT schema_guard.unexempt('index_rebuild', 'public.rb_account');
-- Not this rule's: ATTACH PARTITION building a missing index is
-- index_not_concurrent's finding, and only its.
CREATE TABLE rb_log_2024 (id int NOT NULL, at date NOT NULL, kind varchar(10) NOT NULL);
SET schema_guard.mode = warn;
BEGIN;
ALTER TABLE rb_log ATTACH PARTITION rb_log_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ROLLBACK;
RESET schema_guard.mode;

------------------------------------------------------------------------
-- table_rewrite: VACUUM FULL and CLUSTER (the ProcessUtility hook)
------------------------------------------------------------------------
-- Fires: a table, a materialized view, a partitioned table's partitions.
VACUUM FULL rb_account;
VACUUM (FULL, ANALYZE) rb_account (email);
CLUSTER rb_account USING rb_account_pkey;
VACUUM FULL rb_counts;
CLUSTER rb_counts USING rb_counts_n_idx;
VACUUM FULL rb_log;
VACUUM FULL "rb Odd";
-- Fires for an inheritance parent itself: VACUUM does not reach its
-- children.
VACUUM FULL rb_base;
-- Does not fire: plain VACUUM; FULL false; ANALYZE; a temporary table.
VACUUM rb_account;
VACUUM (FULL false) rb_account;
ANALYZE rb_account;
VACUUM FULL rb_scratch;
CLUSTER rb_scratch USING rb_scratch_lower_idx;
-- PostgreSQL's errors come first: no clustered index yet; VACUUM in a
-- transaction block or a function.
CLUSTER rb_account;
BEGIN;
VACUUM FULL rb_account;
ROLLBACK;
DO $$ BEGIN VACUUM FULL rb_account; END $$;
-- Fires: the index marked clustered; in a transaction block and in a DO
-- block (CLUSTER of one table runs there).
ALTER TABLE rb_account CLUSTER ON rb_account_pkey;
CLUSTER rb_account;
BEGIN;
CLUSTER rb_account;
ROLLBACK;
DO $$ BEGIN CLUSTER rb_account; END $$;
-- Does not fire: a table created in the transaction.
BEGIN;
CREATE TABLE rb_fresh2 (id int PRIMARY KEY);
CLUSTER rb_fresh2 USING rb_fresh2_pkey;
COMMIT;
-- In warn mode, one finding per table named, and each is vacuumed.
SET schema_guard.mode = warn;
VACUUM FULL rb_account, "rb Odd", rb_account;
RESET schema_guard.mode;
-- The table's exemption applies.
SELECT schema_guard.exempt('table_rewrite', 'public.rb_account', 'tiny table');
VACUUM FULL rb_account;
SELECT schema_guard.unexempt('table_rewrite', 'public.rb_account');
-- Edge: without a table list, every table the caller may vacuum (or, for
-- CLUSTER, that has a clustered index): one finding for the database.
CREATE ROLE rb_owner;
CREATE SCHEMA rb_own AUTHORIZATION rb_owner;
SET ROLE rb_owner;
CREATE TABLE rb_own.a (id int PRIMARY KEY);
CREATE TABLE rb_own.b (id int PRIMARY KEY);
-- (no table of the caller has a clustered index: nothing to judge; 17 and
-- later warn of each table the caller may not cluster: not shown)
SET client_min_messages = error;
CLUSTER;
RESET client_min_messages;
VACUUM FULL;
ALTER TABLE rb_own.a CLUSTER ON a_pkey;
CLUSTER;
RESET ROLE;

DROP TABLE rb_account, rb_log, rb_base, rb_pairs, "rb Odd", rb_fresh, rb_fresh2, rb_log_2024 CASCADE;
DROP TYPE rb_pair;
DROP SCHEMA rb_own CASCADE;
DROP ROLE rb_owner;
