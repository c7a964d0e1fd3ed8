/*-------------------------------------------------------------------------
 *
 * data.c
 *		The audit's data rules (with_data): nullable_never_null,
 *		not_null_empty_strings, check_values_unused and orphaned_rows, and
 *		the sample that every data rule reads (jsonb_drift's too).
 *
 * One query per table reads, as the caller, what the enabled rules need of
 * every column: whether a nullable column is NULL, whether a NOT NULL
 * string column is '', the value of a column an enum or a CHECK limits,
 * and, for a column fk_missing matches, the value when no referenced row
 * holds it.  Rows arrive in a DestReceiver and are counted: memory grows
 * with the columns, never with the rows.  A table of more rows than
 * schema_guard.audit_sample_rows is read through TABLESAMPLE SYSTEM, which
 * reads only the sampled blocks, REPEATABLE (0): the same table gives the
 * same sample.  Each data rule's audit callback reads the result of that
 * one scan, kept for the relation in the audit's state.
 *
 * What the caller cannot read is not judged, and said (rows of
 * audit_skipped): a column without SELECT privilege is not read, and where
 * row-level security hides rows of the table from the caller, what the
 * absence of a value would show (no NULL, a value no row uses) is not
 * claimed; what rows hold (empty strings, orphaned values) still is, of
 * the rows the caller sees.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/* Distinct orphaned values a finding names. */
#define SG_DATA_EXAMPLES	5
/* Characters of one example value. */
#define SG_DATA_EXAMPLE_LEN 64

/* The seed of every sample: repeatable, and the same from one audit to the next. */
#define SG_DATA_SEED		0

/* Knobs (sg_data_define_gucs). */
static int	sg_nullable_never_null_min_rows = 100;
static double sg_not_null_empty_strings_fraction = 0.5;
static int	sg_check_values_unused_min_rows = 100;

/* What one item of the scan's select list tells. */
typedef enum SgDataItemKind
{
	SG_ITEM_IS_NULL,			/* boolean: the column is NULL */
	SG_ITEM_IS_EMPTY,			/* boolean: the column is '' */
	SG_ITEM_VALUE,				/* the column's value */
	SG_ITEM_ORPHAN				/* text: the value when no referenced row has
								 * it, else NULL */
} SgDataItemKind;

/* The values an enum or a CHECK allows one column, and which rows use. */
typedef struct SgValueSet
{
	int			column;			/* index in scan->columns */
	Oid			conoid;			/* the CHECK, or InvalidOid for the enum */
	char	   *conname;
	char	   *type_name;		/* the enum's */
	int			nvalues;
	Datum	   *values;
	char	  **labels;			/* as the type's output writes them */
	bool	   *seen;
	int			nunseen;
	FmgrInfo	eq;				/* CHECK: its equality operator */
	Oid			collid;
} SgValueSet;

typedef struct SgDataColumn
{
	AttrNumber	attnum;
	char	   *name;
	bool		readable;
	bool		check_nulls;	/* nullable_never_null */
	bool		check_empty;	/* not_null_empty_strings */
	bool		check_values;	/* check_values_unused: a value set */
	Oid			refrelid;		/* orphaned_rows: the table fk_missing names */
	AttrNumber	refattnum;
	char	   *skipped;		/* why refrelid is not probed */
	SgAuditSkip skipped_why;
	/* counts */
	int64		nulls;
	int64		empties;
	int64		values_read;	/* non-NULL values of a value set's column */
	int64		orphans;
	int			norphan_examples;
	char	   *orphan_examples[SG_DATA_EXAMPLES];
} SgDataColumn;

typedef struct SgDataItem
{
	SgDataItemKind kind;
	int			column;
} SgDataItem;

/* The scan of one table, and its counts. */
typedef struct SgDataScan
{
	Oid			relid;
	char	   *relident;
	char	   *skipped;		/* why the table was not read, or NULL */
	SgAuditSkip skipped_why;
	bool		rls;			/* row-level security filters it for the
								 * caller */
	bool		read;			/* the query ran */
	SgSample	sample;
	int64		rows;
	int			ncolumns;
	SgDataColumn *columns;
	List	   *valuesets;
	int			nitems;
	SgDataItem *items;
} SgDataScan;

/*
 * The data rules' state in an audit (in the slot of the first of them):
 * the scan of the relation being judged, in a context of its own that the
 * next relation's scan replaces.
 */
typedef struct SgDataState
{
	MemoryContext cxt;
	SgDataScan *scan;
} SgDataState;

/*
 * The knobs are the caller's to choose (USERSET): they change what the
 * audit reports to its caller, nothing the guard enforces.
 */
