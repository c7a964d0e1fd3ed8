#!/bin/bash
# test/t_reindex_load.sh: what the manual says about REINDEX without
# preloading (PostgreSQL < 17 fires no event trigger for it, so only the
# ProcessUtility hook sees it, and the hook exists once the library is
# loaded in the session).  With CREATE EXTENSION alone:
#   - a session that has run no DDL and called no schema_guard function
#     yet runs REINDEX unchecked (the gap; on 17+ the event trigger sees it);
#   - after a schema_guard function call, or any DDL (even on a temporary
#     table), REINDEX is checked;
#   - ALTER DATABASE ... SET session_preload_libraries = 'schema_guard'
#     closes the gap for every new session of that database;
#   - from 17 on the ProcessUtility hook leaves REINDEX to the event trigger
#     (judged once): with event_triggers = off nothing judges it;
#   - VACUUM FULL fires no event trigger on any major: it has the gap above
#     on every major, closed the same ways, and event_triggers = off (17+)
#     turns the hook's judgement off too.
# TRUNCATE fires no event trigger on any major: destructive_drop sees it
# through the same hook, with the same gap on every major.
#
# Run by test/run.sh, or alone: test/t_reindex_load.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_reindex_load "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PLAIN" "$SCRATCH/server.log"
major=$(sg_psql -d postgres -Atc "SELECT current_setting('server_version_num')::int / 10000")

sg_psql -d postgres -c "CREATE DATABASE guarded"
sg_psql -d guarded <<'SQL'
CREATE EXTENSION schema_guard;
CREATE TABLE customer (id int PRIMARY KEY);
SQL

# expect_truncate CHECKED|UNCHECKED WHAT [SQL run first, same session]: in a
# transaction rolled back, so the table keeps its rows either way.
expect_truncate() {
    local want=$1 what=$2 first=${3:-} out
    out=$(sg_psql -At -d guarded ${first:+-c "$first"} \
        -c "BEGIN" -c "TRUNCATE customer" -c "SELECT 'truncated'" -c "ROLLBACK" 2>&1) || true
    if grep -q 'destructive_drop' <<<"$out"; then
        got=CHECKED
    elif grep -q '^truncated' <<<"$out"; then
        got=UNCHECKED
    else
        got="failed otherwise: $out"
    fi
    if [ "$got" = "$want" ]; then
        ok "$what: TRUNCATE ${want,,}"
    else
        not_ok "$what: TRUNCATE should be ${want,,}, was: $got"
    fi
}
expect_truncate UNCHECKED "first statement of a session, no preload"
expect_truncate CHECKED "after a schema_guard function call" "SELECT count(*) FROM schema_guard.rules()"

# expect_stmt STATEMENT RULE CHECKED|UNCHECKED WHAT [SQL run first, same session]
expect_stmt() {
    local stmt=$1 rule=$2 want=$3 what=$4 first=${5:-} out
    # -c statements run one by one in one session, each in its own transaction.
    if out=$(sg_psql -d guarded ${first:+-c "$first"} -c "$stmt" 2>&1); then
        got=UNCHECKED
    elif grep -q "$rule" <<<"$out"; then
        got=CHECKED
    else
        got="failed otherwise: $out"
    fi
    if [ "$got" = "$want" ]; then
        ok "$what: ${stmt%% *} ${want,,}"
    else
        not_ok "$what: ${stmt%% *} should be ${want,,}, was: $got"
    fi
}
expect_reindex() { expect_stmt "REINDEX TABLE customer" reindex_not_concurrent "$@"; }
expect_vacuum() { expect_stmt "VACUUM FULL customer" table_rewrite "$@"; }

if [ "$major" -lt 17 ]; then
    expect_reindex UNCHECKED "first statement of a session, no preload"
    expect_reindex UNCHECKED "after a SET of the guard's settings" "SET schema_guard.mode = enforce"
else
    expect_reindex CHECKED "first statement of a session, no preload (event trigger on $major)"
fi
expect_reindex CHECKED "after a schema_guard function call" "SELECT count(*) FROM schema_guard.rules()"
expect_reindex CHECKED "after DDL on a temporary table" "CREATE TEMP TABLE scratch (a int NULL)"
expect_vacuum UNCHECKED "first statement of a session, no preload (no event trigger on $major)"
expect_vacuum CHECKED "after a schema_guard function call" "SELECT count(*) FROM schema_guard.rules()"
expect_vacuum CHECKED "after DDL on a temporary table" "CREATE TEMP TABLE scratch (a int NULL)"

sg_psql -d postgres -c "ALTER DATABASE guarded SET session_preload_libraries = 'schema_guard'"
expect_reindex CHECKED "first statement of a session, session_preload_libraries set per database"
expect_truncate CHECKED "first statement of a session, session_preload_libraries set per database"
expect_vacuum CHECKED "first statement of a session, session_preload_libraries set per database"
if [ "$major" -ge 17 ]; then
    # The event trigger is the one path: no hook judges REINDEX behind it.
    expect_reindex UNCHECKED "library loaded, event_triggers = off (the manual's escape hatch on $major)" \
        "SET event_triggers = off"
    expect_vacuum UNCHECKED "library loaded, event_triggers = off (the manual's escape hatch on $major)" \
        "SET event_triggers = off"
fi

[ "$failures" = 0 ]
