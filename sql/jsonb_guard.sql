-- Guard rules of the JSON columns: json_not_jsonb (when the column is
-- created) and jsonb_uncontracted (at commit).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- the drops and renames here test what contracts follow
SET schema_guard.rename_breaks_clients = off;
SET schema_guard.constraint_validates_in_place = off;  -- validating CHECKs in place is not this file's subject
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
CREATE SCHEMA jguard;
SET search_path = jguard, public;
SELECT rule, family, moments, level FROM schema_guard.rules()
 WHERE rule IN ('json_not_jsonb', 'jsonb_uncontracted') ORDER BY rule;

-- json_not_jsonb: a json column, in CREATE TABLE or ADD COLUMN, or through
-- a domain over json.
CREATE TABLE g_json (id int PRIMARY KEY, payload json NOT NULL);
ALTER TABLE g_json ADD COLUMN extra json NULL;
CREATE DOMAIN g_json_domain AS json;
ALTER TABLE g_json ADD COLUMN wrapped g_json_domain NULL;
-- Not for temporary tables, nor for partitions (their columns are the parent's).
CREATE TEMP TABLE g_json_temp (id int PRIMARY KEY, payload json NOT NULL);
SET schema_guard.jsonb_uncontracted = off;
CREATE TABLE g_parted (id int NOT NULL, payload json NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE g_part PARTITION OF g_parted FOR VALUES FROM (0) TO (10);
RESET schema_guard.jsonb_uncontracted;

-- jsonb_uncontracted: a new jsonb column left without a CHECK or a contract
-- is reported when the transaction commits.
CREATE TABLE g_loose (id int PRIMARY KEY, doc jsonb NOT NULL);
BEGIN;
ALTER TABLE g_loose ADD COLUMN meta jsonb NULL;
SELECT 'not yet: the transaction may still decide';
COMMIT;

-- Decided in the same transaction: a contract...
BEGIN;
CREATE TABLE g_contracted (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT schema_guard.jsonb_expect('g_contracted', 'doc', '{"type": "object"}');
COMMIT;
-- ...or a CHECK on the column, in the definition or later.
CREATE TABLE g_checked (id int PRIMARY KEY, doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'));
BEGIN;
CREATE TABLE g_checked_later (id int PRIMARY KEY, doc jsonb NOT NULL);
ALTER TABLE g_checked_later ADD CONSTRAINT doc_is_object CHECK (jsonb_typeof(doc) = 'object');
COMMIT;
-- A column dropped or a table dropped before commit leaves nothing to report.
BEGIN;
CREATE TABLE g_gone (id int PRIMARY KEY, doc jsonb NOT NULL, tmp jsonb NULL);
ALTER TABLE g_gone DROP COLUMN tmp;
SELECT schema_guard.jsonb_expect('g_gone', 'doc', '{}');
COMMIT;
BEGIN;
CREATE TABLE g_dropped (id int PRIMARY KEY, doc jsonb NOT NULL);
DROP TABLE g_dropped;
COMMIT;
-- A rolled-back savepoint forgets its columns.
BEGIN;
SAVEPOINT s;
CREATE TABLE g_rolled_back (id int PRIMARY KEY, doc jsonb NOT NULL);
ROLLBACK TO SAVEPOINT s;
COMMIT;
-- A column renamed before the commit is judged under its new name.
BEGIN;
CREATE TABLE g_renamed (id int PRIMARY KEY, d jsonb NOT NULL);
ALTER TABLE g_renamed RENAME COLUMN d TO doc;
COMMIT;
-- Temporary tables are not guarded.
CREATE TEMP TABLE g_temp (id int PRIMARY KEY, doc jsonb NOT NULL);

-- ALTER COLUMN TYPE judges the column's new type: to json is reported at
-- once, to jsonb at commit unless decided; other types are not judged, and
-- the nullability of a retyped column was decided when it was made.  (The
-- tables are new, so that table_rewrite lets the changes be.)
BEGIN;
CREATE TABLE g_retyped (id int PRIMARY KEY, body text NOT NULL, legacy text NULL, n int NULL);
ALTER TABLE g_retyped ALTER COLUMN body TYPE json USING body::json;
ALTER TABLE g_retyped ALTER COLUMN legacy TYPE jsonb USING legacy::jsonb, ALTER COLUMN n TYPE bigint;
COMMIT;
BEGIN;
CREATE TABLE g_retyped_checked (id int PRIMARY KEY, body text NOT NULL);
ALTER TABLE g_retyped_checked ALTER COLUMN body TYPE jsonb USING body::jsonb;
ALTER TABLE g_retyped_checked ADD CHECK (jsonb_typeof(body) = 'object');
COMMIT;

-- ADD COLUMN IF NOT EXISTS of a column that exists adds nothing: neither
-- rule judges the definition it skipped.
ALTER TABLE g_json ADD COLUMN IF NOT EXISTS extra json NULL;
BEGIN;
ALTER TABLE g_loose ADD COLUMN IF NOT EXISTS doc jsonb NOT NULL;
COMMIT;

-- A domain with a CHECK, or a domain over one, is a contract; a domain
-- that only says NOT NULL is not (though it decides nullability).
CREATE DOMAIN g_object AS jsonb CHECK (jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN g_settings AS g_object;
CREATE DOMAIN g_required AS jsonb NOT NULL;
CREATE TABLE g_domains (id int PRIMARY KEY, a g_object NOT NULL, b g_settings NOT NULL);
CREATE TABLE g_domain_required (id int PRIMARY KEY, doc g_required);

-- The HINT is a CHECK on the top-level types the column's documents have
-- at commit (jsonb_typeof names; SQL NULL passes any CHECK)...
BEGIN;
CREATE TABLE g_tags (id int PRIMARY KEY, tags jsonb NOT NULL);
INSERT INTO g_tags VALUES (1, '["a"]'), (2, '[]');
COMMIT;
BEGIN;
CREATE TABLE g_mixed (id int PRIMARY KEY, doc jsonb NULL);
INSERT INTO g_mixed VALUES (1, '{"a": 1}'), (2, '"text"'), (3, 'null'), (4, NULL), (5, '1.5'), (6, 'true');
COMMIT;
-- (The HINT, as printed, holds for the data.)
ALTER TABLE jguard.g_mixed ADD CONSTRAINT g_mixed_doc_check CHECK (pg_catalog.jsonb_typeof(doc) IN ('boolean', 'null', 'number', 'object', 'string'));
-- ...read from the first bytes of each document, also when it is stored
-- out of line (doc) or compressed (packed).
BEGIN;
CREATE TABLE g_large_docs (id int PRIMARY KEY, doc jsonb NOT NULL, packed jsonb NOT NULL);
ALTER TABLE g_large_docs ALTER COLUMN doc SET STORAGE EXTERNAL;
INSERT INTO g_large_docs
SELECT g, CASE g WHEN 1 THEN to_jsonb(repeat('x', 10000))
                 WHEN 2 THEN jsonb_build_array(repeat('y', 10000))
                 ELSE jsonb_build_object('k', repeat('z', 10000)) END,
       jsonb_build_array(repeat('p', 100000))
  FROM generate_series(1, 3) g;
SELECT pg_relation_size(reltoastrelid) > 0 AS out_of_line FROM pg_class WHERE oid = 'g_large_docs'::regclass;
SELECT bool_and(pg_column_size(packed) < 10000) AS compressed FROM g_large_docs;
COMMIT;
-- On an existing table the CHECK is added NOT VALID, then validated in a
-- transaction of its own (in the same one, the scan would hold the add's
-- lock).  At level error the commit fails; the same transaction with the
-- HINT's first line appended commits, and the second runs after it.
CREATE TABLE g_existing (id int PRIMARY KEY);
INSERT INTO g_existing VALUES (1), (2);
SET schema_guard.jsonb_uncontracted = error;
BEGIN;
ALTER TABLE g_existing ADD COLUMN tags jsonb NOT NULL DEFAULT '[]';
COMMIT;
BEGIN;
ALTER TABLE g_existing ADD COLUMN tags jsonb NOT NULL DEFAULT '[]';
ALTER TABLE jguard.g_existing ADD CONSTRAINT g_existing_tags_check CHECK (pg_catalog.jsonb_typeof(tags) = 'array') NOT VALID;
COMMIT;
ALTER TABLE jguard.g_existing VALIDATE CONSTRAINT g_existing_tags_check;  -- in its own transaction (outside a transaction block)
SELECT convalidated FROM pg_constraint WHERE conname = 'g_existing_tags_check';
RESET schema_guard.jsonb_uncontracted;

-- The HINT calls pg_catalog.jsonb_typeof: pasted where another function of
-- that name matches the column's type better (here a domain over jsonb, in
-- the search_path), the CHECK still calls the built-in one, and refuses the
-- array.
CREATE DOMAIN g_doc AS jsonb;
CREATE FUNCTION jguard.jsonb_typeof(g_doc) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'jguard.jsonb_typeof called'; RETURN 'object'; END$$;
BEGIN;
CREATE TABLE g_shadowed (id int PRIMARY KEY, doc g_doc NOT NULL);
INSERT INTO g_shadowed VALUES (1, '{}');
COMMIT;
ALTER TABLE jguard.g_shadowed ADD CONSTRAINT g_shadowed_doc_check CHECK (pg_catalog.jsonb_typeof(doc) = 'object');
INSERT INTO g_shadowed VALUES (2, '[]');

-- A column is judged, not the name it had: an existing column renamed onto
-- the name of a new one is not new (the column swap of a migration).  Fires
-- once, for the new column, now doc.
BEGIN;
SET LOCAL schema_guard.jsonb_uncontracted = off;
CREATE TABLE g_swap (id int PRIMARY KEY, doc jsonb NOT NULL);
COMMIT;
BEGIN;
ALTER TABLE g_swap ADD COLUMN doc_new jsonb NOT NULL DEFAULT '{}';
ALTER TABLE g_swap RENAME COLUMN doc TO doc_old;
ALTER TABLE g_swap RENAME COLUMN doc_new TO doc;
ALTER TABLE g_swap RENAME COLUMN doc_old TO doc_new;
COMMIT;

-- At level error the commit fails, and the table is not created.
SET schema_guard.jsonb_uncontracted = error;
CREATE TABLE g_refused (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT to_regclass('g_refused') IS NULL AS not_created;
-- Off: nothing.
SET schema_guard.jsonb_uncontracted = off;
SET schema_guard.json_not_jsonb = off;
CREATE TABLE g_quiet (id int PRIMARY KEY, doc jsonb NOT NULL, legacy json NOT NULL);
RESET schema_guard.jsonb_uncontracted;
RESET schema_guard.json_not_jsonb;

DROP SCHEMA jguard CASCADE;
