/*-------------------------------------------------------------------------
 *
 * destructive.c
 *		Rule family "lossy": statements that delete the data of existing
 *		tables, change it beyond recovery, or break the clients that name
 *		them.  destructive_drop, rename_breaks_clients, lossy_type_change.
 *
 * All three judge the statement before it runs (moment "utility"): the
 * rows, the dependent objects, the old name and the old type are the
 * evidence, and the statement destroys them.  "Existing" means created
 * before the current transaction (a column too: sg_column_is_new()),
 * whatever its size.  Nothing is judged or locked that the caller may
 * not change: PostgreSQL's own permission error comes first.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/heap.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "pgtime.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* Tables up to this many blocks (1 MB) have their rows counted exactly. */
#define SG_COUNT_MAX_BLOCKS 128
/* Items named in one list of a DETAIL; the rest are counted. */
#define SG_LIST_MAX 10
/* Objects followed through pg_depend from one dropped object, at most. */
#define SG_CLOSURE_MAX 10000

/* schema_guard.lossy_type_change_count_rows */
static int	sg_lossy_count_rows = 100000;

void
sg_lossy_define_gucs(void)
{
	DefineCustomIntVariable("schema_guard.lossy_type_change_count_rows",
							"Largest table, in rows (pg_class.reltuples), whose values lossy_type_change counts.",
							"The count says how many rows a lossy type change would alter; 0 never counts.",
							&sg_lossy_count_rows,
							100000, 0, INT_MAX,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
}

/*
 * Open a table the family judges: gone, not guarded, new in this
 * transaction or of another kind give NULL.
 */
static Relation
sg_open_existing(Oid relid, bool views)
{
	Relation	rel;
	char		kind;

	if (!OidIsValid(relid))
		return NULL;
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return NULL;
	kind = rel->rd_rel->relkind;
	if (!sg_relation_guarded(rel) || sg_relation_is_new(rel) ||
		!(kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
		  (views && (kind == RELKIND_VIEW || kind == RELKIND_MATVIEW ||
					 kind == RELKIND_FOREIGN_TABLE))))
	{
		relation_close(rel, AccessShareLock);
		return NULL;
	}
	return rel;
}

/*
 * Was the column added by the current transaction?  Every version of its
 * pg_attribute row was then written by it: a column that existed before
 * has a version committed by an earlier transaction, which cannot have
 * been pruned while this one, which updated or deleted it, runs.
 */
static bool
sg_column_is_new(Oid relid, AttrNumber attnum)
{
	Relation	attrel = table_open(AttributeRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		is_new = true;

	ScanKeyInit(&key[0], Anum_pg_attribute_attrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_attribute_attnum, BTEqualStrategyNumber,
				F_INT2EQ, Int16GetDatum(attnum));
	scan = systable_beginscan(attrel, AttributeRelidNumIndexId, true,
							  SnapshotAny, 2, key);
	while (is_new && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		TransactionId xmin = HeapTupleHeaderGetXmin(tup->t_data);

		if (!TransactionIdIsCurrentTransactionId(xmin) &&
			TransactionIdDidCommit(xmin))
			is_new = false;
	}
	systable_endscan(scan);
	table_close(attrel, AccessShareLock);
	return is_new;
}

/* "a, b, c, and 4 more" from a list of strings. */
static char *
sg_join_list(List *items)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, items)
	{
		if (n == SG_LIST_MAX)
		{
			appendStringInfo(&buf, ", and %d more", list_length(items) - n);
			break;
		}
		appendStringInfo(&buf, "%s%s", n > 0 ? ", " : "", (char *) lfirst(lc));
		n++;
	}
	return buf.data;
}

/*
 * Run a count(*) query as the caller, with the settings pinned; false
 * (and the error's message in *failure, when asked) if it fails.  In a
 * subtransaction: a cast that fails on a value is evidence, not an error
 * of the statement.
 */
