/*-------------------------------------------------------------------------
 *
 * jsonb_columns.c
 *		Rule family "columns", JSON part: json_not_jsonb (ddl_end) and
 *		jsonb_uncontracted (ddl_end, commit).
 *
 * A new jsonb column, or one changed to jsonb, must leave the transaction
 * with its shape decided: a CHECK constraint on it or on its domain, or a
 * contract registered with schema_guard.jsonb_expect().  Both may come
 * later in the same transaction, so the column is remembered and judged at
 * commit, where its documents also tell which CHECK to propose.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/*
 * jsonb_uncontracted at ddl_end: a column the user wrote or retyped as
 * jsonb waits for the commit.  A foreign table's shape is the remote
 * side's.
 */
void
sg_jsonb_uncontracted_ddl_end(const SgDdlObject *object)
{
	if ((object->kind == SG_DDL_COLUMN || object->kind == SG_DDL_COLUMN_TYPE) &&
		object->basetype == JSONBOID &&
		object->rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE)
		sg_pending_add_column(SG_RULE_JSONB_UNCONTRACTED, object->relid,
							  object->att->attnum);
}

/*
 * json_not_jsonb: a column the user wrote or retyped as json, reported
 * now.  A typed table's column has the type's type, not one the user
 * wrote.
 */
void
sg_json_not_jsonb_ddl_end(const SgDdlObject *object)
{
	Oid			relid = object->relid;
	ColumnDef  *def = object->column;
	Form_pg_attribute att = object->att;
	SgFinding	finding = {0};
	char	   *relident;

	if ((object->kind != SG_DDL_COLUMN && object->kind != SG_DDL_COLUMN_TYPE) ||
		object->basetype != JSONOID || def->typeName == NULL)
		return;

	relident = sg_relation_identity(relid);
	finding.rule = SG_RULE_JSON_NOT_JSONB;
	finding.relid = relid;
	finding.object_type = "column";
	finding.subname = def->colname;
	finding.object_identity = psprintf("%s.%s", relident, quote_identifier(def->colname));
	finding.message = psprintf("column \"%s\" of table %s is json, not jsonb",
							   def->colname, relident);
	finding.detail = pstrdup("json keeps the text as written and parses it again on every "
							 "access; it has no equality, no GIN or btree index support "
							 "and no containment operators.  jsonb is stored parsed.");
	finding.fix = att->atttypid == JSONOID ?
		psprintf("Declare column \"%s\" as jsonb instead of json.", def->colname) :
		psprintf("Declare column \"%s\" with a type over jsonb: its type %s is a domain over json.",
				 def->colname, format_type_be(att->atttypid));
	sg_raise(&finding);
}

/*
 * Is the shape of the column decided: a CHECK on it, a CHECK of its domain
 * (or of a domain under it), or a contract?
 */
static bool
sg_jsonb_shape_decided(Oid relid, AttrNumber attnum, const char *colname, Oid typid)
{
	SgSpi		spi;
	Oid			argtypes[4] = {OIDOID, INT2OID, NAMEOID, OIDOID};
	Datum		args[4];
	NameData	name;
	bool		decided;
	bool		isnull;

	namestrcpy(&name, colname);
	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int16GetDatum(attnum);
	args[2] = NameGetDatum(&name);
	args[3] = ObjectIdGetDatum(typid);
	/* at pre-commit there is no active snapshot */
	PushActiveSnapshot(GetTransactionSnapshot());
	sg_spi_connect(&spi, true);
	/* Qualified operators: the caller's search_path must not decide. */
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint c "
							  "              WHERE c.conrelid OPERATOR(pg_catalog.=) $1 "
							  "                AND c.contype OPERATOR(pg_catalog.=) 'c' "
							  "                AND " SG_SQL_CONSTRAINT_ENFORCED("c") " "
							  "                AND $2 OPERATOR(pg_catalog.=) ANY (c.conkey)) "
							  "    OR EXISTS (WITH RECURSIVE d(typid) AS ("
							  "                 SELECT $4 "
							  "                 UNION ALL "
							  "                 SELECT t.typbasetype FROM pg_catalog.pg_type t, d "
							  "                  WHERE t.oid OPERATOR(pg_catalog.=) d.typid "
							  "                    AND t.typtype OPERATOR(pg_catalog.=) 'd') "
							  "              SELECT FROM pg_catalog.pg_constraint c, d "
							  "               WHERE c.contypid OPERATOR(pg_catalog.=) d.typid "
							  "                 AND c.contype OPERATOR(pg_catalog.=) 'c') "
							  "    OR EXISTS (SELECT FROM schema_guard.jsonb_contracts j "
							  "              WHERE j.tbl OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "                AND j.col OPERATOR(pg_catalog.=) $3)",
							  4, argtypes, args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not look for the contract of column \"%s\"", colname);
	decided = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										 1, &isnull));
	sg_spi_finish(&spi);
	PopActiveSnapshot();
	return decided;
}