void
sg_data_define_gucs(void)
{
	DefineCustomIntVariable("schema_guard.nullable_never_null_min_rows",
							"Rows read below which nullable_never_null judges no column of a table.",
							NULL,
							&sg_nullable_never_null_min_rows,
							100, 1, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomRealVariable("schema_guard.not_null_empty_strings_fraction",
							 "Share of the rows read holding '' from which not_null_empty_strings "
							 "calls a NOT NULL string column full of it.",
							 NULL,
							 &sg_not_null_empty_strings_fraction,
							 0.5, 0.0001, 1.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("schema_guard.check_values_unused_min_rows",
							"Values read below which check_values_unused judges no column.",
							NULL,
							&sg_check_values_unused_min_rows,
							100, 1, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* May the caller read the column? */
bool
sg_column_readable(Oid relid, AttrNumber attnum)
{
	return pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK ||
		pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
}

/*
 * ACCESS SHARE on a table and on its partitions or inheritance children,
 * which a query of it reads, each waiting at most the audit's lock
 * timeout (sg_audit_lock: never queued behind a migration); the audit
 * releases them after the relation.  *relids gets them all.  NULL, or
 * why not.
 */
static char *
sg_data_lock_tree(Oid relid, List **relids)
{
	ListCell   *lc;

	/* the audit holds relid itself; its children are listed, then locked */
	if (!sg_audit_lock(relid))
		return psprintf("its ACCESS SHARE lock on %s was not granted within "
						"schema_guard.audit_lock_timeout", sg_relation_identity(relid));
	/* a referenced table, dropped by the migration whose lock was awaited */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return pstrdup("a table it reads was dropped while the audit ran");
	*relids = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, *relids)
	{
		Oid			child = lfirst_oid(lc);
		Relation	childrel;
		ListCell   *lc2;

		if (!sg_audit_lock(child))
			return psprintf("its ACCESS SHARE lock on %s was not granted within "
							"schema_guard.audit_lock_timeout", sg_relation_identity(child));
		/* dropped before the lock: the list is read again, under locks */
		if ((childrel = try_relation_open(child, NoLock)) == NULL)
			return sg_data_lock_tree(relid, relids);
		/* the planner locks the indexes too: REINDEX holds them alone */
		foreach(lc2, RelationGetIndexList(childrel))
		{
			if (!sg_audit_lock(lfirst_oid(lc2)))
			{
				relation_close(childrel, NoLock);
				return psprintf("its ACCESS SHARE lock on index %s was not granted within "
								"schema_guard.audit_lock_timeout",
								sg_relation_identity(lfirst_oid(lc2)));
			}
		}
		relation_close(childrel, NoLock);
	}
	return NULL;
}

/*
 * How much of the table (its partitions or inheritance children
 * included, as a query reads them) a data rule reads: all of it, or, when
 * the planner's estimate of its rows exceeds the audit's sample_rows, the
 * share of its blocks that holds about that many.  NULL, or why it cannot
 * be read at all (and *kind, what makes it so).
 */
char *
sg_data_sample(Relation rel, SgAudit *audit, SgSample *sample, SgAuditSkip *kind)
{
	List	   *relids;
	ListCell   *lc;
	char	   *why = sg_data_lock_tree(RelationGetRelid(rel), &relids);

	*kind = SG_SKIP_LOCK;
	if (why != NULL)
		return why;
	*kind = SG_SKIP_UNREADABLE;

	memset(sample, 0, sizeof(SgSample));
	sample->percent = 100;
	sample->seed = SG_DATA_SEED;
	sample->sample_rows = audit->sample_rows;
	foreach(lc, relids)
	{
		Relation	child = relation_open(lfirst_oid(lc), NoLock);
		char		relkind = child->rd_rel->relkind;

		if (relkind == RELKIND_FOREIGN_TABLE)
			why = psprintf("foreign table %s is part of it", sg_relation_identity(lfirst_oid(lc)));
		else if (RELATION_IS_OTHER_TEMP(child))
			why = psprintf("temporary table %s of another session is part of it",
						   sg_relation_identity(lfirst_oid(lc)));
		else if (RELKIND_HAS_STORAGE(relkind))
		{
			BlockNumber pages;
			double		tuples;
			double		allvisfrac;

			estimate_rel_size(child, NULL, &pages, &tuples, &allvisfrac);
			sample->blocks += pages;
			sample->estimated_rows += tuples;
		}
		relation_close(child, NoLock);
		if (why != NULL)
			return why;
	}
	if (sample->estimated_rows > sample->sample_rows)
	{
		sample->sampled = true;
		sample->percent = 100.0 * sample->sample_rows / sample->estimated_rows;
	}
	return NULL;
}

/* "1200 rows read" or "1200 rows read in a 2% sample of 5000 blocks (seed 0)" */
static char *
sg_data_read_words(SgDataScan *scan, int64 n, const char *what)
{
	const char *seen = scan->rls ? " (only those row-level security lets you see)" : "";

	if (!scan->sample.sampled)
		return psprintf("%lld %s read%s", (long long) n, what, seen);
	return psprintf("%lld %s read%s in a %.3g%% sample of the table's %u blocks "
					"(TABLESAMPLE SYSTEM, seed %d; schema_guard.audit_sample_rows is %lld)",
					(long long) n, what, seen, scan->sample.percent, scan->sample.blocks,
					scan->sample.seed, (long long) scan->sample.sample_rows);
}

/* The JSON members every data finding's evidence starts with. */
static void
sg_data_evidence(StringInfo buf, SgDataScan *scan)
{
	appendStringInfo(buf, "{\"rows_read\": %lld, \"sampled\": %s, \"rls\": %s",
					 (long long) scan->rows, scan->sample.sampled ? "true" : "false",
					 scan->rls ? "true" : "false");
	sg_sample_evidence(buf, &scan->sample);
}

/*
 * The sample's members of evidence: sample_rows, and for a sample its
 * method, percent, seed and the estimate it was drawn from.
 */
void
sg_sample_evidence(StringInfo buf, const SgSample *sample)
{
	appendStringInfo(buf, ", \"sample_rows\": %lld", (long long) sample->sample_rows);
	if (sample->sampled)
		appendStringInfo(buf, ", \"sample_method\": \"system\", \"sample_percent\": %.6g, "
						 "\"seed\": %d, \"estimated_rows\": %.0f, \"table_blocks\": %u",
						 sample->percent, sample->seed, sample->estimated_rows, sample->blocks);
}

/*
 * A new finding of a data rule on a column of the scanned table (or on
 * constraint conname of it).
 */
static SgFinding *
sg_data_finding(SgRuleId rule, SgDataScan *scan, const char *colname,
				const char *conname)
{
	SgFinding  *finding = palloc0(sizeof(SgFinding));

	finding->rule = rule;
	finding->relid = scan->relid;
	if (conname != NULL)
	{
		finding->object_type = "constraint";
		finding->subname = conname;
		finding->object_identity = psprintf("%s on %s", quote_identifier(conname),
											scan->relident);
	}
	else
	{
		finding->object_type = "column";
		finding->subname = colname;
		finding->object_identity = psprintf("%s.%s", scan->relident,
											quote_identifier(colname));
	}
	return finding;
}

/* Is the type (a domain resolved) a string type: text, varchar, char, citext...? */
static bool
sg_data_type_is_string(Oid typid)
{
	char		category;
	bool		preferred;

	get_type_category_preferred(getBaseType(typid), &category, &preferred);
	return category == TYPCATEGORY_STRING;
}

/* A value as its type's output function writes it. */
static char *
sg_data_output(Oid typid, Datum value)
{
	Oid			out;
	bool		varlena;

	getTypeOutputInfo(typid, &out, &varlena);
	return OidOutputFunctionCall(out, value);
}

/* The labels of an enum, in their order: the value set of an enum column. */
static SgValueSet *
sg_enum_values(Oid enumtype, int column)
{
	CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(enumtype));
	SgValueSet *set = palloc0(sizeof(SgValueSet));
	float4	   *order;

	set->column = column;
	set->conoid = InvalidOid;
	set->type_name = format_type_be_qualified(enumtype);
	set->values = palloc(sizeof(Datum) * Max(list->n_members, 1));
	set->labels = palloc(sizeof(char *) * Max(list->n_members, 1));
	order = palloc(sizeof(float4) * Max(list->n_members, 1));
	for (int i = 0; i < list->n_members; i++)
	{
		HeapTuple	tup = &list->members[i]->tuple;
		Form_pg_enum en = (Form_pg_enum) GETSTRUCT(tup);
		int			j = set->nvalues++;

		/* insertion by enumsortorder: enums are short */
		while (j > 0 && order[j - 1] > en->enumsortorder)
		{
			order[j] = order[j - 1];
			set->values[j] = set->values[j - 1];
			set->labels[j] = set->labels[j - 1];
			j--;
		}
		order[j] = en->enumsortorder;
		set->values[j] = ObjectIdGetDatum(en->oid);
		set->labels[j] = pstrdup(NameStr(en->enumlabel));
	}
	ReleaseSysCacheList(list);
	set->seen = palloc0(sizeof(bool) * Max(set->nvalues, 1));
	set->nunseen = set->nvalues;
	return set;
}

/*
 * The values a CHECK conjunct "col = ANY (constant array)" (which is how
 * "col IN (...)" is stored) allows the column, or NULL when the conjunct
 * has another form.  *attnum is the column.
 */
static SgValueSet *
sg_check_values(Node *conjunct, AttrNumber *attnum)
{
	ScalarArrayOpExpr *saop;
	Node	   *left;
	Const	   *right;
	ArrayType  *arr;
	Oid			elemtype;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	SgValueSet *set;

	if (!IsA(conjunct, ScalarArrayOpExpr))
		return NULL;
	saop = (ScalarArrayOpExpr *) conjunct;
	if (!saop->useOr || list_length(saop->args) != 2)
		return NULL;
	left = linitial(saop->args);
	while (IsA(left, RelabelType))
		left = (Node *) ((RelabelType *) left)->arg;
	right = lsecond(saop->args);
	if (!IsA(left, Var) || ((Var *) left)->varattno <= 0 || !IsA(right, Const) ||
		right->constisnull ||
		!op_mergejoinable(saop->opno, exprType(linitial(saop->args))))
		return NULL;

	/*
	 * The audit calls it as the caller: only the type's own equality, never a
	 * table owner's
	 */
	if (saop->opno != lookup_type_cache(getBaseType(exprType(linitial(saop->args))),
										TYPECACHE_EQ_OPR)->eq_opr)
		return NULL;

	arr = DatumGetArrayTypeP(right->constvalue);
	elemtype = ARR_ELEMTYPE(arr);
	get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
	deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign, &elems, &nulls, &nelems);
	set = palloc0(sizeof(SgValueSet));
	set->values = palloc(sizeof(Datum) * Max(nelems, 1));
	set->labels = palloc(sizeof(char *) * Max(nelems, 1));
	for (int i = 0; i < nelems; i++)
	{
		bool		dup = false;

		if (nulls[i])
			continue;
		for (int j = 0; j < i && !dup; j++)
			dup = !nulls[j] && datumIsEqual(elems[i], elems[j], elmbyval, elmlen);
		if (dup)
			continue;
		set->values[set->nvalues] = elems[i];
		set->labels[set->nvalues++] = sg_data_output(elemtype, elems[i]);
	}
	if (set->nvalues == 0)
		return NULL;
	fmgr_info(get_opcode(saop->opno), &set->eq);
	set->collid = saop->inputcollid;
	set->seen = palloc0(sizeof(bool) * set->nvalues);
	set->nunseen = set->nvalues;
	*attnum = ((Var *) left)->varattno;
	return set;
}

/*
 * The value sets of the table's own CHECK constraints (a partition's or
 * child's inherited ones are judged on its parent; NO INHERIT ones are
 * left alone, since the scan reads the children they do not cover).
 */
static void
sg_data_check_sets(Relation rel, SgDataScan *scan)
{
	Relation	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc cscan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationGetRelid(rel)));
	cscan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							   NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(cscan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		bool		isnull;
		Datum		conbin;
		Node	   *expr;
		ListCell   *lc;

		if (con->contype != CONSTRAINT_CHECK || !con->conislocal || con->connoinherit)
			continue;
		conbin = heap_getattr(tup, Anum_pg_constraint_conbin,
							  RelationGetDescr(conrel), &isnull);
		if (isnull)
			continue;
		expr = stringToNode(TextDatumGetCString(conbin));
		expr = eval_const_expressions(NULL, expr);
		foreach(lc, make_ands_implicit((Expr *) expr))
		{
			AttrNumber	attnum;
			SgValueSet *set = sg_check_values(lfirst(lc), &attnum);

			if (set == NULL || attnum > scan->ncolumns ||
				scan->columns[attnum - 1].name == NULL)
				continue;
			set->column = attnum - 1;
			set->conoid = con->oid;
			set->conname = pstrdup(NameStr(con->conname));
			scan->columns[attnum - 1].check_values = true;
			scan->valuesets = lappend(scan->valuesets, set);
		}
	}
	systable_endscan(cscan);
	table_close(conrel, AccessShareLock);
}

