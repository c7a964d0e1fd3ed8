#!/bin/bash
# test/t_standby.sh: schema_guard on a physical standby (hot_standby).
#
# A throwaway primary (library preloaded, wal_level replica) gets the
# extension and some state: exemptions, a contract, two snapshots, a
# workload table.  Two standbys are cloned from it with pg_basebackup -R,
# each on its own socket directory: one with the library preloaded, one
# without it (the plain standby a user would compare with).  Then:
#   - the library is loaded on the preloaded standby;
#   - the statements a standby allows, and the DDL and maintenance it
#     refuses, give exactly the same output on both standbys: the guard
#     adds no message and no error of its own on a read-only server (the
#     ProcessUtility hook used to judge REINDEX before PostgreSQL refused
#     it during recovery);
#   - every report function of the extension gives the same rows on both
#     standbys as on the primary, inside one transaction that gets no
#     transaction id and commits; every function is either called that way
#     or listed as a writer, and the writers fail with PostgreSQL's
#     read-only error (SQLSTATE 25006) and leave the server up;
#   - the guard still judges on the primary, and what it lets through is
#     replayed.
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_standby.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_standby "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

PRIMARY=$SCRATCH/primary
STANDBY=$SCRATCH/standby
PLAIN=$SCRATCH/standby_plain
trap 'sg_cluster_stop "$PLAIN"; sg_cluster_stop "$STANDBY"; sg_cluster_stop "$PRIMARY"' EXIT

# q HOST ARGS...: psql on database app of the server listening in HOST.
q() {
    local host=$1
    shift
    "$SG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$host" -p 5432 -U postgres -d app "$@"
}
# A script as a user types it: echoed, errors shown in line (without psql's
# file:line prefix), no stop.
script() {
    local host=$1 file=$2
    "$SG_BINDIR/psql" -X -a -h "$host" -p 5432 -U postgres -d app -f "$file" 2>&1 |
        sed 's/^psql:[^:]*:[0-9]*: //'
}

sg_cluster_start "$PRIMARY" "$SG_CONF_PRELOAD" "$SCRATCH/primary.log"
P=$SG_PGHOST
# No autovacuum: reltuples (in jsonb_shape_summary's estimate) must not move
# between the primary's run of the reports and the standbys'.
sg_psql -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
sg_psql -d postgres -c "CREATE DATABASE app"
q "$P" >/dev/null <<'SQL'
CREATE EXTENSION schema_guard;
BEGIN;
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                     doc jsonb NULL, note text NULL);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
SELECT schema_guard.jsonb_expect('orders', 'doc',
    '{"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}');
COMMIT;
CREATE TABLE workload (query text PRIMARY KEY, calls bigint NOT NULL);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 20) g;
INSERT INTO orders SELECT g, g % 20 + 1,
       CASE WHEN g % 10 = 0 THEN NULL
            ELSE jsonb_build_object('status', CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'new' END,
                                    'total', g * 1.5, 'tags', jsonb_build_array('t' || g % 4))
            END,
       NULLIF('note ' || g % 5, 'note 0')
  FROM generate_series(1, 200) g;
INSERT INTO workload VALUES
    ('SELECT * FROM orders WHERE doc->>''status'' = $1', 1200),
    ('SELECT id FROM orders WHERE doc @> $1', 300);
SELECT schema_guard.jsonb_snapshot('orders', 'doc');
UPDATE orders SET doc = doc || '{"channel": "web"}' WHERE id % 2 = 0 AND doc IS NOT NULL;
UPDATE orders SET doc = jsonb_set(doc, '{status}', '7') WHERE id = 7;
SELECT schema_guard.jsonb_snapshot('orders', 'doc');
SELECT schema_guard.exempt('implicit_nullable', 'public.orders.note', 'legacy column');
SELECT schema_guard.exempt('jsonb_uncontracted', 'public.workload', 'no jsonb there yet');
VACUUM ANALYZE;
SQL
ok "primary: extension, exemptions, a contract and two snapshots"
if [ "$(q "$P" -Atc "SHOW wal_level")" = replica ]; then
    ok "primary: wal_level = replica"
else
    not_ok "primary: wal_level is $(q "$P" -Atc "SHOW wal_level"), not replica"
