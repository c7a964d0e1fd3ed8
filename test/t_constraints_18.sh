#!/bin/bash
# test/t_constraints_18.sh: what PostgreSQL 18 adds to pg_constraint, as the
# guard reads it (src/compat.h: SG_CONSTRAINT_ENFORCED, SG_CONSTRAINT_PERIOD,
# SG_CONSTRAINT_IS_COLUMN_NOT_NULL).  Skipped before 18, where none of this
# syntax exists.
#   - a NOT ENFORCED foreign key has no triggers: fk_unindexed leaves it
#     alone until ALTER CONSTRAINT ... ENFORCED, which it judges;
#   - a PERIOD foreign key is looked up by equality on its other columns and
#     overlap on the period: a btree or GiST index on the other columns
#     serves it, and the HINT builds a btree on them;
#   - a NOT ENFORCED CHECK is no contract for jsonb_uncontracted;
#   - a key WITHOUT OVERLAPS cannot be added USING INDEX: words, no recipe;
#   - a column's NOT NULL, a constraint from 18 on, is not an object that
#     depends on the column (table_rewrite's HINT stays SQL).
# Warn mode: each statement goes through and prints its findings.
#
# Run by test/run.sh, or alone: test/t_constraints_18.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_constraints_18 "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PLAIN" "$SCRATCH/server.log"
major=$(sg_psql -d postgres -Atc "SELECT current_setting('server_version_num')::int / 10000")
if [ "$major" -lt 18 ]; then
    echo "ok - skipped: PostgreSQL $major has none of these constraints # SKIP"
    exit 0
fi

sg_psql -d postgres <<'SQL'
CREATE EXTENSION schema_guard;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE room (room int4range NOT NULL, valid daterange NOT NULL,
    PRIMARY KEY (room, valid WITHOUT OVERLAPS));
CREATE TABLE slot (room int4range NOT NULL, valid daterange NOT NULL);
CREATE TABLE wide (id int PRIMARY KEY, n int NOT NULL);
SQL

# run SQL: its messages in warn mode (one transaction per -c).
run() {
    sg_psql -d postgres -c "SET schema_guard.mode = warn" -c "$1" 2>&1
}

# expect WANT(yes|no) RULE WHAT SQL [PATTERN]: whether RULE is raised and,
# with PATTERN, that the messages match it.  The messages stay in LAST.
LAST=
expect() {
    local want=$1 rule=$2 what=$3 sql=$4 pattern=${5:-} out got=no
    out=$(run "$sql")
    LAST=$out
    grep -q "WARNING:  $rule:" <<<"$out" && got=yes
    if [ "$got" != "$want" ]; then
        not_ok "$what: $rule expected $want, got $got: $out"
    elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$out"; then
        not_ok "$what: no /$pattern/ in: $out"
    else
        ok "$what"
    fi
}

expect yes fk_unindexed "an enforced foreign key without an index is a finding" \
    "CREATE TABLE c_enforced (id int PRIMARY KEY, pid int NOT NULL REFERENCES parent)"
expect no fk_unindexed "a NOT ENFORCED foreign key is not looked up: no finding" \
    "CREATE TABLE c_unenforced (id int PRIMARY KEY, pid int NOT NULL REFERENCES parent NOT ENFORCED)"
expect yes fk_unindexed "the foreign key made ENFORCED later is judged then" \
    "ALTER TABLE c_unenforced ALTER CONSTRAINT c_unenforced_pid_fkey ENFORCED"
expect no fk_unindexed "other changes of a foreign key do not blame it" \
    "ALTER TABLE c_enforced ALTER CONSTRAINT c_enforced_pid_fkey DEFERRABLE"

period_fk="id int PRIMARY KEY, room int4range NOT NULL, valid daterange NOT NULL,
    FOREIGN KEY (room, PERIOD valid) REFERENCES room (room, PERIOD valid)"
expect yes fk_unindexed "a PERIOD foreign key without an index: a btree on its other columns" \
    "CREATE TABLE b_none ($period_fk)" \
    'HINT:  CREATE INDEX b_none_room_idx ON public.b_none USING btree \(room\);'
expect no fk_unindexed "a PERIOD foreign key served by a btree on its other columns" \
    "BEGIN; CREATE TABLE b_btree ($period_fk); CREATE INDEX ON b_btree (room); COMMIT;"
expect no fk_unindexed "a PERIOD foreign key served by a GiST index on (room, valid)" \
    "BEGIN; CREATE TABLE b_gist ($period_fk); CREATE INDEX ON b_gist USING gist (room, valid); COMMIT;"
expect yes fk_unindexed "a PERIOD foreign key: a hash index does not serve it" \
    "BEGIN; CREATE TABLE b_hash ($period_fk); CREATE INDEX ON b_hash USING hash (room); COMMIT;" \
    'it is a hash index'

expect no jsonb_uncontracted "an enforced CHECK on a jsonb column is a contract" \
    "CREATE TABLE j_enforced (id int PRIMARY KEY, doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'))"
expect yes jsonb_uncontracted "a NOT ENFORCED CHECK on a jsonb column is no contract" \
    "CREATE TABLE j_unenforced (id int PRIMARY KEY, doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object') NOT ENFORCED)"

expect yes constraint_index_in_place "a key WITHOUT OVERLAPS built in place" \
    "ALTER TABLE slot ADD PRIMARY KEY (room, valid WITHOUT OVERLAPS)" \
    'HINT:  A key WITHOUT OVERLAPS has an exclusion index'
if grep -q 'USING INDEX' <<<"$LAST"; then
    not_ok "a key WITHOUT OVERLAPS: the HINT must not add it USING INDEX"
else
    ok "a key WITHOUT OVERLAPS: no USING INDEX recipe"
fi

expect yes table_rewrite "a NOT NULL column retyped: its NOT NULL constraint is no dependent" \
    "ALTER TABLE wide ALTER COLUMN n TYPE bigint" \
    'HINT:  ALTER TABLE public.wide ADD COLUMN n_new bigint NULL;'

[ "$failures" = 0 ]
