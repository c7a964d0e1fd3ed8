-- The audit's index rules: index_invalid, index_duplicate, index_redundant
-- and index_unused.  Indexes are compared as the catalog describes them
-- (keys, operator classes, collations, orders, expressions, predicates),
-- never as text.  Each fix is run, and the finding is gone.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.index_unused = off;  -- index_unused has its own section
CREATE VIEW aix_findings AS
SELECT rule, level, object_identity, message, detail, fix, exempted, evidence
  FROM schema_guard.audit(schemas => '{aix}', rules => '{indexes}');

-- What exists was built without the guard.
SET schema_guard.mode = off;
CREATE SCHEMA aix;

-- index_invalid: a unique index whose concurrent build failed on duplicates
CREATE TABLE aix.failed (id bigint PRIMARY KEY, code text NOT NULL);
INSERT INTO aix.failed VALUES (1, 'a'), (2, 'a');
CREATE UNIQUE INDEX CONCURRENTLY failed_code_key ON aix.failed (code);

-- index_duplicate: the same index twice, a unique index beside the primary
-- key, indexes named like their columns (not duplicates: splinter compares
-- definitions with the name removed), and near misses
CREATE TABLE aix.dup (id bigint PRIMARY KEY, x int NOT NULL, y int NOT NULL,
                      t text NOT NULL, "Odd Col" int NOT NULL);
CREATE INDEX dup_x_1 ON aix.dup (x);
CREATE INDEX dup_x_2 ON aix.dup (x);
CREATE INDEX x ON aix.dup (y);
CREATE INDEX y ON aix.dup (x, y);
CREATE UNIQUE INDEX dup_id_key ON aix.dup (id);
CREATE INDEX dup_x_desc ON aix.dup (x DESC NULLS LAST);
CREATE INDEX dup_t_c ON aix.dup (t COLLATE "C");
CREATE INDEX dup_t_pattern ON aix.dup (t text_pattern_ops);
CREATE INDEX dup_lower_1 ON aix.dup (lower(t));
CREATE INDEX dup_lower_2 ON aix.dup (lower(t));
CREATE INDEX dup_upper ON aix.dup (upper(t));
CREATE INDEX dup_part_1 ON aix.dup (y) WHERE x > 0;
CREATE INDEX dup_part_2 ON aix.dup (y) WHERE x > 1;
CREATE INDEX "Dup Odd 1" ON aix.dup ("Odd Col");
CREATE INDEX "Dup Odd 2" ON aix.dup ("Odd Col");
-- two unique constraints on the same column: drop one of the constraints
CREATE TABLE aix.twin_keys (id bigint PRIMARY KEY, code text NOT NULL,
                            CONSTRAINT twin_code_a UNIQUE (code));
ALTER TABLE aix.twin_keys ADD CONSTRAINT twin_code_b UNIQUE (code);
-- the unique index a foreign key references is the one kept
CREATE TABLE aix.ref_parent (id bigint PRIMARY KEY, code text NOT NULL);
CREATE UNIQUE INDEX ref_code_a ON aix.ref_parent (code);
CREATE TABLE aix.ref_child (id bigint PRIMARY KEY, code text NOT NULL REFERENCES aix.ref_parent (code));
CREATE INDEX ON aix.ref_child (code);
CREATE UNIQUE INDEX ref_code_b ON aix.ref_parent (code);

-- index_redundant
CREATE TABLE aix.red (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, c int NOT NULL,
                      c2 int NOT NULL, c23 int NOT NULL);
CREATE INDEX red_a ON aix.red (a);                 -- covered by red_a_b
CREATE INDEX red_a_b ON aix.red (a, b);
CREATE INDEX red_b ON aix.red (b);                 -- not a leading column of red_a_b
CREATE INDEX red_c_inc ON aix.red (c) INCLUDE (a); -- covered by red_c_a
CREATE INDEX red_c_a ON aix.red (c, a);
CREATE INDEX red_c2 ON aix.red (c2);               -- not covered by an index on c23
CREATE INDEX red_c23 ON aix.red (c23, c2);
CREATE INDEX red_a_desc ON aix.red (a DESC);       -- red_a backwards: a duplicate
CREATE INDEX red_b_hash ON aix.red USING hash (b); -- another access method
CREATE INDEX red_b_part ON aix.red (b) WHERE a > 0;  -- another predicate than red_b_a's
CREATE INDEX red_b_a ON aix.red (b, a);
-- a unique index is never redundant to a wider one; one that serves a
-- foreign key is not redundant to a non-unique one, but is to a unique one
CREATE TABLE aix.red_fk (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES aix.ref_parent,
                         other_id bigint NOT NULL REFERENCES aix.ref_parent, n int NOT NULL);