/* The values of jsonb_typeof(), in the order a HINT lists them. */
typedef enum SgJsonbTypeof
{
	SG_TYPEOF_ARRAY,
	SG_TYPEOF_BOOLEAN,
	SG_TYPEOF_NULL,
	SG_TYPEOF_NUMBER,
	SG_TYPEOF_OBJECT,
	SG_TYPEOF_STRING,
	SG_NUM_TYPEOF
} SgJsonbTypeof;

static const char *const sg_jsonb_typeof_names[SG_NUM_TYPEOF] = {
	[SG_TYPEOF_ARRAY] = "array",
	[SG_TYPEOF_BOOLEAN] = "boolean",
	[SG_TYPEOF_NULL] = "null",
	[SG_TYPEOF_NUMBER] = "number",
	[SG_TYPEOF_OBJECT] = "object",
	[SG_TYPEOF_STRING] = "string",
};

/*
 * sg_scan_column visitor: add the bit of the document's top-level type
 * (an SgJsonbTypeof) to the mask.  Reads the first 8 bytes
 * of the document only: the root container's header and first entry.
 */
static bool
sg_visit_jsonb_type(Datum value, bool isnull, void *arg)
{
	int		   *mask = (int *) arg;
	Jsonb	   *jb;
	SgJsonbTypeof type;

	if (isnull)
		return true;
	jb = (Jsonb *) PG_DETOAST_DATUM_SLICE(value, 0, 2 * sizeof(uint32));
	if (VARSIZE(jb) < VARHDRSZ + sizeof(uint32))
		elog(ERROR, "invalid jsonb document");
	if (JB_ROOT_IS_OBJECT(jb))
		type = SG_TYPEOF_OBJECT;
	else if (!JB_ROOT_IS_SCALAR(jb))
		type = SG_TYPEOF_ARRAY;
	else if (VARSIZE(jb) < VARHDRSZ + 2 * sizeof(uint32))
		elog(ERROR, "invalid jsonb document");
	else
	{
		switch (jb->root.children[0] & JENTRY_TYPEMASK)
		{
			case JENTRY_ISBOOL_FALSE:
			case JENTRY_ISBOOL_TRUE:
				type = SG_TYPEOF_BOOLEAN;
				break;
			case JENTRY_ISNULL:
				type = SG_TYPEOF_NULL;
				break;
			case JENTRY_ISNUMERIC:
				type = SG_TYPEOF_NUMBER;
				break;
			case JENTRY_ISSTRING:
				type = SG_TYPEOF_STRING;
				break;
			default:
				elog(ERROR, "invalid jsonb document");
		}
	}
	*mask |= 1 << type;
	return true;
}

/*
 * The HINT of jsonb_uncontracted: a CHECK on the top-level types that the
 * column's documents have now, which a bounded scan found (on an existing
 * table added NOT VALID, then validated).  Words when the column holds no
 * document yet, or is too large to read at commit.
 */
