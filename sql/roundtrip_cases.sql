-- schema_guard.roundtrip(): the fixtures of issue 11 that sql/roundtrip.sql
-- lacks (jsonb through text, a default never restored, NULL set to a
-- default, the kinds values_lost, changed, changed_type,
-- changed_nullability and changed_definition), up failing on the rows
-- fill_rows generated (its own outcome), what PostgreSQL writes in place
-- outside the transaction, and a proof, row by row over the whole catalog
-- and every table, that a round trip leaves nothing else behind.
-- DETACH PARTITION CONCURRENTLY (14 and later) is sql/roundtrip_detach.sql.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- The fixtures' own tables are not this file's subject.
SET schema_guard.mode = off;
CREATE TABLE rtc_item (
    id int PRIMARY KEY,
    doc jsonb NULL,
    body text NULL,
    label text NULL,
    price numeric(10,2) NULL DEFAULT 1,
    qty int NULL,
    CONSTRAINT rtc_item_qty_check CHECK (qty >= 0));
INSERT INTO rtc_item VALUES
    (1, '{"b": 1, "a": [1, 2]}', '{"b":1,  "a":[1,2]}', 'one', 2.50, 3),
    (2, '{"a": 1}', '{"a": 1}', NULL, 4.00, 0),
    (3, '[1, 2]', '[1,2]', 'three', 1.00, 7);
CREATE TABLE rtc_log (msg text NULL);
INSERT INTO rtc_log VALUES ('a'), (NULL), ('b');
CREATE SEQUENCE rtc_seq;
SELECT nextval('rtc_seq') AS drawn;
CREATE TABLE rtc_parent (id int PRIMARY KEY);
INSERT INTO rtc_parent VALUES (1);
CREATE TABLE rtc_child (id int PRIMARY KEY, parent_id int NOT NULL);
INSERT INTO rtc_child VALUES (1, 1), (2, 5);
-- fill_rows fills every table of the schemas it is given: its own schema,
-- where a foreign key, a NOT NULL and a cast are added later.
CREATE SCHEMA rtc_fill;
CREATE TABLE rtc_fill.parent (id int PRIMARY KEY);
CREATE TABLE rtc_fill.child (
    id int PRIMARY KEY,
    parent_id int NOT NULL,
    note text NULL,
    code text NOT NULL);
CREATE TEMPORARY TABLE rt_before (line text NULL);
RESET schema_guard.mode;

-- What "no trace" compares, row by row: every row of the catalogs below
-- (every schema, the fill schema and schema_guard's own included), every
-- sequence's state and every row of every table (temporary ones aside:
-- rt_before holds the state before).  Left out, each for the reason given:
-- * pg_class.relpages, reltuples, relallvisible, relallfrozen (18) and
--   relhasindex: ANALYZE and CREATE INDEX write them in place, outside the
--   transaction, so that the rollback keeps what up or down wrote there
--   (shown below; the manual says so);
-- * pg_class.relfrozenxid and relminmxid: only VACUUM writes them, which a
--   round trip refuses, but autovacuum may run meanwhile;
-- * the system catalogs' planner statistics: autovacuum may analyze a
--   catalog meanwhile;
-- * a sequence's log_cnt (how many values the WAL already covers), which
--   setval(), how the round trip sets a sequence back, resets to 0.
CREATE FUNCTION rt_state() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    r record;
    cat text;
BEGIN
    RETURN QUERY
        SELECT 'pg_class ' || (to_jsonb(c)
                               - '{relpages,reltuples,relallvisible,relallfrozen,relhasindex,
                                   relfrozenxid,relminmxid}'::text[])::text
          FROM pg_class c
        UNION ALL
        SELECT 'pg_statistic ' || s::text
          FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid
         WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'pg_toast'::regnamespace);
    FOREACH cat IN ARRAY '{pg_attribute,pg_attrdef,pg_constraint,pg_index,pg_type,pg_enum,
                           pg_proc,pg_depend,pg_shdepend,pg_description,pg_trigger,pg_policy,
                           pg_rewrite,pg_statistic_ext,pg_sequence,pg_namespace,pg_authid,
                           pg_auth_members,pg_default_acl,pg_event_trigger,pg_extension,
                           pg_inherits,pg_partitioned_table,pg_init_privs}'::text[] LOOP
        RETURN QUERY EXECUTE format('SELECT %L || x::text FROM %I x', cat || ' ', cat);
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS rel, c.relkind FROM pg_class c
              WHERE c.relkind IN ('r', 'p', 'm', 'S') AND c.relpersistence <> 't'
                AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'pg_toast'::regnamespace,
                                           'information_schema'::regnamespace) LOOP
        IF r.relkind = 'S' THEN
            RETURN QUERY EXECUTE format('SELECT %L || last_value || '' '' || is_called FROM %s',
                                        r.rel::text || ' ', r.rel);
        ELSE
            RETURN QUERY EXECUTE format('SELECT %L || x::text FROM ONLY %s x', r.rel::text || ' ', r.rel);
        END IF;
    END LOOP;
