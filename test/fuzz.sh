#!/bin/bash
# test/fuzz.sh: hostile input for schema_guard, looking for backend crashes.
#
# 1. sqlsmith (random SELECT/DML) against a database with the extension, as
#    an unprivileged role so it cannot call pg_terminate_backend & co.;
# 2. a few hundred randomized DDL statements (fixed seed) plus calls of every
#    schema_guard.* function with NULL and odd arguments, run once with the
#    guard in `warn` mode and once in `enforce` mode, as a superuser.
# Errors are expected and ignored; a crash, a postmaster restart or a server
# that stops answering fails the run.  Last line:
#   fuzz: N queries, 0 backend crashes
#
# Knobs: SG_FUZZ_QUERIES (sqlsmith queries, 2000), SG_FUZZ_SEED (42),
#        SG_FUZZ_DDL (DDL statements per mode, 300).
# Runs as root (stages, then reruns itself as postgres) or as any user.
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

QUERIES=${SG_FUZZ_QUERIES:-2000}
SEED=${SG_FUZZ_SEED:-42}
NDDL=${SG_FUZZ_DDL:-300}

if [ -z "${SG_PREPARED:-}" ]; then
    sg_is_root && rm -rf "$SG_BUILD/fuzz"
    sg_prepare
    if sg_is_root; then
        exec runuser -u postgres -- env SG_PREPARED=1 "$0" "$@"
    fi
fi

OUT=$SG_BUILD/fuzz
DATA=$OUT/data
LOG=$OUT/server.log
rm -rf "$OUT"
mkdir -p "$OUT"
trap 'sg_cluster_stop "$DATA"' EXIT

sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$LOG"
echo "fuzz: cluster in $DATA, log $LOG"

# Crash evidence in the server log, and a server that still answers.
check_alive() {
    local what=$1
    if grep -E 'terminated by signal|was terminated by exception|server process .* was terminated|all server processes terminated; reinitializing|PANIC:' "$LOG"; then
        echo "fuzz: FAILED: backend crash during $what (see $LOG)"
        exit 1
    fi
    if ! sg_psql -d postgres -Atc 'SELECT 1' >/dev/null; then
        echo "fuzz: FAILED: server not accepting connections after $what"
        exit 1
    fi
}

# --- 1. sqlsmith ---------------------------------------------------------
sg_psql -d postgres -c "CREATE ROLE fuzzer LOGIN" -c "CREATE DATABASE fuzz OWNER fuzzer"
sg_psql -d fuzz <<'SQL'
SET schema_guard.mode = off;
CREATE EXTENSION schema_guard;
GRANT USAGE ON SCHEMA schema_guard TO fuzzer;
ALTER ROLE fuzzer SET statement_timeout = '2s';
SET ROLE fuzzer;
CREATE TABLE category (id int PRIMARY KEY, parent_id int NULL REFERENCES category, name text NOT NULL);
CREATE TABLE supplier (id int PRIMARY KEY, name text NOT NULL, country char(2) NULL);
CREATE TABLE product (id int PRIMARY KEY, category_id int NOT NULL REFERENCES category,
    supplier_id int NULL REFERENCES supplier, sku text NOT NULL UNIQUE, price numeric(10,2) NOT NULL,
    attrs jsonb NULL);
CREATE INDEX ON product (category_id);
CREATE TABLE customer (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NULL,
    created_at timestamptz NOT NULL DEFAULT now(), profile jsonb NOT NULL DEFAULT '{}');
CREATE TABLE address (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customer,
    city text NOT NULL, zip text NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customer,
    address_id bigint NULL REFERENCES address, status text NOT NULL DEFAULT 'new',
    placed_at timestamptz NOT NULL, meta jsonb NULL);
CREATE INDEX ON orders (customer_id, placed_at);
CREATE TABLE order_item (order_id bigint NOT NULL REFERENCES orders ON DELETE CASCADE,
    line int NOT NULL, product_id int NOT NULL REFERENCES product, qty int NOT NULL CHECK (qty > 0),
    PRIMARY KEY (order_id, line));
CREATE TABLE payment (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders,
    amount numeric(12,2) NOT NULL, paid_at timestamptz NULL);
