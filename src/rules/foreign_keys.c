/*-------------------------------------------------------------------------
 *
 * foreign_keys.c
 *		Rule family "foreign_keys": fk_unindexed.
 *
 * A foreign key is covered when a valid btree index has the referencing
 * columns, in any order, as its leading key columns.  A partial index
 * counts only when its predicate is nothing but "col IS NOT NULL" on
 * referencing columns (the rows it leaves out can never match).
 * Partitioned tables are judged by the indexes of the parent; the clones
 * PostgreSQL makes of a foreign key on partitions are skipped.
 *
 * The one check serves the commit moment (only the foreign keys the
 * transaction created, or left uncovered) and the audit (every table).
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

typedef struct SgFkey
{
	char	   *conname;
	Oid			confrelid;
	int			nkeys;
	AttrNumber	keys[INDEX_MAX_KEYS];
} SgFkey;

static bool
sg_fkey_has_column(const SgFkey *fk, AttrNumber attnum)
{
	for (int i = 0; i < fk->nkeys; i++)
		if (fk->keys[i] == attnum)
			return true;
	return false;
}

/* The foreign keys declared on rel itself (not clones from a parent). */
static List *
sg_relation_fkeys(Relation rel)
{
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *result = NIL;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationGetRelid(rel)));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		Datum		conkey;
		bool		isnull;
		ArrayType  *arr;
		SgFkey	   *fk;

		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid))
			continue;
		conkey = heap_getattr(tup, Anum_pg_constraint_conkey,
							  RelationGetDescr(conrel), &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(conkey);
		if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != INT2OID ||
			ARR_DIMS(arr)[0] < 1 || ARR_DIMS(arr)[0] > INDEX_MAX_KEYS)
			continue;

		fk = palloc(sizeof(SgFkey));
		fk->conname = pstrdup(NameStr(con->conname));
		fk->confrelid = con->confrelid;
		fk->nkeys = ARR_DIMS(arr)[0];
		memcpy(fk->keys, ARR_DATA_PTR(arr), fk->nkeys * sizeof(AttrNumber));
		result = lappend(result, fk);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/* Is a partial index's predicate only "fk_col IS NOT NULL" clauses? */
static bool
sg_predicate_only_not_null(HeapTuple indtup, const SgFkey *fk)
{
	bool		isnull;
	Datum		pred = SysCacheGetAttr(INDEXRELID, indtup, Anum_pg_index_indpred, &isnull);
	ListCell   *lc;

	if (isnull)
		return true;
	foreach(lc, make_ands_implicit((Expr *) stringToNode(TextDatumGetCString(pred))))
	{
		NullTest   *test = (NullTest *) lfirst(lc);

		if (!IsA(test, NullTest) || test->nulltesttype != IS_NOT_NULL ||
			test->argisrow || test->arg == NULL || !IsA(test->arg, Var) ||
			!sg_fkey_has_column(fk, ((Var *) test->arg)->varattno))
			return false;
	}
	return true;
}

static Oid
sg_index_access_method(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	Oid			relam;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	relam = ((Form_pg_class) GETSTRUCT(tup))->relam;
	ReleaseSysCache(tup);
	return relam;
}

static bool
sg_fkey_covered(List *indexoids, const SgFkey *fk)
{
	ListCell   *lc;

	foreach(lc, indexoids)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	indtup;
		Form_pg_index idx;
		bool		covered;

		if (sg_index_access_method(indexoid) != BTREE_AM_OID)
			continue;
		indtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		if (!HeapTupleIsValid(indtup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(indtup);

		covered = idx->indisvalid && idx->indnkeyatts >= fk->nkeys;
		/* Key columns are distinct, so nkeys members means the same set. */
		for (int i = 0; covered && i < fk->nkeys; i++)
			covered = sg_fkey_has_column(fk, idx->indkey.values[i]);
		if (covered)
			covered = sg_predicate_only_not_null(indtup, fk);
		ReleaseSysCache(indtup);
		if (covered)
			return true;
	}
	return false;
}

static char *
sg_fkey_column_list(Relation rel, const SgFkey *fk)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(get_attname(RelationGetRelid(rel),
													  fk->keys[i], false)));
	return buf.data;
}

