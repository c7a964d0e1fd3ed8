-- schema_guard.session_findings(): the findings the guard raised in this
-- session, with the number of their top-level statement and its line,
-- position and length in its query string (for a finding at commit, the
-- statement that made or last changed the object it judges);
-- statement_number(); check_pending(); the cap; forgetting them.
-- psql sends statements joined by \; as one query string, with the line
-- breaks between them (and, from 15 on, the -- comments; before 15 it shows
-- only the last result, so the other statements return no rows).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
SET schema_guard.prefer_bigint_key = off;  -- nor key types
SELECT count(*) >= 0 AS forgotten FROM schema_guard.session_findings(true);

-- Three statements in one query string, warn mode: a finding raised by a
-- statement names its line (its first token, after the comment), position
-- and length; one raised when the string's implicit transaction commits
-- names the statement that made the column, the second, which has another
-- number.  level is the rule's, raised what the guard raised.
SET schema_guard.mode = warn;
CREATE TABLE sf_parent (id int PRIMARY KEY) \;
CREATE TABLE sf_child (id int PRIMARY KEY, parent_id int) \;
/* the comment before the third statement */
  CREATE TABLE sf_json (id int PRIMARY KEY, doc json NULL);
SELECT rule, level, raised, object_identity, at_commit,
       statement_line, statement_position, statement_length
  FROM schema_guard.session_findings();
SELECT count(DISTINCT statement) AS statements FROM schema_guard.session_findings();
-- The columns a finding has everywhere.
SELECT rule, object_type, message, detail, fix
  FROM schema_guard.session_findings(true) ORDER BY rule;
SELECT count(*) AS after_reset FROM schema_guard.session_findings();

-- At commit: the statement that made the column, not the COMMIT.
BEGIN \;
CREATE TABLE sf_doc (id int PRIMARY KEY, doc jsonb NOT NULL) \;
COMMIT;
SELECT rule, raised, at_commit, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);
-- PREPARE TRANSACTION, likewise: the CREATE TABLE, a query string of its own.
BEGIN;
CREATE TABLE sf_prepared (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SET search_path = public \; PREPARE TRANSACTION 'sf_prepared';
ROLLBACK PREPARED 'sf_prepared';
SELECT rule, at_commit, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);
-- In autocommit no COMMIT was written: the statement itself.
CREATE TABLE sf_fk2 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SELECT rule, at_commit, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);

-- A DO block and a function are the statement that ran them.
SET search_path = public \;
DO $$
BEGIN
    CREATE TABLE sf_do (id int PRIMARY KEY, doc json NULL);
END
$$;
SELECT rule, object_identity, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);
CREATE FUNCTION sf_make() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE sf_fn (id int PRIMARY KEY, doc json NULL);
END
$$;
SET search_path = public \;   SELECT sf_make();
SELECT rule, object_identity, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);

-- Positions count characters, not bytes.
COMMENT ON TABLE sf_parent IS 'ünïcödé' \; CREATE TABLE sf_utf (id int PRIMARY KEY, doc json NULL);
SELECT rule, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);

-- Enforce mode: the error aborts the transaction and the finding is kept.
RESET schema_guard.mode;
BEGIN;
SET search_path = public \;
CREATE INDEX sf_rejected ON sf_parent (id);
ROLLBACK;
SELECT rule, level, raised, object_identity, statement_line, statement_position
  FROM schema_guard.session_findings(true);
-- At commit in enforce mode: the COMMIT fails, the finding is kept.
BEGIN;
CREATE TABLE sf_fk3 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
  COMMIT;
SELECT rule, raised, at_commit, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);

-- check_pending(): the commit's checks now, at the statement that made the
-- object (the number statement_number() gave the one before it), not the
-- one that called it; COMMIT does not raise them again.
SET schema_guard.mode = warn;
BEGIN;
CREATE TABLE sf_fk4 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SELECT schema_guard.statement_number() - 1 AS made \gset
SET search_path = public \; SELECT schema_guard.check_pending();
COMMIT;
SELECT rule, raised, at_commit, statement = :made AS made_it, statement_line, statement_position
  FROM schema_guard.session_findings(true);
-- Nothing pending: nothing raised.
BEGIN;
SELECT schema_guard.check_pending();
COMMIT;
-- Inside a savepoint it checks and forgets nothing: rolling the savepoint
-- back undoes the index that made the check pass, and COMMIT judges again.
BEGIN;
CREATE TABLE sf_fk5 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SAVEPOINT s;
CREATE INDEX sf_fk5_parent_id_idx ON sf_fk5 (parent_id);
SELECT schema_guard.check_pending();
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT rule, at_commit, statement_line FROM schema_guard.session_findings(true);
BEGIN;
CREATE TABLE sf_doc7 (id int PRIMARY KEY, doc jsonb NOT NULL);
SAVEPOINT s;
SELECT schema_guard.check_pending();
RELEASE SAVEPOINT s;
COMMIT;
SELECT rule, object_identity, statement_line FROM schema_guard.session_findings(true);

-- statement_number(): the number of the statement that calls it; the
-- guard numbers a statement the first time it needs one (one raising a
-- finding or leaving work for the commit), so a statement that does
-- neither has none, and the next number goes to the next statement that
-- needs one.
SELECT schema_guard.statement_number() AS n0 \gset
SELECT 1 AS nothing_for_the_guard;
SELECT schema_guard.statement_number() - :n0 AS one_more,
       schema_guard.statement_number() - :n0 AS same_statement;
