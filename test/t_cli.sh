#!/bin/bash
# test/t_cli.sh: pg_schema_guard, the command for CI, as built and installed
# by the Makefile: usage and connection errors (exit 2), a clean file (0), a
# file with findings (1) at the right file:line, rollback and --commit,
# several files, each output format (SARIF regions, JUnit XML, TAP, JSON),
# --fail-level, files it refuses, a role that may not set warn mode; roundtrip
# DIR on the migration directories of test/roundtrip: both layouts, history
# order, losses, an empty or missing down, bad directories, every format,
# and a database left exactly as it was.
#
# Run by test/run.sh, or alone: test/t_cli.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_cli "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
expect() {
    local what=$1 want=$2 got=$3
    if [ "$got" = "$want" ]; then ok "$what"; else
        not_ok "$what"
        echo "#   got:      ${got//$'\n'/$'\n'#             }"
        echo "#   expected: ${want//$'\n'/$'\n'#             }"
    fi
}

# The installed binary: staged under DESTDIR for Debian's server, in the
# server's (copied) bindir otherwise.
if [ -z "$SG_SERVER" ]; then
    PGSG=$SG_STAGE$("$PG_CONFIG" --bindir)/pg_schema_guard
else
    PGSG=$SG_BINDIR/pg_schema_guard
fi

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PLAIN" "$SCRATCH/server.log"
sg_psql -d postgres -c "CREATE DATABASE cli" -c "CREATE DATABASE bare"
sg_psql -d cli -c "CREATE EXTENSION schema_guard" \
    -c "CREATE TABLE customer (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)"
export PGHOST=$SG_PGHOST PGPORT=$SG_PGPORT PGUSER=postgres PGDATABASE=cli

# run ARGS...: sets out, err and rc.
run() {
    rc=0
    "$PGSG" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    out=$(cat "$SCRATCH/out")
    err=$(cat "$SCRATCH/err")
}
# The findings of the text output: file:line: level: rule.
located() { grep -o '^[^ ]*:[0-9]*: [a-z]*: [a-z_]*' "$SCRATCH/out" || true; }
exists() { sg_psql -d cli -Atc "SELECT to_regclass('$1') IS NOT NULL"; }

M=$SCRATCH/m
mkdir -p "$M"
cd "$M"

# --- usage --------------------------------------------------------------
run --help
expect "--help exits 0" 0 "$rc"
expect "--help shows the usage" 1 "$(grep -c '^  pg_schema_guard check' "$SCRATCH/out")"
run --version
expect "--version names the extension's version" \
    "pg_schema_guard (schema_guard) $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$SG_ROOT/schema_guard.control") 0" "$out $rc"
for args in "" "frobnicate" "check" "check --format=xml a.sql" "check --fail-level=fatal a.sql" \
    "check --bogus a.sql" "audit a.sql" "audit --commit" "check --schema=public a.sql"; do
    # shellcheck disable=SC2086
    run $args
    expect "usage error exits 2: pg_schema_guard $args" 2 "$rc"
done
expect "a usage error says what is wrong" 1 "$(grep -c 'invalid format "xml"' <<<"$(
    "$PGSG" check --format=xml a.sql 2>&1)")"

# --- connection ---------------------------------------------------------
printf 'SELECT 1;\n' >clean0.sql
run check -h "$SCRATCH/no-such-socket-dir" clean0.sql
expect "a connection error exits 2" 2 "$rc"
expect "a connection error is reported" 1 "$(grep -c 'could not connect' <<<"$err")"
run check -d "postgresql:///bare?host=$SG_PGHOST&port=$SG_PGPORT" clean0.sql
expect "a database without the extension exits 2 (URI as -d)" 2 "$rc"
expect "a database without the extension is named" 1 "$(grep -c 'not installed in database "bare"' <<<"$err")"
run check -d "dbname=cli host=$SG_PGHOST" clean0.sql
expect "a conninfo string as -d connects" 0 "$rc"

# --- a clean file, a file with findings ---------------------------------
cat >clean.sql <<'EOF'
-- a clean migration
CREATE TABLE product (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);
EOF
run check clean.sql
expect "a clean file exits 0" 0 "$rc"
expect "a clean file reports nothing" "1 file(s) checked: 0 error(s), 0 warning(s), 0 info" "$out"
expect "a clean file is rolled back" f "$(exists product)"

cat >findings.sql <<'EOF'
\set ON_ERROR_STOP on
-- line 2
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer,
    note text,
    doc json NULL
); CREATE TABLE tags (id bigint PRIMARY KEY, doc json NULL);

DO $$
BEGIN
    CREATE TABLE audit_log (id bigint PRIMARY KEY, payload json NULL);
END
$$;
/* a comment; with a semicolon */
CREATE INDEX customer_name_idx
    ON customer (name);
