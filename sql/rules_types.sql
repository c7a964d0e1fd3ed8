-- Rule family "types": prefer_bigint_key, prefer_timestamptz,
-- prefer_identity, char_column.  The columns a statement writes or
-- retypes are remembered (ddl_end); what the transaction leaves is judged
-- at commit, so an autocommit statement is judged as it ends.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- Other rules' findings are not this file's subject.
SET schema_guard.implicit_nullable = off;
SET schema_guard.missing_primary_key = off;
SET schema_guard.fk_unindexed = off;
SET schema_guard.table_rewrite = off;
SET schema_guard.constraint_index_in_place = off;

SELECT rule, family, moments, level FROM schema_guard.rules()
 WHERE family = 'types' ORDER BY rule;

-- prefer_bigint_key fires: an integer primary key, a smallint identity, a
-- serial; each HINT retypes the column of this new table (and a serial's
-- sequence, which keeps its own type).
CREATE TABLE ty_int_pk (id int PRIMARY KEY);
CREATE TABLE ty_small_identity (id smallint GENERATED ALWAYS AS IDENTITY, note text);
BEGIN;
SET LOCAL schema_guard.prefer_identity = off;
CREATE TABLE ty_serial (id serial, note text);
COMMIT;
-- A key made in a later statement of the transaction counts: the commit
-- judges what the transaction leaves.
BEGIN;
CREATE TABLE ty_later_pk (k int NOT NULL);
ALTER TABLE ty_later_pk ADD PRIMARY KEY (k);
COMMIT;
-- A foreign key column referencing an integer key: both must change, in words.
CREATE TABLE ty_parent (id bigint PRIMARY KEY, small int UNIQUE);
CREATE TABLE ty_child (parent_small int REFERENCES ty_parent (small));

