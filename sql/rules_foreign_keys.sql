-- Rule family "foreign_keys": fk_unindexed, checked at commit.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.constraint_validates_in_place = off;  -- validating foreign keys in place is not this file's subject
SET schema_guard.missing_primary_key = off;  -- key and type choices are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- key and type choices are not this file's subject
SET schema_guard.fk_type_mismatch = off;  -- the integer keys are not this file's subject

CREATE TABLE fk_customer (id int PRIMARY KEY, region text NOT NULL, UNIQUE (id, region));

-- Fires: in autocommit, the statement is its transaction; the error names
-- the foreign key, the referenced table, and gives the index to create.
CREATE TABLE fk_order (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
-- Fires at COMMIT of a transaction block, which then rolls back.
BEGIN;
CREATE TABLE fk_order (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
COMMIT;
SELECT to_regclass('fk_order') IS NULL AS rolled_back;

-- Does not fire: the index comes later in the same transaction.
BEGIN;
CREATE TABLE fk_order (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
CREATE INDEX fk_order_customer_id_idx ON fk_order (customer_id);
COMMIT;

-- ALTER TABLE ADD FOREIGN KEY on an existing table: the HINT builds the
-- index concurrently.  NOT VALID foreign keys need an index all the same.
ALTER TABLE fk_order ADD COLUMN sold_by int NULL;
ALTER TABLE fk_order ADD CONSTRAINT fk_order_sold_by_fkey FOREIGN KEY (sold_by) REFERENCES fk_customer NOT VALID;

-- Multi-column foreign keys: the index's leading columns must be the FK's
-- columns, in any order.
CREATE TABLE fk_visit (
    id int PRIMARY KEY,
    customer_id int NOT NULL,
    region text NOT NULL,
    FOREIGN KEY (customer_id, region) REFERENCES fk_customer (id, region)
);
BEGIN;
CREATE TABLE fk_visit (
    id int PRIMARY KEY,
    customer_id int NOT NULL,
    region text NOT NULL,
    FOREIGN KEY (customer_id, region) REFERENCES fk_customer (id, region)
);
-- Only one of the columns leads: not enough.
CREATE INDEX fk_visit_customer_idx ON fk_visit (customer_id, id);
COMMIT;
BEGIN;
CREATE TABLE fk_visit (
    id int PRIMARY KEY,
    customer_id int NOT NULL,
    region text NOT NULL,
    FOREIGN KEY (customer_id, region) REFERENCES fk_customer (id, region)
);
-- The two columns lead, in the other order, followed by more: covered.
CREATE INDEX fk_visit_region_customer_idx ON fk_visit (region, customer_id, id);
COMMIT;

-- The index's first key columns must be exactly the foreign key's: (a, a)
-- does not cover (a, b), though both of its first two columns are in it...
BEGIN;
CREATE TABLE fk_stop (
    id int PRIMARY KEY,
    customer_id int NOT NULL,
    region text NOT NULL,
    FOREIGN KEY (customer_id, region) REFERENCES fk_customer (id, region)
);
CREATE INDEX fk_stop_twice_idx ON fk_stop (customer_id, customer_id, region);
COMMIT;
-- ...while (a, b, a) does.
BEGIN;
CREATE TABLE fk_stop (
    id int PRIMARY KEY,
    customer_id int NOT NULL,
    region text NOT NULL,
    FOREIGN KEY (customer_id, region) REFERENCES fk_customer (id, region)
);
CREATE INDEX fk_stop_twice_idx ON fk_stop (customer_id, region, customer_id);
COMMIT;
DROP TABLE fk_stop;

-- Collations: the lookup compares the referencing column under its own
-- collation, so an index sorted by another one cannot serve it...
CREATE TABLE fk_tag (name text COLLATE "C" PRIMARY KEY);
BEGIN;
CREATE TABLE fk_tagged (id int PRIMARY KEY, tag text COLLATE "C" NOT NULL REFERENCES fk_tag);
CREATE INDEX fk_tagged_tag_idx ON fk_tagged (tag COLLATE "POSIX");
COMMIT;
-- ...one sorted by the column's collation can, whatever the referenced
-- column's deterministic collation...
BEGIN;
CREATE TABLE fk_tagged (id int PRIMARY KEY, tag text COLLATE "POSIX" NOT NULL REFERENCES fk_tag);
CREATE INDEX fk_tagged_tag_idx ON fk_tagged (tag);
COMMIT;
DROP TABLE fk_tagged;
-- ...and an operator class whose family has the equality operator counts
-- (text_pattern_ops has the same "=").
BEGIN;
CREATE TABLE fk_tagged (id int PRIMARY KEY, tag text COLLATE "C" NOT NULL REFERENCES fk_tag);
CREATE INDEX fk_tagged_tag_idx ON fk_tagged (tag text_pattern_ops);
COMMIT;
DROP TABLE fk_tagged;

-- A referenced key whose unique index has an operator class of its own:
-- the lookup compares with that class's "=", which the default class of
-- the referencing column's type lacks, so the HINT names the class.
CREATE FUNCTION fk_ci_cmp(text, text) RETURNS int LANGUAGE sql IMMUTABLE STRICT
    AS 'SELECT bttextcmp(lower($1), lower($2))';
CREATE FUNCTION fk_ci_lt(text, text) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT fk_ci_cmp($1, $2) < 0';
CREATE FUNCTION fk_ci_le(text, text) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT fk_ci_cmp($1, $2) <= 0';
CREATE FUNCTION fk_ci_eq(text, text) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT fk_ci_cmp($1, $2) = 0';
CREATE FUNCTION fk_ci_ge(text, text) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT fk_ci_cmp($1, $2) >= 0';
CREATE FUNCTION fk_ci_gt(text, text) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT fk_ci_cmp($1, $2) > 0';
CREATE OPERATOR #<# (LEFTARG = text, RIGHTARG = text, FUNCTION = fk_ci_lt);
CREATE OPERATOR #<=# (LEFTARG = text, RIGHTARG = text, FUNCTION = fk_ci_le);
CREATE OPERATOR #=# (LEFTARG = text, RIGHTARG = text, FUNCTION = fk_ci_eq, COMMUTATOR = #=#);
CREATE OPERATOR #>=# (LEFTARG = text, RIGHTARG = text, FUNCTION = fk_ci_ge);
CREATE OPERATOR #># (LEFTARG = text, RIGHTARG = text, FUNCTION = fk_ci_gt);
CREATE OPERATOR CLASS fk_ci_ops FOR TYPE text USING btree AS
    OPERATOR 1 #<#, OPERATOR 2 #<=#, OPERATOR 3 #=#, OPERATOR 4 #>=#, OPERATOR 5 #>#,
    FUNCTION 1 fk_ci_cmp(text, text);
BEGIN;
CREATE TABLE fk_ci_tag (name text NOT NULL);
CREATE UNIQUE INDEX fk_ci_tag_name_key ON fk_ci_tag (name fk_ci_ops);
COMMIT;
BEGIN;
CREATE TABLE fk_ci_use (id int PRIMARY KEY, tag text NOT NULL REFERENCES fk_ci_tag (name));
CREATE INDEX fk_ci_use_tag_idx ON fk_ci_use (tag);
COMMIT;
BEGIN;
CREATE TABLE fk_ci_use (id int PRIMARY KEY, tag text NOT NULL REFERENCES fk_ci_tag (name));
CREATE INDEX fk_ci_use_tag_idx ON fk_ci_use (tag public.fk_ci_ops);
COMMIT;
DROP TABLE fk_ci_use, fk_ci_tag;
DROP OPERATOR FAMILY fk_ci_ops USING btree;
DROP OPERATOR #<# (text, text), #<=# (text, text), #=# (text, text), #>=# (text, text), #># (text, text);
DROP FUNCTION fk_ci_cmp(text, text), fk_ci_lt(text, text), fk_ci_le(text, text), fk_ci_eq(text, text),
    fk_ci_ge(text, text), fk_ci_gt(text, text);

-- The HINT's index name is free in the schema: a relation of that name
-- (here a sequence) makes it pick the next one, as CREATE INDEX would.
CREATE SEQUENCE fk_shipment_customer_id_idx;
BEGIN;
CREATE TABLE fk_shipment (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
COMMIT;
DROP SEQUENCE fk_shipment_customer_id_idx;

-- Which indexes count.
BEGIN;
CREATE TABLE fk_line (id int PRIMARY KEY, order_id int NULL REFERENCES fk_order);
-- A hash index does not (only btree supports the scans the FK needs)...
CREATE INDEX ON fk_line USING hash (order_id);
-- ...nor an expression index...
CREATE INDEX ON fk_line ((order_id + 0));
-- ...nor a partial index with any other predicate.
CREATE INDEX ON fk_line (order_id) WHERE id > 100;
COMMIT;
BEGIN;
CREATE TABLE fk_line (id int PRIMARY KEY, order_id int NULL REFERENCES fk_order);
-- A partial index on "order_id IS NOT NULL" does: NULL keys reference nothing.
CREATE INDEX fk_line_order_id_idx ON fk_line (order_id) WHERE order_id IS NOT NULL;
COMMIT;
-- A unique constraint's index counts.
BEGIN;
CREATE TABLE fk_profile (customer_id int NOT NULL UNIQUE REFERENCES fk_customer, bio text NULL);
COMMIT;

-- Self-references.
CREATE TABLE fk_employee (id int PRIMARY KEY, manager_id int NULL REFERENCES fk_employee);
BEGIN;
CREATE TABLE fk_employee (id int PRIMARY KEY, manager_id int NULL REFERENCES fk_employee);
CREATE INDEX ON fk_employee (manager_id);
COMMIT;

-- Savepoints: a rolled-back savepoint forgets its foreign keys...
BEGIN;
SAVEPOINT s1;
CREATE TABLE fk_gone (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
ROLLBACK TO SAVEPOINT s1;
COMMIT;
-- ...a released one hands them to its parent...
BEGIN;
SAVEPOINT s1;
CREATE TABLE fk_kept (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
RELEASE SAVEPOINT s1;
COMMIT;
-- ...and an outer rollback still drops what a released inner one handed up.
BEGIN;
SAVEPOINT outer_sp;
SAVEPOINT inner_sp;
CREATE TABLE fk_kept (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
RELEASE SAVEPOINT inner_sp;
ROLLBACK TO SAVEPOINT outer_sp;
COMMIT;
-- A table dropped later in the transaction has nothing to check.
BEGIN;
CREATE TABLE fk_temporary_idea (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
DROP TABLE fk_temporary_idea;
COMMIT;
-- A foreign key dropped later in the transaction neither.
BEGIN;
CREATE TABLE fk_undecided (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
ALTER TABLE fk_undecided DROP CONSTRAINT fk_undecided_customer_id_fkey;
COMMIT;

-- A foreign key renamed before the commit is checked under its new name...
BEGIN;
CREATE TABLE fk_renamed (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
ALTER TABLE fk_renamed RENAME CONSTRAINT fk_renamed_customer_id_fkey TO fk_renamed_customer;
COMMIT;
-- ...and under its old one after a rollback to before the rename.
BEGIN;
CREATE TABLE fk_renamed (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
SAVEPOINT s1;
ALTER TABLE fk_renamed RENAME CONSTRAINT fk_renamed_customer_id_fkey TO fk_renamed_customer;
ROLLBACK TO SAVEPOINT s1;
COMMIT;

-- PREPARE TRANSACTION is checked like COMMIT.
BEGIN;
CREATE TABLE fk_prepared (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
PREPARE TRANSACTION 'fk_prepared';
SELECT count(*) > 0 AS prepared FROM pg_prepared_xacts WHERE gid = 'fk_prepared' \gset
\if :prepared
ROLLBACK PREPARED 'fk_prepared';
\endif

-- A DROP INDEX that leaves a foreign key uncovered fires at commit...
SET schema_guard.drop_index_not_concurrent = off;
BEGIN;
DROP INDEX fk_order_customer_id_idx;
COMMIT;
-- ...unless a replacement arrives before the commit.
SET schema_guard.index_not_concurrent = off;
BEGIN;
DROP INDEX fk_order_customer_id_idx;
CREATE INDEX fk_order_customer_id_idx2 ON fk_order (customer_id, id);
COMMIT;
RESET schema_guard.index_not_concurrent;
-- DROP INDEX CONCURRENTLY cannot be repaired later, so it is judged before
-- it starts.
DROP INDEX CONCURRENTLY fk_order_customer_id_idx2;
RESET schema_guard.drop_index_not_concurrent;
-- Dropping a unique constraint (and its index) that covered a foreign key.
BEGIN;
ALTER TABLE fk_profile DROP CONSTRAINT fk_profile_customer_id_key;
COMMIT;
-- Dropping an indexed column drops its index, and the FK on it: fine.
BEGIN;
ALTER TABLE fk_profile DROP COLUMN customer_id;
COMMIT;
-- A foreign key that was never covered is not blamed on an unrelated
-- statement of a later transaction.
SET schema_guard.mode = off;
CREATE TABLE fk_legacy (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
RESET schema_guard.mode;
BEGIN;
ALTER TABLE fk_legacy ADD COLUMN note text NULL;
ALTER TABLE fk_legacy DROP COLUMN note;
COMMIT;

-- Partitioned tables: the index on the parent counts.
CREATE TABLE fk_event (id int NOT NULL, customer_id int NOT NULL REFERENCES fk_customer, at date NOT NULL)
    PARTITION BY RANGE (at);
BEGIN;
CREATE TABLE fk_event (id int NOT NULL, customer_id int NOT NULL REFERENCES fk_customer, at date NOT NULL)
    PARTITION BY RANGE (at);
CREATE TABLE fk_event_2026 PARTITION OF fk_event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX ON fk_event (customer_id);
COMMIT;
-- A partition attached later brings its own copy of the index: fine.
CREATE TABLE fk_event_2027 PARTITION OF fk_event FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
-- An existing partitioned table: the HINT is the ON ONLY recipe, with the
-- partitions by name.
ALTER TABLE fk_event ADD COLUMN sold_by int NULL;
ALTER TABLE fk_event ADD CONSTRAINT fk_event_sold_by_fkey FOREIGN KEY (sold_by) REFERENCES fk_customer;
-- An index ON ONLY the parent is invalid until every partition has one.
BEGIN;
ALTER TABLE fk_event ADD CONSTRAINT fk_event_sold_by_fkey FOREIGN KEY (sold_by) REFERENCES fk_customer;
CREATE INDEX fk_event_sold_by_idx ON ONLY fk_event (sold_by);
COMMIT;

-- Dropping the parent's index uncovers the partitioned table's foreign key
-- (drop_index_not_concurrent has nothing to say: a partitioned index has
-- no concurrent drop).
BEGIN;
DROP INDEX fk_event_customer_id_idx;
COMMIT;

-- Foreign keys on temporary tables are not guarded.
CREATE TEMP TABLE fk_scratch_parent (id int PRIMARY KEY);
CREATE TEMP TABLE fk_scratch (id int PRIMARY KEY, parent_id int REFERENCES fk_scratch_parent);

-- The rule's level: warning lets the commit through, off is silent.
SET schema_guard.fk_unindexed = warning;
CREATE TABLE fk_warned (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
SET schema_guard.fk_unindexed = off;
CREATE TABLE fk_silent (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES fk_customer);
RESET schema_guard.fk_unindexed;
-- An exemption on the foreign key, by the name the finding gives it.
SELECT schema_guard.exempt('fk_unindexed', 'fk_silent_customer_id_fkey on public.fk_silent', 'ten rows, never deleted');
ALTER TABLE fk_silent DROP CONSTRAINT fk_silent_customer_id_fkey;
-- (dropping the foreign key dropped its exemption)
SELECT count(*) FROM schema_guard.exemptions;
-- A foreign key still to be added is covered by an exemption on its table.
SELECT schema_guard.exempt('fk_unindexed', 'public.fk_silent', 'ten rows, never deleted');
ALTER TABLE fk_silent ADD CONSTRAINT fk_silent_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES fk_customer;
SELECT schema_guard.unexempt('fk_unindexed', 'public.fk_silent');

DROP TABLE fk_event, fk_line, fk_visit, fk_employee, fk_undecided, fk_profile,
    fk_legacy, fk_warned, fk_silent, fk_tag, fk_order, fk_customer CASCADE;