static bool
sg_count_query(const char *query, int64 *count, char **failure)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		SgSpi		spi;
		bool		isnull;

		sg_spi_connect(&spi, false);
		if (SPI_execute(query, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not count rows");
		*count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1, &isnull));
		sg_spi_finish(&spi);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		/* A cancel is the user's, not evidence. */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		if (failure != NULL)
			*failure = pstrdup(edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * May the caller's count of this table's rows (column's values, when
 * attnum is set) be given?  Only what it may read whole: SELECT granted,
 * and no row security policy filtering what it sees.
 */
static bool
sg_may_count(Oid relid, AttrNumber attnum)
{
	Oid			user = GetUserId();

	if (attnum > 0
		? pg_attribute_aclcheck(relid, attnum, user, ACL_SELECT) != ACLCHECK_OK &&
		pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK
		: pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK)
		return false;
	return check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED;
}

/*
 * "public.t (3 rows, counted)", "public.t (about 1200 rows, reltuples
 * estimate)": the rows a leaf table holds, counted when the table is small
 * and the caller may read it all, estimated otherwise.
 */
static char *
sg_rows_item(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	char	   *ident = sg_relation_identity(relid);
	float4		reltuples = rel->rd_rel->reltuples;
	int64		count;

	if (rel->rd_rel->relkind == RELKIND_RELATION &&
		RelationGetNumberOfBlocks(rel) <= SG_COUNT_MAX_BLOCKS &&
		sg_may_count(relid, InvalidAttrNumber) &&
		sg_count_query(psprintf("SELECT pg_catalog.count(*) FROM ONLY %s", ident),
					   &count, NULL))
		return psprintf("%s (" INT64_FORMAT " row%s, counted)", ident, count,
						count == 1 ? "" : "s");
	if (reltuples < 0 || (reltuples == 0 && rel->rd_rel->relpages == 0 &&
						  rel->rd_rel->relkind == RELKIND_RELATION &&
						  RelationGetNumberOfBlocks(rel) > 0))
		return psprintf("%s (rows not estimated yet: never vacuumed or analyzed)", ident);
	return psprintf("%s (about %.0f row%s, reltuples estimate)", ident, reltuples,
					reltuples == 1 ? "" : "s");
}

/*
 * The rows items of the existing, guarded leaf tables among relids (a
 * partitioned table stands for nothing: its partitions are listed).
 */
static List *
sg_rows_items(List *relids, bool foreign)
{
	List	   *items = NIL;
	ListCell   *lc;

	foreach(lc, relids)
	{
		Relation	rel;

		CHECK_FOR_INTERRUPTS();
		rel = try_relation_open(lfirst_oid(lc), AccessShareLock);
		if (rel == NULL)
			continue;
		if ((rel->rd_rel->relkind == RELKIND_RELATION ||
			 (foreign && rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE)) &&
			sg_relation_guarded(rel) && !sg_relation_is_new(rel))
			items = lappend(items, list_length(items) < SG_LIST_MAX
							? sg_rows_item(rel) : "");
		relation_close(rel, AccessShareLock);
	}
	return items;
}

/* One object a DROP takes, and whether CASCADE is what takes it. */
typedef struct SgTaken
{
	ObjectAddress address;
	bool		normal;
} SgTaken;

/*
 * The object of which obj is an internal part (a view of its rewrite
 * rule), or obj itself: dropping the part drops the whole.
 */
static ObjectAddress
sg_whole_object(Relation depRel, const ObjectAddress *obj)
{
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	ObjectAddress whole = *obj;

	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(obj->classId));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(obj->objectId));
	ScanKeyInit(&key[2], Anum_pg_depend_objsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum(obj->objectSubId));
	scan = systable_beginscan(depRel, DependDependerIndexId, true, NULL, 3, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->deptype == DEPENDENCY_INTERNAL)
		{
			whole.classId = dep->refclassid;
			whole.objectId = dep->refobjid;
			whole.objectSubId = 0;
			break;
		}
	}
	systable_endscan(scan);
	return whole;
}

static SgTaken *
sg_taken_find(List *taken, const ObjectAddress *obj)
{
	ListCell   *lc;

	foreach(lc, taken)
	{
		SgTaken    *t = lfirst(lc);

		if (t->address.classId == obj->classId &&
			t->address.objectId == obj->objectId &&
			(t->address.objectSubId == 0 || t->address.objectSubId == obj->objectSubId))
			return t;
	}
	return NULL;
}

/*
 * What dropping start takes with it, read from pg_depend as
 * performDeletion reads it: the objects that depend on it, recursively,
 * automatically (indexes, partitions, the parts of an object) or, with
 * cascade, through a normal dependency (views, foreign keys of other
 * tables, SQL-standard function bodies, inheritance children).  Objects
 * are taken whole (a view for its rule).  start comes first; "normal" is
 * set on what only CASCADE takes, which PostgreSQL lists in its "drop
 * cascades to" notice.
 */
