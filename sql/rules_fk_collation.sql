-- fk_unindexed against a nondeterministic referenced column of another
-- collation (its own file: PostgreSQL 18 refuses such a foreign key, see
-- expected/rules_fk_collation_1.out; a cluster upgraded from 17 may still
-- have one).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
SET schema_guard.fk_type_mismatch = off;  -- the collation difference is fk_unindexed's subject here

-- Against a nondeterministic referenced column of another collation, the
-- lookup compares under the referenced column's collation: the HINT says so.
CREATE COLLATION fk_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE fk_label (name text COLLATE fk_nocase PRIMARY KEY);
BEGIN;
CREATE TABLE fk_labelled (id int PRIMARY KEY, label text COLLATE "C" NOT NULL REFERENCES fk_label);
CREATE INDEX fk_labelled_label_idx ON fk_labelled (label);
COMMIT;
BEGIN;
CREATE TABLE fk_labelled (id int PRIMARY KEY, label text COLLATE "C" NOT NULL REFERENCES fk_label);
CREATE INDEX fk_labelled_label_idx ON fk_labelled (label COLLATE public.fk_nocase);
COMMIT;
DROP TABLE IF EXISTS fk_labelled;
DROP TABLE fk_label;
DROP COLLATION fk_nocase;