/*
 * What each column needs, by the rules enabled.  Columns a parent passes
 * down (a partition's, an inherited one) are judged on the parent, whose
 * scan reads the children too.
 */
static void
sg_data_plan(Relation rel, SgDataScan *scan)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			relid = RelationGetRelid(rel);

	/*
	 * The audit's level is the rule's own, whatever schema_guard.mode says;
	 * orphans are probed for fk_missing's match, on the tables it judges.
	 */
	bool		nulls_on = sg_rule_levels[SG_RULE_NULLABLE_NEVER_NULL] != SG_LEVEL_OFF;
	bool		empty_on = sg_rule_levels[SG_RULE_NOT_NULL_EMPTY_STRINGS] != SG_LEVEL_OFF;
	bool		values_on = sg_rule_levels[SG_RULE_CHECK_VALUES_UNUSED] != SG_LEVEL_OFF;
	bool		orphans_on = sg_rule_levels[SG_RULE_ORPHANED_ROWS] != SG_LEVEL_OFF;

	orphans_on = orphans_on && sg_table_judged(rel);
	scan->ncolumns = desc->natts;
	scan->columns = palloc0(sizeof(SgDataColumn) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		SgDataColumn *col = &scan->columns[i];
		bool		notnull;

		if (att->attisdropped)
			continue;
		col->attnum = att->attnum;
		col->name = pstrdup(NameStr(att->attname));
		col->readable = sg_column_readable(relid, att->attnum);
		if (att->attinhcount > 0)
			continue;
		notnull = att->attnotnull || sg_type_not_null(att->atttypid);
		col->check_nulls = nulls_on && !notnull && att->attidentity == '\0' &&
			att->attgenerated == '\0' &&
			sg_fkey_nulling_column(rel, att->attnum, att->atthasdef) == NULL;
		col->check_empty = empty_on && notnull && sg_data_type_is_string(att->atttypid);
		if (values_on && get_typtype(getBaseType(att->atttypid)) == TYPTYPE_ENUM)
		{
			scan->valuesets = lappend(scan->valuesets,
									  sg_enum_values(getBaseType(att->atttypid), i));
			col->check_values = true;
		}
		if (orphans_on)
			col->refrelid = sg_fk_missing_reference(rel, att->attnum, &col->refattnum);
	}
	if (values_on)
		sg_data_check_sets(rel, scan);
}