SELECT 'a;b' AS "x;y", $q$;$q$ AS z;
EOF
run check findings.sql
expect "a file with findings exits 1" 1 "$rc"
expect "each finding at its file:line; commit findings at the statement that made their object" \
"findings.sql:3: warning: json_not_jsonb
findings.sql:8: warning: json_not_jsonb
findings.sql:10: warning: json_not_jsonb
findings.sql:16: error: index_not_concurrent
findings.sql:3: error: fk_unindexed
findings.sql:3: error: implicit_nullable" "$(located)"
expect "findings raised at commit say so" 2 "$(grep -c '(at commit)$' "$SCRATCH/out")"
expect "a finding's detail and fix follow it" 1 \
    "$(grep -c '^    fix: CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id);$' "$SCRATCH/out")"
expect "a harmless meta-command is skipped, and said so" 1 \
    "$(grep -c 'findings.sql:1: skipping psql meta-command \\set' <<<"$err")"
expect "the summary counts them" "1 file(s) checked: 3 error(s), 3 warning(s), 0 info" "$(tail -n 1 "$SCRATCH/out")"
expect "the file was rolled back" f "$(exists orders)"

# --- --fail-level ---------------------------------------------------------
cat >warnings.sql <<'EOF'
CREATE TABLE events (id bigint PRIMARY KEY, body json NOT NULL);
EOF
run check warnings.sql
expect "warnings only: exit 0 at the default fail level (error)" 0 "$rc"
run check --fail-level=warning warnings.sql
expect "warnings only: exit 1 with --fail-level=warning" 1 "$rc"
run check -l info warnings.sql
expect "warnings only: exit 1 with -l info" 1 "$rc"
run check --fail-level=error findings.sql
expect "errors: exit 1 with --fail-level=error" 1 "$rc"

# --- rollback and --commit -------------------------------------------------
cat >commit.sql <<'EOF'
CREATE TABLE kept (id bigint PRIMARY KEY, label text NOT NULL);
EOF
run check commit.sql
expect "without --commit the table does not exist afterwards" "0 f" "$rc $(exists kept)"
run check --commit commit.sql
expect "with --commit the table exists afterwards" "0 t" "$rc $(exists kept)"

# A file with its own transaction: its BEGIN is ours, its COMMIT where the
# commit's checks run; their findings at the statement that made the
# object, not at the COMMIT, nor at a statement rolled back to a savepoint
# (the DROP INDEX that left the foreign key unindexed again).
cat >own_txn.sql <<'EOF'
BEGIN;
CREATE TABLE own_txn (id bigint PRIMARY KEY, extra text);
CREATE TABLE own_child (id bigint PRIMARY KEY, own_txn_id bigint NOT NULL REFERENCES own_txn);
SAVEPOINT s;
CREATE INDEX own_child_idx ON own_child (own_txn_id);
DROP INDEX own_child_idx;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT 1;
EOF
run check own_txn.sql
expect "a file's own COMMIT runs the commit's checks, their findings at the statements that made the objects" \
    "own_txn.sql:2: error: implicit_nullable
own_txn.sql:3: error: fk_unindexed" "$(located)"
expect "... and the file is still rolled back" "1 f" "$rc $(exists own_txn)"
run check --commit own_txn.sql
expect "--commit runs a file with its own transaction as written" "own_txn.sql:2: error: implicit_nullable
own_txn.sql:3: error: fk_unindexed 1 t" "$(located) $rc $(exists own_txn)"
# Autocommitted statements (CONCURRENTLY makes the file run as written):
# each commits, and its commit findings are its own, at its first line.
cat >autocommit.sql <<'EOF'
CREATE TABLE auto_a (id bigint PRIMARY KEY);
CREATE INDEX CONCURRENTLY auto_a_id_idx ON auto_a (id);
CREATE TABLE auto_b (id bigint PRIMARY KEY,
    a_id bigint NOT NULL REFERENCES auto_a);
EOF
run check --commit autocommit.sql
expect "--commit, autocommitted: a commit finding at its own statement" \
    "autocommit.sql:3: error: fk_unindexed" "$(located)"

# CONCURRENTLY cannot run in a transaction block: refused unless --commit.
cat >concurrently.sql <<'EOF'
CREATE TABLE conc (id bigint PRIMARY KEY, name text NOT NULL);

CREATE INDEX CONCURRENTLY conc_name_idx ON conc (name);
EOF
run check concurrently.sql
expect "CONCURRENTLY without --commit: exit 2" 2 "$rc"
expect "... says why, at its line" 1 "$(grep -c 'concurrently.sql:3: a statement with CONCURRENTLY cannot run inside a transaction block' <<<"$err")"
expect "... and runs nothing" f "$(exists conc)"
run check --commit concurrently.sql
expect "CONCURRENTLY with --commit runs as written" "0 t" "$rc $(exists conc_name_idx)"

# --- failures and refusals ----------------------------------------------------
cat >fails.sql <<'EOF'
CREATE TABLE before_failure (id bigint PRIMARY KEY);
SELECT 1,
       2 +
       no_such_column;
