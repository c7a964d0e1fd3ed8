#!/bin/bash
# test/t_cli_formats.sh: every document pg_schema_guard writes is validated
# by a real validator against its published schema or grammar, as
# test/t_report_formats.sh validates audit_report()'s (the validators, pinned,
# come from test/formats/validators.sh):
#
#   check --format=sarif  ajv against the SARIF 2.1.0 schema
#   check --format=json   ajv against test/formats/cli.schema.json (the
#                         format of the manual, section pg_schema_guard)
#   check --format=junit  xmllint --schema against Jenkins' junit-4.xsd
#   check --format=tap    tap-parser --strict and TAP::Parser (prove's)
#   roundtrip --format=...  the same as check's (test/roundtrip/lossy)
#   audit --format=...    the same validators: sarif, json (against
#                         test/formats/report.schema.json: it prints
#                         audit_report()'s document), junit, tap
#
# The files checked have findings of both levels, at a statement and at
# commit, a failing statement, a clean file, a file whose name needs escaping
# in a URI and in TAP (space, #), and object names full of what the formats
# must escape: " ' < > & ]]> # \ newline, tab, a control character, UTF-8.
# The documents are then read back: each says what the JSON one says.
# Each validator is shown to reject a broken document of the CLI too.
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_cli_formats.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_cli_formats "$@"

failures=0
. test/formats/validators.sh

# The installed binary: staged under DESTDIR for Debian's server, in the
# server's (copied) bindir otherwise.
if [ -z "$SG_SERVER" ]; then
    PGSG=$SG_STAGE$("$PG_CONFIG" --bindir)/pg_schema_guard
else
    PGSG=$SG_BINDIR/pg_schema_guard
