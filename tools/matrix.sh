#!/bin/bash
# tools/matrix.sh [MAJOR...]: build schema_guard with -Werror and run every
# suite of test/run.sh against each PostgreSQL major (default: 13 15 17 18 19).
#
# A major whose Debian server package is installed here (15 on bookworm) is
# tested against it.  Any other is built from Debian's source package by
# tools/pg_build.sh into ${SG_CACHE:-/var/cache/schema_guard} (once; later
# runs reuse it).  18 is built with --enable-cassert: assertions catch misuse
# of the server's APIs that release builds hide, and the newest major is the
# one whose APIs moved most since the code was written.  A major whose source
# the archive does not serve is reported and skipped, not failed.
#
# The major of the pg_config on PATH (bookworm's 15) is built and tested in
# the tree itself.  Every other major is built in a copy of the working
# tree, build/matrix/pgMAJOR/tree (so the tree's own build stays the one for
# pg_config on PATH); its suites write under that copy's build/.  The whole
# output of each major goes to build/matrix/pgMAJOR.log.  Runs as root (as CI does) or
# as a user who can write the cache.  Exit status: 0 when every tested major
# passed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
CASSERT=" 18 "
if [ $# = 0 ]; then
    set -- 13 15 17 18 19
fi

OUT=$ROOT/build/matrix
mkdir -p "$OUT"
SUMMARY=()
failed=0
t_all=$(date +%s)

note() { SUMMARY+=("$(printf 'PostgreSQL %-3s %s' "$1" "$2")"); }

# copy_tree DEST: the working tree's sources (tracked and untracked files git
# does not ignore), time stamps kept.
copy_tree() {
    local dest=$1
    rm -rf "$dest"
    mkdir -p "$dest"
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$ROOT" ls-files -z -co --exclude-standard |
            while IFS= read -r -d '' f; do
                [ -e "$f" ] && printf '%s\0' "$f"
            done | tar --null -T - -cf - | tar -xf - -C "$dest"
    else
        tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$dest"
    fi
}

# test_major MAJOR: 0 passed, 1 failed, 2 not tested (no source).
test_major() {
    local m=$1 pg_config server tree=$OUT/pg$1/tree rc=0
    if [ -x "/usr/lib/postgresql/$m/bin/pg_config" ] && [ -d "/usr/include/postgresql/$m/server" ]; then
        pg_config=/usr/lib/postgresql/$m/bin/pg_config
        server="Debian's package"
    else
        if ! tools/pg_source.sh "$m" >/dev/null 2>"$OUT/pg$m.fetch.log"; then
            tail -n 1 "$OUT/pg$m.fetch.log"
            echo "PostgreSQL $m: source not served by the archive, not tested"
            return 2
        fi
        local opt=()
        [[ $CASSERT == *" $m "* ]] && opt=(--cassert)
        if ! pg_config=$(tools/pg_build.sh "$m" "${opt[@]}"); then
            echo "PostgreSQL $m: the server build failed"
            return 1
        fi
        server="built from source${opt:+ with --enable-cassert}"
    fi
    echo "== PostgreSQL $m: $("$pg_config" --version), $server"
    if [ "$("$pg_config" --bindir)" = "$(pg_config --bindir 2>/dev/null)" ]; then
        # The major of pg_config on PATH, the tree's own: tested in place
        # (so t_dist archives this clone), rebuilt so that -Werror applies.
        tree=$ROOT
        make -C "$tree" -s clean
    else
        copy_tree "$tree" || return 1
    fi
    if ! make -C "$tree" -s -j2 PG_CONFIG="$pg_config" COPT=-Werror; then
        echo "PostgreSQL $m: make with -Werror failed"
        return 1
    fi
    (cd "$tree" && env -u SG_ROOT -u SG_BUILD -u SG_STAGE -u SG_SERVER -u SG_BINDIR \
        -u SG_CONF_PLAIN -u SG_CONF_PRELOAD PG_CONFIG="$pg_config" test/run.sh) || rc=$?
    return "$rc"
}

for m in "$@"; do
    t0=$(date +%s)
    rc=0
    mkdir -p "$OUT/pg$m"
    test_major "$m" 2>&1 | tee "$OUT/pg$m.log" || rc=${PIPESTATUS[0]}
    secs=$(($(date +%s) - t0))
    case $rc in
    0) note "$m" "passed ($(tail -n 1 "$OUT/pg$m.log"), ${secs} s)" ;;
    2) note "$m" "not tested: source not served by the archive" ;;
    *)
        note "$m" "FAILED ($(tail -n 1 "$OUT/pg$m.log"), ${secs} s; log: $OUT/pg$m.log)"
        failed=$((failed + 1))
        ;;
    esac
done

echo
echo "=== matrix summary ($(($(date +%s) - t_all)) s)"
printf '  %s\n' "${SUMMARY[@]}"
[ "$failed" = 0 ]