CREATE TABLE after_failure (id bigint PRIMARY KEY);
EOF
run check --commit fails.sql
expect "a failing statement: exit 1" 1 "$rc"
expect "... reported at the line of its error position" \
    'fails.sql:4: error: migration_error: column "no_such_column" does not exist' "$(head -n 1 "$SCRATCH/out")"
expect "... the file stops and its transaction is rolled back, even with --commit" "f f" \
    "$(exists before_failure) $(exists after_failure)"

# The error position counts characters of the client encoding: under
# LATIN1 each byte of the thirty é is one (as UTF-8 they were counted as
# thirty characters, which put the error three lines too far).
printf "SELECT '%s',\n  no_such_column,\n  2,\n  3,\n  4,\n  5;\n" "$(printf 'é%.0s' {1..30})" >latin1.sql
rc=0
PGCLIENTENCODING=LATIN1 "$PGSG" check latin1.sql >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
expect "an error position under client_encoding LATIN1 is at its line" \
    '1 latin1.sql:2: error: migration_error: column "no_such_column" does not exist' "$rc $(head -n 1 "$SCRATCH/out")"

printf 'SELECT 1;\n\\i other.sql\n' >meta.sql
run check meta.sql
expect "a meta-command that changes the SQL is refused: exit 2" 2 "$rc"
expect "... at its line" 1 "$(grep -c 'meta.sql:2: psql meta-command \\i is not supported' <<<"$err")"
run check no_such_file.sql
expect "a missing file: exit 2" 2 "$rc"

# An unterminated /* comment after the last statement: psql sends it at the
# end of the file and the server refuses it, so the file fails.
printf 'SELECT 1;\n\n/* open\nCREATE TABLE commented_out (id bigint PRIMARY KEY);\n' >open_comment.sql
run check open_comment.sql
expect "an unterminated comment at the end fails as in psql: exit 1" 1 "$rc"
expect "... at the comment's line" 'open_comment.sql:3: error: migration_error: unterminated /* comment at or near "/* open' \
    "$(head -n 1 "$SCRATCH/out")"

# A file of 100,000 statements is split in linear time: counting each one's
# line from the start of the file took minutes.  The meta-command at its end
# is refused before anything runs.
awk 'BEGIN { for (i = 0; i < 100000; i++) print "SELECT 1;"; print "\\gexec" }' >many.sql
rc=0
timeout 30 "$PGSG" check many.sql >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
expect "100,000 statements are split at once, the refusal at its line: exit 2" \
    "2 1" "$rc $(grep -c '^pg_schema_guard: many.sql:100001: psql meta-command \\gexec' "$SCRATCH/err")"

# --- several files, each its own transaction and session --------------------
run check clean.sql warnings.sql findings.sql
expect "several files: the worst decides" 1 "$rc"
expect "several files: each finding names its file" \
"warnings.sql:1: warning: json_not_jsonb
findings.sql:3: warning: json_not_jsonb
findings.sql:8: warning: json_not_jsonb
findings.sql:10: warning: json_not_jsonb
findings.sql:16: error: index_not_concurrent
findings.sql:3: error: fk_unindexed
findings.sql:3: error: implicit_nullable" "$(located)"
expect "several files: counted" "3 file(s) checked: 3 error(s), 4 warning(s), 0 info" "$(tail -n 1 "$SCRATCH/out")"

# --- formats ------------------------------------------------------------------
run check --format=sarif clean.sql findings.sql
expect "sarif: exit 1" 1 "$rc"
expect "sarif: SARIF 2.1.0, each result at its file's line, rules described" \
"2.1.0
json_not_jsonb warning findings.sql 3 public.orders.doc
json_not_jsonb warning findings.sql 8 public.tags.doc
json_not_jsonb warning findings.sql 10 public.audit_log.payload
index_not_concurrent error findings.sql 16 public.customer_name_idx
fk_unindexed error findings.sql 3 orders_customer_id_fkey on public.orders
implicit_nullable error findings.sql 3 public.orders.note
rules ok" "$(python3 - "$SCRATCH/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["version"])
run = d["runs"][0]
rules = run["tool"]["driver"]["rules"]
for r in run["results"]:
    loc = r["locations"][0]
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    print(r["ruleId"], r["level"], loc["physicalLocation"]["artifactLocation"]["uri"],
          loc["physicalLocation"]["region"]["startLine"], loc["logicalLocations"][0]["fullyQualifiedName"])
print("rules ok" if all(r["shortDescription"]["text"] for r in rules) else "rules without text")
EOF
)"
mkdir -p "sub dir"
cp warnings.sql "sub dir/w#1.sql"
run check -f sarif "./sub dir/w#1.sql"
expect "sarif: a path is a relative URI reference" "sub%20dir/w%231.sql" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])' "$SCRATCH/out")"

run check --format=json clean.sql fails.sql
expect "json: every finding with file, line, rule and whether it fails" \
    "1 fails.sql 4 migration_error error True" \
    "$rc $(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["findings"]: print(f["file"], f["line"], f["rule"], f["level"], f["failing"])' "$SCRATCH/out")"

