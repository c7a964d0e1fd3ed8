/*-------------------------------------------------------------------------
 *
 * audit_report.c
 *		The audit's findings where CI reads them: audit_report() renders
 *		schema_guard.audit() as one SARIF 2.1.0, JSON, JUnit XML or TAP
 *		document, and assert_clean() turns them into one error.
 *
 * Both read the audit through SQL, as the caller, so that a report shows
 * exactly the rows audit() returns to that role.  Every string is escaped
 * by PostgreSQL's own encoders: escape_json() for JSON, and for TAP's YAML
 * values (a JSON string is a YAML double-quoted scalar), escape_xml() for
 * XML.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/xml.h"

PG_FUNCTION_INFO_V1(sg_audit_report);
PG_FUNCTION_INFO_V1(sg_assert_clean);

/* The pseudo-rule of relations the audit could not judge. */
#define SG_AUDIT_SKIPPED "audit_skipped"

/* One row of audit(). */
typedef struct ReportFinding
{
	char	   *rule;
	char	   *level;
	char	   *object_type;
	char	   *object_identity;
	char	   *message;
	char	   *detail;
	char	   *fix;
	bool		exempted;
	char	   *evidence;		/* JSON text, or NULL */
} ReportFinding;

/* One rule of rules(), as this audit ran it. */
typedef struct ReportRule
{
	char	   *rule;
	char	   *family;
	char	   *description;
	char	   *level;			/* its setting: error, warning, info, off */
	bool		ran;			/* the audit judged it (audit moment, not off,
								 * selected by the rules argument) */
} ReportRule;

typedef struct Report
{
	ReportFinding *findings;
	int			nfindings;
	ReportRule *rules;
	int			nrules;
} Report;

/* audit()'s arguments, passed through as the caller gave them. */
typedef struct AuditArgs
{
	Datum		values[4];		/* schemas, rules, min_level, with_data */
	char		nulls[4];
} AuditArgs;

static char *
row_value(SPITupleTable *tuptable, uint64 row, int col, MemoryContext cxt)
{
	char	   *value = SPI_getvalue(tuptable->vals[row], tuptable->tupdesc, col);

	return value ? MemoryContextStrdup(cxt, value) : NULL;
}

/*
 * Run audit() with the caller's arguments and read rules(), into the
 * caller's memory context.
 */
