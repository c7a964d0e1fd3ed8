#!/bin/bash
# test/t_restore_nonsuper.sh: a role that is not a superuser restores a
# pg_dump with psql (the dump sets row_security = off, as every pg_dump
# script does), with schema_guard.mode off, warn and enforce; the tables,
# rows and constraints arrive, and the guard's own bookkeeping does not
# fail under the dump's settings.  (That an update from 0.1.0 gives a fresh
# install's functions and everything else: test/t_upgrade.sh.)
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_restore_nonsuper.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_restore_nonsuper "$@"

failures=0
check() {
    if [ "$2" = "$3" ]; then echo "ok - $1"; else
        echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; failures=$((failures + 1)); fi
}

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/server.log"

as_app() { "$SG_BINDIR/psql" -X -q -h "$SG_PGHOST" -p "$SG_PGPORT" -U app -v ON_ERROR_STOP=1 "$@"; }

sg_psql -d postgres -c "CREATE ROLE app LOGIN" -c "CREATE DATABASE src"
PGOPTIONS='-c schema_guard.mode=off' sg_psql -d src >/dev/null <<'SQL'
CREATE EXTENSION schema_guard;
CREATE SCHEMA shop AUTHORIZATION app;
SET ROLE app;
CREATE TABLE shop.customer (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE shop.orders (
    id int PRIMARY KEY,
    customer_id int NOT NULL REFERENCES shop.customer,
    doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'));
CREATE INDEX orders_customer_id_idx ON shop.orders (customer_id);
INSERT INTO shop.customer SELECT i, 'c' || i FROM generate_series(1, 50) i;
INSERT INTO shop.orders SELECT i, i % 50 + 1, jsonb_build_object('total', i) FROM generate_series(1, 200) i;
SQL

"$SG_BINDIR/pg_dump" -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres -d src -n shop --no-owner \
    -f "$SCRATCH/dump.sql"
check "the dump sets row_security = off" \
    "$(grep -c '^SET row_security = off;' "$SCRATCH/dump.sql")" "1"

summary="SELECT (SELECT count(*) FROM shop.customer) || ' ' || (SELECT count(*) FROM shop.orders)
         || ' ' || (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint
                     WHERE connamespace = 'shop'::regnamespace)
         || ' ' || (SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY 1) FROM pg_index
                     WHERE indrelid = 'shop.orders'::regclass)"
expected=$(sg_psql -d src -Atc "$summary")

# As the restore runs on managed PostgreSQL: the extension is there, the
# restoring role owns what it restores, its mode is set for it by an admin.
# In enforce mode the restore runs as one transaction (the tables are then
# new: no lock rule applies) and must still pass the commit-time checks.
for mode in off warn enforce; do
    db=dst_$mode
    sg_psql -d postgres -c "CREATE DATABASE $db"
    sg_psql -d "$db" -c "CREATE EXTENSION schema_guard" \
        -c "GRANT CREATE ON DATABASE $db TO app" \
        -c "ALTER ROLE app IN DATABASE $db SET schema_guard.mode = $mode" >/dev/null
    single=()
    [ "$mode" = enforce ] && single=(--single-transaction)
    rc=0
    as_app -d "$db" "${single[@]}" -f "$SCRATCH/dump.sql" >"$SCRATCH/restore_$mode.log" 2>&1 || rc=$?
    check "a non-superuser restores the dump with schema_guard.mode = $mode" "$rc" "0"
    [ "$rc" = 0 ] || cat "$SCRATCH/restore_$mode.log"
    check "the guard's bookkeeping did not fail under the dump's row_security = off ($mode)" \
        "$(grep -c 'row-level security' "$SCRATCH/restore_$mode.log" || true)" "0"
    check "tables, rows, constraints and indexes arrive ($mode)" \
        "$(sg_psql -d "$db" -Atc "$summary" 2>&1)" "$expected"
done
check "in warn mode the findings of the restore are warnings" \
    "$(grep -c '^psql:.*WARNING:  index_not_concurrent' "$SCRATCH/restore_warn.log" || true)" "1"

# The same role, after the restore, with row_security = off as the dump
# left it: a rename of a contracted column follows its contract.
rc=0
as_app -d dst_warn >"$SCRATCH/rename.log" 2>&1 <<'SQL' || rc=$?
SELECT schema_guard.jsonb_expect('shop.orders', 'doc', '{"type": "object"}');
SET row_security = off;
ALTER TABLE shop.orders RENAME COLUMN doc TO body;
SQL
check "a non-superuser renames a contracted column under row_security = off" "$rc" "0"
[ "$rc" = 0 ] || cat "$SCRATCH/rename.log"
check "the contract follows the rename" \
    "$(sg_psql -d dst_warn -Atc "SELECT tbl || '.' || col FROM schema_guard.jsonb_contracts")" \
    "shop.orders.body"

if [ "$failures" -gt 0 ]; then
    echo "t_restore_nonsuper: $failures check(s) failed"
    exit 1
fi
echo "t_restore_nonsuper: all checks passed"
