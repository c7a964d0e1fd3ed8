#!/bin/bash
# tools/mutation_run.sh: do the tests notice when a rule stops working?
#
# For every rule of the registry (SELECT rule FROM schema_guard.rules()),
# run the pg_regress suite (preload configuration) and the isolation specs
# twice, each time with that one rule disabled, and report whether the
# suites FAILED (good: some test notices) or passed (bad: nothing notices).
#
#   guc route     every session starts with schema_guard.<id> = off
#                 (PGOPTIONS).  Honest about two things:
#                 - files whose diff is only the rule's own line in a listing
#                   of settings or rules (guard_engine lists them all) do not
#                   count as noticing;
#                 - a test that SETs the rule back to error/warning runs it
#                   anyway: those lines are counted in the "sets" column.
#   source route  a scratch copy of the tree whose sg_raise() drops the
#                 rule's findings (a sed patch of src/report.c), built and
#                 staged apart: no SET can bring the rule back, listings are
#                 unchanged.  This is the verdict that counts.
#
# Usage: tools/mutation_run.sh [guc|source|both] [rule ...]
# (default: both routes, every rule).  About a minute per rule and route:
# a developer tool, not part of `make test`.  Writes under build/mutation/.
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

ROUTES=${1:-both}
shift || true
case "$ROUTES" in guc | source | both) ;; *)
    echo "usage: $0 [guc|source|both] [rule ...]" >&2
    exit 2
    ;;
esac

if [ -z "${SG_PREPARED:-}" ]; then
    sg_is_root && rm -rf "$SG_BUILD/mutation"
    sg_prepare
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$ROUTES" "$@"
    fi
fi

