-- The guard's rules as schema_guard.audit() runs them on what exists (the
-- commit-time files judge only what a transaction touched, and never
-- temporary tables): for each, a finding, no finding, and an edge
-- (partitioned tables judged once, materialized views, temporary tables,
-- an exemption, a caller without privilege); then the known false positives
-- of the popular audit tools (../shared/research/schema-audit.md), each
-- named by the tool and issue it comes from.  The index rules' false
-- positives are sql/audit_indexes.sql's.  PostgreSQL 18's NOT VALID
-- foreign keys of partitioned tables and NOT NULL NOT VALID:
-- test/t_constraints_18.sh.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- What exists was built without the guard.
SET schema_guard.mode = off;
CREATE SCHEMA arul;

--
-- empty_string_default
--
CREATE TABLE arul.es (id bigint PRIMARY KEY,
    name text NOT NULL DEFAULT '',                  -- finding
    code varchar(10) NOT NULL DEFAULT ''::varchar,  -- finding, under a cast
    pad character(3) NOT NULL DEFAULT '  ',         -- finding: character(n) pads '' (and char_column's)
    nick text NOT NULL DEFAULT 'x',                 -- not empty
    note text NULL DEFAULT '',                      -- nullable
    tags text[] NOT NULL DEFAULT '{}');             -- not a string type
-- partitioned: the column is judged once, on the parent
CREATE TABLE arul.es_part (id bigint PRIMARY KEY, label text NOT NULL DEFAULT '')
    PARTITION BY RANGE (id);
CREATE TABLE arul.es_part_1 PARTITION OF arul.es_part FOR VALUES FROM (0) TO (100);
-- temporary: session scratch space, not judged
CREATE TEMP TABLE arul_es_tmp (id bigint PRIMARY KEY, label text NOT NULL DEFAULT '');
RESET schema_guard.mode;

SELECT rule, level, object_type, object_identity, fix, exempted
  FROM schema_guard.audit(schemas => '{arul}', rules => '{empty_string_default}');
SELECT count(*) AS temporary FROM schema_guard.audit(rules => '{empty_string_default}')
 WHERE object_identity LIKE 'pg_temp%';

--
-- fk_type_mismatch
--
SET schema_guard.mode = off;
CREATE TABLE arul.tm_parent (id bigint PRIMARY KEY, code varchar(20) NOT NULL UNIQUE);
CREATE DOMAIN arul.big_id AS bigint;
CREATE TABLE arul.tm_child (id bigint PRIMARY KEY,
    small_ref int NOT NULL CONSTRAINT tm_small REFERENCES arul.tm_parent,      -- finding
    code_ref varchar(10) NOT NULL CONSTRAINT tm_code REFERENCES arul.tm_parent (code),  -- finding: length
    dom_ref arul.big_id NOT NULL CONSTRAINT tm_dom REFERENCES arul.tm_parent); -- a domain over bigint: the same values
CREATE INDEX ON arul.tm_child (small_ref);
CREATE INDEX ON arul.tm_child (code_ref);
CREATE INDEX ON arul.tm_child (dom_ref);
-- partitioned: the foreign key is judged once, on the parent (not its
-- clones); no index leads with ref (fk_unindexed's, below)
CREATE TABLE arul.tm_part (id bigint NOT NULL, ref int NOT NULL REFERENCES arul.tm_parent,
    PRIMARY KEY (id, ref)) PARTITION BY RANGE (id);
CREATE TABLE arul.tm_part_1 PARTITION OF arul.tm_part FOR VALUES FROM (0) TO (100);
CREATE TABLE arul.tm_part_2 PARTITION OF arul.tm_part FOR VALUES FROM (100) TO (200);
-- pglinter B008 pairs the two sides of a foreign key by constraint name
-- (information_schema.constraint_column_usage): two tables with a foreign
-- key of the same name, one matching and one not, must not be mixed up.
CREATE TABLE arul.tm_other (id int PRIMARY KEY);  -- (an integer key: prefer_bigint_key's)
CREATE TABLE arul.tm_same_a (id bigint PRIMARY KEY,
    ref bigint NOT NULL CONSTRAINT same_fk REFERENCES arul.tm_parent);        -- matches
CREATE TABLE arul.tm_same_b (id bigint PRIMARY KEY,
    ref bigint NOT NULL CONSTRAINT same_fk REFERENCES arul.tm_other);         -- finding
CREATE INDEX ON arul.tm_same_a (ref);
CREATE INDEX ON arul.tm_same_b (ref);
RESET schema_guard.mode;

SELECT rule, object_type, object_identity, detail, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{fk_type_mismatch}');

--
-- fk_missing
--
SET schema_guard.mode = off;
CREATE TABLE arul.customers (id bigint PRIMARY KEY);
CREATE TABLE arul.codes (id text PRIMARY KEY);
CREATE TABLE arul.fm_order (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,     -- finding: names arul.customers, typed like its key
    customerid bigint NOT NULL,      -- finding: the pattern's _? makes the _ optional
    code_id text NOT NULL,           -- finding: a text key is a key
    stripe_customer_id text NOT NULL,  -- no table stripe_customer(s)
    old_customer_id text NOT NULL,   -- no table old_customer(s)
    customer_ref bigint NOT NULL);   -- not a reference by the default pattern
-- a text-typed *_id column that names a bigint-keyed table is not a reference to it
CREATE TABLE arul.fm_text (id bigint PRIMARY KEY, customer_id text NOT NULL);
-- covered by a foreign key
CREATE TABLE arul.fm_covered (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES arul.customers);
CREATE INDEX ON arul.fm_covered (customer_id);
-- Polymorphic associations (Rails' commentable_id + commentable_type): the
-- *_type column says which table each row's *_id is a key of, so no foreign
-- key can be declared (active_record_doctor#94, #215: *_id heuristics are
-- mostly false positives).  No table is named commentable(s): nothing to
-- say.  A table that happens to be named like the association (records) is
-- no reason to claim the column either: a string or enum column x_type
-- beside x_id marks the pair.  Without it, record_id is a finding.
CREATE TABLE arul.records (id bigint PRIMARY KEY);
CREATE TYPE arul.owner_kind AS ENUM ('records', 'customers');
CREATE TABLE arul.comment (id bigint PRIMARY KEY, body text NOT NULL,
    commentable_id bigint NOT NULL, commentable_type text NOT NULL);
CREATE TABLE arul.attachment (id bigint PRIMARY KEY,
    record_id bigint NOT NULL, record_type varchar(40) NOT NULL,
    customer_id bigint NOT NULL, customer_type arul.owner_kind NOT NULL);
CREATE TABLE arul.note (id bigint PRIMARY KEY, record_id bigint NOT NULL,  -- finding
    record_type_id bigint NOT NULL);   -- no table record_type(s)
-- partitioned: the column is judged once, on the parent
CREATE TABLE arul.fm_part (id bigint NOT NULL, customer_id bigint NOT NULL, PRIMARY KEY (id))
    PARTITION BY RANGE (id);
CREATE TABLE arul.fm_part_1 PARTITION OF arul.fm_part FOR VALUES FROM (0) TO (100);
RESET schema_guard.mode;

SELECT rule, object_identity, message, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{fk_missing}');
-- The guard's commit runs the same check: a polymorphic pair is no finding
-- there either (warn mode: a finding would print a WARNING).
SET schema_guard.mode = warn;
CREATE TABLE arul.attachment_2 (id bigint PRIMARY KEY,
    record_id bigint NOT NULL, record_type text NOT NULL);
RESET schema_guard.mode;
-- The pattern is the knob: a project whose references end in _ref says so;
-- then customer_ref is one and customer_id no longer is.
SET schema_guard.fk_missing_pattern = '^(.*)_ref$';
SELECT rule, object_identity FROM schema_guard.audit(schemas => '{arul}', rules => '{fk_missing}');
RESET schema_guard.fk_missing_pattern;
-- An exemption is the way to keep one: shown, as exempted.
SELECT schema_guard.exempt('fk_missing', 'arul.fm_order.customerid', 'legacy import id');
SELECT object_identity, exempted
  FROM schema_guard.audit(schemas => '{arul}', rules => '{fk_missing}');
SELECT schema_guard.unexempt('fk_missing', 'arul.fm_order.customerid');

--
-- prefer_bigint_key
--
SET schema_guard.mode = off;
CREATE TABLE arul.bk_int (id int PRIMARY KEY, qty int NOT NULL);  -- finding (qty: not a key)
CREATE TABLE arul.bk_small_ident (id smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);  -- finding
CREATE TABLE arul.bk_big (id bigint PRIMARY KEY);
-- an integer foreign key to an integer key: finding; to a bigint key it is
-- fk_type_mismatch's, not this rule's
CREATE TABLE arul.bk_ref (id bigint PRIMARY KEY,
    int_ref int NOT NULL REFERENCES arul.bk_int,
    big_ref int NOT NULL REFERENCES arul.bk_big);
CREATE INDEX ON arul.bk_ref (int_ref);
CREATE INDEX ON arul.bk_ref (big_ref);
-- partitioned: judged once, on the parent
CREATE TABLE arul.bk_part (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE arul.bk_part_1 PARTITION OF arul.bk_part FOR VALUES FROM (0) TO (100);
RESET schema_guard.mode;

SELECT rule, object_identity, message, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{prefer_bigint_key}');

--
-- prefer_identity
--
SET schema_guard.mode = off;
CREATE TABLE arul.pi_serial (id bigserial PRIMARY KEY);                   -- finding, SQL fix
CREATE TABLE arul.pi_ident (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
-- a default from a sequence the column does not own is not serial
CREATE SEQUENCE arul.pi_shared_seq;
CREATE TABLE arul.pi_shared (id bigint NOT NULL DEFAULT nextval('arul.pi_shared_seq') PRIMARY KEY);
-- partitioned: judged once, on the parent; the fix is words (no identity
-- in place on a partitioned table with partitions)
CREATE TABLE arul.pi_part (id bigserial PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE arul.pi_part_1 PARTITION OF arul.pi_part FOR VALUES FROM (0) TO (100);
RESET schema_guard.mode;

SELECT rule, object_identity, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{prefer_identity}');

--
-- char_column
--
SET schema_guard.mode = off;
CREATE DOMAIN arul.country AS character(2);
CREATE TABLE arul.ch (id bigint PRIMARY KEY,
    code char(3) NOT NULL,         -- finding
    bare bpchar NOT NULL,          -- finding: unbounded
    cc arul.country NOT NULL,      -- finding through its domain: words
    flag "char" NOT NULL,          -- the one-byte internal type
    name varchar(3) NOT NULL);
-- a materialized view is no table: its column types are its query's
CREATE MATERIALIZED VIEW arul.ch_mv AS SELECT id, code FROM arul.ch;
RESET schema_guard.mode;

SELECT rule, object_identity, message, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{char_column}');

--
-- missing_primary_key
--
SET schema_guard.mode = off;
CREATE TABLE arul.pk_none (a bigint NOT NULL, b text NOT NULL);          -- finding
-- a unique index on NOT NULL columns is not a key (it chooses the fix)
CREATE TABLE arul.pk_unique (a bigint NOT NULL, b text NULL);            -- finding
CREATE UNIQUE INDEX pk_unique_a ON arul.pk_unique (a);
CREATE TABLE arul.pk_deferrable (a bigint PRIMARY KEY DEFERRABLE);      -- a key
-- partitioned without a key: one finding on the parent, none per
-- partition (a partition has its parent's key); a materialized view has
-- none to have (pg-index-health#67 reported them as missing a key)
CREATE TABLE arul.pk_part (a bigint NOT NULL) PARTITION BY RANGE (a);
CREATE TABLE arul.pk_part_1 PARTITION OF arul.pk_part FOR VALUES FROM (0) TO (100);
CREATE TABLE arul.pk_part_2 PARTITION OF arul.pk_part FOR VALUES FROM (100) TO (200);
CREATE MATERIALIZED VIEW arul.pk_mv AS SELECT a FROM arul.pk_none;
-- inheritance children do not get their parent's key: judged
CREATE TABLE arul.pk_base (a bigint PRIMARY KEY);
CREATE TABLE arul.pk_derived () INHERITS (arul.pk_base);                 -- finding
CREATE TEMP TABLE arul_pk_tmp (a bigint NOT NULL);
RESET schema_guard.mode;

SELECT rule, object_type, object_identity, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{missing_primary_key}');
SELECT count(*) AS temporary FROM schema_guard.audit(rules => '{missing_primary_key}')
 WHERE object_identity LIKE 'pg_temp%';
-- An exemption of the table: shown, as exempted.
SELECT schema_guard.exempt('missing_primary_key', 'arul.pk_none', 'append-only log');
SELECT object_identity, exempted
  FROM schema_guard.audit(schemas => '{arul}', rules => '{missing_primary_key}');
SELECT schema_guard.unexempt('missing_primary_key', 'arul.pk_none');

--
-- prefer_timestamptz
--
SET schema_guard.mode = off;
CREATE DOMAIN arul.wallclock AS timestamp(0);
CREATE TABLE arul.ts (id bigint PRIMARY KEY,
    at timestamp NOT NULL,               -- finding
    at3 timestamp(3) NULL,               -- finding
    local_at arul.wallclock NULL,        -- finding through its domain: words
    tz_at timestamptz NOT NULL,
    day date NOT NULL,
    at_time time NOT NULL);
-- partitioned: judged once, on the parent
CREATE TABLE arul.ts_part (at timestamp NOT NULL, PRIMARY KEY (at)) PARTITION BY RANGE (at);
CREATE TABLE arul.ts_part_1 PARTITION OF arul.ts_part
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
RESET schema_guard.mode;

SELECT rule, object_identity, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{prefer_timestamptz}');

--
-- The audit runs as the caller: a table it has no privilege on is a row
-- of audit_skipped (info) naming the rules that did not run, never judged;
-- any privilege on a table (here REFERENCES) is enough for the rules that
-- read only the catalog.
--
CREATE ROLE arul_reader;
GRANT USAGE ON SCHEMA arul TO arul_reader;
GRANT REFERENCES ON arul.ts TO arul_reader;
SET ROLE arul_reader;
SELECT rule, level, object_type, object_identity, message, detail, exempted, evidence
  FROM schema_guard.audit(schemas => '{arul}', rules => '{types}')
 WHERE object_identity IN ('arul.ch', 'arul.ts.at', 'arul.es')
 ORDER BY rule, object_identity;
RESET ROLE;

--
-- fk_unindexed
--
SET schema_guard.mode = off;
CREATE TABLE arul.fu_a (id bigint PRIMARY KEY);
CREATE TABLE arul.fu_b (id bigint PRIMARY KEY);
-- A junction table: its composite primary key (a_id, b_id) leads with
-- a_id, so it serves the foreign key on a_id (splinter#90, fixed by
-- splinter PR #96; supabase#22943); b_id is second in it: finding.
CREATE TABLE arul.fu_junction (a_id bigint NOT NULL REFERENCES arul.fu_a,
    b_id bigint NOT NULL REFERENCES arul.fu_b, PRIMARY KEY (a_id, b_id));
-- A two-column foreign key "covered" by two one-column indexes: neither
-- serves its lookup by (a, b) (SQL-Server-First-Responder-Kit#4077
-- assembled coverage from different indexes): finding.
CREATE TABLE arul.fu_pair_parent (a bigint NOT NULL, b bigint NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE arul.fu_pair (id bigint PRIMARY KEY, a bigint NOT NULL, b bigint NOT NULL,
    CONSTRAINT fu_pair_fk FOREIGN KEY (a, b) REFERENCES arul.fu_pair_parent);
CREATE INDEX fu_pair_a ON arul.fu_pair (a);
CREATE INDEX fu_pair_b ON arul.fu_pair (b);
-- ... while (b, a) serves it: any order of the leading columns does
-- (splinter and pg-index-health flag it; splinter#87).
CREATE TABLE arul.fu_pair_ba (id bigint PRIMARY KEY, a bigint NOT NULL, b bigint NOT NULL,
    CONSTRAINT fu_pair_ba_fk FOREIGN KEY (a, b) REFERENCES arul.fu_pair_parent);
CREATE INDEX ON arul.fu_pair_ba (b, a);
-- An invalid index left by a failed CREATE UNIQUE INDEX CONCURRENTLY (the
-- column holds duplicates) serves no query: it does not count (pglinter
-- and pg-index-health accept invalid indexes): finding.
CREATE TABLE arul.fu_dup (id bigint PRIMARY KEY, a_id bigint NOT NULL REFERENCES arul.fu_a);
INSERT INTO arul.fu_a VALUES (1);
INSERT INTO arul.fu_dup VALUES (1, 1), (2, 1);
RESET schema_guard.mode;
CREATE UNIQUE INDEX CONCURRENTLY fu_dup_a_id_key ON arul.fu_dup (a_id);
SET schema_guard.mode = off;
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 'arul.fu_dup'::regclass
 ORDER BY indexrelid::regclass::text;
-- A partial index WHERE fk IS NOT NULL serves the lookups (atlas#3765).
CREATE TABLE arul.fu_partial (id bigint PRIMARY KEY, a_id bigint NULL REFERENCES arul.fu_a);
CREATE INDEX ON arul.fu_partial (a_id) WHERE a_id IS NOT NULL;
-- partitioned: the foreign key is judged once, on the parent, whose
-- partitioned index counts
CREATE TABLE arul.fu_part (id bigint NOT NULL, a_id bigint NOT NULL REFERENCES arul.fu_a,
    PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE arul.fu_part_1 PARTITION OF arul.fu_part FOR VALUES FROM (0) TO (100);
CREATE TABLE arul.fu_part_ix (id bigint NOT NULL, a_id bigint NOT NULL REFERENCES arul.fu_a,
    PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE arul.fu_part_ix_1 PARTITION OF arul.fu_part_ix FOR VALUES FROM (0) TO (100);
CREATE INDEX ON arul.fu_part_ix (a_id);
RESET schema_guard.mode;

SELECT rule, object_identity, detail, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{fk_unindexed}');

--
-- constraint_not_validated on partitions
--
-- A partition's clone of its parent's foreign key is judged on the parent
-- (where VALIDATE CONSTRAINT validates every clone); a foreign key of the
-- partition's own is judged on it.  Attaching a table whose own foreign
-- key is NOT VALID to a parent with the same foreign key: before 18
-- PostgreSQL keeps it apart and clones the parent's (validated by the
-- attach); from 18 it validates it and makes it the clone.  Either way the
-- audit reports exactly the partition's own foreign keys left NOT VALID.
-- (18's NOT VALID foreign keys of partitioned tables: t_constraints_18.sh.)
SET schema_guard.mode = off;
CREATE TABLE arul.cv_parent (id bigint PRIMARY KEY);
INSERT INTO arul.cv_parent VALUES (1);
CREATE TABLE arul.cv_part (id bigint NOT NULL, parent_id bigint NOT NULL
    CONSTRAINT cv_part_fk REFERENCES arul.cv_parent, PRIMARY KEY (id, parent_id))
    PARTITION BY RANGE (id);
CREATE TABLE arul.cv_part_1 (id bigint NOT NULL, parent_id bigint NOT NULL, PRIMARY KEY (id, parent_id));
INSERT INTO arul.cv_part_1 VALUES (1, 1);
ALTER TABLE arul.cv_part_1 ADD CONSTRAINT cv_part_1_fk FOREIGN KEY (parent_id)
    REFERENCES arul.cv_parent NOT VALID;
ALTER TABLE arul.cv_part ATTACH PARTITION arul.cv_part_1 FOR VALUES FROM (0) TO (100);
CREATE TABLE arul.cv_part_2 PARTITION OF arul.cv_part FOR VALUES FROM (100) TO (200);
ALTER TABLE arul.cv_part_2 ADD CONSTRAINT cv_part_2_own FOREIGN KEY (id)
    REFERENCES arul.cv_parent NOT VALID;
RESET schema_guard.mode;
SELECT rule, object_identity, fix
  FROM schema_guard.audit(schemas => '{arul}', rules => '{constraint_not_validated}')
 WHERE object_identity NOT LIKE '% on arul.cv_part_1';
SELECT bool_and(a.object_identity IS NOT NULL = (NOT c.convalidated AND c.conparentid = 0))
           AS reported_iff_own_and_not_valid,
       count(*) FILTER (WHERE c.conparentid <> 0 AND a.object_identity IS NOT NULL) AS clones_reported
  FROM pg_constraint c
  LEFT JOIN schema_guard.audit(schemas => '{arul}', rules => '{constraint_not_validated}') a
    ON a.object_identity = format('%I on %s', c.conname, c.conrelid::regclass)
 WHERE c.conrelid IN ('arul.cv_part'::regclass, 'arul.cv_part_1'::regclass, 'arul.cv_part_2'::regclass)
   AND c.contype = 'f';

--
-- sequence_near_exhaustion
--
SET schema_guard.mode = off;
-- Never called, but starting near its limit: its first value is already
-- near the end (a sequence's last_value is NULL until it is called, which
-- tools reading pg_sequences.last_value take as nothing used).
CREATE SEQUENCE arul.sq_start AS integer START 2147483000;
-- Restarted near its limit, or set there by setval(..., false), not called
-- since: the same (pg_sequences.last_value is NULL for them too).
CREATE SEQUENCE arul.sq_restart AS integer;
ALTER SEQUENCE arul.sq_restart RESTART WITH 2147483000;
CREATE SEQUENCE arul.sq_setval AS integer;
SELECT setval('arul.sq_setval', 2147483000, false);
-- never called, starting low: nothing to say
CREATE SEQUENCE arul.sq_fresh AS integer;
RESET schema_guard.mode;
SELECT rule, object_identity, evidence
  FROM schema_guard.audit(schemas => '{arul}', rules => '{sequence_near_exhaustion}');

--
-- jsonb_drift: a contracted column whose documents all follow the contract
-- has nothing to report; one that does not follow it is a finding.
--
SET schema_guard.mode = off;
CREATE TABLE arul.jd (id bigint PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO arul.jd SELECT g, jsonb_build_object('a', g, 'b', 'x') FROM generate_series(1, 50) g;
RESET schema_guard.mode;
SELECT schema_guard.jsonb_expect('arul.jd', 'doc',
    '{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
      "required": ["a", "b"]}');
SELECT rule, object_identity FROM schema_guard.audit(schemas => '{arul}', rules => '{jsonb_drift}', with_data => true);
SET schema_guard.mode = off;
INSERT INTO arul.jd VALUES (51, '{"a": "fifty-one", "b": "x"}');
RESET schema_guard.mode;
SELECT DISTINCT rule, object_identity
  FROM schema_guard.audit(schemas => '{arul}', rules => '{jsonb_drift}', with_data => true)
 ORDER BY 1, 2;

SET schema_guard.mode = off;
SELECT schema_guard.jsonb_unexpect('arul.jd', 'doc');
SET client_min_messages = warning;
DROP SCHEMA arul CASCADE;
RESET client_min_messages;
DROP TABLE arul_es_tmp, arul_pk_tmp;
RESET schema_guard.mode;
DROP ROLE arul_reader;
