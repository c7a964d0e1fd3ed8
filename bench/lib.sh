# bench/lib.sh: what the single-cluster benchmarks share (sourced after
# test/lib.sh, once the script runs as postgres).
#
# bench_cluster NAME [SETTING...]: a throwaway cluster in $SG_BUILD/NAME
# with the test clusters' settings plus the given ones, stopped on exit, the
# extension created in database postgres with the guard off (the benchmarks
# time reports, not DDL); sets $dir.
bench_cluster() {
    local name=$1 conf
    shift
    dir=$SG_BUILD/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    conf=$dir/bench.conf
    {
        cat "$SG_CONF_PLAIN"
        echo "max_parallel_workers_per_gather = 0"
        echo "jit = off"
        printf '%s\n' "$@"
    } >"$conf"
    trap 'sg_cluster_stop "$dir/data"' EXIT
    sg_cluster_start "$dir/data" "$conf"
    q -c "CREATE EXTENSION schema_guard" -c "ALTER DATABASE postgres SET schema_guard.mode = off"
}

q() { sg_psql -d postgres "$@"; }

# ms of one statement (psql \timing)
ms() { q -At -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }

# the median of the arguments (the lower middle one of an even count)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# peak_kb SQL: the peak private memory (RssAnon, kB) of the backend that runs
# SQL, sampled from /proc every 20 ms.
peak_kb() {
    local sql=$1 pid peak=0 v bg
    q -c "SET application_name = 'sg_bench_mem'" -c "SELECT pg_sleep(0.3)" -c "$sql" >/dev/null &
    bg=$!
    sleep 0.1
    pid=$(q -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'sg_bench_mem'")
    while kill -0 "$bg" 2>/dev/null; do
        v=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        if [ -n "$v" ] && [ "$v" -gt "$peak" ]; then peak=$v; fi
        sleep 0.02
    done
    wait "$bg"
    echo "$peak"
}