fi

# clone DIR CONF: a hot standby of the primary on a socket directory of its
# own, with CONF (preload or plain) instead of the primary's.
clone() {
    local data=$1 conf=$2 sock
    rm -rf "$data" "$data.log"
    "$SG_BINDIR/pg_basebackup" -h "$P" -p 5432 -U postgres -D "$data" -R -X stream -c fast --no-sync \
        >"$data.basebackup.log" 2>&1 || {
        cat "$data.basebackup.log" >&2
        return 1
    }
    sock=$(mktemp -d /tmp/sg_sock.XXXXXX)
    echo "$sock" >"$data/sg_sockdir"
    sed -i "s|^include '.*'$|include '$conf'|" "$data/postgresql.conf"
    {
        echo "unix_socket_directories = '$sock'"
        echo "hot_standby = on"
    } >>"$data/postgresql.conf"
    "$SG_BINDIR/pg_ctl" -D "$data" -l "$data.log" -w -t 60 start >/dev/null || {
        tail -n 30 "$data.log" >&2
        return 1
    }
    echo "$sock"
}
S=$(clone "$STANDBY" "$SG_CONF_PRELOAD")
N=$(clone "$PLAIN" "$SG_CONF_PLAIN")

# caught_up HOST: wait until HOST has replayed everything the primary wrote.
caught_up() {
    local lsn i
    # The insert position: with synchronous_commit = off (test/common.conf)
    # the last commit record may not be written yet.
    lsn=$(q "$P" -Atc "SELECT pg_current_wal_insert_lsn()")
    for i in $(seq 1 300); do
        [ "$(q "$1" -Atc "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
        sleep 0.1
    done
    echo "standby $1 did not replay up to $lsn" >&2
    return 1
}
caught_up "$S"
caught_up "$N"

if [ "$(q "$S" -Atc "SELECT pg_is_in_recovery()")" = t ] &&
    [ "$(q "$S" -Atc "SHOW shared_preload_libraries")" = schema_guard ] &&
    [ "$(q "$S" -Atc "SELECT count(*) FROM pg_settings WHERE name LIKE 'schema_guard.%'")" -gt 1 ]; then
    ok "standby: in recovery, library preloaded, its settings defined ($(q "$S" -Atc "SELECT count(*) FROM pg_settings WHERE name LIKE 'schema_guard.%'"))"
else
    not_ok "standby: not in recovery or library not loaded"
fi
if [ "$(q "$N" -Atc "SELECT count(*) FROM pg_settings WHERE name LIKE 'schema_guard.%'")" = 0 ]; then
    ok "plain standby: library not loaded"
else
    not_ok "plain standby: the library is loaded"
fi

# 1. What a standby allows and refuses: the same output with and without the
# library.  The guard would judge the DDL and REINDEX on a primary.
cat >"$SCRATCH/statements.sql" <<'SQL'
SELECT count(*), count(doc), count(note) FROM orders;
SELECT id, doc->>'status' AS status FROM orders ORDER BY id LIMIT 3;
EXPLAIN (COSTS OFF) SELECT * FROM orders WHERE customer_id = 1;
SET work_mem = '8MB';
SHOW work_mem;
RESET work_mem;
BEGIN;
LOCK TABLE orders IN ACCESS SHARE MODE;
DECLARE c CURSOR FOR SELECT id FROM orders ORDER BY id;
FETCH 2 FROM c;
CLOSE c;
SAVEPOINT s;
SELECT count(*) FROM customers;
RELEASE SAVEPOINT s;
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT count(*) FROM customers;
COMMIT;
PREPARE q(bigint) AS SELECT id, note FROM orders WHERE id = $1;
EXECUTE q(1);
DEALLOCATE q;
COPY (SELECT id, name FROM customers ORDER BY id LIMIT 2) TO STDOUT;
DO $$BEGIN PERFORM count(*) FROM orders; END$$;
LISTEN chan;
NOTIFY chan;
DISCARD TEMP;
DISCARD ALL;
LOAD 'plpgsql';
CREATE TEMP TABLE scratch (id int NULL);
CREATE TABLE more (id int PRIMARY KEY);
CREATE INDEX ON orders (note);
CREATE INDEX CONCURRENTLY ON orders (note);
DROP INDEX orders_customer_id_idx;
DROP INDEX CONCURRENTLY orders_customer_id_idx;
ALTER TABLE orders ADD COLUMN extra text;
ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);
ALTER TABLE orders ADD UNIQUE (customer_id, id);
REINDEX TABLE orders;
REINDEX INDEX orders_customer_id_idx;
REINDEX SCHEMA public;
REINDEX DATABASE app;
REINDEX TABLE CONCURRENTLY orders;
VACUUM orders;
VACUUM FULL orders;
CLUSTER orders USING orders_pkey;
ANALYZE orders;
TRUNCATE orders;
INSERT INTO customers VALUES (1000, 'new');
DROP TABLE workload;
SET schema_guard.mode = warn;
REINDEX TABLE orders;
REINDEX INDEX orders_customer_id_idx;
RESET schema_guard.mode;
BEGIN;
SAVEPOINT s;
REINDEX TABLE orders;
ROLLBACK TO SAVEPOINT s;
SAVEPOINT t;
CREATE INDEX ON orders (note);
ROLLBACK TO SAVEPOINT t;
SELECT txid_current_if_assigned() IS NULL AS no_transaction_id;
COMMIT;
BEGIN;
PREPARE TRANSACTION 'sg_standby';
SQL
script "$S" "$SCRATCH/statements.sql" >"$SCRATCH/statements-standby.out"
script "$N" "$SCRATCH/statements.sql" >"$SCRATCH/statements-plain.out"
if diff -u "$SCRATCH/statements-plain.out" "$SCRATCH/statements-standby.out" >"$SCRATCH/statements.diff"; then
    ok "standby: $(grep -c '^ERROR:' "$SCRATCH/statements-standby.out") refusals and every allowed statement identical with and without the library"
