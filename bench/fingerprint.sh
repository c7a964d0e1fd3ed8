#!/bin/bash
# bench/fingerprint.sh: schema_guard.data_fingerprint() against
#   - a bare scan that reads every column and detoasts every text and jsonb
#     value (count() of each column, length() of the texts, jsonb_typeof()
#     of the documents), and does nothing else;
#   - its own peak backend memory at ROWS/10 and at ROWS rows.
# Rows: bigint key, int, numeric(12,2), an enum (hashed through its output
# function: its label), text of ~40 bytes, timestamptz, boolean, a jsonb
# document of ~150 bytes; every 100th document carries ~6 kB of random
# text and is stored out of line (TOAST).  Everything runs in one throwaway
# cluster, in one run; times are psql \timing, the two scans alternating,
# medians of 5 after one warm-up scan; memory is the peak RssAnon of the
# backend, sampled from /proc every 20 ms.
# Usage: bench/fingerprint.sh [ROWS]   (default 1000000); prints markdown.
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
bench_cluster bench_fingerprint "shared_buffers = 512MB"
q -c "CREATE TYPE bench_status AS ENUM ('new', 'paid', 'shipped', 'returned', 'cancelled')"
gen_start=$(date +%s)
for spec in "bench_fp_small $SMALL" "bench_fp $ROWS"; do
    set -- $spec
    q >/dev/null <<SQL
SELECT setseed(0.42);
CREATE TABLE $1 (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    amount numeric(12,2) NOT NULL,
    status bench_status NOT NULL,
    note text NULL,
    created timestamptz NOT NULL,
    paid boolean NOT NULL,
    doc jsonb NULL);
INSERT INTO $1
SELECT i, i % 100000, round((random() * 10000)::numeric, 2),
       (enum_range(NULL::bench_status))[1 + i % 5],
       CASE WHEN i % 13 = 0 THEN NULL ELSE md5(i::text) || ' note' END,
       '2024-01-01'::timestamptz + i * interval '1 minute', i % 2 = 0,
       jsonb_build_object('sku', substr(md5((i * 7)::text), 1, 12), 'qty', 1 + i % 4,
                          'tags', jsonb_build_array('t' || i % 7, 't' || i % 11),
                          'addr', jsonb_build_object('city', 'City ' || i % 500,
                                                     'zip', lpad((i % 99999)::text, 5, '0')))
       || CASE WHEN i % 100 = 0
               THEN jsonb_build_object('notes', (SELECT string_agg(md5(random()::text), ' ')
                                                   FROM generate_series(1, 180)))
               ELSE '{}' END
  FROM generate_series(1, $2) i;
VACUUM ANALYZE $1;
SQL
done
gen_s=$(($(date +%s) - gen_start))

bare_sql="SELECT count(id), count(customer_id), count(amount), count(status), count(length(note)), count(created), count(paid), count(jsonb_typeof(doc)) FROM bench_fp"
count_sql="SELECT count(*) FROM bench_fp"
fp_sql="SELECT schema_guard.data_fingerprint('bench_fp') IS NOT NULL"
ms "$bare_sql" >/dev/null    # warm the cache once
ms "$fp_sql" >/dev/null
bare=() fp=() cnt=()
for _ in 1 2 3 4 5; do
    bare+=("$(ms "$bare_sql")")
    fp+=("$(ms "$fp_sql")")
    cnt+=("$(ms "$count_sql")")
done
bare_m=$(median "${bare[@]}")
fp_m=$(median "${fp[@]}")
cnt_m=$(median "${cnt[@]}")

mem_small=$(peak_kb "SELECT schema_guard.data_fingerprint('bench_fp_small') IS NOT NULL")
mem_big=$(peak_kb "SELECT schema_guard.data_fingerprint('bench_fp') IS NOT NULL")

size=$(q -At -c "SELECT pg_size_pretty(pg_total_relation_size('bench_fp'))")
toasted=$(q -At -c "SELECT count(*) FROM bench_fp WHERE pg_column_size(doc) > 2000")

cat <<MD
| measure ($ROWS rows, $size with TOAST, $toasted documents TOASTed) | value |
|---|---|
| bare scan reading and detoasting every column (median of 5) | $bare_m ms (runs: ${bare[*]}) |
| \`data_fingerprint('bench_fp')\` (median of 5) | $fp_m ms (runs: ${fp[*]}) |
| \`SELECT count(*)\` (reads no column; median of 5) | $cnt_m ms |
| **data_fingerprint vs bare scan** | **$(awk -v a="$fp_m" -v b="$bare_m" 'BEGIN {printf "%.2fx", a / b}')** |
| peak backend RssAnon, data_fingerprint on $SMALL rows | $mem_small kB |
| peak backend RssAnon, data_fingerprint on $ROWS rows | $mem_big kB |
| data generation | ${gen_s} s |

Bare scan: \`$bare_sql\`
MD
