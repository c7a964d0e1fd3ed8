BEGIN;

CREATE TABLE tag (id bigint PRIMARY KEY, name text NOT NULL);

COMMIT;
