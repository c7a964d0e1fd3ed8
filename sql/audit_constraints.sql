-- The audit's constraint_not_validated: a CHECK or foreign key added NOT
-- VALID and never validated.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE VIEW acon_findings AS
SELECT rule, level, object_type, object_identity, message, detail, fix, exempted, evidence
  FROM schema_guard.audit(schemas => '{acon}', rules => '{constraint_not_validated}');

SET schema_guard.mode = off;
CREATE SCHEMA acon;
CREATE TABLE acon.parent (id bigint PRIMARY KEY);
INSERT INTO acon.parent VALUES (1);
CREATE TABLE acon."Child T" (id bigint PRIMARY KEY, parent_id bigint NOT NULL, qty int NOT NULL);
CREATE INDEX ON acon."Child T" (parent_id);
INSERT INTO acon."Child T" VALUES (1, 1, 5);
ALTER TABLE acon."Child T" ADD CONSTRAINT "Qty Positive" CHECK (qty > 0) NOT VALID;
ALTER TABLE acon."Child T" ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id)
    REFERENCES acon.parent NOT VALID;
-- validated: nothing to say
ALTER TABLE acon."Child T" ADD CONSTRAINT qty_small CHECK (qty < 100) NOT VALID;
ALTER TABLE acon."Child T" VALIDATE CONSTRAINT qty_small;
-- inheritance: the child's copy is judged on the parent, where it was added
CREATE TABLE acon.base (id bigint PRIMARY KEY, n int NOT NULL);
CREATE TABLE acon.derived (extra int NOT NULL) INHERITS (acon.base);
ALTER TABLE acon.base ADD CONSTRAINT base_n_check CHECK (n >= 0) NOT VALID;
RESET schema_guard.mode;

SELECT * FROM acon_findings;

-- The fixes run, and the findings are gone.
ALTER TABLE acon."Child T" VALIDATE CONSTRAINT "Qty Positive";
ALTER TABLE acon."Child T" VALIDATE CONSTRAINT child_parent_fk;
ALTER TABLE acon.base VALIDATE CONSTRAINT base_n_check;
SELECT * FROM acon_findings;

-- A table the caller has no privilege on is not judged.
SET schema_guard.mode = off;
ALTER TABLE acon.parent ADD CONSTRAINT parent_id_check CHECK (id > 0) NOT VALID;
RESET schema_guard.mode;
CREATE ROLE acon_reader;
GRANT USAGE ON SCHEMA acon TO acon_reader;
SET ROLE acon_reader;
SELECT rule, level, object_identity
  FROM schema_guard.audit(schemas => '{acon}', rules => '{constraints}')
 WHERE object_identity = 'acon.parent';
RESET ROLE;

SET schema_guard.mode = off;
DROP SCHEMA acon CASCADE;
RESET schema_guard.mode;
DROP ROLE acon_reader;
DROP VIEW acon_findings;
