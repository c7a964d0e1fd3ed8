#!/bin/bash
# test/t_logical.sh: schema_guard on both ends of logical replication.
#
# Two throwaway clusters, library preloaded and extension created on both,
# guard in enforce mode: a publisher (wal_level logical) and a subscriber
# whose tables are created by hand, as logical replication requires.
#   - the initial table sync (tablesync workers), later DML (apply worker)
#     and ALTER SUBSCRIPTION ... REFRESH PUBLICATION (a new table synced)
#     all arrive, also into a table that breaks rules the commit-time check
#     would report if an apply transaction ever queued work for it;
#   - no replication worker or walsender logs any guard message or error:
#     every guard message in both logs comes from a psql session;
#   - DDL run by hand on the subscriber is judged exactly as on the
#     publisher (CREATE INDEX without CONCURRENTLY, ADD COLUMN without NULL
#     on a replicated, populated table);
#   - FOR ALL TABLES would publish the extension's own tables (the reason
#     doc/distributed.md says to publish tables by name or schema).
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_logical.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_logical "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

PUB=$SCRATCH/publisher
SUB=$SCRATCH/subscriber
trap 'sg_cluster_stop "$SUB"; sg_cluster_stop "$PUB"' EXIT

# q HOST ARGS...: psql on database app of the server listening in HOST.
q() {
    local host=$1
    shift
    "$SG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$host" -p 5432 -U postgres -d app "$@"
}

sg_cluster_start "$PUB" "$SG_CONF_PRELOAD" "$PUB.log"
P=$SG_PGHOST
echo "wal_level = logical" >>"$PUB/postgresql.conf"
"$SG_BINDIR/pg_ctl" -D "$PUB" -l "$PUB.log" -w -t 60 restart >/dev/null
sg_cluster_start "$SUB" "$SG_CONF_PRELOAD" "$SUB.log"
S=$SG_PGHOST

# The same schema on both sides, written as the guard wants it; "legacy" is
# written with the guard off: a nullable column without NULL and a foreign
# key without an index.
for host in "$P" "$S"; do
    "$SG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$host" -p 5432 -U postgres -d postgres \
        -c "CREATE DATABASE app"
    q "$host" <<'SQL'
CREATE EXTENSION schema_guard;
BEGIN;
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                     doc jsonb NULL CHECK (jsonb_typeof(doc) = 'object'), note text NULL);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
COMMIT;
BEGIN;
SET LOCAL schema_guard.mode = off;
CREATE TABLE legacy (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, memo text);
COMMIT;
SQL
done
if [ "$(q "$P" -Atc "SHOW wal_level")" = logical ] &&
    [ "$(q "$S" -Atc "SHOW schema_guard.mode")" = enforce ]; then
    ok "publisher (wal_level logical) and subscriber (enforce) ready"
else
    not_ok "set-up: wal_level or schema_guard.mode wrong"
fi

q "$P" <<'SQL'
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 20) g;
INSERT INTO orders SELECT g, g % 20 + 1, jsonb_build_object('n', g), NULLIF('note ' || g % 3, 'note 0')
  FROM generate_series(1, 300) g;
INSERT INTO legacy SELECT g, g % 20 + 1, 'memo ' || g FROM generate_series(1, 50) g;
CREATE PUBLICATION pub FOR TABLE customers, orders, legacy;
SQL

# same TABLE: the publisher's and the subscriber's rows of TABLE are equal
# (a digest of every row, so that equal counts with different rows differ).
digest() { q "$1" -Atc "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM $2 t"; }
same() { [ "$(digest "$P" "$1")" = "$(digest "$S" "$1")" ]; }
# synced TABLES...: wait until every table is in sync and equal.
synced() {
    local i t all
    for i in $(seq 1 300); do
        all=1
        if [ "$(q "$S" -Atc "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ]; then
            for t in "$@"; do
                same "$t" || all=0
            done
            [ "$all" = 1 ] && return 0
        fi
        sleep 0.1
    done
    return 1
}

q "$S" -c "SET client_min_messages = warning" -c "CREATE SUBSCRIPTION sub CONNECTION 'host=$P port=5432 user=postgres dbname=app' PUBLICATION pub"
if synced customers orders legacy; then
    ok "initial sync (tablesync workers): $(digest "$S" orders | cut -d' ' -f1) orders, $(digest "$S" legacy | cut -d' ' -f1) legacy rows"
else
    not_ok "initial sync did not complete: $(q "$S" -Atc "SELECT string_agg(srrelid::regclass || '=' || srsubstate, ' ') FROM pg_subscription_rel")"
fi

q "$P" <<'SQL'
INSERT INTO customers VALUES (21, 'customer 21');
INSERT INTO orders SELECT g, 21, jsonb_build_object('n', g), NULL FROM generate_series(301, 320) g;
UPDATE orders SET note = 'updated' WHERE id % 7 = 0;
DELETE FROM orders WHERE id % 11 = 0;
INSERT INTO legacy VALUES (51, 21, NULL), (52, NULL, 'no customer');
UPDATE legacy SET memo = NULL WHERE id < 5;
BEGIN;
DELETE FROM legacy WHERE id > 45;
INSERT INTO legacy VALUES (46, 1, 'again');
COMMIT;
SQL
if synced customers orders legacy; then
    ok "apply worker: inserts, updates, deletes and a multi-statement transaction arrive"
