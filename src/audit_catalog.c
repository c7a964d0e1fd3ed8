/*-------------------------------------------------------------------------
 *
 * audit_catalog.c
 *		The catalog rows the rules read about a relation: its indexes, its
 *		constraints, whether an extension owns it.  Looked up one relation
 *		at a time, or, during an audit, read once for the whole database.
 *
 * A rule's check is written once and serves the commit and the audit; only
 * where these rows come from differs.  One relation at a time, an audit of
 * 10,000 tables makes tens of thousands of catalog index probes, each for
 * a row it reads once; read once per audit, the same rows cost one
 * sequential scan each of pg_index, pg_class and pg_constraint.
 *
 * The audit's copy is as of the audit's start.  A relation changed since
 * then (a committed DDL sends its relcache invalidation, which reaches us
 * at the latest when the audit locks the relation) is read afresh, so no
 * rule judges a relation by rows older than its lock.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* What an index's pg_class row adds to its pg_index row. */
typedef struct SgIndexClass
{
	NameData	name;
	char		relkind;
	bool		ispartition;
	Oid			am;
	int32		pages;
} SgIndexClass;

/* An index in the audit's copy. */
typedef struct SgIndexRows
{
	Oid			oid;			/* hash key (pg_class pass) */
	HeapTuple	indextup;		/* pg_index */
	SgIndexClass cls;
	bool		has_class;		/* its pg_class row was read */
} SgIndexRows;

/* A relation's rows in the audit's copy. */
typedef struct SgRelRows
{
	Oid			relid;			/* hash key */
	List	   *indexes;		/* SgIndexRows, by OID as RelationGetIndexList */
	List	   *constraints;	/* pg_constraint tuples, in the order of the
								 * (conrelid, contypid, conname) index */
} SgRelRows;

/* Relations invalidated since the copy was read, before all count as such. */
#define SG_CATALOG_MAX_CHANGED	256

typedef struct SgAuditCatalog
{
	HTAB	   *rels;			/* SgRelRows by relid */
	HTAB	   *extension_rels; /* relids, members of an extension */
	bool		all_changed;
	int			nchanged;
	Oid			changed[SG_CATALOG_MAX_CHANGED];
} SgAuditCatalog;

static SgAuditCatalog *sg_catalog = NULL;
static bool sg_catalog_callback_registered = false;

/* Relcache invalidation: the relation's rows in the copy are stale. */
static void
sg_audit_catalog_changed(Datum arg, Oid relid)
{
	if (sg_catalog == NULL)
		return;
	if (!OidIsValid(relid) || sg_catalog->nchanged >= SG_CATALOG_MAX_CHANGED)
		sg_catalog->all_changed = true;
	else
		sg_catalog->changed[sg_catalog->nchanged++] = relid;
}

static bool
sg_audit_catalog_is_changed(Oid relid)
{
	if (sg_catalog->all_changed)
		return true;
	for (int i = 0; i < sg_catalog->nchanged; i++)
		if (sg_catalog->changed[i] == relid)
			return true;
	return false;
}

/*
 * A copy of a catalog row with its out-of-line values read in, as the
 * catalog caches keep theirs: it stays readable whatever the catalog does.
 */
static HeapTuple
sg_catalog_row_copy(HeapTuple tup, Relation rel)
{
	if (HeapTupleHasExternal(tup))
		return toast_flatten_tuple(tup, RelationGetDescr(rel));
	return heap_copytuple(tup);
}

static HTAB *
sg_oid_hash(const char *name, Size entrysize, MemoryContext mcxt)
{
	HASHCTL		ctl = {0};

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = entrysize;
	ctl.hcxt = mcxt;
	return hash_create(name, 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static SgRelRows *
sg_rel_rows_enter(Oid relid)
{
	bool		found;
	SgRelRows  *rows = hash_search(sg_catalog->rels, &relid, HASH_ENTER, &found);

	if (!found)
	{
		rows->indexes = NIL;
		rows->constraints = NIL;
	}
	return rows;
}

static int
sg_index_rows_cmp(const ListCell *a, const ListCell *b)
{
	Oid			x = ((const SgIndexRows *) lfirst(a))->oid;
	Oid			y = ((const SgIndexRows *) lfirst(b))->oid;

	return x < y ? -1 : x > y ? 1 : 0;
}

static int
sg_constraint_rows_cmp(const ListCell *a, const ListCell *b)
{
	Form_pg_constraint x = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(a));
	Form_pg_constraint y = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(b));

	if (x->contypid != y->contypid)
		return x->contypid < y->contypid ? -1 : 1;
	return strncmp(NameStr(x->conname), NameStr(y->conname), NAMEDATALEN);
}

