-- JSONB contracts: jsonb_expect(), schema_guard.jsonb_contracts, jsonb_drift().
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE SCHEMA jcontract;
SET search_path = jcontract, public;

CREATE TABLE orders (id int PRIMARY KEY, doc jsonb NULL, note text NULL);
INSERT INTO orders VALUES
 (1, '{"status": "paid", "total": 10, "lines": [{"sku": "A", "qty": 1}]}'),
 (2, '{"status": "paid", "total": 12.5, "lines": [{"sku": "B"}, {"sku": "C", "qty": 2}]}'),
 (3, '{"status": "void", "total": "12", "lines": [], "coupon": {"code": "X", "pct": 5}}'),
 (4, '{"total": 3, "lines": [{"sku": 7, "qty": 1}]}'),
 (5, '{"status": "shipped", "total": 1, "lines": [{"sku": "D", "qty": 1}], "coupon": "none"}'),
 (6, NULL);

-- Malformed contracts are rejected with the JSON pointer of the problem.
SELECT schema_guard.jsonb_expect('orders', 'doc', '[]');
SELECT schema_guard.jsonb_expect('orders', 'doc', '"object"');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"type": "int"}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"type": ["string", 1]}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"type": []}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"properties": []}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"properties": {"a/b~c": {"type": {}}}}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"properties": {"a": 5}}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"required": "a"}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"required": ["a", null]}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"items": "x"}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"additionalProperties": 1}');
SELECT schema_guard.jsonb_expect('orders', 'doc', '{"properties": {"lines": {"items": {"properties": {"qty": {"enum": 1}}}}}}');
-- NULLs, a column that is not json, an unknown column.
SELECT schema_guard.jsonb_expect('orders', 'doc', NULL);
SELECT schema_guard.jsonb_expect(NULL, 'doc', '{}');
SELECT schema_guard.jsonb_expect('orders', 'note', '{}');
SELECT schema_guard.jsonb_expect('orders', 'nope', '{}');
SELECT count(*) FROM schema_guard.jsonb_contracts;

-- A real-world JSON Schema is accepted as it is; keywords outside the
-- subset are listed as not checked, annotations are not.
SELECT schema_guard.jsonb_expect('orders', 'doc', $$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.com/order.json",
  "title": "Order",
  "description": "An order as the shop writes it",
  "type": "object",
  "required": ["status", "total", "lines"],
  "properties": {
    "status": {"type": "string", "enum": ["paid", "void", "shipped"], "minLength": 1},
    "total": {"type": "number", "minimum": 0},
    "lines": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["sku", "qty"],
        "properties": {
          "sku": {"type": "string", "pattern": "^[A-Z]+$"},
          "qty": {"type": "integer"}
        },
        "additionalProperties": false
      }
    },
    "placed_at": {"type": "string", "format": "date-time"}
  },
  "x-owner": "shop team"
}
$$);
SELECT tbl, col, unchecked_keywords, registered_by FROM schema_guard.jsonb_contracts;

-- Every kind of drift, with counts and up to 5 primary keys.
SELECT kind, level, path, expected, observed, rows, examples
  FROM schema_guard.jsonb_drift('orders', 'doc') ORDER BY path, kind, observed;
-- The finding columns, in full, for one of them.
\x on
SELECT * FROM schema_guard.jsonb_drift('orders', 'doc') WHERE kind = 'type_mismatch' AND path = '$.total';
\x off
-- Each fix is a query that lists the offending rows: the same rows as the
-- examples (all of them, since there are fewer than 5).
CREATE FUNCTION fix_rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE r text[];
BEGIN
    EXECUTE 'SELECT array_agg(k ORDER BY k) FROM (' || rtrim(q, ';') || ') x(k)' INTO r;
    RETURN coalesce(r, '{}');
END $$;
SELECT kind, path, fix_rows(fix) = (SELECT array_agg(e ORDER BY e) FROM unnest(examples) e) AS fix_finds_examples,
       fix
  FROM schema_guard.jsonb_drift('orders', 'doc') WHERE fix IS NOT NULL AND kind <> 'type_conflict'
 ORDER BY path, kind;

-- The observed shape, registered as the contract, has no drift.
CREATE TABLE clean (k1 int NOT NULL, k2 text NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (k1, k2));
INSERT INTO clean SELECT i, 'k', jsonb_build_object('n', i, 'tags', jsonb_build_array('t' || i), 'maybe', CASE WHEN i > 2 THEN 1 END)
  FROM generate_series(1, 5) i;
SELECT schema_guard.jsonb_expect('clean', 'doc', schema_guard.jsonb_infer_contract('clean', 'doc'));
SELECT count(*) FROM schema_guard.jsonb_drift('clean', 'doc');
-- A composite primary key names its rows as a row literal.
INSERT INTO clean VALUES (9, 'z', '{"n": "nine", "tags": [], "maybe": null, "new": true}');
SELECT kind, path, rows, examples FROM schema_guard.jsonb_drift('clean', 'doc') ORDER BY path, kind;

-- Without a primary key, rows are named by ctid.
CREATE TABLE heap (doc jsonb NOT NULL);
INSERT INTO heap VALUES ('{"a": 1}'), ('{"a": "x"}');
SELECT schema_guard.jsonb_expect('heap', 'doc', '{"properties": {"a": {"type": "integer"}}}');
SELECT kind, path, examples FROM schema_guard.jsonb_drift('heap', 'doc');

