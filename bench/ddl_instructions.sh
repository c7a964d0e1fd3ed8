#!/bin/bash
# bench/ddl_instructions.sh [TABLES]: CPU instructions of the backend that
# applies bench/gen_schema.sh's migration (default 200 tables), counted by
# valgrind's callgrind: the guard in warn mode with every rule at its
# default (library preloaded, extension created), the guard in off mode, and
# a cluster without the library.  Instruction counts do not
# move with the machine's load, so this compares the guard's cost where
# wall-clock times on a shared machine cannot (bench/run.sh schema gives the
# times).  Event triggers do not fire in a single-user backend, so the
# postmaster runs under valgrind and the backend that ran the migration is
# picked by its pid.  Prints markdown, then the guard's most expensive
# functions (inclusive) when SG_BENCH_PROFILE=1.
# Counts start when the backend enters PostgresMain: a forked backend
# inherits the postmaster's counters (the library's _PG_init among them,
# paid once per server, not per connection).
# Needs valgrind (installed with apt-get when run as root).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
. test/lib.sh
TABLES=${1:-200}

if [ -z "${SG_PREPARED:-}" ]; then
    if ! command -v valgrind >/dev/null; then
        if sg_is_root; then
            apt-get install -y -q valgrind >/dev/null
        else
            echo "bench/ddl_instructions.sh needs valgrind (apt-get install valgrind)" >&2
            exit 1
        fi
    fi
    sg_prepare >/dev/null
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 SG_BENCH_PROFILE="${SG_BENCH_PROFILE:-}" "$0" "$TABLES"
    fi
fi

dir=$SG_BUILD/bench_ddl_instructions
rm -rf "$dir"
mkdir -p "$dir"
bench/gen_schema.sh "$TABLES" >"$dir/schema.sql"

# instructions VARIANT CONF [SQL run first]: total instructions of the backend
# that applied the migration.
instructions() {
    local variant=$1 conf=$2 first=${3:-} data=$dir/$1 pid
    sg_cluster_start "$data" "$conf" "$dir/$variant.log"
    sg_psql -d postgres -c "CREATE DATABASE bench" >/dev/null
    [ -n "$first" ] && sg_psql -d bench -c "$first" >/dev/null
    "$SG_BINDIR/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    valgrind --tool=callgrind --trace-children=yes --zero-before=PostgresMain --callgrind-out-file="$dir/$variant.cg.%p" \
        "$SG_BINDIR/postgres" -D "$data" >>"$dir/$variant.log" 2>&1 &
    for _ in $(seq 600); do
        sg_psql -d postgres -c "SELECT 1" >/dev/null 2>&1 && break
        sleep 0.5
    done
    pid=$( { echo "SELECT pg_backend_pid();"; cat "$dir/schema.sql"; } |
        sg_psql -d bench -At -v ON_ERROR_STOP=1 -f - 2>"$dir/$variant.err" | head -n 1)
    warnings[$variant]=$(grep -c '^psql:.*WARNING' "$dir/$variant.err" || true)
    "$SG_BINDIR/pg_ctl" -D "$data" -m fast -w -t 600 stop >/dev/null
    sg_cluster_stop "$data"
    awk '/^(summary|totals):/ {print $2; exit}' "$dir/$variant.cg.$pid"
    ln -sf "$variant.cg.$pid" "$dir/$variant.callgrind"
}

declare -A warnings
instructions guard "$SG_CONF_PRELOAD" "CREATE EXTENSION schema_guard; ALTER DATABASE bench SET schema_guard.mode = warn" >"$dir/guard.count"
instructions off "$SG_CONF_PRELOAD" "CREATE EXTENSION schema_guard; ALTER DATABASE bench SET schema_guard.mode = off" >"$dir/off.count"
instructions baseline "$SG_CONF_PLAIN" >"$dir/baseline.count"
guard=$(cat "$dir/guard.count")
off=$(cat "$dir/off.count")
base=$(cat "$dir/baseline.count")
statements=$(grep -c ';$' "$dir/schema.sql")
cat <<MD
| instructions of the backend applying bench/gen_schema.sh $TABLES ($statements statements; callgrind) | value | ratio to without |
|---|---|---|
| without the library | $base | 1 |
| guard in off mode (preloaded, extension created) | $off | $(awk -v a="$off" -v b="$base" 'BEGIN {printf "%.3f", a / b}') |
| guard in warn mode, every rule at its default | $guard | **$(awk -v a="$guard" -v b="$base" 'BEGIN {printf "%.3f", a / b}')** |

Guard warnings in warn mode: ${warnings[guard]:-?} (the history is valid: 0 expected).
MD
if [ -n "${SG_BENCH_PROFILE:-}" ]; then
    callgrind_annotate --inclusive=yes "$dir/guard.callgrind" 2>/dev/null | sed -n '1,60p'
fi
