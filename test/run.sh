#!/bin/bash
# test/run.sh: every test suite of schema_guard against throwaway clusters.
# Called by `make test` (after `make all`); safe to rerun; root or not.
# The server under test is PG_CONFIG's (default: pg_config on PATH); see
# test/lib.sh for how the extension reaches it, tools/matrix.sh for every major.
#
# Suites, in order (each counts once in the final "N passed, M failed"):
#   regress-preload  pg_regress over sql/*.sql, library in shared_preload_libraries
#   regress-plain    the same files and expected/*.out, CREATE EXTENSION only
#   isolation        test/isolation/specs/*.spec vs test/isolation/expected/*.out
#                    (preload config; the database already has the extension,
#                    as with contrib's --load-extension)
#   pgtap            test/pgtap/*.sql with pg_prove (test/pgtap.sh), preload
#                    config, where pgtap and schema_guard are created
#   t_<name>         every executable test/t_*.sh
#   fuzz             test/fuzz.sh with SG_FUZZ_QUERIES (default 300 here)
#
# Everything is written under build/: the staged install (build/stage,
# with build/stage/server for a server that is not Debian's),
# the configs (build/conf), results (build/regress-*, build/isolation, ...)
# and logs (build/logs).  As root, build/ is handed to the postgres user and
# the suites run as postgres, because initdb refuses to run as root.
#
# Environment given to every test/t_*.sh script (all absolute paths):
#   SG_ROOT          top of the source tree (the script's cwd)
#   SG_STAGE         root of the staged install (make install DESTDIR=$SG_STAGE)
#   SG_CONF_PRELOAD  server config: test/common.conf + staged paths +
#                    shared_preload_libraries = 'schema_guard'
#   SG_CONF_PLAIN    the same without shared_preload_libraries
#   SG_BINDIR        $(pg_config --bindir): initdb, pg_ctl, psql, pg_dump
#   SG_SCRATCH       an empty directory owned by the script (build/t/<name>)
# Use a config with `include '<SG_CONF_...>'` in a cluster's postgresql.conf;
# test/lib.sh has sg_cluster_start/sg_cluster_stop helpers for that.
# A t_*.sh script runs as postgres, prints a line per check and exits
# non-zero on failure.
#
# Knobs: SG_FUZZ_QUERIES (300), SG_SUITE_TIMEOUT seconds per suite (1200).
# Arguments name the suites to run (test/run.sh regress-preload t_standby);
# none runs them all.
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

# As root: stage the install and write configs as root, then rerun this
# script as postgres with SG_PREPARED=1.
if [ -z "${SG_PREPARED:-}" ]; then
    echo "== preparing: staged install in $SG_STAGE"
    if sg_is_root; then
        # Results of an earlier run may be owned by postgres: root can remove them.
        rm -rf "$SG_BUILD"/{regress-preload,regress-plain,isolation,pgtap,t,fuzz,logs}
    fi
    rm -rf "$SG_STAGE"
    sg_prepare
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$@"
    fi
fi

rm -rf "$SG_BUILD"/{regress-preload,regress-plain,isolation,pgtap,t,fuzz,logs}
LOGS=$SG_BUILD/logs
mkdir -p "$LOGS"
TIMEOUT=${SG_SUITE_TIMEOUT:-1200}
PGXS_SRC=$(dirname "$($PG_CONFIG --pgxs)")/..
PG_REGRESS=$PGXS_SRC/test/regress/pg_regress
PG_ISOLATION_REGRESS=$PGXS_SRC/test/isolation/pg_isolation_regress

# A suite killed by the timeout can leave its temp postmaster behind: stop
# every cluster still running under build/ when we exit, whatever happened.
stop_leftovers() {
    local pid d
    for pid in $(find "$SG_BUILD" -name postmaster.pid 2>/dev/null); do
        d=$(dirname "$pid")
        echo "stopping leftover cluster $d"
        "$SG_BINDIR/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
    done
}
trap stop_leftovers EXIT

NAMES=()
RESULTS=()
SKIPPED=()
record() { NAMES+=("$1"); RESULTS+=("$2"); }
WANTED=" $* "
wanted() { [ "$WANTED" = "  " ] || [[ $WANTED == *" $1 "* ]]; }

