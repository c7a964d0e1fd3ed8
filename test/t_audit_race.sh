#!/bin/bash
# test/t_audit_race.sh: schema_guard.audit() while a migration drops what
# it has listed.  The audit waits up to schema_guard.audit_lock_timeout for
# a relation a migration holds; when that migration drops other relations
# and commits, the audit must go on without them, not fail on their
# privileges (pg_class_aclmask) or their inheritance (find_all_inheritors of
# a table orphaned_rows reads); a relation the migration changed is judged
# by what it committed.  Two sessions: no pg_regress file can do it.
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
CREATE SCHEMA race3;
CREATE TABLE race3.parent (id bigint PRIMARY KEY);
CREATE TABLE race3.child (id bigint PRIMARY KEY, parent_id bigint REFERENCES race3.parent);
CREATE SCHEMA race4;
CREATE TABLE race4.parent (id bigint PRIMARY KEY);
CREATE TABLE race4.child (id bigint PRIMARY KEY, parent_id bigint REFERENCES race4.parent);
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

# The audit reads the indexes and constraints of every table once, at its
# start (audit_catalog.c); a table changed since is read again once the
# audit has its lock.  race3.child gets the index of its foreign key, and
# race4.child loses its foreign key with the table it referenced, while
# the audit waits: neither is judged by what the audit read at its start
# (a stale copy of race4.child's foreign key names a table that is gone).
out=$(race postgres race3.child "CREATE INDEX ON race3.child (parent_id)" \
    "ARRAY['race3'], ARRAY['fk_unindexed', 'indexes']")
if [ -z "$out" ]; then
    ok "an index created while the audit waited for its table counts"
else
    not_ok "an index created while the audit waited for its table: $out"
fi

out=$(race postgres race4.child "SET client_min_messages = warning; DROP TABLE race4.parent CASCADE" \
    "ARRAY['race4'], ARRAY['foreign_keys']")
if [ -z "$out" ]; then
    ok "a foreign key dropped while the audit waited for its table is gone"
else
    not_ok "a foreign key dropped while the audit waited for its table: $out"
fi

echo "$failures failure(s)"
[ "$failures" = 0 ]
