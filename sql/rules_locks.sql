-- Rule family "locks": statements that lock an existing table while they
-- work.  "Existing" means created before the current transaction.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- drops and type changes here are about locks, not data
SET schema_guard.lossy_type_change = off;
SET schema_guard.partition_detach_not_concurrent = off;  -- detaching is not this file's subject (rules_validation.sql)
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_identity = off;  -- key and type choices are not this file's subject

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
-- Edge: a partition that has a matching index already: it is adopted, not
-- built, so the finding names the other one and the HINT only attaches it.
CREATE TABLE lk_adopt (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE lk_adopt_2025 PARTITION OF lk_adopt FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE lk_adopt_2026 PARTITION OF lk_adopt FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX CONCURRENTLY lk_adopt_2025_id ON lk_adopt_2025 (id);
CREATE INDEX lk_adopt_id_idx ON lk_adopt (id);
CREATE INDEX lk_adopt_id_idx ON ONLY public.lk_adopt USING btree (id);
ALTER INDEX public.lk_adopt_id_idx ATTACH PARTITION public.lk_adopt_2025_id;
CREATE INDEX CONCURRENTLY lk_adopt_2026_id_idx ON public.lk_adopt_2026 USING btree (id);  -- outside a transaction block
ALTER INDEX public.lk_adopt_id_idx ATTACH PARTITION public.lk_adopt_2026_id_idx;
SELECT indisvalid FROM pg_index WHERE indexrelid = 'lk_adopt_id_idx'::regclass;
-- Edge: names that contain " USING ": the HINT is built from the catalog,
-- not by searching the definition's text.
CREATE TABLE "lk USING odd" ("a USING b" int NULL);
CREATE INDEX "i USING j" ON "lk USING odd" ("a USING b");
CREATE INDEX CONCURRENTLY "i USING j" ON public."lk USING odd" USING btree ("a USING b");  -- outside a transaction block
-- Not a finding: a partitioned table with no partitions builds nothing.
CREATE TABLE lk_bare (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE INDEX lk_bare_at_idx ON lk_bare (at);
-- Fires: a partitioned table new in this transaction, an existing table
-- attached to it, then an index on the parent: the existing table's index
-- is built in place.  The HINT builds it before the transaction.
CREATE TABLE lk_old_events (id int NOT NULL, at date NOT NULL, kind text NOT NULL);
INSERT INTO lk_old_events SELECT g, '2025-06-01', 'web' FROM generate_series(1, 100) g;
BEGIN;
CREATE TABLE lk_events (id int NOT NULL, at date NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
ALTER TABLE lk_events ATTACH PARTITION lk_old_events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE lk_events_2026 PARTITION OF lk_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX lk_events_kind_idx ON lk_events (kind);
ROLLBACK;
BEGIN;
CREATE TABLE lk_events (id int NOT NULL, at date NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
ALTER TABLE lk_events ATTACH PARTITION lk_old_events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE lk_events ADD PRIMARY KEY (id, at);
ROLLBACK;
-- The HINTs, run as written: the statements then adopt what was built.
CREATE INDEX CONCURRENTLY lk_old_events_kind_idx ON public.lk_old_events USING btree (kind);  -- before this transaction, outside a transaction block
CREATE UNIQUE INDEX CONCURRENTLY lk_old_events_pkey ON public.lk_old_events USING btree (id, at);  -- before this transaction, outside a transaction block
ALTER TABLE public.lk_old_events ADD CONSTRAINT lk_old_events_pkey PRIMARY KEY USING INDEX lk_old_events_pkey;
BEGIN;
CREATE TABLE lk_events (id int NOT NULL, at date NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
ALTER TABLE lk_events ATTACH PARTITION lk_old_events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE lk_events_2026 PARTITION OF lk_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX lk_events_kind_idx ON public.lk_events USING btree (kind);
ALTER TABLE public.lk_events ADD CONSTRAINT lk_events_pkey PRIMARY KEY (id, at);
COMMIT;
-- Fires: ATTACH PARTITION of an existing table to a parent with indexes
-- builds the missing ones (and constraints) under its ACCESS EXCLUSIVE lock.
CREATE TABLE lk_old_events_2024 (id int NOT NULL, at date NOT NULL, kind text NOT NULL);
INSERT INTO lk_old_events_2024 SELECT g, '2024-06-01', 'app' FROM generate_series(1, 100) g;
ALTER TABLE lk_events ATTACH PARTITION lk_old_events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SET schema_guard.mode = warn;
ALTER TABLE lk_events ATTACH PARTITION lk_old_events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE lk_events DETACH PARTITION lk_old_events_2024;
RESET schema_guard.mode;
DROP INDEX CONCURRENTLY lk_old_events_2024_kind_idx;
ALTER TABLE lk_old_events_2024 DROP CONSTRAINT lk_old_events_2024_pkey;
-- The HINT, run as written: the ATTACH adopts the indexes, builds nothing.
CREATE UNIQUE INDEX CONCURRENTLY lk_old_events_2024_pkey ON public.lk_old_events_2024 USING btree (id, at);  -- outside a transaction block
ALTER TABLE public.lk_old_events_2024 ADD CONSTRAINT lk_old_events_2024_pkey PRIMARY KEY USING INDEX lk_old_events_2024_pkey;
CREATE INDEX CONCURRENTLY lk_old_events_2024_kind_idx ON public.lk_old_events_2024 USING btree (kind);  -- outside a transaction block
ALTER TABLE public.lk_events ATTACH PARTITION public.lk_old_events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
-- Not a finding: attaching a table created in this transaction.
BEGIN;
CREATE TABLE lk_events_2023 (id int NOT NULL, at date NOT NULL, kind text NOT NULL);
ALTER TABLE lk_events ATTACH PARTITION lk_events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
ROLLBACK;

------------------------------------------------------------------------
-- drop_index_not_concurrent
------------------------------------------------------------------------
DROP INDEX lk_account_plan_idx;
DROP INDEX IF EXISTS lk_no_such_index;
-- Does not fire: CONCURRENTLY; an index created in this transaction.
DROP INDEX CONCURRENTLY lk_account_plan_idx;
BEGIN;
SET LOCAL schema_guard.index_not_concurrent = off;
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
-- reindex_not_concurrent (seen by the ProcessUtility hook before
-- PostgreSQL 17, by ddl_command_start from 17 on; option lists in
-- parentheses: rules_reindex_options.sql)
------------------------------------------------------------------------
REINDEX TABLE lk_account;
REINDEX INDEX lk_account_pkey;
REINDEX SCHEMA public;
-- Does not fire: CONCURRENTLY; a table of this transaction.
REINDEX TABLE CONCURRENTLY lk_account;
BEGIN;
CREATE TABLE lk_fresh2 (id int PRIMARY KEY);
REINDEX TABLE lk_fresh2;
ROLLBACK;
-- Once per statement on every major: before 17 the ProcessUtility hook
-- judges REINDEX, from 17 on ddl_command_start does (and the hook is not
-- installed).  Warn mode lets the statement through: exactly one WARNING
-- each, also when a function runs it.
SET schema_guard.mode = warn;
REINDEX TABLE lk_account;
DO $$ BEGIN EXECUTE 'REINDEX INDEX lk_account_pkey'; END $$;
RESET schema_guard.mode;
-- Edge: REINDEX SYSTEM has no concurrent form, and is left alone.
-- (Not run here: it would reindex every catalog.)
-- Not findings: system catalogs and TOAST tables are not guarded.  (In a
-- transaction block, so that PostgreSQL refuses them before any work.)
BEGIN;
REINDEX SCHEMA pg_catalog;
ROLLBACK;
BEGIN;
REINDEX SCHEMA pg_toast;
ROLLBACK;
-- Edge: an exclusion constraint's index has no concurrent rebuild: words
-- for it (and for a table that has no other index); for a table with
-- others, the HINT says what the concurrent form skips.
CREATE TABLE lk_booking (room int NOT NULL, during int4range NOT NULL,
    EXCLUDE USING gist (during WITH &&));
REINDEX INDEX lk_booking_during_excl;
REINDEX TABLE lk_booking;
CREATE INDEX CONCURRENTLY lk_booking_room_idx ON lk_booking (room);
REINDEX TABLE lk_booking;
REINDEX TABLE CONCURRENTLY public.lk_booking;  -- outside a transaction block; it skips public.lk_booking_during_excl, which cannot be rebuilt concurrently

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
-- The HINT, run as written: its last statement adopts, builds nothing.
CREATE UNIQUE INDEX CONCURRENTLY lk_log_2025_pkey ON public.lk_log_2025 USING btree (id, at, kind);  -- outside a transaction block
ALTER TABLE public.lk_log_2025 ADD CONSTRAINT lk_log_2025_pkey PRIMARY KEY USING INDEX lk_log_2025_pkey;
CREATE UNIQUE INDEX CONCURRENTLY lk_log_2026_web_pkey ON public.lk_log_2026_web USING btree (id, at, kind);  -- outside a transaction block
ALTER TABLE public.lk_log_2026_web ADD CONSTRAINT lk_log_2026_web_pkey PRIMARY KEY USING INDEX lk_log_2026_web_pkey;
ALTER TABLE public.lk_log ADD CONSTRAINT lk_log_pkey PRIMARY KEY (id, at, kind);
-- Edge: DEFERRABLE INITIALLY DEFERRED is kept.
ALTER TABLE lk_tag ADD CONSTRAINT lk_tag_owner_key UNIQUE (owner) DEFERRABLE INITIALLY DEFERRED;
CREATE UNIQUE INDEX CONCURRENTLY lk_tag_owner_key ON public.lk_tag USING btree (owner);  -- outside a transaction block
ALTER TABLE public.lk_tag ADD CONSTRAINT lk_tag_owner_key UNIQUE USING INDEX lk_tag_owner_key DEFERRABLE INITIALLY DEFERRED;
SELECT condeferrable, condeferred FROM pg_constraint WHERE conname = 'lk_tag_owner_key';
-- Edge: a key replaced by one of the same name: the old name is still
-- taken when the HINT runs, so the index gets a free name and the DROP
-- stays in the same ALTER TABLE.
ALTER TABLE lk_tag DROP CONSTRAINT lk_tag_pkey, ADD CONSTRAINT lk_tag_pkey PRIMARY KEY (name, owner);
CREATE UNIQUE INDEX CONCURRENTLY lk_tag_pkey_new ON public.lk_tag USING btree (name, owner);  -- outside a transaction block
ALTER TABLE public.lk_tag DROP CONSTRAINT lk_tag_pkey, ADD CONSTRAINT lk_tag_pkey PRIMARY KEY USING INDEX lk_tag_pkey_new;
-- Edge: a key on a column the same statement adds: building its index
-- first would name a column that does not exist yet, so the HINT is words.
ALTER TABLE lk_tag ADD COLUMN code text NULL UNIQUE;
-- Edge: an exclusion constraint is no UNIQUE, and has no USING INDEX form.
ALTER TABLE lk_booking ADD CONSTRAINT lk_booking_room_excl EXCLUDE USING gist (during WITH &&) WHERE (room > 0);

------------------------------------------------------------------------
-- table_rewrite (from the table_rewrite event)
------------------------------------------------------------------------
ALTER TABLE lk_account ALTER COLUMN id TYPE bigint;
ALTER TABLE lk_account ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE lk_account SET UNLOGGED;
-- A column nothing depends on: the HINT copies it, keeping NOT NULL and
-- the default; run as written, it rewrites nothing.
CREATE TABLE lk_meter (id int PRIMARY KEY, reading int NOT NULL DEFAULT 0, note text NULL);
INSERT INTO lk_meter SELECT g, g, NULL FROM generate_series(1, 100) g;
ALTER TABLE lk_meter ALTER COLUMN reading TYPE bigint;
ALTER TABLE public.lk_meter ADD COLUMN reading_new bigint NULL;
UPDATE public.lk_meter SET reading_new = reading WHERE reading_new IS DISTINCT FROM CAST(reading AS bigint);  -- in batches on a large table
BEGIN;  -- outside a transaction block
LOCK TABLE public.lk_meter IN SHARE ROW EXCLUSIVE MODE;
UPDATE public.lk_meter SET reading_new = reading WHERE reading_new IS DISTINCT FROM CAST(reading AS bigint);  -- rows written meanwhile
ALTER TABLE public.lk_meter DROP COLUMN reading;
ALTER TABLE public.lk_meter RENAME COLUMN reading_new TO reading;
ALTER TABLE public.lk_meter ALTER COLUMN reading SET DEFAULT 0;
ALTER TABLE public.lk_meter ADD CONSTRAINT lk_meter_reading_not_null CHECK (reading IS NOT NULL) NOT VALID;
COMMIT;
ALTER TABLE public.lk_meter VALIDATE CONSTRAINT lk_meter_reading_not_null;
ALTER TABLE public.lk_meter ALTER COLUMN reading SET NOT NULL;
ALTER TABLE public.lk_meter DROP CONSTRAINT lk_meter_reading_not_null;
SELECT format_type(atttypid, atttypmod), attnotnull, pg_get_expr(adbin, adrelid)
FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
WHERE attrelid = 'lk_meter'::regclass AND attname = 'reading';
-- A type change with USING: no copy recipe can honour the expression, so
-- the HINT is words.
ALTER TABLE lk_meter ALTER COLUMN note TYPE int USING length(note);
-- Edge: a 63-byte column name: the copy's name is cut to fit, and free.
ALTER TABLE lk_meter ADD COLUMN abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefgh int NULL;
ALTER TABLE lk_meter ADD COLUMN abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcd_new int NULL;
ALTER TABLE lk_meter ALTER COLUMN abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefgh TYPE bigint;
-- A volatile default is printed as itself, and NOT NULL is kept (above);
-- run as written, the HINT rewrites nothing.
ALTER TABLE public.lk_account ADD COLUMN token uuid NULL;
ALTER TABLE public.lk_account ALTER COLUMN token SET DEFAULT gen_random_uuid();
UPDATE public.lk_account SET token = DEFAULT WHERE token IS NULL;  -- in batches on a large table
ALTER TABLE public.lk_account ADD CONSTRAINT lk_account_token_not_null CHECK (token IS NOT NULL) NOT VALID;
ALTER TABLE public.lk_account VALIDATE CONSTRAINT lk_account_token_not_null;
ALTER TABLE public.lk_account ALTER COLUMN token SET NOT NULL;
ALTER TABLE public.lk_account DROP CONSTRAINT lk_account_token_not_null;
-- A stored generated column is no default: words.
ALTER TABLE lk_meter ADD COLUMN double_id int GENERATED ALWAYS AS (id * 2) STORED;
-- A domain with a CHECK is checked on every row, default or not: words.
CREATE DOMAIN lk_positive AS int CHECK (VALUE > 0);
ALTER TABLE lk_meter ADD COLUMN level lk_positive NULL;
-- ...so is a column whose type becomes such a domain: a copy of the column
-- would be rewritten too, so words, not an ADD COLUMN recipe.
ALTER TABLE lk_meter ALTER COLUMN reading TYPE lk_positive;
-- (a domain without constraints gets the recipe)
CREATE DOMAIN lk_free AS numeric;
ALTER TABLE lk_meter ALTER COLUMN reading TYPE lk_free;
-- Partitions are rewritten by their parent's statement: one finding for
-- the statement, on the partitioned table the user named, with the
-- partitions in DETAIL; the recipe is for the parent (a partition takes no
-- columns of its own).
CREATE TABLE lk_part (id int NOT NULL, at date NOT NULL, v int NULL) PARTITION BY RANGE (at);
CREATE TABLE lk_part_2025 PARTITION OF lk_part FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE lk_part_2026 PARTITION OF lk_part FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO lk_part SELECT g, '2025-06-01' FROM generate_series(1, 10) g;
INSERT INTO lk_part SELECT g, '2026-06-01' FROM generate_series(11, 20) g;
ALTER TABLE lk_part ADD COLUMN r float8 NULL DEFAULT random();
ALTER TABLE public.lk_part ADD COLUMN r double precision NULL;
ALTER TABLE public.lk_part ALTER COLUMN r SET DEFAULT random();
UPDATE public.lk_part SET r = DEFAULT WHERE r IS NULL;  -- in batches on a large table
-- In warn mode, once per statement, not once per partition; each
-- statement of a transaction is judged, and a partition new in it is not
-- listed.
SET schema_guard.mode = warn;
BEGIN;
CREATE TABLE lk_part_2027 PARTITION OF lk_part FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
ALTER TABLE lk_part ALTER COLUMN v TYPE bigint;
ALTER TABLE lk_part ALTER COLUMN v TYPE numeric;
ROLLBACK;
RESET schema_guard.mode;
-- The partitioned table's exemption covers its partitions' rewrites.
SELECT schema_guard.exempt('table_rewrite', 'public.lk_part', 'small partitions');
ALTER TABLE lk_part ALTER COLUMN v TYPE bigint;
SELECT schema_guard.unexempt('table_rewrite', 'public.lk_part');
-- A typed table's columns come from its type: words.
CREATE TYPE lk_point AS (x int, y int);
CREATE TABLE lk_points OF lk_point;
INSERT INTO lk_points VALUES (1, 2);
ALTER TYPE lk_point ALTER ATTRIBUTE x TYPE bigint CASCADE;
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
-- the catalog ("serial" names no type), directly and through EXECUTE, and
-- creates the sequence the statement created.
CREATE TABLE lk_serial (id int PRIMARY KEY);
INSERT INTO lk_serial VALUES (1), (2);
SET schema_guard.mode = warn;
ALTER TABLE lk_serial ADD COLUMN s serial;
ALTER TABLE lk_serial ADD COLUMN b bigserial, ADD COLUMN sm smallserial;
DO $$ BEGIN EXECUTE 'ALTER TABLE lk_serial ADD COLUMN s2 serial'; END $$;
RESET schema_guard.mode;
SELECT * FROM lk_serial ORDER BY id;
-- The HINT for a serial column, run as written, rewrites nothing.
CREATE TABLE lk_serial2 (id int PRIMARY KEY);
INSERT INTO lk_serial2 VALUES (1), (2);
CREATE SEQUENCE public.lk_serial2_s_seq AS integer;
ALTER TABLE public.lk_serial2 ADD COLUMN s integer NULL;
ALTER SEQUENCE public.lk_serial2_s_seq OWNED BY public.lk_serial2.s;
ALTER TABLE public.lk_serial2 ALTER COLUMN s SET DEFAULT nextval('public.lk_serial2_s_seq'::regclass);
UPDATE public.lk_serial2 SET s = DEFAULT WHERE s IS NULL;  -- in batches on a large table
ALTER TABLE public.lk_serial2 ADD CONSTRAINT lk_serial2_s_not_null CHECK (s IS NOT NULL) NOT VALID;
ALTER TABLE public.lk_serial2 VALIDATE CONSTRAINT lk_serial2_s_not_null;
ALTER TABLE public.lk_serial2 ALTER COLUMN s SET NOT NULL;
ALTER TABLE public.lk_serial2 DROP CONSTRAINT lk_serial2_s_not_null;
SELECT * FROM lk_serial2 ORDER BY id;

DROP TABLE lk_account, lk_fresh, lk_log, lk_tag, lk_fresh3, lk_fresh4, lk_serial,
    lk_serial2, "lk USING odd", lk_bare, lk_events, lk_booking, lk_meter, lk_part,
    lk_points, lk_adopt CASCADE;
DROP TYPE lk_point;
DROP DOMAIN lk_positive;
