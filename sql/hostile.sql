-- A hostile table owner against the audit run by a superuser: the audit's
-- data queries must call no function the owner wrote (a cast to text of the
-- owner's type, a CHECK's own operator), or that function runs with the
-- auditor's privileges (the trojans raise an error when a superuser runs
-- them); no table may end the whole audit with an error.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;

CREATE ROLE sghostile_owner;
CREATE SCHEMA sghostile AUTHORIZATION sghostile_owner;
SET ROLE sghostile_owner;
CREATE FUNCTION sghostile.trojan_check() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'trojan ran as superuser %', current_user;
    END IF;
    RETURN true;
END $$;
-- a cast to text of the owner's enum, which the orphaned_rows probe printed
CREATE TYPE sghostile.colour AS ENUM ('red', 'green');
CREATE FUNCTION sghostile.colour_text(sghostile.colour) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sghostile.trojan_check();
    RETURN $1::name::text;
END $$;
CREATE CAST (sghostile.colour AS text) WITH FUNCTION sghostile.colour_text(sghostile.colour);
CREATE TABLE sghostile.colours (id sghostile.colour PRIMARY KEY);
CREATE TABLE sghostile.things (id bigint PRIMARY KEY, colour_id sghostile.colour NOT NULL);
INSERT INTO sghostile.colours VALUES ('red');
INSERT INTO sghostile.things VALUES (1, 'green'), (2, 'green'), (3, 'red');
-- a CHECK's own mergejoinable "=", which check_values_unused called
CREATE FUNCTION sghostile.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sghostile.trojan_check();
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR sghostile.= (FUNCTION = sghostile.eq, LEFTARG = text, RIGHTARG = text, MERGES);
CREATE TABLE sghostile.states (
    id bigint PRIMARY KEY,
    s text NOT NULL CHECK (s OPERATOR(sghostile.=) ANY (ARRAY['a', 'b', 'c'])),
    t text NOT NULL CHECK (t IN ('a', 'b', 'c'))
);
INSERT INTO sghostile.states VALUES (1, 'a', 'a'), (2, 'a', 'b');
RESET ROLE;

SET schema_guard.check_values_unused_min_rows = 1;
SET schema_guard.nullable_never_null_min_rows = 1;
-- orphaned_rows prints 'green' with the type's output function; the CHECK
-- of s is no value list (its operator is the owner's), the CHECK of t is
SELECT rule, object_identity, message, evidence
FROM schema_guard.audit(ARRAY['sghostile'], ARRAY['data'], with_data => true);
-- the trojans do run when called, as the superuser
SELECT 'green'::sghostile.colour::text;
SELECT 'a'::text OPERATOR(sghostile.=) 'a';

-- A table whose columns need more values than one query returns (1664):
-- a row of audit_skipped, not an error that ends the whole audit.
CREATE TYPE sghostile.e AS ENUM ('a', 'b');
DO $$
BEGIN
    EXECUTE 'CREATE TABLE sghostile.wide ('
        || (SELECT string_agg(format('c%s sghostile.e', i), ', ') FROM generate_series(1, 1000) i)
        || ')';
END $$;
INSERT INTO sghostile.wide (c1) VALUES ('a');
SELECT rule, object_identity, message
FROM schema_guard.audit(ARRAY['sghostile'], ARRAY['data'], with_data => true)
WHERE object_identity = 'sghostile.wide';

SET client_min_messages = warning;
DROP SCHEMA sghostile CASCADE;
RESET client_min_messages;
DROP ROLE sghostile_owner;