static List *
sg_drop_closure(const ObjectAddress *start, bool cascade)
{
	Relation	depRel = table_open(DependRelationId, AccessShareLock);
	SgTaken    *first = palloc0(sizeof(SgTaken));
	List	   *taken;

	first->address = *start;
	taken = list_make1(first);
	for (int i = 0; i < list_length(taken) && i < SG_CLOSURE_MAX; i++)
	{
		ObjectAddress obj = ((SgTaken *) list_nth(taken, i))->address;
		ScanKeyData key[3];
		SysScanDesc scan;
		HeapTuple	tup;
		int			nkeys = 2;

		CHECK_FOR_INTERRUPTS();
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(obj.classId));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(obj.objectId));
		if (obj.objectSubId != 0)
		{
			ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
						F_INT4EQ, Int32GetDatum(obj.objectSubId));
			nkeys = 3;
		}
		scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, nkeys, key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
			ObjectAddress dependent;
			SgTaken    *t;
			bool		normal = dep->deptype == DEPENDENCY_NORMAL;

			if (normal && !cascade)
				continue;		/* the statement fails on it instead */
			if (!normal && dep->deptype != DEPENDENCY_AUTO &&
				dep->deptype != DEPENDENCY_INTERNAL &&
				dep->deptype != DEPENDENCY_PARTITION_PRI &&
				dep->deptype != DEPENDENCY_PARTITION_SEC)
				continue;
			dependent.classId = dep->classid;
			dependent.objectId = dep->objid;
			dependent.objectSubId = dep->objsubid;
			dependent = sg_whole_object(depRel, &dependent);
			/* A part of obj itself (its row type, its rule) */
			if (dependent.classId == obj.classId && dependent.objectId == obj.objectId)
				continue;
			t = sg_taken_find(taken, &dependent);
			if (t != NULL)
			{
				/* PostgreSQL names only what nothing automatic takes. */
				if (!normal)
					t->normal = false;
				continue;
			}
			t = palloc0(sizeof(SgTaken));
			t->address = dependent;
			t->normal = normal;
			taken = lappend(taken, t);
		}
		systable_endscan(scan);
	}
	table_close(depRel, AccessShareLock);
	return taken;
}

/* The tables (relkind r, p, f) among what a drop takes. */
static List *
sg_taken_tables(List *taken)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, taken)
	{
		SgTaken    *t = lfirst(lc);
		char		kind;

		if (t->address.classId != RelationRelationId || t->address.objectSubId != 0)
			continue;
		kind = get_rel_relkind(t->address.objectId);
		if (kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE)
			relids = lappend_oid(relids, t->address.objectId);
	}
	return relids;
}

/*
 * Descriptions of the objects taken that pass the filter: those CASCADE
 * takes (all: every one but start and the column's own default).
 */
static List *
sg_taken_descriptions(List *taken, bool all)
{
	List	   *items = NIL;
	ListCell   *lc;

	for_each_from(lc, taken, 1)
	{
		SgTaken    *t = lfirst(lc);
		char	   *desc;

		if (!(all || t->normal) || t->address.classId == AttrDefaultRelationId ||
			(t->address.classId == ConstraintRelationId &&
			 SG_CONSTRAINT_IS_COLUMN_NOT_NULL(t->address.objectId)))
			continue;
		if (list_length(items) >= SG_LIST_MAX)
		{
			items = lappend(items, "");
			continue;
		}
		desc = SG_OBJECT_IDENTITY(&t->address);
		if (desc != NULL)
			items = lappend(items, psprintf("%s %s",
											SG_OBJECT_TYPE_DESCRIPTION(&t->address), desc));
	}
	return items;
}

static const char *
sg_kind_word(char relkind)
{
	switch (relkind)
	{
		case RELKIND_PARTITIONED_TABLE:
			return "partitioned table";
		case RELKIND_VIEW:
			return "view";
		case RELKIND_MATVIEW:
			return "materialized view";
		case RELKIND_FOREIGN_TABLE:
			return "foreign table";
		default:
			return "table";
	}
}

/* A finding of destructive_drop, words for the HINT. */
static void
sg_raise_drop(const char *object_type, Oid relid, const char *subname,
			  char *identity, char *message, char *detail, const char *hint)
{
	SgFinding	finding = {0};

	finding.rule = SG_RULE_DESTRUCTIVE_DROP;
	finding.relid = relid;
	finding.object_type = object_type;
	finding.subname = subname;
	finding.object_identity = identity;
	finding.message = message;
	finding.detail = detail;
	finding.fix = pstrdup(hint);
	sg_raise(&finding);
}

