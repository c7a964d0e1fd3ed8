-- Rules that check every row of an existing table under its lock:
-- constraint_validates_in_place, set_not_null_scan,
-- required_column_without_default, partition_detach_not_concurrent.
-- "Existing" means created before the current transaction.
-- expected/rules_validation_1.out: PostgreSQL 13 has no DETACH PARTITION
-- CONCURRENTLY (the HINTs say so in words; the statement is skipped there).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- Other rules' findings are not this file's subject.
SET schema_guard.fk_unindexed = off;
SET schema_guard.constraint_index_in_place = off;
SET schema_guard.index_not_concurrent = off;
SET schema_guard.table_rewrite = off;
SET schema_guard.missing_primary_key = off;
SET schema_guard.prefer_bigint_key = off;

CREATE TABLE va_customer (id int PRIMARY KEY, email text NULL, region text NULL);
INSERT INTO va_customer SELECT g, 'u' || g, 'eu' FROM generate_series(1, 50) g;
CREATE TABLE va_order (id int PRIMARY KEY, customer_id int NULL, total int NULL);
INSERT INTO va_order SELECT g, g % 50 + 1, g FROM generate_series(1, 100) g;

------------------------------------------------------------------------
-- constraint_validates_in_place
------------------------------------------------------------------------
-- Fires: a foreign key and a CHECK validated in place; the HINT adds them
-- NOT VALID under the name PostgreSQL gave them, then validates apart.
ALTER TABLE va_order ADD FOREIGN KEY (customer_id) REFERENCES va_customer;
ALTER TABLE va_order ADD CONSTRAINT "Total positive" CHECK (total > 0);
-- Fires: CHECK and REFERENCES inline in ADD COLUMN (words: the column
-- must exist first).
ALTER TABLE va_order ADD COLUMN qty int NULL CHECK (qty > 0);
ALTER TABLE va_order ADD COLUMN buyer_id int NULL REFERENCES va_customer;
-- Does not fire: NOT VALID; a table created in this transaction; a temp table.
ALTER TABLE va_order ADD CONSTRAINT va_order_total_check CHECK (total > 0) NOT VALID;
ALTER TABLE va_order VALIDATE CONSTRAINT va_order_total_check;
BEGIN;
CREATE TABLE va_fresh (id int NOT NULL, n int NULL);
ALTER TABLE va_fresh ADD CHECK (n > 0);
ALTER TABLE va_fresh ADD FOREIGN KEY (id) REFERENCES va_customer;
COMMIT;
CREATE TEMP TABLE va_tmp (n int NULL);
ALTER TABLE va_tmp ADD CHECK (n > 0);
-- Fires: VALIDATE in the transaction that added the constraint NOT VALID.
BEGIN;
ALTER TABLE va_order ADD CONSTRAINT va_order_cust_fk FOREIGN KEY (customer_id) REFERENCES va_customer NOT VALID;
ALTER TABLE va_order VALIDATE CONSTRAINT va_order_cust_fk;
ROLLBACK;
-- Does not fire: VALIDATE of a constraint added NOT VALID earlier.
ALTER TABLE va_order ADD CONSTRAINT va_order_cust_fk FOREIGN KEY (customer_id) REFERENCES va_customer NOT VALID;
ALTER TABLE va_order VALIDATE CONSTRAINT va_order_cust_fk;
-- Edge: a schema-qualified, quoted table; inside a DO block.
CREATE SCHEMA "Va Sch";
CREATE TABLE "Va Sch"."Line" (id int NULL, n int NULL);
DO $$ BEGIN ALTER TABLE "Va Sch"."Line" ADD CHECK (n <> 0); END $$;
-- Edge: a partitioned table checks its partitions; its CHECK's HINT runs.
CREATE TABLE va_log (id int NOT NULL, at date NOT NULL, kind text NULL) PARTITION BY RANGE (at);
CREATE TABLE va_log_2025 PARTITION OF va_log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO va_log VALUES (1, '2025-03-01', 'web');
ALTER TABLE va_log ADD CONSTRAINT va_log_kind_check CHECK (kind <> '');
-- Edge: an inheritance child is checked with its parent.
CREATE TABLE va_base (n int NULL);
CREATE TABLE va_child () INHERITS (va_base);
ALTER TABLE va_base ADD CHECK (n > 0);
-- Fires: a domain used by a column of an existing table; not one unused.
CREATE DOMAIN va_qty AS int;
CREATE DOMAIN va_unused AS int;
CREATE TABLE va_stock (q va_qty NULL);
INSERT INTO va_stock VALUES (1);
ALTER DOMAIN va_qty ADD CONSTRAINT va_qty_positive CHECK (VALUE > 0);
ALTER DOMAIN va_unused ADD CHECK (VALUE > 0);