/*
 * Can the values of the column be probed in its referenced table as the
 * caller sees it: SELECT on its key, every row visible?  NULL, or why
 * not (and col->skipped_why).
 */
static char *
sg_data_probe_refused(SgDataColumn *col)
{
	char	   *refident = sg_relation_identity(col->refrelid);

	List	   *relids;

	col->skipped_why = SG_SKIP_PRIVILEGE;
	if (!sg_column_readable(col->refrelid, col->refattnum))
		return psprintf("no SELECT privilege on column \"%s\" of %s",
						get_attname(col->refrelid, col->refattnum, false), refident);
	if (check_enable_rls(col->refrelid, InvalidOid, true) == RLS_ENABLED)
		return psprintf("row-level security hides rows of %s from you", refident);
	col->skipped_why = SG_SKIP_LOCK;
	return sg_data_lock_tree(col->refrelid, &relids);
}

/* OPERATOR(schema.=): the type's equality, qualified. */
static char *
sg_data_eq_operator(Oid typid)
{
	TypeCacheEntry *tce = lookup_type_cache(typid, TYPECACHE_EQ_OPR);
	HeapTuple	tup;
	Form_pg_operator op;
	char	   *result;

	if (!OidIsValid(tce->eq_opr))
		return NULL;
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(tce->eq_opr));
	if (!HeapTupleIsValid(tup))
		return NULL;
	op = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(op->oprnamespace)),
					  NameStr(op->oprname));
	ReleaseSysCache(tup);
	return result;
}

static void
sg_data_add_item(SgDataScan *scan, SgDataItemKind kind, int column)
{
	scan->items[scan->nitems].kind = kind;
	scan->items[scan->nitems].column = column;
	scan->nitems++;
}

