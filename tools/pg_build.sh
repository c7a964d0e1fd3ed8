#!/bin/bash
# tools/pg_build.sh MAJOR [--cassert]: build PostgreSQL MAJOR from Debian's
# source package (tools/pg_source.sh), with pgTAP from Debian's pgtap source
# package, and print the path of its pg_config on stdout.
#
# The build is upstream's server: Debian's patches (per-version directories,
# a pg_config that cannot be moved, extension_destdir, ...) are taken off a
# copy of the source first, so the result behaves like any server built from
# postgresql.org's tarball.  It installs into
#   ${SG_CACHE:-/var/cache/schema_guard}/pgMAJOR/VERSION[-cassert]/install
# with the pieces the test suites use: the server (with ICU and libxml, which
# tests use), pg_regress, the isolation tester, the contrib modules the tests
# create (postgres_fdw, pg_stat_statements) or load (spi: autoinc, refint) and
# pgTAP; the core regression suite of the same source is kept in
# pgMAJOR/VERSION[-cassert]/regress for test/t_core_regress.sh.  A finished
# build is reused (stamp files .built and .pgtap).  make runs with -j2.
# Needs gcc, make, bison, flex, pkg-config and the ICU and libxml2 headers
# (tools/bootstrap.sh installs them).
set -euo pipefail

usage() {
    echo "usage: $0 MAJOR [--cassert]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
MAJOR=$1
cassert=
if [ $# = 2 ]; then
    [ "$2" = --cassert ] || usage
    cassert=1
fi

tools=$(cd "$(dirname "$0")" && pwd)
CACHE=${SG_CACHE:-/var/cache/schema_guard}
src=$("$tools/pg_source.sh" "$MAJOR")
version=$(basename "$(dirname "$src")")
dir=$CACHE/pg$MAJOR/$version${cassert:+-cassert}
install=$dir/install
log=$dir/build.log

say() { echo "pg_build: $*" >&2; }

# undebian SRC DEST: a copy of SRC with the patches dpkg-source applied
# taken off again, newest first, as `quilt pop -a` does: .pc/PATCH/ keeps
# each file as it was before PATCH (empty: the patch created it).  The files
# restored get an old time stamp so that make regenerates nothing from them
# (configure, gram.y, ...): the tarball's generated files stay valid.
undebian() {
    local from=$1 to=$2 p f
    rm -rf "$to"
    cp -a "$from" "$to"
    if [ -f "$to/.pc/applied-patches" ]; then
        tac "$to/.pc/applied-patches" | while read -r p; do
            (cd "$to/.pc/$p" && find . -type f ! -name .timestamp) | while read -r f; do
                if [ -s "$to/.pc/$p/$f" ]; then
                    cp "$to/.pc/$p/$f" "$to/$f"
                    touch -d @1 "$to/$f"
                else
                    rm -f "$to/$f"
                fi
            done
        done
    fi
    rm -rf "$to/.pc" "$to/debian"
}

build_server() {
    local b=$dir/build
    undebian "$src" "$b"
    say "configure ${cassert:+--enable-cassert }(log: $log)"
    (cd "$b" && ./configure --prefix="$install" ${cassert:+--enable-cassert} \
        --without-readline --without-zlib --with-icu --with-libxml) >"$log" 2>&1
    say "make -j2 (PostgreSQL $version: a few minutes)"
    make -C "$b" -j2 >>"$log" 2>&1
    make -C "$b" install >>"$log" 2>&1
    local m
    for m in src/test/isolation contrib/postgres_fdw contrib/pg_stat_statements contrib/spi; do
        make -C "$b/$m" -j2 >>"$log" 2>&1
        make -C "$b/$m" install >>"$log" 2>&1
    done
    # Before 14 the isolation tester is not installed: put it where later
    # majors (and Debian) install it, next to pg_regress.
    local iso
    iso=$(dirname "$("$install/bin/pg_config" --pgxs)")/../test/isolation
    if [ ! -x "$iso/pg_isolation_regress" ]; then
        mkdir -p "$iso"
        cp "$b/src/test/isolation/pg_isolation_regress" "$b/src/test/isolation/isolationtester" "$iso/"
    fi
    # The core regression suite of this very source, for test/t_core_regress.sh.
    rm -rf "$dir/regress"
    cp -a "$b/src/test/regress" "$dir/regress"
    rm -rf "$b"
}

# pgTAP from the pgtap source package of the same Debian suite, built with
# PGXS against the new server.  When the archive does not serve that source,
# the SQL files of the installed postgresql-NN-pgtap package are copied:
# pgTAP is SQL only, and its build patches the script only for servers older
# than 9.5, so the files are the ones its build would produce here.  A build
# failure is remembered (no pgTAP for this server: test/run.sh says so).
build_pgtap() {
    local s b=$dir/pgtap-build pg_config=$install/bin/pg_config control
    if s=$("$tools/pg_source.sh" "$MAJOR" pgtap); then
        rm -rf "$b"
        cp -a "$s" "$b"
        if make -C "$b" PG_CONFIG="$pg_config" >>"$log" 2>&1 &&
            make -C "$b" PG_CONFIG="$pg_config" install >>"$log" 2>&1; then
            echo "pgtap $(basename "$(dirname "$s")") built from Debian's source" >"$dir/.pgtap"
        else
            say "pgtap: build failed against PostgreSQL $version (see $log), pgTAP not installed"
            echo "pgtap $(basename "$(dirname "$s")"): build failed" >"$dir/.pgtap"
        fi
        rm -rf "$b"
        return 0
    fi
    control=$(ls /usr/share/postgresql/*/extension/pgtap.control 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$control" ]; then
        say "pgtap: no source served and no postgresql-NN-pgtap installed: pgTAP not installed"
        return 0
    fi
    say "pgtap: source not served by the archive; copying the SQL files of $(dirname "$control")"
    cp "$(dirname "$control")"/pgtap* "$(dirname "$control")"/uninstall_pgtap.sql \
        "$("$pg_config" --sharedir)/extension/"
    echo "pgtap $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$control"): SQL files of $(dirname "$control")" >"$dir/.pgtap"
}

mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/.built" ]; then
    start=$(date +%s)
    rm -rf "$install" "$dir/.pgtap"
    if ! build_server; then
        say "build of PostgreSQL $version failed; last lines of $log:"
        tail -n 30 "$log" >&2
        exit 1
    fi
    echo "PostgreSQL $version${cassert:+ --enable-cassert} built in $(($(date +%s) - start)) s" >"$dir/.built"
    say "$(cat "$dir/.built")"
fi
[ -f "$dir/.pgtap" ] || build_pgtap
echo "$install/bin/pg_config"
