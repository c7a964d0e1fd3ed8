#!/bin/bash
# test/t_core_regress.sh: warn mode changes nothing, measured on PostgreSQL's
# own regression suite.  The core suite (parallel_schedule of the server's
# Debian source package, see tools/pg_source.sh) runs on two throwaway
# clusters:
#   plain    no schema_guard at all
#   guarded  shared_preload_libraries = 'schema_guard', schema_guard.mode =
#            warn, and CREATE EXTENSION schema_guard in the test database
# and test/core_regress/compare.pl compares the two result sets with each
# other (not with expected/): every difference must be one of the guard's own
# messages or a catalog listing that now shows the extension's own objects;
# anything else is printed and fails the test.  Tests that fail against
# expected/ in both runs are fine as long as they fail the same way.
#
# The source tree and regress.so (built with PGXS against the installed
# server) are cached under ${SG_CACHE:-/var/cache/schema_guard}.
# Knob: SG_CORE_REGRESS_TESTS="test_setup create_table ..." runs those tests
# in that order instead of the schedule (for a quick look).
#
# Run by test/run.sh, or alone (root or not): test/t_core_regress.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_core_regress "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

# The comparison itself first, on made-up results (test/core_regress/selftest):
# it must explain the guard's messages (a multi-line HINT included), rows of
# its objects in a listing (named with their schema, or by bare relation
# name as in 13's sanity_check) and an allow-listed row, and nothing else.
self=test/core_regress/selftest
got=$( (perl test/core_regress/compare.pl --rules $self/rules.txt --log $self/guarded/log/postmaster.log \
    --allow $self/allow.txt --objects $self/objects.txt $self/plain $self/guarded || true) |
    sed -n 's/^not ok - \([a-z_]*\): .*/\1/p' | tr '\n' ' ')
want="error listing_bare_extra listing_extra listing_footer message_extra_line message_not_logged other_warning "
if [ "$got" = "$want" ]; then
    ok "compare.pl explains exactly what it should on test/core_regress/selftest"
else
    not_ok "compare.pl on test/core_regress/selftest flags: $got (want: $want)"
fi

