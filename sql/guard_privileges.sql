-- The guard neither judges nor locks what the caller may not act on:
-- PostgreSQL's own permission error (42501) comes first, and another
-- role's table is not opened.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
DROP ROLE IF EXISTS sg_priv_bob;
DROP ROLE IF EXISTS sg_priv_mallory;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
CREATE ROLE sg_priv_bob;
CREATE ROLE sg_priv_mallory;
CREATE SCHEMA sg_priv AUTHORIZATION sg_priv_bob;
GRANT USAGE ON SCHEMA sg_priv TO sg_priv_mallory;

SET ROLE sg_priv_bob;
CREATE TABLE sg_priv.bobs (id int PRIMARY KEY, a int NULL);
BEGIN;
CREATE TABLE sg_priv.bobs_child (id int PRIMARY KEY, bob_id int NOT NULL REFERENCES sg_priv.bobs);
CREATE INDEX bobs_child_bob_id ON sg_priv.bobs_child (bob_id);
COMMIT;
CREATE INDEX CONCURRENTLY bobs_a ON sg_priv.bobs (a);
INSERT INTO sg_priv.bobs SELECT g, g FROM generate_series(1, 10) g;
RESET ROLE;

-- Refused by PostgreSQL, not by the guard: every statement fails with 42501.
SET ROLE sg_priv_mallory;
DROP INDEX sg_priv.bobs_a;
DROP INDEX sg_priv.bobs_child_bob_id;
-- (REINDEX's refusal is worded "permission denied" from 17 on, which
-- checks the MAINTAIN privilege: its SQLSTATE is shown.)
\set VERBOSITY sqlstate
REINDEX TABLE sg_priv.bobs;
REINDEX INDEX sg_priv.bobs_a;
\set VERBOSITY default
REINDEX SCHEMA sg_priv;
ALTER TABLE sg_priv.bobs DROP CONSTRAINT bobs_pkey;
-- (test/isolation/specs/privileges_no_lock.spec shows they wait for no lock.)
RESET ROLE;

-- The owner is judged as before.
SET schema_guard.drop_index_not_concurrent = warning;
SET ROLE sg_priv_bob;
REINDEX TABLE sg_priv.bobs;
REINDEX INDEX sg_priv.bobs_a;
DROP INDEX sg_priv.bobs_a;
REINDEX SCHEMA sg_priv;
-- fk_unindexed still sees the owner's drop at commit.
RESET ROLE;
SET schema_guard.drop_index_not_concurrent = off;
SET ROLE sg_priv_bob;
BEGIN;
DROP INDEX sg_priv.bobs_child_bob_id;
COMMIT;
-- Edge: an index that does not exist is PostgreSQL's to report.
DROP INDEX sg_priv.no_such_index;
DROP INDEX IF EXISTS sg_priv.no_such_index;
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA sg_priv CASCADE;
DROP ROLE sg_priv_bob;
DROP ROLE sg_priv_mallory;
