-- The index rules against the false positives other tools are known for
-- (/work/shared/research/schema-audit.md, sections 1C, 2.2 and 2.3): each
-- case names the tool or issue it comes from and asserts schema_guard's
-- answer.  audit_indexes.sql has the rules' own tests.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE VIEW aic_findings AS
SELECT rule, object_identity, message, detail, fix
  FROM schema_guard.audit(schemas => '{aic}', rules => '{indexes}');

-- What exists was built without the guard.
SET schema_guard.mode = off;
CREATE SCHEMA aic;

-- index_unused never calls an index unused that does another job than
-- scans, nor an invalid one (that is index_invalid's).  With no minimum age
-- every unscanned index is a candidate: no row is written, so no index here
-- is ever scanned.
-- - exclusion constraints' indexes (schema-audit.md 2.3, "our note"; the
--   constraint-backed FP of pmpetit/pglinter#1): not unique in pg_index, and
--   checked by a scan only when a row is written; btree and gist;
-- - the replica identity (ALTER TABLE ... REPLICA IDENTITY USING INDEX):
--   logical decoding reads the old row's key through it;
-- - an index a failed CREATE INDEX CONCURRENTLY left invalid (a predicate
--   that divides by zero on one row): reported once, by index_invalid.
-- u_a, a plain index nobody scans, is reported: the rule runs.
CREATE TABLE aic.u (id bigint PRIMARY KEY, a int NOT NULL, c int NOT NULL, k int NOT NULL,
                    r int4range NOT NULL,
                    CONSTRAINT u_c_excl EXCLUDE USING btree (c WITH =),
                    CONSTRAINT u_r_excl EXCLUDE USING gist (r WITH &&));
CREATE INDEX u_a ON aic.u (a);
CREATE UNIQUE INDEX u_k_key ON aic.u (k);
ALTER TABLE aic.u REPLICA IDENTITY USING INDEX u_k_key;
CREATE TABLE aic.u_inv (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO aic.u_inv VALUES (1, 0, 0);
CREATE INDEX CONCURRENTLY u_inv_b ON aic.u_inv (b) WHERE 1 / a > 0;
RESET schema_guard.mode;
SELECT c.relname, i.indisunique, i.indisexclusion, i.indisreplident, i.indisvalid
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE c.relnamespace = 'aic'::regnamespace ORDER BY 1;
SET schema_guard.index_unused_min_age = 0;
SELECT rule, object_identity, fix
  FROM schema_guard.audit(schemas => '{aic}', rules => '{index_unused,index_invalid}');
RESET schema_guard.index_unused_min_age;
SET schema_guard.mode = off;
DROP TABLE aic.u, aic.u_inv;

SET schema_guard.index_unused = off;  -- the rest is about comparing indexes

-- index_redundant
CREATE TABLE aic.r (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, c int NOT NULL,
                    k int NOT NULL, x int NOT NULL, y int NOT NULL, z int NOT NULL,
                    v int NOT NULL, t text NOT NULL, s text NOT NULL);
-- The replica identity is not redundant to a wider unique index (splinter
-- and pglinter B002 propose any index whose columns lead another's): the
-- table's logical replication identifies rows through it.
CREATE UNIQUE INDEX r_k_key ON aic.r (k);
ALTER TABLE aic.r REPLICA IDENTITY USING INDEX r_k_key;
CREATE UNIQUE INDEX r_k_x_key ON aic.r (k, x);
-- Expression keys are compared as expression trees (pglinter B002 joins key
-- columns to pg_attribute, which drops expressions): (lower(t)) is redundant
-- to (lower(t), x); (lower(s)) is not to (upper(s), x).
CREATE INDEX r_lower_t ON aic.r (lower(t));
CREATE INDEX r_lower_t_x ON aic.r (lower(t), x);
CREATE INDEX r_lower_s ON aic.r (lower(s));
CREATE INDEX r_upper_s_x ON aic.r (upper(s), x);
-- Differing only in collation (postgres-checkup H004 ignores it): a query
-- uses an index only under the collation the index has, so (t COLLATE "C")
-- is not redundant to (t, x), even in a database whose default is C.
CREATE INDEX r_t_c ON aic.r (t COLLATE "C");
CREATE INDEX r_t_x ON aic.r (t, x);
-- Differing only in operator class (postgres-checkup H004, PgHero compare
-- text): text_pattern_ops serves LIKE 'abc%', (s, x) with text_ops does not.
CREATE INDEX r_s_pattern ON aic.r (s text_pattern_ops);
CREATE INDEX r_s_x ON aic.r (s, x);
-- INCLUDE: (c) INCLUDE (b) is not redundant to (c, a): it answers
-- SELECT b ... WHERE c = 1 by an index-only scan, which (c, a) cannot (it
-- has no b).  (c) INCLUDE (a) would be (audit_indexes.sql, red_c_inc).
CREATE INDEX r_c_inc_b ON aic.r (c) INCLUDE (b);
CREATE INDEX r_c_a ON aic.r (c, a);
-- A reverse prefix: (v DESC) is redundant to (v, x), which a backward scan
-- reads in the order v DESC (nulls first, as (v DESC) has them); the detail
-- says the orders are reversed, not the same.
CREATE INDEX r_v_desc ON aic.r (v DESC);
CREATE INDEX r_v_x ON aic.r (v, x);
-- The primary key beside a wider non-unique index (pglinter B002 flags
-- primary keys): the primary key is never redundant.
CREATE INDEX r_id_a ON aic.r (id, a);
-- A unique and a non-unique index on the same keys (db_verifier i1003): the
-- non-unique one is redundant to the unique one, whichever is older; the
-- unique one is never proposed for dropping, and they are not duplicates.
CREATE INDEX r_y ON aic.r (y);
CREATE UNIQUE INDEX r_y_key ON aic.r (y);
CREATE UNIQUE INDEX r_z_key ON aic.r (z);
CREATE INDEX r_z ON aic.r (z);
-- attnum 2 against attnum 23 (postgres-checkup H004 compares indkey as text
-- with LIKE, so "2" is a prefix of "23 2"): w_c2 is not covered by w_c23_c2.
CREATE TABLE aic.w (c1 int, c2 int, c3 int, c4 int, c5 int, c6 int, c7 int, c8 int, c9 int,
                    c10 int, c11 int, c12 int, c13 int, c14 int, c15 int, c16 int, c17 int,
                    c18 int, c19 int, c20 int, c21 int, c22 int, c23 int, c24 int, c25 int);
CREATE INDEX w_c2 ON aic.w (c2);
CREATE INDEX w_c23_c2 ON aic.w (c23, c2);
RESET schema_guard.mode;
SELECT c.relname, i.indkey FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = 'aic.w'::regclass ORDER BY 1;
SELECT rule, object_identity, message, detail, fix FROM aic_findings;

-- index_duplicate
SET schema_guard.mode = off;
CREATE TABLE aic.d (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, k int NOT NULL,
                    t text NOT NULL);
-- Collation isolated (mfvanek/pg-index-health#76): (t) and (t COLLATE "C")
-- are not duplicates.
CREATE INDEX d_t ON aic.d (t);
CREATE INDEX d_t_c ON aic.d (t COLLATE "C");
-- Orders.  A btree scans backwards, so an index and its exact reverse (every
-- column's direction and nulls placement flipped) read the same orders:
-- (a DESC, b DESC) duplicates (a, b), (a DESC, b) duplicates (a, b DESC).
-- Mixed orders are not: (a, b) serves ORDER BY a, b and a DESC, b DESC,
-- not a, b DESC; nor is a reverse of some columns only, nor a reverse
-- with the nulls left in place ((a DESC NULLS LAST, b DESC) is not (a, b)
-- backwards, which puts the nulls first).
CREATE INDEX d_ab ON aic.d (a, b);
CREATE INDEX d_a_bdesc ON aic.d (a, b DESC);
CREATE INDEX d_adesc_b ON aic.d (a DESC, b);
CREATE INDEX d_adesc_bdesc ON aic.d (a DESC, b DESC);
CREATE INDEX d_adesc_nl_bdesc ON aic.d (a DESC NULLS LAST, b DESC);
-- The replica identity twice: a unique index beside a unique constraint on
-- the same key.  The constraint's index is kept; the replica identity is
-- the one to drop, but dropping it alone would leave the table without
-- one (UPDATE and DELETE then fail on a table published for them): the fix
-- says, in words, to move the identity first.
CREATE UNIQUE INDEX d_k_key ON aic.d (k);
ALTER TABLE aic.d REPLICA IDENTITY USING INDEX d_k_key;
ALTER TABLE aic.d ADD CONSTRAINT d_k_unique UNIQUE (k);
RESET schema_guard.mode;
SELECT rule, object_identity, message, detail, fix FROM aic_findings
 WHERE object_identity LIKE 'aic.d%';

-- The fixes run, and their findings are gone.
DROP INDEX CONCURRENTLY aic.d_adesc_bdesc;
DROP INDEX CONCURRENTLY aic.d_adesc_b;
ALTER TABLE aic.d REPLICA IDENTITY USING INDEX d_k_unique;
DROP INDEX CONCURRENTLY aic.d_k_key;
DROP INDEX CONCURRENTLY aic.r_lower_t;
DROP INDEX CONCURRENTLY aic.r_v_desc;
DROP INDEX CONCURRENTLY aic.r_y;
DROP INDEX CONCURRENTLY aic.r_z;
SELECT rule, object_identity FROM aic_findings;

SET schema_guard.mode = off;
DROP SCHEMA aic CASCADE;
RESET schema_guard.mode;
RESET schema_guard.index_unused;
DROP VIEW aic_findings;