fi

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/server.log"
sg_psql -d postgres -c "CREATE DATABASE cli"
sg_psql -d cli >/dev/null <<'SQL'
CREATE EXTENSION schema_guard;
SET schema_guard.mode = off;
CREATE TABLE customer (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
-- for the audit: an unindexed foreign key, exempted; a warning; names to escape
CREATE TABLE "we<ird & ""q"" ]]> 'x' #1 \ é 😀" (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT "fk <&> ""q""" REFERENCES customer,
    "at <&>" timestamp NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customer);
SELECT schema_guard.exempt('fk_unindexed', 'orders_customer_id_fkey on public.orders', 'small table, read by id');
SQL
export PGHOST=$SG_PGHOST PGPORT=$SG_PGPORT PGUSER=postgres PGDATABASE=cli PGCLIENTENCODING=UTF8

M=$SCRATCH/m
OUT=$SCRATCH/out
mkdir -p "$M/sub dir" "$OUT"
cd "$M"
cat >clean.sql <<'EOF'
CREATE TABLE product (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
EOF
cat >findings.sql <<'EOF'
-- names full of what the formats escape
CREATE TABLE "tab<&>le ""q"" ]]> 'x' #1 \ é 😀" (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer,
    "note
	line" text,
    U&"ctl\0001col" json NULL
);
CREATE INDEX "idx #1 <&>" ON customer (name);
EOF
cat >"sub dir/w#1 <&>.sql" <<'EOF'
CREATE TABLE events (id bigint PRIMARY KEY, body json NOT NULL);
EOF
cat >fails.sql <<'EOF'
CREATE TABLE before_failure (id bigint PRIMARY KEY);
SELECT "no <&> such # column";
EOF
FILES=(clean.sql findings.sql "sub dir/w#1 <&>.sql" fails.sql)

# run NAME ARGS...: the document in $OUT/NAME, the exit status checked (1:
# findings at or above the fail level).
run() {
    local name=$1 rc=0
    shift
    "$PGSG" "$@" >"$OUT/$name" 2>"$OUT/$name.err" || rc=$?
    check "$name: exit status 1" "$rc" 1
}
run check.json check --format=json "${FILES[@]}"
run check.sarif.json check --format=sarif "${FILES[@]}"
run check.xml check --format=junit "${FILES[@]}"
run check.tap check --format=tap "${FILES[@]}"
run check-warning.xml check --format=junit --fail-level=warning "${FILES[@]}"
run check-warning.tap check --format=tap --fail-level=warning "${FILES[@]}"
# roundtrip, on test/roundtrip/lossy (test/t_cli.sh says what it reports)
sg_psql -d postgres -c "CREATE DATABASE rt"
sg_psql -d rt -c "CREATE EXTENSION schema_guard" -c "SET schema_guard.mode = off" \
    -c "CREATE TABLE customer (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email text)" \
    -c "INSERT INTO customer (name, email) VALUES ('ann', 'ann@example.com'), ('bob', NULL)"
for fmt in json:roundtrip.json sarif:roundtrip.sarif.json junit:roundtrip.xml tap:roundtrip.tap; do
    run "${fmt#*:}" roundtrip -d rt --format="${fmt%%:*}" "$SG_ROOT/test/roundtrip/lossy"
done
run audit.json audit --format=json
run audit.sarif.json audit --format=sarif
run audit.xml audit --format=junit
run audit.tap audit --format=tap
# Nothing found: the documents are still valid.
"$PGSG" check --format=json clean.sql >"$OUT/clean.json"
"$PGSG" check --format=sarif clean.sql >"$OUT/clean.sarif.json"
"$PGSG" check --format=junit clean.sql >"$OUT/clean.xml"
"$PGSG" check --format=tap clean.sql >"$OUT/clean.tap"

kinds=$(python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
print(" ".join(sorted({x["level"] + ("/commit" if x["at_commit"] else "") for x in f}
                      | {x["rule"] for x in f if x["rule"] == "migration_error"}
                      | {"newline" for x in f if "\n" in (x["object_identity"] or "")}
                      | {"control" for x in f if "\x01" in (x["object_identity"] or "")})))' "$OUT/check.json")
check "the findings have both levels, at a statement and at commit, a failure and names to escape (the test means something)" \
    "$kinds" "control error error/commit migration_error newline warning"

# --- Validation
for doc in check clean; do
    passes "$doc: sarif valid against the SARIF 2.1.0 schema (ajv)" \
        "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$OUT/$doc.sarif.json"
    passes "$doc: json valid against test/formats/cli.schema.json (ajv)" \
        "${AJV[@]}" -s "$SG_ROOT/test/formats/cli.schema.json" -d "$OUT/$doc.json"
    passes "$doc: junit valid against Jenkins' JUnit XSD (xmllint)" \
        xmllint --noout --schema "$V/jenkins-junit.xsd" "$OUT/$doc.xml"
    passes "$doc: tap-parser --strict reads the TAP without an error" tap_parser_js "$OUT/$doc.tap"
    passes "$doc: TAP::Parser reads the TAP without an error, plan met" tap_parser_pl "$OUT/$doc.tap"
done
passes "roundtrip: sarif valid against the SARIF 2.1.0 schema (ajv)" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$OUT/roundtrip.sarif.json"
passes "roundtrip: json valid against test/formats/cli.schema.json (ajv)" \
    "${AJV[@]}" -s "$SG_ROOT/test/formats/cli.schema.json" -d "$OUT/roundtrip.json"
passes "roundtrip: junit valid against Jenkins' JUnit XSD (xmllint)" \
    xmllint --noout --schema "$V/jenkins-junit.xsd" "$OUT/roundtrip.xml"
passes "roundtrip: tap-parser --strict reads the TAP without an error" tap_parser_js "$OUT/roundtrip.tap"
passes "roundtrip: TAP::Parser reads the TAP without an error, plan met" tap_parser_pl "$OUT/roundtrip.tap"
check "roundtrip: its JSON findings have a migration and a kind (the schema's case)" \
    "$(python3 -c 'import json,sys; print(all("migration" in f and "kind" in f for f in json.load(open(sys.argv[1]))["findings"]))' "$OUT/roundtrip.json")" True
passes "check --fail-level=warning: junit valid" \
    xmllint --noout --schema "$V/jenkins-junit.xsd" "$OUT/check-warning.xml"
passes "check --fail-level=warning: tap-parser reads the TAP" tap_parser_js "$OUT/check-warning.tap"
passes "check --fail-level=warning: TAP::Parser reads the TAP" tap_parser_pl "$OUT/check-warning.tap"
passes "audit: sarif valid against the SARIF 2.1.0 schema (ajv)" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$OUT/audit.sarif.json"
passes "audit: json valid against test/formats/report.schema.json (ajv)" \
    "${AJV[@]}" -s "$SG_ROOT/test/formats/report.schema.json" -d "$OUT/audit.json"
passes "audit: junit valid against Jenkins' JUnit XSD (xmllint)" \
    xmllint --noout --schema "$V/jenkins-junit.xsd" "$OUT/audit.xml"
passes "audit: tap-parser --strict reads the TAP without an error" tap_parser_js "$OUT/audit.tap"
passes "audit: TAP::Parser reads the TAP without an error, plan met" tap_parser_pl "$OUT/audit.tap"

# --- Read back: every document says what the JSON one says
passes "check: SARIF, JUnit and TAP say what the JSON says" python3 - "$OUT" <<'EOF'
import json, re, sys, xml.etree.ElementTree as ET
from urllib.parse import unquote
out = sys.argv[1]
findings = json.load(open(out + "/check.json"))["findings"]
want = [(f["rule"], f["file"], f["line"]) for f in findings]
run = json.load(open(out + "/check.sarif.json"))["runs"][0]
rules = run["tool"]["driver"]["rules"]
got = [(r["ruleId"], unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
        r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]]
assert got == want, ("sarif", got, want)
assert [rules[r["ruleIndex"]]["id"] for r in run["results"]] == [r["ruleId"] for r in run["results"]]
assert [r["level"] for r in run["results"]] == [f["level"] for f in findings]
assert [r["properties"]["atCommit"] for r in run["results"]] == [f["at_commit"] for f in findings]
files = ["clean.sql", "findings.sql", "sub dir/w#1 <&>.sql", "fails.sql"]
failing = {f["file"] for f in findings if f["failing"]}
suite = ET.parse(out + "/check.xml").getroot().find("testsuite")
cases = [(c.get("name"), c.find("failure") is not None) for c in suite.findall("testcase")]
assert cases == [(f, f in failing) for f in files], ("junit", cases)
assert (suite.get("tests"), suite.get("failures")) == (str(len(files)), str(len(failing)))
# TAP: a test per file, in order, "not ok" when it fails, with '#' and '\'
# escaped in its description, and a diagnostic line per finding.
tap = open(out + "/check.tap").read().split("\n")
points = [l for l in tap if re.match(r"(not )?ok ", l)]
esc = lambda s: s.replace("\\", "\\\\").replace("#", "\\#")
assert points == ["%s %d - %s" % ("not ok" if f in failing else "ok", i + 1, esc(f))
                  for i, f in enumerate(files)], ("tap", points)
diags = [l for l in tap if re.match(r"# .*: (error|warning|info): [a-z_]+: ", l)]
assert len(diags) == len(findings), ("tap diagnostics", tap)
assert all(re.match(r"(TAP version 13|1\.\.\d+|(not )?ok \d+ - .*|# .*|)$", l) for l in tap), ("tap lines", tap)
EOF
check "audit: the JSON is audit_report()'s" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["tool"], len(d["findings"]) > 0)' "$OUT/audit.json")" \
    "schema_guard True"

# --- The validators reject broken documents of the CLI
BAD=$SCRATCH/bad
mkdir -p "$BAD"
sed 's/"failing": true/"failing": "yes"/' "$OUT/check.json" >"$BAD/failing.json"
fails "ajv rejects a CLI finding whose failing is a string" \
    "${AJV[@]}" -s "$SG_ROOT/test/formats/cli.schema.json" -d "$BAD/failing.json"
sed '0,/"at_commit"/s//"atCommit"/' "$OUT/check.json" >"$BAD/key.json"
fails "ajv rejects a CLI finding with another member" \
    "${AJV[@]}" -s "$SG_ROOT/test/formats/cli.schema.json" -d "$BAD/key.json"
sed '0,/"line": [0-9]*/s//"line": 0/' "$OUT/check.json" >"$BAD/line.json"
fails "ajv rejects a CLI finding at line 0" \
    "${AJV[@]}" -s "$SG_ROOT/test/formats/cli.schema.json" -d "$BAD/line.json"
sed '0,/"startLine": [0-9]*/s//"startLine": 0/' "$OUT/check.sarif.json" >"$BAD/region.json"
fails "ajv rejects a SARIF region at line 0" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$BAD/region.json"
sed 's/&amp;/\&/' "$OUT/check.xml" >"$BAD/amp.xml"
fails "xmllint rejects a raw & in the CLI's JUnit" xmllint --noout --schema "$V/jenkins-junit.xsd" "$BAD/amp.xml"
sed '0,/^not ok/s//nok/' "$OUT/check.tap" >"$BAD/point.tap"
fails "TAP::Parser rejects a CLI TAP whose plan is not met" tap_parser_pl "$BAD/point.tap"
sed '0,/^# /s//#/; 0,/^ok/s//ok/; 3s/^/  ---\n  a: [\n/' "$OUT/check.tap" >"$BAD/yaml.tap"
fails "tap-parser rejects a CLI TAP with a broken YAML block" tap_parser_js "$BAD/yaml.tap"

if [ "$failures" -gt 0 ]; then
    echo "t_cli_formats: $failures check(s) failed (documents in $OUT)"
    exit 1
fi
echo "t_cli_formats: all checks passed"
