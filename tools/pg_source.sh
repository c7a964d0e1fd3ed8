#!/bin/bash
# tools/pg_source.sh MAJOR [PACKAGE]: fetch and unpack Debian's source package
# of PostgreSQL MAJOR (postgresql-MAJOR, Debian's patches applied) and print
# the unpacked source directory on stdout.  With PACKAGE, that source package
# of the same Debian suite instead (e.g. pgtap), kept in pgMAJOR/PACKAGE/.
#
# The version installed on this machine is taken when the mirror serves its
# source, the newest of the suite that it serves otherwise (with a warning);
# that choice is remembered in pgMAJOR/for-INSTALLED_VERSION (delete it to
# ask the mirror again).  Everything lives in a cache outside
# the clone, ${SG_CACHE:-/var/cache/schema_guard}/pgMAJOR/VERSION/, reused
# when present (no network then).  apt runs with a private configuration (its
# own sources.list, lists and cache directories under the cache) so that the
# system's apt setup is left untouched; it uses the Debian mirror that the
# system's sources name (SG_DEBIAN_MIRROR overrides it).  Needs dpkg-dev.
# Runs as root or as any user who can write the cache.
set -euo pipefail

usage() {
    echo "usage: $0 MAJOR [PACKAGE]   (MAJOR one of: ${!SUITE[*]})" >&2
    exit 2
}

# The Debian suite whose source package is the server of each major.
declare -A SUITE=([13]=bullseye [15]=bookworm [17]=trixie [18]=sid [19]=experimental)

[ $# = 1 ] || [ $# = 2 ] || usage
MAJOR=$1
suite=${SUITE[$MAJOR]:-}
[ -n "$suite" ] || usage
pkg=${2:-postgresql-$MAJOR}

CACHE=${SG_CACHE:-/var/cache/schema_guard}
# The suite's apt state and lock are shared by the packages fetched from it.
base=$CACHE/pg$MAJOR
top=$base
[ "$pkg" = "postgresql-$MAJOR" ] || top=$base/$pkg
mkdir -p "$top"

installed=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$pkg" 2>/dev/null |
    sed -n 's/^installed //p' || true)

# cached VERSION: the unpacked tree of VERSION, when complete.
cached() { [ -f "$top/$1/.complete" ] && cat "$top/$1/.complete"; }

# The tree chosen for the installed version last time (it may be another
# version when the mirror does not serve the installed one's source).
for_installed() {
    [ -n "$installed" ] && [ -f "$top/for-$installed" ] && cached "$(cat "$top/for-$installed")"
}

if for_installed; then
    exit 0
fi
if [ -z "$installed" ]; then
    # Not installed here: the newest tree already fetched, if any.
    newest=$(find "$top" -mindepth 2 -maxdepth 2 -name .complete -printf '%h\n' 2>/dev/null |
        sed 's|.*/||' | sort -V | tail -n 1)
    if [ -n "$newest" ] && cached "$newest"; then
        exit 0
    fi
fi

# From here on we fetch: one fetcher at a time per major.
exec 9>"$base/.lock"
flock 9
if for_installed; then
    exit 0
fi

mirror=${SG_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    # The first Debian archive URI of the system's sources (one-line or deb822).
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
fi
mirror=${mirror%/}

apt=$base/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=
[ -f "$keyring" ] && signed="[signed-by=$keyring] "
{
    echo "deb-src $signed$mirror $suite main"
    # Point releases of stable suites reach security first.
    case $suite in
    sid | experimental) ;;
    *) echo "deb-src $signed${mirror%/debian}/debian-security $suite-security main" ;;
    esac
} >"$apt/sources.list"

APT_OPTS=(
    -o Dir::Etc::sourcelist="$apt/sources.list"
    -o Dir::Etc::sourceparts=-
    -o Dir::State::Lists="$apt/lists"
    -o Dir::Cache="$apt/cache"
    -o APT::Sandbox::User="$(id -un)"
)
echo "pg_source: apt-get update ($mirror $suite, private lists in $apt)" >&2
for attempt in 1 2 3; do
    if apt-get -qq "${APT_OPTS[@]}" update >&2; then
        break
    fi
    [ "$attempt" = 3 ] && { echo "pg_source: apt-get update failed 3 times" >&2; exit 1; }
    sleep 10
done

# The versions of the source package the archive serves, newest first; the
# installed one first when served.  A mirror may list a version whose files it
# does not serve (security updates): then the next one is taken.
mapfile -t versions < <(apt-cache "${APT_OPTS[@]}" showsrc "$pkg" 2>/dev/null |
    sed -n "/^Package: $pkg\$/,/^\$/s/^Version: //p" | sort -rV | uniq)
[ "${#versions[@]}" != 0 ] || { echo "pg_source: $suite serves no source package $pkg" >&2; exit 1; }
if [ -n "$installed" ] && printf '%s\n' "${versions[@]}" | grep -qxF "$installed"; then
    versions=("$installed" $(printf '%s\n' "${versions[@]}" | grep -vxF "$installed"))
fi

for version in "${versions[@]}"; do
    if ! cached "$version" >/dev/null; then
        work=$top/$version
        rm -rf "$work"
        mkdir -p "$work/download"
        echo "pg_source: apt-get source $pkg=$version" >&2
        ok=
        for attempt in 1 2; do
            if (cd "$work/download" && apt-get -qq "${APT_OPTS[@]}" source --download-only "$pkg=$version" >&2); then
                ok=1
                break
            fi
            sleep 5
        done
        if [ -z "$ok" ]; then
            rm -rf "$work"
            continue
        fi
        dsc=$(ls "$work"/download/*.dsc)
        dpkg-source -q -x "$dsc" "$work/src" >&2
        rm -rf "$work/download"
        echo "$work/src" >"$work/.complete"
    fi
    if [ -n "$installed" ]; then
        [ "$version" = "$installed" ] ||
            echo "pg_source: warning: the source of the installed $pkg $installed cannot be fetched; using $version" >&2
        echo "$version" >"$top/for-$installed"
    fi
    cached "$version"
    exit 0
done
echo "pg_source: no version of $pkg could be fetched from $mirror $suite (tried: ${versions[*]})" >&2
exit 1
