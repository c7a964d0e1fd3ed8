#!/bin/bash
# test/t_jsonb_restore.sh: JSONB contracts and snapshots survive pg_dump and
# a restore (the recipe of t_restore.sh), still naming their table and
# column, and still work: drift and changes give the same answers.
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_jsonb_restore.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_jsonb_restore "$@"

failures=0
check() {
    if [ "$2" = "$3" ]; then echo "ok - $1"; else
        echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; failures=$((failures + 1)); fi
}

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/server.log"

sg_psql -d postgres -c "CREATE DATABASE src" -c "CREATE DATABASE dst"
sg_psql -d src >/dev/null <<'SQL'
CREATE EXTENSION schema_guard;
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO shop.orders SELECT i, jsonb_build_object('total', i, 'status', 'paid') FROM generate_series(1, 20) i;
SELECT schema_guard.jsonb_expect('shop.orders', 'doc',
    '{"type": "object", "required": ["total", "note"], "properties": {"total": {"type": "string"}}, "minProperties": 1}');
SELECT schema_guard.jsonb_snapshot('shop.orders', 'doc');
UPDATE shop.orders SET doc = doc || '{"note": "x"}' WHERE id <= 5;
SELECT schema_guard.jsonb_snapshot('shop.orders', 'doc');
SQL

drift="SELECT string_agg(kind || ' ' || path || ' ' || rows, ', ' ORDER BY kind, path) FROM schema_guard.jsonb_drift('shop.orders', 'doc')"
changes="SELECT string_agg(change || ' ' || path, ', ' ORDER BY path) FROM schema_guard.jsonb_changes('shop.orders', 'doc')"
contracts="SELECT string_agg(tbl::text || '.' || col || ' ' || array_to_string(unchecked_keywords, ','), '; ') FROM schema_guard.jsonb_contracts"
src_drift=$(sg_psql -d src -Atc "$drift")
src_changes=$(sg_psql -d src -Atc "$changes")
src_contracts=$(sg_psql -d src -Atc "$contracts")

"$SG_BINDIR/pg_dump" -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres -d src -f "$SCRATCH/dump.sql"
PGOPTIONS='-c schema_guard.mode=off' "$SG_BINDIR/psql" -X -q -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres \
    -v ON_ERROR_STOP=1 -d dst -f "$SCRATCH/dump.sql" >"$SCRATCH/restore.log" 2>&1 ||
    { cat "$SCRATCH/restore.log"; exit 1; }

check "the contract is restored, naming its table and column" \
    "$(sg_psql -d dst -Atc "$contracts")" "$src_contracts"
check "drift after the restore is the drift before it" \
    "$(sg_psql -d dst -Atc "$drift")" "$src_drift"
check "the snapshots are restored and compare as before" \
    "$(sg_psql -d dst -Atc "$changes")" "$src_changes"
last=$(sg_psql -d dst -Atc "SELECT max(id) FROM schema_guard.jsonb_snapshots")
check "a new snapshot continues the restored series (its sequence was dumped too)" \
    "$(sg_psql -d dst -Atc "SELECT schema_guard.jsonb_snapshot('shop.orders', 'doc') > $last")" "t"
check "drift is not empty (the test means something)" \
    "$([ -n "$src_drift" ] && echo yes)" "yes"

if [ "$failures" -gt 0 ]; then
    echo "t_jsonb_restore: $failures check(s) failed"
    exit 1
fi
echo "t_jsonb_restore: all checks passed"