else
    not_ok "standby: statements differ with the library (- plain, + preloaded):"
    cat "$SCRATCH/statements.diff"
fi
# The refusals are PostgreSQL's own: read-only transaction or recovery.
if [ "$(grep -c '^ERROR:  cannot execute REINDEX during recovery' "$SCRATCH/statements-standby.out")" = 8 ] &&
    [ "$(grep -c "^ERROR:  cannot execute CREATE INDEX in a read-only transaction" "$SCRATCH/statements-standby.out")" = 3 ] &&
    ! grep -Eq '^(WARNING|ERROR):  [a-z_]+: ' "$SCRATCH/statements-standby.out"; then
    ok "standby: REINDEX and CREATE INDEX refused by PostgreSQL, no guard message"
else
    not_ok "standby: unexpected refusals:"
    grep -E '^(WARNING|ERROR):' "$SCRATCH/statements-standby.out" | sort | uniq -c
fi

# 2. Every report function, on the primary and on both standbys.  One
# transaction: it must get no transaction id and commit.
cat >"$SCRATCH/reports.sql" <<'SQL'
\pset null '(null)'
BEGIN;
SELECT * FROM schema_guard.rules() ORDER BY rule;
SELECT * FROM schema_guard.exemptions ORDER BY rule, object;
SELECT * FROM schema_guard.exemption_key('public.orders.note');
SELECT * FROM schema_guard.exemption_key('orders_customer_id_fkey on public.orders');
SELECT * FROM schema_guard.jsonb_shape('orders', 'doc') ORDER BY path, type;
SELECT * FROM schema_guard.jsonb_shape('orders', 'doc', 50, 7) ORDER BY path, type;
SELECT method, sample_percent, seed, rows_scanned, null_documents, est_total_rows, paths,
       maps_collapsed, budget_exhausted, values_skipped, unseen_max_ratio, restarts, depth_exhausted
  FROM schema_guard.jsonb_shape_summary('orders', 'doc');