run check --format=junit --fail-level=warning clean.sql warnings.sql
expect "junit: well-formed, a testcase per file, failures at or above the fail level" \
    "1 tests=2 failures=1 clean.sql:passes warnings.sql:fails" \
    "$rc $(python3 -c 'import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
print("tests=%s failures=%s" % (s.get("tests"), s.get("failures")), " ".join(
    c.get("name") + (":fails" if c.find("failure") is not None else ":passes") for c in s.findall("testcase")))' "$SCRATCH/out")"

run check --format=tap clean.sql warnings.sql findings.sql
expect "tap: a plan, a test per file, findings as diagnostics" \
"TAP version 13
1..3
ok 1 - clean.sql
ok 2 - warnings.sql
# warnings.sql:1: warning: json_not_jsonb: column \"body\" of table public.events is json, not jsonb
not ok 3 - findings.sql" "$(grep -v '^# findings' "$SCRATCH/out")"

# --- audit ----------------------------------------------------------------------
sg_psql -d postgres -c "CREATE DATABASE aud"
sg_psql -d aud -c "CREATE EXTENSION schema_guard" -c "SET schema_guard.mode = off" \
    -c "CREATE TABLE account (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)" \
    -c "CREATE TABLE entry (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL REFERENCES account)" \
    -c "CREATE SCHEMA tidy" \
    -c "CREATE TABLE tidy.item (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)" \
    -c "CREATE SCHEMA loose" -c "CREATE TABLE loose.keyless (name text NOT NULL)"
run audit -d aud --schema=public
expect "audit: an unindexed foreign key exits 1" 1 "$rc"
expect "audit: a table of level, rule, object and message" \
    "level  rule          object                                 message
error  fk_unindexed  entry_account_id_fkey on public.entry  foreign key \"entry_account_id_fkey\" of table public.entry has no index on its referencing columns" \
    "$(grep -v '^ ' "$SCRATCH/out" | head -n 2)"
run audit -d aud --schema=tidy
expect "audit: a clean schema exits 0" "0 0 error(s), 0 warning(s), 0 info (exempted findings not counted)" "$rc $out"
run audit -d aud -n tidy -n public --rule=columns
expect "audit: --rule limits the rules" 0 "$rc"
run audit -d aud --schema=loose
expect "audit: a warning only exits 0 at the default fail level" "0 missing_primary_key" \
    "$rc $(awk 'NR == 2 {print $2}' "$SCRATCH/out")"
run audit -d aud --schema=loose --fail-level=warning
expect "audit: ... and 1 with --fail-level=warning" 1 "$rc"
run audit -d aud --schema=nosuchschema
expect "audit: an error of the audit exits 2" 2 "$rc"
for fmt in sarif json; do
    run audit -d aud --schema=public --format=$fmt
    expect "audit: --format=$fmt prints audit_report()'s document, exit 1" "1 1" \
        "$rc $(python3 -c 'import json,sys; json.load(open(sys.argv[1])); print(1)' "$SCRATCH/out")"
done
run audit -d aud --schema=public --format=junit
expect "audit: --format=junit is XML" "1 ok" \
    "$rc $(python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1]); print("ok")' "$SCRATCH/out")"
run audit -d aud --schema=public --format=tap
expect "audit: --format=tap is TAP" "1 TAP version 13" "$rc $(head -n 1 "$SCRATCH/out")"
sg_psql -d aud -c "SELECT schema_guard.exempt('fk_unindexed', 'public.entry', 'reads by account go to the archive')" >/dev/null
run audit -d aud --schema=public
expect "audit: an exempted finding is shown and does not fail" "0 1" "$rc $(grep -c '(exempted)$' "$SCRATCH/out")"

# --- privilege ------------------------------------------------------------------
sg_psql -d cli -c "CREATE ROLE cli_user LOGIN" -c "GRANT CREATE ON SCHEMA public TO cli_user"
run check -U cli_user clean.sql
expect "a role that may not set schema_guard.mode: exit 2" 2 "$rc"
expect "... and it is told why" 1 "$(grep -c 'cannot set schema_guard.mode to warn' <<<"$err")"

# --- progress on a terminal -------------------------------------------------------
run check findings.sql
expect "no progress line when stderr is not a terminal" 0 "$(grep -c 'statement [0-9]*/[0-9]*' <<<"$err")"
script -qec "'$PGSG' check findings.sql >/dev/null" /dev/null >"$SCRATCH/tty" 2>&1 || true
expect "a progress line on a terminal" 1 "$(grep -c 'file 1/1 findings.sql: statement 5/5' "$SCRATCH/tty")"

