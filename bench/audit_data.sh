#!/bin/bash
# bench/audit_data.sh: schema_guard.audit(with_data => true) is bounded by its
# sample.  Three copies of one table, at ROWS/100, ROWS/10 and ROWS rows,
# each in its own schema, each with a column for every data rule
# (nullable_never_null, not_null_empty_strings, check_values_unused on an
# enum and on a CHECK, orphaned_rows against a customer table, jsonb_drift
# on a contracted jsonb column).  For each size: the data rules' audit of
# that schema against a bare scan reading the same columns, psql \timing,
# medians of 3 after one warm-up, schema_guard.audit_sample_rows at its
# default (100,000); plus the peak backend memory of the audit.
# Usage: bench/audit_data.sh [ROWS]   (default 2000000); prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
ROWS=${1:-${ROWS:-2000000}}

if [ -z "${SG_PREPARED:-}" ]; then
    sg_prepare >/dev/null
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$ROWS"
    fi
fi

. bench/lib.sh
bench_cluster bench_audit_data "shared_buffers = 512MB"

gen_start=$(date +%s)
sizes=($((ROWS / 100)) $((ROWS / 10)) "$ROWS")
for n in "${sizes[@]}"; do
    q >/dev/null <<SQL
SELECT setseed(0.42);
CREATE SCHEMA s$n;
CREATE TYPE s$n.mood AS ENUM ('happy', 'sad', 'never_used');
CREATE TABLE s$n.customer (id bigint PRIMARY KEY);
INSERT INTO s$n.customer SELECT g FROM generate_series(1, 1000) g;
CREATE TABLE s$n.orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    code text NOT NULL,
    email text NULL,
    mood s$n.mood NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'paid', 'never_used')),
    doc jsonb NOT NULL);
INSERT INTO s$n.orders
SELECT i, 1 + i % 1010, CASE WHEN i % 3 = 0 THEN md5(i::text) ELSE '' END,
       'c' || i || '@example.com', (ARRAY['happy', 'sad'])[1 + i % 2]::s$n.mood,
       (ARRAY['open', 'paid'])[1 + i % 2],
       jsonb_build_object('sku', substr(md5(i::text), 1, 10), 'qty', 1 + i % 4)
       || CASE WHEN i % 1000 = 0 THEN '{"qty": "many"}'::jsonb ELSE '{}'::jsonb END
  FROM generate_series(1, $n) i;
VACUUM ANALYZE s$n.orders;
SELECT schema_guard.jsonb_expect('s$n.orders', 'doc',
    '{"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
      "required": ["sku", "qty"]}');
SQL
done
gen_s=$(($(date +%s) - gen_start))

cat <<MD
| rows | size | data rules' audit (median of 3) | rows read, sampled | findings | bare scan of the same columns (median of 3) | audit / scan | peak backend RssAnon of the audit |
|---:|---:|---:|---|---:|---:|---:|---:|
MD
for n in "${sizes[@]}"; do
    audit_sql="SELECT count(*) FROM schema_guard.audit(schemas => '{s$n}', rules => '{data}', with_data => true)"
    bare_sql="SELECT count(customer_id), count(NULLIF(code, '')), count(email), count(DISTINCT mood), count(DISTINCT state), count(jsonb_typeof(doc->'qty')) FROM s$n.orders"
    ms "$audit_sql" >/dev/null
    ms "$bare_sql" >/dev/null
    a=() b=()
    for _ in 1 2 3; do
        a+=("$(ms "$audit_sql")")
        b+=("$(ms "$bare_sql")")
    done
    am=$(median "${a[@]}")
    bm=$(median "${b[@]}")
    read_info=$(q -At -c "SELECT (evidence->>'rows_read') || ', ' || (evidence->>'sampled')
                            FROM schema_guard.audit(schemas => '{s$n}', rules => '{nullable_never_null}', with_data => true)
                           LIMIT 1")
    findings=$(q -At -c "$audit_sql")
    size=$(q -At -c "SELECT pg_size_pretty(pg_total_relation_size('s$n.orders'))")
    mem=$(peak_kb "$audit_sql")
    printf '| %s | %s | %s ms | %s | %s | %s ms | %s | %s kB |\n' "$n" "$size" "$am" "$read_info" "$findings" "$bm" \
        "$(awk -v a="$am" -v b="$bm" 'BEGIN {printf "%.2f", a / b}')" "$mem"
done
echo
echo "Data generation: ${gen_s} s.  Audit: \`SELECT count(*) FROM schema_guard.audit(schemas => '{sN}', rules => '{data}', with_data => true)\`."
echo "Bare scan: \`SELECT count(customer_id), count(NULLIF(code, '')), count(email), count(DISTINCT mood), count(DISTINCT state), count(jsonb_typeof(doc->'qty')) FROM sN.orders\`."