SELECT schema_guard.jsonb_infer_contract('orders', 'doc');
SELECT schema_guard.jsonb_contract_valid('{"type": "object", "required": ["status"]}');
SELECT * FROM schema_guard.jsonb_drift() ORDER BY kind, path, message;
SELECT * FROM schema_guard.jsonb_drift('orders', 'doc', 50, 7) ORDER BY kind, path, message;
SELECT * FROM schema_guard.jsonb_changes('orders', 'doc', min_change => 0) ORDER BY change, path, type;
SELECT * FROM schema_guard.jsonb_workload_paths('orders', 'doc', 'workload') ORDER BY path, operator;
SELECT * FROM schema_guard.jsonb_suggest('orders', 'doc', 0.5, 'workload') ORDER BY kind, path, fix;
SELECT * FROM schema_guard.audit();
SELECT * FROM schema_guard.audit(with_data => true);
SELECT f, schema_guard.audit_report(f) FROM unnest(ARRAY['sarif', 'json', 'junit', 'tap']) f;
DO $$
BEGIN
    PERFORM schema_guard.assert_clean('info');
    RAISE NOTICE 'assert_clean: clean';
EXCEPTION WHEN SQLSTATE 'SG002' THEN
    RAISE NOTICE 'assert_clean: %', SQLERRM;
END
$$;
SELECT schema_guard.rule_setting('fk_unindexed');
-- The pgTAP assertions get as far as looking for pgTAP, which is not here
-- (nor could it run on a standby: its plan() writes temporary tables).
DO $$
DECLARE
    call text;
BEGIN
    FOREACH call IN ARRAY ARRAY[
        $c$SELECT schema_guard.pgtap_ok(true, 'standby', NULL)$c$,
        $c$SELECT schema_guard.no_findings('fk_unindexed')$c$,
        $c$SELECT schema_guard.fk_indexed('orders')$c$,
        $c$SELECT schema_guard.jsonb_matches_contract('orders', 'doc')$c$] LOOP
        BEGIN
            EXECUTE call;
        EXCEPTION WHEN object_not_in_prerequisite_state THEN
            RAISE NOTICE '%: %', call, SQLERRM;
        END;
    END LOOP;
END
$$;
SELECT schema_guard.jsonb_path_keys('$.customer."odd key"');
SELECT schema_guard.not_temporary('orders'), schema_guard.can_read_column('orders', 'doc'),
       schema_guard.owns_table('orders');
SELECT tbl, col, contract FROM schema_guard.jsonb_contracts;
SELECT count(*) FROM schema_guard.jsonb_snapshots;
-- without sequence states: a standby reads them as WAL-logged, up to 32 values ahead
SELECT schema_guard.schema_fingerprint() #- '{objects,sequence}' AS schema_fingerprint;
SELECT count(*) AS differences FROM schema_guard.schema_diff(schema_guard.schema_fingerprint('{public}'),
                                                              schema_guard.schema_fingerprint('{public}'));
SELECT schema_guard.data_fingerprint('orders');
SELECT count(*) FROM schema_guard.session_findings(true);
SELECT schema_guard.statement_number() IS NOT NULL AS numbered;
SELECT schema_guard.check_pending();
SELECT txid_current_if_assigned() IS NULL AS no_transaction_id;
COMMIT;
SQL
script "$P" "$SCRATCH/reports.sql" >"$SCRATCH/reports-primary.out"
script "$S" "$SCRATCH/reports.sql" >"$SCRATCH/reports-standby.out"
script "$N" "$SCRATCH/reports.sql" >"$SCRATCH/reports-plain.out"
if grep -Eq '^(ERROR|WARNING|FATAL)' "$SCRATCH/reports-primary.out"; then
    not_ok "primary: the report script fails:"
    grep -E '^(ERROR|WARNING|FATAL)' "$SCRATCH/reports-primary.out"
elif ! grep -q '(1 row)' "$SCRATCH/reports-primary.out" ||
    [ "$(grep -cx ' t' "$SCRATCH/reports-primary.out")" -lt 2 ]; then
    not_ok "primary: the report script printed no rows"
else
    ok "primary: every report function runs ($(grep -c '^SELECT' "$SCRATCH/reports-primary.out") queries)"
fi
for host in standby plain; do
    if diff -u "$SCRATCH/reports-primary.out" "$SCRATCH/reports-$host.out" >"$SCRATCH/reports-$host.diff"; then
        ok "$host standby: every report function gives the primary's rows, no transaction id, COMMIT"
    else
        not_ok "$host standby: reports differ from the primary's (- primary, + standby):"
        head -n 60 "$SCRATCH/reports-$host.diff"
    fi
