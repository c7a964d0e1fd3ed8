#!/bin/bash
# bench/run.sh [pgbench] [schema] [fkcommit] [audit]
#
# The benchmarks of DESIGN.md section 7, with public tools only (pgbench,
# psql, date).  Called by `make bench`; without arguments it runs all of them.
# Each benchmark compares against a baseline measured in the same run, in
# alternating order, and reports medians and ratios.  Results are printed
# and written into doc/performance.md, one marked section per benchmark
# (other sections of that file are left alone).
#
#   pgbench   pgbench -S and TPC-B-like: library preloaded + CREATE EXTENSION
#             vs not loaded at all (two clusters with the same settings)
#   schema    apply bench/gen_schema.sh's N-table migration: guard in `warn`
#             mode vs a cluster without the library
#   fkcommit  one ALTER TABLE ADD FOREIGN KEY + CREATE INDEX + COMMIT (and
#             its undo) in a catalog of 10 tables vs 10,000 tables
#   audit     schema_guard.audit() on the 10,000-table catalog (if it exists)
#
# Knobs (defaults in brackets; SG_BENCH_QUICK=1 picks small ones for a smoke run):
#   SG_BENCH_RUNS [10]     alternating pgbench runs per variant and workload
#   SG_BENCH_SECONDS [10]  length of one pgbench run
#   SG_BENCH_SCALE [10]    pgbench scale factor
#   SG_BENCH_CLIENTS [2]   pgbench clients (and threads)
#   SG_BENCH_TABLES [2000] tables of the generated schema
#   SG_BENCH_SCHEMA_RUNS [5]  alternating applications per variant
#   SG_BENCH_CATALOG [10000]  tables of the big catalog for fkcommit/audit
#   SG_BENCH_FK_TX [300]   transactions per fkcommit run
#   SG_BENCH_FK_RUNS [5]   alternating fkcommit runs per variant
#   SG_BENCH_AUDIT_RUNS [5]  alternating audit runs per variant
#   SG_BENCH_AUDIT_INSTRUCTIONS [1]  also count the audit's instructions with
#                          callgrind when valgrind is installed (0 = do not)
#   SG_BENCH_DOC [doc/performance.md]  where to write ("" = do not write)
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

if [ "${SG_BENCH_QUICK:-}" = 1 ]; then
    : "${SG_BENCH_RUNS:=2}" "${SG_BENCH_SECONDS:=5}" "${SG_BENCH_SCALE:=2}" "${SG_BENCH_TABLES:=300}"
    : "${SG_BENCH_SCHEMA_RUNS:=2}" "${SG_BENCH_CATALOG:=1000}" "${SG_BENCH_FK_TX:=50}" "${SG_BENCH_FK_RUNS:=2}"
    : "${SG_BENCH_AUDIT_RUNS:=3}"
fi
RUNS=${SG_BENCH_RUNS:-10}
SECS=${SG_BENCH_SECONDS:-10}
SCALE=${SG_BENCH_SCALE:-10}
CLIENTS=${SG_BENCH_CLIENTS:-2}
TABLES=${SG_BENCH_TABLES:-2000}
SCHEMA_RUNS=${SG_BENCH_SCHEMA_RUNS:-5}
CATALOG=${SG_BENCH_CATALOG:-10000}
FK_TX=${SG_BENCH_FK_TX:-300}
FK_RUNS=${SG_BENCH_FK_RUNS:-5}
AUDIT_RUNS=${SG_BENCH_AUDIT_RUNS:-5}
AUDIT_INSTRUCTIONS=${SG_BENCH_AUDIT_INSTRUCTIONS:-1}
DOC=${SG_BENCH_DOC-doc/performance.md}
export SG_BENCH_RUNS=$RUNS SG_BENCH_SECONDS=$SECS SG_BENCH_SCALE=$SCALE SG_BENCH_CLIENTS=$CLIENTS \
    SG_BENCH_TABLES=$TABLES SG_BENCH_SCHEMA_RUNS=$SCHEMA_RUNS SG_BENCH_CATALOG=$CATALOG \
    SG_BENCH_FK_TX=$FK_TX SG_BENCH_FK_RUNS=$FK_RUNS SG_BENCH_AUDIT_RUNS=$AUDIT_RUNS \
    SG_BENCH_AUDIT_INSTRUCTIONS=$AUDIT_INSTRUCTIONS

BENCHES=("$@")
[ ${#BENCHES[@]} = 0 ] && BENCHES=(pgbench schema fkcommit audit)
for b in "${BENCHES[@]}"; do
    case $b in pgbench | schema | fkcommit | audit) ;; *) echo "unknown benchmark: $b" >&2; exit 2 ;; esac