# --- roundtrip ---------------------------------------------------------------------
# The migration directories of test/roundtrip (its README says what each
# holds), against a database whose table customer has rows and an identity.
sg_psql -d postgres -c "CREATE DATABASE rt"
sg_psql -d rt -c "CREATE EXTENSION schema_guard" -c "SET schema_guard.mode = off" -c "CREATE SCHEMA other" \
    -c "CREATE TABLE customer (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email text)" \
    -c "INSERT INTO customer (name, email) VALUES ('ann', 'ann@example.com'), ('bob', 'bob@example.com'), ('cy', NULL)"
[ -d "$SCRATCH/rt" ] && chmod -R u+rwX "$SCRATCH/rt"
rm -rf "$SCRATCH/rt"
mkdir "$SCRATCH/rt"
cd "$SCRATCH/rt"
cp -r "$SG_ROOT/test/roundtrip" rt
# The database as it is: schema_fingerprint() (every object, sequences'
# states included), the catalog's row counts and customer's rows.
rt_state() {
    sg_psql -d rt -Atc "SELECT md5(schema_guard.schema_fingerprint()::text),
        (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_attribute),
        (SELECT count(*) FROM pg_depend), (SELECT string_agg(c::text, ';' ORDER BY id) FROM customer c),
        (SELECT last_value || ' ' || is_called FROM customer_id_seq)"
}
rt_before=$(rt_state)
# The text report without details, and whether the database is as it was.
reported() { grep -v '^    ' "$SCRATCH/out" || true; }
untouched() { [ "$(rt_state)" = "$rt_before" ] && echo untouched || echo "changed: $(rt_state)"; }

run --help
expect "roundtrip: --help shows it, and its order" "1 1" \
    "$(grep -c '^  pg_schema_guard roundtrip' "$SCRATCH/out") $(grep -c 'in byte order of NAME' "$SCRATCH/out")"
while IFS='|' read -r args message; do
    # shellcheck disable=SC2086
    run $args
    expect "usage error exits 2 and says why: pg_schema_guard $args" "2 1" "$rc $(grep -cxF "pg_schema_guard: $message" <<<"$err")"
done <<'EOF'
roundtrip|roundtrip: no directory given
roundtrip rt/clean rt/lossy|roundtrip: one directory only, not "rt/lossy" too
roundtrip --commit rt/clean|roundtrip: --commit is for check
roundtrip --rule=columns rt/clean|roundtrip: --rule and --with-data are for audit
roundtrip --fill-rows=-1 rt/clean|invalid number of rows "-1": 0 or more
roundtrip --fill-rows=x rt/clean|invalid number of rows "x": 0 or more
check --fill-rows=10 clean.sql|check: --fill-rows and --seed-sql are for roundtrip
audit --seed-sql=clean.sql|audit: --fill-rows and --seed-sql are for roundtrip
check --schema=public clean.sql|check: --schema is for audit and roundtrip
EOF

# Directories it cannot take: exit 2, nothing run, a message that says why.
mkdir -p bad/mixed/001_a bad/none bad/orphan bad/unreadable/001_a
printf 'SELECT 1;\n' | tee bad/mixed/001_a/up.sql bad/mixed/002_b.up.sql bad/orphan/001_a.up.sql \
    bad/unreadable/001_a/up.sql >/dev/null
printf 'SELECT 1;\n' >bad/orphan/002_b.down.sql
printf 'no migration here\n' >bad/none/README.md
cp bad/unreadable/001_a/up.sql bad/unreadable/001_a/down.sql
chmod 000 bad/unreadable/001_a/down.sql
for case in "no-such-dir:cannot open directory rt/no-such-dir: No such file or directory" \
    "bad/mixed:bad/mixed mixes two layouts, 001_a/up.sql and 002_b.up.sql: keep one" \
    "bad/none:no migrations in bad/none: expected NAME/up.sql and NAME/down.sql, or NAME.up.sql and NAME.down.sql" \
    "bad/orphan:bad/orphan/002_b.down.sql has no up migration 002_b.up.sql" \
    "bad/unreadable:bad/unreadable/001_a/down.sql: could not open: Permission denied"; do
    dir=${case%%:*}
    [ "$dir" = no-such-dir ] && dir=rt/no-such-dir
    run roundtrip -d rt "$dir"
    expect "roundtrip $dir: exit 2, says why" "2 1 0" "$rc $(grep -cF "${case#*:}" <<<"$err") $(wc -c <"$SCRATCH/out")"
done
run roundtrip -h "$SCRATCH/no-such-socket-dir" rt/clean
expect "roundtrip: a connection error exits 2" "2 1" "$rc $(grep -c 'could not connect' <<<"$err")"
run roundtrip -d bare rt/clean
expect "roundtrip: a database without the extension exits 2" "2 1" "$rc $(grep -c 'not installed in database "bare"' <<<"$err")"

# Clean: every down undoes its up; 002 needs the table 001 creates, so it
# is round-tripped where 001 leaves the database.
run roundtrip -d rt rt/clean
expect "roundtrip clean: exit 0, nothing reported" \
    "0 2 migration(s) round-tripped: 0 error(s), 0 warning(s), 0 info" "$rc $out"
expect "roundtrip clean: the database is as it was" untouched "$(untouched)"

# Names decide the order, in bytes: 10_... before 9_...; the up of
# 10_item_price then fails (no table item yet), the history stops there and
# 9_item is not round-tripped.
mkdir -p order
cp -r rt/clean/001_item order/9_item
cp -r rt/clean/002_item_price order/10_item_price
run roundtrip -d rt order
expect "roundtrip: byte order of the names; an up that fails stops the history (exit 1)" \
"1 order/10_item_price/up.sql:2: error: roundtrip_up_failed: up failed: statement 1
order/9_item/up.sql:1: error: roundtrip_not_run: not round-tripped: the history stops at 10_item_price
2 migration(s) round-tripped: 2 error(s), 0 warning(s), 0 info" "$rc $(reported)"
# (the comment before the statement is part of it before PostgreSQL 18)
expect "roundtrip: ... the failure's detail is the server's error and the statement" "1 1" \
    "$(grep -c '^    detail: relation "item" does not exist (SQLSTATE 42P01) in: ' "$SCRATCH/out") $(
        grep -c 'ALTER TABLE item ADD COLUMN price numeric(10,2) NOT NULL DEFAULT 0$' "$SCRATCH/out")"