CREATE INDEX ON payment (order_id) WHERE order_id IS NOT NULL;
CREATE TABLE warehouse (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE stock (warehouse_id int NOT NULL REFERENCES warehouse, product_id int NOT NULL REFERENCES product,
    qty int NOT NULL DEFAULT 0, PRIMARY KEY (warehouse_id, product_id));
CREATE TABLE shipment (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders,
    warehouse_id int NULL REFERENCES warehouse, tracking text NULL, events jsonb NOT NULL DEFAULT '[]');
CREATE TABLE audit_event (id bigserial NOT NULL, at timestamptz NOT NULL, kind text NOT NULL, body jsonb NOT NULL)
    PARTITION BY RANGE (at);
ALTER TABLE audit_event ADD PRIMARY KEY (id, at);
CREATE TABLE audit_event_2024 PARTITION OF audit_event FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE audit_event_2025 PARTITION OF audit_event FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX ON audit_event USING gin (body);
CREATE VIEW order_totals AS
    SELECT o.id, o.customer_id, sum(p.price * i.qty) AS total
    FROM orders o JOIN order_item i ON i.order_id = o.id JOIN product p ON p.id = i.product_id
    GROUP BY o.id, o.customer_id;

INSERT INTO category SELECT g, CASE WHEN g > 5 THEN g % 5 + 1 END, 'cat ' || g FROM generate_series(1, 20) g;
INSERT INTO supplier SELECT g, 'supplier ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'DE' END FROM generate_series(1, 10) g;
INSERT INTO product SELECT g, g % 20 + 1, NULLIF(g % 11, 0), 'sku-' || g, g * 1.5,
    CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('color', 'red', 'size', g % 7, 'tags', jsonb_build_array('a', g)) END
    FROM generate_series(1, 200) g;
INSERT INTO customer SELECT g, 'c' || g || '@example.invalid', CASE WHEN g % 9 = 0 THEN NULL ELSE 'name ' || g END,
    '2024-01-01'::timestamptz + g * interval '1 hour', jsonb_build_object('vip', g % 10 = 0) FROM generate_series(1, 500) g;
INSERT INTO address SELECT g, g, 'city ' || g % 13, NULLIF((g % 100)::text, '0') FROM generate_series(1, 500) g;
INSERT INTO orders SELECT g, g % 500 + 1, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 500 + 1 END, 'new',
    '2024-06-01'::timestamptz + g * interval '1 minute', CASE WHEN g % 2 = 0 THEN '{"src":"web"}'::jsonb END
    FROM generate_series(1, 2000) g;
INSERT INTO order_item SELECT o, l, (o * l) % 200 + 1, l FROM generate_series(1, 2000) o, generate_series(1, 3) l;
INSERT INTO payment SELECT g, g, g * 2.5, CASE WHEN g % 5 = 0 THEN NULL ELSE now() END FROM generate_series(1, 1500) g;
INSERT INTO warehouse SELECT g, 'wh ' || g FROM generate_series(1, 4) g;
INSERT INTO stock SELECT w, p, p % 17 FROM generate_series(1, 4) w, generate_series(1, 200) p;
INSERT INTO shipment SELECT g, g, g % 4 + 1, NULL, '[{"e":"created"}]' FROM generate_series(1, 1000) g;
INSERT INTO audit_event (at, kind, body) SELECT '2024-03-01'::timestamptz + g * interval '3 hours', 'k' || g % 5,
    jsonb_build_object('n', g, 'ok', g % 2 = 0, 'arr', jsonb_build_array(g, 'x', NULL)) FROM generate_series(1, 3000) g;
RESET ROLE;
ANALYZE;
SQL

set +e
sqlsmith --target="host=$SG_PGHOST port=$SG_PGPORT dbname=fuzz user=fuzzer" \
    --max-queries="$QUERIES" --seed="$SEED" --exclude-catalog --verbose \
    >"$OUT/sqlsmith.out" 2>"$OUT/sqlsmith.err"
rc=$?
set -e
ran=$(sed -n 's/^queries: \([0-9]*\).*/\1/p' "$OUT/sqlsmith.err" | tail -n 1)
ran=${ran:-0}
echo "fuzz: sqlsmith ran $ran queries (seed $SEED, exit $rc, $(grep -m1 '^error rate' "$OUT/sqlsmith.err" || echo 'no stats'))"
check_alive sqlsmith
if [ "$rc" != 0 ] || [ "$ran" -lt "$QUERIES" ]; then
    tail -n 20 "$OUT/sqlsmith.err"
    echo "fuzz: FAILED: sqlsmith stopped early"
    exit 1
fi

# --- 2. randomized DDL -----------------------------------------------------
# Bash's RANDOM is deterministic once seeded, but every $(...) subshell
# reseeds it: the generator therefore never uses command substitution and
# passes results in globals (P = last pick, S = last piece of SQL).
pick() { P=${*:RANDOM % $# + 1:1}; }
TYPES=(int bigint text "varchar(20)" numeric jsonb json boolean timestamptz date uuid "int[]")
NULLS=("" "" " NULL" " NOT NULL" " NOT NULL DEFAULT 0" " NOT NULL DEFAULT ''" " DEFAULT 1")

tables() { T=d_$((RANDOM % 12)); U=d_$((RANDOM % 12)); }
coldef() {
    local t
    pick "${TYPES[@]}"
    t=$P
    pick "${NULLS[@]}"
    C="c$((RANDOM % 8)) $t$P"
}

# A statement that is valid inside a transaction block (mostly).
gen_simple() {
    tables
    case $((RANDOM % 5)) in
    0) coldef; pick '' ' NULL'; S="CREATE TABLE $T (id bigint PRIMARY KEY, $C, r bigint$P REFERENCES $U)" ;;
    1) pick r c1 id; S="CREATE INDEX ON $T ($P)" ;;
    2) coldef; S="ALTER TABLE $T ADD COLUMN $C" ;;
    3) S="ALTER TABLE $T ADD FOREIGN KEY (r) REFERENCES $U" ;;
    4) S="DROP INDEX IF EXISTS ${T}_i$((RANDOM % 4))" ;;
    esac
}