static const char *const sg_drop_hint =
"Dropping data has no undo. Keep a copy first (a dump of the table, or a copy table), "
"or rename the table and drop it once nothing has used it for a while.";

/* DROP TABLE of one relation the statement names. */
static void
sg_drop_table(List *names, bool cascade)
{
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
	Relation	rel;
	ObjectAddress address;
	List	   *taken;
	List	   *rows;
	List	   *cascaded;
	char	   *ident;
	char	   *message;
	StringInfoData detail;

	if (!OidIsValid(relid) || !SG_OWNS_RELATION(relid))
		return;
	rel = sg_open_existing(relid, false);
	if (rel == NULL)
		return;
	ident = sg_relation_identity(relid);
	ObjectAddressSet(address, RelationRelationId, relid);
	taken = sg_drop_closure(&address, cascade);
	rows = sg_rows_items(sg_taken_tables(taken), false);
	cascaded = sg_taken_descriptions(taken, false);

	initStringInfo(&detail);
	appendStringInfo(&detail, "DROP TABLE deletes the rows of %s.",
					 rows != NIL ? sg_join_list(rows) : ident);
	if (cascaded != NIL)
		appendStringInfo(&detail, " CASCADE also drops %s.", sg_join_list(cascaded));
	message = rel->rd_rel->relispartition
		? psprintf("existing partition %s is dropped with its rows", ident)
		: psprintf("existing %s %s is dropped with its rows",
				   sg_kind_word(rel->rd_rel->relkind), ident);
	relation_close(rel, AccessShareLock);
	sg_raise_drop("table", relid, NULL, ident, message, detail.data, sg_drop_hint);
}

/* DROP SCHEMA ... CASCADE: the existing tables it takes. */
static void
sg_drop_schema(const char *name)
{
	Oid			nspid = get_namespace_oid(name, true);
	ObjectAddress address;
	List	   *taken;
	List	   *rows;
	List	   *cascaded;
	StringInfoData detail;
	char	   *ident;

	if (!OidIsValid(nspid) || IsCatalogNamespace(nspid) || IsToastNamespace(nspid) ||
		isAnyTempNamespace(nspid) || nspid == get_namespace_oid(SG_SCHEMA_NAME, true) ||
		!SG_OWNS_NAMESPACE(nspid))
		return;
	ObjectAddressSet(address, NamespaceRelationId, nspid);
	taken = sg_drop_closure(&address, true);
	rows = sg_rows_items(sg_taken_tables(taken), false);
	if (rows == NIL)
		return;
	cascaded = sg_taken_descriptions(taken, false);
	ident = pstrdup(quote_identifier(name));
	initStringInfo(&detail);
	appendStringInfo(&detail, "DROP SCHEMA deletes the rows of %s.", sg_join_list(rows));
	appendStringInfo(&detail, " It drops %d object%s in all: %s.", list_length(cascaded),
					 list_length(cascaded) == 1 ? "" : "s", sg_join_list(cascaded));
	sg_raise_drop("schema", InvalidOid, pstrdup(name), ident,
				  psprintf("DROP SCHEMA %s CASCADE drops existing tables with their rows", ident),
				  detail.data,
				  "Dropping data has no undo. Take a dump of the schema first, "
				  "or drop its tables one by one once nothing uses them.");
}

/* ALTER TABLE ... DROP COLUMN of an existing column. */
static void
sg_drop_column(AlterTableStmt *stmt, AlterTableCmd *cmd)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	AttrNumber	attnum;
	Relation	rel;
	ObjectAddress address;
	List	   *taken;
	List	   *relids;
	List	   *rows;
	List	   *lost;
	char	   *ident;
	StringInfoData detail;

	if (!OidIsValid(relid) || cmd->name == NULL || !SG_OWNS_RELATION(relid))
		return;
	attnum = get_attnum(relid, cmd->name);
	if (attnum <= 0 || sg_column_is_new(relid, attnum))
		return;
	rel = sg_open_existing(relid, false);
	if (rel == NULL)
		return;
	ident = sg_relation_identity(relid);
	ObjectAddressSubSet(address, RelationRelationId, relid, attnum);
	taken = sg_drop_closure(&address, cmd->behavior == DROP_CASCADE);
	/* The column goes from every table that inherits it, unless ONLY. */
	relids = stmt->relation->inh ? find_all_inheritors(relid, NoLock, NULL)
		: list_make1_oid(relid);
	rows = sg_rows_items(relids, false);
	lost = sg_taken_descriptions(taken, true);

	initStringInfo(&detail);
	appendStringInfo(&detail, "DROP COLUMN deletes its values in every row of %s.",
					 rows != NIL ? sg_join_list(rows) : ident);
	if (lost != NIL)
		appendStringInfo(&detail, " It also drops %s.", sg_join_list(lost));
	relation_close(rel, AccessShareLock);
	sg_raise_drop("column", relid, pstrdup(cmd->name),
				  psprintf("%s.%s", ident, quote_identifier(cmd->name)),
				  psprintf("column \"%s\" of existing %s %s is dropped with its values",
						   cmd->name,
						   sg_kind_word(get_rel_relkind(relid)), ident),
				  detail.data,
				  "Dropping data has no undo. Keep a copy of the column's values first (a dump, "
				  "or a copy table), or stop every reader and writer of the column and drop it "
				  "once nothing has used it for a while.");
}

