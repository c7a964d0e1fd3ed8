/*-------------------------------------------------------------------------
 *
 * indexes.c
 *		Rule family "indexes", judged by the audit only: index_invalid,
 *		index_duplicate, index_redundant and index_unused.
 *
 * Indexes are compared as the catalog describes them, never as text: key
 * columns by number or by expression tree, with their operator classes,
 * collations and orders, INCLUDE columns, predicates as node trees.  An
 * index the table needs for something else (a constraint, a foreign key's
 * lookups, the replica identity) is never proposed for dropping in favour
 * of one that does not do that job.
 *
 * index_unused reads the statistics since they were last reset, and the
 * time the guard saw each index created (schema_guard.index_created,
 * written at ddl_end): an index younger than schema_guard.index_unused_min_age,
 * or statistics younger than that, say nothing yet.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "pgstat.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* schema_guard.index_unused_min_age, in seconds: a week */
static int	sg_index_unused_min_age = 7 * 24 * 3600;

void
sg_indexes_define_gucs(void)
{
	DefineCustomIntVariable("schema_guard.index_unused_min_age",
							"Shortest time without scans after which index_unused calls an index unused.",
							"Counted from the later of the last statistics reset and the index's creation as the guard saw it.",
							&sg_index_unused_min_age,
							7 * 24 * 3600, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
}

/*
 * What the other indexes of the table are to one of them, found in one
 * walk over the pairs for index_duplicate and index_redundant.
 */
typedef struct SgIndexPeers
{
	SgIndex    *keep;			/* the duplicate the table keeps instead */
	SgIndex    *cover;			/* the narrowest index that serves its lookups */
} SgIndexPeers;

/* The indexes of the relation the audit is on, kept for its four rules. */
typedef struct SgIndexCache
{
	MemoryContext cxt;
	Oid			relid;
	List	   *indexes;		/* SgIndex */
	List	   *fkeys;			/* OIDs of those that serve a foreign key */
	SgIndexPeers *peers;		/* by position in indexes; NULL until needed */
} SgIndexCache;

/*
 * The indexes of rel, read once for the four rules that judge it (they
 * run one after the other on the same relation).
 */
static SgIndexCache *
sg_index_cache(Relation rel, SgAudit *audit)
{
	SgIndexCache *cache = audit->state[SG_RULE_INDEX_INVALID];
	MemoryContext old;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(audit->mcxt, sizeof(SgIndexCache));
		cache->cxt = AllocSetContextCreate(audit->mcxt, "schema_guard audit indexes",
										   ALLOCSET_SMALL_SIZES);
		audit->state[SG_RULE_INDEX_INVALID] = cache;
	}
	if (cache->relid == RelationGetRelid(rel))
		return cache;

	MemoryContextReset(cache->cxt);
	cache->relid = RelationGetRelid(rel);
	cache->peers = NULL;
	old = MemoryContextSwitchTo(cache->cxt);
	cache->indexes = sg_relation_index_list(rel);
	cache->fkeys = sg_fkey_supporting_indexes(rel, cache->indexes);
	MemoryContextSwitchTo(old);
	return cache;
}

static bool
sg_index_serves_fk(const SgIndexCache *cache, const SgIndex *idx)
{
	return list_member_oid(cache->fkeys, idx->oid);
}

/* Is column i of a the same column or expression as column j of b? */
static bool
sg_index_same_column(const SgIndex *a, int i, const SgIndex *b, int j)
{
	return a->keys[i] == b->keys[j] &&
		(a->keys[i] != 0 || equal(a->exprs[i], b->exprs[j]));
}

/*
 * Are a's first n key columns those of b, compared as keys: the same
 * columns or expressions, operator classes, collations, and orders (all
 * the same, or all reversed: a btree scans backwards)?
 */
static bool
sg_index_same_keys(const SgIndex *a, const SgIndex *b, int n)
{
	bool		same_order = true;
	bool		reversed = true;

	if (n > a->nkeyatts || n > b->nkeyatts)
		return false;
	for (int i = 0; i < n; i++)
	{
		if (!sg_index_same_column(a, i, b, i) ||
			a->opclass[i] != b->opclass[i] || a->coll[i] != b->coll[i])
			return false;
		same_order &= (a->option[i] == b->option[i]);
		reversed &= (a->option[i] == (b->option[i] ^ (INDOPTION_DESC | INDOPTION_NULLS_FIRST)));
	}
	return same_order || (reversed && a->am == BTREE_AM_OID);
}