------------------------------------------------------------------------
-- set_not_null_scan
------------------------------------------------------------------------
-- Fires: no CHECK proves the column holds no NULL.
ALTER TABLE va_customer ALTER COLUMN email SET NOT NULL;
-- Does not fire: a validated CHECK (col IS NOT NULL) lets PostgreSQL skip
-- the scan; so does a CHECK whose conjunct it is.
ALTER TABLE va_customer ADD CONSTRAINT va_customer_email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE va_customer VALIDATE CONSTRAINT va_customer_email_nn;
ALTER TABLE va_customer ALTER COLUMN email SET NOT NULL;
ALTER TABLE va_customer ADD CONSTRAINT va_customer_region_ok CHECK (region IS NOT NULL AND region <> '') NOT VALID;
ALTER TABLE va_customer VALIDATE CONSTRAINT va_customer_region_ok;
ALTER TABLE va_customer ALTER COLUMN region SET NOT NULL;
-- Fires (at warning here): CHECKs that a NULL passes (a CHECK fails only
-- when false), so PostgreSQL scans (at DEBUG1: "verifying table"); the rule
-- asks PostgreSQL's own prover, it does not guess from the text.
SET schema_guard.set_not_null_scan = warning;
ALTER TABLE va_order ADD CONSTRAINT va_order_cust_in CHECK (customer_id IN (1, 2, 3) OR customer_id > 3) NOT VALID;
ALTER TABLE va_order VALIDATE CONSTRAINT va_order_cust_in;
ALTER TABLE va_order ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE va_order ADD CONSTRAINT va_order_total_len CHECK (total > 0) NOT VALID;
ALTER TABLE va_order VALIDATE CONSTRAINT va_order_total_len;
ALTER TABLE va_order ALTER COLUMN total SET NOT NULL;
ALTER TABLE va_order ALTER COLUMN total DROP NOT NULL;
ALTER TABLE va_order DROP CONSTRAINT va_order_total_len;
RESET schema_guard.set_not_null_scan;
-- Fires: a CHECK NOT VALID proves nothing yet.
ALTER TABLE va_order ADD CONSTRAINT va_order_total_nn CHECK (total IS NOT NULL) NOT VALID;
ALTER TABLE va_order ALTER COLUMN total SET NOT NULL;
-- Fires: ADD PRIMARY KEY over a nullable column, inline or USING INDEX.
CREATE TABLE va_key (a int NULL, b int NULL);
INSERT INTO va_key VALUES (1, 1);
ALTER TABLE va_key ADD PRIMARY KEY (a, b);
CREATE UNIQUE INDEX CONCURRENTLY va_key_a_idx ON va_key (a);
ALTER TABLE va_key ADD CONSTRAINT va_key_pkey PRIMARY KEY USING INDEX va_key_a_idx;
-- Does not fire: a new table, a temp table.
BEGIN;
CREATE TABLE va_new (a int NULL);
ALTER TABLE va_new ALTER COLUMN a SET NOT NULL;
COMMIT;
ALTER TABLE va_tmp ALTER COLUMN n SET NOT NULL;
-- Edge: a partitioned table scans its partitions.
ALTER TABLE va_log ALTER COLUMN kind SET NOT NULL;
-- Edge: quoted names.
ALTER TABLE "Va Sch"."Line" ALTER COLUMN id SET NOT NULL;

------------------------------------------------------------------------
-- required_column_without_default
------------------------------------------------------------------------
-- Fires: NOT NULL without a default (it passes here: the table is empty).
CREATE TABLE va_empty (id int NOT NULL);
ALTER TABLE va_empty ADD COLUMN code text NOT NULL;
ALTER TABLE va_empty ADD COLUMN ref int PRIMARY KEY;
-- Does not fire: a default, identity, generated, NULL, a new table.
ALTER TABLE va_empty ADD COLUMN code text NOT NULL DEFAULT 'x';
ALTER TABLE va_empty ADD COLUMN seq int GENERATED ALWAYS AS IDENTITY;
ALTER TABLE va_empty ADD COLUMN twice int GENERATED ALWAYS AS (id * 2) STORED;
ALTER TABLE va_empty ADD COLUMN note text NULL;
BEGIN;
CREATE TABLE va_new2 (id int NOT NULL);
ALTER TABLE va_new2 ADD COLUMN code text NOT NULL;
COMMIT;
-- Edge: a NOT NULL domain refuses NULL too.
CREATE DOMAIN va_code AS text NOT NULL;
ALTER TABLE va_empty ADD COLUMN kind va_code;
-- Edge: on a populated table PostgreSQL refuses it itself.
ALTER TABLE va_customer ADD COLUMN tier int NOT NULL;

------------------------------------------------------------------------
-- partition_detach_not_concurrent
------------------------------------------------------------------------
CREATE TABLE va_log_2026 PARTITION OF va_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
-- Fires: DETACH without CONCURRENTLY.
ALTER TABLE va_log DETACH PARTITION va_log_2026;
-- Does not fire: CONCURRENTLY; a partitioned table created in this transaction.
SELECT current_setting('server_version_num')::int >= 140000 AS detach_concurrently \gset
\if :detach_concurrently
ALTER TABLE va_log DETACH PARTITION va_log_2026 CONCURRENTLY;
\endif
BEGIN;
CREATE TABLE va_plog (id int NOT NULL) PARTITION BY LIST (id);
CREATE TABLE va_plog_1 PARTITION OF va_plog FOR VALUES IN (1);
ALTER TABLE va_plog DETACH PARTITION va_plog_1;
COMMIT;
-- Edge: with a default partition CONCURRENTLY is refused: words.
CREATE TABLE va_log_other PARTITION OF va_log DEFAULT;
ALTER TABLE va_log DETACH PARTITION va_log_2025;

SELECT rule, family, moments, level FROM schema_guard.rules()
WHERE rule IN ('constraint_validates_in_place', 'set_not_null_scan',
               'required_column_without_default', 'partition_detach_not_concurrent')
ORDER BY rule;
