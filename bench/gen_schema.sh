#!/bin/bash
# bench/gen_schema.sh N: print a migration that creates N tables, each in its
# own transaction, deterministic (no randomness, same output every time).
# It is a valid migration for schema_guard: every column says NULL or NOT
# NULL, every foreign key has an index whose leading column is the FK column,
# and every index is created in the same transaction as its table.
# Per table: 7 columns, a primary key, a unique key, 2 foreign keys to
# earlier tables (from the third table on), 3 secondary indexes.
set -euo pipefail
n=${1:?usage: bench/gen_schema.sh N}
awk -v n="$n" 'BEGIN {
    print "SET client_min_messages = warning;"
    for (i = 1; i <= n; i++) {
        t = sprintf("s_%05d", i)
        print "BEGIN;"
        print "CREATE TABLE " t " ("
        print "    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        if (i > 2) {
            # two earlier tables, spread over the whole schema
            p = (i * 7919) % (i - 1) + 1
            q = (i * 104729) % (i - 1) + 1
            printf "    parent_id  bigint        NULL     REFERENCES s_%05d (id),\n", p
            printf "    owner_id   bigint        NOT NULL REFERENCES s_%05d (id),\n", q
        }
        print "    code       text          NOT NULL UNIQUE,"
        print "    amount     numeric(12,2) NOT NULL DEFAULT 0,"
        print "    note       text          NULL,"
        print "    created_at timestamptz   NOT NULL DEFAULT now()"
        print ");"
        if (i > 2) {
            print "CREATE INDEX " t "_parent_id_idx ON " t " (parent_id);"
            print "CREATE INDEX " t "_owner_id_idx ON " t " (owner_id, created_at);"
        }
        print "CREATE INDEX " t "_created_at_idx ON " t " (created_at);"
        print "COMMIT;"
    }
}'
