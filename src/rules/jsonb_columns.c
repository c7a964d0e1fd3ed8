/*-------------------------------------------------------------------------
 *
 * jsonb_columns.c
 *		Rule family "columns", JSON part: json_not_jsonb (ddl_end) and
 *		jsonb_uncontracted (commit).
 *
 * A new jsonb column, or one changed to jsonb, must leave the transaction
 * with its shape decided: a CHECK constraint on it, or a contract
 * registered with schema_guard.jsonb_expect().  Both may come later in the
 * same transaction, so the column is remembered and judged at commit.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/*
 * One column the user wrote or retyped (sg_check_new_columns): a json
 * column is reported now, a jsonb column waits for the commit.  A typed
 * table's column has the type's type, not one the user wrote; a foreign
 * table's shape is the remote side's.
 */
void
sg_check_new_json_column(Relation rel, ColumnDef *def, Form_pg_attribute att)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			basetype = getBaseType(att->atttypid);
	SgFinding	finding = {0};
	char	   *relident;

	if (basetype == JSONBOID &&
		rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE &&
		sg_effective_level(SG_RULE_JSONB_UNCONTRACTED) != SG_LEVEL_OFF)
		sg_pending_add(SG_PENDING_JSONB_COLUMN, relid, def->colname);
	if (basetype != JSONOID || def->typeName == NULL ||
		sg_effective_level(SG_RULE_JSON_NOT_JSONB) == SG_LEVEL_OFF)
		return;

	relident = sg_relation_identity(relid);
	finding.rule = SG_RULE_JSON_NOT_JSONB;
	finding.relid = relid;
	finding.object_type = "column";
	finding.object_identity = psprintf("%s.%s", relident, quote_identifier(def->colname));
	finding.message = psprintf("column \"%s\" of table %s is json, not jsonb",
							   def->colname, relident);
	finding.detail = pstrdup("json keeps the text as written and parses it again on every "
							 "access; it has no equality, no GIN or btree index support "
							 "and no containment operators.  jsonb is stored parsed.");
	finding.fix = att->atttypid == JSONOID ?
		psprintf("Declare it jsonb: %s jsonb", quote_identifier(def->colname)) :
		psprintf("Declare it over jsonb: %s is of type %s, a domain over json",
				 quote_identifier(def->colname), format_type_be(att->atttypid));
	sg_raise(&finding);
}

/* Is the shape of the column decided: a CHECK on it, or a contract? */
static bool
sg_jsonb_shape_decided(Oid relid, AttrNumber attnum, const char *colname)
{
	SgSpi		spi;
	Oid			argtypes[3] = {OIDOID, INT2OID, NAMEOID};
	Datum		args[3];
	NameData	name;
	bool		decided;
	bool		isnull;

	namestrcpy(&name, colname);
	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int16GetDatum(attnum);
	args[2] = NameGetDatum(&name);
	/* at pre-commit there is no active snapshot */
	PushActiveSnapshot(GetTransactionSnapshot());
	sg_spi_connect(&spi, true);
	/* Qualified operators: the caller's search_path must not decide. */
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint c "
							  "              WHERE c.conrelid OPERATOR(pg_catalog.=) $1 "
							  "                AND c.contype OPERATOR(pg_catalog.=) 'c' "
							  "                AND $2 OPERATOR(pg_catalog.=) ANY (c.conkey)) "
							  "    OR EXISTS (SELECT FROM schema_guard.jsonb_contracts j "
							  "              WHERE j.tbl OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "                AND j.col OPERATOR(pg_catalog.=) $3)",
							  3, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not look for the contract of column \"%s\"", colname);
	decided = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										 1, &isnull));
	sg_spi_finish(&spi);
	PopActiveSnapshot();
	return decided;
}

/*
 * jsonb_uncontracted at commit: the new jsonb columns of one table that
 * still exist and whose shape nobody decided.
 */
List *
sg_jsonb_uncontracted_findings(Relation rel, List *names)
{
	List	   *findings = NIL;
	ListCell   *lc;
	Oid			relid = RelationGetRelid(rel);

	foreach(lc, names)
	{
		const char *colname = lfirst(lc);
		HeapTuple	atttup = SearchSysCacheAttName(relid, colname);
		AttrNumber	attnum;
		Oid			typid;
		SgFinding  *finding;
		char	   *relident;
		const char *col;

		if (!HeapTupleIsValid(atttup))
			continue;			/* dropped or renamed since */
		attnum = ((Form_pg_attribute) GETSTRUCT(atttup))->attnum;
		typid = ((Form_pg_attribute) GETSTRUCT(atttup))->atttypid;
		ReleaseSysCache(atttup);
		if (getBaseType(typid) != JSONBOID ||
			sg_jsonb_shape_decided(relid, attnum, colname))
			continue;

		relident = sg_relation_identity(relid);
		col = quote_identifier(colname);
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_JSONB_UNCONTRACTED;
		finding->relid = relid;
		finding->object_type = "column";
		finding->object_identity = psprintf("%s.%s", relident, col);
		finding->message = psprintf("jsonb column \"%s\" of table %s has neither a CHECK "
									"constraint nor a registered contract", colname, relident);
		finding->detail = pstrdup("A jsonb column without a documented shape accepts any "
								  "document; its shape is decided by whoever writes first.");
		finding->fix = psprintf("In the same transaction, register its shape: "
								"SELECT schema_guard.jsonb_expect(%s, %s, '{\"type\": \"object\"}'); "
								"or constrain it: ALTER TABLE %s ADD CHECK (jsonb_typeof(%s) = 'object');",
								quote_literal_cstr(relident), quote_literal_cstr(colname),
								relident, col);
		findings = lappend(findings, finding);
	}
	return findings;
}
