/*-------------------------------------------------------------------------
 *
 * sequences.c
 *		Rule family "sequences", judged by the audit only:
 *		sequence_near_exhaustion.
 *
 * A sequence runs out at the smaller of two limits: its own MAXVALUE (an
 * "AS integer" sequence feeding a bigint column) and the largest value of
 * the type of every column whose default draws from it (a bigint sequence
 * feeding an integer column).  Tools that look at one of them miss the
 * other; this rule takes both, through the catalog's dependencies (the
 * column that owns the sequence, identity or serial, and every column
 * default that calls it), never by parsing defaults.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* schema_guard.sequence_near_exhaustion_threshold */
static double sg_sequence_threshold = 0.8;

void
sg_sequences_define_gucs(void)
{
	DefineCustomRealVariable("schema_guard.sequence_near_exhaustion_threshold",
							 "Share of a sequence's values used at which sequence_near_exhaustion reports it.",
							 "Measured against the smaller of the sequence's limit and its columns' types'.",
							 &sg_sequence_threshold,
							 0.8, 0.0, 1.0,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
}

/* A column that takes its values from the sequence. */
typedef struct SgSeqColumn
{
	Oid			relid;
	AttrNumber	attnum;
} SgSeqColumn;

static List *
sg_seq_add_column(List *columns, Oid relid, AttrNumber attnum)
{
	ListCell   *lc;
	SgSeqColumn *col;

	foreach(lc, columns)
	{
		col = lfirst(lc);
		if (col->relid == relid && col->attnum == attnum)
			return columns;
	}
	col = palloc(sizeof(SgSeqColumn));
	col->relid = relid;
	col->attnum = attnum;
	return lappend(columns, col);
}

/*
 * The columns the sequence feeds: the one that owns it (serial: 'a',
 * identity: 'i', from the sequence to the column), and every column whose
 * default depends on it (from pg_attrdef to the sequence).
 */
static List *
sg_sequence_columns(Oid seqid)
{
	Relation	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *columns = NIL;
	List	   *defaults = NIL;
	ListCell   *lc;

	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(seqid));
	scan = systable_beginscan(deprel, DependDependerIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->refclassid == RelationRelationId && dep->refobjsubid > 0 &&
			(dep->deptype == DEPENDENCY_AUTO || dep->deptype == DEPENDENCY_INTERNAL))
			columns = sg_seq_add_column(columns, dep->refobjid, dep->refobjsubid);
	}
	systable_endscan(scan);

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(seqid));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->classid == AttrDefaultRelationId)
			defaults = lappend_oid(defaults, dep->objid);
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);

	foreach(lc, defaults)
	{
		Relation	adrel = table_open(AttrDefaultRelationId, AccessShareLock);

		ScanKeyInit(&key[0], Anum_pg_attrdef_oid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(lfirst_oid(lc)));
		scan = systable_beginscan(adrel, AttrDefaultOidIndexId, true, NULL, 1, key);
		if (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_attrdef def = (Form_pg_attrdef) GETSTRUCT(tup);

			columns = sg_seq_add_column(columns, def->adrelid, def->adnum);
		}
		systable_endscan(scan);
		table_close(adrel, AccessShareLock);
	}
	return columns;
}

/* The range of an integer type (domains resolved); false for others. */
static bool
sg_integer_type_range(Oid typid, int64 *min, int64 *max)
{
	switch (getBaseType(typid))
	{
		case INT2OID:
			*min = PG_INT16_MIN;
			*max = PG_INT16_MAX;
			return true;
		case INT4OID:
			*min = PG_INT32_MIN;
			*max = PG_INT32_MAX;
			return true;
		case INT8OID:
			*min = PG_INT64_MIN;
			*max = PG_INT64_MAX;
			return true;
		default:
			return false;
	}
}

/*
 * The sequence's last value, or the value its next call returns when it
 * was never called since its creation or a setval(..., false) or RESTART:
 * a sequence restarted near its limit is near it (pg_sequence_last_value()
 * and pg_sequences say NULL then).  Read from its one tuple, as the
 * caller, who has SELECT or USAGE on it; its start when it cannot be read
 * (unlogged, on a standby).
 */
static int64
sg_sequence_last_value(Relation rel, int64 start)
{
	Buffer		buf;
	Page		page;
	ItemId		lp;
	int64		last = start;

	if (rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED && RecoveryInProgress())
		return start;
	buf = ReadBuffer(rel, 0);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	lp = PageGetMaxOffsetNumber(page) >= FirstOffsetNumber ?
		PageGetItemId(page, FirstOffsetNumber) : NULL;
	if (lp != NULL && ItemIdIsNormal(lp))
	{
		HeapTupleHeader tup = (HeapTupleHeader) PageGetItem(page, lp);

		/* last_value is the tuple's first field */
		if (ItemIdGetLength(lp) >= tup->t_hoff + sizeof(int64))
			last = ((Form_pg_sequence_data) ((char *) tup + tup->t_hoff))->last_value;
	}
	UnlockReleaseBuffer(buf);
	return last;
}

/*
 * sequence_near_exhaustion: the share of the values between the sequence's
 * minimum (maximum, counting down) and its effective limit already used is
 * at least the threshold.  A cycling sequence never runs out.
 */
