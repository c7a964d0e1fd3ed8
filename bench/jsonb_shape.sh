#!/bin/bash
# bench/jsonb_shape.sh: schema_guard.jsonb_shape() against
#   - the equivalent SQL (bench/jsonb_sql_shape.sql), checking that both give
#     the same (path, type, rows);
#   - a bare scan that detoasts every value: count(jsonb_typeof(doc));
#   - its own peak backend memory at ROWS/10 and at ROWS rows.
# Documents come from bench/jsonb_gen.sql (nested orders, 0.5-1.5 kB, every
# 20th one TOASTed).  Everything runs in one throwaway cluster, in one run;
# times are psql \timing, medians of 3 (the SQL walk: 1 run); memory is the
# peak RssAnon of the backend, sampled from /proc every 20 ms.
# Usage: bench/jsonb_shape.sh [ROWS]   (default 1000000); prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
ROWS=${1:-${ROWS:-1000000}}
SMALL=$((ROWS / 10))

if [ -z "${SG_PREPARED:-}" ]; then
    sg_prepare >/dev/null
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$ROWS"
    fi
fi

. bench/lib.sh
bench_cluster bench_jsonb "shared_buffers = 256MB" "work_mem = '256MB'"
gen_start=$(date +%s)
q -v rows="$SMALL" -v tbl=bench_small -f bench/jsonb_gen.sql >/dev/null
q -v rows="$ROWS" -v tbl=bench_docs -f bench/jsonb_gen.sql >/dev/null
gen_s=$(($(date +%s) - gen_start))

bare_sql="SELECT count(jsonb_typeof(doc)) FROM bench_docs"
shape_sql="SELECT count(*) FROM schema_guard.jsonb_shape('bench_docs', 'doc')"
ms "$bare_sql" >/dev/null    # warm the cache once
b1=$(ms "$bare_sql"); s1=$(ms "$shape_sql")
b2=$(ms "$bare_sql"); s2=$(ms "$shape_sql")
b3=$(ms "$bare_sql"); s3=$(ms "$shape_sql")
bare=$(median "$b1" "$b2" "$b3")
shape=$(median "$s1" "$s2" "$s3")

# The SQL walk, once, and the comparison of the two results.
{
    echo "SET work_mem = '256MB';"
    echo '\timing on'
    echo "CREATE TEMP TABLE c_shape AS SELECT path, type, rows FROM schema_guard.jsonb_shape('bench_docs', 'doc');"
    echo "CREATE TEMP TABLE q_shape AS"
    sed 's/:tbl/bench_docs/' bench/jsonb_sql_shape.sql
    echo ";"
    echo '\timing off'
    echo "SELECT 'diff', (SELECT count(*) FROM (TABLE c_shape EXCEPT TABLE q_shape) x)
                      + (SELECT count(*) FROM (TABLE q_shape EXCEPT TABLE c_shape) x),
           (SELECT count(*) FROM c_shape);"
} >"$dir/compare.sql"
out=$(q -At -f "$dir/compare.sql")
sql=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sed -n 2p)
diff=$(echo "$out" | awk -F'|' '$1 == "diff" {print $2}')
npaths=$(echo "$out" | awk -F'|' '$1 == "diff" {print $3}')

mem_small=$(peak_kb "SELECT count(*) FROM schema_guard.jsonb_shape('bench_small', 'doc')")
mem_big=$(peak_kb "SELECT count(*) FROM schema_guard.jsonb_shape('bench_docs', 'doc')")

size=$(q -At -c "SELECT pg_size_pretty(pg_total_relation_size('bench_docs'))")
avg=$(q -At -c "SELECT round(avg(octet_length(doc::text))) FROM bench_docs")
toasted=$(q -At -c "SELECT count(*) FROM bench_docs WHERE pg_column_size(doc) > 2000")

cat <<MD
| measure ($ROWS rows, $size, avg $avg B/doc as text, $toasted documents TOASTed) | value |
|---|---|
| bare detoasting scan \`$bare_sql\` (median of 3) | $bare ms |
| \`jsonb_shape()\` (median of 3) | $shape ms |
| equivalent SQL (bench/jsonb_sql_shape.sql, 1 run) | $sql ms |
| **jsonb_shape vs SQL** | **$(awk -v a="$sql" -v b="$shape" 'BEGIN {printf "%.1fx faster", a / b}')** |
| **jsonb_shape vs bare scan** | **$(awk -v a="$shape" -v b="$bare" 'BEGIN {printf "%.2fx", a / b}')** |
| rows differing between jsonb_shape and SQL ($npaths (path, type) rows) | $diff |
| peak backend RssAnon, jsonb_shape on $SMALL rows | $mem_small kB |
| peak backend RssAnon, jsonb_shape on $ROWS rows | $mem_big kB |
| data generation | ${gen_s} s |
MD
