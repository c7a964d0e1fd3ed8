-- schema_guard.roundtrip(up, down, seed_sql, schemas): up then down in a
-- subtransaction that is always rolled back; every schema and data
-- difference they leave is a row.  Fixtures of issue 11, section 3, each
-- with its known outcome, then what is refused, and a proof that a round
-- trip leaves no trace (catalog, data and sequences compared before and
-- after every round trip of this file).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
DROP ROLE IF EXISTS regress_rt_reader;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- The fixtures' own tables are not this file's subject: the guard is off
-- while they are built, and on (enforce) for the round trips.
SET schema_guard.mode = off;

CREATE TYPE rt_mood AS ENUM ('happy', 'ok', 'sad');
CREATE TABLE rt_item (
    id int PRIMARY KEY,
    name varchar(10) NOT NULL,
    price numeric(10,2) NULL DEFAULT 1 CONSTRAINT rt_item_price_check CHECK (price >= 0),
    note text NULL,
    mood rt_mood NULL,
    doc json NULL,
    seen_at timestamptz NULL,
    day_at timestamp NULL);
CREATE INDEX rt_item_name_idx ON rt_item (name);
INSERT INTO rt_item VALUES
    (1, 'abcdefghij', 12.34, 'first', 'happy', '{"b":1,  "a":[1,2]}',
     '2024-01-15 12:00:00+01', '2024-01-15 13:45:00'),
    (2, 'short', 5.00, NULL, 'ok', '{"a": 1}',
     '2024-07-15 12:00:00+02', '2024-01-16 00:00:00'),
    (3, 'lengthy ok', 7.25, 'third', 'ok', '[1,2]',
     NULL, '2024-01-17 08:00:00');
CREATE TABLE rt_order (id serial PRIMARY KEY, item_id int NOT NULL);
INSERT INTO rt_order (item_id) VALUES (1), (2), (3);
CREATE TABLE rt_log (msg text NULL, n int NULL);
INSERT INTO rt_log VALUES ('Started', 1), ('Stopped', 2), ('Started', 1);
CREATE TABLE rt_empty (id int PRIMARY KEY, code varchar(8) NOT NULL);
CREATE TABLE rt_secret (id int PRIMARY KEY, pin text NOT NULL);
INSERT INTO rt_secret VALUES (1, '1234');
-- fill_rows fills every table of the schemas it is given: its own schema.
CREATE SCHEMA rt_fill;
CREATE TABLE rt_fill.code (id int PRIMARY KEY, code varchar(8) NOT NULL);
CREATE TABLE rt_fill.pair (id int PRIMARY KEY CHECK (id BETWEEN 1 AND 2));
CREATE TEMPORARY TABLE rt_before (line text NULL);
CREATE ROLE regress_rt_reader;
GRANT SELECT ON rt_item, rt_order, rt_log, rt_empty TO regress_rt_reader;
CREATE PROCEDURE rt_commit() LANGUAGE plpgsql AS $$BEGIN COMMIT; END$$;
RESET schema_guard.mode;
-- Inside a round trip the guard judges nothing (it would see CONCURRENTLY
-- statements run without it); at error level here, it would fail up.
SET schema_guard.index_not_concurrent = error;
SET TimeZone = 'Europe/Berlin';

-- What "no trace" compares, row by row: every row of the catalogs below
-- (every schema, the fill schema and schema_guard's own included), every
-- sequence's state and every row of every table (temporary ones aside:
-- rt_before holds the state before).  Left out, each for the reason given:
-- * pg_class.relpages, reltuples, relallvisible, relallfrozen (18) and
--   relhasindex: ANALYZE and CREATE INDEX write them in place, outside the
--   transaction, so that the rollback keeps what up or down wrote there
--   (shown in sql/roundtrip_cases.sql; the manual says so);
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

INSERT INTO rt_before SELECT rt_state();

