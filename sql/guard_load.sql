-- Load modes.  pg_regress runs this file twice: with the library in
-- shared_preload_libraries and with CREATE EXTENSION alone.  The output
-- must be the same.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set regress_db :DBNAME
CREATE TABLE load_existing (id int PRIMARY KEY, v int NOT NULL);

-- The first DDL statement of a new session is guarded like the later ones:
-- without preloading, the event trigger loads the library on the spot.
\c :regress_db
CREATE TABLE load_first (a int);
\c :regress_db
CREATE INDEX ON load_existing (v);
\c :regress_db
BEGIN;
CREATE TABLE load_first (id int PRIMARY KEY, existing_id int NOT NULL REFERENCES load_existing);
COMMIT;

-- In a database without the extension the library does nothing, even when
-- it is preloaded.
CREATE DATABASE sg_load_without;
\c sg_load_without
CREATE TABLE plain_table (a int);
CREATE INDEX ON plain_table (a);
REINDEX TABLE plain_table;
DROP INDEX plain_table_a_idx;
ALTER TABLE plain_table ADD PRIMARY KEY (a);
CREATE TABLE plain_child (id int PRIMARY KEY, a_id int REFERENCES plain_table (a));
ALTER TABLE plain_table ALTER COLUMN a TYPE bigint;
SELECT count(*) FROM pg_extension WHERE extname = 'schema_guard';
\c :regress_db
DROP DATABASE sg_load_without;
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
DROP TABLE load_existing;
