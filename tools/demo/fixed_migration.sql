-- Migration "add phone numbers and invoices", corrected.  It passes the
-- guard: every column says NULL or NOT NULL, the foreign key has its index
-- in the same transaction, and the index on the existing table is built
-- CONCURRENTLY (outside a transaction block, as PostgreSQL requires).
\set ON_ERROR_STOP 1
\set VERBOSITY default
\set ECHO queries

-- Never queue behind a long transaction while holding a strong lock.
SET lock_timeout = '5s';

-- 1. Nullable on purpose: not every customer gave a phone number.
ALTER TABLE customers ADD COLUMN phone text NULL;

-- 2. The table and the index of its foreign key, in one transaction.
BEGIN;
CREATE TABLE invoices (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id  bigint        NOT NULL REFERENCES orders (id),
    amount    numeric(12,2) NOT NULL,
    issued_at timestamptz   NOT NULL DEFAULT now(),
    paid_at   timestamptz   NULL
);
CREATE INDEX invoices_order_id_idx ON invoices (order_id);
COMMIT;

-- 3. The index on the existing table, without blocking writes.
CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