expect "roundtrip: ... and a note says that numbers do not sort as numbers" 1 \
    "$(grep -c '^pg_schema_guard: note: migrations run in byte order of their names: 10_item_price before 9_item$' <<<"$err")"
expect "roundtrip: ... the database is as it was" untouched "$(untouched)"

# Lossy: 001's down re-adds the column up dropped, empty; 002's down is
# empty (a comment), and its up inserts a row (the identity's sequence
# advances, and must be set back after the rollback).
run roundtrip -d rt rt/lossy
expect "roundtrip lossy: exit 1, every loss with its migration's down.sql" \
"1 rt/lossy/001_customer_email/down.sql:2: error: roundtrip_data: round trip set_to_null: column public.customer.email (2 row(s), e.g. {1,2})
rt/lossy/002_walk_in/down.sql:1: error: roundtrip_down_missing: down is empty: nothing undoes up
rt/lossy/002_walk_in/down.sql:1: error: roundtrip_schema: round trip extra: column public.customer.visits
rt/lossy/002_walk_in/down.sql:1: warning: roundtrip_sequence: round trip sequence_advanced: sequence public.customer_id_seq
rt/lossy/002_walk_in/down.sql:1: error: roundtrip_data: round trip rows_added: table public.customer (1 row(s), e.g. {4})
2 migration(s) round-tripped: 4 error(s), 1 warning(s), 0 info" "$rc $(reported)"
expect "roundtrip lossy: the database is as it was (its sequence too)" untouched "$(untouched)"
# A session-level advisory lock that up takes and never releases: the
# rollback does not release it; the round trip does, and says so (warning:
# exit 0 at the default fail level).
run roundtrip -d rt rt/lock
expect "roundtrip lock: the advisory lock up leaves held is a warning" \
"0 rt/lock/001_audit_log/down.sql:1: warning: roundtrip_session_lock: round trip released: advisory lock 4711 (taken 1 time(s))
1 migration(s) round-tripped: 0 error(s), 1 warning(s), 0 info" "$rc $(reported)"
expect "roundtrip lock: ... and the session that ran it holds no advisory lock" untouched "$(untouched)"
printf "INSERT INTO customer (name, email) VALUES ('dee', 'dee@example.com');\n" >seed.sql
run roundtrip -d rt --seed-sql=seed.sql rt/lossy
expect "roundtrip --seed-sql: its rows are round-tripped too" \
    "rt/lossy/001_customer_email/down.sql:2: error: roundtrip_data: round trip set_to_null: column public.customer.email (3 row(s), e.g. {1,2,4})" \
    "$(reported | head -n 1)"
expect "roundtrip --seed-sql: ... and rolled back" untouched "$(untouched)"
run roundtrip -d rt --schema=other rt/lossy
expect "roundtrip --schema: only that schema is compared" \
"rt/lossy/002_walk_in/down.sql:1: error: roundtrip_down_missing: down is empty: nothing undoes up
2 migration(s) round-tripped: 1 error(s), 0 warning(s), 0 info" "$(reported)"

# A seed that fails: nothing is compared, for every migration.
printf 'INSERT INTO customers (name) VALUES (1);\n' >badseed.sql
run roundtrip -d rt --seed-sql=badseed.sql rt/clean
expect "roundtrip --seed-sql that fails: an error at the seed's line, per migration" \
"1 badseed.sql:1: error: roundtrip_setup: seed failed: statement 1
badseed.sql:1: error: roundtrip_setup: seed failed: statement 1
2 migration(s) round-tripped: 2 error(s), 0 warning(s), 0 info" "$rc $(reported)"