# run_suite NAME DIFFS_FILE CMD...: run one suite with a time limit, tee its
# output into build/logs/NAME.log, record pass/fail, show diffs on failure.
run_suite() {
    local name=$1 diffs=$2 rc=0
    shift 2
    wanted "$name" || return 0
    echo
    echo "=== $name"
    timeout -k 30 "$TIMEOUT" "$@" 2>&1 | tee "$LOGS/$name.log" || rc=$?
    if [ "$rc" = 0 ]; then
        record "$name" passed
    else
        [ "$rc" = 124 ] && echo "$name: timed out after ${TIMEOUT}s"
        record "$name" "FAILED (exit $rc)"
        if [ -n "$diffs" ] && [ -s "$diffs" ]; then
            echo "--- $diffs (first 200 lines)"
            head -n 200 "$diffs"
        fi
    fi
}

# 1+2. pg_regress, twice: preloaded and CREATE EXTENSION only.
mapfile -t REGRESS < <(ls sql/*.sql 2>/dev/null | sed 's|^sql/||; s|\.sql$||' | LC_ALL=C sort)
if [ "${#REGRESS[@]}" = 0 ]; then
    echo "no sql/*.sql yet: pg_regress suites skipped"
    SKIPPED+=(regress-preload regress-plain)
else
    for cfg in preload plain; do
        conf=$SG_CONF_PLAIN
        [ "$cfg" = preload ] && conf=$SG_CONF_PRELOAD
        out=$SG_BUILD/regress-$cfg
        mkdir -p "$out"
        run_suite "regress-$cfg" "$out/regression.diffs" \
            "$PG_REGRESS" --temp-instance="$out/tmp_instance" --temp-config="$conf" \
            --inputdir=. --outputdir="$out" --bindir="$SG_BINDIR" \
            --dbname=contrib_regression --no-locale --encoding=UTF8 "${REGRESS[@]}"
    done
fi

# 3. Isolation tester (preload config).
mapfile -t SPECS < <(ls test/isolation/specs/*.spec 2>/dev/null | sed 's|.*/||; s|\.spec$||' | LC_ALL=C sort)
if [ "${#SPECS[@]}" = 0 ]; then
    echo "no test/isolation/specs/*.spec yet: isolation suite skipped"
    SKIPPED+=(isolation)
else
    out=$SG_BUILD/isolation
    mkdir -p "$out"
    run_suite isolation "$out/regression.diffs" \
        "$PG_ISOLATION_REGRESS" --temp-instance="$out/tmp_instance" \
        --temp-config="$SG_CONF_PRELOAD" --inputdir=test/isolation --outputdir="$out" \
        --bindir="$SG_BINDIR" --dbname=isolation_regression --no-locale --encoding=UTF8 \
        --load-extension=schema_guard "${SPECS[@]}"
fi

# 4. pgTAP (test/pgtap.sh: a throwaway cluster with the preload config).
mapfile -t PGTAP < <(ls test/pgtap/*.sql 2>/dev/null | LC_ALL=C sort)
if [ "${#PGTAP[@]}" = 0 ]; then
    echo "no test/pgtap/*.sql yet: pgTAP suite skipped"
    SKIPPED+=(pgtap)
elif [ ! -f "$($PG_CONFIG --sharedir)/extension/pgtap.control" ]; then
    echo "pgTAP is not installed for $($PG_CONFIG --version): pgTAP suite skipped"
    SKIPPED+=(pgtap)
else
    run_suite pgtap "" test/pgtap.sh "${PGTAP[@]}"
fi

# 5. Shell-level tests written by anyone: test/t_*.sh.
for t in $(ls test/t_*.sh 2>/dev/null | LC_ALL=C sort); do
    name=$(basename "$t" .sh)
    if [ ! -x "$t" ]; then
        echo "$t is not executable: skipped (chmod +x it)"
        SKIPPED+=("$name")
        continue
    fi
    scratch=$SG_BUILD/t/$name
    rm -rf "$scratch"
    mkdir -p "$scratch"
    run_suite "$name" "" env SG_SCRATCH="$scratch" "$t"
done

# 6. A short fuzz pass.
run_suite fuzz "" env SG_FUZZ_QUERIES="${SG_FUZZ_QUERIES:-300}" test/fuzz.sh

# Summary.
echo
echo "=== summary"
passed=0
failed=0
for i in "${!NAMES[@]}"; do
    printf '  %-24s %s\n' "${NAMES[$i]}" "${RESULTS[$i]}"
    if [ "${RESULTS[$i]}" = passed ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
if [ "${#SKIPPED[@]}" != 0 ]; then
    echo "  skipped (nothing to run): ${SKIPPED[*]}"
fi
echo "  logs: $LOGS"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
