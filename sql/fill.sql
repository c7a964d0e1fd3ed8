-- schema_guard.fill() and fill_schema(): rows made from the declared schema.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- The DDL below is scaffolding for the generator (a json column, drops,
-- foreign keys added in any order): the guard is not this file's subject.
SET schema_guard.mode = off;
-- pg_regress's database prints intervals verbose, the HINT harness's does not.
SET IntervalStyle = postgres;
CREATE SCHEMA fill;
SET search_path = fill, public;

------------------------------------------------------------------------
-- Every built-in scalar type family, with NOT NULL, CHECKs, domains,
-- UNIQUE, and columns left to the server (identity, default, generated).
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'elated');
CREATE DOMAIN small_pos AS int NOT NULL CHECK (VALUE > 0 AND VALUE < 50);
CREATE DOMAIN even_int AS int CHECK (VALUE % 2 = 0);
CREATE TABLE types (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    i2 smallint NOT NULL CHECK (i2 BETWEEN 10 AND 20),
    i4 int NULL,
    i8 bigint NOT NULL CHECK (i8 >= 5000000000),
    n numeric(6,2) NOT NULL CHECK (n > 5.5),
    r real NOT NULL,
    d8 double precision NOT NULL,
    m money NOT NULL,
    t text NOT NULL CHECK (length(t) >= 3),
    vc varchar(5) NOT NULL CHECK (vc IN ('a', 'bb', 'ccc')),
    c char(3) NOT NULL,
    nm name NOT NULL,
    email text NOT NULL UNIQUE,
    dt date NOT NULL CHECK (dt >= '2030-01-01'),
    tm time NOT NULL,
    ttz timetz NOT NULL,
    ts timestamp NOT NULL,
    tstz timestamptz NOT NULL CHECK (tstz < '2000-01-01 00:00:00+00'),
    iv interval NOT NULL,
    b boolean NOT NULL CHECK (b),
    u uuid NOT NULL UNIQUE,
    j json NOT NULL,
    jb jsonb NOT NULL,
    by bytea NOT NULL,
    ip inet NOT NULL,
    net cidr NOT NULL,
    mac macaddr NOT NULL,
    mac8 macaddr8 NOT NULL,
    bt bit(4) NOT NULL,
    vb varbit(6) NOT NULL,
    ints int[] NOT NULL,
    texts text[] NOT NULL,
    feeling mood NOT NULL,
    sp small_pos,
    ev even_int NOT NULL,
    ir int4range NOT NULL,
    dr daterange NOT NULL,
    pt point NOT NULL,
    bx box NOT NULL,
    ci circle NOT NULL,
    tv tsvector NOT NULL,
    o oid NOT NULL,
    lsn pg_lsn NOT NULL,
    ch "char" NOT NULL,
    tl text NOT NULL CHECK (45 >= length(tl) AND length(tl) >= 40),
    created_at timestamptz NOT NULL DEFAULT '2001-02-03 04:05:06+00',
    doubled int GENERATED ALWAYS AS (i2 * 2) STORED
);
SELECT * FROM schema_guard.fill('types', 30, 1);
-- Everything the schema says holds: CHECKs and domains (the inserts
-- succeeded), UNIQUE, every enum label, NULLs only where allowed.
SELECT count(*) AS rows, count(DISTINCT email) AS emails, count(DISTINCT u) AS uuids,
       bool_and(i2 BETWEEN 10 AND 20 AND i8 >= 5000000000 AND n > 5.5
                AND vc IN ('a', 'bb', 'ccc') AND dt >= '2030-01-01'
                AND tstz < '2000-01-01 00:00:00+00' AND b AND sp BETWEEN 1 AND 49
                AND ev % 2 = 0 AND length(t) >= 3 AND length(c) = 3
                AND length(tl) BETWEEN 40 AND 45) AS checks_hold,
       count(*) FILTER (WHERE i4 IS NULL) > 0 AS nullable_gets_nulls,
       array_agg(DISTINCT feeling ORDER BY feeling) AS labels,
       bool_and(created_at = '2001-02-03 04:05:06+00' AND doubled = i2 * 2) AS server_columns
  FROM types;
-- Two rows, as the generator makes them (the seed fixes them).
SELECT i2, i4, i8, n, r, d8, m, t, vc, c, nm, email, dt, tm, ttz, ts, iv, b, u, j, jb,
       by, ip, net, mac, mac8, bt, vb, ints, texts, feeling, sp, ev, ir, dr, pt, bx, ci,
       tv, o, lsn, ch, tl
  FROM types ORDER BY id LIMIT 2 \gx