-- Does not fire: bigint keys, integer columns that are not keys, a
-- foreign key column whose key is bigint (fk_type_mismatch's), and a
-- column retyped to bigint before the commit.
SET schema_guard.fk_type_mismatch = off;
CREATE TABLE ty_fine (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, qty int NOT NULL,
    parent_id int REFERENCES ty_parent);
RESET schema_guard.fk_type_mismatch;
BEGIN;
CREATE TABLE ty_fixed (id int PRIMARY KEY);
ALTER TABLE ty_fixed ALTER COLUMN id TYPE bigint;
COMMIT;
-- An existing integer column made a key later is not a new choice of type.
CREATE TABLE ty_old (n int NOT NULL);
ALTER TABLE ty_old ADD PRIMARY KEY (n);

-- Edge: a column added to an existing table: the HINT is words (retyping
-- would rewrite the table).  Schema-qualified and quoted names.
CREATE SCHEMA "Ty Schema";
CREATE TABLE "Ty Schema"."Old Table" (k bigint PRIMARY KEY);
ALTER TABLE "Ty Schema"."Old Table" ADD COLUMN "Seq No" serial;
-- Edge: a domain over integer as a key: words.
CREATE DOMAIN ty_small_id AS integer;
CREATE TABLE ty_domain_key (id ty_small_id PRIMARY KEY);
-- Edge: partitioned table judged once (its partitions are not); a temp
-- table, a materialized view, an inheritance child's own key.
CREATE TABLE ty_parted (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE ty_parted_2026 PARTITION OF ty_parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TEMP TABLE ty_temp (id int PRIMARY KEY);
CREATE MATERIALIZED VIEW ty_mv AS SELECT 1::int AS id;
CREATE TABLE ty_inh_child (cid int PRIMARY KEY) INHERITS (ty_fine);
-- Edge: a column used by a view cannot be retyped: words.
BEGIN;
CREATE TABLE ty_viewed (id int PRIMARY KEY);
CREATE VIEW ty_viewed_v AS SELECT id FROM ty_viewed;
COMMIT;
-- Edge: in a DO block and in a function.
DO $$ BEGIN CREATE TABLE ty_in_do (id int PRIMARY KEY); END $$;
CREATE FUNCTION ty_make() RETURNS void LANGUAGE plpgsql AS
$$ BEGIN CREATE TABLE ty_in_fn (id smallint PRIMARY KEY); END $$;
SELECT ty_make();

-- prefer_timestamptz fires on a new column, in CREATE TABLE and ADD COLUMN
-- (words for an existing table), and on a column retyped to timestamp.
SET schema_guard.prefer_bigint_key = off;
CREATE TABLE ty_times (id bigint PRIMARY KEY, at timestamp NOT NULL, at_tz timestamptz NOT NULL);
ALTER TABLE ty_times ADD COLUMN seen timestamp(3) without time zone;
BEGIN;
CREATE TABLE ty_retyped (id bigint PRIMARY KEY, at timestamptz);
ALTER TABLE ty_retyped ALTER COLUMN at TYPE timestamp;
COMMIT;
-- Does not fire: timestamptz, date, an existing timestamp column left alone
-- by a statement that adds another column, a column retyped to timestamptz
-- in the same transaction.
CREATE TABLE ty_times_ok (id bigint PRIMARY KEY, at timestamptz NOT NULL, d date);
SET schema_guard.prefer_timestamptz = off;
CREATE TABLE ty_times_old (id bigint PRIMARY KEY, at timestamp);
RESET schema_guard.prefer_timestamptz;
ALTER TABLE ty_times_old ADD COLUMN n bigint;
BEGIN;
CREATE TABLE ty_times_fixed (id bigint PRIMARY KEY, at timestamp);
ALTER TABLE ty_times_fixed ALTER COLUMN at TYPE timestamptz;
COMMIT;
-- Edge: a domain over timestamp (words); a foreign table is the remote
-- side's choice.
CREATE DOMAIN ty_stamp AS timestamp;
CREATE TABLE ty_dom_time (id bigint PRIMARY KEY, at ty_stamp);
CREATE FOREIGN DATA WRAPPER ty_fdw;
CREATE SERVER ty_server FOREIGN DATA WRAPPER ty_fdw;
CREATE FOREIGN TABLE ty_foreign (at timestamp, c char(2)) SERVER ty_server;

-- prefer_identity fires: bigserial, smallserial; a column that owns its
-- sequence like serial does, whose rows took values (the identity
-- continues after them).
CREATE TABLE ty_serials (id bigserial PRIMARY KEY, n smallserial);
BEGIN;
CREATE SEQUENCE ty_ownseq_seq;
CREATE TABLE ty_ownseq (id bigint NOT NULL PRIMARY KEY DEFAULT nextval('ty_ownseq_seq'));
ALTER SEQUENCE ty_ownseq_seq OWNED BY ty_ownseq.id;
INSERT INTO ty_ownseq DEFAULT VALUES;
INSERT INTO ty_ownseq DEFAULT VALUES;
COMMIT;
-- Does not fire: identity columns, a default of a sequence the column
-- does not own.
CREATE SEQUENCE ty_shared_seq;
CREATE TABLE ty_identity (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    n bigint NOT NULL DEFAULT nextval('ty_shared_seq'));
-- Edge: a serial on an inheritance parent (words).
CREATE TABLE ty_serial_parent (id bigserial PRIMARY KEY);
CREATE TABLE ty_serial_kid () INHERITS (ty_serial_parent);
ALTER TABLE ty_serial_parent ADD COLUMN n bigserial;

-- char_column fires on char(n), character, bpchar; a HINT keeps the
-- length as varchar(n).
CREATE TABLE ty_chars (id bigint PRIMARY KEY, code char(3) NOT NULL, flag character NOT NULL, b bpchar);
-- Does not fire: varchar, text, "char".
CREATE TABLE ty_chars_ok (id bigint PRIMARY KEY, a varchar(3), b text, c "char");
-- Edge: an existing table gets a char column: words.
ALTER TABLE ty_chars_ok ADD COLUMN d char(2);

-- Off: nothing is remembered, nothing is judged.
SET schema_guard.char_column = off;
CREATE TABLE ty_chars_off (id bigint PRIMARY KEY, code char(3));
RESET schema_guard.char_column;
RESET schema_guard.prefer_bigint_key;
