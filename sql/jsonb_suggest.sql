-- JSONB suggestions: jsonb_suggest() and jsonb_workload_paths().
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schema_guard.mode = off;
CREATE SCHEMA jsuggest;
SET search_path = jsuggest, public;

CREATE TABLE orders (id int PRIMARY KEY, doc jsonb NOT NULL, legacy json NULL);
INSERT INTO orders
SELECT i, jsonb_build_object(
        'customer', 'c' || i % 7,
        'total', i * 1.25,
        'qty', i,
        'paid', i % 2 = 0,
        'ship', jsonb_build_object('country', 'FR', 'zip', CASE WHEN i % 10 = 0 THEN to_jsonb(75000 + i) ELSE to_jsonb('750' || i) END),
        'lines', jsonb_build_array(jsonb_build_object('sku', 'S' || i)))
       || CASE WHEN i % 50 = 0 THEN '{"gift": "yes"}'::jsonb ELSE '{}' END
       || CASE WHEN i % 5 = 0 THEN '{"coupon": null}'::jsonb ELSE '{"coupon": "X"}' END,
       json_build_object('v', i)
  FROM generate_series(1, 200) i;

-- Promote: paths in >= 95% of documents with one scalar type (JSON null
-- aside).  CHECK: paths that always hold one type.  Not for $.ship.zip
-- (string and integer) nor for paths inside arrays.
SELECT kind, path, type, rows, round(presence::numeric, 3) AS presence, fix
  FROM schema_guard.jsonb_suggest('orders', 'doc') ORDER BY path, kind;
-- The finding columns, in full.
\x on
SELECT * FROM schema_guard.jsonb_suggest('orders', 'doc') WHERE kind = 'promote' AND path = '$.ship.country';
\x off
-- A lower threshold promotes $.gift (1% of documents) too.
SELECT kind, path FROM schema_guard.jsonb_suggest('orders', 'doc', 0.01) WHERE path = '$.gift' ORDER BY kind;

-- The DDL runs: the generated column matches the document, the CHECK is
-- added NOT VALID, then validated.
DO $$
DECLARE f text;
BEGIN
    FOR f IN SELECT s.fix FROM schema_guard.jsonb_suggest('jsuggest.orders', 'doc') s
              WHERE s.path IN ('$.total', '$.ship.country', '$.paid', '$.qty') LOOP
        EXECUTE f;
    END LOOP;
END $$;
SELECT count(*) FILTER (WHERE doc_total = (doc->>'total')::numeric AND doc_ship_country = 'FR'
                          AND doc_paid = (doc->'paid')::boolean AND doc_qty = id) AS matching
  FROM orders;
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'orders'::regclass AND contype = 'c' ORDER BY conname;
-- Done once, not suggested again.
SELECT kind, path FROM schema_guard.jsonb_suggest('orders', 'doc')
 WHERE path IN ('$.total', '$.ship.country', '$.paid', '$.qty') ORDER BY path, kind;
-- The CHECK holds the shape.
INSERT INTO orders VALUES (1000, '{"customer": "c", "total": "12", "qty": 1, "paid": true, "ship": {"country": "FR"}}', NULL);

-- A json column: json_typeof.
SELECT kind, path, fix FROM schema_guard.jsonb_suggest('orders', 'legacy') ORDER BY path, kind;

-- Index suggestions come from normalized query texts weighted by calls:
-- pg_stat_statements when installed and readable, or any (query, calls)
-- relation.  Literal keys give a path; $n keys are counted, not guessed.
CREATE TABLE workload (query text, calls bigint);
INSERT INTO workload VALUES
 ('SELECT * FROM orders WHERE doc->>''customer'' = $1', 900),
 ('SELECT * FROM orders o WHERE o.doc #>> ''{ship,country}'' = $1 AND o.doc -> ''ship'' ->> ''zip'' = $2', 40),
 ('SELECT * FROM orders WHERE doc @> $1', 70),
 ('SELECT id FROM orders WHERE doc ? $1', 5),
 ('SELECT * FROM orders WHERE doc->>$1 = $2', 3),
 ('SELECT undoc->>''customer'' FROM other', 5000),
 ('SELECT doc->>''customer'' FROM other_orders', 7000),
 ('SELECT doc->>''nope'' FROM orders', 2);