else
    not_ok "apply worker: rows differ: orders $(digest "$P" orders) vs $(digest "$S" orders)"
fi

# A new table: created by hand on both sides (judged), published, then
# ALTER SUBSCRIPTION ... REFRESH PUBLICATION starts its table sync.  The
# subscriber adds a column of its own, judged like any other.
for host in "$P" "$S"; do
    q "$host" -c "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL)"
done
q "$P" -c "INSERT INTO events SELECT g, 'kind ' || g % 4 FROM generate_series(1, 40) g" \
    -c "ALTER PUBLICATION pub ADD TABLE events"
if q "$S" -c "ALTER TABLE events ADD COLUMN received_at timestamptz" >"$SCRATCH/sub-add.out" 2>&1; then
    not_ok "subscriber: ADD COLUMN without NULL was let through"
elif grep -q '^ERROR:  implicit_nullable: ' "$SCRATCH/sub-add.out"; then
    ok "subscriber: ADD COLUMN without NULL on a subscribed table rejected by implicit_nullable"
else
    not_ok "subscriber: ADD COLUMN failed otherwise: $(head -n 1 "$SCRATCH/sub-add.out")"
fi
q "$S" -c "ALTER TABLE events ADD COLUMN received_at timestamptz NULL DEFAULT now()" \
    -c "ALTER SUBSCRIPTION sub REFRESH PUBLICATION"
# events has a column of its own on the subscriber: compare the published ones.
events() { q "$1" -Atc "SELECT count(*) || ' ' || md5(string_agg(id || kind, ',' ORDER BY id)) FROM events"; }
for i in $(seq 1 300); do
    [ "$(events "$S")" = "$(events "$P")" ] && break
    sleep 0.1
done
if [ "$(events "$S")" = "$(events "$P")" ] &&
    [ "$(q "$S" -Atc "SELECT count(*) FROM events WHERE received_at IS NOT NULL")" = 40 ]; then
    ok "REFRESH PUBLICATION: the new table synced, 40 rows, with the subscriber's own column filled"
else
    not_ok "REFRESH PUBLICATION: events differ: $(events "$P") vs $(events "$S")"
fi
q "$P" -c "INSERT INTO events VALUES (41, 'late')" -c "UPDATE events SET kind = 'changed' WHERE id = 1"
for i in $(seq 1 300); do
    [ "$(events "$S")" = "$(events "$P")" ] && break
    sleep 0.1
done
if [ "$(events "$S")" = "$(events "$P")" ]; then
    ok "apply worker: changes to the refreshed table arrive"
else
    not_ok "apply worker: events differ after the refresh"
fi

# DDL by hand on the subscriber is judged as on the publisher.
for side in publisher subscriber; do
    host=$P
    [ "$side" = subscriber ] && host=$S
    if q "$host" -c "CREATE INDEX orders_note_idx ON orders (note)" >"$SCRATCH/$side-index.out" 2>&1; then
        echo "CREATE INDEX let through" >"$SCRATCH/$side-index.out"
    fi
done
if grep -q '^ERROR:  index_not_concurrent: ' "$SCRATCH/subscriber-index.out" &&
    diff <(grep '^ERROR:' "$SCRATCH/publisher-index.out") <(grep '^ERROR:' "$SCRATCH/subscriber-index.out") >/dev/null; then
    ok "subscriber: CREATE INDEX without CONCURRENTLY rejected as on the publisher: $(grep -m1 '^ERROR:' "$SCRATCH/subscriber-index.out" | cut -c1-90)"
else
    not_ok "subscriber: CREATE INDEX judged differently: publisher [$(head -n 1 "$SCRATCH/publisher-index.out")] subscriber [$(head -n 1 "$SCRATCH/subscriber-index.out")]"
fi
q "$S" -c "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note)"
q "$P" -c "UPDATE orders SET note = 'after index' WHERE id = 1"
if synced orders; then
    ok "subscriber: CREATE INDEX CONCURRENTLY let through, replication goes on"
else
    not_ok "subscriber: replication stopped after the concurrent index"
fi

# Nobody but the psql sessions above met the guard: no guard message, and
# no error at all, from a replication worker or a walsender.
for side in PUB SUB; do
    log=${!side}.log
    stray=$(grep -E '(ERROR|WARNING|FATAL|PANIC):' "$log" | grep -v ' psql \(ERROR\|WARNING\):' || true)
    guard=$(grep -cE ' psql (ERROR|WARNING):  [a-z_]+: ' "$log" || true)
    if [ -z "$stray" ]; then
        ok "$side log: $guard guard message(s), all from psql; nothing from replication processes"
    else
        not_ok "$side log: messages outside psql sessions:"
        echo "$stray"
    fi
done

# FOR ALL TABLES would publish the extension's tables too.
q "$P" -c "CREATE PUBLICATION everything FOR ALL TABLES"
n=$(q "$P" -Atc "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'everything' AND schemaname = 'schema_guard'")
if [ "$n" -gt 0 ]; then
    ok "FOR ALL TABLES publishes $n tables of schema_guard (documented: publish tables by name or schema)"
else
    not_ok "FOR ALL TABLES does not publish schema_guard's tables: doc/distributed.md is wrong"
fi

if [ "$failures" = 0 ]; then
    echo "t_logical: all checks passed"
else
    echo "t_logical: $failures check(s) failed"
    exit 1
fi