/* The query: one item per (column, what is counted), as the caller. */
static char *
sg_data_query(SgDataScan *scan)
{
	StringInfoData q;
	ListCell   *lc;
	bool	   *has_value = palloc0(sizeof(bool) * Max(scan->ncolumns, 1));

	scan->items = palloc(sizeof(SgDataItem) * (Max(scan->ncolumns, 1) * 4));
	scan->nitems = 0;
	foreach(lc, scan->valuesets)
		has_value[((SgValueSet *) lfirst(lc))->column] = true;
	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT NULL");
	for (int i = 0; i < scan->ncolumns; i++)
	{
		SgDataColumn *col = &scan->columns[i];
		const char *c;

		if (col->name == NULL || !col->readable)
			continue;
		c = quote_identifier(col->name);
		if (col->check_nulls)
		{
			appendStringInfo(&q, ", t.%s IS NULL", c);
			sg_data_add_item(scan, SG_ITEM_IS_NULL, i);
		}
		if (col->check_empty)
		{
			appendStringInfo(&q, ", t.%s::pg_catalog.text OPERATOR(pg_catalog.=) ''", c);
			sg_data_add_item(scan, SG_ITEM_IS_EMPTY, i);
		}
		if (has_value[i])
		{
			appendStringInfo(&q, ", t.%s", c);
			sg_data_add_item(scan, SG_ITEM_VALUE, i);
		}
		if (OidIsValid(col->refrelid) && col->skipped == NULL)
		{
			Oid			typid = get_atttype(scan->relid, col->attnum);
			char	   *eq = sg_data_eq_operator(typid);
			char	   *refcol = get_attname(col->refrelid, col->refattnum, false);

			if (eq == NULL)
				continue;
			appendStringInfo(&q, ", CASE WHEN t.%s IS NOT NULL AND NOT EXISTS "
							 "(SELECT FROM %s%s r WHERE r.%s %s t.%s) "
							 "THEN t.%s END",
							 c,
							 get_rel_relkind(col->refrelid) == RELKIND_RELATION ? "ONLY " : "",
							 sg_relation_identity(col->refrelid),
							 quote_identifier(refcol), eq, c, c);
			sg_data_add_item(scan, SG_ITEM_ORPHAN, i);
		}
	}
	if (scan->nitems == 0)
		return NULL;
	sg_data_from(&q, scan->relident, &scan->sample);
	return q.data;
}

/* The FROM clause of a data rule's query: the table as t, and its sample. */
void
sg_data_from(StringInfo q, const char *relident, const SgSample *sample)
{
	appendStringInfo(q, " FROM %s t", relident);
	if (sample->sampled)
		appendStringInfo(q, " TABLESAMPLE SYSTEM (%.17g) REPEATABLE (%d)",
						 sample->percent, sample->seed);
}

/*
 * Run a data rule's query as the caller, every row going to dest.  What is
 * left to lock once sg_data_sample() has locked the tables (TOAST) waits
 * no longer than they did.
 */