-- Sampled drift: a documented path not seen gets a bound.
CREATE TABLE big (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO big SELECT i, jsonb_build_object('a', i) || CASE WHEN i = 1 THEN '{"b": 1}'::jsonb ELSE '{}' END
  FROM generate_series(1, 5000) i;
SELECT schema_guard.jsonb_expect('big', 'doc', '{"properties": {"a": {"type": "integer"}, "b": {}}}');
SELECT kind, path, rows, observed FROM schema_guard.jsonb_drift('big', 'doc', 10, 1);
SELECT kind, path, rows, observed FROM schema_guard.jsonb_drift('big', 'doc');

-- Boolean schemas and additionalProperties as a schema (a map).
CREATE TABLE flags (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO flags VALUES (1, '{"by_user": {"u1": true, "u2": false}, "meta": {"any": [1, {"x": 2}]}, "never": 1}'),
                         (2, '{"by_user": {"u3": "yes"}}');
SELECT schema_guard.jsonb_expect('flags', 'doc',
    '{"properties": {"by_user": {"type": "object", "additionalProperties": {"type": "boolean"}},
                     "meta": true, "never": false}}');
SELECT kind, level, path, expected, observed, rows FROM schema_guard.jsonb_drift('flags', 'doc') ORDER BY path, kind;

-- Every contracted column at once, or every one of a table.
SELECT split_part(object_identity, ' ', 1) AS col, count(*)
  FROM schema_guard.jsonb_drift() GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM schema_guard.jsonb_drift('orders');
SELECT * FROM schema_guard.jsonb_drift('orders', 'note');
SELECT * FROM schema_guard.jsonb_drift(NULL, 'doc');
SELECT * FROM schema_guard.jsonb_drift('orders', 'doc', 0);
CREATE TABLE nocontract (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT * FROM schema_guard.jsonb_drift('nocontract', 'doc');
SELECT * FROM schema_guard.jsonb_drift('nocontract');

-- Contracts follow table and column renames and die with their column or table.
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE purchases RENAME COLUMN doc TO body;
SELECT tbl, col FROM schema_guard.jsonb_contracts WHERE tbl = 'purchases'::regclass;
SELECT count(*) FROM schema_guard.jsonb_drift('purchases', 'body');
ALTER TABLE purchases DROP COLUMN body;
DROP TABLE heap;
SELECT tbl, col FROM schema_guard.jsonb_contracts ORDER BY tbl::text, col;

-- A rename on a partitioned table or an inheritance parent reaches every
-- table below it, and so do the contracts registered on them.
CREATE TABLE events (id int, at date, doc jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (at date, id int, doc jsonb);
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
SELECT schema_guard.jsonb_expect('events', 'doc', '{"type": "object"}');
SELECT schema_guard.jsonb_expect('events_2025', 'doc', '{"type": "object"}');
ALTER TABLE events RENAME COLUMN doc TO payload;
SELECT tbl, col FROM schema_guard.jsonb_contracts WHERE tbl::text LIKE 'events%' ORDER BY tbl::text;
CREATE TABLE parent_docs (doc jsonb);
CREATE TABLE child_docs (id int) INHERITS (parent_docs);
SELECT schema_guard.jsonb_expect('child_docs', 'doc', '{}');
ALTER TABLE parent_docs RENAME COLUMN doc TO body;
SELECT tbl, col FROM schema_guard.jsonb_contracts WHERE tbl = 'child_docs'::regclass;

-- Only members of the table owner's role may register or change a contract.
CREATE ROLE jcontract_other;
GRANT USAGE ON SCHEMA jcontract TO jcontract_other;
GRANT SELECT ON flags TO jcontract_other;
SET ROLE jcontract_other;
SELECT schema_guard.jsonb_expect('flags', 'doc', '{}');
SELECT schema_guard.jsonb_unexpect('flags', 'doc');
DELETE FROM schema_guard.jsonb_contracts WHERE tbl = 'flags'::regclass;
SELECT count(*) FROM schema_guard.jsonb_drift('flags', 'doc');
RESET ROLE;
SELECT contract FROM schema_guard.jsonb_contracts WHERE tbl = 'flags'::regclass;
-- jsonb_unexpect() removes a contract (the table owner's role may), and
-- says whether there was one.
SELECT schema_guard.jsonb_unexpect('flags', 'doc') AS removed;
SELECT schema_guard.jsonb_unexpect('flags', 'doc') AS removed_again;
SELECT count(*) FROM schema_guard.jsonb_contracts WHERE tbl = 'flags'::regclass;
SELECT schema_guard.jsonb_unexpect(0, 'doc');
SELECT schema_guard.jsonb_unexpect('flags', NULL);

-- A relation that does not exist is an error, not one named "-".
SELECT * FROM schema_guard.jsonb_drift(0);
SELECT * FROM schema_guard.jsonb_drift(0, 'doc');
CREATE TEMP TABLE jcontract_workload (query text, calls bigint);
SELECT * FROM schema_guard.jsonb_workload_paths(0, 'doc', 'jcontract_workload');

DROP SCHEMA jcontract CASCADE;
DROP ROLE jcontract_other;
SELECT count(*) FROM schema_guard.jsonb_contracts;
