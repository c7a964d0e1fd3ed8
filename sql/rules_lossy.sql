-- Rule family "lossy": destructive_drop, rename_breaks_clients,
-- lossy_type_change.  Each is judged before the statement runs: the rows,
-- the dependent objects, the old name and the old values are the evidence.
-- "Existing" means created before the current transaction.
-- expected/rules_lossy_1.out: PostgreSQL 13 has no SQL-standard function
-- bodies (BEGIN ATOMIC), so those functions are not created there and the
-- DETAILs that list them differ.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
-- Rewrites are table_rewrite's subject, not this file's.
SET schema_guard.table_rewrite = off;

CREATE TABLE ls_customer (id int PRIMARY KEY, email varchar(40) NOT NULL, note text NULL);
INSERT INTO ls_customer SELECT g, 'u' || g || '@example.com', NULL FROM generate_series(1, 3) g;
BEGIN;
CREATE TABLE ls_order (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES ls_customer);
CREATE INDEX ls_order_customer_id_idx ON ls_order (customer_id);
COMMIT;
CREATE VIEW ls_emails AS SELECT id, email FROM ls_customer;
SELECT current_setting('server_version_num')::int >= 140000 AS sql_body \gset
\if :sql_body
CREATE FUNCTION ls_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM ls_customer; END;
\endif
CREATE FUNCTION ls_count_text() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM ls_customer';