done
want() { [[ " ${BENCHES[*]} " == *" $1 "* ]]; }

OUT=$SG_BUILD/bench
SECTIONS=$OUT/sections

# ---------------------------------------------------------------------------
# Publishing: replace the section between its markers, or append it.
publish() {
    local f name begin end tmp
    [ -n "$DOC" ] || return 0
    if [ ! -f "$DOC" ]; then
        cat >"$DOC" <<'EOF'
# schema_guard performance

Measured by `make bench` (`bench/run.sh`), with public tools only: pgbench, psql and
`date`. Every benchmark measures its baseline in the same run, alternating with the
measured variant, and reports medians and ratios; absolute numbers depend on the
machine, ratios much less. Each section below is rewritten by the run that produced
it and names its command, machine and date. Budgets are those of DESIGN.md section 7.

Shorter runs: `SG_BENCH_QUICK=1 make bench` (smoke test, numbers not meaningful), or
the knobs listed at the top of `bench/run.sh`; `bench/run.sh pgbench` runs one benchmark.

Noise: on a small virtual machine shared with other work, the same run varies by tens of
percent from one minute to the next, in wall time and, less, in CPU time. Read a ratio
together with the per-run figures next to it; a budget reported as "NOT met" by a ratio
inside that spread is a reason to rerun on a quiet machine, not yet a verdict.
EOF
    fi
    for name in pgbench schema fkcommit audit; do
        f=$SECTIONS/$name.md
        [ -f "$f" ] || continue
        begin="<!-- BEGIN bench:$name -->"
        end="<!-- END bench:$name -->"
        if grep -qxF "$begin" "$DOC"; then
            tmp=$(mktemp)
            awk -v b="$begin" -v e="$end" -v f="$f" '
                $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
                $0 == e { skip = 0 }
                !skip { print }' "$DOC" >"$tmp"
            cat "$tmp" >"$DOC"
            rm -f "$tmp"
        else
            { echo; echo "$begin"; cat "$f"; echo "$end"; } >>"$DOC"
        fi
    done
    echo "bench: results written to $DOC"
}