/* Every live index's pg_index row, by table, and its pg_class row. */
static void
sg_audit_catalog_read_indexes(MemoryContext mcxt)
{
	HTAB	   *byoid = sg_oid_hash("schema_guard audit indexes", sizeof(SgIndexRows), mcxt);
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index form = (Form_pg_index) GETSTRUCT(tup);
		SgIndexRows *idx;
		SgRelRows  *rows;

		CHECK_FOR_INTERRUPTS();
		/* being dropped: RelationGetIndexList leaves it out too */
		if (!form->indislive)
			continue;
		idx = hash_search(byoid, &form->indexrelid, HASH_ENTER, NULL);
		idx->indextup = sg_catalog_row_copy(tup, rel);
		idx->has_class = false;
		rows = sg_rel_rows_enter(form->indrelid);
		rows->indexes = lappend(rows->indexes, idx);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		SgIndexRows *idx;

		CHECK_FOR_INTERRUPTS();
		if ((cls->relkind != RELKIND_INDEX && cls->relkind != RELKIND_PARTITIONED_INDEX) ||
			(idx = hash_search(byoid, &cls->oid, HASH_FIND, NULL)) == NULL)
			continue;
		idx->cls.name = cls->relname;
		idx->cls.relkind = cls->relkind;
		idx->cls.ispartition = cls->relispartition;
		idx->cls.am = cls->relam;
		idx->cls.pages = cls->relpages;
		idx->has_class = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* Every constraint of a relation, by relation. */
static void
sg_audit_catalog_read_constraints(void)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		SgRelRows  *rows;

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(con->conrelid))
			continue;
		rows = sg_rel_rows_enter(con->conrelid);
		rows->constraints = lappend(rows->constraints, sg_catalog_row_copy(tup, rel));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * Read the copy the rules consult until sg_audit_catalog_end(), in mcxt;
 * the caller calls that one on error too.  extension_rels: the relations
 * that are members of an extension.
 */
void
sg_audit_catalog_begin(MemoryContext mcxt, List *extension_rels)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	HASH_SEQ_STATUS status;
	SgRelRows  *rows;
	ListCell   *lc;

	if (!sg_catalog_callback_registered)
	{
		CacheRegisterRelcacheCallback(sg_audit_catalog_changed, (Datum) 0);
		sg_catalog_callback_registered = true;
	}

	/* an audit within an audit replaces the copy: the outer one reads afresh */
	sg_catalog = palloc0(sizeof(SgAuditCatalog));
	sg_catalog->rels = sg_oid_hash("schema_guard audit relations", sizeof(SgRelRows), mcxt);
	sg_catalog->extension_rels = sg_oid_hash("schema_guard audit extension members",
											 sizeof(Oid), mcxt);
	foreach(lc, extension_rels)
		(void) hash_search(sg_catalog->extension_rels, &lfirst_oid(lc), HASH_ENTER, NULL);

	/*
	 * Invalidations are recorded from now on; every change the scans below do
	 * not see is committed after their snapshot, and its invalidation sent
	 * after that.
	 */
	AcceptInvalidationMessages();
	InvalidateCatalogSnapshot();
	sg_audit_catalog_read_indexes(mcxt);
	sg_audit_catalog_read_constraints();

	hash_seq_init(&status, sg_catalog->rels);
	while ((rows = hash_seq_search(&status)) != NULL)
	{
		list_sort(rows->indexes, sg_index_rows_cmp);
		list_sort(rows->constraints, sg_constraint_rows_cmp);
	}
	MemoryContextSwitchTo(old);
}

/* Back to reading one relation at a time (the copy goes with its context). */
void
sg_audit_catalog_end(void)
{
	sg_catalog = NULL;
}

/*
 * The relation's rows in the audit's copy, or NULL when there is no copy
 * or it is stale for the relation or one of its indexes.
 */
static SgRelRows *
sg_audit_catalog_rows(Oid relid)
{
	static SgRelRows none = {InvalidOid, NIL, NIL};
	SgRelRows  *rows;
	ListCell   *lc;

	if (sg_catalog == NULL || sg_audit_catalog_is_changed(relid))
		return NULL;
	rows = hash_search(sg_catalog->rels, &relid, HASH_FIND, NULL);
	if (rows == NULL)
		return &none;
	foreach(lc, rows->indexes)
	{
		SgIndexRows *idx = lfirst(lc);

		if (!idx->has_class || sg_audit_catalog_is_changed(idx->oid))
			return NULL;
	}
	return rows;
}

/* Is the relation a member of an extension? */
bool
sg_relation_in_extension(Oid relid)
{
	if (sg_catalog != NULL)
		return hash_search(sg_catalog->extension_rels, &relid, HASH_FIND, NULL) != NULL;
	return OidIsValid(getExtensionOfObject(RelationRelationId, relid));
}

/*
 * The pg_constraint rows of the relation, in the order of the (conrelid,
 * contypid, conname) index: the audit's copy (read only), or copies read
 * now.  Read their columns with SysCacheGetAttr(CONSTROID, ...).
 */