static void
report_fetch(const AuditArgs *args, bool with_rules, Report *report)
{
	static const Oid argtypes[4] = {NAMEARRAYOID, TEXTARRAYOID, TEXTOID, BOOLOID};
	MemoryContext cxt = CurrentMemoryContext;
	SgSpi		spi;
	int			ret;

	memset(report, 0, sizeof(Report));
	sg_spi_connect(&spi, false);
	ret = SPI_execute_with_args("SELECT f.rule, f.level, f.object_type, f.object_identity, "
								"f.message, f.detail, f.fix, f.exempted, "
								"f.evidence::pg_catalog.text "
								"FROM schema_guard.audit($1, $2, $3, $4) f",
								4, (Oid *) argtypes, (Datum *) args->values,
								args->nulls, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not run schema_guard.audit(): %s",
			 SPI_result_code_string(ret));
	report->nfindings = (int) SPI_processed;
	report->findings = MemoryContextAllocZero(cxt, sizeof(ReportFinding) * (report->nfindings + 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		ReportFinding *f = &report->findings[i];
		char	   *exempted;

		CHECK_FOR_INTERRUPTS();
		f->rule = row_value(SPI_tuptable, i, 1, cxt);
		f->level = row_value(SPI_tuptable, i, 2, cxt);
		f->object_type = row_value(SPI_tuptable, i, 3, cxt);
		f->object_identity = row_value(SPI_tuptable, i, 4, cxt);
		f->message = row_value(SPI_tuptable, i, 5, cxt);
		f->detail = row_value(SPI_tuptable, i, 6, cxt);
		f->fix = row_value(SPI_tuptable, i, 7, cxt);
		exempted = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 8);
		f->exempted = exempted != NULL && strcmp(exempted, "t") == 0;
		f->evidence = row_value(SPI_tuptable, i, 9, cxt);
		if (f->rule == NULL || f->level == NULL)
			elog(ERROR, "schema_guard.audit() returned a row without rule or level");
	}

	if (with_rules)
	{
		/*
		 * The rules the audit ran, as audit() selects them: those with an
		 * audit moment, not off, named (or their family) by the rules
		 * argument when there is one.
		 */
		ret = SPI_execute_with_args("SELECT r.rule, r.family, r.description, "
									"pg_catalog.current_setting('schema_guard.' OPERATOR(pg_catalog.||) r.rule, true), "
									"'audit' OPERATOR(pg_catalog.=) ANY (r.moments) "
									"AND pg_catalog.current_setting('schema_guard.' OPERATOR(pg_catalog.||) r.rule, true) "
									"OPERATOR(pg_catalog.<>) 'off' "
									"AND ($1 IS NULL OR r.rule OPERATOR(pg_catalog.=) ANY ($1) "
									"OR r.family OPERATOR(pg_catalog.=) ANY ($1)) "
									"FROM schema_guard.rules() r ORDER BY r.rule COLLATE \"C\"",
									1, (Oid *) &argtypes[1], (Datum *) &args->values[1],
									&args->nulls[1], false, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not run schema_guard.rules(): %s",
				 SPI_result_code_string(ret));
		report->nrules = (int) SPI_processed;
		report->rules = MemoryContextAllocZero(cxt, sizeof(ReportRule) * (report->nrules + 1));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			ReportRule *r = &report->rules[i];
			char	   *ran = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 5);

			r->rule = row_value(SPI_tuptable, i, 1, cxt);
			r->family = row_value(SPI_tuptable, i, 2, cxt);
			r->description = row_value(SPI_tuptable, i, 3, cxt);
			r->level = row_value(SPI_tuptable, i, 4, cxt);
			r->ran = ran != NULL && strcmp(ran, "t") == 0;
		}
	}
	sg_spi_finish(&spi);
}

/* A finding that fails a CI check: at error level and not exempted. */
static bool
finding_fails(const ReportFinding *f)
{
	return !f->exempted && strcmp(f->level, "error") == 0 &&
		strcmp(f->rule, SG_AUDIT_SKIPPED) != 0;
}

static bool
finding_skipped(const ReportFinding *f)
{
	return strcmp(f->rule, SG_AUDIT_SKIPPED) == 0;
}

/* SARIF's level for ours: error, warning, note (info) or none (off). */
static const char *
sarif_level(const char *level)
{
	if (level == NULL)
		return "none";
	if (strcmp(level, "error") == 0 || strcmp(level, "warning") == 0)
		return level;
	if (strcmp(level, "info") == 0)
		return "note";
	return "none";
}

/*
 * SARIF's kind of a logical location: a namespace for a schema, a module
 * for the database, a type for a relation, a member for what belongs to
 * one (column, index, constraint, path).
 */
static const char *
sarif_kind(const char *object_type)
{
	if (object_type == NULL)
		return "member";
	if (strcmp(object_type, "schema") == 0)
		return "namespace";
	if (strcmp(object_type, "database") == 0)
		return "module";
	if (strcmp(object_type, "table") == 0 || strcmp(object_type, "partitioned table") == 0 ||
		strcmp(object_type, "view") == 0 || strcmp(object_type, "materialized view") == 0 ||
		strcmp(object_type, "foreign table") == 0 || strcmp(object_type, "sequence") == 0)
		return "type";
	return "member";
}

/* A JSON string, or null. */
static void
json_str(StringInfo buf, const char *value)
{
	if (value == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, value);
}

/* "key": "value", at an indentation, with a comma before unless first. */
static void
json_member(StringInfo buf, int indent, bool first, const char *key, const char *value)
{
	appendStringInfo(buf, "%s\n%*s", first ? "" : ",", indent, "");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	json_str(buf, value);
}

/* "key": raw JSON (a number, a boolean, an object our audit produced). */
static void
json_member_raw(StringInfo buf, int indent, bool first, const char *key, const char *raw)
{
	appendStringInfo(buf, "%s\n%*s", first ? "" : ",", indent, "");
	escape_json(buf, key);
	appendStringInfo(buf, ": %s", raw ? raw : "null");
}

