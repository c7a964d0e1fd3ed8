/*-------------------------------------------------------------------------
 *
 * jsonb_columns.c
 *		Rule family "columns", JSON part: json_not_jsonb (ddl_end, audit)
 *		and jsonb_uncontracted (ddl_end, commit, audit).
 *
 * A new jsonb column, or one changed to jsonb, must leave the transaction
 * with its shape decided: a CHECK constraint on it or on its domain, or a
 * contract registered with schema_guard.jsonb_expect().  Both may come
 * later in the same transaction, so the column is remembered and judged at
 * commit, where its documents also tell which CHECK to propose.  The audit
 * judges every such column with the same check, as the caller: it reads
 * documents only with with_data, and only those the caller may read.
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
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
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
 * json_not_jsonb's judgement of a column: a finding when its type is json
 * or a domain over json, else NULL.  The statement's and the audit's.
 */
static SgFinding *
sg_json_not_jsonb_judge(Relation rel, Form_pg_attribute att)
{
	const char *colname = NameStr(att->attname);
	SgFinding  *finding;
	char	   *relident;

	if (getBaseType(att->atttypid) != JSONOID)
		return NULL;
	relident = sg_relation_identity(RelationGetRelid(rel));
	finding = palloc0(sizeof(SgFinding));
	finding->rule = SG_RULE_JSON_NOT_JSONB;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "column";
	finding->subname = pstrdup(colname);
	finding->object_identity = psprintf("%s.%s", relident, quote_identifier(colname));
	finding->message = psprintf("column \"%s\" of table %s is json, not jsonb",
								colname, relident);
	finding->detail = pstrdup("json keeps the text as written and parses it again on every "
							  "access; it has no equality, no GIN or btree index support "
							  "and no containment operators.  jsonb is stored parsed.");
	finding->fix = att->atttypid == JSONOID ?
		psprintf("Declare column \"%s\" as jsonb instead of json.", colname) :
		psprintf("Declare column \"%s\" with a type over jsonb: its type %s is a domain over json.",
				 colname, format_type_be(att->atttypid));
	return finding;
}

/*
 * json_not_jsonb: a column the user wrote or retyped as json, reported
 * now.  A typed table's column has the type's type, not one the user
 * wrote.
 */
void
sg_json_not_jsonb_ddl_end(const SgDdlObject *object)
{
	SgFinding  *finding;

	if ((object->kind != SG_DDL_COLUMN && object->kind != SG_DDL_COLUMN_TYPE) ||
		object->basetype != JSONOID || object->column->typeName == NULL)
		return;
	finding = sg_json_not_jsonb_judge(object->rel, object->att);
	if (finding != NULL)
		sg_raise(finding);
}

/*
 * The columns of type basetype (a domain over it too) that the audit
 * judges: those of a table the design rules judge (not a partition, whose
 * columns are its parent's; not a foreign table, whose types are the
 * remote side's; not temporary), but those a parent passes down, judged on
 * it.
 */
static List *
sg_json_columns_audited(Relation rel, Oid basetype)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *atts = NIL;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && att->attinhcount == 0 &&
			getBaseType(att->atttypid) == basetype)
			atts = lappend(atts, att);
	}
	/* the catalog is read only for the few tables with such a column */
	if (atts != NIL && !sg_table_judged(rel))
		return NIL;
	return atts;
}

/*
 * json_not_jsonb in the audit (only_names is NIL: the rule has no commit
 * check to name columns): every json column of a table.  Not a typed
 * table's, which the guard does not judge either (its type chose them).
 */
List *
sg_json_not_jsonb_audit(Relation rel, List *only_names)
{
	List	   *findings = NIL;
	ListCell   *lc;

	if (OidIsValid(rel->rd_rel->reloftype))
		return NIL;
	foreach(lc, sg_json_columns_audited(rel, JSONOID))
		findings = lappend(findings, sg_json_not_jsonb_judge(rel, lfirst(lc)));
	return findings;
}

/*
 * Is the shape of the column decided: a CHECK on it, a CHECK of its domain
 * (or of a domain under it), or a contract?  The guard reads the contracts
 * as the extension; the audit as the caller, who sees only the contracts of
 * the columns it may read.
 */
static bool
sg_jsonb_shape_decided(Oid relid, AttrNumber attnum, const char *colname, Oid typid,
					   bool as_owner)
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
	sg_spi_connect(&spi, as_owner);
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
 * The HINT of jsonb_uncontracted from the top-level types (a mask of
 * SgJsonbTypeof bits) the column's documents were found to have: a CHECK
 * on them (on an existing table added NOT VALID, and validated in a
 * transaction of its own); words when it holds no document.
 */
