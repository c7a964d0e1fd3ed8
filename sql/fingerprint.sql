-- Fingerprints: schema_fingerprint(), schema_diff(), data_fingerprint().
-- Every fingerprint names its schemas: the regression database holds the
-- schemas of the other files too.  fingerprint_1.out: 17 and later, whose
-- owners hold the MAINTAIN privilege too (arwdDxtm).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;

CREATE TEMP TABLE fps (name text PRIMARY KEY, fp jsonb);

-- ==== The same schema built twice, in another order ====
-- First build.
CREATE SCHEMA fpt;
CREATE TYPE fpt.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN fpt.pos AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE TYPE fpt.pair AS (a integer, b text);
CREATE TABLE fpt.customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    email varchar(200) COLLATE "C" UNIQUE,
    mood fpt.mood DEFAULT 'ok',
    total numeric(10,2) GENERATED ALWAYS AS (1.5) STORED);
CREATE TABLE fpt.orders (
    id serial PRIMARY KEY,
    customer_id bigint REFERENCES fpt.customer,
    qty fpt.pos,
    note text CHECK (note <> ''));
CREATE INDEX orders_customer ON fpt.orders (customer_id) WHERE note IS NOT NULL;
COMMENT ON TABLE fpt.orders IS 'orders';
COMMENT ON COLUMN fpt.orders.note IS 'free text';
CREATE VIEW fpt.big_customers AS SELECT id, name FROM fpt.customer WHERE id > 10;
CREATE FUNCTION fpt.plus1(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a + 1';
CREATE FUNCTION fpt.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER orders_touch BEFORE INSERT ON fpt.orders FOR EACH ROW EXECUTE FUNCTION fpt.touch();
ALTER TABLE fpt.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY positive ON fpt.orders USING (qty > 0);
CREATE SEQUENCE fpt.counter;
SELECT nextval('fpt.counter');
GRANT SELECT ON fpt.customer TO PUBLIC;
GRANT SELECT (note) ON fpt.orders TO PUBLIC;
INSERT INTO fps SELECT 'first', schema_guard.schema_fingerprint('{fpt}');
DROP SCHEMA fpt CASCADE;

-- Second build: another order, a dropped column, a grant taken back, an
-- enum label added in the middle, other OIDs.
CREATE SCHEMA fpt;
CREATE FUNCTION fpt.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE SEQUENCE fpt.counter;
CREATE TYPE fpt.mood AS ENUM ('sad', 'happy');
ALTER TYPE fpt.mood ADD VALUE 'ok' BEFORE 'happy';
CREATE TYPE fpt.pair AS (a integer, b text);
CREATE DOMAIN fpt.pos AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE TABLE fpt.customer (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gone integer,
    name text NOT NULL,
    email varchar(200) COLLATE "C" UNIQUE,
    mood fpt.mood DEFAULT 'ok',
    total numeric(10,2) GENERATED ALWAYS AS (1.5) STORED);
ALTER TABLE fpt.customer DROP COLUMN gone;
CREATE TABLE fpt.orders (
    id serial PRIMARY KEY,
    customer_id bigint REFERENCES fpt.customer,
    qty fpt.pos,
    note text CHECK (note <> ''));
CREATE POLICY positive ON fpt.orders USING (qty > 0);
ALTER TABLE fpt.orders ENABLE ROW LEVEL SECURITY;
CREATE TRIGGER orders_touch BEFORE INSERT ON fpt.orders FOR EACH ROW EXECUTE FUNCTION fpt.touch();
COMMENT ON COLUMN fpt.orders.note IS 'free text';
COMMENT ON TABLE fpt.orders IS 'orders';
CREATE INDEX orders_customer ON fpt.orders (customer_id) WHERE note IS NOT NULL;
CREATE FUNCTION fpt.plus1(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a + 1';
CREATE VIEW fpt.big_customers AS SELECT id, name FROM fpt.customer WHERE id > 10;
GRANT SELECT (note) ON fpt.orders TO PUBLIC;
GRANT SELECT ON fpt.customer TO PUBLIC;
GRANT UPDATE ON fpt.orders TO PUBLIC;
REVOKE UPDATE ON fpt.orders FROM PUBLIC;
SELECT nextval('fpt.counter');
INSERT INTO fps SELECT 'second', schema_guard.schema_fingerprint('{fpt}');

-- Equal documents, and a diff with nothing to say.
SELECT (SELECT fp FROM fps WHERE name = 'first') = (SELECT fp FROM fps WHERE name = 'second') AS equal;
SELECT * FROM schema_guard.schema_diff((SELECT fp FROM fps WHERE name = 'first'),
                                       (SELECT fp FROM fps WHERE name = 'second'));

-- What the document says (functions, views and the rest are printed by
-- the server's deparsers, whose layout varies by major: only their keys).
SELECT jsonb_pretty(fp - 'objects') FROM fps WHERE name = 'second';
SELECT t.key AS object_type, o.key AS object_identity FROM fps, jsonb_each(fp->'objects') t,
       jsonb_each(t.value) o WHERE name = 'second' ORDER BY 1, 2;
SELECT jsonb_pretty(jsonb_build_object(
         'table', fp #> '{objects,table,fpt.orders}',
         'column id', fp #> '{objects,column,fpt.customer.id}',
         'column email', fp #> '{objects,column,fpt.customer.email}',
         'column mood', fp #> '{objects,column,fpt.customer.mood}',
         'column total', fp #> '{objects,column,fpt.customer.total}',
         'column note', fp #> '{objects,column,fpt.orders.note}',
         'constraint', fp #> '{objects,constraint,orders_customer_id_fkey on fpt.orders}',
         'index', fp #> '{objects,index,fpt.orders_customer}',
         'trigger', fp #> '{objects,trigger,orders_touch on fpt.orders}',
         'policy', fp #> '{objects,policy,positive on fpt.orders}',
         'sequence', fp #> '{objects,sequence,fpt.counter}',
         'identity sequence', fp #> '{objects,sequence,fpt.customer_id_seq}',
         'enum', fp #> '{objects,type,fpt.mood}',
         'composite', fp #> '{objects,type,fpt.pair}',
         'domain', fp #> '{objects,domain,fpt.pos}',
         'schema', fp #> '{objects,schema,fpt}'))
  FROM fps WHERE name = 'second';
SELECT (fp #> '{objects,view,fpt.big_customers}') - 'definition' AS view,
       fp #> '{objects,view,fpt.big_customers,definition}' IS NOT NULL AS view_has_definition,
       (fp #> '{objects,function,fpt.plus1(integer)}') - 'definition' AS function,
       fp #>> '{objects,function,fpt.plus1(integer),definition}' LIKE 'CREATE OR REPLACE FUNCTION fpt.plus1(a integer)%' AS function_definition
  FROM fps WHERE name = 'second';

-- ==== Every kind of difference ====
-- Each change runs in a subtransaction that is rolled back; its diff
-- against "second" survives in a variable.
CREATE FUNCTION pg_temp.diff(change text) RETURNS TABLE (object_type text, object_identity text, kind text, before jsonb, after jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    res jsonb;
BEGIN
    BEGIN
        EXECUTE change;
        SELECT jsonb_agg(to_jsonb(d) - 'n' ORDER BY d.n) INTO res
          FROM schema_guard.schema_diff((SELECT fp FROM fps WHERE name = 'second'),
                                        schema_guard.schema_fingerprint('{fpt}'))
               WITH ORDINALITY d(object_type, object_identity, kind, before, after, n);
        RAISE EXCEPTION 'roll back';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN QUERY SELECT * FROM jsonb_to_recordset(coalesce(res, '[]'))
        AS x(object_type text, object_identity text, kind text, before jsonb, after jsonb);
END $$;

-- A clean compare: a change undone in the same transaction.
SELECT * FROM pg_temp.diff($$ALTER TABLE fpt.orders ADD COLUMN tmp int; ALTER TABLE fpt.orders DROP COLUMN tmp$$);
-- missing, with the sub-objects of a missing table left to its own row
SELECT * FROM pg_temp.diff('DROP INDEX fpt.orders_customer');
SELECT object_type, object_identity, kind FROM pg_temp.diff('DROP TABLE fpt.orders');
-- extra
SELECT * FROM pg_temp.diff('CREATE TABLE fpt.audit (at timestamptz NULL)');
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.customer ADD COLUMN vip boolean NULL');
-- changed_type: the type, the collation
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.customer ALTER COLUMN email TYPE varchar(100)');
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.orders ALTER COLUMN note TYPE text COLLATE "C"');
-- changed_default, with a change of type in the same statement: two rows
SELECT * FROM pg_temp.diff($$ALTER TABLE fpt.customer ALTER COLUMN mood SET DEFAULT 'sad'$$);
SELECT * FROM pg_temp.diff($$ALTER TABLE fpt.orders ALTER COLUMN note TYPE varchar(50), ALTER COLUMN note SET DEFAULT 'none'$$);
-- changed_nullability
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.orders ALTER COLUMN note SET NOT NULL');
-- changed_definition: a constraint, a comment, a sequence's state, enum
-- labels, a function body, a privilege
SELECT * FROM pg_temp.diff($$ALTER TABLE fpt.orders DROP CONSTRAINT orders_note_check, ADD CONSTRAINT orders_note_check CHECK (note <> 'x')$$);
SELECT * FROM pg_temp.diff('COMMENT ON TABLE fpt.orders IS NULL');
-- (setval() is not rolled back: the state is set back by hand)
SELECT * FROM pg_temp.diff($$SELECT setval('fpt.counter', 100)$$);
SELECT setval('fpt.counter', 1);
SELECT * FROM pg_temp.diff($$ALTER TYPE fpt.mood ADD VALUE 'meh'$$);
SELECT object_type, object_identity, kind FROM pg_temp.diff($$CREATE OR REPLACE FUNCTION fpt.plus1(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a + 2'$$);
SELECT * FROM pg_temp.diff('REVOKE SELECT ON fpt.customer FROM PUBLIC');
-- renamed: a column (the view that reads it shows its new name), an index,
-- a constraint, a table (whose columns, constraints, indexes and policies
-- follow it; the trigger's definition and the sequence's owner name it)
SELECT object_type, object_identity, kind, before->'identity' AS before, after->'identity' AS after
  FROM pg_temp.diff('ALTER TABLE fpt.customer RENAME COLUMN name TO full_name');
SELECT * FROM pg_temp.diff('ALTER INDEX fpt.orders_customer RENAME TO orders_customer_idx');
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.orders RENAME CONSTRAINT orders_customer_id_fkey TO orders_customer_fk');
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.orders RENAME TO purchase');
-- not a rename: another definition under another name
SELECT object_type, object_identity, kind FROM pg_temp.diff('ALTER TABLE fpt.customer DROP COLUMN email, ADD COLUMN email2 integer NULL');
-- reordered_columns: a column dropped and added again lands at the end
SELECT * FROM pg_temp.diff('ALTER TABLE fpt.orders DROP COLUMN qty CASCADE; ALTER TABLE fpt.orders ADD COLUMN qty fpt.pos; CREATE POLICY positive ON fpt.orders USING (qty > 0)');
-- a column added at the end is not a reorder
SELECT kind FROM pg_temp.diff('ALTER TABLE fpt.orders ADD COLUMN extra int NULL');

-- ==== Visibility ====
-- A schema the caller may not use is not described, and says so; the
-- state of a sequence the caller may not read is not shown.
CREATE ROLE fp_reader;
CREATE SCHEMA fp_hidden;
CREATE TABLE fp_hidden.t (a int NULL);
GRANT USAGE ON SCHEMA fpt TO fp_reader;
SET ROLE fp_reader;
SELECT fp->'schemas' AS schemas, fp->'skipped_schemas' AS skipped,
       fp #> '{objects,table,fp_hidden.t}' AS hidden_table,
       (fp #> '{objects,sequence,fpt.counter}') - 'acl' AS sequence
  FROM schema_guard.schema_fingerprint('{fpt,fp_hidden}') fp;
RESET ROLE;
-- A schema that does not exist is not described; no schema at all gives an
-- empty document.
SELECT schema_guard.schema_fingerprint('{no_such_schema}');

-- ==== Bad input ====
SELECT * FROM schema_guard.schema_diff('[]', (SELECT fp FROM fps WHERE name = 'second'));
SELECT * FROM schema_guard.schema_diff((SELECT fp FROM fps WHERE name = 'second'), '{"objects": {}}');
SELECT * FROM schema_guard.schema_diff('{"fingerprint": "schema_guard", "version": 2, "objects": {}}', '{}');
SELECT * FROM schema_guard.schema_diff('{"fingerprint": "schema_guard", "version": 1, "objects": []}', '{}');
SELECT * FROM schema_guard.schema_diff('{"fingerprint": "schema_guard", "version": 1, "objects": {"table": []}}', '{}');
SELECT * FROM schema_guard.schema_diff('{"fingerprint": "schema_guard", "version": 1, "objects": {"table": {"x": 1}}}', '{}');
SELECT * FROM schema_guard.schema_diff('{"fingerprint": "schema_guard", "version": 1, "objects": {"column": {"x.y": {"name": "y"}}}}', '{}');
SELECT * FROM schema_guard.schema_diff('{"fingerprint": "schema_guard", "version": 1, "objects": {"table": {"x": {}}}}', '{}');
-- NULL in, nothing out (STRICT)
SELECT count(*) FROM schema_guard.schema_diff(NULL, '{}');

-- ==== Data fingerprints ====
CREATE TABLE fpt.facts (
    id integer PRIMARY KEY,
    label text NULL,
    amount numeric(12,2) NULL,
    at timestamptz NULL,
    mood fpt.mood NULL,
    pair fpt.pair NULL,
    tags text[] NULL,
    doc jsonb NULL);
INSERT INTO fpt.facts
SELECT g, 'label ' || g, g / 7.0, '2024-01-01 00:00+00'::timestamptz + g * interval '1 hour',
       (ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::fpt.mood, ROW(g, 'b' || g)::fpt.pair,
       ARRAY['t' || g, NULL], jsonb_build_object('k', g, 'l', ARRAY[g])
  FROM generate_series(1, 200) g;
INSERT INTO fpt.facts VALUES (0, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
-- The same rows inserted in another order.
CREATE TABLE fpt.facts_shuffled (LIKE fpt.facts INCLUDING ALL);
INSERT INTO fpt.facts_shuffled SELECT * FROM fpt.facts ORDER BY md5(id::text);
CREATE FUNCTION pg_temp.fp(rel regclass) RETURNS jsonb LANGUAGE sql
AS $$ SELECT schema_guard.data_fingerprint(rel) - 'relation' $$;
-- The document without its hashes (their values are not the claim).
SELECT jsonb_pretty(jsonb_set(fp, '{columns}', (SELECT jsonb_object_agg(key, value - 'hash') FROM jsonb_each(fp->'columns')))
                    - 'rows_hash')
  FROM pg_temp.fp('fpt.facts') fp;
SELECT fp->>'rows_hash' ~ '^[0-9a-f]{16}$' AS rows_hash_hex,
       (SELECT bool_and(value->>'hash' ~ '^[0-9a-f]{16}$') FROM jsonb_each(fp->'columns')) AS hashes_hex,
       (SELECT count(DISTINCT value->>'hash') FROM jsonb_each(fp->'columns')) AS distinct_hashes
  FROM pg_temp.fp('fpt.facts') fp;
-- Order independent, and independent of the session's TimeZone and DateStyle.
SELECT pg_temp.fp('fpt.facts') = pg_temp.fp('fpt.facts_shuffled') AS same_rows_same_fingerprint;
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'SQL, DMY';
SELECT pg_temp.fp('fpt.facts') = pg_temp.fp('fpt.facts_shuffled') AS same_under_other_settings;
RESET TimeZone;
RESET DateStyle;
-- An enum value is hashed by its label: the type dropped and created again
-- (other OIDs) gives the same hashes.
CREATE TYPE fpt.feeling AS ENUM ('low', 'high');
CREATE TABLE fpt.feelings AS SELECT (ARRAY['low', 'high'])[g % 2 + 1]::fpt.feeling AS f FROM generate_series(1, 10) g;
SELECT schema_guard.data_fingerprint('fpt.feelings') AS feelings_before \gset
ALTER TABLE fpt.feelings ALTER COLUMN f TYPE text;
DROP TYPE fpt.feeling;
CREATE TYPE fpt.feeling AS ENUM ('low', 'high');
ALTER TABLE fpt.feelings ALTER COLUMN f TYPE fpt.feeling USING f::fpt.feeling;
SELECT schema_guard.data_fingerprint('fpt.feelings') = :'feelings_before' AS same_after_new_enum;
-- One value changed: that column's hash and the rows' hash change, nothing
-- else (columns compared without their position).
CREATE FUNCTION pg_temp.changed(a jsonb, b jsonb) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(k ORDER BY k) FROM (
        SELECT 'column ' || key AS k FROM jsonb_each(a->'columns') x
         WHERE x.value - 'position' IS DISTINCT FROM (b->'columns'->x.key) - 'position'
        UNION ALL SELECT 'rows' WHERE a->'rows' IS DISTINCT FROM b->'rows'
        UNION ALL SELECT 'rows_hash' WHERE a->'rows_hash' IS DISTINCT FROM b->'rows_hash') s $$;
BEGIN;
UPDATE fpt.facts_shuffled SET amount = amount + 0.01 WHERE id = 17;
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_shuffled'));
ROLLBACK;
-- NULL is not the empty string, nor a missing row.
BEGIN;
UPDATE fpt.facts_shuffled SET label = '' WHERE id = 0;
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_shuffled'));
ROLLBACK;
BEGIN;
UPDATE fpt.facts_shuffled SET label = NULL WHERE id = 1;
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_shuffled')),
       pg_temp.fp('fpt.facts_shuffled') #> '{columns,label,nulls}' AS label_nulls;
ROLLBACK;
BEGIN;
DELETE FROM fpt.facts_shuffled WHERE id = 0;
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_shuffled'));
ROLLBACK;
-- Values swapped between rows keep every column's hash; the rows' hash shows it.
BEGIN;
UPDATE fpt.facts_shuffled SET label = CASE id WHEN 1 THEN 'label 2' ELSE 'label 1' END WHERE id IN (1, 2);
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_shuffled'));
ROLLBACK;
-- A value moved to a row where it was NULL, leaving a NULL behind: the
-- column's hash and NULL count stay, the rows' hash shows it.
BEGIN;
UPDATE fpt.facts_shuffled SET doc = (SELECT doc FROM fpt.facts WHERE id = 5) WHERE id = 0;
UPDATE fpt.facts_shuffled SET doc = NULL WHERE id = 5;
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_shuffled'));
ROLLBACK;
-- Column order is not content: the same columns in another order have
-- the same hashes, the rows' hash included; only the positions differ.
CREATE TABLE fpt.facts_reordered AS SELECT doc, tags, pair, mood, at, amount, label, id FROM fpt.facts;
SELECT pg_temp.changed(pg_temp.fp('fpt.facts'), pg_temp.fp('fpt.facts_reordered')),
       pg_temp.fp('fpt.facts_reordered') #> '{columns,id,position}' AS id_position;
-- An empty table.
CREATE TABLE fpt.empty (a int NULL);
SELECT schema_guard.data_fingerprint('fpt.empty');

-- As the caller: columns it may not read are left out and named; a table
-- it may not read at all is refused; row-level security limits the rows,
-- and the document says so.
CREATE TABLE fpt.private (id int PRIMARY KEY, secret text NULL, owner name NULL);
INSERT INTO fpt.private VALUES (1, 's1', 'fp_reader'), (2, 's2', 'someone');
GRANT SELECT (id, owner) ON fpt.private TO fp_reader;
SET ROLE fp_reader;
SELECT fp->'rows' AS rows, fp->'columns' ? 'secret' AS has_secret, fp->'skipped_columns' AS skipped,
       fp->'visible_rows_only' AS visible_rows_only
  FROM schema_guard.data_fingerprint('fpt.private') fp;
SELECT schema_guard.data_fingerprint('fpt.facts');
RESET ROLE;
ALTER TABLE fpt.private ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON fpt.private USING (owner = current_user);
SET ROLE fp_reader;
SELECT fp->'rows' AS rows, fp->'visible_rows_only' AS visible_rows_only
  FROM schema_guard.data_fingerprint('fpt.private') fp;
RESET ROLE;

-- Types without an equality or a hash (point, json, a composite holding
-- a point) are hashed all the same: the same rows in another order give
-- the same document, another value another hash.
CREATE TYPE fpt.spot AS (at point, label text);
CREATE TABLE fpt.shapes (p point NULL, j json NULL, s fpt.spot NULL);
INSERT INTO fpt.shapes VALUES ('(1,2)', '{"a": 1}', ROW('(0,0)', 'origin')), (NULL, '[]', NULL);
CREATE TABLE fpt.shapes2 (LIKE fpt.shapes);
INSERT INTO fpt.shapes2 SELECT * FROM fpt.shapes ORDER BY j::text;
SELECT f1 - 'relation' = f2 - 'relation' AS same,
       f1 #>> '{columns,s,hash_of}' AS composite_hashed_by
  FROM schema_guard.data_fingerprint('fpt.shapes') f1,
       schema_guard.data_fingerprint('fpt.shapes2') f2;
UPDATE fpt.shapes2 SET j = '{"a":1}' WHERE j IS NOT NULL AND p IS NOT NULL;
SELECT (f1 #> '{columns,j,hash}') = (f2 #> '{columns,j,hash}') AS j_same,
       (f1 #> '{columns,p,hash}') = (f2 #> '{columns,p,hash}') AS p_same
  FROM schema_guard.data_fingerprint('fpt.shapes') f1,
       schema_guard.data_fingerprint('fpt.shapes2') f2;

-- Bad input.
SELECT schema_guard.data_fingerprint('fpt.big_customers');
SELECT schema_guard.data_fingerprint('fpt.counter');
SELECT schema_guard.data_fingerprint(0::regclass);
SELECT schema_guard.data_fingerprint(NULL) IS NULL AS null_in_null_out;

DROP SCHEMA fpt, fp_hidden CASCADE;
DROP ROLE fp_reader;