-- A registered JSONB contract shapes the documents (jsonb_drift finds no drift).
CREATE TABLE docs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc jsonb NOT NULL);
SELECT schema_guard.jsonb_expect('docs', 'doc',
  '{"type": "object", "required": ["status", "lines"],
    "properties": {"status": {"enum": ["new", "paid"]},
                   "total": {"type": "number"},
                   "lines": {"type": "array", "items": {"type": "object", "required": ["sku"],
                             "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}}},
    "additionalProperties": false}');
SELECT * FROM schema_guard.fill('docs', 20, 0);
SELECT doc FROM docs ORDER BY id LIMIT 2;
SELECT count(*) AS drift FROM schema_guard.jsonb_drift('docs', 'doc');

------------------------------------------------------------------------
-- Determinism: the same seed into twin tables gives the same rows; another
-- seed gives others.
CREATE TABLE twin1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL UNIQUE,
                    qty int NOT NULL CHECK (qty > 0), at timestamptz NOT NULL, note text NULL,
                    tags text[] NOT NULL, doc jsonb NOT NULL);
CREATE TABLE twin2 (LIKE twin1 INCLUDING ALL);
CREATE TABLE twin3 (LIKE twin1 INCLUDING ALL);
SELECT inserted FROM schema_guard.fill('twin1', 200, 7);
SELECT inserted FROM schema_guard.fill('twin2', 200, 7);
SELECT inserted FROM schema_guard.fill('twin3', 200, 8);
SELECT (SELECT count(*) FROM (TABLE twin1 EXCEPT ALL TABLE twin2) x) AS only_in_1,
       (SELECT count(*) FROM (TABLE twin2 EXCEPT ALL TABLE twin1) x) AS only_in_2,
       (SELECT count(*) FROM (TABLE twin1 EXCEPT ALL TABLE twin3) x) AS seed_8_differs;
-- A second fill continues after the rows already there: no conflict.
SELECT * FROM schema_guard.fill('twin1', 50, 7);
SELECT count(*), count(DISTINCT code) FROM twin1;
-- Zero rows is fine.
SELECT * FROM schema_guard.fill('twin1', 0);

------------------------------------------------------------------------
-- fill_schema: referenced tables first, composite keys, a cycle broken at
-- its nullable foreign key.
CREATE SCHEMA shop;
CREATE TABLE shop.customer (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            name text NOT NULL, region char(2) NOT NULL);
CREATE TABLE shop.product (sku text PRIMARY KEY, price numeric(8,2) NOT NULL CHECK (price > 0 AND price <= 500));
CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          customer_id bigint NOT NULL REFERENCES shop.customer,
                          placed date NOT NULL,
                          status text NOT NULL CHECK (status IN ('new', 'paid', 'shipped')));
CREATE INDEX ON shop.orders (customer_id);
CREATE TABLE shop.line (order_id bigint NOT NULL REFERENCES shop.orders, sku text NOT NULL REFERENCES shop.product,
                        qty int NOT NULL CHECK (qty BETWEEN 1 AND 9), PRIMARY KEY (order_id, sku));
CREATE INDEX ON shop.line (sku);
-- a composite foreign key
CREATE TABLE shop.shipment (order_id bigint NOT NULL, sku text NOT NULL, carrier text NOT NULL,
                            FOREIGN KEY (order_id, sku) REFERENCES shop.line);
CREATE INDEX ON shop.shipment (order_id, sku);
-- a cycle: employee.team_id is nullable, team.lead_id is not
CREATE TABLE shop.employee (id bigint PRIMARY KEY, team_id bigint NULL);
CREATE TABLE shop.team (id bigint PRIMARY KEY, lead_id bigint NOT NULL REFERENCES shop.employee);
ALTER TABLE shop.employee ADD FOREIGN KEY (team_id) REFERENCES shop.team;
CREATE INDEX ON shop.employee (team_id);
CREATE INDEX ON shop.team (lead_id);
SELECT * FROM schema_guard.fill_schema(25, '{shop}', 1);
SELECT (SELECT count(*) FROM shop.orders o WHERE NOT EXISTS (SELECT FROM shop.customer c WHERE c.id = o.customer_id)) AS orphan_orders,
       (SELECT count(*) FROM shop.shipment s WHERE NOT EXISTS (SELECT FROM shop.line l WHERE (l.order_id, l.sku) = (s.order_id, s.sku))) AS orphan_shipments,
       (SELECT count(DISTINCT (order_id, sku)) FROM shop.line) AS distinct_lines,
       (SELECT count(*) FROM shop.employee WHERE team_id IS NOT NULL) AS employees_with_team,
       (SELECT count(DISTINCT customer_id) > 1 FROM shop.orders) AS spread;
-- Foreign keys validate again from scratch.
ALTER TABLE shop.shipment DROP CONSTRAINT shipment_order_id_sku_fkey;
ALTER TABLE shop.shipment ADD FOREIGN KEY (order_id, sku) REFERENCES shop.line;
ALTER TABLE shop.line ADD CHECK (qty BETWEEN 1 AND 9) NOT VALID;
ALTER TABLE shop.line VALIDATE CONSTRAINT line_qty_check1;
-- A cycle without a nullable column: an error that names it.
CREATE SCHEMA loop;
CREATE TABLE loop.a (id bigint PRIMARY KEY, b_id bigint NOT NULL);
CREATE TABLE loop.b (id bigint PRIMARY KEY, a_id bigint NOT NULL REFERENCES loop.a);
ALTER TABLE loop.a ADD FOREIGN KEY (b_id) REFERENCES loop.b;
SELECT * FROM schema_guard.fill_schema(5, '{loop}');
-- fill() alone on a table whose referenced table is empty: reported.
SELECT * FROM schema_guard.fill('loop.b', 5);

------------------------------------------------------------------------
-- Partitioned tables: rows routed to the partitions that exist, the key
-- drawn from their bounds (range, list), or tried again (hash).
CREATE TABLE ev (id bigint NOT NULL, at timestamptz NOT NULL, kind text NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ev_jan PARTITION OF ev FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-02-01 00:00+00');
CREATE TABLE ev_feb PARTITION OF ev FOR VALUES FROM ('2024-02-01 00:00+00') TO ('2024-03-01 00:00+00');
CREATE TABLE reg (id bigint NOT NULL, region text NOT NULL, amount int NOT NULL) PARTITION BY LIST (region);
CREATE TABLE reg_eu PARTITION OF reg FOR VALUES IN ('fr', 'de') PARTITION BY RANGE (amount);
CREATE TABLE reg_eu_small PARTITION OF reg_eu FOR VALUES FROM (0) TO (10);
CREATE TABLE reg_us PARTITION OF reg FOR VALUES IN ('us');
CREATE TABLE hashed (id bigint NOT NULL, v text NOT NULL) PARTITION BY HASH (id);
CREATE TABLE hashed_0 PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE hashed_1 PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER 1);
SELECT * FROM schema_guard.fill('ev', 40);
SELECT * FROM schema_guard.fill('reg', 40);
SELECT * FROM schema_guard.fill('hashed', 40);
SELECT * FROM schema_guard.fill('ev_feb', 10);
SELECT tableoid::regclass AS partition, count(*) FROM ev GROUP BY 1 ORDER BY 1;
SELECT tableoid::regclass AS partition, count(*), bool_and(amount >= 0 AND amount < 10) AS in_eu_bounds
  FROM reg GROUP BY 1 ORDER BY 1;
SELECT tableoid::regclass AS partition, count(*) > 0 AS some FROM hashed GROUP BY 1 ORDER BY 1;
CREATE TABLE nowhere (id bigint NOT NULL) PARTITION BY RANGE (id);
SELECT * FROM schema_guard.fill('nowhere', 3);

------------------------------------------------------------------------
-- A CHECK it cannot satisfy: reported, never looped on.
CREATE TABLE impossible (x int NOT NULL CHECK (x > 10 AND x < 5));
SELECT * FROM schema_guard.fill('impossible', 20);
SELECT * FROM schema_guard.fill('impossible', 100000);
-- One it cannot read but meets by trying again.
CREATE TABLE modulo (x int NOT NULL CHECK (x % 7 = 3));
SELECT * FROM schema_guard.fill('modulo', 20);
-- A UNIQUE column with exactly as many allowed values as rows: distinct by
-- construction (drawn at random, they would collide).
CREATE TABLE ranks (pos smallint NOT NULL UNIQUE CHECK (pos BETWEEN 1 AND 100));
SELECT * FROM schema_guard.fill('ranks', 100, 3);
SELECT count(DISTINCT pos), min(pos), max(pos) FROM ranks;
-- A unique column with few possible values: the conflicts are reported.
CREATE TABLE few (flag boolean NOT NULL UNIQUE);
SELECT * FROM schema_guard.fill('few', 5);
-- A type it cannot make, in a NOT NULL column.
CREATE TYPE pair AS (a int, b int);
CREATE TABLE composite (p pair NOT NULL);
SELECT * FROM schema_guard.fill('composite', 3);

-- A domain over a domain over an array of a composite: no values, NULLs
-- where the column allows them.
CREATE DOMAIN pairs AS pair[];
CREATE DOMAIN some_pairs AS pairs;
CREATE TABLE nested (id bigint PRIMARY KEY, ps some_pairs NULL, must some_pairs NOT NULL);
SELECT * FROM schema_guard.fill('nested', 3);
ALTER TABLE nested DROP COLUMN must;
SELECT * FROM schema_guard.fill('nested', 3);
SELECT count(*), count(ps) FROM nested;
-- A foreign key to its own table: a nullable one takes the rows already
-- there (none yet: NULL), a NOT NULL one cannot start.
CREATE TABLE tree (id bigint PRIMARY KEY, parent_id bigint NULL REFERENCES tree);
CREATE INDEX ON tree (parent_id);
SELECT * FROM schema_guard.fill('tree', 3);
SELECT * FROM schema_guard.fill('tree', 3);
SELECT count(*), count(parent_id) > 0 AS some_parents FROM tree;
CREATE TABLE root_only (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES root_only);
CREATE INDEX ON root_only (parent_id);
SELECT * FROM schema_guard.fill('root_only', 3);
-- A trigger that raises: its error, as for the caller's own INSERT.
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'no rows here'; END$$;
CREATE TABLE guarded (id bigint PRIMARY KEY);
CREATE TRIGGER refuse BEFORE INSERT ON guarded FOR EACH ROW EXECUTE FUNCTION refuse();
SELECT * FROM schema_guard.fill('guarded', 3);

------------------------------------------------------------------------
-- Bad input.
SELECT * FROM schema_guard.fill('twin1', -1);
SELECT * FROM schema_guard.fill('twin1', NULL);
SELECT * FROM schema_guard.fill(NULL, 1);
CREATE VIEW twin_view AS SELECT * FROM twin1;
SELECT * FROM schema_guard.fill('twin_view', 1);
CREATE FOREIGN DATA WRAPPER fill_fdw;
CREATE SERVER fill_server FOREIGN DATA WRAPPER fill_fdw;
CREATE FOREIGN TABLE far (x int NULL) SERVER fill_server;
SELECT * FROM schema_guard.fill('far', 1);
SELECT * FROM schema_guard.fill('pg_catalog.pg_class', 1);
SELECT * FROM schema_guard.fill('schema_guard.jsonb_contracts', 1);
SELECT * FROM schema_guard.fill_schema(1, '{pg_catalog}');
SELECT * FROM schema_guard.fill_schema(1, '{no_such_schema}');
SELECT * FROM schema_guard.fill_schema(-5);

------------------------------------------------------------------------
-- Privileges and row-level security: fill inserts as the caller.
CREATE ROLE regress_fill_user;
CREATE SCHEMA sec;
GRANT USAGE ON SCHEMA sec, fill TO regress_fill_user;
CREATE TABLE sec.parent (id bigint PRIMARY KEY);
CREATE TABLE sec.child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        parent_id bigint NOT NULL REFERENCES sec.parent, qty int NOT NULL);
CREATE INDEX ON sec.child (parent_id);
INSERT INTO sec.parent VALUES (1), (2), (3);
SET ROLE regress_fill_user;
SELECT * FROM schema_guard.fill('sec.child', 5);
SELECT * FROM schema_guard.fill_schema(5, '{sec}');
RESET ROLE;
GRANT INSERT ON sec.child TO regress_fill_user;
SET ROLE regress_fill_user;
-- keys of the referenced table are read as the caller too
SELECT * FROM schema_guard.fill('sec.child', 5);
RESET ROLE;
GRANT SELECT ON sec.parent TO regress_fill_user;
ALTER TABLE sec.child ENABLE ROW LEVEL SECURITY;
CREATE POLICY small ON sec.child FOR INSERT TO regress_fill_user WITH CHECK (qty < 10);
SET ROLE regress_fill_user;
-- WITH CHECK applies: generated quantities go up to 1000
SELECT * FROM schema_guard.fill('sec.child', 5);
RESET ROLE;
DROP POLICY small ON sec.child;
CREATE POLICY anything ON sec.child FOR INSERT TO regress_fill_user WITH CHECK (true);
SET ROLE regress_fill_user;
SELECT * FROM schema_guard.fill('sec.child', 5);
RESET ROLE;
SELECT count(*) FROM sec.child;

RESET search_path;
RESET IntervalStyle;
RESET schema_guard.mode;