static char *
sg_jsonb_check_fix(Relation rel, const char *colname, int mask)
{
	StringInfoData check;
	const char *col = quote_identifier(colname);
	char	   *relident;
	char	   *conname;
	int			ntypes = 0;

	if (mask == 0)
		return psprintf("Decide the shape of column \"%s\", which holds no document yet: "
						"add a CHECK constraint on it, or register a contract with "
						"schema_guard.jsonb_expect().", colname);

	/*
	 * Qualified: pasted with a search_path where another jsonb_typeof matches
	 * the column's type better (a domain over jsonb), the CHECK would call
	 * that function on every write.
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
	/* validated apart: in one transaction the scan would hold the add's lock */
	return psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID;\n"
					"ALTER TABLE %s VALIDATE CONSTRAINT %s;  "
					"-- in its own transaction (outside a transaction block)",
					relident, quote_identifier(conname), check.data,
					relident, quote_identifier(conname));
}

/*
 * The HINT at commit: the CHECK on the types a bounded scan finds in the
 * column now; words when it is too large to read at commit.
 */
static char *
sg_jsonb_uncontracted_fix(Relation rel, const char *colname)
{
	int			mask = 0;

	if (!sg_scan_column(rel, colname, sg_visit_jsonb_type, &mask))
		return psprintf("Decide the shape of column \"%s\": add a CHECK constraint on it, "
						"or register a contract with schema_guard.jsonb_expect() "
						"(schema_guard.jsonb_infer_contract() derives one from its documents).",
						colname);
	return sg_jsonb_check_fix(rel, colname, mask);
}

/*
 * The HINT when the audit knows nothing of the documents: a contract
 * inferred from them, which the caller registers, reading them as itself.
 */
static char *
sg_jsonb_expect_fix(Relation rel, const char *colname)
{
	char	   *tbl = quote_literal_cstr(sg_relation_identity(RelationGetRelid(rel)));
	char	   *col = quote_literal_cstr(colname);

	return psprintf("SELECT schema_guard.jsonb_expect(%s, %s, "
					"schema_guard.jsonb_infer_contract(%s, %s));",
					tbl, col, tbl, col);
}

/*
 * jsonb_uncontracted's judgement of the named columns of a table: those of
 * type jsonb (or a domain over it) whose shape nobody decided.  At commit
 * (audit NULL) the HINT comes from what the column holds (read as the
 * extension: it only chooses the HINT of the table owner's migration).  In
 * an audit, which runs as the caller, a column whose contract the caller
 * cannot see is not judged, and the HINT reads nothing
 * (sg_jsonb_audit_fixes adds what with_data reads).
 */
static List *
sg_jsonb_uncontracted_check(Relation rel, List *names, SgAudit *audit)
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

		CHECK_FOR_INTERRUPTS();
		if (!HeapTupleIsValid(atttup))
			continue;			/* dropped or renamed since */
		attnum = ((Form_pg_attribute) GETSTRUCT(atttup))->attnum;
		typid = ((Form_pg_attribute) GETSTRUCT(atttup))->atttypid;
		ReleaseSysCache(atttup);
		if (getBaseType(typid) != JSONBOID ||
			sg_jsonb_shape_decided(relid, attnum, colname, typid, audit == NULL))
			continue;

		relident = sg_relation_identity(relid);
		if (audit != NULL && !sg_column_readable(relid, attnum))
		{
			findings = lappend(findings,
							   sg_audit_skipped(SG_RULE_JSONB_UNCONTRACTED, rel, "column",
												psprintf("%s.%s", relident,
														 quote_identifier(colname)),
												colname, SG_SKIP_PRIVILEGE,
												psprintf("no SELECT privilege on column \"%s\", "
														 "so its contract, if any, is hidden from you",
														 colname)));
			continue;
		}
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
		finding->fix = audit == NULL ? sg_jsonb_uncontracted_fix(rel, colname) :
			sg_jsonb_expect_fix(rel, colname);
		findings = lappend(findings, finding);
	}
	return findings;
}

/*
 * jsonb_uncontracted at commit: the new jsonb columns of one table that
 * still exist and whose shape nobody decided.
 */
List *
sg_jsonb_uncontracted_findings(Relation rel, List *only_names)
{
	return sg_jsonb_uncontracted_check(rel, only_names, NULL);
}

/* What the audit reads of a table's uncontracted columns (with_data). */
typedef struct SgJsonbTypesReceiver
{
	DestReceiver pub;
	int			ncolumns;
	int		   *masks;			/* per column, SgJsonbTypeof bits */
	int64		rows;
	MemoryContext rowcxt;
} SgJsonbTypesReceiver;

