#!/bin/bash
# test/t_restore.sh: a plain pg_dump of a guarded database restores into a
# guarded database only with the documented recipe
#     PGOPTIONS='-c schema_guard.mode=off' psql -v ON_ERROR_STOP=1 -d dst -f dump.sql
# and then the data and the exemptions are all there.  Plain psql must fail
# with implicit_nullable: pg_dump writes nullable columns without NULL.
# Run for both set-ups: library preloaded, and CREATE EXTENSION only.
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_restore.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_restore "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT

pgdump() { "$SG_BINDIR/pg_dump" -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres "$@"; }
# psql as a restore would run it: no -q, no .psqlrc, stop at the first error.
restore() { "$SG_BINDIR/psql" -X -h "$SG_PGHOST" -p "$SG_PGPORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

# Row counts of every user table plus the exemptions, one line per table.
counts() {
    sg_psql -d "$1" -Atc "
        SELECT string_agg(format('%s=%s', t,
               (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %s', t), false, true, '')))[1]::text),
               ' ' ORDER BY t)
        FROM (SELECT c.oid::regclass::text AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'schema_guard')) s"
}

run_setup() {
    local setup=$1 conf=$2
    echo "# set-up: $setup"
    sg_cluster_start "$DATA" "$conf" "$SCRATCH/server-$setup.log"

    sg_psql -d postgres -c "CREATE DATABASE src"
    sg_psql -d src <<'SQL'
CREATE EXTENSION schema_guard;
-- A legacy schema written without decisions about NULL: only possible with
-- the guard off, which is exactly what a dump of an older database holds.
SET schema_guard.mode = off;
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text, note text);
CREATE INDEX customers_email_idx ON customers (email);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers,
                     placed_at timestamptz NOT NULL, coupon text);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders, line int NOT NULL,
                          sku text, qty int NOT NULL, PRIMARY KEY (order_id, line));
-- a foreign key without an index
CREATE TABLE audit_log (id bigserial PRIMARY KEY, customer_id bigint REFERENCES customers, msg text);
INSERT INTO customers SELECT g, 'c' || g || '@example.invalid', CASE WHEN g % 3 > 0 THEN 'name ' || g END, NULL
    FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, g % 50 + 1, '2024-01-01'::timestamptz + g * interval '1 day', NULLIF(g % 4, 0)::text
    FROM generate_series(1, 200) g;