/* The text a person reads first: the message, then the evidence and the fix. */
static char *
finding_text(const ReportFinding *f)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, f->message ? f->message : f->rule);
	if (f->detail)
		appendStringInfo(&buf, "\nDetail: %s", f->detail);
	if (f->fix)
		appendStringInfo(&buf, "\nFix: %s", f->fix);
	return buf.data;
}

/* A location naming the object: SARIF's logical location. */
static void
sarif_locations(StringInfo buf, int indent, const ReportFinding *f)
{
	appendStringInfo(buf, ",\n%*s\"locations\": [\n%*s{\n%*s\"logicalLocations\": [\n%*s{",
					 indent, "", indent + 2, "", indent + 4, "", indent + 6, "");
	json_member(buf, indent + 8, true, "fullyQualifiedName", f->object_identity);
	json_member(buf, indent + 8, false, "kind", sarif_kind(f->object_type));
	appendStringInfo(buf, "\n%*s}\n%*s]\n%*s}\n%*s]",
					 indent + 6, "", indent + 4, "", indent + 2, "", indent, "");
}

static void
sarif_properties(StringInfo buf, int indent, const ReportFinding *f)
{
	appendStringInfo(buf, ",\n%*s\"properties\": {", indent, "");
	json_member(buf, indent + 2, true, "objectType", f->object_type);
	json_member(buf, indent + 2, false, "detail", f->detail);
	json_member(buf, indent + 2, false, "fix", f->fix);
	json_member_raw(buf, indent + 2, false, "evidence", f->evidence);
	appendStringInfo(buf, "\n%*s}", indent, "");
}

/* Index of a rule in report->rules (the SARIF driver's rules), or -1. */
static int
rule_index(Report *report, const char *rule)
{
	for (int i = 0; i < report->nrules; i++)
		if (strcmp(report->rules[i].rule, rule) == 0)
			return i;
	return -1;
}

/*
 * SARIF 2.1.0: one run whose driver lists every rule of the registry (help
 * text, configured level, family), a result per finding with its logical
 * location, and the relations the audit could not judge as notifications
 * of the invocation.  SARIF's fixes need an artifact to change, which a
 * database object is not: the fix is in the message and in properties.
 */
