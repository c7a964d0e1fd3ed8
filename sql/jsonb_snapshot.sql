-- JSONB snapshots: jsonb_snapshot() and jsonb_changes().
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE SCHEMA jsnap;
SET search_path = jsnap, public;

CREATE TABLE events (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO events SELECT i, jsonb_build_object('kind', 'click', 'x', i, 'legacy', true)
  FROM generate_series(1, 100) i;

-- Not enough snapshots yet.
SELECT * FROM schema_guard.jsonb_changes('events', 'doc');
SELECT schema_guard.jsonb_snapshot('events', 'doc') AS first \gset
SELECT * FROM schema_guard.jsonb_changes('events', 'doc');
SELECT method, sample_percent, seed, rows_scanned, null_documents, budget_exhausted
  FROM schema_guard.jsonb_snapshots WHERE id = :first;
SELECT path, type, rows, presence, ratio, min_length, max_length
  FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id = :first ORDER BY path, type;

-- The data moves: $.legacy goes, $.device arrives, $.x turns into a string
-- in a quarter of the documents, and $.kind stays.
UPDATE events SET doc = doc - 'legacy' || jsonb_build_object('device', 'ios');
UPDATE events SET doc = jsonb_set(doc, '{x}', to_jsonb(id::text)) WHERE id % 4 = 0;
INSERT INTO events SELECT i, jsonb_build_object('kind', 'view', 'x', i) FROM generate_series(101, 125) i;
SELECT schema_guard.jsonb_snapshot('events', 'doc') AS second \gset

SELECT change, path, type, old_rows, new_rows, round(old_ratio::numeric, 3) AS old_ratio,
       round(new_ratio::numeric, 3) AS new_ratio, round(old_presence::numeric, 3) AS old_presence,
       round(new_presence::numeric, 3) AS new_presence,
       from_snapshot = :first AS from_first, to_snapshot = :second AS to_second
  FROM schema_guard.jsonb_changes('events', 'doc');
-- A larger min_change hides the small moves.
SELECT change, path, type FROM schema_guard.jsonb_changes('events', 'doc', NULL, 0.3);

-- "since" picks the newest snapshot taken at or before it.
UPDATE schema_guard.jsonb_snapshots SET taken_at = '2024-01-01' WHERE id = :first;
UPDATE schema_guard.jsonb_snapshots SET taken_at = '2024-06-01' WHERE id = :second;
SELECT schema_guard.jsonb_snapshot('events', 'doc', 50, 1) AS third \gset
SELECT DISTINCT from_snapshot = :first AS from_first, to_snapshot = :third AS to_third
  FROM schema_guard.jsonb_changes('events', 'doc', '2024-03-01');
SELECT DISTINCT from_snapshot = :second AS from_second
  FROM schema_guard.jsonb_changes('events', 'doc');
SELECT * FROM schema_guard.jsonb_changes('events', 'doc', '2023-01-01');
SELECT method, sample_percent, seed FROM schema_guard.jsonb_snapshots WHERE id = :third;

-- Bad arguments; a table dropped between snapshots takes its snapshots along.
SELECT * FROM schema_guard.jsonb_changes(NULL, 'doc');
SELECT * FROM schema_guard.jsonb_changes('events', NULL);
SELECT schema_guard.jsonb_snapshot('events', 'id');
SELECT schema_guard.jsonb_snapshot('events', 'doc', 101);
SELECT 'events'::regclass::oid AS events_oid \gset
DROP TABLE events;
SELECT count(*) FROM schema_guard.jsonb_snapshots WHERE tbl = :events_oid;
SELECT count(*) FROM schema_guard.jsonb_snapshot_paths WHERE snapshot_id IN (:first, :second, :third);
-- (the OID varies from run to run: show the SQLSTATE only)
\set VERBOSITY sqlstate
SELECT * FROM schema_guard.jsonb_changes(:events_oid, 'doc');
SELECT schema_guard.jsonb_snapshot(:events_oid, 'doc');
\set VERBOSITY default
CREATE TABLE events (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT schema_guard.jsonb_snapshot('events', 'doc') AS fourth \gset
SELECT schema_guard.jsonb_snapshot('events', 'doc') AS fifth \gset
SELECT id = :fourth AS is_fourth, id > :third AS new_id, tbl = 'events'::regclass AS of_new_table
  FROM schema_guard.jsonb_snapshots WHERE id IN (:fourth, :fifth) ORDER BY id;
SELECT count(*) FROM schema_guard.jsonb_changes('events', 'doc');
SELECT * FROM schema_guard.jsonb_changes('events', 'doc');

DROP SCHEMA jsnap CASCADE;