END
$f$;
-- The report, narrowed to what each fixture is about.
CREATE FUNCTION rt(up text, down text, seed text DEFAULT NULL)
RETURNS TABLE (phase text, kind text, object_identity text, count bigint,
               examples text[], detail text)
LANGUAGE sql AS $$
SELECT r.phase, r.kind, r.object_identity, r.count, r.examples, r.detail
  FROM schema_guard.roundtrip(up, down, seed) r
$$;
-- up on the fill schema, fill_rows rows a table.
CREATE FUNCTION rt_fill(up text, down text, fill_rows int)
RETURNS TABLE (phase text, kind text, object_identity text, examples text[], detail text)
LANGUAGE sql AS $$
SELECT r.phase, r.kind, r.object_identity, r.examples, r.detail
  FROM schema_guard.roundtrip(up, down, schemas => '{rtc_fill}', fill_rows => fill_rows) r
$$;
INSERT INTO rt_before SELECT rt_state();

------------------------------------------------------------------------
-- Fixtures with known outcomes
------------------------------------------------------------------------
-- jsonb formatted through text: jsonb_pretty() in up, ::jsonb in down.
-- jsonb keeps no formatting, so the values are as before: nothing.
SELECT * FROM rt('ALTER TABLE rtc_item ALTER COLUMN doc TYPE text USING jsonb_pretty(doc)',
                 'ALTER TABLE rtc_item ALTER COLUMN doc TYPE jsonb USING doc::jsonb');
-- JSON held as text, through jsonb and back: rows 1 and 3 come back in
-- jsonb's format.  The column is text, whose values the round trip does
-- not read as JSON: the catch-all kind, changed.
SELECT * FROM rt('ALTER TABLE rtc_item ALTER COLUMN body TYPE jsonb USING body::jsonb',
                 'ALTER TABLE rtc_item ALTER COLUMN body TYPE text');
-- A default dropped and never restored.
SELECT * FROM rt('ALTER TABLE rtc_item ALTER COLUMN price DROP DEFAULT', 'SELECT 1');
-- A column dropped, re-added with a default: rows 1 and 3 had values,
-- row 2 was NULL; all three now hold the default.
SELECT * FROM rt('ALTER TABLE rtc_item DROP COLUMN label',
                 $$ALTER TABLE rtc_item ADD COLUMN label text NULL DEFAULT 'none'$$);
-- A column dropped and never re-added: its values are lost (rows 1 and 3;
-- row 2 was NULL).  Without a primary key they are only counted (two of
-- three rows; down's new column, of the same definition, reads as the
-- old one renamed).
SELECT * FROM rt('ALTER TABLE rtc_item DROP COLUMN label', 'SELECT 1');
SELECT * FROM rt('ALTER TABLE rtc_log DROP COLUMN msg', 'ALTER TABLE rtc_log ADD COLUMN other text NULL');
-- A type, a nullability, a constraint's definition left changed.
SELECT * FROM rt('ALTER TABLE rtc_item ALTER COLUMN qty TYPE bigint', 'SELECT 1');
SELECT * FROM rt('ALTER TABLE rtc_item ALTER COLUMN qty SET NOT NULL', 'SELECT 1');
SELECT * FROM rt('ALTER TABLE rtc_item DROP CONSTRAINT rtc_item_qty_check',
                 'ALTER TABLE rtc_item ADD CONSTRAINT rtc_item_qty_check CHECK (qty BETWEEN 0 AND 100)');

------------------------------------------------------------------------
-- up fails on the rows fill_rows generated: its own outcome
------------------------------------------------------------------------
-- A foreign key added later finds the generated orphans (parent_id is any
-- integer): the statement, where it is in up, and a row whose key has no
-- match.
SELECT * FROM rt_fill('ALTER TABLE rtc_fill.child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES rtc_fill.parent',
                      'ALTER TABLE rtc_fill.child DROP CONSTRAINT child_parent_fk', 3);
-- SET NOT NULL finds a NULL that fill left in the nullable column (about
-- one row in eight): the row with the NULL.
SELECT * FROM rt_fill('ALTER TABLE rtc_fill.child ALTER COLUMN note SET NOT NULL',
                      'ALTER TABLE rtc_fill.child ALTER COLUMN note DROP NOT NULL', 16);
