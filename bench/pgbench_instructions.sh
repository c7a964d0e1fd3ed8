#!/bin/bash
# bench/pgbench_instructions.sh [TRANSACTIONS]: CPU instructions of the
# backend that runs pgbench's select-only and TPC-B-like workloads (default
# 20000 transactions each, one client), counted by valgrind's callgrind:
# library preloaded and extension created (every rule at its default, the
# default mode) against a cluster without the library.  The non-DDL path is
# what DESIGN.md's ">= 0.99" budget is about; instruction counts do not move
# with the machine's load, which pgbench's tps on a shared machine does
# (bench/run.sh pgbench gives the tps).  An instruction ratio r implies a
# throughput ratio of at least 1/r for a CPU-bound backend.
# Counts start when the backend enters PostgresMain: a forked backend
# inherits the postmaster's counters (the library's _PG_init among them,
# paid once per server, not per connection).
# Needs valgrind (installed with apt-get when run as root).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
. test/lib.sh
TX=${1:-20000}

if [ -z "${SG_PREPARED:-}" ]; then
    if ! command -v valgrind >/dev/null; then
        if sg_is_root; then
            apt-get install -y -q valgrind >/dev/null
        else
            echo "bench/pgbench_instructions.sh needs valgrind (apt-get install valgrind)" >&2
            exit 1
        fi
    fi
    sg_prepare >/dev/null
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$TX"
    fi
fi

dir=$SG_BUILD/bench_pgbench_instructions
rm -rf "$dir"
mkdir -p "$dir"

# instructions VARIANT CONF WORKLOAD [SQL run first]: total instructions of
# the backend that served pgbench (found by its pid in the connection log).
instructions() {
    local variant=$1 conf=$2 workload=$3 first=${4:-} data=$dir/$1-$3 pid
    sg_cluster_start "$data" "$conf" "$data.log"
    printf "log_connections = on\nautovacuum = off\n" >>"$data/postgresql.conf"
    sg_psql -d postgres -c "CREATE DATABASE bench" >/dev/null
    # pgbench's own tables are not what is measured (and have no explicit
    # NULLs): made before the extension exists
    "$SG_BINDIR/pgbench" -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres -q -i -s 1 bench >"$data.init" 2>&1
    [ -n "$first" ] && sg_psql -d bench -c "$first" >/dev/null
    sg_psql -d bench -c "VACUUM ANALYZE" >/dev/null
    "$SG_BINDIR/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    valgrind --tool=callgrind --trace-children=yes --zero-before=PostgresMain --callgrind-out-file="$data.cg.%p" \
        "$SG_BINDIR/postgres" -D "$data" >>"$data.log" 2>&1 &
    for _ in $(seq 600); do
        sg_psql -d postgres -c "SELECT 1" >/dev/null 2>&1 && break
        sleep 0.5
    done
    "$SG_BINDIR/pgbench" -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres -n -b "$workload" --random-seed=1 \
        -c 1 -j 1 -t "$TX" bench >"$data.pgbench" 2>&1
    pid=$(sed -n 's/.*\[\([0-9]*\)\] .*connection authorized: user=postgres database=bench application_name=pgbench.*/\1/p' "$data.log" | tail -n 1)
    "$SG_BINDIR/pg_ctl" -D "$data" -m fast -w -t 600 stop >/dev/null
    sg_cluster_stop "$data"
    awk '/^(summary|totals):/ {print $2; exit}' "$data.cg.$pid"
}

echo "| workload ($TX transactions, 1 client; callgrind) | without the library | preloaded + extension | ratio | implied tps ratio (budget >= 0.99) |"
echo "|---|---|---|---|---|"
for w in select-only tpcb-like; do
    guard=$(instructions guard "$SG_CONF_PRELOAD" "$w" "CREATE EXTENSION schema_guard")
    base=$(instructions baseline "$SG_CONF_PLAIN" "$w")
    awk -v w="$w" -v a="$guard" -v b="$base" 'BEGIN {
        printf "| %s | %.0f | %.0f | %.4f | **%.4f** |\n", w, b, a, a / b, b / a }'
done