# As root: stage, measure as postgres, then publish as root (doc/ is ours).
if [ -z "${SG_PREPARED:-}" ]; then
    # git refuses to read a root-owned repository as postgres: ask it now.
    SG_BENCH_REV=${SG_BENCH_REV:-$(git -C "$SG_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}
    export SG_BENCH_REV
    sg_is_root && rm -rf "$OUT"
    sg_prepare
    if sg_is_root; then
        runuser -u postgres -- env SG_PREPARED=1 SG_BENCH_DOC= "$0" "${BENCHES[@]}"
        publish
        exit 0
    fi
fi

rm -rf "$OUT"
mkdir -p "$SECTIONS"

# ---------------------------------------------------------------------------
# Two clusters with identical settings: A preloads the library, B does not.
# fsync and synchronous_commit are off so that the disk of a VM does not
# drown the CPU cost we are after; autovacuum is off so it cannot land in
# one variant's runs only (pgbench runs are preceded by our own VACUUM).
BENCH_CONF=$OUT/bench.conf
cat >"$BENCH_CONF" <<'EOF'
shared_buffers = 256MB
max_wal_size = 8GB
checkpoint_timeout = 30min
autovacuum = off
max_locks_per_transaction = 256
log_min_messages = error
EOF
CONF_A=$OUT/a.conf
CONF_B=$OUT/b.conf
{ echo "include '$SG_CONF_PRELOAD'"; echo "include '$BENCH_CONF'"; } >"$CONF_A"
{ echo "include '$SG_CONF_PLAIN'"; echo "include '$BENCH_CONF'"; } >"$CONF_B"

trap 'sg_cluster_stop "$OUT/a"; sg_cluster_stop "$OUT/b"' EXIT
sg_cluster_start "$OUT/a" "$CONF_A" "$OUT/a.log"
HOST_A=$SG_PGHOST
sg_cluster_start "$OUT/b" "$CONF_B" "$OUT/b.log"
HOST_B=$SG_PGHOST
host_of() { if [ "$1" = a ]; then echo "$HOST_A"; else echo "$HOST_B"; fi; }
q() { local c=$1; shift; "$SG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$(host_of "$c")" -p 5432 -U postgres "$@"; }

median() { LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
now() { date +%s.%N; }
# paired FILE KEY VARIANT_COL VALUE_COL: median over rounds of a/b, for the
# rows whose first column is KEY (or all rows when KEY is "").
paired() {
    awk -F'\t' -v k="$2" -v vc="$3" -v xc="$4" 'k == "" || $1 == k {
            r = $(vc + 1); if ($vc == "a") a[r] = $xc; else b[r] = $xc }
        END { for (r in a) if (r in b) printf "%.6f\n", a[r] / b[r] }' "$1" | median | awk '{ printf "%.3f", $1 }'
}
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f", e - s }'; }

# Server CPU: the user+system time of the postmaster's exited children
# (cutime + cstime in /proc/<pid>/stat), i.e. of the backends that served
# the clients.  Unlike wall time it hardly moves when other processes of a
# shared machine compete for the CPUs.  Backends are reaped shortly after
# their client disconnects: settle() waits for that.
TICK=$(getconf CLK_TCK)
cpu_ticks() {
    local pid
    pid=$(head -n 1 "$OUT/$1/postmaster.pid")
    awk '{ print $16 + $17 }' "/proc/$pid/stat"
}
settle() { sleep 0.5; }
cpu_secs() { awk -v a="$1" -v b="$2" -v t="$TICK" 'BEGIN { printf "%.2f", (b - a) / t }'; }

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
MEM=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
MACHINE="$(nproc) vCPU ($CPU), $MEM RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $("$SG_BINDIR/postgres" --version)"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
REV=${SG_BENCH_REV:-unknown}
section_header() {
    cat <<EOF
Measured $DATE at commit $REV on $MACHINE.
Server settings for both variants: test/common.conf (fsync, synchronous_commit and
full_page_writes off) plus \`$(tr '\n' ';' <"$BENCH_CONF" | sed 's/;$//; s/;/; /g')\`.
EOF
}
echo "bench: $MACHINE"

# ---------------------------------------------------------------------------
bench_pgbench() {
    local c mode r order line tps cpu runs_file=$OUT/pgbench.tsv
    echo "bench pgbench: scale $SCALE, $CLIENTS clients, $RUNS x ${SECS}s per variant and workload"
    for c in a b; do
        q "$c" -d postgres -c "CREATE DATABASE bench"
        "$SG_BINDIR/pgbench" -h "$(host_of $c)" -p 5432 -U postgres -i -q -s "$SCALE" bench >/dev/null 2>&1
    done
    # Created after pgbench -i: its tables have implicit nullable columns.
    q a -d bench -c "CREATE EXTENSION schema_guard"
    : >"$runs_file"
    run_one() { # cluster workload seconds -> "tps server-CPU-microseconds-per-transaction"
        local c=$1 w=$2 s=$3 flag="" t0 t1 out
        [ "$w" = select-only ] && flag=-S
        q "$c" -d bench -c "SET schema_guard.mode = off" -c "TRUNCATE pgbench_history" \
            -c "VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts" -c "CHECKPOINT"
        settle
        t0=$(cpu_ticks "$c")
        out=$("$SG_BINDIR/pgbench" -h "$(host_of "$c")" -p 5432 -U postgres -n $flag -c "$CLIENTS" -j "$CLIENTS" \
            -T "$s" bench 2>&1)
        settle
        t1=$(cpu_ticks "$c")
        awk -v t0="$t0" -v t1="$t1" -v tick="$TICK" '
            /^number of transactions actually processed:/ { n = $6 + 0 }
            /^tps = .*without initial connection time/ { tps = $3 }
            END { if (n > 0 && tps != "") printf "%s %.2f\n", tps, (t1 - t0) / tick * 1e6 / n }' <<<"$out"
    }
    for mode in select-only tpcb-like; do
        run_one a "$mode" 5 >/dev/null
        run_one b "$mode" 5 >/dev/null
        for ((r = 1; r <= RUNS; r++)); do
            # alternate the order so that drift hits both variants alike
            order="a b"
            [ $((r % 2)) = 0 ] && order="b a"
            for c in $order; do
                line=$(run_one "$c" "$mode" "$SECS")
                [ -n "$line" ] || { echo "pgbench failed on cluster $c" >&2; return 1; }
                read -r tps cpu <<<"$line"
                printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$c" "$r" "$tps" "$cpu" >>"$runs_file"
                printf '  %-12s %-9s run %2d: %10.1f tps, %7.2f us server CPU per transaction\n' \
                    "$mode" "$([ "$c" = a ] && echo loaded || echo baseline)" "$r" "$tps" "$cpu"
            done
        done
    done
    col() { awk -F'\t' -v m="$1" -v c="$2" -v k="$3" '$1 == m && $2 == c { print $k }' "$runs_file"; }
    {
        echo "## 1. Non-DDL workload: pgbench with the library preloaded vs not loaded"
        echo
        section_header
        echo
        echo "- *loaded*: \`shared_preload_libraries = 'schema_guard'\` and \`CREATE EXTENSION schema_guard\` in the"
        echo "  pgbench database; *baseline*: another cluster with the same settings, no library, no extension."
        echo "- Command per run: \`pgbench -n [-S] -c $CLIENTS -j $CLIENTS -T $SECS bench\` (scale $SCALE), after"
        echo "  \`TRUNCATE pgbench_history; VACUUM ANALYZE ...; CHECKPOINT\`; one 5 s warm-up per variant, then"
        echo "  $RUNS runs per variant alternating loaded/baseline (order swapped every round)."
        echo "- Two measures: throughput (tps, wall clock) and server CPU per transaction (user+system time of"
        echo "  the backends, from the postmaster's cutime+cstime, divided by the transactions processed)."
        echo "- Produced by: \`SG_BENCH_RUNS=$RUNS SG_BENCH_SECONDS=$SECS SG_BENCH_SCALE=$SCALE SG_BENCH_CLIENTS=$CLIENTS bench/run.sh pgbench\`"
        echo
        echo "| workload | median tps loaded | median tps baseline | tps ratio | paired tps ratio | CPU us/tx loaded | CPU us/tx baseline | CPU ratio | budget (>= 0.99) |"
        echo "|---|---|---|---|---|---|---|---|---|"
        local ma mb rt pr ca cb cr
        for mode in select-only tpcb-like; do
            ma=$(col "$mode" a 4 | median)
            mb=$(col "$mode" b 4 | median)
            ca=$(col "$mode" a 5 | median)
            cb=$(col "$mode" b 5 | median)
            rt=$(ratio "$ma" "$mb")
            pr=$(paired <(cut -f1-4 "$runs_file") "$mode" 2 4)
            cr=$(ratio "$cb" "$ca")
            printf '| %s | %.1f | %.1f | **%s** | %s | %.2f | %.2f | **%s** | tps: %s; CPU: %s |\n' \
                "$mode" "$ma" "$mb" "$rt" "$pr" "$ca" "$cb" "$cr" \
                "$(awk -v r="$rt" 'BEGIN { print (r >= 0.99) ? "met" : "NOT met" }')" \
                "$(awk -v r="$cr" 'BEGIN { print (r >= 0.99) ? "met" : "NOT met" }')"
        done
        echo
        echo "tps ratio = median tps loaded / median tps baseline; paired tps ratio = median over rounds of"
        echo "loaded / baseline in the same round (less sensitive to drift); CPU ratio = CPU per transaction"
        echo "baseline / loaded. For all three, 1.00 means no overhead and higher is better."
        echo
        echo "<details><summary>every run</summary>"
        echo
        echo "| workload | variant | round | tps | CPU us/tx |"
        echo "|---|---|---|---|---|"
        awk -F'\t' '{ printf "| %s | %s | %s | %.1f | %.2f |\n", $1, ($2 == "a") ? "loaded" : "baseline", $3, $4, $5 }' "$runs_file"
        echo
        echo "</details>"
    } >"$SECTIONS/pgbench.md"
    q a -d postgres -c "DROP DATABASE bench"
    q b -d postgres -c "DROP DATABASE bench"
}

# ---------------------------------------------------------------------------
bench_schema() {
    local r c order t0 t1 c0 c1 secs cpu warns runs_file=$OUT/schema.tsv schema=$OUT/schema.sql
    bench/gen_schema.sh "$TABLES" >"$schema"
    echo "bench schema: $TABLES tables ($(grep -c 'REFERENCES' "$schema") foreign keys, $(grep -c '^CREATE INDEX' "$schema") CREATE INDEX), $SCHEMA_RUNS runs per variant"
    : >"$runs_file"
    for ((r = 1; r <= SCHEMA_RUNS; r++)); do
        order="a b"
        [ $((r % 2)) = 0 ] && order="b a"
        for c in $order; do
            q "$c" -d postgres -c "SET client_min_messages = warning" \
                -c "DROP DATABASE IF EXISTS schema_bench" -c "CREATE DATABASE schema_bench"
            if [ "$c" = a ]; then
                q a -d schema_bench -c "CREATE EXTENSION schema_guard" \
                    -c "ALTER DATABASE schema_bench SET schema_guard.mode = 'warn'"
            fi
            q "$c" -d postgres -c "CHECKPOINT"
            settle
            c0=$(cpu_ticks "$c")
            t0=$(now)
            q "$c" -d schema_bench -f "$schema" 2>"$OUT/schema-$c-$r.err"
            t1=$(now)
            settle
            c1=$(cpu_ticks "$c")
            secs=$(elapsed "$t0" "$t1")
            cpu=$(cpu_secs "$c0" "$c1")
            warns=$(grep -c 'WARNING' "$OUT/schema-$c-$r.err" || true)
            printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$r" "$secs" "$warns" "$cpu" >>"$runs_file"
            printf '  %-9s run %d: %7.3f s wall, %6.2f s server CPU, %s warnings\n' \
                "$([ "$c" = a ] && echo guard || echo baseline)" "$r" "$secs" "$cpu" "$warns"
        done
    done
    q a -d postgres -c "DROP DATABASE schema_bench"
    q b -d postgres -c "DROP DATABASE schema_bench"
    local ma mb la lb rt wa ca cb cr lca lcb
    la=$(awk -F'\t' '$1 == "a" { printf "%s%s", s, $3; s = ", " }' "$runs_file")
    lb=$(awk -F'\t' '$1 == "b" { printf "%s%s", s, $3; s = ", " }' "$runs_file")
    lca=$(awk -F'\t' '$1 == "a" { printf "%s%s", s, $5; s = ", " }' "$runs_file")
    lcb=$(awk -F'\t' '$1 == "b" { printf "%s%s", s, $5; s = ", " }' "$runs_file")
    ma=$(awk -F'\t' '$1 == "a" { print $3 }' "$runs_file" | median)
    mb=$(awk -F'\t' '$1 == "b" { print $3 }' "$runs_file" | median)
    ca=$(awk -F'\t' '$1 == "a" { print $5 }' "$runs_file" | median)
    cb=$(awk -F'\t' '$1 == "b" { print $5 }' "$runs_file" | median)
    wa=$(awk -F'\t' '$1 == "a" { s += $4 } END { print s + 0 }' "$runs_file")
    rt=$(ratio "$ma" "$mb")
    cr=$(ratio "$ca" "$cb")
    {
        echo "## 2. Applying a generated schema of $TABLES tables: guard in warn mode vs no extension"
        echo
        section_header
        echo
        echo "- Migration: \`bench/gen_schema.sh $TABLES\` ($(grep -c ';$' "$schema") statements: $(grep -c '^CREATE TABLE' "$schema") tables, $(grep -c 'REFERENCES' "$schema") foreign keys, every one with"
        echo "  its index; $(grep -c '^CREATE INDEX' "$schema") CREATE INDEX plus a primary and a unique key per table; domains, enums, views,"
        echo "  functions, triggers, comments and grants; then per table a column, a CHECK added NOT VALID and validated, and a view"
        echo "  replaced): a history that is valid for every rule."
        echo "- *guard*: cluster with \`shared_preload_libraries = 'schema_guard'\`, fresh database with"
        echo "  \`CREATE EXTENSION schema_guard\` and \`schema_guard.mode = 'warn'\`; *baseline*: cluster without"
        echo "  the library, fresh database without the extension. Same settings otherwise."
        echo "- Timed command: \`psql -X -q -v ON_ERROR_STOP=1 -d schema_bench -f schema.sql\`, after CHECKPOINT;"
        echo "  wall time, and server CPU (user+system time of the backend that ran it); $SCHEMA_RUNS runs per"
        echo "  variant, alternating (order swapped every round)."
        echo "- Produced by: \`SG_BENCH_TABLES=$TABLES SG_BENCH_SCHEMA_RUNS=$SCHEMA_RUNS bench/run.sh schema\`"
        echo
        echo "| variant | wall time per run (s) | median wall (s) | server CPU per run (s) | median CPU (s) |"
        echo "|---|---|---|---|---|"
        echo "| guard (warn) | $la | $ma | $lca | $ca |"
        echo "| baseline | $lb | $mb | $lcb | $cb |"
        echo
        echo "Wall-time ratio guard / baseline (medians): **$rt** (budget <= 1.10: $(awk -v r="$rt" 'BEGIN { print (r <= 1.10) ? "met" : "NOT met" }'));"
        echo "paired (median over rounds): $(paired <(cut -f1-3 "$runs_file") "" 1 3)."
        echo "Server-CPU ratio guard / baseline (medians): **$cr**."
        echo "Guard warnings over all runs: $wa (0 expected: the migration is valid)."
    } >"$SECTIONS/schema.md"
}

# ---------------------------------------------------------------------------
# Catalogs for fkcommit/audit: cat_small (10 tables) and cat_big (CATALOG
# tables), both guarded (warn), plus the two tables the transaction touches.
CATALOG_BUILT=0
build_catalogs() {
    [ "$CATALOG_BUILT" = 1 ] && return 0
    local db n t0
    for db in cat_small cat_big; do
        n=10
        [ "$db" = cat_big ] && n=$CATALOG
        t0=$(now)
        q a -d postgres -c "CREATE DATABASE $db"
        q a -d "$db" -c "CREATE EXTENSION schema_guard" -c "ALTER DATABASE $db SET schema_guard.mode = 'warn'"
        # n tables, each with a primary key, a foreign key to the previous
        # table and two secondary indexes: n tables, n-1 FKs, 3n indexes.
        awk -v n="$n" 'BEGIN {
            print "SET schema_guard.mode = off;"
            for (i = 1; i <= n; i++) {
                if (i % 500 == 1) print "BEGIN;"
                printf "CREATE TABLE c_%05d (id bigint PRIMARY KEY, ref bigint NULL%s, v text NULL);\n", i, (i > 1) ? sprintf(" REFERENCES c_%05d", i - 1) : ""
                printf "CREATE INDEX ON c_%05d (ref);\nCREATE INDEX ON c_%05d (v);\n", i, i
                if (i % 500 == 0 || i == n) print "COMMIT;"
            }
            print "CREATE TABLE bench_parent (id bigint PRIMARY KEY, name text NOT NULL);"
            print "CREATE TABLE bench_child (id bigint PRIMARY KEY, parent_id bigint NOT NULL, v text NULL);"
            print "INSERT INTO bench_parent SELECT g, '"'"'p'"'"' || g FROM generate_series(1, 100) g;"
            print "INSERT INTO bench_child SELECT g, g % 100 + 1, NULL FROM generate_series(1, 1000) g;"
            print "VACUUM ANALYZE;"
        }' | q a -d "$db" -f -
        echo "  catalog $db: $n tables built in $(elapsed "$t0" "$(now)") s"
    done
    CATALOG_BUILT=1
}

bench_fkcommit() {
    local r order db lat runs_file=$OUT/fkcommit.tsv script=$OUT/fkcommit.sql
    echo "bench fkcommit: catalogs of 10 and $CATALOG tables, $FK_RUNS x $FK_TX transactions per variant"
    build_catalogs
    cat >"$script" <<'EOF'
BEGIN;
ALTER TABLE bench_child ADD CONSTRAINT bench_child_parent_fk FOREIGN KEY (parent_id) REFERENCES bench_parent (id);
CREATE INDEX bench_child_parent_idx ON bench_child (parent_id);
COMMIT;
BEGIN;
ALTER TABLE bench_child DROP CONSTRAINT bench_child_parent_fk;
DROP INDEX bench_child_parent_idx;
COMMIT;
EOF
    : >"$runs_file"
    # variants: small/big with the guard in warn mode; big with mode=off as a reference
    fk_run() { # db mode transactions -> "latency-ms server-CPU-ms-per-script"
        local t0 t1 out
        settle
        t0=$(cpu_ticks a)
        out=$(PGOPTIONS="-c client_min_messages=error -c schema_guard.mode=$2" \
            "$SG_BINDIR/pgbench" -h "$HOST_A" -p 5432 -U postgres -n -c 1 -j 1 -t "$3" -f "$script" "$1" 2>&1)
        settle
        t1=$(cpu_ticks a)
        awk -v t0="$t0" -v t1="$t1" -v tick="$TICK" -v n="$3" '
            /^latency average = / { lat = $4 }
            END { if (lat != "") printf "%s %.3f\n", lat, (t1 - t0) / tick * 1000 / n }' <<<"$out"
    }
    fk_run cat_small warn 20 >/dev/null
    fk_run cat_big warn 20 >/dev/null
    local v line lat cpu
    for ((r = 1; r <= FK_RUNS; r++)); do
        order="cat_small:warn cat_big:warn cat_big:off"
        [ $((r % 2)) = 0 ] && order="cat_big:off cat_big:warn cat_small:warn"
        for v in $order; do
            line=$(fk_run "${v%%:*}" "${v#*:}" "$FK_TX")
            [ -n "$line" ] || { echo "pgbench failed on $v" >&2; return 1; }
            read -r lat cpu <<<"$line"
            printf '%s\t%s\t%s\t%s\n' "$v" "$r" "$lat" "$cpu" >>"$runs_file"
            printf '  %-15s run %d: %7.3f ms latency, %7.3f ms server CPU per script\n' "$v" "$r" "$lat" "$cpu"
        done
    done
    med() { awk -F'\t' -v v="$1" -v k="$2" '$1 == v { print $k }' "$runs_file" | median; }
    {
        echo "## 3. Commit-time check cost: one foreign key + index in a catalog of 10 vs $CATALOG tables"
        echo
        section_header
        echo
        echo "- Catalogs (one cluster, library preloaded, extension created, \`schema_guard.mode = 'warn'\`):"
        echo "  *10 tables* and *$CATALOG tables*, each table with a primary key, a foreign key to the previous"
        echo "  table and two secondary indexes ($CATALOG tables, $((CATALOG - 1)) foreign keys, $((3 * CATALOG)) indexes), plus"
        echo "  \`bench_parent\` (100 rows) and \`bench_child\` (1,000 rows)."
        echo "- Measured script (bench/run.sh writes it as fkcommit.sql), two transactions: the migration and its undo:"
        echo
        echo '```sql'
        cat "$script"
        echo '```'
        echo
        echo "- Command: \`PGOPTIONS='-c client_min_messages=error -c schema_guard.mode=warn' pgbench -n -c 1 -j 1 -t $FK_TX -f fkcommit.sql <db>\`,"
        echo "  $FK_RUNS runs per variant after a warm-up, alternating. Measures: pgbench's *latency average* of the"
        echo "  script, and the backend's CPU time per script. In warn mode every check runs (the index builds"
        echo "  on an existing table are reported as warnings, the foreign key is found covered at COMMIT)."
        echo "  Reference: the big catalog with \`schema_guard.mode=off\`."
        echo "- Produced by: \`SG_BENCH_CATALOG=$CATALOG SG_BENCH_FK_TX=$FK_TX SG_BENCH_FK_RUNS=$FK_RUNS bench/run.sh fkcommit\`"
        echo
        echo "| variant | latency per run (ms) | median latency (ms) | median server CPU per script (ms) |"
        echo "|---|---|---|---|"
        for v in cat_small:warn cat_big:warn cat_big:off; do
            echo "| ${v/:/, mode=} | $(awk -F'\t' -v v="$v" '$1 == v { printf "%s%s", s, $3; s = ", " }' "$runs_file") | $(med "$v" 3) | $(med "$v" 4) |"
        done
        echo
        echo "Ratio $CATALOG tables / 10 tables, guard on: latency **$(ratio "$(med cat_big:warn 3)" "$(med cat_small:warn 3)")**,"
        echo "CPU **$(ratio "$(med cat_big:warn 4)" "$(med cat_small:warn 4)")** (budget: equal within noise)."
        echo "Ratio guard on / off on $CATALOG tables: latency $(ratio "$(med cat_big:warn 3)" "$(med cat_big:off 3)"), CPU $(ratio "$(med cat_big:warn 4)" "$(med cat_big:off 4)")."
    } >"$SECTIONS/fkcommit.md"
}

# ---------------------------------------------------------------------------
# Instructions of one new backend running SQL on cat_big: a single-user
# backend of cluster a (stopped meanwhile) under callgrind.
audit_instructions() {
    local sql=$1
    "$SG_BINDIR/pg_ctl" -D "$OUT/a" -m fast -w stop >/dev/null
    tr '\n' ' ' <<<"$sql" | valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$SG_BINDIR/postgres" --single -D "$OUT/a" cat_big 2>&1 >/dev/null |
        sed -n 's/^==[0-9]*== Collected : //p'
    "$SG_BINDIR/pg_ctl" -D "$OUT/a" -l "$OUT/a.log" -w start >/dev/null
}

bench_audit() {
    build_catalogs
    if [ -z "$(q a -d cat_big -Atc "SELECT to_regproc('schema_guard.audit')")" ]; then
        echo "bench audit: schema_guard.audit() does not exist yet: skipped"
        return 0
    fi
    local r v t0 secs rows audit_list="" sql_list="" audit_rows="" sql_rows=""
    local sql load_before load_after i_base="" i_audit="" i_sql=""
    local audit_query="SELECT count(*) FROM schema_guard.audit()"
    # The same checks as catalog SQL, the popular tools' way (bench/audit_sql.sql).
    sql="SELECT count(*) FROM ($(grep -v '^--' bench/audit_sql.sql | sed 's/;$//')) q"
    echo "bench audit: schema_guard.audit() vs the same checks as catalog SQL on $CATALOG tables, $AUDIT_RUNS runs each, alternating"
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    for ((r = 1; r <= AUDIT_RUNS; r++)); do
        for v in audit sql; do
            [ $((r % 2)) = 0 ] && v=$([ "$v" = audit ] && echo sql || echo audit)
            settle
            t0=$(now)
            # a new session each time, as a CI job runs it: cold caches
            if [ "$v" = audit ]; then
                rows=$(q a -d cat_big -Atc "$audit_query")
            else
                rows=$(q a -d cat_big -Atc "$sql")
            fi
            secs=$(elapsed "$t0" "$(now)")
            if [ "$v" = audit ]; then
                audit_list+="${audit_list:+ }$secs"
                audit_rows=$rows
            else
                sql_list+="${sql_list:+ }$secs"
                sql_rows=$rows
            fi
            echo "  run $r, $v: $secs s, $rows rows"
        done
    done
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    if [ "$AUDIT_INSTRUCTIONS" = 1 ] && command -v valgrind >/dev/null; then
        echo "bench audit: counting instructions (callgrind, single-user backend)"
        i_base=$(audit_instructions "SELECT 1")
        i_audit=$(audit_instructions "$audit_query")
        i_sql=$(audit_instructions "$sql")
        echo "  instructions: SELECT 1 $i_base, audit() $i_audit, SQL $i_sql"
    fi
    local med_audit med_sql
    med_audit=$(tr ' ' '\n' <<<"$audit_list" | median)
    med_sql=$(tr ' ' '\n' <<<"$sql_list" | median)
    {
        echo "## 4. schema_guard.audit() on a catalog of $CATALOG tables"
        echo
        section_header
        echo
        echo "- Catalog: the big catalog of section 3 ($CATALOG tables, $((CATALOG - 1)) foreign keys, $((3 * CATALOG)) indexes)."
        echo "- Timed commands, each in a new session (wall time, including the connection), $AUDIT_RUNS runs each, alternating:"
        echo "  \`psql -Atc \"$audit_query\" cat_big\` (every rule with the audit moment,"
        echo "  catalog only) and the same checks written as catalog SQL the way the popular tools write them,"
        echo "  one UNION query (\`bench/audit_sql.sql\`: unindexed foreign keys, duplicate, redundant, invalid and"
        echo "  unused indexes, NOT VALID constraints, sequence headroom)."
        echo "- Load average (1, 5, 15 min) of the machine: $load_before before the timed runs, $load_after after."
        echo "- Produced by: \`SG_BENCH_CATALOG=$CATALOG SG_BENCH_AUDIT_RUNS=$AUDIT_RUNS bench/run.sh audit\`"
        echo
        echo "| variant | seconds per run | median (s) | rows |"
        echo "|---|---|---|---|"
        echo "| schema_guard.audit() | ${audit_list// /, } | $med_audit | $audit_rows |"
        echo "| catalog SQL (bench/audit_sql.sql) | ${sql_list// /, } | $med_sql | $sql_rows |"
        echo
        echo "Median audit(): **$med_audit s** (budget: under 2 s for 10,000 tables / 10,000 FKs / 30,000 indexes: $(awk -v m="$med_audit" 'BEGIN { print (m < 2) ? "met" : "NOT met" }'));"
        echo "ratio audit() / catalog SQL: $(ratio "$med_audit" "$med_sql"). The rows differ: the SQL has the tools' false"
        echo "positives (an index that serves a foreign key called unused, keys compared as text), the audit has"
        echo "the other rules' findings too."
        if [ -n "$i_audit" ] && [ -n "$i_sql" ] && [ -n "$i_base" ]; then
            echo
            echo "Instructions, which the machine's load does not move: each query once in a new single-user"
            echo "backend of the same cluster (\`postgres --single ... cat_big\` under \`valgrind --tool=callgrind\`),"
            echo "less the instructions of the same backend running \`SELECT 1\` (start-up and exit):"
            echo
            echo "| variant | instructions |"
            echo "|---|---|"
            echo "| schema_guard.audit() | $(awk -v a="$i_audit" -v b="$i_base" 'BEGIN { printf "%.0f", a - b }') |"
            echo "| catalog SQL (bench/audit_sql.sql) | $(awk -v a="$i_sql" -v b="$i_base" 'BEGIN { printf "%.0f", a - b }') |"
            echo
            echo "Ratio audit() / catalog SQL in instructions: **$(awk -v a="$i_audit" -v s="$i_sql" -v b="$i_base" 'BEGIN { printf "%.3f", (a - b) / (s - b) }')**."
        fi
    } >"$SECTIONS/audit.md"
}

for b in "${BENCHES[@]}"; do
    "bench_$b"
done

echo
for b in pgbench schema fkcommit audit; do
    [ -f "$SECTIONS/$b.md" ] && { cat "$SECTIONS/$b.md"; echo; }
done
sg_is_root || publish
