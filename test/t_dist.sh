#!/bin/bash
# test/t_dist.sh: `make dist` gives the PGXN archive (schema_guard-X.Y.Z.zip,
# everything under schema_guard-X.Y.Z/, the committed tree), and its
# META.json passes tools/pgxn_meta_check.pl (the PGXN Meta Spec 1.0.0),
# with the version of the control file.  The checker itself is tested on
# broken copies: each must be refused.
#
# Run by test/run.sh (environment described there), or alone: test/t_dist.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_dist "$@"

failures=0
check() {
    if [ "$2" = "$3" ]; then echo "ok - $1"; else
        echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; failures=$((failures + 1)); fi
}

version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" schema_guard.control)
top=schema_guard-$version
zip=$SCRATCH/$top.zip

# git refuses a tree owned by another user (root's clone, run as postgres).
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*'
# tools/matrix.sh tests a copy of the tree under build/, inside the clone
# but not its top: the archive does not depend on the major, and the run on
# the clone itself makes it.
if [ "$(git -C "$SG_ROOT" rev-parse --show-toplevel 2>/dev/null)" != "$SG_ROOT" ]; then
    echo "ok - # SKIP not the top of a git clone: make dist archives the committed tree"
    exit 0
fi
make -s -C "$SG_ROOT" dist DIST="$zip"
check "make dist writes $top.zip" "$([ -s "$zip" ] && echo yes)" "yes"

# The entries, with perl's core modules (no unzip needed).
perl -MIO::Uncompress::Unzip=unzip,\$UnzipError -e '
    my $u = IO::Uncompress::Unzip->new($ARGV[0]) or die "$IO::Uncompress::Unzip::UnzipError\n";
    for (my $s = 1; $s > 0; $s = $u->nextStream) { print $u->getHeaderInfo->{Name}, "\n" }' \
    "$zip" >"$SCRATCH/entries"
check "every entry is under $top/" "$(grep -vc "^$top/" "$SCRATCH/entries" || true)" "0"
for f in META.json Makefile schema_guard.control "schema_guard--$version.sql" doc/schema_guard.md; do
    check "the archive has $f" "$(grep -cx "$top/$f" "$SCRATCH/entries" || true)" "1"
done

mkdir -p "$SCRATCH/dist"
perl -MIO::Uncompress::Unzip=unzip -e 'unzip $ARGV[0] => $ARGV[1], Name => $ARGV[2] or die' \
    "$zip" "$SCRATCH/dist/META.json" "$top/META.json"
out=$(tools/pgxn_meta_check.pl "$SCRATCH/dist/META.json" "$SG_ROOT" 2>&1) && rc=0 || rc=$?
check "the archive's META.json follows the PGXN Meta Spec 1.0.0 ($out)" "$rc" "0"
check "META.json's version and the extension's are the control file's ($version)" \
    "$(perl -MJSON::PP -0777 -ne '$m = decode_json($_); print "$m->{version} $m->{provides}{schema_guard}{version}"' META.json)" \
    "$version $version"

# The checker refuses what the spec refuses.
broken() {
    local name=$1 code=$2
    perl -MJSON::PP -0777 -ne "\$m = decode_json(\$_); $code; print JSON::PP->new->canonical->encode(\$m)" \
        META.json >"$SCRATCH/broken.json"
    out=$(tools/pgxn_meta_check.pl "$SCRATCH/broken.json" "$SG_ROOT" 2>&1) && rc=0 || rc=$?
    check "refused: $name (${out#*: })" "$rc" "1"
}
broken "no name" 'delete $m->{name}'
broken "a name with a slash" '$m->{name} = "schema/guard"'
broken "no version" 'delete $m->{version}'
broken "a version that is not semantic" '$m->{version} = "0.2"'
broken "a version with a leading zero" '$m->{version} = "0.02.0"'
broken "no abstract" 'delete $m->{abstract}'
broken "maintainer not a string" '$m->{maintainer} = [1]'
broken "an unknown license" '$m->{license} = "GPL"'
broken "no provides" 'delete $m->{provides}'
broken "a provided file that does not exist" '$m->{provides}{schema_guard}{file} = "nope.sql"'
broken "a provided version that is not semantic" '$m->{provides}{schema_guard}{version} = "v2"'
broken "no meta-spec" 'delete $m->{"meta-spec"}'
broken "another meta-spec version" '$m->{"meta-spec"}{version} = "2.0.0"'
broken "an unknown prereqs phase" '$m->{prereqs}{install} = {requires => {PostgreSQL => "13.0.0"}}'
broken "an unknown relationship" '$m->{prereqs}{runtime}{needs} = {}'
broken "a prereq version that is no range" '$m->{prereqs}{runtime}{requires}{PostgreSQL} = "thirteen"'
broken "tags not an array" '$m->{tags} = "ddl"'
broken "an unknown key" '$m->{homepage} = "https://example.org"'

if [ "$failures" -gt 0 ]; then
    echo "t_dist: $failures check(s) failed"
    exit 1
fi
echo "t_dist: all checks passed"
