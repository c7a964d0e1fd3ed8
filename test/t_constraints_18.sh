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
#     depends on the column (table_rewrite's HINT stays SQL);
#   - the audit's constraint_not_validated: a partitioned table's foreign key
#     added NOT VALID is reported once, on the parent (its clones on the
#     partitions are validated with it); NOT NULL NOT VALID is reported, on
#     a partitioned table once (the partitions' copies are inherited).
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

# audited WANT WHAT: the rows of constraint_not_validated in schema cnv,
# "object_identity|object_type" sorted, one line each, as WANT.
audited() {
    local want=$1 what=$2 got
    got=$(sg_psql -d postgres -At -c "SELECT object_identity || '|' || object_type
        FROM schema_guard.audit(schemas => '{cnv}', rules => '{constraint_not_validated}')")
    if [ "$got" = "$want" ]; then
        ok "$what"
    else
        not_ok "$what: expected [$want], got [$got]"
    fi
}

sg_psql -d postgres <<'SQL'
SET schema_guard.mode = off;
CREATE SCHEMA cnv;
CREATE TABLE cnv.parent (id int PRIMARY KEY);
INSERT INTO cnv.parent VALUES (1);
CREATE TABLE cnv.part (id int NOT NULL, pid int NOT NULL, n int NULL) PARTITION BY RANGE (id);
CREATE TABLE cnv.part_1 PARTITION OF cnv.part FOR VALUES FROM (0) TO (100);
CREATE TABLE cnv.part_2 PARTITION OF cnv.part FOR VALUES FROM (100) TO (200);
INSERT INTO cnv.part VALUES (1, 1, 1), (150, 1, 2);
ALTER TABLE cnv.part ADD CONSTRAINT part_pid_fk FOREIGN KEY (pid) REFERENCES cnv.parent NOT VALID;
CREATE TABLE cnv.plain (id int PRIMARY KEY, n int NULL);
ALTER TABLE cnv.plain ADD CONSTRAINT plain_n_nn NOT NULL n NOT VALID;
SQL
clones=$(sg_psql -d postgres -At -c "SELECT count(*) FROM pg_constraint
    WHERE conname = 'part_pid_fk' AND conparentid <> 0 AND NOT convalidated")
[ "$clones" = 2 ] && ok "the partitions' clones are NOT VALID too" ||
    not_ok "the partitions' clones are NOT VALID too: $clones"
audited 'part_pid_fk on cnv.part|foreign key
plain_n_nn on cnv.plain|constraint' \
    "a partitioned table's NOT VALID foreign key once, on the parent; NOT NULL NOT VALID"
sg_psql -d postgres -c "SET schema_guard.mode = off" \
    -c "ALTER TABLE cnv.part ADD CONSTRAINT part_n_nn NOT NULL n NOT VALID"
audited 'part_n_nn on cnv.part|constraint
part_pid_fk on cnv.part|foreign key
plain_n_nn on cnv.plain|constraint' \
    "a partitioned table's NOT NULL NOT VALID once, on the parent"
sg_psql -d postgres -c "ALTER TABLE cnv.part VALIDATE CONSTRAINT part_pid_fk" \
    -c "ALTER TABLE cnv.part VALIDATE CONSTRAINT part_n_nn" \
    -c "ALTER TABLE cnv.plain VALIDATE CONSTRAINT plain_n_nn"
audited '' "the HINTs' VALIDATE CONSTRAINT on the parents validate the clones: nothing left"

[ "$failures" = 0 ]
