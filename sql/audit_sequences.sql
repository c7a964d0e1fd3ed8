-- The audit's sequence_near_exhaustion: the share of its values a sequence
-- has used, against the smaller of its own limit and the types of the
-- columns it feeds (each model alone misses the other's case).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE VIEW aseq_findings AS
SELECT rule, level, object_type, object_identity, message, detail, fix, exempted, evidence
  FROM schema_guard.audit(schemas => '{aseq}', rules => '{sequence_near_exhaustion}');

SET schema_guard.mode = off;
CREATE SCHEMA aseq;
-- an integer column fed by a bigint sequence: the column's type ends first
CREATE SEQUENCE aseq.int_col_seq;
CREATE TABLE aseq.int_col (id int NOT NULL DEFAULT nextval('aseq.int_col_seq') PRIMARY KEY);
SELECT setval('aseq.int_col_seq', 2000000000);
-- a bigint column fed by an AS integer sequence: the sequence ends first
CREATE SEQUENCE aseq.int_seq AS integer;
CREATE TABLE aseq.big_col (id bigint NOT NULL DEFAULT nextval('aseq.int_seq') PRIMARY KEY);
SELECT setval('aseq.int_seq', 2000000000);
-- an integer identity column: both end together, the column has to change
CREATE TABLE aseq."Ident T" ("Id" int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('aseq."Ident T"', 'Id'), 1900000000);
-- counting down, through a domain over smallint
CREATE DOMAIN aseq.small AS smallint;
CREATE SEQUENCE aseq.down_seq INCREMENT BY -1 MINVALUE -100000 MAXVALUE -1;
CREATE TABLE aseq.down (id aseq.small NOT NULL DEFAULT nextval('aseq.down_seq') PRIMARY KEY);
SELECT setval('aseq.down_seq', -30000);
-- not near: a low value, a cycling sequence, a sequence never called
CREATE SEQUENCE aseq.low_seq AS integer;
SELECT setval('aseq.low_seq', 1000);
CREATE SEQUENCE aseq.cycle_seq AS integer CYCLE;
SELECT setval('aseq.cycle_seq', 2100000000);
CREATE SEQUENCE aseq.fresh_seq AS smallint START 100;
RESET schema_guard.mode;

SELECT * FROM aseq_findings;

-- The threshold is a setting.
SET schema_guard.sequence_near_exhaustion_threshold = 0.95;
SELECT object_identity, evidence->'used' AS used FROM aseq_findings;
RESET schema_guard.sequence_near_exhaustion_threshold;

-- The fix for a sequence's own limit runs, and the finding is gone.
ALTER SEQUENCE aseq.int_seq AS bigint MAXVALUE 9223372036854775807;
SELECT object_identity FROM aseq_findings;

-- A caller that may not read the sequence's value is told so.
CREATE ROLE aseq_writer;
GRANT USAGE ON SCHEMA aseq TO aseq_writer;
GRANT UPDATE ON aseq.int_col_seq TO aseq_writer;
SET ROLE aseq_writer;
SELECT rule, level, object_type, object_identity, message, evidence
  FROM schema_guard.audit(schemas => '{aseq}', rules => '{sequences}')
 WHERE object_identity = 'aseq.int_col_seq';
RESET ROLE;

SET schema_guard.mode = off;
DROP SCHEMA aseq CASCADE;
RESET schema_guard.mode;
DROP ROLE aseq_writer;
DROP VIEW aseq_findings;