/*
 * Given sg_index_same_keys(a, b, n): are the orders each other's reverse
 * (b scanned backwards reads a's order) rather than the same?
 */
static bool
sg_index_reversed(const SgIndex *a, const SgIndex *b, int n)
{
	return n > 0 && a->option[0] != b->option[0];
}

/* Is every INCLUDE column of a one of b's columns? */
static bool
sg_index_includes_covered(const SgIndex *a, const SgIndex *b)
{
	for (int i = a->nkeyatts; i < a->natts; i++)
	{
		bool		found = false;

		for (int j = 0; j < b->natts && !found; j++)
			found = sg_index_same_column(a, i, b, j);
		if (!found)
			return false;
	}
	return true;
}

/* May the index be judged against others: built, valid, not an exclusion? */
static bool
sg_index_comparable(const SgIndex *idx)
{
	return idx->valid && idx->ready && !idx->exclusion;
}

/* Are a and b the same index twice (validity aside)? */
static bool
sg_index_duplicates(const SgIndex *a, const SgIndex *b)
{
	return a->oid != b->oid && a->am == b->am &&
		a->natts == b->natts && a->nkeyatts == b->nkeyatts &&
		a->unique == b->unique && a->nulls_not_distinct == b->nulls_not_distinct &&
		a->immediate == b->immediate && a->exclusion == b->exclusion &&
		sg_index_same_keys(a, b, a->nkeyatts) &&
		sg_index_includes_covered(a, b) && sg_index_includes_covered(b, a) &&
		equal(a->pred, b->pred);
}

static int64
sg_index_scans(const SgIndex *idx)
{
	int64		scans = 0;
	ListCell   *lc;

	if (idx->relkind != RELKIND_PARTITIONED_INDEX)
		return DatumGetInt64(DirectFunctionCall1(pg_stat_get_numscans,
												 ObjectIdGetDatum(idx->oid)));
	/* a partitioned index is scanned through its partitions' */
	foreach(lc, find_all_inheritors(idx->oid, NoLock, NULL))
	{
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_INDEX)
			scans += DatumGetInt64(DirectFunctionCall1(pg_stat_get_numscans,
													   ObjectIdGetDatum(lfirst_oid(lc))));
	}
	return scans;
}

/*
 * The size of the index (its partitions' for a partitioned one) as
 * pg_class.relpages has it (its last VACUUM, ANALYZE or build): reading
 * the file's would open every index the audit reports.
 */
static char *
sg_index_size_json(const SgIndex *idx)
{
	int64		pages = idx->pages;
	ListCell   *lc;

	if (idx->relkind == RELKIND_PARTITIONED_INDEX)
	{
		pages = 0;
		foreach(lc, find_all_inheritors(idx->oid, NoLock, NULL))
		{
			HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));

			if (!HeapTupleIsValid(tup))
				continue;
			if (((Form_pg_class) GETSTRUCT(tup))->relkind == RELKIND_INDEX)
				pages += Max(((Form_pg_class) GETSTRUCT(tup))->relpages, 0);
			ReleaseSysCache(tup);
		}
	}
	return psprintf(INT64_FORMAT, Max(pages, 0) * BLCKSZ);
}

static char *
sg_index_identity(Relation rel, const SgIndex *idx)
{
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  idx->name);
}

/*
 * SQL that drops the index without blocking writes: CONCURRENTLY, which a
 * partitioned index does not support.
 */
static char *
sg_index_drop_fix(Relation rel, const SgIndex *idx)
{
	return psprintf("DROP INDEX %s%s;",
					idx->relkind == RELKIND_PARTITIONED_INDEX ? "" : "CONCURRENTLY ",
					sg_index_identity(rel, idx));
}

static SgFinding *
sg_index_finding(SgRuleId rule, Relation rel, const SgIndex *idx)
{
	SgFinding  *finding = palloc0(sizeof(SgFinding));

	finding->rule = rule;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "index";
	finding->object_identity = sg_index_identity(rel, idx);
	finding->subname = idx->name;
	return finding;
}

static bool
sg_audit_table_kind(Relation rel)
{
	char		kind = rel->rd_rel->relkind;

	return kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
		kind == RELKIND_MATVIEW;
}

/*
 * Is a session other than ours holding a lock on the table that a CREATE
 * INDEX CONCURRENTLY or REINDEX CONCURRENTLY holds while it builds (SHARE
 * UPDATE EXCLUSIVE or stronger)?  Then an invalid index may be one being
 * built right now.
 */