gen_ddl() {
    local a b c
    tables
    case $((RANDOM % 20)) in
    0 | 1) coldef; a=$C; coldef; [ "${C%% *}" = "${a%% *}" ] && C="x$C"; b=$C; pick '' ' NULL' ' NOT NULL'
        S="CREATE TABLE $T (id bigint PRIMARY KEY, $a, $b, r bigint$P REFERENCES $U);" ;;
    2) coldef; pick '' ' NOT NULL' ' PRIMARY KEY'; S="CREATE TABLE IF NOT EXISTS $T (id bigint$P, $C);" ;;
    3) pick '' CONCURRENTLY; a=$P; pick '' ', id' ', r'
        S="CREATE INDEX $a IF NOT EXISTS ${T}_i$((RANDOM % 4)) ON $T (c$((RANDOM % 8))$P);" ;;
    4) pick '' ' WHERE r IS NOT NULL' ' WHERE id > 5'; S="CREATE INDEX ON $T (r)$P;" ;;
    5) pick '' CONCURRENTLY; S="DROP INDEX $P IF EXISTS ${T}_i$((RANDOM % 4));" ;;
    6) coldef; pick '' '' " REFERENCES $U"; S="ALTER TABLE $T ADD COLUMN $C$P;" ;;
    7) pick '' ' NOT VALID'; S="ALTER TABLE $T ADD CONSTRAINT ${T}_fk$((RANDOM % 3)) FOREIGN KEY (r) REFERENCES $U$P;" ;;
    8) pick 'IF EXISTS ' ''; a=$P; pick '' ' CASCADE'; S="ALTER TABLE $T DROP COLUMN ${a}c$((RANDOM % 8))$P;" ;;
    9) gen_simple; a=$S; gen_simple; b=$S; gen_simple; c=$S; pick COMMIT ROLLBACK COMMIT
        S="BEGIN; $a; SAVEPOINT s1; $b; ROLLBACK TO s1; $c; $P;" ;;
    10) gen_simple; a=$S; gen_simple; b=$S; gen_simple; c=$S
        S="BEGIN; $a; SAVEPOINT s1; $b; RELEASE s1; $c; COMMIT;" ;;
    11) tables; pick TABLE INDEX; a=$P; pick '' CONCURRENTLY; b=$P; pick "$T" "${T}_pkey"; S="REINDEX $a $b $P;" ;;
    12) pick 'SET NOT NULL' 'DROP NOT NULL' 'TYPE text' 'TYPE int USING NULL' 'SET DEFAULT 0'
        S="ALTER TABLE $T ALTER COLUMN c$((RANDOM % 8)) $P;" ;;
    13) pick '' ' CASCADE'; S="DROP TABLE IF EXISTS $T$P;" ;;
    14) gen_simple; a=p$((RANDOM % 1000))
        S="BEGIN; $S; PREPARE TRANSACTION '$a'; COMMIT PREPARED '$a';" ;;
    15) pick "RENAME c1 TO c$((RANDOM % 8))" "ADD PRIMARY KEY (id)" "ADD UNIQUE (c2)" "ADD CHECK (id > 0) NOT VALID" \
            "VALIDATE CONSTRAINT ${T}_fk0" "DROP CONSTRAINT IF EXISTS ${T}_fk$((RANDOM % 3))"
        S="ALTER TABLE $T $P;" ;;
    16) coldef; S="CREATE TEMP TABLE IF NOT EXISTS tmp_$T ($C); INSERT INTO $T (id) VALUES ($RANDOM) ON CONFLICT DO NOTHING;" ;;
    17) coldef; a=$((RANDOM % 3)); pick '' 'ONLY '
        S="CREATE TABLE IF NOT EXISTS p_$T (id bigint NOT NULL, k int NOT NULL, $C) PARTITION BY LIST (k);
CREATE TABLE IF NOT EXISTS p_${T}_$a PARTITION OF p_$T FOR VALUES IN ($a);
CREATE INDEX IF NOT EXISTS p_${T}_i ON ${P}p_$T (k);" ;;
    18) pick '' ' CASCADE'; S="TRUNCATE $T$P;" ;;
    19) gen_call ;;
    esac
}

