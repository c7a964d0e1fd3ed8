#!/bin/bash
# bench/jsonb_instructions.sh: CPU instructions per document of
# schema_guard.jsonb_shape() and of the bare detoasting scan, counted by
# valgrind's callgrind in a single-user backend.  Instruction counts do not
# move with the machine's load, so this compares two builds of the walk
# where wall-clock times on a shared machine cannot (bench/jsonb_shape.sh
# gives the times).
# Each query runs once and five times over DOCS documents from
# bench/jsonb_gen.sql; the difference, over 4 * DOCS, leaves out start-up,
# planning and the first-call costs.
# Usage: bench/jsonb_instructions.sh [DOCS]   (default 2000; needs valgrind,
# installed with apt-get when run as root).  Prints markdown.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
. test/lib.sh
DOCS=${1:-2000}

if [ -z "${SG_PREPARED:-}" ]; then
    if ! command -v valgrind >/dev/null; then
        if sg_is_root; then
            apt-get install -y -q valgrind >/dev/null
        else
            echo "bench/jsonb_instructions.sh needs valgrind (apt-get install valgrind)" >&2
            exit 1
        fi
    fi
    sg_prepare >/dev/null
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$DOCS"
    fi
fi

dir=$SG_BUILD/bench_instructions
rm -rf "$dir"
mkdir -p "$dir"
trap 'sg_cluster_stop "$dir/data"' EXIT
sg_cluster_start "$dir/data" "$SG_CONF_PLAIN"
sg_psql -d postgres -c "CREATE EXTENSION schema_guard" >/dev/null
sg_psql -d postgres -v rows="$DOCS" -v tbl=docs -f bench/jsonb_gen.sql >/dev/null 2>&1
sg_cluster_stop "$dir/data"

# Instructions of one single-user backend running a query N times.
instructions() {
    local query=$1 n=$2
    local out=$dir/callgrind.$n.out
    {
        echo "SELECT count(*) FROM docs"
        for _ in $(seq "$n"); do echo "$query"; done
    } | valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$SG_BINDIR/postgres" --single -D "$dir/data" postgres >"$dir/single.log" 2>&1
    if grep -q ERROR "$dir/single.log"; then
        grep ERROR "$dir/single.log" >&2
        return 1
    fi
    awk '/^(summary|totals):/ {print $2; exit}' "$out"
}
per_doc() {
    local one five
    one=$(instructions "$1" 1)
    five=$(instructions "$1" 5)
    echo $(((five - one) / 4 / DOCS))
}

bare=$(per_doc "SELECT count(jsonb_typeof(doc)) FROM docs")
shape=$(per_doc "SELECT count(*) FROM schema_guard.jsonb_shape('docs', 'doc')")
cat <<MD
| instructions per document ($DOCS documents, callgrind) | value |
|---|---|
| bare detoasting scan \`SELECT count(jsonb_typeof(doc)) FROM docs\` | $bare |
| \`jsonb_shape()\` | $shape |
| of which the walk (difference) | $((shape - bare)) |
| **jsonb_shape vs bare scan, in instructions** | **$(awk -v a="$shape" -v b="$bare" 'BEGIN {printf "%.2fx", a / b}')** |
MD