-- A cast meets a value it cannot read: the first row on which the change
-- alone fails.  The failing statement is the third: the example is found
-- where it ran, after the first two (the column n exists, filled).
SELECT * FROM rt_fill('ALTER TABLE rtc_fill.child ALTER COLUMN code TYPE integer USING code::integer',
                      'ALTER TABLE rtc_fill.child ALTER COLUMN code TYPE text', 3);
SELECT * FROM rt_fill($$ALTER TABLE rtc_fill.child ADD COLUMN n text NULL;
                        UPDATE rtc_fill.child SET n = CASE WHEN id % 2 = 0 THEN code ELSE '1' END;
                        ALTER TABLE rtc_fill.child ALTER COLUMN n TYPE integer USING n::integer$$,
                      'ALTER TABLE rtc_fill.child DROP COLUMN n', 3);
-- Rows supplied with seed_sql instead: up and down pass.
SELECT * FROM schema_guard.roundtrip(
    'ALTER TABLE rtc_fill.child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES rtc_fill.parent',
    'ALTER TABLE rtc_fill.child DROP CONSTRAINT child_parent_fk',
    $$INSERT INTO rtc_fill.parent VALUES (1); INSERT INTO rtc_fill.child VALUES (1, 1, NULL, '12')$$,
    schemas => '{rtc_fill}');
-- Contrasts.  up failing on rows that were there (no fill): failed, the
-- error's DETAIL names the key.
SELECT * FROM rt('ALTER TABLE rtc_child ADD CONSTRAINT rtc_child_parent_fk FOREIGN KEY (parent_id) REFERENCES rtc_parent',
                 'ALTER TABLE rtc_child DROP CONSTRAINT rtc_child_parent_fk');
-- With fill_rows, an error that is not about data (a column that does not
-- exist): failed.
SELECT * FROM rt_fill('ALTER TABLE rtc_fill.child ALTER COLUMN nope SET NOT NULL', 'SELECT 1', 3);
-- With fill_rows, down failing on the data: failed, in phase down.
SELECT * FROM rt_fill('ALTER TABLE rtc_fill.child ALTER COLUMN code DROP NOT NULL',
                      $$UPDATE rtc_fill.child SET code = NULL WHERE id = 821;
                        ALTER TABLE rtc_fill.child ALTER COLUMN code SET NOT NULL$$, 3);

------------------------------------------------------------------------
-- What PostgreSQL writes in place, outside the transaction
------------------------------------------------------------------------
-- ANALYZE and CREATE INDEX in up: the planner statistics (pg_statistic)
-- go with the rollback; a table's size estimates and its relhasindex do
-- not (PostgreSQL writes them in place).  rtc_log has no index and was
-- never analyzed (reltuples -1, 0 on 13).
SELECT relpages, greatest(reltuples, 0) AS reltuples, relhasindex FROM pg_class
 WHERE oid = 'rtc_log'::regclass;
SELECT * FROM rt('CREATE INDEX rtc_log_msg_idx ON rtc_log (msg); ANALYZE rtc_log',
                 'DROP INDEX rtc_log_msg_idx');
SELECT relpages, reltuples, relhasindex FROM pg_class WHERE oid = 'rtc_log'::regclass;
SELECT count(*) AS statistics FROM pg_statistic WHERE starelid = 'rtc_log'::regclass;
-- nextval() on a sequence that exists, in seed_sql and in up: neither is
-- rolled back; the round trip sets the sequence back (its state is
-- compared below).  up's draw shows as advanced; the seed's is before the
-- fingerprint.
SELECT * FROM rt($$SELECT nextval('rtc_seq')$$, 'SELECT 1', $$SELECT nextval('rtc_seq')$$);
SELECT last_value, is_called FROM rtc_seq;

------------------------------------------------------------------------
-- No trace: every catalog row, sequence and table row as before
------------------------------------------------------------------------
SELECT 'lost' AS side, line FROM (SELECT line FROM rt_before EXCEPT ALL SELECT rt_state()) s
UNION ALL
SELECT 'new', line FROM (SELECT rt_state() AS line EXCEPT ALL SELECT line FROM rt_before) s
ORDER BY 1, 2;

SET schema_guard.mode = off;
DROP FUNCTION rt(text, text, text);
DROP FUNCTION rt_fill(text, text, int);
DROP FUNCTION rt_state();
DROP TABLE rtc_item, rtc_log, rtc_child, rtc_parent;
DROP TABLE rt_before;
DROP SEQUENCE rtc_seq;
SET client_min_messages = warning;
DROP SCHEMA rtc_fill CASCADE;
RESET client_min_messages;
RESET schema_guard.mode;