done

# Every function of the extension is covered: read in reports.sql, written
# below, or an event-trigger function.
WRITERS=" exempt unexempt jsonb_expect jsonb_unexpect jsonb_snapshot jsonb_snapshot_drop fill fill_schema roundtrip "
uncovered=""
for f in $(q "$P" -Atc "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'schema_guard'::regnamespace
                        AND prorettype <> 'event_trigger'::regtype ORDER BY 1"); do
    [[ $WRITERS == *" $f "* ]] || grep -qF "schema_guard.$f(" "$SCRATCH/reports.sql" || uncovered+=" $f"
done
if [ -z "$uncovered" ]; then
    ok "every function of the extension is called read-only on the standby or listed as a writer"
else
    not_ok "functions neither called in reports.sql nor listed in WRITERS of t_standby.sh:$uncovered"
fi

# 3. The writers fail with PostgreSQL's read-only error; the server stays up.
READONLY='^ERROR:  25006: cannot execute [a-zA-Z()]+ in a read-only transaction$'
for call in "schema_guard.exempt('fk_unindexed', 'orders_customer_id_fkey on public.orders', 'standby')" \
    "schema_guard.unexempt('implicit_nullable', 'public.orders.note')" \
    "schema_guard.jsonb_expect('orders', 'doc', '{\"type\": \"object\"}')" \
    "schema_guard.jsonb_snapshot('orders', 'doc')" \
    "schema_guard.jsonb_unexpect('orders', 'doc')" \
    "schema_guard.jsonb_snapshot_drop((SELECT max(id) FROM schema_guard.jsonb_snapshots))" \
    "schema_guard.fill('orders', 1)" \
    "schema_guard.fill_schema(1)" \
    "schema_guard.roundtrip('SELECT 1', 'SELECT 1')"; do
    out=$("$SG_BINDIR/psql" -X -q -h "$S" -p 5432 -U postgres -d app -v VERBOSITY=verbose \
        -c "SELECT $call" 2>&1 || true)
    first=$(head -n 1 <<<"$out")
    if [[ $first =~ $READONLY ]]; then
        ok "standby: ${call%%(*} refused: ${first#ERROR:  }"
    else
        not_ok "standby: ${call%%(*} gave: $out"
    fi
done
if [ "$(q "$S" -Atc "SELECT count(*) FROM schema_guard.exemptions")" = 2 ] &&
    ! grep -Eq 'terminated by signal|PANIC' "$STANDBY.log"; then
    ok "standby: still up, nothing written, no crash in its log"
else
    not_ok "standby: down or changed after the writers"
fi
if grep -Eq '(WARNING|ERROR):  [a-z_]+: ' "$STANDBY.log"; then
    not_ok "standby log has guard messages:"
    grep -E '(WARNING|ERROR):  [a-z_]+: ' "$STANDBY.log"
else
    ok "standby log: no guard message"
fi

# 4. The guard judges on the primary; what it lets through is replayed.
if q "$P" -c "CREATE INDEX orders_note_idx ON orders (note)" >"$SCRATCH/primary-index.out" 2>&1; then
    not_ok "primary: CREATE INDEX without CONCURRENTLY was let through"
elif grep -q '^ERROR:  index_not_concurrent: ' "$SCRATCH/primary-index.out"; then
    ok "primary: CREATE INDEX without CONCURRENTLY rejected by index_not_concurrent"
else
    not_ok "primary: CREATE INDEX failed otherwise: $(head -n 1 "$SCRATCH/primary-index.out")"
fi
q "$P" -c "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note)" \
    -c "SELECT schema_guard.exempt('fk_unindexed', 'orders_customer_id_fkey on public.orders', 'covered')" >/dev/null
caught_up "$S"
if [ "$(q "$S" -Atc "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_note_idx'")" = 1 ] &&
    [ "$(q "$S" -Atc "SELECT count(*) FROM schema_guard.exemptions")" = 3 ]; then
    ok "standby: replays the concurrent index and the new exemption"
else
    not_ok "standby: did not replay the primary's changes"
fi

if [ "$failures" = 0 ]; then
    echo "t_standby: all checks passed"
else
    echo "t_standby: $failures check(s) failed"
    exit 1
fi