OUT=$SG_BUILD/mutation
rm -rf "$OUT"
mkdir -p "$OUT"
PGXS_SRC=$(dirname "$($PG_CONFIG --pgxs)")/..
PG_REGRESS=$PGXS_SRC/test/regress/pg_regress
PG_ISOLATION_REGRESS=$PGXS_SRC/test/isolation/pg_isolation_regress
mapfile -t REGRESS < <(ls sql/*.sql | sed 's|^sql/||; s|\.sql$||' | LC_ALL=C sort)
mapfile -t SPECS < <(ls test/isolation/specs/*.spec 2>/dev/null | sed 's|.*/||; s|\.spec$||' | LC_ALL=C sort)

# The rule ids, from the registry of the staged build.
DATA=$OUT/registry
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PLAIN" "$OUT/registry.log"
sg_psql -d postgres -c "CREATE EXTENSION schema_guard" >/dev/null
mapfile -t ALL_RULES < <(sg_psql -d postgres -Atc "SELECT rule FROM schema_guard.rules() ORDER BY rule")
sg_cluster_stop "$DATA"
RULES=("$@")
[ "${#RULES[@]}" = 0 ] && RULES=("${ALL_RULES[@]}")

# run_suites DIR CONF [PGOPTIONS]: pg_regress then isolation; prints the
# test files whose output differs, one per line (diffs in
# DIR/*/regression.diffs).
run_suites() {
    local dir=$1 conf=$2
    export PGOPTIONS=${3:-}
    mkdir -p "$dir/regress" "$dir/isolation"
    "$PG_REGRESS" --temp-instance="$dir/regress/tmp_instance" --temp-config="$conf" \
        --inputdir=. --outputdir="$dir/regress" --bindir="$SG_BINDIR" \
        --dbname=contrib_regression --no-locale --encoding=UTF8 "${REGRESS[@]}" \
        >"$dir/regress.log" 2>&1 || true
    if [ "${#SPECS[@]}" != 0 ]; then
        "$PG_ISOLATION_REGRESS" --temp-instance="$dir/isolation/tmp_instance" \
            --temp-config="$conf" --inputdir=test/isolation --outputdir="$dir/isolation" \
            --bindir="$SG_BINDIR" --dbname=isolation_regression --no-locale --encoding=UTF8 \
            --load-extension=schema_guard "${SPECS[@]}" >"$dir/isolation.log" 2>&1 || true
    fi
    # "test X ... FAILED" (15) or "not ok N - X" (16 and later)
    cat "$dir/regress.log" "$dir/isolation.log" 2>/dev/null |
        sed -n -e 's/^test \([a-z_0-9]*\) .*FAILED.*/\1/p' -e 's/^not ok [0-9]* *- *\([a-z_0-9]*\) .*/\1/p'
}

# listing_only DIFFS FILE RULE: is every changed line of FILE's diff the
# rule's own row in a listing (its GUC, or its row of rules())?
listing_only() {
    local diffs=$1 file=$2 rule=$3 section n
    section=$(awk -v f="/$file.out" 'index($0, "diff ") == 1 { on = (index($0, f) > 0); next } on' "$diffs")
    # no diff at all (a crash, a missing file): that is noticing
    [ -n "$section" ] || return 1
    # counted to the end (grep -q would stop early, and pipefail would
    # then report the SIGPIPE of the commands before it)
    n=$(grep -E '^[-+]' <<<"$section" | grep -vE '^(\+\+\+|---) ' |
        grep -cvE "schema_guard\.rule\.$rule\b|^[-+] *$rule +\|" || true)
    [ "$n" = 0 ]
}

# noticed DIR RULE CONF [PGOPTIONS]: the failing files that notice
# something beyond listings.
noticed() {
    local dir=$1 rule=$2 f diffs
    while read -r f; do
        [ -n "$f" ] || continue
        diffs=$dir/regress/regression.diffs
        [ -f "$dir/regress/results/$f.out" ] || diffs=$dir/isolation/regression.diffs
        listing_only "$diffs" "$f" "$rule" || echo "$f"
    done < <(run_suites "$dir" "$3" "${4:-}")
}

# The source route's tree: a copy with its objects, so that a patch of
# report.c rebuilds one file.
prepare_source_tree() {
    local tree=$OUT/tree
    mkdir -p "$tree"
    tar --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf -
}

# patch_and_stage RULE: sg_raise() returns at once for that rule's findings.
patch_and_stage() {
    local rule=$1 tree=$OUT/tree id
    id=SG_RULE_$(tr '[:lower:]' '[:upper:]' <<<"$rule")
    cp "$SG_ROOT/src/report.c" "$tree/src/report.c"
    awk -v id="$id" '
        /^sg_raise\(const SgFinding \*finding\)$/ { want = 1 }
        { print }
        want && /^\{$/ { print "\tif (finding->rule == " id ") return;\t/* mutation */"; want = 0; done = 1 }
        END { if (!done) exit 3 }' "$SG_ROOT/src/report.c" >"$tree/src/report.c" || {
        echo "ERROR: could not find sg_raise() in src/report.c to patch" >&2
        return 1
    }
    grep -qw "$id" "$tree/src/schema_guard.h" || {
        echo "ERROR: $id is not in src/schema_guard.h" >&2
        return 1
    }
    make -C "$tree" -s -j2 >"$OUT/build-$rule.log" 2>&1 &&
        make -C "$tree" -s install DESTDIR="$OUT/stage" >>"$OUT/build-$rule.log" 2>&1 || {
        cat "$OUT/build-$rule.log" >&2
        return 1
    }
    SG_STAGE=$OUT/stage SG_CONF_PLAIN=$OUT/source-plain.conf SG_CONF_PRELOAD=$OUT/source-preload.conf \
        sg_write_confs
}

# Lines of the tests that set the rule back on in their own session.
sets_rule() {
    grep -hcE "schema_guard\.rule\.$1 *(=|TO) *'?(error|warning)" sql/*.sql test/isolation/specs/*.spec \
        test/pgtap/*.sql 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}

[ "$ROUTES" != guc ] && prepare_source_tree
ROWS=()
bad=0
for rule in "${RULES[@]}"; do
    guc="-"
    src="-"
    if [ "$ROUTES" != source ]; then
        dir=$OUT/guc-$rule
        mkdir -p "$dir"
        files=$(noticed "$dir" "$rule" "$SG_CONF_PRELOAD" "-c schema_guard.$rule=off" | paste -sd, -)
        if [ -n "$files" ]; then guc="FAILED ($files)"; else guc="passed"; bad=1; fi
    fi
    if [ "$ROUTES" != guc ]; then
        dir=$OUT/source-$rule
        mkdir -p "$dir"
        patch_and_stage "$rule"
        files=$(noticed "$dir" "$rule" "$OUT/source-preload.conf" | paste -sd, -)
        if [ -n "$files" ]; then src="FAILED ($files)"; else src="passed"; bad=1; fi
    fi
    ROWS+=("$(printf '| %s | %s | %s | %s |' "$rule" "$guc" "$(sets_rule "$rule")" "$src")")
    echo "${ROWS[-1]}"
done

echo
echo "| rule | guc route: suites with the rule off | lines that SET it back | source route: findings dropped |"
echo "|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "FAILED = some test noticed (good); passed = nothing noticed (bad)."
echo "Diffs: $OUT/<route>-<rule>/{regress,isolation}/regression.diffs"
exit $bad
