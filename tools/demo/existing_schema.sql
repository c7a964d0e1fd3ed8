-- The shop as it runs in production before today's migration.  Loaded
-- before CREATE EXTENSION schema_guard, like any database adopting it.
CREATE TABLE customers (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint        NOT NULL REFERENCES customers (id),
    placed_at   timestamptz   NOT NULL,
    total       numeric(12,2) NOT NULL
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);

INSERT INTO customers (email, name)
SELECT 'customer' || g || '@example.invalid', 'Customer ' || g
FROM generate_series(1, 1000) AS g;

INSERT INTO orders (customer_id, placed_at, total)
SELECT g % 1000 + 1, timestamptz '2024-01-01' + g * interval '17 minutes', (g % 500) + 0.99
FROM generate_series(1, 20000) AS g;

ANALYZE;