# Calls of every schema_guard function (listed from the catalog below) with
# NULLs and odd values of each argument type.
CALLS=()
odd_value() {
    case $1 in
    text | name | "character varying")
        pick "NULL" "''" "'x'" "repeat('x', 5000)" "'no.such.object'" "'public.d_1.c1'" "'\"'" "'*'" \
            "'implicit_nullable'" "'fk_unindexed'" "E'\\\\'" ;;
    integer | bigint | smallint | numeric | real | "double precision") pick "NULL" "0" "-1" "2147483647" ;;
    boolean) pick "NULL" "true" "false" ;;
    jsonb | json) pick "NULL" "'{}'" "'[]'" "'null'" "'\"s\"'" "'{\"a\":[1,{\"b\":null}],\"\":{}}'" \
        "repeat('[', 3000) || repeat(']', 3000)" "'[1,2,[3,[4]]]'" ;;
    regclass) pick "NULL" "'d_1'" "'pg_class'" "0" "'schema_guard.rules'" ;;
    oid) pick "NULL" "0" "1259" ;;
    *) P=NULL ;;
    esac
}
gen_call() {
    local spec fn types args="" ty
    if [ "${#CALLS[@]}" = 0 ]; then S="SELECT 1;"; return; fi
    spec=${CALLS[RANDOM % ${#CALLS[@]}]}
    fn=${spec%%|*}
    types=${spec#*|}
    if [ -n "$types" ]; then
        IFS=, read -ra tys <<<"$types"
        for ty in "${tys[@]}"; do
            odd_value "$ty"
            args+="${args:+, }($P)::$ty"
        done
    fi
    S="SELECT * FROM $fn($args);"
}

run_ddl_phase() {
    local mode=$1 db=ddl_$1 script=$OUT/ddl_$1.sql n spec fn types args stmts errs gid
    sg_psql -d postgres -c "CREATE DATABASE $db"
    sg_psql -d "$db" -c "CREATE EXTENSION schema_guard"
    # "schema.fn|argtype,argtype" for every plain function of the extension
    # (event-trigger and trigger functions cannot be called directly).
    mapfile -t CALLS < <(sg_psql -d "$db" -Atc "
        SELECT format('%I.%I', n.nspname, p.proname) || '|' ||
               coalesce((SELECT string_agg(format_type(t, NULL), ',' ORDER BY i)
                         FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, i)), '')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'schema_guard' AND p.prokind = 'f'
          AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
        ORDER BY 1")
    RANDOM=$SEED
    {
        echo "SET client_min_messages = error;"
        echo "SET statement_timeout = '10s';"
        # Start from a dozen valid tables so that most statements reach the guard.
        for ((n = 0; n < 12; n++)); do
            echo "CREATE TABLE d_$n (id bigint PRIMARY KEY, r bigint NULL, c1 int NULL, c2 text NOT NULL DEFAULT 'x');"
            echo "INSERT INTO d_$n SELECT g, NULL, g, 'v' || g FROM generate_series(1, 20) g;"
        done
        # Every function once with all-NULL arguments.
        for spec in "${CALLS[@]}"; do
            fn=${spec%%|*}
            types=${spec#*|}
            args=""
            if [ -n "$types" ]; then
                IFS=, read -ra tys <<<"$types"
                for ty in "${tys[@]}"; do args+="${args:+, }NULL::$ty"; done
            fi
            echo "SELECT * FROM $fn($args);"
        done
        for ((n = 0; n < NDDL; n++)); do
            gen_ddl
            echo "$S"
        done
        echo "SELECT count(*) FROM schema_guard.audit();"
    } >"$script"
    PGOPTIONS="-c schema_guard.mode=$mode" sg_psql -d "$db" -v ON_ERROR_STOP=0 -f "$script" \
        >"$OUT/ddl_$mode.out" 2>&1 || true
    # A leftover prepared transaction would hold its locks: resolve it.
    for gid in $(sg_psql -d postgres -Atc "SELECT gid FROM pg_prepared_xacts WHERE database = '$db'"); do
        sg_psql -d "$db" -c "ROLLBACK PREPARED '$gid'" >/dev/null
    done
    stmts=$(grep -o ';' "$script" | wc -l)
    errs=$(grep -c 'ERROR:' "$OUT/ddl_$mode.out" || true)
    echo "fuzz: DDL in $mode mode: $stmts statements, $errs errors (expected), ${#CALLS[@]} functions called"
    DDL_TOTAL=$((DDL_TOTAL + stmts))
    check_alive "DDL in $mode mode"
}

DDL_TOTAL=0
run_ddl_phase warn
run_ddl_phase enforce

echo "fuzz: $((ran + DDL_TOTAL)) queries, 0 backend crashes"