List *
sg_relation_constraints(Oid relid)
{
	SgRelRows  *rows = sg_audit_catalog_rows(relid);
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *result = NIL;

	if (rows != NULL)
		return rows->constraints;
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		result = lappend(result, sg_catalog_row_copy(tup, conrel));
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/* An index as its pg_index row and the fields of its pg_class row say. */
static SgIndex *
sg_index_make(Oid indexoid, HeapTuple indextup, const SgIndexClass *cls)
{
	Form_pg_index form = (Form_pg_index) GETSTRUCT(indextup);
	SgIndex    *idx = palloc0(sizeof(SgIndex));
	Datum		d;
	bool		isnull;
	List	   *exprs = NIL;
	ListCell   *next;

	idx->oid = indexoid;
	idx->name = pstrdup(NameStr(cls->name));
	idx->relkind = cls->relkind;
	idx->ispartition = cls->ispartition;
	idx->am = cls->am;
	idx->pages = cls->pages;
	idx->natts = form->indnatts;
	idx->nkeyatts = form->indnkeyatts;
	idx->unique = form->indisunique;
#if PG_VERSION_NUM >= 150000
	idx->nulls_not_distinct = form->indnullsnotdistinct;
#endif
	idx->immediate = form->indimmediate;
	idx->primary = form->indisprimary;
	idx->exclusion = form->indisexclusion;
	idx->valid = form->indisvalid;
	idx->ready = form->indisready;
	idx->replident = form->indisreplident;

	d = SysCacheGetAttr(INDEXRELID, indextup, Anum_pg_index_indexprs, &isnull);
	if (!isnull)
		exprs = (List *) stringToNode(TextDatumGetCString(d));
	idx->has_exprs = exprs != NIL;
	next = list_head(exprs);
	for (int i = 0; i < form->indnatts; i++)
	{
		idx->keys[i] = form->indkey.values[i];
		if (idx->keys[i] == 0 && next != NULL)
		{
			idx->exprs[i] = lfirst(next);
			next = lnext(exprs, next);
		}
	}
	d = SysCacheGetAttr(INDEXRELID, indextup, Anum_pg_index_indclass, &isnull);
	if (!isnull)
		for (int i = 0; i < idx->nkeyatts; i++)
			idx->opclass[i] = ((oidvector *) DatumGetPointer(d))->values[i];
	d = SysCacheGetAttr(INDEXRELID, indextup, Anum_pg_index_indcollation, &isnull);
	if (!isnull)
		for (int i = 0; i < idx->nkeyatts; i++)
			idx->coll[i] = ((oidvector *) DatumGetPointer(d))->values[i];
	d = SysCacheGetAttr(INDEXRELID, indextup, Anum_pg_index_indoption, &isnull);
	if (!isnull)
		for (int i = 0; i < idx->nkeyatts; i++)
			idx->option[i] = ((int2vector *) DatumGetPointer(d))->values[i];
	d = SysCacheGetAttr(INDEXRELID, indextup, Anum_pg_index_indpred, &isnull);
	if (!isnull)
		idx->pred = (Node *) stringToNode(TextDatumGetCString(d));
	return idx;
}

/* The index read now from the catalog caches; NULL if it is gone. */
static SgIndex *
sg_index_lookup(Oid indexoid)
{
	HeapTuple	indextup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	HeapTuple	classtup;
	Form_pg_class form;
	SgIndexClass cls;
	SgIndex    *idx;

	if (!HeapTupleIsValid(indextup))
		return NULL;			/* dropped meanwhile (CONCURRENTLY) */
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(classtup))
	{
		ReleaseSysCache(indextup);
		return NULL;
	}
	form = (Form_pg_class) GETSTRUCT(classtup);
	cls.name = form->relname;
	cls.relkind = form->relkind;
	cls.ispartition = form->relispartition;
	cls.am = form->relam;
	cls.pages = form->relpages;
	ReleaseSysCache(classtup);
	idx = sg_index_make(indexoid, indextup, &cls);
	ReleaseSysCache(indextup);
	return idx;
}

/*
 * The indexes of rel (SgIndex, by OID like RelationGetIndexList), new
 * structs in the current memory context.
 */
List *
sg_relation_index_list(Relation rel)
{
	SgRelRows  *rows = sg_audit_catalog_rows(RelationGetRelid(rel));
	List	   *result = NIL;
	ListCell   *lc;

	if (rows != NULL)
	{
		foreach(lc, rows->indexes)
		{
			SgIndexRows *idx = lfirst(lc);

			result = lappend(result, sg_index_make(idx->oid, idx->indextup, &idx->cls));
		}
		return result;
	}
	foreach(lc, RelationGetIndexList(rel))
	{
		SgIndex    *idx = sg_index_lookup(lfirst_oid(lc));

		CHECK_FOR_INTERRUPTS();
		if (idx != NULL)
			result = lappend(result, idx);
	}
	return result;
}