List *
sg_sequence_near_exhaustion_audit(Relation rel, SgAudit *audit)
{
	Oid			seqid = RelationGetRelid(rel);
	HeapTuple	tup;
	Form_pg_sequence seq;
	int64		seqmin,
				seqmax,
				increment,
				start,
				last,
				limit,
				base;
	bool		up;
	const char *narrowest = "bigint";
	int64		narrowest_limit = PG_INT64_MAX;
	const char *limit_source = "sequence";
	SgSeqColumn *limiting = NULL;
	Oid			limiting_type = InvalidOid;
	StringInfoData cols;
	double		used;
	char	   *seqident;
	SgFinding  *finding;
	ListCell   *lc;

	if (rel->rd_rel->relkind != RELKIND_SEQUENCE)
		return NIL;
	tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seqid));
	if (!HeapTupleIsValid(tup))
		return NIL;
	seq = (Form_pg_sequence) GETSTRUCT(tup);
	seqmin = seq->seqmin;
	seqmax = seq->seqmax;
	increment = seq->seqincrement;
	start = seq->seqstart;
	if (seq->seqcycle)
	{
		ReleaseSysCache(tup);
		return NIL;
	}
	ReleaseSysCache(tup);
	seqident = sg_relation_identity(seqid);

	if (pg_class_aclcheck(seqid, GetUserId(), ACL_SELECT | ACL_USAGE) != ACLCHECK_OK)
		return list_make1(sg_audit_skipped(SG_RULE_SEQUENCE_NEAR_EXHAUSTION, rel, "sequence",
										   seqident, NULL, SG_SKIP_PRIVILEGE,
										   "no SELECT or USAGE privilege to read its last value"));
	last = sg_sequence_last_value(rel, start);

	up = increment > 0;
	limit = up ? seqmax : seqmin;
	base = up ? seqmin : seqmax;
	initStringInfo(&cols);
	foreach(lc, sg_sequence_columns(seqid))
	{
		SgSeqColumn *col = lfirst(lc);
		Oid			typid = get_atttype(col->relid, col->attnum);
		char	   *relname = get_rel_name(col->relid);
		int64		tmin,
					tmax;

		if (relname == NULL || !OidIsValid(typid))
			continue;
		appendStringInfo(&cols, "%s%s", cols.len > 0 ? ", " : "",
						 sg_evidence_string(psprintf("%s.%s", sg_relation_identity(col->relid),
													 quote_identifier(get_attname(col->relid, col->attnum, false)))));
		if (!sg_integer_type_range(typid, &tmin, &tmax))
			continue;
		if (tmax < narrowest_limit)
		{
			narrowest_limit = tmax;
			narrowest = format_type_be(getBaseType(typid));
		}
		/* at equal limits the column's type is what has to change */
		if (up ? tmax <= limit : tmin >= limit)
		{
			limit = up ? tmax : tmin;
			limit_source = "column type";
			limiting = col;
			limiting_type = typid;
		}
	}

	if (limit == base)
		return NIL;
	used = ((double) last - (double) base) / ((double) limit - (double) base);
	if (used < sg_sequence_threshold)
		return NIL;

	finding = palloc0(sizeof(SgFinding));
	finding->rule = SG_RULE_SEQUENCE_NEAR_EXHAUSTION;
	finding->relid = seqid;
	finding->object_type = "sequence";
	finding->object_identity = seqident;
	finding->message = psprintf("sequence %s has used %d%% of its values",
								seqident, (int) (used * 100));
	if (limiting != NULL)
	{
		char	   *colident = psprintf("%s.%s", sg_relation_identity(limiting->relid),
										quote_identifier(get_attname(limiting->relid,
																	 limiting->attnum, false)));

		finding->detail = psprintf("Its last value is " INT64_FORMAT "; column %s that it feeds is "
								   "of type %s, which ends at " INT64_FORMAT ", before the sequence "
								   "does.  Once there, every insert that draws a value fails.",
								   last, colident, format_type_be(limiting_type), limit);
		finding->fix = psprintf("Change column %s to bigint before it runs out: the change "
								"rewrites the table under an ACCESS EXCLUSIVE lock, so on a large "
								"table add a bigint column, fill it in batches and swap the two.",
								colident);
	}
	else
	{
		finding->detail = psprintf("Its last value is " INT64_FORMAT " and it ends at " INT64_FORMAT
								   ", its own %s.  Once there, every insert that draws a value fails.",
								   last, limit, up ? "MAXVALUE" : "MINVALUE");
		/* as far as the narrowest column it feeds can go */
		finding->fix = up ?
			psprintf("ALTER SEQUENCE %s AS %s MAXVALUE " INT64_FORMAT ";", seqident,
					 narrowest, narrowest_limit) :
			psprintf("Lower the minimum value of sequence %s as far as the types of the "
					 "columns it feeds allow, or widen those columns to bigint.", seqident);
	}
	finding->evidence = psprintf("{\"last_value\": " INT64_FORMAT ", \"limit\": " INT64_FORMAT
								 ", \"limit_source\": \"%s\", \"used\": %.4f, \"threshold\": %g, "
								 "\"columns\": [%s]}",
								 last, limit, limit_source, used, sg_sequence_threshold, cols.data);
	return list_make1(finding);
}