static char *
sg_jsonb_uncontracted_fix(Relation rel, const char *colname)
{
	int			mask = 0;
	StringInfoData check;
	const char *col = quote_identifier(colname);
	char	   *relident;
	char	   *conname;
	int			ntypes = 0;

	if (!sg_scan_column(rel, colname, sg_visit_jsonb_type, &mask))
		return psprintf("Decide the shape of column \"%s\": add a CHECK constraint on it, "
						"or register a contract with schema_guard.jsonb_expect() "
						"(schema_guard.jsonb_infer_contract() derives one from its documents).",
						colname);
	if (mask == 0)
		return psprintf("Decide the shape of column \"%s\", which holds no document yet: "
						"add a CHECK constraint on it, or register a contract with "
						"schema_guard.jsonb_expect().", colname);

	/*
	 * Qualified: pasted with a search_path where another jsonb_typeof
	 * matches the column's type better (a domain over jsonb), the CHECK
	 * would call that function on every write.
	 */
	initStringInfo(&check);
	appendStringInfo(&check, "pg_catalog.jsonb_typeof(%s)", col);
	for (int i = 0; i < SG_NUM_TYPEOF; i++)
		ntypes += (mask >> i) & 1;
	appendStringInfoString(&check, ntypes == 1 ? " = " : " IN (");
	for (int i = 0, n = 0; i < SG_NUM_TYPEOF; i++)
	{
		if (mask & (1 << i))
			appendStringInfo(&check, "%s'%s'", n++ > 0 ? ", " : "",
							 sg_jsonb_typeof_names[i]);
	}
	if (ntypes > 1)
		appendStringInfoChar(&check, ')');

	relident = sg_relation_identity(RelationGetRelid(rel));
	conname = ChooseConstraintName(RelationGetRelationName(rel), colname, "check",
								   RelationGetNamespace(rel), NIL);
	if (sg_relation_is_new(rel))
		return psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s);",
						relident, quote_identifier(conname), check.data);
	return psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID; "
					"ALTER TABLE %s VALIDATE CONSTRAINT %s;",
					relident, quote_identifier(conname), check.data,
					relident, quote_identifier(conname));
}

/*
 * jsonb_uncontracted at commit: the new jsonb columns of one table that
 * still exist and whose shape nobody decided.  (Not yet an audit: that
 * would judge every jsonb column when only_names is NIL.)
 */
List *
sg_jsonb_uncontracted_findings(Relation rel, List *only_names)
{
	List	   *findings = NIL;
	ListCell   *lc;
	Oid			relid = RelationGetRelid(rel);

	foreach(lc, only_names)
	{
		const char *colname = lfirst(lc);
		HeapTuple	atttup = SearchSysCacheAttName(relid, colname);
		AttrNumber	attnum;
		Oid			typid;
		SgFinding  *finding;
		char	   *relident;

		if (!HeapTupleIsValid(atttup))
			continue;			/* dropped or renamed since */
		attnum = ((Form_pg_attribute) GETSTRUCT(atttup))->attnum;
		typid = ((Form_pg_attribute) GETSTRUCT(atttup))->atttypid;
		ReleaseSysCache(atttup);
		if (getBaseType(typid) != JSONBOID ||
			sg_jsonb_shape_decided(relid, attnum, colname, typid))
			continue;

		relident = sg_relation_identity(relid);
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_JSONB_UNCONTRACTED;
		finding->relid = relid;
		finding->object_type = "column";
		finding->subname = colname;
		finding->object_identity = psprintf("%s.%s", relident, quote_identifier(colname));
		finding->message = psprintf("jsonb column \"%s\" of table %s has neither a CHECK "
									"constraint nor a registered contract", colname, relident);
		finding->detail = pstrdup("A jsonb column without a documented shape accepts any "
								  "document; its shape is decided by whoever writes first.");
		finding->fix = sg_jsonb_uncontracted_fix(rel, colname);
		findings = lappend(findings, finding);
	}
	return findings;
}
