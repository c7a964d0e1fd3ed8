-- Rule family "columns": implicit_nullable.  The statement says whether
-- NULL was written (ddl_end); what the transaction leaves is judged at
-- commit, so an autocommit statement fails as a whole.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.set_not_null_scan = off;  -- SET NOT NULL's scan is not this file's subject
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_identity = off;  -- key and type choices are not this file's subject
SET schema_guard.backfill_under_lock = off;  -- its backfills show implicit_nullable's net result, not a lock's cost

-- Fires: a column with neither NOT NULL nor NULL, in CREATE TABLE...
CREATE TABLE col_customer (id bigint PRIMARY KEY, email text);
-- ...and in ALTER TABLE ADD COLUMN (COLUMN keyword optional), naming the
-- first offender of several.
CREATE TABLE col_customer (id bigint PRIMARY KEY, email text NOT NULL);
ALTER TABLE col_customer ADD COLUMN nickname varchar(40);
ALTER TABLE col_customer ADD nickname varchar(40) NULL, ADD deleted_at timestamptz;
-- A default is not a decision about NULL.
ALTER TABLE col_customer ADD COLUMN tier int DEFAULT 0;

-- Does not fire: every way a column can be NOT NULL or explicitly NULL.
CREATE TABLE col_decided (
    id int GENERATED ALWAYS AS IDENTITY,
    code text PRIMARY KEY,
    seq serial,
    big bigserial,
    name text NOT NULL,
    deleted_at timestamptz NULL,
    doubled int GENERATED ALWAYS AS (id * 2) STORED
);
-- A table-level primary key makes its columns NOT NULL; a UNIQUE does not.
CREATE TABLE col_table_pk (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE col_table_unique (a int, b int NOT NULL, UNIQUE (a, b));
ALTER TABLE col_customer ADD COLUMN nickname varchar(40) NULL,
    ADD COLUMN plan text NOT NULL DEFAULT 'free';
-- A column made NOT NULL by a primary key added in the same statement
-- (to a table of this transaction, so no lock rule applies).
BEGIN;
CREATE TABLE col_later_pk (a int NOT NULL);
ALTER TABLE col_later_pk ADD COLUMN k int, ADD PRIMARY KEY (k);
COMMIT;

-- Edge: LIKE copies columns the user did not write; their nullability is
-- the source table's.  Columns written beside LIKE are the user's.
CREATE TABLE col_like (LIKE col_customer);
CREATE TABLE col_like2 (LIKE col_customer, note text);
CREATE TABLE col_like2 (LIKE col_customer, note text NULL);

-- Edge: typed tables.  Columns taken from the type as they are: not
-- written; a column given options is written.
CREATE TYPE col_pair AS (left_id int, right_id int);
CREATE TABLE col_typed OF col_pair;
CREATE TABLE col_typed2 OF col_pair (left_id WITH OPTIONS DEFAULT 0);
CREATE TABLE col_typed2 OF col_pair (left_id WITH OPTIONS NOT NULL, right_id WITH OPTIONS NULL);

-- Edge: partitions take their columns and nullability from the parent;
-- inheritance children are judged on their own columns only.
CREATE TABLE col_events (id int NOT NULL, at date NOT NULL, note text NULL) PARTITION BY RANGE (at);
CREATE TABLE col_events_2026 PARTITION OF col_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE col_child (extra int) INHERITS (col_like2);
CREATE TABLE col_child (extra int NOT NULL) INHERITS (col_like2);

-- Edge: quoted names appear quoted in the message and the fix.
CREATE TABLE "Col Mixed" ("Weird Name" text);

-- Edge: a table created by CREATE TABLE AS or SELECT INTO has no column
-- definitions written by the user.
CREATE TABLE col_ctas AS SELECT 1 AS n;

-- Edge: unlogged and foreign tables are tables like the others.
CREATE UNLOGGED TABLE col_unlogged (a int);
CREATE FOREIGN DATA WRAPPER col_fdw;
CREATE SERVER col_server FOREIGN DATA WRAPPER col_fdw;
CREATE FOREIGN TABLE col_foreign (a int) SERVER col_server;
CREATE FOREIGN TABLE col_foreign (a int NULL) SERVER col_server;

-- Judged at commit, on the net result: a column added, backfilled and
-- made NOT NULL in one transaction is not a finding.
CREATE TABLE col_backfill (id int PRIMARY KEY);
INSERT INTO col_backfill VALUES (1), (2);
BEGIN;
ALTER TABLE col_backfill ADD COLUMN code text;
SELECT 'not yet: the transaction may still decide' AS pending;
UPDATE col_backfill SET code = 'c' || id;
ALTER TABLE col_backfill ALTER COLUMN code SET NOT NULL;
COMMIT;
-- Still nullable at commit: the commit fails.  Rows hold NULL, so the HINT
-- is words (SET NOT NULL would fail).
BEGIN;
ALTER TABLE col_backfill ADD COLUMN note text;
SELECT 'not yet' AS pending;
COMMIT;
SELECT count(*) AS note_columns FROM pg_attribute
 WHERE attrelid = 'col_backfill'::regclass AND attname = 'note';
-- No NULL in the column (a default filled it): the HINT is SQL, and the
-- same transaction with the HINT appended commits.
BEGIN;
ALTER TABLE col_backfill ADD COLUMN region text DEFAULT 'eu';
COMMIT;
BEGIN;
ALTER TABLE col_backfill ADD COLUMN region text DEFAULT 'eu';
ALTER TABLE public.col_backfill ALTER COLUMN region SET NOT NULL;
COMMIT;
-- Dropped, or its table dropped, before commit: nothing left to judge.
BEGIN;
ALTER TABLE col_backfill ADD COLUMN scratch text;
ALTER TABLE col_backfill DROP COLUMN scratch;
CREATE TABLE col_gone (a int);
DROP TABLE col_gone;
COMMIT;
-- A rolled-back savepoint forgets its columns.
BEGIN;
SAVEPOINT s;
ALTER TABLE col_backfill ADD COLUMN undone text;
ROLLBACK TO SAVEPOINT s;
COMMIT;
-- Renamed: judged once, under the name it has at commit (also when renamed
-- away and back).
BEGIN;
CREATE TABLE col_renamed (id int PRIMARY KEY, v text);
ALTER TABLE col_renamed RENAME COLUMN v TO w;
COMMIT;
BEGIN;
CREATE TABLE col_renamed (id int PRIMARY KEY, v text);
ALTER TABLE col_renamed RENAME COLUMN v TO w;
ALTER TABLE col_renamed RENAME COLUMN w TO v;
SET LOCAL schema_guard.implicit_nullable = warning;
COMMIT;
-- A column is judged, not the name it had: a name that another column
-- takes later (renamed onto it, or added after a drop) is not a finding
-- when that column was written with NULL.  Fires once, for v, now u.
BEGIN;
CREATE TABLE col_swapped (id int PRIMARY KEY, n int NULL, v text);
ALTER TABLE col_swapped RENAME COLUMN v TO u;
ALTER TABLE col_swapped RENAME COLUMN n TO v;
SET LOCAL schema_guard.implicit_nullable = warning;
COMMIT;
BEGIN;
CREATE TABLE col_readded (id int PRIMARY KEY, v text);
ALTER TABLE col_readded DROP COLUMN v;
ALTER TABLE col_readded ADD COLUMN v text NULL;
COMMIT;
-- Made NOT NULL later by a primary key: not a finding.
BEGIN;
CREATE TABLE col_keyed (id int, v text NULL);
ALTER TABLE col_keyed ADD PRIMARY KEY (id);
COMMIT;

-- ADD COLUMN IF NOT EXISTS of a column that exists adds nothing: no
-- finding, whatever the skipped definition says.  A second definition of
-- the same name in the statement is skipped too.
ALTER TABLE col_customer ADD COLUMN IF NOT EXISTS nickname text NOT NULL;
BEGIN;
CREATE TABLE col_twice (id int PRIMARY KEY);
ALTER TABLE col_twice ADD COLUMN IF NOT EXISTS a int NULL, ADD COLUMN IF NOT EXISTS a int;
COMMIT;
-- ...but a column it does add is judged.
ALTER TABLE col_customer ADD COLUMN IF NOT EXISTS referrer text;

-- Domains: a NOT NULL domain, or a domain over one, decides; a domain
-- without NOT NULL does not.
CREATE DOMAIN col_code AS text NOT NULL;
CREATE DOMAIN col_short_code AS col_code CHECK (length(VALUE) < 8);
CREATE DOMAIN col_loose_code AS text CHECK (length(VALUE) < 8);
CREATE TABLE col_domains (id int PRIMARY KEY, code col_code, short col_short_code);
CREATE TABLE col_domains_loose (id int PRIMARY KEY, code col_loose_code);

-- HINT: a foreign key that sets the column to NULL (ON DELETE SET NULL, or
-- SET DEFAULT with no default) means the column is meant to be nullable:
-- the HINT says to write NULL, never NOT NULL; written so, it commits.
CREATE TABLE col_parent (id int PRIMARY KEY);
BEGIN;
CREATE TABLE col_ref (id int PRIMARY KEY,
    parent_id int REFERENCES col_parent ON DELETE SET NULL);
CREATE INDEX ON col_ref (parent_id);
COMMIT;
BEGIN;
CREATE TABLE col_ref (id int PRIMARY KEY,
    parent_id int REFERENCES col_parent ON UPDATE SET DEFAULT);
CREATE INDEX ON col_ref (parent_id);
COMMIT;
BEGIN;
CREATE TABLE col_ref (id int PRIMARY KEY,
    parent_id int NULL REFERENCES col_parent ON DELETE SET NULL);
CREATE INDEX ON col_ref (parent_id);
COMMIT;
-- A plain foreign key does not say NULL: SQL, which keeps the key.
BEGIN;
CREATE TABLE col_ref2 (id int PRIMARY KEY, parent_id int REFERENCES col_parent);
CREATE INDEX ON col_ref2 (parent_id);
COMMIT;

-- HINT on a table too large to read at commit (more than 128 blocks): words,
-- even though a default filled every row.
CREATE TABLE col_large (id int NOT NULL);
INSERT INTO col_large SELECT generate_series(1, 200000);
ALTER TABLE col_large ADD COLUMN flag int DEFAULT 0;
-- Nor is a table read in a serializable transaction (its predicate locks
-- could fail the commit): words.
BEGIN ISOLATION LEVEL SERIALIZABLE;
CREATE TABLE col_serializable (a int);
COMMIT;
-- A partitioned table is read through its partitions: no NULL, SQL.
BEGIN;
CREATE TABLE col_parted (id int NOT NULL, v text) PARTITION BY RANGE (id);
CREATE TABLE col_parted_1 PARTITION OF col_parted FOR VALUES FROM (0) TO (10);
INSERT INTO col_parted VALUES (1, 'a');
SET LOCAL schema_guard.implicit_nullable = warning;
COMMIT;
-- A NULL in a partition: words.
ALTER TABLE col_parted ADD COLUMN w text;

-- IMPORT FOREIGN SCHEMA: the foreign-data wrapper writes the column
-- definitions, not the user; not judged.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
RESET client_min_messages;
DO $$
BEGIN
    EXECUTE format('CREATE SERVER col_loopback FOREIGN DATA WRAPPER postgres_fdw '
                   'OPTIONS (host %L, port %L, dbname %L)',
                   split_part(current_setting('unix_socket_directories'), ',', 1),
                   current_setting('port'), current_database());
END
$$;
CREATE USER MAPPING FOR CURRENT_USER SERVER col_loopback;
CREATE SCHEMA col_remote;
SET schema_guard.mode = off;
CREATE TABLE col_remote.account (id int PRIMARY KEY, note text, doc json);
RESET schema_guard.mode;
CREATE SCHEMA col_imported;
IMPORT FOREIGN SCHEMA col_remote FROM SERVER col_loopback INTO col_imported;
SELECT attname, attnotnull FROM pg_attribute
 WHERE attrelid = 'col_imported.account'::regclass AND attnum > 0 ORDER BY attnum;
DROP SCHEMA col_imported, col_remote CASCADE;
DROP SERVER col_loopback CASCADE;
DROP EXTENSION postgres_fdw;

DROP TABLE col_backfill, col_renamed, col_swapped, col_readded, col_keyed, col_twice, col_domains,
    col_ref, col_parent, col_large, col_parted;
DROP DOMAIN col_short_code, col_code, col_loose_code;
DROP TABLE col_customer, col_decided, col_table_pk, col_later_pk, col_like, col_like2, col_typed, col_typed2,
    col_events, col_child, col_ctas;
DROP TYPE col_pair;
DROP FOREIGN TABLE col_foreign;
DROP SERVER col_server;
DROP FOREIGN DATA WRAPPER col_fdw;