static bool
sg_index_build_may_run(Relation rel)
{
	LOCKTAG		tag;
	int			count = 0;

	SET_LOCKTAG_RELATION(tag, rel->rd_rel->relisshared ? InvalidOid : MyDatabaseId,
						 RelationGetRelid(rel));
	(void) GetLockConflicts(&tag, ShareUpdateExclusiveLock, &count);
	return count > 0;
}

/*
 * index_invalid: an index a failed CREATE INDEX CONCURRENTLY or REINDEX
 * CONCURRENTLY left behind.  Not one that may be being built now, and not
 * a partitioned index, which stays invalid until every partition has its
 * index attached (the ON ONLY procedure goes through that state).
 */
List *
sg_index_invalid_audit(Relation rel, SgAudit *audit)
{
	List	   *findings = NIL;
	List	   *indexes;
	ListCell   *lc;
	char	   *relident;
	int			build_may_run = -1;

	if (!sg_audit_table_kind(rel))
		return NIL;
	indexes = sg_index_cache(rel, audit)->indexes;
	relident = sg_relation_identity(RelationGetRelid(rel));
	foreach(lc, indexes)
	{
		SgIndex    *idx = lfirst(lc);
		SgIndex    *twin = NULL;
		SgFinding  *finding;
		ListCell   *lc2;

		if (idx->valid || idx->relkind != RELKIND_INDEX)
			continue;
		if (build_may_run < 0)
			build_may_run = sg_index_build_may_run(rel);
		if (build_may_run)
			break;
		/* REINDEX CONCURRENTLY's leftover beside the index it rebuilt */
		foreach(lc2, indexes)
		{
			SgIndex    *other = lfirst(lc2);

			if (twin == NULL && other->valid && sg_index_duplicates(idx, other))
				twin = other;
		}
		finding = sg_index_finding(SG_RULE_INDEX_INVALID, rel, idx);
		finding->message = psprintf("index %s of table %s is invalid",
									quote_identifier(idx->name), relident);
		finding->detail = psprintf("A failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY "
								   "leaves its index invalid: no query uses it%s.%s",
								   idx->ready ? ", yet every write still updates it" : "",
								   twin ? psprintf("  Index %s has the same definition and is valid.",
												   quote_identifier(twin->name)) : "");
		finding->fix = twin ? sg_index_drop_fix(rel, idx) :
			psprintf("REINDEX INDEX CONCURRENTLY %s;", sg_index_identity(rel, idx));
		finding->evidence = psprintf("{\"ready\": %s, \"size_bytes\": %s, \"valid_twin\": %s}",
									 idx->ready ? "true" : "false",
									 sg_index_size_json(idx),
									 twin ? sg_evidence_string(twin->name) : "null");
		findings = lappend(findings, finding);
	}
	return findings;
}

/*
 * Of two identical indexes, which one does the table keep?  The one other
 * tables' foreign keys reference, the primary key, a constraint's, the
 * replica identity, one attached to a partitioned index (it cannot be
 * dropped alone), the more scanned, the older.  True when a goes before b.
 */
static bool
sg_index_kept_before(const SgIndex *a, const SgIndex *b)
{
	int64		sa,
				sb;
	bool		ra = a->unique && get_index_ref_constraints(a->oid) != NIL;
	bool		rb = b->unique && get_index_ref_constraints(b->oid) != NIL;
	bool		ca,
				cb;

	if (ra != rb)
		return ra;
	if (a->primary != b->primary)
		return a->primary;
	ca = OidIsValid(get_index_constraint(a->oid));
	cb = OidIsValid(get_index_constraint(b->oid));
	if (ca != cb)
		return ca;
	if (a->replident != b->replident)
		return a->replident;
	if (a->ispartition != b->ispartition)
		return a->ispartition;
	sa = sg_index_scans(a);
	sb = sg_index_scans(b);
	if (sa != sb)
		return sa > sb;
	return a->oid < b->oid;
}

/* "index": ..., "size_bytes": ..., "scans": ..., for both indexes */
static char *
sg_index_pair_evidence(const SgIndex *idx, const char *role, const SgIndex *other)
{
	return psprintf("{\"size_bytes\": %s, \"scans\": " INT64_FORMAT ", \"%s\": %s, "
					"\"%s_size_bytes\": %s, \"%s_scans\": " INT64_FORMAT "}",
					sg_index_size_json(idx), sg_index_scans(idx),
					role, sg_evidence_string(other->name),
					role, sg_index_size_json(other), role, sg_index_scans(other));
}

