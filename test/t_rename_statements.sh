#!/bin/bash
# test/t_rename_statements.sh: rename_breaks_clients names the statements of
# pg_stat_statements that use the old name, when that extension is installed
# in the database and its library loaded, as the caller may see them there:
#   - a superuser sees every role's statements of this database;
#   - a table owner without pg_read_all_stats sees its own (another role's
#     query text reads "<insufficient privilege>" and matches nothing);
#   - a caller who may not read the view gets no such line, and the rename
#     is judged all the same (the read runs in a subtransaction).
#
# Run by test/run.sh, or alone: test/t_rename_statements.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_rename_statements "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

if [ ! -f "$($PG_CONFIG --sharedir)/extension/pg_stat_statements.control" ]; then
    echo "ok - skipped: pg_stat_statements is not installed for $($PG_CONFIG --version)"
    exit 0
fi

DATA=$SCRATCH/data
CONF=$SCRATCH/pgss.conf
cat >"$CONF" <<CONF
include '$SG_CONF_PLAIN'
shared_preload_libraries = 'schema_guard, pg_stat_statements'
pg_stat_statements.track_utility = off
CONF
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$CONF" "$SCRATCH/server.log"

as() {
    local role=$1
    shift
    "$SG_BINDIR/psql" -X -q -h "$SG_PGHOST" -p "$SG_PGPORT" -U "$role" -d app "$@"
}

sg_psql -d postgres -c "CREATE DATABASE app"
sg_psql -d app >/dev/null <<'SQL'
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION schema_guard;
CREATE ROLE owner_role LOGIN;
CREATE ROLE clerk LOGIN;
CREATE TABLE invoice (id int PRIMARY KEY, total int NOT NULL);
ALTER TABLE invoice OWNER TO owner_role;
GRANT SELECT ON invoice TO clerk;
SELECT pg_stat_statements_reset();
SQL
sg_psql -d app -c "SELECT count(*) FROM invoice" >/dev/null
as owner_role -c "SELECT total FROM invoice WHERE id = 1" >/dev/null
as clerk -c "SELECT id FROM public.invoice ORDER BY id" >/dev/null
# Not a statement that names it: "invoices" and "invoice_id" are other words.
sg_psql -d app -c "SELECT 1 AS invoice_id, 'invoices' AS x" >/dev/null

# expect ROLE WHAT PATTERN: the rename is refused, DETAIL matches PATTERN
# (grep -E; "!" first for must not match).
expect() {
    local role=$1 what=$2 pattern=$3 out neg=
    if [ "${pattern:0:1}" = "!" ]; then
        neg=1
        pattern=${pattern:1}
    fi
    out=$(as "$role" -c "ALTER TABLE invoice RENAME TO bill" 2>&1 || true)
    if ! grep -q '^ERROR:  rename_breaks_clients: ' <<<"$out"; then
        not_ok "$what: the rename is not refused: $out"
    elif [ -n "$neg" ] && ! grep -Eq "$pattern" <<<"$out"; then
        ok "$what"
    elif [ -z "$neg" ] && grep -Eq "$pattern" <<<"$out"; then
        ok "$what"
    else
        not_ok "$what: DETAIL ${neg:+does not }fail to match /$pattern/:"
        echo "$out"
    fi
}

expect postgres "a superuser sees the statements of every role" \
    'pg_stat_statements holds 3 statements of this database that name it \(.*SELECT count\(\*\) FROM invoice.*\)'
expect owner_role "a table owner sees its own statements only" \
    'pg_stat_statements holds 1 statement of this database that names it \(SELECT total FROM invoice WHERE id = \$1\)'
sg_psql -d app -c "REVOKE ALL ON FUNCTION pg_stat_statements(boolean) FROM PUBLIC"
expect owner_role "a caller who may not read pg_stat_statements: no such line, the rename still judged" \
    '!pg_stat_statements'

[ "$failures" = 0 ]