/*
 * TRUNCATE: the tables it empties (inheritance children unless ONLY,
 * partitions, and with CASCADE the tables whose foreign keys reference
 * them, as ExecuteTruncate finds them), judged when one is existing.
 */
static void
sg_truncate(TruncateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = lfirst_node(RangeVar, lc);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);
		List	   *relids;
		List	   *rows;
		Relation	rel;
		char	   *ident;

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(relid) ||
			pg_class_aclcheck(relid, GetUserId(), ACL_TRUNCATE) != ACLCHECK_OK)
			continue;
		rel = try_relation_open(relid, AccessShareLock);
		if (rel == NULL)
			continue;
		if (!sg_relation_guarded(rel))
		{
			relation_close(rel, AccessShareLock);
			continue;
		}
		relids = rv->inh || rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE
			? find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
		if (stmt->behavior == DROP_CASCADE)
		{
			List	   *more = relids;

			while (more != NIL)
			{
				List	   *found = NIL;
				ListCell   *lc2;

				CHECK_FOR_INTERRUPTS();
				foreach(lc2, heap_truncate_find_FKs(more))
				{
					if (!list_member_oid(relids, lfirst_oid(lc2)))
					{
						relids = lappend_oid(relids, lfirst_oid(lc2));
						found = list_concat(found, find_all_inheritors(lfirst_oid(lc2), NoLock, NULL));
					}
				}
				more = list_difference_oid(found, relids);
				relids = list_concat_unique_oid(relids, found);
			}
		}
		rows = sg_rows_items(relids, true);
		if (rows == NIL)
		{
			relation_close(rel, AccessShareLock);
			continue;
		}
		ident = sg_relation_identity(relid);
		relation_close(rel, AccessShareLock);
		sg_raise_drop("table", relid, NULL, ident,
					  psprintf("TRUNCATE deletes every row of existing tables, starting with %s", ident),
					  psprintf("TRUNCATE deletes the rows of %s.", sg_join_list(rows)),
					  "Deleting rows has no undo. Keep a copy of them first (a dump of the table, "
					  "or a copy table).");
	}
}

/*
 * destructive_drop, before the statement runs: its rows and dependent
 * objects are the evidence, and they are about to go.  A materialized
 * view or a view holds no data of its own (REFRESH rebuilds the one, the
 * other is a query), and a foreign table's rows stay where they are: their
 * DROP is not judged.  Only TRUNCATE deletes a foreign table's rows.
 */
void
sg_destructive_drop_utility(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;

				if (stmt->removeType == OBJECT_TABLE)
				{
					foreach(lc, stmt->objects)
						sg_drop_table(lfirst(lc), stmt->behavior == DROP_CASCADE);
				}
				else if (stmt->removeType == OBJECT_SCHEMA &&
						 stmt->behavior == DROP_CASCADE)
				{
					foreach(lc, stmt->objects)
						sg_drop_schema(strVal(lfirst(lc)));
				}
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;

				if (SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
					break;
				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (SG_AT_IS_DROP_COLUMN(cmd->subtype))
						sg_drop_column(stmt, cmd);
				}
				break;
			}
		case T_TruncateStmt:
			sg_truncate((TruncateStmt *) parsetree);
			break;
		default:
			break;
	}
}

void
sg_rename_breaks_clients_utility(Node *parsetree)
{
}

void
sg_lossy_type_change_utility(Node *parsetree)
{
}