/*
 * Does b serve every lookup a serves, so that a only costs writes?  Both
 * btree; a's key columns the leading ones of b (compare as keys), a's
 * INCLUDE columns among b's, the same predicate; and not the same index
 * twice (index_duplicate's).  A unique, primary-key or exclusion index is
 * never redundant (its constraint is stronger than any wider index's), nor
 * one that serves a foreign key to a non-unique one.
 */
static bool
sg_index_covers(const SgIndexCache *cache, const SgIndex *b, const SgIndex *a)
{
	if (a->oid == b->oid || a->am != BTREE_AM_OID || b->am != BTREE_AM_OID ||
		a->unique || a->primary || a->exclusion || a->replident ||
		(!b->unique && sg_index_serves_fk(cache, a)) ||
		!sg_index_same_keys(a, b, a->nkeyatts) ||
		!sg_index_includes_covered(a, b) || !equal(a->pred, b->pred))
		return false;
	/* wider keys, more INCLUDE columns, or unique where a is not */
	return a->nkeyatts < b->nkeyatts || a->natts < b->natts || b->unique;
}

/*
 * For every index of the table that may be judged against the others (and
 * is not attached to a partitioned one: two such are their parents'
 * duplicates), the duplicate the table keeps rather than it, and the
 * narrowest index that serves its lookups: one walk over the pairs, for
 * index_duplicate and index_redundant.
 */
static SgIndexPeers *
sg_index_peers(SgIndexCache *cache)
{
	ListCell   *lc;

	if (cache->peers != NULL)
		return cache->peers;
	cache->peers = MemoryContextAllocZero(cache->cxt,
										  Max(list_length(cache->indexes), 1) * sizeof(SgIndexPeers));
	foreach(lc, cache->indexes)
	{
		SgIndex    *idx = lfirst(lc);
		SgIndexPeers *peers = &cache->peers[foreach_current_index(lc)];
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		if (!sg_index_comparable(idx) || idx->ispartition)
			continue;
		foreach(lc2, cache->indexes)
		{
			SgIndex    *other = lfirst(lc2);

			if (!sg_index_comparable(other))
				continue;
			if (sg_index_duplicates(idx, other) && sg_index_kept_before(other, idx) &&
				(peers->keep == NULL || sg_index_kept_before(other, peers->keep)))
				peers->keep = other;
			if (sg_index_covers(cache, other, idx) &&
				(peers->cover == NULL || other->natts < peers->cover->natts ||
				 (other->natts == peers->cover->natts && other->oid < peers->cover->oid)))
				peers->cover = other;
		}
	}
	return cache->peers;
}

/*
 * index_duplicate: two indexes with the same definition; the one to drop
 * is reported, against the one the table keeps.
 */
List *
sg_index_duplicate_audit(Relation rel, SgAudit *audit)
{
	List	   *findings = NIL;
	SgIndexCache *cache;
	SgIndexPeers *peers;
	ListCell   *lc;
	char	   *relident;

	if (!sg_audit_table_kind(rel))
		return NIL;
	cache = sg_index_cache(rel, audit);
	peers = sg_index_peers(cache);
	relident = sg_relation_identity(RelationGetRelid(rel));
	foreach(lc, cache->indexes)
	{
		SgIndex    *idx = lfirst(lc);
		SgIndex    *keep = peers[foreach_current_index(lc)].keep;
		SgFinding  *finding;
		Oid			conoid;

		if (keep == NULL)
			continue;
		finding = sg_index_finding(SG_RULE_INDEX_DUPLICATE, rel, idx);
		finding->message = psprintf("index %s of table %s duplicates index %s",
									quote_identifier(idx->name), relident,
									quote_identifier(keep->name));
		if (sg_index_reversed(idx, keep, idx->nkeyatts))
			finding->detail = psprintf("Both have the same key columns, operator classes, collations, "
									   "INCLUDE columns, predicate and uniqueness, and every key "
									   "column's order (direction and nulls) reversed: a btree scans "
									   "backwards, so either reads the other's order.  Every write "
									   "updates both, and either serves the same reads.");
		else
			finding->detail = psprintf("Both have the same key columns, operator classes, collations, "
									   "orders, INCLUDE columns, predicate and uniqueness: every write "
									   "updates both, and either serves the same reads.");
		conoid = get_index_constraint(idx->oid);
		if (idx->unique && get_index_ref_constraints(idx->oid) != NIL)
			finding->fix = psprintf("Foreign keys of other tables reference the key through index %s: "
									"create them again on the key of index %s, then drop the constraint "
									"or index that owns %s.",
									quote_identifier(idx->name), quote_identifier(keep->name),
									quote_identifier(idx->name));
		else if (idx->replident)
			finding->fix = psprintf("Index %s is the replica identity of table %s: make index %s "
									"the replica identity, then drop %s (dropped alone, it leaves "
									"the table without one, and UPDATE and DELETE fail where the "
									"table is published).",
									quote_identifier(idx->name), relident,
									quote_identifier(keep->name), quote_identifier(idx->name));
		else if (OidIsValid(conoid))
			finding->fix = psprintf("ALTER TABLE %s DROP CONSTRAINT %s;", relident,
									quote_identifier(get_constraint_name(conoid)));
		else
			finding->fix = sg_index_drop_fix(rel, idx);
		finding->evidence = sg_index_pair_evidence(idx, "duplicate_of", keep);
		findings = lappend(findings, finding);
	}
	return findings;
}