static bool
sg_jsonb_types_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SgJsonbTypesReceiver *r = (SgJsonbTypesReceiver *) self;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	r->rows++;
	old = MemoryContextSwitchTo(r->rowcxt);
	for (int i = 0; i < r->ncolumns; i++)
	{
		bool		isnull;
		Datum		value = slot_getattr(slot, i + 1, &isnull);

		sg_visit_jsonb_type(value, isnull, &r->masks[i]);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	return true;
}

static void
sg_jsonb_types_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
sg_jsonb_types_shutdown(DestReceiver *self)
{
}

static void
sg_jsonb_types_destroy(DestReceiver *self)
{
}

/*
 * The audit's HINTs with_data: the CHECK on the top-level types of the
 * documents the caller reads in the audit's sample, as the data rules
 * read (one query for the table's findings, locks bounded, sampled beyond
 * audit_sample_rows), and the numbers in evidence.  Where row-level
 * security hides rows, or the table cannot be read, the HINT stays the one
 * that reads nothing: the types of the rows the caller sees say nothing of
 * the others.
 */
static void
sg_jsonb_audit_fixes(Relation rel, SgAudit *audit, List *findings)
{
	SgJsonbTypesReceiver r;
	SgSample	sample;
	SgAuditSkip kind;
	StringInfoData q;
	char	   *why;
	bool		rls;
	int			i = 0;
	ListCell   *lc;

	memset(&r, 0, sizeof(r));
	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	foreach(lc, findings)
	{
		SgFinding  *finding = lfirst(lc);

		if (!finding->skipped)
			appendStringInfo(&q, "%st.%s", r.ncolumns++ > 0 ? ", " : "",
							 quote_identifier(finding->subname));
	}
	if (r.ncolumns == 0)
		return;
	why = sg_data_sample(rel, audit, &sample, &kind);
	if (why != NULL)
	{
		foreach(lc, findings)
		{
			SgFinding  *finding = lfirst(lc);

			if (!finding->skipped)
				finding->evidence = psprintf("{\"rows_read\": 0, \"not_read\": %s}",
											 sg_evidence_string(why));
		}
		return;
	}
	rls = check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED;
	r.pub.receiveSlot = sg_jsonb_types_receive;
	r.pub.rStartup = sg_jsonb_types_startup;
	r.pub.rShutdown = sg_jsonb_types_shutdown;
	r.pub.rDestroy = sg_jsonb_types_destroy;
	r.pub.mydest = DestNone;
	r.masks = palloc0(sizeof(int) * r.ncolumns);
	r.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "schema_guard jsonb types row",
									 ALLOCSET_DEFAULT_SIZES);
	sg_data_from(&q, sg_relation_identity(RelationGetRelid(rel)), &sample);
	sg_data_execute(q.data, (DestReceiver *) &r);
	MemoryContextDelete(r.rowcxt);

	foreach(lc, findings)
	{
		SgFinding  *finding = lfirst(lc);
		StringInfoData ev;
		int			mask;

		if (finding->skipped)
			continue;
		mask = r.masks[i++];
		if (!rls)
			finding->fix = sg_jsonb_check_fix(rel, finding->subname, mask);
		initStringInfo(&ev);
		appendStringInfo(&ev, "{\"rows_read\": %lld, \"sampled\": %s, \"rls\": %s",
						 (long long) r.rows, sample.sampled ? "true" : "false",
						 rls ? "true" : "false");
		sg_sample_evidence(&ev, &sample);
		appendStringInfoString(&ev, ", \"types\": [");
		for (int t = 0, n = 0; t < SG_NUM_TYPEOF; t++)
		{
			if (mask & (1 << t))
				appendStringInfo(&ev, "%s\"%s\"", n++ > 0 ? ", " : "",
								 sg_jsonb_typeof_names[t]);
		}
		appendStringInfoString(&ev, "]}");
		finding->evidence = ev.data;
	}
}

/*
 * jsonb_uncontracted in the audit: every jsonb column of a table, through
 * the commit's check.
 */
List *
sg_jsonb_uncontracted_audit(Relation rel, SgAudit *audit)
{
	List	   *names = NIL;
	List	   *findings;
	ListCell   *lc;

	foreach(lc, sg_json_columns_audited(rel, JSONBOID))
		names = lappend(names, pstrdup(NameStr(((Form_pg_attribute) lfirst(lc))->attname)));
	findings = sg_jsonb_uncontracted_check(rel, names, audit);
	if (audit->with_data && findings != NIL)
		sg_jsonb_audit_fixes(rel, audit, findings);
	return findings;
}
