#!/usr/bin/env python3
"""Read back every document of schema_guard.audit_report() and compare it
with the rows of schema_guard.audit() it was made from (test/t_report_formats.sh).

Usage: compare.py DIR, where DIR holds audit.json (the rows, in audit()'s
order), report.sarif.json, report.json, report.xml and report.tap.json
(tap-parser's events).  Prints one "ok"/"not ok" line per check; exits 1 on
any failure.  The validators (ajv, xmllint, tap-parser, TAP::Parser) have
already accepted the documents: this checks that they say what audit() said.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

d = sys.argv[1]
rows = json.load(open(os.path.join(d, "audit.json")))
failures = 0


def check(name, got, expected):
    global failures
    if got == expected:
        print(f"ok - {name}")
    else:
        failures += 1
        print(f"not ok - {name}")
        print(f"#   got:      {got!r}")
        print(f"#   expected: {expected!r}")


SKIPPED = "audit_skipped"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
findings = [r for r in rows if r["rule"] != SKIPPED]
skipped = [r for r in rows if r["rule"] == SKIPPED]


def fails(r):
    return r["level"] == "error" and not r["exempted"] and r["rule"] != SKIPPED


# --- JSON: the rows themselves, evidence as an object
doc = json.load(open(os.path.join(d, "report.json")))
check("json: the findings are audit()'s rows, in its order, exactly", doc["findings"], rows)

# --- SARIF
sarif = json.load(open(os.path.join(d, "report.sarif.json")))
run = sarif["runs"][0]
rules = run["tool"]["driver"]["rules"]
results = run["results"]
check("sarif: a result per finding (relations not judged are not results)",
      len(results), len(findings))
check("sarif: ruleId, level (info as note) and the object's fully qualified name",
      [(x["ruleId"], x["level"], x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"])
       for x in results],
      [(r["rule"], LEVELS[r["level"]], r["object_identity"]) for r in findings])
check("sarif: ruleIndex points at the result's rule",
      [rules[x["ruleIndex"]]["id"] for x in results], [x["ruleId"] for x in results])
check("sarif: detail, fix and evidence in properties",
      [(x["properties"]["detail"], x["properties"]["fix"], x["properties"]["evidence"],
        x["properties"]["objectType"]) for x in results],
      [(r["detail"], r["fix"], r["evidence"], r["object_type"]) for r in findings])
check("sarif: the message starts with the finding's message and ends with its fix",
      [(x["message"]["text"].split("\n")[0] == r["message"].split("\n")[0],
        r["fix"] is None or x["message"]["text"].endswith("Fix: " + r["fix"]))
       for x, r in zip(results, findings)],
      [(True, True)] * len(findings))
check("sarif: exempted findings, and only they, carry an accepted suppression",
      [[s["status"] for s in x.get("suppressions", [])] for x in results],
      [["accepted"] if r["exempted"] else [] for r in findings])
check("sarif: every rule has an id, help text and a level",
      [bool(r["id"] and r["help"]["text"] and r["defaultConfiguration"]["level"]) for r in rules],
      [True] * len(rules))
notes = run["invocations"][0]["toolExecutionNotifications"]
check("sarif: relations not judged are notifications of the invocation",
      [(n["level"], n["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for n in notes],
      [(LEVELS[r["level"]], r["object_identity"]) for r in skipped])

# --- JUnit
root = ET.parse(os.path.join(d, "report.xml")).getroot()
cases = [(s.get("name"), c) for s in root.iter("testsuite") for c in s.iter("testcase")
         if c.get("name") != "no findings"]


def xml_safe(s):
    # XML 1.0 cannot carry these control characters at all
    return "".join("\ufffd" if ord(ch) < 0x20 and ch not in "\t\n\r" else ch for ch in s)


check("junit: a test case per finding, named by its object, in its rule's suite",
      sorted((suite, c.get("name")) for suite, c in cases),
      sorted((r["rule"], xml_safe(r["object_identity"])) for r in rows))
check("junit: failures are the error-level findings not exempted",
      sorted(c.get("name") for _, c in cases if c.find("failure") is not None),
      sorted(xml_safe(r["object_identity"]) for r in rows if fails(r)))
check("junit: exempted findings and relations not judged are skipped",
      sorted(c.get("name") for _, c in cases if c.find("skipped") is not None),
      sorted(xml_safe(r["object_identity"]) for r in rows if r["exempted"] or r["rule"] == SKIPPED))
check("junit: the counts of <testsuites> add up",
      (int(root.get("tests")), int(root.get("failures"))),
      (len(list(root.iter("testcase"))), len([r for r in rows if fails(r)])))
check("junit: a failure's text holds the fix",
      [r["fix"] is None or xml_safe(r["fix"]) in c.find("failure").text
       for _, c in cases for r in rows
       if fails(r) and xml_safe(r["object_identity"]) == c.get("name") and c.find("failure") is not None],
      [True] * len([r for r in rows if fails(r)]))

# --- TAP (tap-parser's events)
events = json.load(open(os.path.join(d, "report.tap.json")))
asserts = [e[1] for e in events if e[0] == "assert"]
plan = [e[1] for e in events if e[0] == "plan"][0]
complete = [e[1] for e in events if e[0] == "complete"][0]
check("tap: version 13, plan covers every test point",
      ([e[1] for e in events if e[0] == "version"], plan["end"]), ([13], len(asserts)))
check("tap: no parse errors",
      [f for f in complete.get("failures", []) if f.get("tapError")], [])
check("tap: not ok exactly for the error-level findings not exempted",
      sorted(a["diag"]["object_identity"] for a in asserts if not a["ok"]),
      sorted(r["object_identity"] for r in rows if fails(r)))
check("tap: skipped exactly for the exempted findings and relations not judged",
      sorted(a["diag"]["object_identity"] for a in asserts if a["skip"]),
      sorted(r["object_identity"] for r in rows if r["exempted"] or r["rule"] == SKIPPED))
diags = [a["diag"] for a in asserts if "diag" in a and a["diag"]]
check("tap: the YAML diagnostics are the rows, exactly",
      [{k: v for k, v in x.items() if k != "evidence"} for x in diags],
      [{k: v for k, v in r.items() if k != "evidence"} for r in rows])
check("tap: evidence reads back as the audit's",
      [None if x["evidence"] is None else json.loads(x["evidence"]) for x in diags],
      [r["evidence"] for r in rows])

sys.exit(1 if failures else 0)