CREATE INDEX red_fk_parent ON aix.red_fk (parent_id);
CREATE INDEX red_fk_parent_n ON aix.red_fk (parent_id, n);
CREATE INDEX red_fk_other ON aix.red_fk (other_id);
CREATE UNIQUE INDEX red_fk_other_n ON aix.red_fk (other_id, n);
CREATE UNIQUE INDEX red_fk_n ON aix.red_fk (n);
CREATE INDEX red_fk_n_id ON aix.red_fk (n, id);

-- partitioned: the parent's indexes are judged once, not per partition
CREATE TABLE aix.events (id bigint NOT NULL, at date NOT NULL, PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
CREATE TABLE aix.events_2026 PARTITION OF aix.events
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_at_1 ON aix.events (at);
CREATE INDEX events_at_2 ON aix.events (at);
-- a partitioned index built ON ONLY the parent stays invalid until every
-- partition's index is attached: a step of a procedure, not a failure
CREATE INDEX events_id_only ON ONLY aix.events (id);
RESET schema_guard.mode;

SELECT rule, level, object_identity, message, detail, fix, exempted, evidence
  FROM aix_findings;

-- The fixes run, and their findings are gone.
DELETE FROM aix.failed WHERE id = 2;
REINDEX INDEX CONCURRENTLY aix.failed_code_key;
DROP INDEX CONCURRENTLY aix.dup_x_2;
DROP INDEX CONCURRENTLY aix.dup_id_key;
DROP INDEX CONCURRENTLY aix.dup_lower_2;
DROP INDEX CONCURRENTLY aix."Dup Odd 2";
ALTER TABLE aix.twin_keys DROP CONSTRAINT twin_code_b;
DROP INDEX CONCURRENTLY aix.ref_code_b;
DROP INDEX aix.events_at_2;
DROP INDEX CONCURRENTLY aix.red_a;
DROP INDEX CONCURRENTLY aix.red_a_desc;
DROP INDEX CONCURRENTLY aix.red_c_inc;
DROP INDEX CONCURRENTLY aix.red_fk_other;
-- (not run: dup_x_1 is redundant to y, red_b to red_b_a)
SELECT rule, object_identity FROM aix_findings;

-- A REINDEX CONCURRENTLY that failed leaves an invalid copy beside the
-- valid index: that copy is dropped, not rebuilt.
SET schema_guard.mode = off;
CREATE INDEX red_b_copy ON aix.red (b);
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'aix.red_b_copy'::regclass;
RESET schema_guard.mode;
SELECT rule, object_identity, fix, evidence FROM aix_findings WHERE rule = 'index_invalid';
DROP INDEX CONCURRENTLY aix.red_b_copy;

-- A temporary table's indexes are the caller's too.
SET schema_guard.mode = off;
CREATE TEMP TABLE aix_tmp (id bigint PRIMARY KEY, a int NOT NULL);
CREATE INDEX aix_tmp_a_1 ON aix_tmp (a);
CREATE INDEX aix_tmp_a_2 ON aix_tmp (a);
RESET schema_guard.mode;
SELECT rule, regexp_replace(object_identity, 'pg_temp_[0-9]+', 'pg_temp_N') AS object_identity,
       regexp_replace(fix, 'pg_temp_[0-9]+', 'pg_temp_N') AS fix
  FROM schema_guard.audit(rules => '{index_duplicate}')
 WHERE object_identity LIKE 'pg_temp%';
DROP INDEX CONCURRENTLY aix_tmp_a_2;

-- The caller sees only what it may: another role's table is not judged.
CREATE ROLE aix_reader;
GRANT USAGE ON SCHEMA aix TO aix_reader;
GRANT SELECT ON aix.red TO aix_reader;
SET ROLE aix_reader;
SELECT rule, level, object_identity
  FROM schema_guard.audit(schemas => '{aix}', rules => '{indexes}')
 WHERE rule <> 'audit_skipped' OR object_identity = 'aix.red_fk';
RESET ROLE;
REVOKE ALL ON SCHEMA aix FROM aix_reader;
REVOKE ALL ON aix.red FROM aix_reader;

-- index_unused: no scan since statistics were reset, over at least
-- schema_guard.index_unused_min_age; the guard records when it saw an index
-- created, so that a new index is not called unused.
RESET schema_guard.index_unused;
SET schema_guard.mode = off;
CREATE SCHEMA aiu;
CREATE TABLE aiu.t (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, t text NOT NULL,
                    parent_id bigint NOT NULL REFERENCES aix.ref_parent);
CREATE INDEX t_a ON aiu.t (a);                 -- old, never scanned
CREATE INDEX t_b ON aiu.t (b);                 -- old, scanned below
CREATE INDEX t_lower ON aiu.t (lower(t));      -- its expression's statistics serve the planner
CREATE UNIQUE INDEX t_t_key ON aiu.t (t);      -- enforces something
CREATE INDEX t_parent ON aiu.t (parent_id);    -- serves a foreign key
CREATE TABLE aiu.p (id bigint NOT NULL, at date NOT NULL, PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
CREATE TABLE aiu.p_2026 PARTITION OF aiu.p FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX p_at ON aiu.p (at);               -- judged on the parent, summing its partitions'
RESET schema_guard.mode;
SET enable_seqscan = off;
SELECT count(*) FROM aiu.t WHERE b = 1;
RESET enable_seqscan;
-- (statistics reach the shared counters when the backend goes idle, at
-- most once a second; before 15 through the statistics collector)
SELECT pg_sleep(1.2);
DO $$
BEGIN
    FOR i IN 1..100 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN pg_stat_get_numscans('aiu.t_b'::regclass) > 0;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
-- The minimum age is 2 s here: the statistics (never reset, or, before 15,
-- since the database's first statistics) are older than that by now; the
-- index the guard sees created next is not.
SELECT pg_sleep(2.1);
SET schema_guard.index_unused_min_age = '2s';
BEGIN;
CREATE TABLE aiu.fresh (id bigint PRIMARY KEY, a int NOT NULL);
CREATE INDEX fresh_a ON aiu.fresh (a);         -- the guard saw it created just now
COMMIT;
SELECT c.relname FROM schema_guard.index_created i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE c.relnamespace = 'aiu'::regnamespace ORDER BY 1;
SELECT rule, level, object_identity, fix, evidence->'scans' AS scans,
       evidence->'size_bytes' AS size_bytes, evidence->'created_at' AS created_at
  FROM schema_guard.audit(schemas => '{aiu}', rules => '{index_unused}');
-- an index younger than the minimum age is called unused once it is older
SET schema_guard.index_unused_min_age = 0;
SELECT object_identity, evidence->'created_at' IS NOT NULL AS created_at_known
  FROM schema_guard.audit(schemas => '{aiu}', rules => '{index_unused}')
 WHERE object_identity = 'aiu.fresh_a';
-- the guard's record is its own: no one else reads it
SET ROLE aix_reader;
SELECT count(*) FROM schema_guard.index_created;
RESET ROLE;
-- statistics reset a moment ago tell nothing yet; with no minimum age the
-- reset time is in evidence
SELECT pg_stat_reset();
DO $$
BEGIN
    FOR i IN 1..100 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN pg_stat_get_numscans('aiu.t_b'::regclass) = 0;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
SET schema_guard.index_unused_min_age = '1h';
SELECT count(*) FROM schema_guard.audit(schemas => '{aiu}', rules => '{index_unused}');
SET schema_guard.index_unused_min_age = 0;
SELECT object_identity, jsonb_typeof(evidence->'stats_reset') AS stats_reset
  FROM schema_guard.audit(schemas => '{aiu}', rules => '{index_unused}')
 WHERE object_identity = 'aiu.t_b';
RESET schema_guard.index_unused_min_age;
-- a dropped index's record goes with it
DROP INDEX CONCURRENTLY aiu.fresh_a;
SELECT count(*) FROM schema_guard.index_created i
 WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = i.indexrelid);

SET schema_guard.mode = off;
DROP SCHEMA aix CASCADE;
DROP SCHEMA aiu CASCADE;
DROP TABLE aix_tmp;
RESET schema_guard.mode;
DROP ROLE aix_reader;
DROP VIEW aix_findings;
