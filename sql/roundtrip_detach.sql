-- schema_guard.roundtrip(): DETACH PARTITION CONCURRENTLY, which cannot
-- run in a transaction block, runs as DETACH PARTITION in the dry run, and
-- the report says so (ran_not_concurrently).  13 has no DETACH PARTITION
-- CONCURRENTLY: there, the round trip refuses up as a syntax error
-- (expected/roundtrip_detach_1.out).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE TABLE rtd_event (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE rtd_event_2024 PARTITION OF rtd_event
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO rtd_event VALUES (1, '2024-03-01'), (2, '2024-09-01');
RESET schema_guard.mode;

-- Detached and attached again: nothing lost, the dry run said.
SELECT phase, kind, object_identity, detail FROM schema_guard.roundtrip(
    'ALTER TABLE rtd_event DETACH PARTITION rtd_event_2024 CONCURRENTLY',
    $$ALTER TABLE rtd_event ATTACH PARTITION rtd_event_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')$$);
-- Detached and not attached again: the partition is a table of its own,
-- its definition changed.
SELECT phase, kind, object_identity, detail FROM schema_guard.roundtrip(
    'ALTER TABLE rtd_event DETACH PARTITION rtd_event_2024 CONCURRENTLY', 'SELECT 1');
-- Still attached.
SELECT inhrelid::regclass AS partition FROM pg_inherits WHERE inhparent = 'rtd_event'::regclass;

SET schema_guard.mode = off;
DROP TABLE rtd_event;
RESET schema_guard.mode;
