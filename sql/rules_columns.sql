-- Rule family "columns": implicit_nullable.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

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

DROP TABLE col_customer, col_decided, col_table_pk, col_later_pk, col_like, col_like2, col_typed, col_typed2,
    col_events, col_child, col_ctas;
DROP TYPE col_pair;
DROP FOREIGN TABLE col_foreign;
DROP SERVER col_server;
DROP FOREIGN DATA WRAPPER col_fdw;
