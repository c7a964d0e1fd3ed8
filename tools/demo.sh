#!/bin/bash
# tools/demo.sh: show schema_guard rejecting a flawed migration and passing
# its corrected version, in a throwaway cluster.  Called by `make demo`.
#
# Installs the extension system-wide (`make install`, so run it as root),
# starts a private PostgreSQL cluster in a temporary directory (own unix
# socket, no TCP port), loads tools/demo/existing_schema.sql, runs
# CREATE EXTENSION schema_guard (no shared_preload_libraries needed), then
# tools/demo/flawed_migration.sql and tools/demo/fixed_migration.sql.
# Exits 0 only if the flawed migration was rejected (all three rules, nothing
# applied) and the fixed one passed.  The cluster is removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || bold() { printf '\n== %s\n' "$*"; }

bold "installing schema_guard (make install)"
if ! make -s install >/dev/null; then
    echo "make install failed: the demo installs into $($PG_CONFIG --pkglibdir), run it as root." >&2
    exit 1
fi

DIR=$(mktemp -d /tmp/schema_guard_demo.XXXXXX)
cleanup() {
    if [ -f "$DIR/data/postmaster.pid" ]; then
        sg_as_pg "$SG_BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
sg_is_root && chown postgres: "$DIR"
chmod 755 "$DIR"

bold "starting a throwaway PostgreSQL $($PG_CONFIG --version | awk '{print $2}') cluster in $DIR"
sg_as_pg "$SG_BINDIR/initdb" -D "$DIR/data" -A trust -U postgres --no-locale -E UTF8 --no-sync >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log"; exit 1; }
cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$DIR'
lc_messages = 'C'
EOF
sg_as_pg "$SG_BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null ||
    { tail -n 20 "$DIR/server.log"; exit 1; }

psql_demo() { "$SG_BINDIR/psql" -X -h "$DIR" -U postgres -d shop "$@"; }
"$SG_BINDIR/psql" -X -q -h "$DIR" -U postgres -d postgres -c "CREATE DATABASE shop"

bold "loading the existing schema: customers (1,000 rows), orders (20,000 rows)"
psql_demo -q -v ON_ERROR_STOP=1 -f tools/demo/existing_schema.sql

bold "CREATE EXTENSION schema_guard"
psql_demo -v ON_ERROR_STOP=1 -c "CREATE EXTENSION schema_guard"

bold "running tools/demo/flawed_migration.sql"
psql_demo -f tools/demo/flawed_migration.sql 2>&1 | tee "$DIR/flawed.out"

bold "running tools/demo/fixed_migration.sql"
fixed_rc=0
psql_demo -f tools/demo/fixed_migration.sql 2>&1 | tee "$DIR/fixed.out" || fixed_rc=$?

# What actually happened, from the catalog and the psql output.
ok=1
bold "summary"
for rule in implicit_nullable fk_unindexed index_not_concurrent; do
    if grep -q "ERROR:  $rule:" "$DIR/flawed.out"; then
        echo "  flawed migration: rejected by $rule"
    else
        echo "  flawed migration: NOT rejected by $rule"
        ok=0
    fi
done
applied=$(psql_demo -Atc "SELECT count(*) FROM (VALUES
    (to_regclass('invoices') IS NOT NULL),
    (to_regclass('orders_placed_at_idx') IS NOT NULL),
    (EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'phone'))) v(x)
    WHERE x")
if [ "$fixed_rc" = 0 ] && ! grep -q 'ERROR:' "$DIR/fixed.out" && [ "$applied" = 3 ]; then
    echo "  fixed migration:  applied (customers.phone, invoices + its index, orders_placed_at_idx built CONCURRENTLY)"
else
    echo "  fixed migration:  FAILED (psql exit $fixed_rc, $applied of 3 changes present)"
    ok=0
fi

if [ "$ok" = 1 ]; then
    echo
    echo "demo passed: the flawed migration was rejected, the fixed one applied."
else
    echo
    echo "demo FAILED (server log: $DIR/server.log, removed on exit)"
    tail -n 20 "$DIR/server.log"
    exit 1
fi