SELECT schema_guard.statement_number() - :n0 AS next_one;
-- Not a statement of the client's query string: a cursor's portal.
BEGIN;
DECLARE sf_cursor CURSOR FOR SELECT schema_guard.statement_number() IS NULL AS not_numbered;
FETCH sf_cursor;
COMMIT;

-- The last statement that changed the object: a DROP INDEX that left the
-- foreign key unindexed; rolled back to a savepoint, it is gone with its
-- work, and the statement that made the foreign key is the one left.
BEGIN;
CREATE TABLE sf_sp (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SELECT schema_guard.statement_number() - 1 AS made \gset
CREATE INDEX sf_sp_parent_id_idx ON sf_sp (parent_id);
SAVEPOINT s;
DROP INDEX sf_sp_parent_id_idx;
SELECT schema_guard.statement_number() - 1 AS dropped \gset
ROLLBACK TO SAVEPOINT s;
DROP INDEX sf_sp_parent_id_idx;
SELECT schema_guard.statement_number() - 1 AS dropped_again \gset
SELECT schema_guard.check_pending();
ROLLBACK;
SELECT rule, statement = :dropped_again AS by_the_drop_kept,
       statement = :dropped AS by_the_drop_rolled_back, statement = :made AS by_the_create
  FROM schema_guard.session_findings(true);
BEGIN;
CREATE TABLE sf_sp (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SELECT schema_guard.statement_number() - 1 AS made \gset
SAVEPOINT s;
CREATE INDEX sf_sp_parent_id_idx ON sf_sp (parent_id);
DROP INDEX sf_sp_parent_id_idx;
ROLLBACK TO SAVEPOINT s;
SELECT schema_guard.check_pending();
ROLLBACK;
SELECT rule, statement = :made AS by_the_create FROM schema_guard.session_findings(true);
-- A rename is not what a rule judges: the statement that made the foreign
-- key keeps it, under its new name.
BEGIN;
CREATE TABLE sf_sp (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SELECT schema_guard.statement_number() - 1 AS made \gset
ALTER TABLE sf_sp RENAME CONSTRAINT sf_sp_parent_id_fkey TO sf_sp_parent_fk;
SELECT schema_guard.check_pending();
ROLLBACK;
SELECT rule, object_identity, statement = :made AS by_the_create
  FROM schema_guard.session_findings(true);
-- Work left by a statement under a cursor's portal has no statement: its
-- finding is the COMMIT's, as when nothing made it.
CREATE FUNCTION sf_make_fk() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE sf_fk_cursor (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
    RETURN 1;
END
$$;
BEGIN;
DECLARE sf_cursor CURSOR FOR SELECT sf_make_fk();
FETCH sf_cursor;
SET search_path = public \; COMMIT;
SELECT rule, at_commit, statement_line, statement_position, statement_length
  FROM schema_guard.session_findings(true);
DROP TABLE sf_fk_cursor;
DROP FUNCTION sf_make_fk();

-- Enforce mode: check_pending() raises the error COMMIT would.
RESET schema_guard.mode;
BEGIN;
CREATE TABLE sf_fk6 (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES sf_parent);
SELECT schema_guard.check_pending();
ROLLBACK;
SELECT rule, raised, at_commit FROM schema_guard.session_findings(true);

-- The cap: later findings are counted, and the function says so.
SET schema_guard.mode = warn;
SET schema_guard.session_findings_max = 1;
CREATE TABLE sf_capped (id int PRIMARY KEY, a int, b int, c json NULL);
SELECT rule, object_identity FROM schema_guard.session_findings();
SELECT count(*) AS kept FROM schema_guard.session_findings(true);
SELECT count(*) AS none_dropped_after_reset FROM schema_guard.session_findings();
SET schema_guard.session_findings_max = 0;
CREATE TABLE sf_capped2 (id int PRIMARY KEY, a int);
SELECT count(*) AS kept_none FROM schema_guard.session_findings(true);
RESET schema_guard.session_findings_max;
SET schema_guard.session_findings_max = -1;
SET schema_guard.session_findings_max = 100001;

-- Off, and exempted: not raised, not kept.
SET schema_guard.implicit_nullable = off;
CREATE TABLE sf_off (id int PRIMARY KEY, a int);
SELECT count(*) AS kept_off FROM schema_guard.session_findings();
RESET schema_guard.implicit_nullable;
SELECT schema_guard.exempt('json_not_jsonb', 'public.sf_off', 'kept as the client sends it');
ALTER TABLE sf_off ADD COLUMN raw json NULL;
SELECT count(*) AS kept_exempted FROM schema_guard.session_findings();

-- Bad input.
SELECT * FROM schema_guard.session_findings(NULL);

-- DISCARD ALL forgets them (and the session's settings).
CREATE TABLE sf_discarded (id int PRIMARY KEY, a int);
SELECT count(*) AS before_discard FROM schema_guard.session_findings();
DISCARD ALL;
SELECT count(*) AS after_discard FROM schema_guard.session_findings();

SET schema_guard.mode = off;
DROP FUNCTION sf_make();
DROP TABLE sf_doc, sf_fk2, sf_fk4, sf_fk5, sf_doc7, sf_child, sf_parent, sf_json, sf_do, sf_fn,
    sf_utf, sf_capped, sf_capped2, sf_off, sf_discarded;
RESET schema_guard.mode;