static void
render_sarif(StringInfo buf, Report *report)
{
	bool		first;

	appendStringInfoString(buf, "{");
	json_member(buf, 2, true, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	json_member(buf, 2, false, "version", "2.1.0");
	appendStringInfoString(buf, ",\n  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": {");
	json_member(buf, 10, true, "name", "schema_guard");
	json_member(buf, 10, false, "version", SG_VERSION);
	appendStringInfoString(buf, ",\n          \"rules\": [");
	for (int i = 0; i < report->nrules; i++)
	{
		ReportRule *r = &report->rules[i];
		char	   *help;

		help = psprintf("%s\n\nEach result of this rule carries, in its fix property and at the end of its message, "
						"the SQL that resolves it; a finding accepted as it is can be exempted with a reason "
						"(schema_guard.exempt()). The schema_guard manual describes the rule in its section \"%s\".",
						r->description ? r->description : r->rule, r->rule);
		appendStringInfo(buf, "%s\n            {", i == 0 ? "" : ",");
		json_member(buf, 14, true, "id", r->rule);
		json_member(buf, 14, false, "name", r->rule);
		appendStringInfoString(buf, ",\n              \"shortDescription\": {");
		json_member(buf, 16, true, "text", r->description ? r->description : r->rule);
		appendStringInfoString(buf, "\n              },\n              \"help\": {");
		json_member(buf, 16, true, "text", help);
		appendStringInfoString(buf, "\n              },\n              \"defaultConfiguration\": {");
		json_member_raw(buf, 16, true, "enabled",
						r->level != NULL && strcmp(r->level, "off") != 0 ? "true" : "false");
		json_member(buf, 16, false, "level", sarif_level(r->level));
		appendStringInfoString(buf, "\n              },\n              \"properties\": {");
		json_member(buf, 16, true, "family", r->family);
		appendStringInfoString(buf, ",\n                \"tags\": [");
		json_str(buf, r->family);
		appendStringInfoString(buf, "]\n              }\n            }");
	}
	appendStringInfoString(buf, "\n          ]\n        }\n      },\n");

	/* The audit ran; what it could not judge is said by notifications. */
	appendStringInfoString(buf, "      \"invocations\": [\n        {\n"
						   "          \"executionSuccessful\": true,\n"
						   "          \"toolExecutionNotifications\": [");
	first = true;
	for (int i = 0; i < report->nfindings; i++)
	{
		ReportFinding *f = &report->findings[i];

		if (!finding_skipped(f))
			continue;
		appendStringInfo(buf, "%s\n            {", first ? "" : ",");
		json_member(buf, 14, true, "level", sarif_level(f->level));
		appendStringInfoString(buf, ",\n              \"message\": {");
		json_member(buf, 16, true, "text", finding_text(f));
		appendStringInfoString(buf, "\n              }");
		sarif_locations(buf, 14, f);
		sarif_properties(buf, 14, f);
		appendStringInfoString(buf, "\n            }");
		first = false;
	}
	appendStringInfoString(buf, first ? "]\n        }\n      ],\n" : "\n          ]\n        }\n      ],\n");

	appendStringInfoString(buf, "      \"results\": [");
	first = true;
	for (int i = 0; i < report->nfindings; i++)
	{
		ReportFinding *f = &report->findings[i];
		int			idx;

		if (finding_skipped(f))
			continue;
		appendStringInfo(buf, "%s\n        {", first ? "" : ",");
		json_member(buf, 10, true, "ruleId", f->rule);
		idx = rule_index(report, f->rule);
		if (idx >= 0)
			appendStringInfo(buf, ",\n          \"ruleIndex\": %d", idx);
		json_member(buf, 10, false, "level", sarif_level(f->level));
		appendStringInfoString(buf, ",\n          \"message\": {");
		json_member(buf, 12, true, "text", finding_text(f));
		appendStringInfoString(buf, "\n          }");
		sarif_locations(buf, 10, f);

		/*
		 * The same finding on the same object across runs, for code
		 * scanning's alert tracking (it has no line to hash).
		 */
		appendStringInfoString(buf, ",\n          \"partialFingerprints\": {");
		json_member(buf, 12, true, "schemaGuardFinding/v1",
					psprintf("%s:%s", f->rule, f->object_identity ? f->object_identity : ""));
		appendStringInfoString(buf, "\n          }");
		if (f->exempted)
		{
			appendStringInfoString(buf, ",\n          \"suppressions\": [\n            {");
			json_member(buf, 14, true, "kind", "external");
			json_member(buf, 14, false, "status", "accepted");
			json_member(buf, 14, false, "justification",
						"exempted with schema_guard.exempt(): the reason is in schema_guard.exemptions");
			appendStringInfoString(buf, "\n            }\n          ]");
		}
		sarif_properties(buf, 10, f);
		appendStringInfoString(buf, "\n        }");
		first = false;
	}
	appendStringInfoString(buf, first ? "]\n    }\n  ]\n}\n" : "\n      ]\n    }\n  ]\n}\n");
}

/* JSON: the rows of audit() as objects, evidence as the object it is. */
static void
render_json(StringInfo buf, Report *report)
{
	appendStringInfoString(buf, "{");
	json_member(buf, 2, true, "tool", "schema_guard");
	json_member(buf, 2, false, "version", SG_VERSION);
	appendStringInfoString(buf, ",\n  \"findings\": [");
	for (int i = 0; i < report->nfindings; i++)
	{
		ReportFinding *f = &report->findings[i];

		appendStringInfo(buf, "%s\n    {", i == 0 ? "" : ",");
		json_member(buf, 6, true, "rule", f->rule);
		json_member(buf, 6, false, "level", f->level);
		json_member(buf, 6, false, "object_type", f->object_type);
		json_member(buf, 6, false, "object_identity", f->object_identity);
		json_member(buf, 6, false, "message", f->message);
		json_member(buf, 6, false, "detail", f->detail);
		json_member(buf, 6, false, "fix", f->fix);
		json_member_raw(buf, 6, false, "exempted", f->exempted ? "true" : "false");
		json_member_raw(buf, 6, false, "evidence", f->evidence);
		appendStringInfoString(buf, "\n    }");
	}
	appendStringInfoString(buf, report->nfindings > 0 ? "\n  ]\n}\n" : "]\n}\n");
}

/*
 * Text for XML: escape_xml() for markup, and what XML 1.0 cannot carry at
 * all, not even as a character reference (control characters other than
 * tab, newline and carriage return), as U+FFFD in UTF-8 and '?' in any
 * other encoding.  In an attribute value also the quote, which
 * escape_xml() leaves (it escapes text content), and tab and newline,
 * which a parser would normalize to spaces: as character references.
 */
static void
xml_escaped(StringInfo buf, const char *value, bool attribute)
{
	const char *replacement = GetDatabaseEncoding() == PG_UTF8 ? "\xEF\xBF\xBD" : "?";

	for (const char *p = escape_xml(value ? value : ""); *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (attribute && c == '"')
			appendStringInfoString(buf, "&quot;");
		else if (attribute && (c == '\t' || c == '\n'))
			appendStringInfo(buf, "&#%d;", c);
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			appendStringInfoString(buf, replacement);
		else
			appendStringInfoChar(buf, *p);
	}
}

static void
xml_text(StringInfo buf, const char *value)
{
	xml_escaped(buf, value, false);
}

/* name="value" */
static void
xml_attr(StringInfo buf, const char *name, const char *value)
{
	appendStringInfo(buf, " %s=\"", name);
	xml_escaped(buf, value, true);
	appendStringInfoChar(buf, '"');
}

static void
junit_suite(StringInfo buf, Report *report, const char *rule, int *alltests,
			int *allfailures)
{
	int			tests = 0;
	int			failures = 0;
	int			skipped = 0;
	char	   *classname = psprintf("schema_guard.%s", rule);

	for (int i = 0; i < report->nfindings; i++)
	{
		ReportFinding *f = &report->findings[i];

		if (strcmp(f->rule, rule) != 0)
			continue;
		tests++;
		if (finding_fails(f))
			failures++;
		else if (f->exempted || finding_skipped(f))
			skipped++;
	}

	appendStringInfoString(buf, "  <testsuite");
	xml_attr(buf, "name", rule);
	appendStringInfo(buf, " tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n",
					 Max(tests, 1), failures, skipped);
	*alltests += Max(tests, 1);
	*allfailures += failures;
	if (tests == 0)
	{
		appendStringInfoString(buf, "    <testcase");
		xml_attr(buf, "classname", classname);
		appendStringInfoString(buf, " name=\"no findings\"/>\n");
	}
	for (int i = 0; i < report->nfindings; i++)
	{
		ReportFinding *f = &report->findings[i];

		if (strcmp(f->rule, rule) != 0)
			continue;
		appendStringInfoString(buf, "    <testcase");
		xml_attr(buf, "classname", classname);
		xml_attr(buf, "name", f->object_identity);
		appendStringInfoString(buf, ">\n");
		if (finding_skipped(f) || f->exempted)
		{
			appendStringInfoString(buf, "      <skipped>");
			xml_text(buf, f->exempted ? "exempted with schema_guard.exempt()" : f->message);
			appendStringInfoString(buf, "</skipped>\n");
		}
		else if (finding_fails(f))
		{
			appendStringInfoString(buf, "      <failure");
			xml_attr(buf, "type", f->rule);
			xml_attr(buf, "message", f->message);
			appendStringInfoString(buf, ">");
			xml_text(buf, finding_text(f));
			appendStringInfoString(buf, "</failure>\n");
		}
		/* a warning or info finding passes and says what it saw */
		if (!finding_skipped(f))
		{
			appendStringInfoString(buf, "      <system-out>");
			xml_text(buf, psprintf("%s: %s", f->level, finding_text(f)));
			appendStringInfoString(buf, "</system-out>\n");
		}
		appendStringInfoString(buf, "    </testcase>\n");
	}
	appendStringInfoString(buf, "  </testsuite>\n");
}

/*
 * JUnit XML (the Jenkins/Ant schema that GitLab and Jenkins read): a test
 * suite per rule the audit ran, a test case per finding (or one "no
 * findings"); error-level findings fail, exempted ones and relations the
 * audit could not judge are skipped, warnings and info pass with their
 * text in system-out.
 */
static void
render_junit(StringInfo buf, Report *report)
{
	int			tests = 0;
	int			failures = 0;
	List	   *extra = NIL;
	StringInfoData body;
	ListCell   *lc;

	initStringInfo(&body);
	for (int i = 0; i < report->nrules; i++)
		if (report->rules[i].ran)
			junit_suite(&body, report, report->rules[i].rule, &tests, &failures);

	/* rules with findings that the registry did not select: audit_skipped */
	for (int i = 0; i < report->nfindings; i++)
	{
		char	   *rule = report->findings[i].rule;
		int			idx = rule_index(report, rule);
		bool		seen = false;

		if (idx >= 0 && report->rules[idx].ran)
			continue;
		foreach(lc, extra)
			seen = seen || strcmp((char *) lfirst(lc), rule) == 0;
		if (!seen)
			extra = lappend(extra, rule);
	}
	foreach(lc, extra)
		junit_suite(&body, report, (char *) lfirst(lc), &tests, &failures);

	appendStringInfo(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
					 "<testsuites name=\"schema_guard\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n%s"
					 "</testsuites>\n", tests, failures, body.data);
}

/*
 * A TAP description: one line, in which '#' would start a directive and
 * '\' escapes, both escaped with '\' (TAP 14's escaping, which TAP 13
 * parsers read as text); a control character becomes a space (the exact
 * value is in the YAML block).
 */
static void
tap_description(StringInfo buf, const char *value)
{
	for (const char *p = value ? value : ""; *p; p++)
	{
		if (*p == '#' || *p == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, (unsigned char) *p < 0x20 ? ' ' : *p);
	}
}

/* key: "value" in a YAML block (a JSON string is a YAML scalar), ~ for NULL */
static void
yaml_member(StringInfo buf, const char *key, const char *value)
{
	appendStringInfo(buf, "    %s: ", key);
	if (value == NULL)
		appendStringInfoChar(buf, '~');
	else
		escape_json(buf, value);
	appendStringInfoChar(buf, '\n');
}

/*
 * TAP version 13: a test point per finding and one per rule the audit ran
 * without findings.  Error-level findings are "not ok"; exempted ones and
 * relations the audit could not judge are skipped; warnings and info are
 * "ok"; every finding has a YAML diagnostics block with its columns.
 */
static void
render_tap(StringInfo buf, Report *report)
{
	int			n = 0;
	StringInfoData body;

	initStringInfo(&body);
	for (int i = 0; i < report->nrules; i++)
	{
		ReportRule *r = &report->rules[i];
		bool		found = false;

		if (!r->ran)
			continue;
		for (int j = 0; j < report->nfindings && !found; j++)
			found = strcmp(report->findings[j].rule, r->rule) == 0;
		if (found)
			continue;
		appendStringInfo(&body, "ok %d - ", ++n);
		tap_description(&body, r->rule);
		appendStringInfoString(&body, ": no findings\n");
	}
	for (int i = 0; i < report->nfindings; i++)
	{
		ReportFinding *f = &report->findings[i];

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&body, "%s %d - ", finding_fails(f) ? "not ok" : "ok", ++n);
		tap_description(&body, f->rule);
		appendStringInfoString(&body, ": ");
		tap_description(&body, f->object_identity);
		if (finding_skipped(f))
		{
			appendStringInfoString(&body, " # SKIP ");
			tap_description(&body, f->message);
		}
		else if (f->exempted)
			appendStringInfoString(&body, " # SKIP exempted");
		appendStringInfoString(&body, "\n  ---\n");
		yaml_member(&body, "rule", f->rule);
		yaml_member(&body, "level", f->level);
		yaml_member(&body, "object_type", f->object_type);
		yaml_member(&body, "object_identity", f->object_identity);
		yaml_member(&body, "message", f->message);
		yaml_member(&body, "detail", f->detail);
		yaml_member(&body, "fix", f->fix);
		appendStringInfo(&body, "    exempted: %s\n", f->exempted ? "true" : "false");
		yaml_member(&body, "evidence", f->evidence);
		appendStringInfoString(&body, "  ...\n");
	}
	appendStringInfoString(buf, "TAP version 13\n");
	if (n == 0)
		appendStringInfoString(buf, "1..0 # SKIP the audit ran no rule\n");
	else
		appendStringInfo(buf, "1..%d\n%s", n, body.data);
}

static void
audit_args(FunctionCallInfo fcinfo, int schemas, int rules, int min_level,
		   int with_data, AuditArgs *args)
{
	int			argno[4] = {schemas, rules, min_level, with_data};

	for (int i = 0; i < 4; i++)
	{
		args->nulls[i] = PG_ARGISNULL(argno[i]) ? 'n' : ' ';
		args->values[i] = PG_ARGISNULL(argno[i]) ? (Datum) 0 : PG_GETARG_DATUM(argno[i]);
	}
}

/*
 * schema_guard.audit_report(format text, schemas name[], rules text[],
 *							 min_level text, with_data boolean) returns text
 */
Datum
sg_audit_report(PG_FUNCTION_ARGS)
{
	static const char *const formats[] = {"sarif", "json", "junit", "tap"};
	char	   *format;
	int			which = -1;
	AuditArgs	args;
	Report		report;
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("report format must not be null"),
				errhint("The formats are sarif, json, junit and tap."));
	format = text_to_cstring(PG_GETARG_TEXT_PP(0));
	for (int i = 0; i < lengthof(formats); i++)
		if (strcmp(format, formats[i]) == 0)
			which = i;
	if (which < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("unknown report format \"%s\"", format),
				errhint("The formats are sarif, json, junit and tap."));

	audit_args(fcinfo, 1, 2, 3, 4, &args);
	report_fetch(&args, which != 1, &report);
	initStringInfo(&buf);
	switch (which)
	{
		case 0:
			render_sarif(&buf, &report);
			break;
		case 1:
			render_json(&buf, &report);
			break;
		case 2:
			render_junit(&buf, &report);
			break;
		default:
			render_tap(&buf, &report);
			break;
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * schema_guard.assert_clean(min_level text, schemas name[], rules text[],
 *							 with_data boolean) returns void
 *
 * One error (SG002) listing every finding at or above min_level that is not
 * exempted (relations the audit could not judge included: not judged is
 * not clean); nothing when there is none.
 */
Datum
sg_assert_clean(PG_FUNCTION_ARGS)
{
	AuditArgs	args;
	Report		report;
	StringInfoData detail;
	int			n = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("min_level must not be null"),
				errhint("The levels are error, warning and info."));
	audit_args(fcinfo, 1, 2, 0, 3, &args);
	report_fetch(&args, false, &report);

	initStringInfo(&detail);
	for (int i = 0; i < report.nfindings; i++)
	{
		ReportFinding *f = &report.findings[i];

		if (f->exempted)
			continue;
		appendStringInfo(&detail, "%s%s %s: %s: %s", n > 0 ? "\n" : "",
						 f->level, f->rule, f->object_identity ? f->object_identity : "",
						 f->message ? f->message : "");
		n++;
	}
	if (n > 0)
	{
		char	   *min_level = text_to_cstring(PG_GETARG_TEXT_PP(0));

		ereport(ERROR,
				errcode(ERRCODE_SG_AUDIT_NOT_CLEAN),
				errmsg_plural("the audit found %d finding at level %s or above",
							  "the audit found %d findings at level %s or above",
							  n, n, min_level),
				errdetail_internal("%s", detail.data),
				errhint("The fix column of schema_guard.audit() holds the SQL that resolves each finding; "
						"schema_guard.exempt() accepts one with a reason."));
	}
	PG_RETURN_VOID();
}