# A role that is not a superuser: the guard's mode stays as configured
# (said on stderr), and a table it may not read is not compared (warning).
sg_psql -d rt -c "GRANT CREATE ON SCHEMA public TO cli_user"
run roundtrip -d rt -U cli_user rt/clean
expect "roundtrip as a role that may not set schema_guard.mode or read customer: exit 0, warnings" \
"0 rt/clean/001_item/down.sql:1: warning: roundtrip_setup: round trip skipped: table public.customer
rt/clean/002_item_price/down.sql:1: warning: roundtrip_setup: round trip skipped: table public.customer
2 migration(s) round-tripped: 0 error(s), 2 warning(s), 0 info" "$rc $(reported)"
expect "roundtrip: ... it says the guard judges what it applies" 1 \
    "$(grep -c '^pg_schema_guard: note: the guard judges the migrations applied, as configured: ERROR:  permission denied to set parameter "schema_guard.mode"' <<<"$err")"
sg_psql -d rt -c "REVOKE CREATE ON SCHEMA public FROM cli_user"
expect "roundtrip: ... the database is as it was" untouched "$(untouched)"

# File pairs: 0001 in BEGIN/COMMIT (the round trip's transaction stands for
# them), 0002 with CONCURRENTLY (applied without it), 0003 renames 0002's
# index and has no down; notes.txt is not a migration.
run roundtrip -d rt rt/files
expect "roundtrip files: exit 1; CONCURRENTLY is a note; no down is reported with what up left" \
"1 rt/files/0002_tag_name_idx.up.sql:1: info: roundtrip_not_concurrently: up ran_not_concurrently: statement 1
rt/files/0002_tag_name_idx.down.sql:1: info: roundtrip_not_concurrently: down ran_not_concurrently: statement 1
rt/files/0003_tag_color.up.sql:1: error: roundtrip_down_missing: there is no down migration: nothing undoes up
rt/files/0003_tag_color.up.sql:1: error: roundtrip_schema: round trip extra: column public.tag.color
rt/files/0003_tag_color.up.sql:1: error: roundtrip_schema: round trip renamed: index public.tag_name_idx
3 migration(s) round-tripped: 3 error(s), 0 warning(s), 2 info" "$rc $(reported)"
expect "roundtrip files: a missing down names the file expected" 1 \
    "$(grep -c '^    detail: rt/files/0003_tag_color.down.sql does not exist$' "$SCRATCH/out")"
expect "roundtrip files: the database is as it was" untouched "$(untouched)"

# Generated rows: 002's SET NOT NULL fails on the NULLs fill leaves, not on
# the database: a warning, and the history goes on.
run roundtrip -d rt rt/fill
expect "roundtrip fill: without rows, clean" "0 2 migration(s) round-tripped: 0 error(s), 0 warning(s), 0 info" "$rc $out"
run roundtrip -d rt --fill-rows=20 rt/fill
expect "roundtrip --fill-rows: up failing on the generated rows only is a warning (exit 0)" \
"0 rt/fill/002_label_required/up.sql:1: warning: roundtrip_up_failed: up failed on the seeded or filled rows only: statement 1
2 migration(s) round-tripped: 0 error(s), 1 warning(s), 0 info" "$rc $(reported)"
run roundtrip -d rt --fill-rows=20 --fail-level=warning rt/fill
expect "roundtrip --fill-rows --fail-level=warning: exit 1" 1 "$rc"
expect "roundtrip --fill-rows: the database is as it was" untouched "$(untouched)"

# A down that fails, at its statement's line; a down that does not parse,
# the migration's error at its line; a statement a round trip cannot run
# stops the run (exit 2), at its line.
mkdir -p broken/000_note broken/001_item broken/002_vacuum
printf 'CREATE TABLE note (id bigint PRIMARY KEY);\n' >broken/000_note/up.sql
printf 'SELECT 1;\nDROP TABLE notes;\n' >broken/000_note/down.sql
cp rt/clean/001_item/up.sql broken/001_item/
printf -- '-- drop it\nDROP TABLE item\n  CASCADE CASCADE;\n' >broken/001_item/down.sql
printf 'SELECT 1;\nVACUUM item;\n' >broken/002_vacuum/up.sql
printf 'SELECT 1;\n' >broken/002_vacuum/down.sql
run roundtrip -d rt broken
expect "roundtrip: a down that fails; a down that does not parse: migration_error at its line; a VACUUM: exit 2" \
"2 broken/000_note/down.sql:2: error: roundtrip_down_failed: down failed: statement 2
broken/001_item/down.sql:3: error: migration_error: syntax error at or near \"CASCADE\" in down" \
    "$rc $(reported | head -n 2)"
expect "roundtrip: ... the refused statement at its file and line" 1 \
    "$(grep -c '^pg_schema_guard: broken/002_vacuum/up.sql:2: roundtrip cannot run statement 2 of up' <<<"$err")"
expect "roundtrip: ... the database is as it was" untouched "$(untouched)"