------------------------------------------------------------------------
-- Fixtures with known outcomes
------------------------------------------------------------------------
-- A clean pair reports nothing (a column, an index and a row, all undone).
SELECT * FROM rt($$ALTER TABLE rt_item ADD COLUMN extra int NULL;
                  CREATE INDEX rt_item_extra_idx ON rt_item (extra);
                  INSERT INTO rt_log VALUES ('Added', 3)$$,
                 $$DELETE FROM rt_log WHERE n = 3;
                  DROP INDEX rt_item_extra_idx;
                  ALTER TABLE rt_item DROP COLUMN extra$$);
-- An empty down: said so, and what up did remains (an extra column).
SELECT * FROM rt('ALTER TABLE rt_item ADD COLUMN extra int NULL', '-- nothing to undo');
-- DROP COLUMN re-added empty: the values are NULL (set_to_null) or the
-- new default (set_to_default: the three rows, none of which held it;
-- a NULL set to a default is in sql/roundtrip_cases.sql), and the column
-- moved to the end.
SELECT * FROM rt('ALTER TABLE rt_item DROP COLUMN note', 'ALTER TABLE rt_item ADD COLUMN note text NULL');
SELECT * FROM rt('ALTER TABLE rt_item DROP COLUMN day_at',
                 $$ALTER TABLE rt_item ADD COLUMN day_at timestamp NULL DEFAULT '2000-01-01'$$);
-- varchar narrowed: rows 1 and 3 truncated, row 2 ("short") intact.
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN name TYPE varchar(5) USING left(name, 5)',
                 'ALTER TABLE rt_item ALTER COLUMN name TYPE varchar(10)');
-- numeric scale reduced: 12.34 and 7.25 rounded, 5.00 intact.
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN price TYPE numeric(10,1)',
                 'ALTER TABLE rt_item ALTER COLUMN price TYPE numeric(10,2)');
-- timestamptz to timestamp (as UTC) and back (under Europe/Berlin): one
-- hour off in winter, two in summer.
SELECT * FROM rt($$ALTER TABLE rt_item ALTER COLUMN seen_at TYPE timestamp USING seen_at AT TIME ZONE 'UTC'$$,
                 'ALTER TABLE rt_item ALTER COLUMN seen_at TYPE timestamptz');
-- The same pair through the session's time zone both ways is lossless.
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN seen_at TYPE timestamp',
                 'ALTER TABLE rt_item ALTER COLUMN seen_at TYPE timestamptz');
-- timestamp to date and back: rows 1 and 3 lose their time of day; row
-- 2 was at midnight.
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN day_at TYPE date',
                 'ALTER TABLE rt_item ALTER COLUMN day_at TYPE timestamp');
-- The report does not depend on the caller's settings (the statements
-- run with them; the round trip's own queries pin theirs).
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = sql_standard;
SET extra_float_digits = 3;
SET search_path = pg_catalog, public;
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN day_at TYPE date',
                 'ALTER TABLE rt_item ALTER COLUMN day_at TYPE timestamp');
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN price TYPE numeric(10,1)',
                 'ALTER TABLE rt_item ALTER COLUMN price TYPE numeric(10,2)');
RESET DateStyle;
RESET IntervalStyle;
RESET extra_float_digits;
RESET search_path;
-- An enum value removed (mapped to "happy") and added back: rows 2 and 3
-- collapsed; the type reads the same again.
SELECT * FROM rt($$CREATE TYPE rt_mood_new AS ENUM ('happy', 'sad');
                  ALTER TABLE rt_item ALTER COLUMN mood TYPE rt_mood_new
                        USING (CASE mood WHEN 'ok' THEN 'happy' ELSE mood::text END)::rt_mood_new;
                  DROP TYPE rt_mood;
                  ALTER TYPE rt_mood_new RENAME TO rt_mood$$,
                 $$ALTER TYPE rt_mood ADD VALUE 'ok' AFTER 'happy'$$);
-- json through jsonb: rows 1 and 3 reformatted (same JSON value), row 2
-- was already in jsonb's format.
SELECT * FROM rt('ALTER TABLE rt_item ALTER COLUMN doc TYPE jsonb',
                 'ALTER TABLE rt_item ALTER COLUMN doc TYPE json');
