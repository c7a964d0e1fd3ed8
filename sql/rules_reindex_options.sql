-- reindex_not_concurrent reads REINDEX's option list in parentheses.
-- PostgreSQL 13 has no option values and no CONCURRENTLY in that list (both
-- are 14+): expected/rules_reindex_options_1.out shows their syntax errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
SET schema_guard.destructive_drop = off;  -- cleanup drops are not this file's subject
CREATE TABLE ro_account (id bigint PRIMARY KEY);
INSERT INTO ro_account SELECT g FROM generate_series(1, 100) g;
-- Fires: a list without CONCURRENTLY, or with CONCURRENTLY false.
REINDEX (VERBOSE false) TABLE ro_account;
REINDEX (CONCURRENTLY false) INDEX ro_account_pkey;
-- Does not fire: CONCURRENTLY in the list.
REINDEX (CONCURRENTLY) INDEX ro_account_pkey;
REINDEX (CONCURRENTLY true, VERBOSE false) TABLE ro_account;
DROP TABLE ro_account;
