-- takes the migration lock of a tool, and forgets to release it
SELECT pg_advisory_lock(4711);
CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