start=$(date +%s)
major=$($PG_CONFIG --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
server=$($PG_CONFIG --version | sed -E 's/^PostgreSQL ([^ ]+).*/\1/')

if [ -n "$SG_SERVER" ] && [ -d "$SG_SERVER/../regress" ]; then
    # A server of tools/pg_build.sh: the suite of the very source it was
    # built from (Debian's patches taken off), kept next to its install.
    top=$(cd "$SG_SERVER/.." && pwd)
    regress=$top/regress
    echo "# core suite of $(basename "$top") against the server built from it"
else
    src=$(tools/pg_source.sh "$major")
    regress=$src/src/test/regress
    top=$(dirname "$src")
    echo "# core suite of $(basename "$top") against the installed server $server"
fi

# regress.so for the server, next to the contrib/spi modules the triggers
# test loads (autoinc, refint: shipped with the server).
lib=$top/lib-$server
if [ ! -f "$lib/regress.so" ]; then
    rm -rf "$lib.tmp"
    mkdir -p "$lib.tmp"
    cp "$regress/regress.c" "$lib.tmp/"
    printf 'MODULES = regress\nPG_CONFIG = %s\nPGXS := $(shell $(PG_CONFIG) --pgxs)\ninclude $(PGXS)\n' \
        "$PG_CONFIG" >"$lib.tmp/Makefile"
    make -s -C "$lib.tmp" >&2
    rm -rf "$lib"
    mv "$lib.tmp" "$lib"
fi
# The links live in the shared cache: they name the server's own modules,
# not those of this run's private copy of its tree (see test/lib.sh).
server_pg_config=$PG_CONFIG
[ -z "$SG_SERVER" ] || server_pg_config=$SG_SERVER/bin/pg_config
pkglibdir=$($server_pg_config --pkglibdir)
for m in autoinc refint; do
    ln -sf "$pkglibdir/$m.so" "$lib/$m.so"
done

PG_REGRESS=$(dirname "$($PG_CONFIG --pgxs)")/../test/regress/pg_regress
if [ -n "${SG_CORE_REGRESS_TESTS:-}" ]; then
    read -ra what <<<"$SG_CORE_REGRESS_TESTS"
else
    what=(--schedule="$regress/parallel_schedule")
fi

# run NAME CONF [pg_regress options]: one run of the suite into $SCRATCH/NAME.
# Its exit status is not ours: plain failures are compared, not judged.
run() {
    local name=$1 conf=$2 t0 rc=0
    shift 2
    t0=$(date +%s)
    rm -rf "${SCRATCH:?}/$name" "$SCRATCH/out"
    # Both runs write into the same directory, moved aside afterwards: the
    # tests of input/ and output/ (pg_regress of 13 converts them there)
    # print its path.
    mkdir -p "$SCRATCH/out/sql" "$SCRATCH/out/expected"
    "$PG_REGRESS" --temp-instance="$SCRATCH/out/tmp_instance" --temp-config="$conf" \
        --inputdir="$regress" --outputdir="$SCRATCH/out" --bindir="$SG_BINDIR" \
        --dlpath="$lib" --max-concurrent-tests=20 --no-locale --encoding=UTF8 \
        "$@" "${what[@]}" >"$SCRATCH/$name.log" 2>&1 || rc=$?
    mv "$SCRATCH/out" "$SCRATCH/$name"
    echo "# $name: pg_regress exit $rc in $(($(date +%s) - t0)) s; $(grep -cE '\.\.\. (FAILED|failed)' "$SCRATCH/$name.log" || true) tests differ from expected/"
    [ "$rc" -le 1 ] || { tail -n 20 "$SCRATCH/$name.log"; return 1; }
}

# PostgreSQL's parallel schedule has tests wait for each other's locks, as
# long as it takes: no lock_timeout in either cluster (test/common.conf's
# would cancel such a wait on a loaded machine, in one cluster only).
{
    cat "$SG_CONF_PLAIN"
    echo "lock_timeout = 0"
} >"$SCRATCH/plain.conf"
# The guarded server logs each message whole, tagged with pg_regress/TEST:
# compare.pl takes the exact text of the guard's messages from there.
{
    cat "$SG_CONF_PRELOAD"
    echo "lock_timeout = 0"
    echo "schema_guard.mode = warn"
    echo "log_line_prefix = 'sg_log %a| '"
} >"$SCRATCH/guarded.conf"

run plain "$SCRATCH/plain.conf"
run guarded "$SCRATCH/guarded.conf" --load-extension=schema_guard

# The guard's rule ids, from the extension itself.
DATA=$SCRATCH/rules_cluster
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/rules_cluster.log"
sg_psql -d postgres -Atc "CREATE EXTENSION schema_guard" -c "SELECT rule FROM schema_guard.rules() ORDER BY 1" \
    >"$SCRATCH/rules.txt"
sg_psql -d postgres -Atc "SELECT relname FROM pg_class WHERE relnamespace = 'schema_guard'::regnamespace ORDER BY 1" \
    >"$SCRATCH/objects.txt"
sg_cluster_stop "$DATA"
[ -s "$SCRATCH/rules.txt" ] || { echo "not ok - schema_guard.rules() listed no rule"; exit 1; }

perl test/core_regress/compare.pl --allow test/core_regress/allow.txt --rules "$SCRATCH/rules.txt" \
    --objects "$SCRATCH/objects.txt" --log "$SCRATCH/guarded/log/postmaster.log" "$SCRATCH/plain" "$SCRATCH/guarded" ||
    failures=$((failures + 1))
echo "# core suite plain and guarded, compared, in $(($(date +%s) - start)) s"
[ "$failures" = 0 ]
