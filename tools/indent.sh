#!/bin/bash
# tools/indent.sh: pgindent layout for src/**/*.c and src/**/*.h, in place.
#
#   tools/indent.sh            rewrite every C file under src/ (what `make indent` runs)
#   tools/indent.sh --check    change nothing; list the files that would change, exit 1 if any
#   tools/indent.sh FILE...    only these files
#
# The pgindent Perl script is not packaged by Debian, but pg_bsd_indent is
# (pg-bsd-indent), and pgindent's layout is its flags plus a typedefs list.
# The list comes from our own objects (built with -g by PGXS on Debian):
# every DW_TAG_typedef name in src/*.o src/rules/*.o, PostgreSQL's included,
# plus the typedefs declared in src/ itself.
# Without it pg_bsd_indent misreads declarations ("static List * pending").
set -euo pipefail

cd "$(dirname "$0")/.."

INDENT=${PG_BSD_INDENT:-pg_bsd_indent}
FLAGS=(-bad -bap -bbb -bc -bl -cli1 -cp33 -cdb -nce -d0 -di12 -nfc1 -i4 -l79 -lp -lpl -nip -npro -sac -tpg -ts4)

check=0
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi

command -v "$INDENT" >/dev/null || {
    echo "indent: $INDENT not found (apt-get install pg-bsd-indent)" >&2
    exit 1
}

shopt -s nullglob
objs=(src/*.o src/rules/*.o)
if [ "${#objs[@]}" = 0 ]; then
    echo "indent: no object files under src/: run make first" >&2
    exit 1
fi
mkdir -p build
TYPEDEFS=build/typedefs.list
# objdump -W prints a DIE's tag line, then its attributes; keep the name of
# every typedef DIE.  Typedefs that no object uses (an enum only stored in an
# int GUC variable) have no DIE: add the names our own sources declare.
{
    objdump -W "${objs[@]}" 2>/dev/null |
        awk '/DW_TAG_/ { t = /DW_TAG_typedef/ } t && /DW_AT_name/ { print $NF; t = 0 }'
    find src -name '*.[ch]' -exec cat {} + |
        sed -nE 's/^\}[[:space:]]*([A-Za-z_][A-Za-z0-9_]*);.*/\1/p; s/^typedef[^(]*[[:space:]*]([A-Za-z_][A-Za-z0-9_]*);.*/\1/p'
} | LC_ALL=C sort -u >"$TYPEDEFS"
if [ ! -s "$TYPEDEFS" ]; then
    echo "indent: no typedefs found in the objects (built without -g?)" >&2
    exit 1
fi

if [ $# -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(find src -name '*.[ch]' | LC_ALL=C sort)
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
changed=0
for f in "${files[@]}"; do
    # pgindent's one post-processing step that matters here: a function
    # definition's return type keeps a single space before its '*'.
    "$INDENT" "${FLAGS[@]}" "-U$TYPEDEFS" "$f" /dev/stdout |
        sed -E 's/^([A-Za-z_][^ \t]*)[ \t]+\*$/\1 */' >"$tmp"
    if ! cmp -s "$f" "$tmp"; then
        changed=$((changed + 1))
        if [ "$check" = 1 ]; then
            echo "would reindent: $f"
        else
            cat "$tmp" >"$f"     # keep the file's inode and mode
            echo "reindented: $f"
        fi
    fi
done
echo "indent: ${#files[@]} files, $changed $([ "$check" = 1 ] && echo 'would change' || echo changed), $(wc -l <"$TYPEDEFS") typedefs"
[ "$check" = 1 ] && [ "$changed" != 0 ] && exit 1
exit 0
