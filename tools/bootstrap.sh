#!/bin/bash
# tools/bootstrap.sh: from a fresh clone on Debian bookworm, as root:
#
#   tools/bootstrap.sh demo    install dependencies, build, run the demo
#   tools/bootstrap.sh test    install dependencies, build, run every test suite
#   tools/bootstrap.sh bench   install dependencies, build, run the benchmarks
#   tools/bootstrap.sh deb     install dependencies and the packaging tools, build
#                              the Debian packages (make deb, written to ..)
#   tools/bootstrap.sh deps    only install dependencies
#
# Dependencies come from Debian's own apt repositories.  apt is skipped when
# everything is already installed, so reruns are fast.  Installing
# postgresql-15 creates and starts Debian's default cluster 15/main; nothing
# here uses it (every suite starts its own throwaway cluster).
set -euo pipefail

cd "$(dirname "$0")/.."

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
    exit 2
}
[ $# = 1 ] || usage
case $1 in
demo | test | bench | deb | deps) target=$1 ;;
*) usage ;;
esac

PACKAGES=(
    make gcc libc6-dev binutils time          # build; objdump for tools/indent.sh
    postgresql-15 postgresql-server-dev-15    # server, pg_config, PGXS, pg_regress, isolation tester
    postgresql-contrib                        # contrib modules (pgbench ships with postgresql-15)
    postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl  # pgTAP and pg_prove
    libipc-run-perl                           # PostgreSQL's TAP test modules
    sqlsmith                                  # fuzzing (test/fuzz.sh)
    postgresql-15-hypopg                      # hypothetical indexes
    pg-bsd-indent                             # tools/indent.sh
    dpkg-dev                                  # apt-get source for tools/pg_source.sh (core regression suite)
    python3                                   # test/hints.py (test/t_hints.sh)
    libxml2-utils                             # xmllint: test/t_report_formats.sh, t_cli_formats.sh (npm validators
                                              # install with the machine's Node.js and npm)
    bison flex pkg-config libicu-dev libxml2-dev  # tools/pg_build.sh: servers of other majors
)

# Only for `deb`: building and testing the Debian packages (debian/).
DEB_PACKAGES=(debhelper postgresql-server-dev-all autopkgtest)
[ "$target" = deb ] && PACKAGES+=("${DEB_PACKAGES[@]}")

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" = 0 ]; then
    echo "bootstrap: all ${#PACKAGES[@]} packages already installed, skipping apt"
else
    if [ "$(id -u)" != 0 ]; then
        echo "bootstrap: missing packages: ${missing[*]}" >&2
        echo "bootstrap: run as root to install them with apt-get" >&2
        exit 1
    fi
    if ! grep -qs 'bookworm' /etc/os-release; then
        echo "bootstrap: warning: this is not Debian bookworm; package names may differ" >&2
    fi
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A mirror can be briefly unavailable: retry the network steps.
    for attempt in 1 2 3; do
        if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null; then
            break
        fi
        [ "$attempt" = 3 ] && { echo "bootstrap: apt-get failed 3 times" >&2; exit 1; }
        echo "bootstrap: apt-get failed, retrying in 10 s" >&2
        sleep 10
    done
fi

[ "$target" = deps ] && exit 0

echo "bootstrap: building ($(pg_config --version))"
make -j"$(nproc)" all
exec make "$target"
