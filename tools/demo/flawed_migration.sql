-- Migration "add phone numbers and invoices", as first written.
-- Every statement here is rejected by schema_guard; each rejection says
-- why (DETAIL) and what to run instead (HINT).
\set ON_ERROR_STOP 0
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ECHO queries

-- Its author knew to bound lock waits (no_lock_timeout); the flaws are below.
SET lock_timeout = '5s';

-- 1. A new column without a decision about NULL: implicit_nullable.
ALTER TABLE customers ADD COLUMN phone text;

-- 2. A new table whose foreign key has no index: deleting a customer's
--    order would scan all invoices.  fk_unindexed is checked at COMMIT,
--    so that a CREATE INDEX later in the same transaction would satisfy it.
BEGIN;
CREATE TABLE invoices (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id  bigint        NOT NULL REFERENCES orders (id),
    amount    numeric(12,2) NOT NULL,
    issued_at timestamptz   NOT NULL DEFAULT now(),
    paid_at   timestamptz   NULL
);
COMMIT;

-- 3. An index on a table that is already in use, built without
--    CONCURRENTLY: it blocks every write to orders while it builds.
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
