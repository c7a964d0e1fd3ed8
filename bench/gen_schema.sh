#!/bin/bash
# bench/gen_schema.sh N: print a migration history for N tables, deterministic
# (same output every time), of the statements real schemas are made of, not
# only CREATE TABLE.  It is a valid history for every rule of schema_guard
# (the benchmarks count the guard's warnings and expect none).
#
# Part 1, one transaction per table: the table (identity key, unique code of
# a domain type, 2 foreign keys to earlier tables from the third table on,
# every column explicitly NULL or NOT NULL), its 3 secondary indexes, a view,
# an SQL function, a trigger, comments and a grant; every 10th table first
# creates an enum type and a domain of its own.
# Part 2, the later migrations on those now existing tables, as a careful
# team writes them: per table, a nullable column added, a CHECK added NOT
# VALID and validated in the next transaction, an index built CONCURRENTLY,
# and a view replaced.  lock_timeout is set, as the guard asks.
set -euo pipefail
n=${1:?usage: bench/gen_schema.sh N}
awk -v n="$n" 'BEGIN {
    print "SET client_min_messages = warning;"
    print "SET lock_timeout = '\''5s'\'';"
    print "CREATE DOMAIN code_text AS text CHECK (VALUE ~ '\''^[a-z0-9-]+$'\'');"
    print "CREATE FUNCTION touch_updated() RETURNS trigger LANGUAGE plpgsql AS $$"
    print "BEGIN"
    print "    NEW.updated_at := now();"
    print "    RETURN NEW;"
    print "END"
    print "$$;"
    for (i = 1; i <= n; i++) {
        t = sprintf("s_%05d", i)
        print "BEGIN;"
        if (i % 10 == 1) {
            print "CREATE TYPE " t "_state AS ENUM ('\''new'\'', '\''active'\'', '\''closed'\'');"
            print "CREATE DOMAIN " t "_amount AS numeric(12,2) CHECK (VALUE >= 0);"
        }
        g = sprintf("s_%05d", i - (i - 1) % 10)
        print "CREATE TABLE " t " ("
        print "    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        if (i > 2) {
            # two earlier tables, spread over the whole schema
            p = (i * 7919) % (i - 1) + 1
            q = (i * 104729) % (i - 1) + 1
            printf "    parent_id  bigint        NULL     REFERENCES s_%05d (id),\n", p
            printf "    owner_id   bigint        NOT NULL REFERENCES s_%05d (id),\n", q
        }
        print "    code       code_text     NOT NULL UNIQUE,"
        print "    state      " g "_state NOT NULL DEFAULT '\''new'\'',"
        print "    amount     " g "_amount NOT NULL DEFAULT 0,"
        print "    note       text          NULL,"
        print "    created_at timestamptz   NOT NULL DEFAULT now(),"
        print "    updated_at timestamptz   NOT NULL DEFAULT now()"
        print ");"
        if (i > 2) {
            print "CREATE INDEX " t "_parent_id_idx ON " t " (parent_id);"
            print "CREATE INDEX " t "_owner_id_idx ON " t " (owner_id, created_at);"
        }
        print "CREATE INDEX " t "_created_at_idx ON " t " (created_at);"
        print "CREATE VIEW " t "_open AS SELECT id, code, amount, created_at FROM " t " WHERE state <> '\''closed'\'';"
        print "CREATE FUNCTION " t "_total(p_state " g "_state) RETURNS numeric LANGUAGE sql STABLE"
        print "    AS $$ SELECT coalesce(sum(amount), 0) FROM " t " WHERE state = p_state $$;"
        print "CREATE TRIGGER " t "_touch BEFORE UPDATE ON " t " FOR EACH ROW EXECUTE FUNCTION touch_updated();"
        print "COMMENT ON TABLE " t " IS '\''generated table " i "'\'';"
        print "COMMENT ON COLUMN " t ".code IS '\''business key'\'';"
        print "GRANT SELECT ON " t ", " t "_open TO PUBLIC;"
        print "COMMIT;"
    }
    for (i = 1; i <= n; i++) {
        t = sprintf("s_%05d", i)
        print "ALTER TABLE " t " ADD COLUMN closed_at timestamptz NULL;"
        print "ALTER TABLE " t " ADD CONSTRAINT " t "_closed_check CHECK (closed_at IS NULL OR closed_at >= created_at) NOT VALID;"
        print "ALTER TABLE " t " VALIDATE CONSTRAINT " t "_closed_check;"
        print "CREATE INDEX CONCURRENTLY " t "_closed_at_idx ON " t " (closed_at);"
        print "CREATE OR REPLACE VIEW " t "_open AS SELECT id, code, amount, created_at, closed_at FROM " t " WHERE state <> '\''closed'\'';"
    }
}'