-- An index not restored, a default restored with another value.
SELECT * FROM rt('DROP INDEX rt_item_name_idx; ALTER TABLE rt_item ALTER COLUMN price DROP DEFAULT',
                 'ALTER TABLE rt_item ALTER COLUMN price SET DEFAULT 0');
-- A constraint restored under another name.
SELECT * FROM rt('ALTER TABLE rt_item DROP CONSTRAINT rt_item_price_check',
                 'ALTER TABLE rt_item ADD CONSTRAINT rt_item_price_not_negative CHECK (price >= 0)');
-- A sequence reset by down (setval is not rolled back: the round trip sets
-- it back itself), and one advanced by rows up added and down deleted.
SELECT * FROM rt('ALTER TABLE rt_order ADD COLUMN code text NULL',
                 $$ALTER TABLE rt_order DROP COLUMN code; SELECT setval('rt_order_id_seq', 1, false)$$);
SELECT * FROM rt('INSERT INTO rt_order (item_id) VALUES (1), (1)', 'DELETE FROM rt_order WHERE id > 3');
-- Rows lost and added, by primary key.
SELECT * FROM rt('DELETE FROM rt_item WHERE id = 2',
                 $$INSERT INTO rt_item (id, name) VALUES (4, 'new')$$);
-- A table without a primary key: rows compared whole ("Started" twice);
-- initcap() restores these values, lower() does not.
SELECT * FROM rt('UPDATE rt_log SET msg = upper(msg)', 'UPDATE rt_log SET msg = initcap(msg)');
SELECT * FROM rt('UPDATE rt_log SET msg = upper(msg)', 'UPDATE rt_log SET msg = lower(msg)');
SELECT * FROM rt('DELETE FROM rt_log WHERE n = 1', 'SELECT 1');
-- A table dropped and not restored: its rows lost, the table missing
-- (the detail, its fingerprint, is left out: it spells out the ACL, whose
-- letters differ by major).
SELECT phase, kind, object_identity, count, examples FROM rt('DROP TABLE rt_log', 'SELECT 1');

------------------------------------------------------------------------
-- Outcomes: up fails, down fails, seed rows
------------------------------------------------------------------------
-- up fails (the table has rows): the statement and its error; down does
-- not run.
SELECT * FROM rt('ALTER TABLE rt_item ADD COLUMN qty int NULL; ALTER TABLE rt_item ADD COLUMN code int NOT NULL',
                 'ALTER TABLE rt_item DROP COLUMN code');
-- down fails: its own outcome.
SELECT * FROM rt('ALTER TABLE rt_item ADD COLUMN flag boolean NULL',
                 'ALTER TABLE rt_item DROP COLUMN flg');
-- seed_sql gives an empty table rows, inside the same rolled-back
-- transaction: the narrowing then shows.
SELECT * FROM rt('ALTER TABLE rt_empty ALTER COLUMN code TYPE varchar(4) USING left(code, 4)',
                 'ALTER TABLE rt_empty ALTER COLUMN code TYPE varchar(8)',
                 $$INSERT INTO rt_empty VALUES (1, 'ABCDEFGH'), (2, 'AB')$$);
-- Without the seed, the empty table hides it.
SELECT * FROM rt('ALTER TABLE rt_empty ALTER COLUMN code TYPE varchar(4) USING left(code, 4)',
                 'ALTER TABLE rt_empty ALTER COLUMN code TYPE varchar(8)');