------------------------------------------------------------------------
-- destructive_drop
------------------------------------------------------------------------
-- Fires: DROP TABLE of an existing table, with its rows counted (small
-- table); CASCADE names what it takes with it (a view, a foreign key of
-- another table, a SQL-standard function body).
DROP TABLE ls_customer;
DROP TABLE public.ls_customer CASCADE;
-- Fires: DROP COLUMN; the DETAIL names the index and view that go with it.
CREATE INDEX CONCURRENTLY ls_customer_email_idx ON ls_customer (email);
ALTER TABLE ls_customer DROP COLUMN email;
ALTER TABLE ls_customer DROP COLUMN email CASCADE;
-- Fires: TRUNCATE, also of an empty table (development tables are empty,
-- production tables are not), and CASCADE names the referencing tables.
TRUNCATE ls_order;
TRUNCATE ls_customer CASCADE;
-- Fires: quoted and schema-qualified names.
CREATE SCHEMA "LS Schema";
CREATE TABLE "LS Schema"."Odd Table" ("Odd Col" int NULL, keep int NULL);
DROP TABLE "LS Schema"."Odd Table";
ALTER TABLE "LS Schema"."Odd Table" DROP COLUMN "Odd Col";
-- Fires: DROP SCHEMA ... CASCADE with existing tables in it.
DROP SCHEMA "LS Schema" CASCADE;
-- Fires: a partitioned table (the rows of its partitions), a partition.
CREATE TABLE ls_log (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ls_log_2025 PARTITION OF ls_log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ls_log_2026 PARTITION OF ls_log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO ls_log VALUES (1, '2025-03-01'), (2, '2026-03-01'), (3, '2026-04-01');
DROP TABLE ls_log;
DROP TABLE ls_log_2026;
TRUNCATE ls_log;
ALTER TABLE ls_log DROP COLUMN at;
-- Fires: an inheritance parent; CASCADE takes its child and its rows.
CREATE TABLE ls_base (id int NOT NULL);
CREATE TABLE ls_child (extra int NULL) INHERITS (ls_base);
INSERT INTO ls_child VALUES (1, 1);
DROP TABLE ls_base CASCADE;
TRUNCATE ONLY ls_base;
-- Fires: a table too large to count has its rows estimated.
CREATE TABLE ls_big (id int NOT NULL, pad text NOT NULL);
INSERT INTO ls_big SELECT g, repeat('x', 200) FROM generate_series(1, 10000) g;
ANALYZE ls_big;
DROP TABLE ls_big;
-- Fires in a DO block and in a function.
DO $$ BEGIN DROP TABLE ls_big; END $$;
CREATE FUNCTION ls_drop_big() RETURNS void LANGUAGE plpgsql AS $$ BEGIN TRUNCATE ls_big; END $$;
SELECT ls_drop_big();
-- At warning level the statement runs.
SET schema_guard.destructive_drop = warning;
DROP TABLE ls_big;
RESET schema_guard.destructive_drop;

-- Does not fire: a missing table with IF EXISTS, a table or a column
-- created in the same transaction, a temporary table, a materialized view
-- (REFRESH rebuilds its rows), DROP SCHEMA without CASCADE, a schema whose
-- tables are all new.
DROP TABLE IF EXISTS ls_missing;
ALTER TABLE IF EXISTS ls_missing DROP COLUMN x;
BEGIN;
CREATE TABLE ls_fresh (id int NOT NULL);
INSERT INTO ls_fresh VALUES (1);
TRUNCATE ls_fresh;
DROP TABLE ls_fresh;
ALTER TABLE ls_customer ADD COLUMN scratch int NULL;
ALTER TABLE ls_customer DROP COLUMN scratch;
CREATE SCHEMA ls_fresh_schema;
CREATE TABLE ls_fresh_schema.t (id int NOT NULL);
DROP SCHEMA ls_fresh_schema CASCADE;
COMMIT;
CREATE TEMP TABLE ls_scratch (id int NOT NULL);
INSERT INTO ls_scratch VALUES (1);
TRUNCATE ls_scratch;
ALTER TABLE ls_scratch DROP COLUMN id;
DROP TABLE ls_scratch;
CREATE MATERIALIZED VIEW ls_counts AS SELECT count(*) AS n FROM ls_customer;
DROP MATERIALIZED VIEW ls_counts;
CREATE SCHEMA ls_empty;
DROP SCHEMA ls_empty;
-- Edge: a column that existed before the transaction and was changed in
-- it is still existing.
BEGIN;
ALTER TABLE ls_customer ALTER COLUMN note SET DEFAULT 'n/a';
ALTER TABLE ls_customer DROP COLUMN note;
ROLLBACK;
-- Edge: a role that may not drop the table gets PostgreSQL's own error.
CREATE ROLE ls_mallory;
SET ROLE ls_mallory;
DROP TABLE ls_customer;
TRUNCATE ls_customer;
RESET ROLE;
DROP ROLE ls_mallory;

------------------------------------------------------------------------
-- rename_breaks_clients
------------------------------------------------------------------------
CREATE TABLE ls_account (id int PRIMARY KEY, login text NOT NULL, owner_name text NOT NULL);
ALTER TABLE ls_account ENABLE ROW LEVEL SECURITY;
CREATE POLICY ls_account_own ON ls_account USING (owner_name = current_user);
CREATE VIEW ls_logins AS SELECT id, login FROM ls_account;
CREATE FUNCTION ls_login_of(int) RETURNS text LANGUAGE sql AS 'SELECT login FROM ls_account WHERE id = $1';
\if :sql_body
CREATE FUNCTION ls_login_std(i int) RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT login FROM ls_account WHERE id = i; END;
\endif
-- Fires: a table, its column, a view, a materialized view; the DETAIL
-- names the function bodies that name it as text (they break) and the
-- objects that follow the rename by OID.
ALTER TABLE ls_account RENAME TO ls_user;
ALTER TABLE ls_account RENAME COLUMN login TO user_name;
ALTER TABLE ls_account RENAME owner_name TO owner;
ALTER VIEW ls_logins RENAME TO ls_user_logins;
ALTER TABLE ls_logins RENAME COLUMN login TO user_name;
CREATE MATERIALIZED VIEW ls_login_counts AS SELECT count(*) AS n FROM ls_account;
ALTER MATERIALIZED VIEW ls_login_counts RENAME TO ls_user_counts;
-- Fires: quoted and schema-qualified names, a partition, in a DO block.
CREATE TABLE "Ls Mixed" ("Some Col" int NULL);
ALTER TABLE public."Ls Mixed" RENAME COLUMN "Some Col" TO "Other Col";
ALTER TABLE ls_log_2025 RENAME TO ls_log_y2025;
DO $$ BEGIN ALTER TABLE ls_account RENAME TO ls_user; END $$;

-- Does not fire: a table or column created in the same transaction, a
-- temporary table, a missing table with IF EXISTS, renames of indexes and
-- constraints (clients do not name them).
BEGIN;
CREATE TABLE ls_fresh (id int NOT NULL);
ALTER TABLE ls_fresh RENAME TO ls_fresh2;
ALTER TABLE ls_fresh2 RENAME COLUMN id TO ident;
ALTER TABLE ls_account ADD COLUMN nickname text NULL;
ALTER TABLE ls_account RENAME COLUMN nickname TO alias;
COMMIT;
CREATE TEMP TABLE ls_scratch (id int NOT NULL);
ALTER TABLE ls_scratch RENAME TO ls_scratch2;
ALTER TABLE IF EXISTS ls_missing RENAME TO ls_missing2;
ALTER INDEX ls_account_pkey RENAME TO ls_account_key;
ALTER TABLE ls_account RENAME CONSTRAINT ls_account_key TO ls_account_pkey;
-- Edge: a rename onto the name of a column that existed before the
-- transaction and was dropped in it completes a swap (table_rewrite's copy
-- recipe): the clients keep their name.  A rename onto a name nobody had
-- still fires.
CREATE TABLE ls_meter (id int PRIMARY KEY, reading int NOT NULL);
ALTER TABLE ls_meter ADD COLUMN reading_new bigint NULL;
BEGIN;
SET LOCAL schema_guard.destructive_drop = off;
ALTER TABLE ls_meter DROP COLUMN reading;
ALTER TABLE ls_meter RENAME COLUMN reading_new TO reading;
COMMIT;
ALTER TABLE ls_meter RENAME COLUMN reading TO value;

------------------------------------------------------------------------
-- lossy_type_change
------------------------------------------------------------------------
CREATE TABLE ls_item (
    id int PRIMARY KEY,
    code varchar(20) NOT NULL,
    qty bigint NOT NULL,
    price numeric(10,2) NOT NULL,
    weight float8 NOT NULL,
    seen_at timestamptz NOT NULL,
    label text NOT NULL,
    tags bigint[] NOT NULL
);
INSERT INTO ls_item VALUES
    (1, 'ABCDEFGHIJ', 5000000000, 12345678.91, 1.123456789, '2025-06-01 12:30:00+00', 'x', '{1,5000000000}'),
    (2, 'AB', 7, 1.50, 2, '2025-06-01 00:00:00+00', 'yy', '{2}');
-- Fires, counting the values that do not survive the round trip through
-- the new type (or the failure of the conversion).
ALTER TABLE ls_item ALTER COLUMN code TYPE varchar(5);
ALTER TABLE ls_item ALTER COLUMN qty TYPE int;
ALTER TABLE ls_item ALTER COLUMN price TYPE numeric(10,1);
ALTER TABLE ls_item ALTER COLUMN price TYPE numeric(8,2);
ALTER TABLE ls_item ALTER COLUMN price TYPE int;
ALTER TABLE ls_item ALTER COLUMN weight TYPE real;
ALTER TABLE ls_item ALTER COLUMN seen_at TYPE date;
ALTER TABLE ls_item ALTER COLUMN label TYPE varchar(1);
ALTER TABLE ls_item ALTER COLUMN tags TYPE int[];
-- Fires: the values change meaning (no count: they survive a round trip).
ALTER TABLE ls_item ALTER COLUMN seen_at TYPE timestamp;
-- Fires: a USING expression nothing proves lossless; a USING cast is
-- judged through its type.
ALTER TABLE ls_item ALTER COLUMN label TYPE int USING length(label);
ALTER TABLE ls_item ALTER COLUMN label TYPE text USING label::varchar(1);
-- Fires: a domain is judged by its base type; a partitioned table counts
-- the rows of its partitions; quoted names.
CREATE DOMAIN ls_short AS varchar(3);
ALTER TABLE ls_item ALTER COLUMN code TYPE ls_short;
ALTER TABLE ls_log ALTER COLUMN id TYPE smallint;
CREATE TABLE "Ls Wide" ("Big Val" bigint NOT NULL);
ALTER TABLE public."Ls Wide" ALTER COLUMN "Big Val" TYPE smallint;
-- Fires in a DO block.
DO $$ BEGIN ALTER TABLE ls_item ALTER COLUMN qty TYPE smallint; END $$;
-- Fires: the values are not counted when the table holds more rows than
-- the knob, nor when row security hides some of them from the caller.
ANALYZE ls_item;
SET schema_guard.lossy_type_change_count_rows = 1;
ALTER TABLE ls_item ALTER COLUMN code TYPE varchar(5);
RESET schema_guard.lossy_type_change_count_rows;
CREATE ROLE ls_owner;
CREATE TABLE ls_private (id int NOT NULL, secret text NOT NULL);
INSERT INTO ls_private VALUES (1, 'a long secret');
ALTER TABLE ls_private OWNER TO ls_owner;
ALTER TABLE ls_private ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
SET ROLE ls_owner;
ALTER TABLE ls_private ALTER COLUMN secret TYPE varchar(3);
RESET ROLE;

-- Does not fire: widening and same-size changes, a table or a column
-- created in the same transaction, a temporary table.
ALTER TABLE ls_item ALTER COLUMN code TYPE varchar(40);
ALTER TABLE ls_item ALTER COLUMN code TYPE text;
ALTER TABLE ls_item ALTER COLUMN qty TYPE numeric;
ALTER TABLE ls_item ALTER COLUMN price TYPE numeric(12,3);
ALTER TABLE ls_item ALTER COLUMN weight TYPE numeric USING weight::numeric;
ALTER TABLE ls_item ALTER COLUMN id TYPE bigint;
BEGIN;
CREATE TABLE ls_fresh (v bigint NOT NULL);
ALTER TABLE ls_fresh ALTER COLUMN v TYPE int;
ALTER TABLE ls_item ADD COLUMN extra bigint NULL;
ALTER TABLE ls_item ALTER COLUMN extra TYPE smallint;
COMMIT;
CREATE TEMP TABLE ls_scratch (v bigint NOT NULL);
ALTER TABLE ls_scratch ALTER COLUMN v TYPE int;
SELECT rule, family, moments, level FROM schema_guard.rules()
WHERE family = 'lossy' ORDER BY rule;
DROP OWNED BY ls_owner;
DROP ROLE ls_owner;