static SgFinding *
sg_fk_unindexed_finding(Relation rel, const SgFkey *fk)
{
	SgFinding  *finding = palloc0(sizeof(SgFinding));
	char	   *relident = sg_relation_identity(RelationGetRelid(rel));
	char	   *columns = sg_fkey_column_list(rel, fk);
	char	   *label = makeObjectName(RelationGetRelationName(rel),
									   get_attname(RelationGetRelid(rel), fk->keys[0], false),
									   "idx");

	finding->rule = SG_RULE_FK_UNINDEXED;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "foreign key";
	finding->subname = fk->conname;
	finding->object_identity = psprintf("%s on %s", quote_identifier(fk->conname), relident);
	finding->message = psprintf("foreign key \"%s\" of table %s has no index on its referencing columns",
								fk->conname, relident);
	finding->detail = psprintf("No valid btree index of %s starts with (%s). Every DELETE or key UPDATE on %s "
							   "then scans %s for referencing rows while holding its locks, and joins on the key cannot use an index.",
							   relident, columns, sg_relation_identity(fk->confrelid), relident);
	finding->fix = sg_fix_create_index(rel, label, false,
									   psprintf("USING btree (%s)", columns));
	return finding;
}

/*
 * fk_unindexed findings for rel: every foreign key declared on it, or only
 * those named in only_names when that list is not empty.
 */
List *
sg_fk_unindexed_findings(Relation rel, List *only_names)
{
	List	   *indexoids = RelationGetIndexList(rel);
	List	   *findings = NIL;
	ListCell   *lc;

	foreach(lc, sg_relation_fkeys(rel))
	{
		SgFkey	   *fk = lfirst(lc);
		bool		wanted = (only_names == NIL);
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		foreach(lc2, only_names)
		{
			if (strcmp(fk->conname, lfirst(lc2)) == 0)
				wanted = true;
		}
		if (wanted && !sg_fkey_covered(indexoids, fk))
			findings = lappend(findings, sg_fk_unindexed_finding(rel, fk));
	}
	list_free(indexoids);
	return findings;
}

/*
 * Before a statement that may drop an index (DROP INDEX, ALTER TABLE DROP
 * CONSTRAINT or DROP COLUMN): remember the foreign keys of relid that are
 * covered now, so that the commit check catches the ones the transaction
 * leaves uncovered, and only those.
 *
 * DROP INDEX CONCURRENTLY (dropping_now) commits several transactions of
 * its own and marks the index invalid in place, where an error would
 * leave it half dropped; and no later statement of a transaction can
 * repair what it does.  So it is judged at once, before it starts: the
 * foreign keys covered now and no longer covered without that index.
 */
void
sg_remember_covered_fkeys(Oid relid, Oid dropping_now)
{
	Relation	rel;
	List	   *indexoids;
	List	   *remaining;
	List	   *findings = NIL;
	ListCell   *lc;

	if (sg_effective_level(SG_RULE_FK_UNINDEXED) == SG_LEVEL_OFF)
		return;
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return;
	if (sg_relation_guarded(rel) &&
		(rel->rd_rel->relkind == RELKIND_RELATION ||
		 rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE))
	{
		indexoids = RelationGetIndexList(rel);
		remaining = list_difference_oid(indexoids, list_make1_oid(dropping_now));
		foreach(lc, sg_relation_fkeys(rel))
		{
			SgFkey	   *fk = lfirst(lc);

			if (!sg_fkey_covered(indexoids, fk))
				continue;
			if (!OidIsValid(dropping_now))
				sg_pending_add(SG_PENDING_FKEY, relid, fk->conname);
			else if (!sg_fkey_covered(remaining, fk))
				findings = lappend(findings, sg_fk_unindexed_finding(rel, fk));
		}
	}
	foreach(lc, findings)
		sg_raise(lfirst(lc));
	relation_close(rel, AccessShareLock);
}