/*
 * index_redundant: an index whose lookups another index of the table
 * serves as well; reported against the narrowest such index.  A duplicate
 * to drop is index_duplicate's.
 */
List *
sg_index_redundant_audit(Relation rel, SgAudit *audit)
{
	List	   *findings = NIL;
	SgIndexCache *cache;
	SgIndexPeers *peers;
	ListCell   *lc;
	char	   *relident;

	if (!sg_audit_table_kind(rel))
		return NIL;
	cache = sg_index_cache(rel, audit);
	peers = sg_index_peers(cache);
	relident = sg_relation_identity(RelationGetRelid(rel));
	foreach(lc, cache->indexes)
	{
		SgIndex    *idx = lfirst(lc);
		SgIndex    *cover = peers[foreach_current_index(lc)].cover;
		SgFinding  *finding;
		bool		reversed;

		if (cover == NULL || peers[foreach_current_index(lc)].keep != NULL)
			continue;
		finding = sg_index_finding(SG_RULE_INDEX_REDUNDANT, rel, idx);
		finding->message = psprintf("index %s of table %s is redundant: index %s serves its lookups",
									quote_identifier(idx->name), relident,
									quote_identifier(cover->name));
		reversed = sg_index_reversed(idx, cover, idx->nkeyatts);
		finding->detail = psprintf("The key columns of %s are the leading key columns of %s, with the "
								   "same operator classes, collations%s%s%s: every write updates "
								   "both.  %s is smaller, which can still matter to queries that "
								   "read many of its entries.",
								   quote_identifier(idx->name), quote_identifier(cover->name),
								   reversed ?
								   psprintf(" and predicate, and the reverse orders (a backward scan of %s reads them)",
											quote_identifier(cover->name)) :
								   ", orders and predicate",
								   idx->natts > idx->nkeyatts ?
								   psprintf("; its INCLUDE columns are columns of %s too",
											quote_identifier(cover->name)) : "",
								   cover->unique ? ", and that one is unique" : "",
								   quote_identifier(idx->name));
		finding->fix = sg_index_drop_fix(rel, idx);
		finding->evidence = sg_index_pair_evidence(idx, "covered_by", cover);
		findings = lappend(findings, finding);
	}
	return findings;
}

/*
 * When the guard saw indexes created (schema_guard.index_created), read
 * once per audit as the extension owner: the table is the guard's
 * bookkeeping, not the caller's to read.
 */
static HTAB *
sg_index_created_times(SgAudit *audit)
{
	HTAB	   *times = audit->state[SG_RULE_INDEX_UNUSED];
	HASHCTL		ctl = {0};
	SgSpi		spi;

	if (times != NULL)
		return times;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Oid) + sizeof(TimestampTz);
	ctl.hcxt = audit->mcxt;
	times = hash_create("schema_guard index_created", 256, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	PushActiveSnapshot(GetTransactionSnapshot());
	sg_spi_connect(&spi, true);
	if (SPI_execute("SELECT indexrelid, created_at FROM schema_guard.index_created",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read schema_guard.index_created");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
		TimestampTz at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 2, &isnull));
		char	   *entry = hash_search(times, &oid, HASH_ENTER, NULL);

		memcpy(entry + sizeof(Oid), &at, sizeof(TimestampTz));
	}
	sg_spi_finish(&spi);
	PopActiveSnapshot();
	audit->state[SG_RULE_INDEX_UNUSED] = times;
	return times;
}