-- fill_rows: fill_schema() gives the tables of the schemas generated rows
-- (after the seed's) inside the same rolled-back transaction: the empty
-- table's codes are truncated now.  A table that could not get all its
-- rows (two keys for three rows) is a row of phase fill.
SELECT * FROM schema_guard.roundtrip('ALTER TABLE rt_fill.code ALTER COLUMN code TYPE varchar(4) USING left(code, 4)',
                                     'ALTER TABLE rt_fill.code ALTER COLUMN code TYPE varchar(8)',
                                     schemas => '{rt_fill}', fill_rows => 3);
-- A failing seed is its own outcome; the error's DETAIL names the row.
SELECT * FROM rt('SELECT 1', 'SELECT 1', 'INSERT INTO rt_empty VALUES (1, NULL)');
-- A round trip inside up: refused, as up's failure.
SELECT * FROM rt($$SELECT * FROM schema_guard.roundtrip('SELECT 1', 'SELECT 1')$$, 'SELECT 1');

------------------------------------------------------------------------
-- Hostile scripts: nothing they do survives, nor changes the report
------------------------------------------------------------------------
-- A DO block or a procedure that commits: up fails, as its own outcome.
SELECT * FROM rt('DO $$BEGIN COMMIT; END$$', 'SELECT 1');
SELECT * FROM rt('CALL rt_commit()', 'SELECT 1');
-- up changes the role: down runs as that role, but the round trip's own
-- queries run as the caller (as the reader, it could not read rt_secret).
SELECT * FROM rt('SET ROLE regress_rt_reader', 'SELECT 1');
SELECT * FROM rt('SET SESSION AUTHORIZATION regress_rt_reader', 'RESET SESSION AUTHORIZATION');
SELECT current_user = session_user AS role_restored;
-- Settings that up changes go with the rollback.
SELECT * FROM rt($$SELECT set_config('search_path', 'rt_fill', false); CREATE TABLE rt_x (a int NULL)$$,
                 'DROP TABLE rt_fill.rt_x');
SHOW search_path;
-- Session-level advisory locks are not released by a rollback: the round
-- trip releases those that up or down took (as often as they were taken),
-- and says so; transaction-level ones go with the rollback.
SELECT * FROM rt('SELECT pg_advisory_lock(4711); SELECT pg_advisory_lock(4711); SELECT pg_advisory_xact_lock(4712)',
                 'SELECT pg_advisory_lock_shared(1, -2)');
SELECT count(*) AS advisory_locks_left FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid();
-- A lock the session held before is left alone, even when up took it once
-- more.
SELECT pg_try_advisory_lock(4713) AS locked;
SELECT * FROM rt('SELECT pg_advisory_lock(4713)', 'SELECT 1');
SELECT pg_advisory_unlock(4713) AS unlocked, pg_advisory_unlock(4713) AS unlocked_again;
-- down drops schema_guard itself: down fails, as its own outcome, instead
-- of the comparison.
SELECT * FROM rt('SELECT 1', 'DROP EXTENSION schema_guard');
-- A cancel, and a statement_timeout that fires during down, end the round
-- trip with the error; the sequence up set is set back (checked at the end).
SELECT * FROM rt('SELECT pg_cancel_backend(pg_backend_pid())', 'SELECT 1');
SET statement_timeout = '500ms';
SELECT * FROM rt($$SELECT setval('rt_order_id_seq', 100)$$, 'SELECT pg_sleep(30)');
RESET statement_timeout;

------------------------------------------------------------------------
-- CONCURRENTLY: run without it, and said so; the guard judges nothing
------------------------------------------------------------------------
SELECT * FROM rt('CREATE INDEX CONCURRENTLY rt_item_note_idx ON rt_item (note)',
                 'DROP INDEX CONCURRENTLY rt_item_note_idx');
SELECT * FROM rt('REINDEX INDEX CONCURRENTLY rt_item_name_idx', 'SELECT 1');
-- index_not_concurrent is at error level: outside a round trip it rejects
-- this statement; inside, up runs.
SELECT * FROM rt('CREATE INDEX rt_item_note_idx ON rt_item (note)', 'DROP INDEX rt_item_note_idx');

------------------------------------------------------------------------
-- Refused before anything runs
------------------------------------------------------------------------
-- up's nextval would survive a rollback; down is refused first, so the
-- sequence is untouched (compared at the end).
SELECT * FROM rt($$SELECT nextval('rt_order_id_seq')$$, 'VACUUM rt_order');
SELECT * FROM rt('ALTER TABLE rt_item ADD COLUMN qty int NULL; COMMIT', 'SELECT 1');
SELECT * FROM rt('CREATE DATABASE rt_db', 'DROP DATABASE rt_db');
SELECT * FROM rt($$ALTER SYSTEM SET work_mem = '8MB'$$, 'ALTER SYSTEM RESET work_mem');
SELECT * FROM rt('NOTIFY rt_channel', 'SELECT 1');
SELECT * FROM rt('SELECT 1', 'COPY rt_item TO STDOUT');
SELECT * FROM rt('SELECT 1', 'SELECT 1', 'DISCARD ALL');
-- A syntax error names its script and the position in it.
SELECT * FROM rt('SELECT 1', E'SELECT 1;\nSELEC 2');
-- Not refused: ANALYZE's statistics go with the rollback (the size
-- estimates it writes in place do not: sql/roundtrip_cases.sql).
SELECT * FROM rt('ANALYZE rt_item', 'SELECT 1');
-- Arguments.
SELECT * FROM rt(NULL, 'SELECT 1');
SELECT * FROM schema_guard.roundtrip('SELECT 1', 'SELECT 1', fill_rows => -1);
BEGIN READ ONLY;
SELECT * FROM rt('SELECT 1', 'SELECT 1');
ROLLBACK;
-- A schema that does not exist would compare nothing; the system's (where
-- the round trip itself writes), temporary ones and schema_guard's are
-- refused, as by fill_schema().
SELECT * FROM schema_guard.roundtrip('SELECT 1', 'SELECT 1', schemas => '{rt_fil}');
SELECT * FROM schema_guard.roundtrip('SELECT 1', 'SELECT 1', schemas => '{pg_catalog}');
SELECT * FROM schema_guard.roundtrip('SELECT 1', 'SELECT 1', schemas => '{pg_toast}');
SELECT * FROM schema_guard.roundtrip('SELECT 1', 'SELECT 1', schemas => '{rt_fill,NULL}');
SELECT * FROM rt('SAVEPOINT rt_s', 'RELEASE rt_s');
SELECT * FROM rt($$PREPARE TRANSACTION 'rt'$$, 'SELECT 1');