void
sg_data_execute(const char *query, DestReceiver *dest)
{
	SgSpi		spi;
	SPIPlanPtr	plan;
	int			rc;
	int			gucnest;

	gucnest = NewGUCNestLevel();
	(void) set_config_option("lock_timeout",
							 GetConfigOption("schema_guard.audit_lock_timeout", false, false),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	sg_spi_connect(&spi, false);
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	rc = sg_spi_execute_into(plan, dest);
	if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
		elog(ERROR, "could not run \"%s\": %s", query, SPI_result_code_string(rc));
	sg_spi_finish(&spi);
	AtEOXact_GUC(true, gucnest);
}

typedef struct SgDataReceiver
{
	DestReceiver pub;
	SgDataScan *scan;
	MemoryContext rowcxt;
	MemoryContext keepcxt;
} SgDataReceiver;

static void
sg_data_value(SgDataScan *scan, int column, Datum value)
{
	ListCell   *lc;

	foreach(lc, scan->valuesets)
	{
		SgValueSet *set = lfirst(lc);

		if (set->column != column || set->nunseen == 0)
			continue;
		for (int k = 0; k < set->nvalues; k++)
		{
			bool		eq;

			if (set->seen[k])
				continue;
			if (!OidIsValid(set->conoid))
				eq = DatumGetObjectId(value) == DatumGetObjectId(set->values[k]);
			else
				eq = DatumGetBool(FunctionCall2Coll(&set->eq, set->collid,
													value, set->values[k]));
			if (eq)
			{
				set->seen[k] = true;
				set->nunseen--;
				break;
			}
		}
	}
}

/* value as its type's output function writes it: a cast to text may be the table owner's function */
static void
sg_data_orphan(SgDataReceiver *r, SgDataColumn *col, Oid typid, Datum value)
{
	char	   *str = sg_data_output(typid, value);
	MemoryContext old;

	col->orphans++;
	if (col->norphan_examples >= SG_DATA_EXAMPLES)
		return;
	if (pg_mbstrlen(str) > SG_DATA_EXAMPLE_LEN)
		str[pg_mbcharcliplen(str, strlen(str), SG_DATA_EXAMPLE_LEN)] = '\0';
	for (int i = 0; i < col->norphan_examples; i++)
		if (strcmp(col->orphan_examples[i], str) == 0)
			return;
	old = MemoryContextSwitchTo(r->keepcxt);
	col->orphan_examples[col->norphan_examples++] = pstrdup(str);
	MemoryContextSwitchTo(old);
}

static bool
sg_data_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SgDataReceiver *r = (SgDataReceiver *) self;
	SgDataScan *scan = r->scan;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	scan->rows++;
	old = MemoryContextSwitchTo(r->rowcxt);
	for (int i = 0; i < scan->nitems; i++)
	{
		SgDataItem *item = &scan->items[i];
		SgDataColumn *col = &scan->columns[item->column];
		bool		isnull;
		Datum		d = slot_getattr(slot, i + 2, &isnull);

		switch (item->kind)
		{
			case SG_ITEM_IS_NULL:
				col->nulls += DatumGetBool(d) ? 1 : 0;
				break;
			case SG_ITEM_IS_EMPTY:
				col->empties += !isnull && DatumGetBool(d) ? 1 : 0;
				break;
			case SG_ITEM_VALUE:
				if (!isnull)
				{
					col->values_read++;
					sg_data_value(scan, item->column, d);
				}
				break;
			case SG_ITEM_ORPHAN:
				if (!isnull)
					sg_data_orphan(r, col,
								   TupleDescAttr(slot->tts_tupleDescriptor, i + 1)->atttypid, d);
				break;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	return true;
}

static void
sg_data_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
sg_data_shutdown(DestReceiver *self)
{
}

static void
sg_data_destroy(DestReceiver *self)
{
}

/* Run the scan of one table into scan (allocated in the current context). */
static void
sg_data_run(Relation rel, SgAudit *audit, SgDataScan *scan)
{
	char	   *query;
	SgDataReceiver r;

	scan->relid = RelationGetRelid(rel);
	scan->relident = sg_relation_identity(scan->relid);
	sg_data_plan(rel, scan);
	for (int i = 0; i < scan->ncolumns; i++)
	{
		SgDataColumn *col = &scan->columns[i];

		if (col->name != NULL && col->readable && OidIsValid(col->refrelid))
			col->skipped = sg_data_probe_refused(col);
	}
	scan->rls = check_enable_rls(scan->relid, InvalidOid, true) == RLS_ENABLED;
	scan->skipped = sg_data_sample(rel, audit, &scan->sample, &scan->skipped_why);
	if (scan->skipped != NULL)
		return;
	query = sg_data_query(scan);
	if (query == NULL)
		return;
	/* a wide table's items need not fit in one target list */
	if (scan->nitems + 1 > MaxTupleAttributeNumber)
	{
		scan->skipped = psprintf("reading its columns takes %d values a row, more than "
								 "one query returns (%d)",
								 scan->nitems + 1, MaxTupleAttributeNumber);
		scan->skipped_why = SG_SKIP_UNREADABLE;
		return;
	}

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = sg_data_receive;
	r.pub.rStartup = sg_data_startup;
	r.pub.rShutdown = sg_data_shutdown;
	r.pub.rDestroy = sg_data_destroy;
	r.pub.mydest = DestNone;
	r.scan = scan;
	r.keepcxt = CurrentMemoryContext;
	r.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "schema_guard data row",
									 ALLOCSET_DEFAULT_SIZES);
	sg_data_execute(query, (DestReceiver *) &r);
	MemoryContextDelete(r.rowcxt);
	scan->read = true;
}

/*
 * The scan of rel in this audit: run by the first data rule that asks,
 * kept for the others.  An error ends the audit, and its context with it.
 */
static SgDataScan *
sg_data_scan(Relation rel, SgAudit *audit)
{
	SgDataState *state = audit->state[SG_RULE_NULLABLE_NEVER_NULL];
	MemoryContext old;

	if (state == NULL)
	{
		state = MemoryContextAllocZero(audit->mcxt, sizeof(SgDataState));
		state->cxt = AllocSetContextCreate(audit->mcxt, "schema_guard data scan",
										   ALLOCSET_DEFAULT_SIZES);
		audit->state[SG_RULE_NULLABLE_NEVER_NULL] = state;
	}
	if (state->scan != NULL && state->scan->relid == RelationGetRelid(rel))
		return state->scan;
	state->scan = NULL;
	MemoryContextReset(state->cxt);
	old = MemoryContextSwitchTo(state->cxt);
	state->scan = palloc0(sizeof(SgDataScan));
	sg_data_run(rel, audit, state->scan);
	MemoryContextSwitchTo(old);
	return state->scan;
}

/* Does the audit judge rel's data: an ordinary or partitioned table? */
static bool
sg_data_judged(Relation rel)
{
	return rel->rd_rel->relkind == RELKIND_RELATION ||
		rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
}

static const char *
sg_data_kind(Relation rel)
{
	return rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ? "partitioned table" : "table";
}

/*
 * The rows of audit_skipped of a rule: the table when it was not read (or
 * row-level security hides rows the rule's claim is about), each column
 * the rule would judge that the caller may not read.  wants says which
 * columns the rule judges.
 */
static List *
sg_data_skips(SgRuleId rule, Relation rel, SgDataScan *scan, bool absence,
			  bool (*wants) (SgDataScan *scan, SgDataColumn *col))
{
	List	   *skips = NIL;
	bool		any = false;

	for (int i = 0; i < scan->ncolumns; i++)
	{
		SgDataColumn *col = &scan->columns[i];

		if (col->name == NULL || !wants(scan, col))
			continue;
		any = true;
		if (!col->readable)
			skips = lappend(skips,
							sg_audit_skipped(rule, rel, "column",
											 psprintf("%s.%s", scan->relident,
													  quote_identifier(col->name)),
											 pstrdup(col->name), SG_SKIP_PRIVILEGE,
											 psprintf("no SELECT privilege on column \"%s\"",
													  col->name)));
	}
	if (any && scan->skipped != NULL)
		return list_make1(sg_audit_skipped(rule, rel, sg_data_kind(rel),
										   pstrdup(scan->relident), NULL,
										   scan->skipped_why, pstrdup(scan->skipped)));
	if (any && absence && scan->rls)
		skips = lcons(sg_audit_skipped(rule, rel, sg_data_kind(rel),
									   pstrdup(scan->relident), NULL, SG_SKIP_PRIVILEGE,
									   "row-level security hides rows of it from you, "
									   "and what no row you see holds says nothing of the others"),
					  skips);
	return skips;
}

static bool
sg_wants_nulls(SgDataScan *scan, SgDataColumn *col)
{
	return col->check_nulls;
}

/*
 * nullable_never_null in the audit: a nullable column of the table in
 * which none of the rows read (at least the knob's number) holds NULL.
 * Not for a column a foreign key sets to NULL, nor for identity, generated
 * or NOT NULL-domain columns.  The HINT is set_not_null_scan's recipe: the
 * NOT NULL without a scan under the table's lock.
 */
List *
sg_nullable_never_null_audit(Relation rel, SgAudit *audit)
{
	SgDataScan *scan;
	List	   *findings;
	List	   *avoid = NIL;

	if (!sg_data_judged(rel))
		return NIL;
	scan = sg_data_scan(rel, audit);
	findings = sg_data_skips(SG_RULE_NULLABLE_NEVER_NULL, rel, scan, true, sg_wants_nulls);
	if (!scan->read || scan->rls || scan->rows < sg_nullable_never_null_min_rows)
		return findings;
	for (int i = 0; i < scan->ncolumns; i++)
	{
		SgDataColumn *col = &scan->columns[i];
		SgFinding  *finding;
		StringInfoData fix;
		StringInfoData rest;
		StringInfoData ev;

		if (!col->check_nulls || !col->readable || col->nulls > 0)
			continue;
		finding = sg_data_finding(SG_RULE_NULLABLE_NEVER_NULL, scan, col->name, NULL);
		finding->message = psprintf("column \"%s\" of table %s is nullable but holds no NULL",
									col->name, scan->relident);
		finding->detail = psprintf("None of the %s holds NULL in it.  Declared NOT NULL, it could not "
								   "get one; nullable, every reader has to handle a NULL that never comes.",
								   sg_data_read_words(scan, scan->rows, "rows"));
		initStringInfo(&fix);
		initStringInfo(&rest);
		sg_fix_not_null(&fix, &rest, rel, scan->relident, col->name, &avoid);
		appendStringInfoString(&fix, rest.data);
		fix.data[--fix.len] = '\0'; /* the last newline */
		finding->fix = fix.data;
		initStringInfo(&ev);
		sg_data_evidence(&ev, scan);
		appendStringInfo(&ev, ", \"nulls\": 0, \"min_rows\": %d}", sg_nullable_never_null_min_rows);
		finding->evidence = ev.data;
		findings = lappend(findings, finding);
	}
	return findings;
}

static bool
sg_wants_empty(SgDataScan *scan, SgDataColumn *col)
{
	return col->check_empty;
}

/*
 * not_null_empty_strings in the audit: a NOT NULL string column (NOT NULL
 * itself or by its domain) in which at least the knob's share of the rows
 * read hold '' (for character(n), spaces only): a NOT NULL that does not
 * keep values from missing.  The HINT is words: whether the value may be
 * missing is the schema owner's decision.
 */
List *
sg_not_null_empty_strings_audit(Relation rel, SgAudit *audit)
{
	SgDataScan *scan;
	List	   *findings;

	if (!sg_data_judged(rel))
		return NIL;
	scan = sg_data_scan(rel, audit);
	findings = sg_data_skips(SG_RULE_NOT_NULL_EMPTY_STRINGS, rel, scan, false, sg_wants_empty);
	if (!scan->read || scan->rows == 0)
		return findings;
	for (int i = 0; i < scan->ncolumns; i++)
	{
		SgDataColumn *col = &scan->columns[i];
		SgFinding  *finding;
		double		share = (double) col->empties / scan->rows;
		StringInfoData ev;

		if (!col->check_empty || !col->readable || col->empties == 0 ||
			share < sg_not_null_empty_strings_fraction)
			continue;
		finding = sg_data_finding(SG_RULE_NOT_NULL_EMPTY_STRINGS, scan, col->name, NULL);
		finding->message = psprintf("NOT NULL column \"%s\" of table %s holds the empty string in %.3g%% of the rows read",
									col->name, scan->relident, 100.0 * share);
		finding->detail = psprintf("%lld of the %s hold '' in it, at least the %.3g%% of "
								   "schema_guard.not_null_empty_strings_fraction: NOT NULL does not "
								   "keep the value from missing, it only makes writers store '' for none.",
								   (long long) col->empties,
								   sg_data_read_words(scan, scan->rows, "rows"),
								   100.0 * sg_not_null_empty_strings_fraction);
		finding->fix = psprintf("Decide whether column \"%s\" may lack a value: if it may, drop its NOT NULL "
								"and store NULL where it holds the empty string; if it may not, give those "
								"rows a value and add a CHECK constraint that refuses the empty string.",
								col->name);
		initStringInfo(&ev);
		sg_data_evidence(&ev, scan);
		appendStringInfo(&ev, ", \"empty_strings\": %lld, \"fraction\": %.6g, \"threshold\": %.6g}",
						 (long long) col->empties, share, sg_not_null_empty_strings_fraction);
		finding->evidence = ev.data;
		findings = lappend(findings, finding);
	}
	return findings;
}

static bool
sg_wants_values(SgDataScan *scan, SgDataColumn *col)
{
	return col->check_values;
}

/*
 * check_values_unused in the audit: values that an enum column's type, or
 * a CHECK "col IN (...)" / "col = ANY (ARRAY[...])" of the table, allows
 * the column and that none of the values read (at least the knob's number)
 * uses.  The HINT is words: a value no row holds yet may be one the
 * application is about to write, and PostgreSQL cannot drop an enum label.
 */
List *
sg_check_values_unused_audit(Relation rel, SgAudit *audit)
{
	SgDataScan *scan;
	List	   *findings;
	ListCell   *lc;

	if (!sg_data_judged(rel))
		return NIL;
	scan = sg_data_scan(rel, audit);
	findings = sg_data_skips(SG_RULE_CHECK_VALUES_UNUSED, rel, scan, true, sg_wants_values);
	if (!scan->read || scan->rls)
		return findings;
	foreach(lc, scan->valuesets)
	{
		SgValueSet *set = lfirst(lc);
		SgDataColumn *col = &scan->columns[set->column];
		SgFinding  *finding;
		StringInfoData unused;
		StringInfoData ev;
		const char *what = set->nunseen == 1 ? "value" : "values";
		const char *verb = set->nunseen == 1 ? "is" : "are";

		if (!col->readable || set->nunseen == 0 ||
			col->values_read < sg_check_values_unused_min_rows)
			continue;
		initStringInfo(&unused);
		initStringInfo(&ev);
		sg_data_evidence(&ev, scan);
		appendStringInfo(&ev, ", \"values_read\": %lld, \"min_rows\": %d, \"allowed\": %d, \"unused\": [",
						 (long long) col->values_read, sg_check_values_unused_min_rows, set->nvalues);
		for (int k = 0, n = 0; k < set->nvalues; k++)
		{
			if (set->seen[k])
				continue;
			appendStringInfo(&unused, "%s%s", n ? ", " : "",
							 quote_literal_cstr(set->labels[k]));
			appendStringInfoString(&ev, n++ ? ", " : "");
			escape_json(&ev, set->labels[k]);
		}
		appendStringInfoString(&ev, "]}");
		if (OidIsValid(set->conoid))
		{
			finding = sg_data_finding(SG_RULE_CHECK_VALUES_UNUSED, scan, col->name, set->conname);
			finding->message = psprintf("%s %s that constraint \"%s\" of table %s allows in column \"%s\" %s used by no row",
										what, unused.data, set->conname, scan->relident, col->name, verb);
			finding->fix = psprintf("If no row of table %s is to hold %s, take %s out of constraint \"%s\" "
									"in a new CHECK constraint, added NOT VALID and validated, and drop the old one.",
									scan->relident, unused.data, set->nunseen == 1 ? "it" : "them",
									set->conname);
		}
		else
		{
			finding = sg_data_finding(SG_RULE_CHECK_VALUES_UNUSED, scan, col->name, NULL);
			finding->message = psprintf("%s %s of type %s %s used by no row of column \"%s\" of table %s",
										what, unused.data, set->type_name, verb, col->name, scan->relident);
			finding->fix = psprintf("If no row is to hold %s, leave %s out of the type of column \"%s\" the "
									"next time it is redefined: PostgreSQL cannot drop a value from an enum.",
									unused.data, set->nunseen == 1 ? "it" : "them", col->name);
		}
		finding->detail = psprintf("None of the %s in column \"%s\" is %s, of the %d %s allows.",
								   sg_data_read_words(scan, col->values_read, "non-NULL values"),
								   col->name, unused.data, set->nvalues,
								   OidIsValid(set->conoid) ? "that the constraint" : "that the type");
		finding->evidence = ev.data;
		findings = lappend(findings, finding);
	}
	return findings;
}

static bool
sg_wants_orphans(SgDataScan *scan, SgDataColumn *col)
{
	return OidIsValid(col->refrelid);
}

/*
 * orphaned_rows in the audit: a column that fk_missing matches with a
 * table (sg_fk_missing_reference: its check, not a copy) holding values
 * that no row of that table has as its key: the rows a foreign key would
 * refuse, and why adding it would fail.  Probed in the referenced table as
 * the caller sees it, so only where the caller may read its key and sees
 * every row of it.  The HINT is words: delete, set NULL or add the
 * missing rows is the data owner's decision.
 */
List *
sg_orphaned_rows_audit(Relation rel, SgAudit *audit)
{
	SgDataScan *scan;
	List	   *findings;

	if (!sg_data_judged(rel))
		return NIL;
	scan = sg_data_scan(rel, audit);
	findings = sg_data_skips(SG_RULE_ORPHANED_ROWS, rel, scan, false, sg_wants_orphans);
	for (int i = 0; i < scan->ncolumns; i++)
	{
		SgDataColumn *col = &scan->columns[i];
		SgFinding  *finding;
		char	   *refident;
		char	   *refcol;
		StringInfoData examples;
		StringInfoData ev;

		if (!OidIsValid(col->refrelid) || !col->readable)
			continue;
		if (col->skipped != NULL && scan->skipped == NULL)
		{
			findings = lappend(findings,
							   sg_audit_skipped(SG_RULE_ORPHANED_ROWS, rel, "column",
												psprintf("%s.%s", scan->relident,
														 quote_identifier(col->name)),
												pstrdup(col->name), col->skipped_why,
												pstrdup(col->skipped)));
			continue;
		}
		if (!scan->read || col->orphans == 0)
			continue;
		refident = sg_relation_identity(col->refrelid);
		refcol = get_attname(col->refrelid, col->refattnum, false);
		initStringInfo(&examples);
		initStringInfo(&ev);
		sg_data_evidence(&ev, scan);
		appendStringInfo(&ev, ", \"orphaned_rows\": %lld, \"references\": ", (long long) col->orphans);
		escape_json(&ev, psprintf("%s.%s", refident, quote_identifier(refcol)));
		appendStringInfoString(&ev, ", \"examples\": [");
		for (int k = 0; k < col->norphan_examples; k++)
		{
			appendStringInfo(&examples, "%s%s", k ? ", " : "",
							 quote_literal_cstr(col->orphan_examples[k]));
			if (k)
				appendStringInfoString(&ev, ", ");
			escape_json(&ev, col->orphan_examples[k]);
		}
		appendStringInfoString(&ev, "]}");
		finding = sg_data_finding(SG_RULE_ORPHANED_ROWS, scan, col->name, NULL);
		finding->message = psprintf("column \"%s\" of table %s holds values that no row of %s has",
									col->name, scan->relident, refident);
		finding->detail = psprintf("%lld of the %s hold a value in \"%s\" that column \"%s\" of %s does not "
								   "(%s%s): validating a foreign key from \"%s\" to %s fails on them.",
								   (long long) col->orphans,
								   sg_data_read_words(scan, scan->rows, "rows"),
								   col->name, refcol, refident, examples.data,
								   col->orphans > col->norphan_examples ? " among others" : "",
								   col->name, refident);
		finding->fix = psprintf("Delete the rows of table %s whose \"%s\" has no row in %s, set it to NULL "
								"in them, or add the missing rows to %s; then add the foreign key.",
								scan->relident, col->name, refident, refident);
		finding->evidence = ev.data;
		findings = lappend(findings, finding);
	}
	return findings;
}
