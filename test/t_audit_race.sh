#!/bin/bash
# test/t_audit_race.sh: schema_guard.audit() while a migration drops what
# it has listed.  The audit waits up to schema_guard.audit_lock_timeout for
# a relation a migration holds; when that migration drops other relations
# and commits, the audit must go on without them, not fail on their
# privileges (pg_class_aclmask) or their inheritance (find_all_inheritors of
# a table orphaned_rows reads).  Two sessions: no pg_regress file can do it.
#
# Run by test/run.sh, or alone: test/t_audit_race.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_audit_race "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/server.log"

# pg_class lists them in the order they were made: the audit judges
# race.first first, waiting for the migration that holds it and drops
# race.later; race2.orders before race2.customers, which orphaned_rows
# reads for race2.orders.customer_id and the migration holds, then drops.
sg_psql -d postgres <<'SQL'
CREATE EXTENSION schema_guard;
SET schema_guard.mode = off;
CREATE ROLE race_auditor;
CREATE SCHEMA race AUTHORIZATION race_auditor;
SET ROLE race_auditor;
CREATE TABLE race.first (id bigint PRIMARY KEY);
CREATE TABLE race.later (id bigint PRIMARY KEY);
RESET ROLE;
CREATE SCHEMA race2;
CREATE TABLE race2.orders (id bigint PRIMARY KEY, customer_id bigint);
CREATE TABLE race2.customers (id bigint PRIMARY KEY);
INSERT INTO race2.orders VALUES (1, 1);
SQL

# $1: the audit's role; $2: what the migration locks; $3: what it drops;
# $4: the audit's arguments.  Prints the audit's rows, or its error.
race() {
    local role=$1 locks=$2 drops=$3 args=$4 out
    sg_psql -d postgres -c "SET schema_guard.mode = off" -c "BEGIN" \
        -c "LOCK $locks IN ACCESS EXCLUSIVE MODE" -c "$drops" \
        -c "SELECT pg_sleep(1)" -c "COMMIT" >/dev/null &
    sleep 0.3
    out=$(sg_psql -d postgres -At -c "SET ROLE $role" -c "SET schema_guard.audit_lock_timeout = '10s'" \
        -c "SELECT rule || ' ' || object_identity || ': ' || message FROM schema_guard.audit($args)" 2>&1) || true
    wait
    echo "$out"
}

out=$(race race_auditor race.first "DROP TABLE race.later" "ARRAY['race']")
if [ -z "$out" ]; then
    ok "a relation dropped while the audit waited for another is left out"
else
    not_ok "a relation dropped while the audit waited for another: $out"
fi

out=$(race postgres race2.customers "DROP TABLE race2.customers" \
    "ARRAY['race2'], ARRAY['orphaned_rows'], with_data => true")
want="audit_skipped race2.orders.customer_id: race2.orders.customer_id was not judged by orphaned_rows: a table it reads was dropped while the audit ran"
if [ "$out" = "$want" ]; then
    ok "a table orphaned_rows reads, dropped while the audit waited for it, is said"
else
    not_ok "a table orphaned_rows reads, dropped while the audit waited for it: got '$out', want '$want'"
fi

echo "$failures failure(s)"
[ "$failures" = 0 ]