SELECT * FROM schema_guard.jsonb_workload_paths('orders', 'doc', 'workload') ORDER BY calls DESC, path;
-- (the 7,000 calls on other_orders.doc are another table's)
SELECT * FROM schema_guard.jsonb_workload_paths('orders', 'doc', NULL);
SELECT * FROM schema_guard.jsonb_workload_paths('orders', 'no_such_column', 'workload');
SELECT kind, path, calls, message, fix
  FROM schema_guard.jsonb_suggest('orders', 'doc', workload => 'workload') WHERE kind = 'index';
-- An index that exists is not suggested again.
CREATE INDEX ON orders ((doc ->> 'customer'));
CREATE INDEX ON orders USING gin (doc jsonb_path_ops);
-- (jsonb_path_ops serves @> but not ?)
SELECT kind, path, calls FROM schema_guard.jsonb_suggest('orders', 'doc', workload => 'workload') WHERE kind = 'index';

-- pg_stat_statements installed but not loaded: said, not fatal.
CREATE EXTENSION pg_stat_statements;
-- (terse: the DETAIL quotes PostgreSQL's own message, which changed in 18)
\set VERBOSITY terse
SELECT count(*) FROM schema_guard.jsonb_suggest('orders', 'doc') WHERE kind = 'index';
\set VERBOSITY default
DROP EXTENSION pg_stat_statements;

-- A fix runs as written under anyone's search_path: on a domain-typed
-- column, another schema's jsonb_typeof or -> taking the domain would match
-- better than pg_catalog's, so the fix names pg_catalog's.
CREATE DOMAIN jsuggest.doc_d AS jsonb;
CREATE TABLE jsuggest.dom (id int PRIMARY KEY, doc jsuggest.doc_d NULL);
INSERT INTO jsuggest.dom SELECT g, jsonb_build_object('k', g, 'a', jsonb_build_object('b', 'x')) FROM generate_series(1, 20) g;
CREATE FUNCTION jsuggest.jsonb_typeof(jsuggest.doc_d) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
CREATE FUNCTION jsuggest.arrow(jsuggest.doc_d, text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '"hijacked"'::jsonb $$;
CREATE OPERATOR jsuggest.-> (LEFTARG = jsuggest.doc_d, RIGHTARG = text, FUNCTION = jsuggest.arrow);
CREATE FUNCTION jsuggest.arrows(jsuggest.doc_d, text[]) RETURNS jsonb LANGUAGE sql AS $$ SELECT '"hijacked"'::jsonb $$;
CREATE OPERATOR jsuggest.#> (LEFTARG = jsuggest.doc_d, RIGHTARG = text[], FUNCTION = jsuggest.arrows);
SELECT kind, path, fix FROM schema_guard.jsonb_suggest('jsuggest.dom', 'doc') ORDER BY path, kind;
-- (jsuggest is first on the search path, as the table's own schema would be)
DO $$
DECLARE f text;
BEGIN
    FOR f IN SELECT s.fix FROM schema_guard.jsonb_suggest('jsuggest.dom', 'doc') s
              WHERE s.kind = 'check' LOOP
        EXECUTE f;
    END LOOP;
END $$;
SELECT conname, convalidated FROM pg_constraint
 WHERE conrelid = 'jsuggest.dom'::regclass AND contype = 'c' ORDER BY conname;

-- Bad arguments.
SELECT * FROM schema_guard.jsonb_suggest('orders', 'doc', 0);
SELECT * FROM schema_guard.jsonb_suggest('orders', 'doc', 1.5);
SELECT * FROM schema_guard.jsonb_suggest('orders', NULL);
SELECT * FROM schema_guard.jsonb_suggest('orders', 'id');

DROP SCHEMA jsuggest CASCADE;