INSERT INTO order_lines SELECT o, l, 'sku-' || l, l FROM generate_series(1, 200) o, generate_series(1, 3) l;
INSERT INTO audit_log (customer_id, msg) SELECT g % 50 + 1, 'm' || g FROM generate_series(1, 30) g;
SQL
    if [ -n "$(sg_psql -d src -Atc "SELECT to_regprocedure('schema_guard.exempt(text,text,text)')")" ]; then
        sg_psql -d src -c "SET schema_guard.mode = off" \
            -c "SELECT schema_guard.exempt('implicit_nullable', 'public.customers.note', 'legacy')" \
            -c "SELECT schema_guard.exempt('implicit_nullable', 'public.audit_log', 'legacy table')" \
            -c "SELECT schema_guard.exempt('fk_unindexed', 'orders_customer_id_fkey on public.orders', 'indexed')" >/dev/null
        ok "$setup: exemption recorded in src"
    else
        echo "# schema_guard.exempt(text,text,text) does not exist: no exemption row"
    fi

    pgdump -d src -f "$SCRATCH/dump.sql"
    ok "$setup: pg_dump src"

    # Plain restore: the guard is on in dst, so it must refuse the dump.
    sg_psql -d postgres -c "CREATE DATABASE dst"
    if restore -d dst -f "$SCRATCH/dump.sql" >"$SCRATCH/restore-plain.out" 2>&1; then
        not_ok "$setup: plain psql restore should fail while the guard is on"
    elif grep -q 'ERROR:  implicit_nullable' "$SCRATCH/restore-plain.out"; then
        ok "$setup: plain psql restore fails: $(grep -m1 'ERROR:' "$SCRATCH/restore-plain.out" | sed 's/^.*ERROR: *//' | cut -c1-90)"
    else
        not_ok "$setup: plain psql restore failed, but not with implicit_nullable:"
        grep -m3 'ERROR:' "$SCRATCH/restore-plain.out" || tail -n 5 "$SCRATCH/restore-plain.out"
    fi

    # The documented recipe, into a fresh database.
    sg_psql -d postgres -c "DROP DATABASE dst" -c "CREATE DATABASE dst"
    if PGOPTIONS='-c schema_guard.mode=off' restore -d dst -f "$SCRATCH/dump.sql" \
        >"$SCRATCH/restore-recipe.out" 2>&1; then
        ok "$setup: restore with PGOPTIONS='-c schema_guard.mode=off' succeeds"
    else
        not_ok "$setup: restore with PGOPTIONS='-c schema_guard.mode=off' failed:"
        grep -m5 -E 'ERROR|FATAL' "$SCRATCH/restore-recipe.out" || tail -n 5 "$SCRATCH/restore-recipe.out"
    fi

    local a b
    a=$(counts src)
    b=$(counts dst)
    if [ "$a" = "$b" ]; then
        ok "$setup: row counts match: $b"
    else
        not_ok "$setup: row counts differ: src [$a] dst [$b]"
    fi

    # A second dump of dst must be the same as the dump of src, except for
    # the random \restrict keys of newer pg_dump minor releases.
    pgdump -d dst -f "$SCRATCH/dump-dst.sql"
    if diff -u <(grep -Ev '^\\(un)?restrict ' "$SCRATCH/dump.sql") \
        <(grep -Ev '^\\(un)?restrict ' "$SCRATCH/dump-dst.sql") >"$SCRATCH/dump.diff"; then
        ok "$setup: dump of dst is identical to dump of src"
    else
        not_ok "$setup: dump of dst differs from dump of src:"
        head -n 40 "$SCRATCH/dump.diff"
    fi

    # Exemptions are keyed by object (a regclass, dumped as a name): they come
    # back on the restored objects, whose OIDs differ from the source's.
    local ea eb
    ea=$(sg_psql -d src -Atc "SELECT string_agg(format('%s %s %s', rule, object_type, object), '; ' ORDER BY rule, object) FROM schema_guard.exemptions")
    eb=$(sg_psql -d dst -Atc "SELECT string_agg(format('%s %s %s', rule, object_type, object), '; ' ORDER BY rule, object) FROM schema_guard.exemptions")
    if [ -n "$ea" ] && [ "$ea" = "$eb" ] &&
        [ "$(sg_psql -d src -Atc "SELECT 'customers'::regclass::oid")" != "$(sg_psql -d dst -Atc "SELECT 'customers'::regclass::oid")" ]; then
        ok "$setup: exemptions restored on the new objects: $eb"
    else
        not_ok "$setup: exemptions differ: src [$ea] dst [$eb]"
    fi
    if [ -n "$ea" ]; then
        if sg_psql -d dst -c "ALTER TABLE audit_log ADD COLUMN restored_note text" >"$SCRATCH/exempt.out" 2>&1; then
            ok "$setup: a restored table exemption still applies"
        else
            not_ok "$setup: a restored table exemption does not apply: $(head -n 1 "$SCRATCH/exempt.out")"
        fi
    fi

    # The recipe switched the guard off for the restore session only.
    if sg_psql -d dst -c "CREATE TABLE after_restore (id int PRIMARY KEY, v text)" >"$SCRATCH/after.out" 2>&1; then
        not_ok "$setup: the guard is not on in dst after the restore"
    elif grep -q 'implicit_nullable' "$SCRATCH/after.out"; then
        ok "$setup: the guard is on again in dst after the restore"
    else
        not_ok "$setup: unexpected error in dst after the restore: $(head -n 1 "$SCRATCH/after.out")"
    fi

    sg_cluster_stop "$DATA"
}

run_setup preload "$SG_CONF_PRELOAD"
run_setup plain "$SG_CONF_PLAIN"

if [ "$failures" = 0 ]; then
    echo "t_restore: all checks passed"
else
    echo "t_restore: $failures check(s) failed"
    exit 1
fi
