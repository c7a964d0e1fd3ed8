-- Table design: missing_primary_key and empty_string_default (family
-- "columns"), fk_type_mismatch and fk_missing (family "foreign_keys").
-- All are judged on what the transaction leaves, at commit (an autocommit
-- statement is judged as it ends), by the function the audit calls.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- Other rules' findings are not this file's subject.
SET schema_guard.implicit_nullable = off;
SET schema_guard.fk_unindexed = off;
SET schema_guard.prefer_bigint_key = off;
SET schema_guard.table_rewrite = off;
SET schema_guard.constraint_index_in_place = off;
SET schema_guard.constraint_validates_in_place = off;
SET schema_guard.set_not_null_scan = off;

SELECT rule, family, moments, level FROM schema_guard.rules()
 WHERE rule IN ('missing_primary_key', 'empty_string_default', 'fk_type_mismatch', 'fk_missing')
 ORDER BY rule;

---------------------------------------------------------------- missing_primary_key
-- Fires: a table without a key (HINT: an identity key column, the table
-- being new; "id" is taken, so id_1), CREATE TABLE AS, SELECT INTO.
CREATE TABLE de_log (id text NOT NULL, msg text NOT NULL);
CREATE TABLE de_copy AS SELECT 1 AS n;
SELECT 1 AS n INTO de_into;
-- One unique index on NOT NULL columns: made the key.
BEGIN;
CREATE TABLE de_natural (code text NOT NULL, name text);
CREATE UNIQUE INDEX de_natural_code ON de_natural (code);
COMMIT;
-- Several candidates, or one a constraint owns: words.
CREATE TABLE de_two (a int NOT NULL UNIQUE, b int NOT NULL UNIQUE);
CREATE TABLE de_owned (a int NOT NULL, CONSTRAINT de_owned_a UNIQUE (a));
-- Dropping the key of an existing table without a new one (words: the
-- table is not new).
CREATE TABLE de_keyed (id bigint PRIMARY KEY, v int);
ALTER TABLE de_keyed DROP CONSTRAINT de_keyed_pkey;
-- Partitioned table: judged once, as the parent (words: the key must hold
-- the partition key); its partitions are not judged.
BEGIN;
CREATE TABLE de_parted (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE de_parted_1 PARTITION OF de_parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
COMMIT;
-- Schema-qualified and quoted names; in a DO block; in a function.
CREATE SCHEMA "De Schema";
CREATE TABLE "De Schema"."Key Less" ("Col" int NOT NULL);
DO $$ BEGIN CREATE TABLE de_in_do (n int); END $$;
CREATE FUNCTION de_make() RETURNS void LANGUAGE plpgsql AS
$$ BEGIN CREATE TABLE de_in_fn (n int); END $$;
SELECT de_make();
-- Inheritance children have no key of their parent's: judged.
CREATE TABLE de_inh_parent (id bigint PRIMARY KEY);
CREATE TABLE de_inh_child () INHERITS (de_inh_parent);

-- Does not fire: a key, even added later in the transaction or deferrable;
-- a key dropped and replaced; an existing table without a key that a
-- statement alters without dropping one; temp tables, materialized views,
-- foreign tables; a partition of a keyed table.
CREATE TABLE de_pk (id bigint PRIMARY KEY);
BEGIN;
CREATE TABLE de_later (id bigint NOT NULL);
ALTER TABLE de_later ADD PRIMARY KEY (id);
COMMIT;
CREATE TABLE de_deferred (id bigint PRIMARY KEY DEFERRABLE INITIALLY DEFERRED);
BEGIN;
ALTER TABLE de_pk DROP CONSTRAINT de_pk_pkey;
ALTER TABLE de_pk ADD PRIMARY KEY (id);
COMMIT;
SET schema_guard.missing_primary_key = off;
CREATE TABLE de_legacy (n int);
RESET schema_guard.missing_primary_key;
ALTER TABLE de_legacy ADD COLUMN m int, ADD CONSTRAINT de_legacy_n_check CHECK (n > 0);
ALTER TABLE de_legacy DROP CONSTRAINT de_legacy_n_check;
CREATE TEMP TABLE de_temp (n int);
CREATE MATERIALIZED VIEW de_mv AS SELECT 1 AS n;
CREATE FOREIGN DATA WRAPPER de_fdw;
CREATE SERVER de_server FOREIGN DATA WRAPPER de_fdw;
CREATE FOREIGN TABLE de_foreign (n int) SERVER de_server;
CREATE TABLE de_keyed_parted (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE de_keyed_parted_1 PARTITION OF de_keyed_parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
-- A table dropped before the commit leaves nothing to judge.
BEGIN;
CREATE TABLE de_gone (n int);
DROP TABLE de_gone;
COMMIT;
-- A savepoint rolled back forgets the table it made.
BEGIN;
SAVEPOINT s;
CREATE TABLE de_rolled (n int);
ROLLBACK TO SAVEPOINT s;
COMMIT;

---------------------------------------------------------------- empty_string_default
SET schema_guard.missing_primary_key = off;
-- Fires: text, varchar(n), char(n) (padded ''), a domain over text, and
-- '' cast explicitly; the HINT makes missing values NULL.
CREATE TABLE de_strings (
    id bigint PRIMARY KEY,
    a text NOT NULL DEFAULT '',
    b varchar(20) NOT NULL DEFAULT '',
    c char(3) NOT NULL DEFAULT '',
    e text NOT NULL DEFAULT ''::text COLLATE "C");
CREATE DOMAIN de_label AS text;
ALTER TABLE de_strings ADD COLUMN d de_label NOT NULL DEFAULT ''::de_label;
-- A default or NOT NULL given to an existing column later.
CREATE TABLE de_late (id bigint PRIMARY KEY, a text NOT NULL, b text DEFAULT '');
ALTER TABLE de_late ALTER COLUMN a SET DEFAULT '';
ALTER TABLE de_late ALTER COLUMN b SET NOT NULL;
-- A key column keeps NOT NULL: the HINT drops only the default.
CREATE TABLE de_key_default (code text PRIMARY KEY DEFAULT '');
-- Does not fire: nullable with '', NOT NULL with another default or none,
-- a non-string column, the default dropped in the same transaction.
CREATE TABLE de_strings_ok (
    id bigint PRIMARY KEY,
    a text NULL DEFAULT '',
    b text NOT NULL DEFAULT 'none',
    c text NOT NULL,
    d int NOT NULL DEFAULT 0,
    e text NOT NULL DEFAULT ' ');
BEGIN;
CREATE TABLE de_strings_fixed (id bigint PRIMARY KEY, a text NOT NULL DEFAULT '');
ALTER TABLE de_strings_fixed ALTER COLUMN a DROP DEFAULT;
COMMIT;
-- Edge: a NOT NULL domain with '' (the HINT drops the default only); a
-- temp table.
CREATE DOMAIN de_required AS text NOT NULL;
CREATE TABLE de_dom_nn (id bigint PRIMARY KEY, a de_required DEFAULT '');
CREATE TEMP TABLE de_temp_str (a text NOT NULL DEFAULT '');

---------------------------------------------------------------- fk_type_mismatch
-- Fires: integer referencing bigint, varchar(10) referencing varchar(20),
-- text referencing text under another collation; multi-column.
CREATE TABLE de_customer (id bigint PRIMARY KEY, code varchar(20) UNIQUE NOT NULL,
    tag text COLLATE "C" UNIQUE NOT NULL);
CREATE TABLE de_order (id bigint PRIMARY KEY,
    customer int NOT NULL REFERENCES de_customer (id),
    code varchar(10) NOT NULL REFERENCES de_customer (code),
    tag text COLLATE "POSIX" NOT NULL REFERENCES de_customer (tag));
CREATE TABLE de_pair (a bigint, b int, PRIMARY KEY (a, b));
CREATE TABLE de_pair_ref (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL,
    FOREIGN KEY (a, b) REFERENCES de_pair);
-- On an existing table: words (retyping rewrites it).
CREATE TABLE de_existing (id bigint PRIMARY KEY, customer int NOT NULL);
ALTER TABLE de_existing ADD CONSTRAINT de_existing_customer_fkey
    FOREIGN KEY (customer) REFERENCES de_customer NOT VALID;
-- Does not fire: the same types; a domain over the referenced type; an
-- existing mismatched foreign key that a statement leaves alone.
CREATE DOMAIN de_customer_ref AS bigint;
CREATE TABLE de_order_ok (id bigint PRIMARY KEY,
    customer bigint NOT NULL REFERENCES de_customer (id),
    other de_customer_ref REFERENCES de_customer (id),
    tag text COLLATE "C" REFERENCES de_customer (tag));
ALTER TABLE de_existing ADD COLUMN note text;
-- Edge: the referencing column retyped in the same transaction; a
-- partitioned referencing table (its partitions' clones are not judged).
BEGIN;
CREATE TABLE de_fixed (id bigint PRIMARY KEY, customer int REFERENCES de_customer);
ALTER TABLE de_fixed ALTER COLUMN customer TYPE bigint;
COMMIT;
CREATE TABLE de_parted_ref (customer int NOT NULL REFERENCES de_customer, at date NOT NULL)
    PARTITION BY RANGE (at);
CREATE TABLE de_parted_ref_1 PARTITION OF de_parted_ref FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

---------------------------------------------------------------- fk_missing
-- Fires: <name>_id and <name>id naming a table <name> or <name>s of the
-- same schema, whose one-column primary key has the same type.
CREATE TABLE de_product (id bigint PRIMARY KEY);
CREATE TABLE de_line (id bigint PRIMARY KEY, de_product_id bigint NOT NULL, de_customerid bigint);
CREATE TABLE de_invoices (id bigint PRIMARY KEY);
ALTER TABLE de_line ADD COLUMN de_invoice_id bigint;
-- An existing table gets such a column: the foreign key is added NOT VALID.
CREATE TABLE de_line_old (id bigint PRIMARY KEY);
ALTER TABLE de_line_old ADD COLUMN de_product_id bigint;
-- Partitioned referencing table, new: a plain foreign key.
CREATE TABLE de_line_parted (de_product_id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
-- Quoted names.
CREATE TABLE "De Schema"."Shelf" ("Id" bigint PRIMARY KEY);
CREATE TABLE "De Schema"."Item" (id bigint PRIMARY KEY, "Shelf_id" bigint);
-- Does not fire: a foreign key covers the column (also as part of a
-- multi-column one); another type; no such table; a table in another
-- schema; a table whose key has two columns; the table's own key.
CREATE TABLE de_line_ok (id bigint PRIMARY KEY,
    de_product_id bigint REFERENCES de_product,
    de_customer_id int,
    stripe_customer_id bigint,
    de_pair_id bigint,
    shelf_id bigint);
CREATE TABLE de_product_detail (de_product_id bigint PRIMARY KEY REFERENCES de_product);
CREATE TABLE de_products (de_products_id bigint PRIMARY KEY);
-- Edge: the pattern knob; the foreign key added later in the transaction.
SET schema_guard.fk_missing_pattern = '^fk_(.+)$';
CREATE TABLE de_knob (id bigint PRIMARY KEY, fk_de_product bigint, de_product_id bigint);
RESET schema_guard.fk_missing_pattern;
SET schema_guard.fk_missing_pattern = 'no group';
SET schema_guard.fk_missing_pattern = '(';
BEGIN;
CREATE TABLE de_later_fk (id bigint PRIMARY KEY, de_product_id bigint);
ALTER TABLE de_later_fk ADD FOREIGN KEY (de_product_id) REFERENCES de_product;
COMMIT;