------------------------------------------------------------------------
-- As a role that reads some tables only
------------------------------------------------------------------------
SET ROLE regress_rt_reader;
SELECT * FROM rt('SELECT 1', 'SELECT 1');
RESET ROLE;

------------------------------------------------------------------------
-- No trace: every catalog row, sequence and table row as before every
-- round trip above (rt_state(), above, says what it leaves out and why)
------------------------------------------------------------------------
SELECT 'lost' AS side, line FROM (SELECT line FROM rt_before EXCEPT ALL SELECT rt_state()) s
UNION ALL
SELECT 'new', line FROM (SELECT rt_state() AS line EXCEPT ALL SELECT line FROM rt_before) s
ORDER BY 1, 2;
SELECT last_value, is_called FROM rt_order_id_seq;
SELECT count(*) AS temporary_tables_left FROM pg_class WHERE relname LIKE 'sg_roundtrip%';
-- A temporary table of the caller's with the name of a copy (after the
-- comparison above: the session's temporary schema is a trace of its own):
-- the copies take other names.
CREATE TEMPORARY TABLE sg_roundtrip_1 (a int NULL);
SELECT * FROM rt('DELETE FROM rt_log WHERE n = 2', 'SELECT 1');
DROP TABLE sg_roundtrip_1;

SET schema_guard.mode = off;
DROP FUNCTION rt(text, text, text);
DROP FUNCTION rt_state();
DROP PROCEDURE rt_commit();
DROP TABLE rt_item, rt_order, rt_log, rt_empty, rt_secret;
DROP TABLE rt_before;
SET client_min_messages = warning;
DROP SCHEMA rt_fill CASCADE;
RESET client_min_messages;
DROP TYPE rt_mood;
DROP ROLE regress_rt_reader;
RESET schema_guard.mode;
RESET schema_guard.index_not_concurrent;
RESET TimeZone;