static char *
sg_timestamp_json(TimestampTz t)
{
	return t == 0 ? pstrdup("null") : sg_evidence_string(timestamptz_to_str(t));
}

/*
 * index_unused: no scan since statistics were last reset, over at least
 * index_unused_min_age.  Never an index that enforces something or serves
 * another purpose than scans: unique, primary key, exclusion, replica
 * identity, a foreign key's lookups, or an expression index (ANALYZE keeps
 * statistics on its expressions, which the planner uses).
 */
List *
sg_index_unused_audit(Relation rel, SgAudit *audit)
{
	List	   *findings = NIL;
	SgIndexCache *cache;
	ListCell   *lc;
	char	   *relident;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz reset = 0;
	PgStat_StatDBEntry *db;

	if (!sg_audit_table_kind(rel))
		return NIL;
	db = pgstat_fetch_stat_dbentry(MyDatabaseId);
	if (db != NULL)
		reset = db->stat_reset_timestamp;
	/* statistics too young to tell */
	if (reset != 0 &&
		now - reset < (int64) sg_index_unused_min_age * USECS_PER_SEC)
		return NIL;
	cache = sg_index_cache(rel, audit);
	relident = sg_relation_identity(RelationGetRelid(rel));
	foreach(lc, cache->indexes)
	{
		SgIndex    *idx = lfirst(lc);
		TimestampTz created = 0;
		char	   *entry;
		SgFinding  *finding;

		CHECK_FOR_INTERRUPTS();
		if (idx->unique || idx->primary || idx->exclusion || idx->replident ||
			sg_index_serves_fk(cache, idx) || idx->has_exprs || !idx->valid || idx->ispartition ||
			sg_index_scans(idx) > 0)
			continue;
		entry = hash_search(sg_index_created_times(audit), &idx->oid, HASH_FIND, NULL);
		if (entry != NULL)
			memcpy(&created, entry + sizeof(Oid), sizeof(TimestampTz));
		if (created != 0 &&
			now - created < (int64) sg_index_unused_min_age * USECS_PER_SEC)
			continue;

		finding = sg_index_finding(SG_RULE_INDEX_UNUSED, rel, idx);
		finding->message = reset != 0 ?
			psprintf("index %s of table %s has not been scanned since statistics were reset",
					 quote_identifier(idx->name), relident) :
			psprintf("index %s of table %s has not been scanned since statistics began",
					 quote_identifier(idx->name), relident);
		finding->detail = psprintf("No scan of %s is counted since %s%s; every write still updates it.  "
								   "Scans on standbys are counted there, not here.",
								   quote_identifier(idx->name),
								   reset != 0 ? timestamptz_to_str(reset) :
								   "this server's statistics began (never reset)",
								   created != 0 ?
								   psprintf(", and the guard saw it created at %s",
											timestamptz_to_str(created)) : "");
		finding->fix = sg_index_drop_fix(rel, idx);
		finding->evidence = psprintf("{\"scans\": 0, \"stats_reset\": %s, \"created_at\": %s, "
									 "\"size_bytes\": %s, \"min_age_s\": %d}",
									 sg_timestamp_json(reset), sg_timestamp_json(created),
									 sg_index_size_json(idx), sg_index_unused_min_age);
		findings = lappend(findings, finding);
	}
	return findings;
}

/*
 * index_unused at ddl_end: remember when the index was created, so that a
 * new index is not called unused.  The table is the guard's bookkeeping,
 * written as the extension owner.  Every CREATE INDEX (and every primary
 * key and unique constraint) comes here: the statement is planned once per
 * session and kept (the plan cache plans it again when the table changes,
 * or is dropped and created again with the extension).
 */
void
sg_index_unused_ddl_end(const SgDdlObject *object)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	SgSpi		spi;

	if (object->kind != SG_DDL_INDEX || !OidIsValid(object->objid))
		return;
	args[0] = ObjectIdGetDatum(object->objid);
	sg_spi_connect(&spi, true);
	if (plan == NULL)
	{
		SPIPlanPtr	fresh = SPI_prepare("INSERT INTO schema_guard.index_created AS c (indexrelid) "
										"VALUES ($1) ON CONFLICT (indexrelid) DO UPDATE "
										"SET created_at = pg_catalog.now()",
										1, argtypes);

		if (fresh == NULL || SPI_keepplan(fresh) != 0)
			elog(ERROR, "could not prepare the insert into schema_guard.index_created");
		plan = fresh;
	}
	if (SPI_execute_plan(plan, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not write schema_guard.index_created");
	sg_spi_finish(&spi);
}