# --- roundtrip: formats ----------------------------------------------------------
mkdir -p all
cp -r rt/lossy/001_customer_email order/10_item_price all/
run roundtrip -d rt --format=sarif all
expect "roundtrip sarif: results at the down.sql (its first statement), or the up.sql when up fails; rules described" \
"1 2.1.0
roundtrip_data error all/001_customer_email/down.sql 2 public.customer.email
roundtrip_up_failed error all/10_item_price/up.sql 2 -
rules ok" "$rc $(python3 - "$SCRATCH/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["version"])
run = d["runs"][0]
rules = run["tool"]["driver"]["rules"]
for r in run["results"]:
    loc = r["locations"][0]
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    phys = loc["physicalLocation"]
    print(r["ruleId"], r["level"], phys["artifactLocation"]["uri"],
          phys.get("region", {}).get("startLine", "-"),
          loc.get("logicalLocations", [{}])[0].get("fullyQualifiedName", "-"))
print("rules ok" if all(r["shortDescription"]["text"] != r["id"] for r in rules) else "rules without text")
EOF
)"
run roundtrip -d rt --format=json all
expect "roundtrip json: every finding names its migration and kind" \
"1 001_customer_email set_to_null roundtrip_data True
10_item_price failed roundtrip_up_failed True" \
    "$rc $(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["findings"]: print(f["migration"], f["kind"], f["rule"], f["failing"])' "$SCRATCH/out")"
run roundtrip -d rt --format=junit rt/files
expect "roundtrip junit: a testcase per migration, in order" \
    "1 roundtrip tests=3 failures=1 0001_tag:passes 0002_tag_name_idx:passes 0003_tag_color:fails" \
    "$rc $(python3 -c 'import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
print(s.get("name").split()[1], "tests=%s failures=%s" % (s.get("tests"), s.get("failures")), " ".join(
    c.get("name") + (":fails" if c.find("failure") is not None else ":passes") for c in s.findall("testcase")))' "$SCRATCH/out")"
run roundtrip -d rt --format=tap rt/clean
expect "roundtrip tap: a test per migration, in order" \
"0 TAP version 13
1..2
ok 1 - 001_item
ok 2 - 002_item_price" "$rc $out"
run roundtrip -d rt --format=tap --fail-level=info rt/files
expect "roundtrip tap: findings as diagnostics, --fail-level" \
"1 TAP version 13
1..3
ok 1 - 0001_tag
not ok 2 - 0002_tag_name_idx
# rt/files/0002_tag_name_idx.up.sql:1: info: roundtrip_not_concurrently: up ran_not_concurrently: statement 1" \
    "$rc $(head -n 5 "$SCRATCH/out")"
expect "roundtrip: after every format, the database is as it was" untouched "$(untouched)"
script -qec "'$PGSG' roundtrip -d rt rt/clean >/dev/null" /dev/null >"$SCRATCH/tty" 2>&1 || true
expect "roundtrip: a progress line on a terminal" 1 "$(grep -c 'migration 2/2 002_item_price' "$SCRATCH/tty")"

# --- a hostile search_path ----------------------------------------------------------
# A schema first in search_path (PGOPTIONS, ALTER ROLE ... SET) shadows what
# the CLI's own queries leave unqualified: its = on name and its domain named
# text would run its function as the CLI's role (once for check, five times
# for roundtrip).  The migrations themselves still run under that search_path
# (clean.sql's text is evil's domain then, which checks no row).
sg_psql -d rt -c "CREATE ROLE mallory" -c "CREATE SCHEMA evil AUTHORIZATION mallory" -c "SET ROLE mallory" \
    -c "CREATE FUNCTION evil.pwn(anyelement) RETURNS boolean LANGUAGE plpgsql AS \$\$BEGIN RAISE WARNING 'ran as %', current_user; RETURN true; END\$\$" \
    -c "CREATE FUNCTION evil.eq(name, name) RETURNS boolean LANGUAGE sql AS 'SELECT evil.pwn(\$1) AND \$1 OPERATOR(pg_catalog.=) \$2'" \
    -c "CREATE OPERATOR evil.= (FUNCTION = evil.eq, LEFTARG = name, RIGHTARG = name)" \
    -c "CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.pwn(VALUE))" \
    -c "CREATE DOMAIN evil.name AS pg_catalog.name CHECK (evil.pwn(VALUE))" >/dev/null
for args in "check -d rt $M/clean.sql" "audit -d rt" "audit -d rt --format=json" "roundtrip -d rt rt/clean"; do
    # shellcheck disable=SC2086
    run $args
    want=$rc
    rc=0
    # shellcheck disable=SC2086
    PGOPTIONS="-c search_path=evil,pg_catalog,public" "$PGSG" $args >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    expect "search_path=evil: pg_schema_guard ${args/$M\//} runs nothing of evil's, exits 0 as without it" \
        "0 0 0" "$want $rc $(grep -c 'ran as' "$SCRATCH/err")"
done

echo "$failures failure(s)"
[ "$failures" = 0 ]
