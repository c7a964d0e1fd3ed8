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
#include "catalog/pg_policy.h"
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
#include "utils/hsearch.h"
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

/*
 * Did a column of the table have this name before the transaction, and
 * give it up in it (dropped, or renamed away)?  A version of its
 * pg_attribute row committed before the transaction carries the name, and
 * this transaction replaced that version.  Then renaming another column
 * onto the name completes a swap (a copy column replacing the original,
 * as table_rewrite's recipe does): the clients keep their name.
 */
static bool
sg_column_name_given_up(Oid relid, const char *name)
{
	Relation	attrel = table_open(AttributeRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&key, Anum_pg_attribute_attrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(attrel, AttributeRelidNumIndexId, true,
							  SnapshotAny, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);
		TransactionId xmin = HeapTupleHeaderGetXmin(tup->t_data);
		TransactionId xmax = HeapTupleHeaderGetUpdateXid(tup->t_data);

		CHECK_FOR_INTERRUPTS();
		if (att->attnum > 0 && !att->attisdropped &&
			strcmp(NameStr(att->attname), name) == 0 &&
			!TransactionIdIsCurrentTransactionId(xmin) && TransactionIdDidCommit(xmin) &&
			TransactionIdIsValid(xmax) && TransactionIdIsCurrentTransactionId(xmax))
			found = true;
	}
	systable_endscan(scan);
	table_close(attrel, AccessShareLock);
	return found;
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
 * Run a query that returns one row as the caller, with the settings
 * pinned, and give its first ncols values as text (NULL for a null);
 * false, with the error's message in *failure when asked, if it fails.
 * In a subtransaction: a cast that fails on a value is evidence, and a
 * view the caller may not read is a question without an answer, never an
 * error of the statement.
 */
static bool
sg_query_row(const char *query, int nargs, Oid *argtypes, Datum *args,
			 int ncols, char **values, char **failure)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		SgSpi		spi;

		sg_spi_connect(&spi, false);
		if (SPI_execute_with_args(query, nargs, argtypes, args, NULL, false, 1) != SPI_OK_SELECT ||
			SPI_processed != 1 || SPI_tuptable->tupdesc->natts < ncols)
			elog(ERROR, "query returned no row");
		for (int i = 0; i < ncols; i++)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1);

			values[i] = v != NULL ? MemoryContextStrdup(cxt, v) : NULL;
		}
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

/* A count(*) query's result, through sg_query_row(). */
static bool
sg_count_query(const char *query, int64 *count, char **failure)
{
	char	   *value;

	if (!sg_query_row(query, 0, NULL, NULL, 1, &value, failure) || value == NULL)
		return false;
	*count = strtoll(value, NULL, 10);
	return true;
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

/* What a drop takes, by object: a column, or a whole object (subid 0). */
typedef struct SgTakenEntry
{
	ObjectAddress key;
	SgTaken    *taken;
} SgTakenEntry;

/* The object taken already, whole or this very column, or NULL. */
static SgTaken *
sg_taken_find(HTAB *seen, const ObjectAddress *obj)
{
	ObjectAddress key = *obj;
	SgTakenEntry *entry = hash_search(seen, &key, HASH_FIND, NULL);

	if (entry == NULL && key.objectSubId != 0)
	{
		key.objectSubId = 0;
		entry = hash_search(seen, &key, HASH_FIND, NULL);
	}
	return entry != NULL ? entry->taken : NULL;
}

static void
sg_taken_add(HTAB *seen, SgTaken *t)
{
	ObjectAddress key = t->address;

	((SgTakenEntry *) hash_search(seen, &key, HASH_ENTER, NULL))->taken = t;
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
	HASHCTL		ctl = {0};
	HTAB	   *seen;

	ctl.keysize = sizeof(ObjectAddress);
	ctl.entrysize = sizeof(SgTakenEntry);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("schema_guard objects taken", 64, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	first->address = *start;
	taken = list_make1(first);
	sg_taken_add(seen, first);
	for (int i = 0; i < list_length(taken); i++)
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
			t = sg_taken_find(seen, &dependent);
			if (t != NULL)
			{
				/* PostgreSQL names only what nothing automatic takes. */
				if (!normal)
					t->normal = false;
				continue;
			}
			if (list_length(taken) >= SG_CLOSURE_MAX)
				continue;
			t = palloc0(sizeof(SgTaken));
			t->address = dependent;
			t->normal = normal;
			taken = lappend(taken, t);
			sg_taken_add(seen, t);
		}
		systable_endscan(scan);
	}
	table_close(depRel, AccessShareLock);
	hash_destroy(seen);
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

/*
 * rename_breaks_clients: names that clients, and functions whose body is
 * text, use to reach the table or column.  Objects that PostgreSQL links
 * by OID (views, rules, policies, SQL-standard function bodies) follow a
 * rename; the DETAIL names them, and what names the old name in text.
 */

/* The regular expression that finds name as a word in SQL text. */
static const char *const sg_word_regex =
"'(^|[^[:alnum:]_$])' OPERATOR(pg_catalog.||) "
"pg_catalog.regexp_replace($1, '([^[:alnum:]_])', '\\\\\\1', 'g') "
"OPERATOR(pg_catalog.||) '($|[^[:alnum:]_$])'";

/* "2 functions whose body names it: public.f(integer), ..." or NULL. */
static char *
sg_functions_naming(const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	char	   *values[2];

	if (!sg_query_row(psprintf("SELECT pg_catalog.count(*), "
							   "pg_catalog.string_agg(f, ', ') FILTER (WHERE n OPERATOR(pg_catalog.<=) %d) "
							   "FROM (SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text f, "
							   "pg_catalog.row_number() OVER (ORDER BY p.oid) n "
							   "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang "
							   "JOIN pg_catalog.pg_namespace s ON s.oid OPERATOR(pg_catalog.=) p.pronamespace "
							   "WHERE l.lanname OPERATOR(pg_catalog.<>) ALL ('{internal,c}') "
							   "AND s.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema,%s}') "
							   "AND p.prosrc OPERATOR(pg_catalog.~*) (%s)) x",
							   SG_LIST_MAX, SG_SCHEMA_NAME, sg_word_regex),
					  1, argtypes, args, 2, values, NULL) ||
		values[0] == NULL || strcmp(values[0], "0") == 0)
		return NULL;
	return psprintf("%s function%s whose body names it as text (%s%s)", values[0],
					strcmp(values[0], "1") == 0 ? "" : "s", values[1],
					strtoll(values[0], NULL, 10) > SG_LIST_MAX ? ", ..." : "");
}

/* The schema of an extension, InvalidOid if none (16+ has this). */
static Oid
sg_extension_schema(Oid extoid)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nspid = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nspid = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nspid;
}

/*
 * "pg_stat_statements holds 3 statements of this database that name it:
 * ..." or NULL: when the extension is installed in this database with its
 * library loaded, and only what the caller may see there.
 */
static char *
sg_statements_naming(const char *name)
{
	Oid			extoid = get_extension_oid("pg_stat_statements", true);
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	char	   *values[2];
	char	   *nsp;

	/* Without the library its view fails on every read. */
	if (!OidIsValid(extoid) ||
		GetConfigOption("pg_stat_statements.max", true, false) == NULL)
		return NULL;
	nsp = get_namespace_name(sg_extension_schema(extoid));
	if (nsp == NULL ||
		!sg_query_row(psprintf("SELECT pg_catalog.count(*), "
							   "pg_catalog.string_agg(q, ' | ') FILTER (WHERE n OPERATOR(pg_catalog.<=) 3) "
							   "FROM (SELECT pg_catalog.left(pg_catalog.regexp_replace(s.query, '\\s+', ' ', 'g'), 80) q, "
							   "pg_catalog.row_number() OVER (ORDER BY s.calls DESC, s.query) n "
							   "FROM %s.pg_stat_statements s "
							   "WHERE s.dbid OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d "
							   "WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
							   "AND s.query OPERATOR(pg_catalog.~*) (%s)) x",
							   quote_identifier(nsp), sg_word_regex),
					  1, argtypes, args, 2, values, NULL) ||
		values[0] == NULL || strcmp(values[0], "0") == 0)
		return NULL;
	return psprintf("pg_stat_statements holds %s statement%s of this database that name%s it (%s%s)",
					values[0], strcmp(values[0], "1") == 0 ? "" : "s",
					strcmp(values[0], "1") == 0 ? "s" : "", values[1],
					strtoll(values[0], NULL, 10) > 3 ? " | ..." : "");
}

/*
 * The views, rules, policies and functions that use the relation (the
 * column, when attnum is set) through a normal dependency: they follow a
 * rename by OID.
 */
static List *
sg_users_by_oid(Oid relid, AttrNumber attnum)
{
	Relation	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *seen = NIL;
	List	   *items = NIL;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum(attnum));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL,
							  attnum > 0 ? 3 : 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		ObjectAddress user;
		char	   *desc;

		CHECK_FOR_INTERRUPTS();
		if (dep->deptype != DEPENDENCY_NORMAL ||
			(dep->classid != RewriteRelationId && dep->classid != PolicyRelationId &&
			 dep->classid != ProcedureRelationId))
			continue;
		ObjectAddressSet(user, dep->classid, dep->objid);
		user = sg_whole_object(depRel, &user);
		/* A relation's own rules (not its view definition) stay its own. */
		if (user.classId == RelationRelationId && user.objectId == relid)
			continue;
		desc = SG_OBJECT_IDENTITY(&user);
		if (desc == NULL)
			continue;
		desc = psprintf("%s %s", SG_OBJECT_TYPE_DESCRIPTION(&user), desc);
		if (list_member(seen, makeString(desc)))
			continue;
		seen = lappend(seen, makeString(desc));
		items = lappend(items, list_length(items) < SG_LIST_MAX ? desc : "");
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return items;
}

void
sg_rename_breaks_clients_utility(Node *parsetree)
{
	RenameStmt *stmt = (RenameStmt *) parsetree;
	bool		column;
	Oid			relid;
	AttrNumber	attnum = InvalidAttrNumber;
	Relation	rel;
	char	   *ident;
	const char *oldname;
	const char *kind;
	List	   *users;
	char	   *functions;
	char	   *statements;
	StringInfoData detail;
	SgFinding	finding = {0};

	if (!IsA(parsetree, RenameStmt) || stmt->relation == NULL)
		return;
	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			column = false;
			break;
		case OBJECT_COLUMN:
			column = true;
			break;
		default:
			return;
	}
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !SG_OWNS_RELATION(relid))
		return;
	if (column)
	{
		attnum = get_attnum(relid, stmt->subname);
		if (attnum <= 0 || sg_column_is_new(relid, attnum) ||
			sg_column_name_given_up(relid, stmt->newname))
			return;
	}
	rel = sg_open_existing(relid, true);
	if (rel == NULL)
		return;
	ident = sg_relation_identity(relid);
	kind = sg_kind_word(rel->rd_rel->relkind);
	oldname = column ? stmt->subname : pstrdup(RelationGetRelationName(rel));
	relation_close(rel, AccessShareLock);

	users = sg_users_by_oid(relid, attnum);
	functions = sg_functions_naming(oldname);
	statements = sg_statements_naming(oldname);

	initStringInfo(&detail);
	appendStringInfo(&detail, "Every query and function body that names \"%s\" fails once it is renamed to \"%s\"",
					 oldname, stmt->newname);
	if (functions != NULL || statements != NULL)
		appendStringInfo(&detail, ": %s%s%s", functions ? functions : "",
						 functions && statements ? "; " : "", statements ? statements : "");
	appendStringInfoChar(&detail, '.');
	if (users != NIL)
		appendStringInfo(&detail, " These use it by OID and follow the rename: %s.", sg_join_list(users));

	finding.rule = SG_RULE_RENAME_BREAKS_CLIENTS;
	finding.relid = relid;
	if (column)
	{
		finding.object_type = "column";
		finding.subname = stmt->subname;
		finding.object_identity = psprintf("%s.%s", ident, quote_identifier(stmt->subname));
		finding.message = psprintf("renaming column \"%s\" of existing %s %s breaks the clients that name it",
								   stmt->subname, kind, ident);
		finding.fix = pstrdup("Expand and contract instead: add the new column next to the old one and keep both "
							  "in step (a trigger, or a generated column for reads), move every client to the new "
							  "name, then drop the old column.");
	}
	else
	{
		finding.object_type = "table";
		finding.object_identity = ident;
		finding.message = psprintf("renaming existing %s %s breaks the clients that name it", kind, ident);
		finding.fix = pstrdup("Keep the old name working while clients move: in the same transaction as the rename, "
							  "create a view under the old name that selects every column of the renamed relation "
							  "(a simple view takes writes too), move every client to the new name, then drop the view.");
	}
	finding.detail = detail.data;
	sg_raise(&finding);
}

/*
 * lossy_type_change: ALTER COLUMN ... TYPE to a type that cannot hold
 * every value of the old one, decided from the catalog's old type and
 * typmod and the statement's new ones (resolved as the statement resolves
 * them, in the caller's search_path), before the statement runs: the old
 * values are the evidence.
 */

static int
sg_integer_rank(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return 1;
		case INT4OID:
			return 2;
		case INT8OID:
			return 3;
		default:
			return 0;
	}
}

/* Digits an integer type may need before the decimal point. */
static int
sg_integer_digits(Oid typid)
{
	return typid == INT2OID ? 5 : typid == INT4OID ? 10 : 19;
}

static bool
sg_is_text_like(Oid typid)
{
	return typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID;
}

/* numeric's typmod: precision and scale (negative scales from 15 on). */
static void
sg_numeric_typmod(int32 typmod, int *precision, int *scale)
{
	*precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
	*scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
}

/*
 * Why a value of type oldtyp (a base type, with its typmod) may not
 * survive the conversion to newtyp, as a DETAIL fragment; NULL when every
 * value does.  *meaning is set when the values survive a round trip but
 * change what they mean (a moment becomes a local time).
 */
static char *
sg_lossy_reason(Oid oldtyp, int32 oldmod, Oid newtyp, int32 newmod, bool *meaning)
{
	int			oldrank = sg_integer_rank(oldtyp);
	int			newrank = sg_integer_rank(newtyp);
	Oid			oldelem = get_element_type(oldtyp);
	Oid			newelem = get_element_type(newtyp);
	char	   *newname = format_type_with_typemod(newtyp, newmod);

	*meaning = false;
	/* Arrays convert element by element; the typmod is the elements'. */
	if (OidIsValid(oldelem) && OidIsValid(newelem))
		return sg_lossy_reason(getBaseType(oldelem), oldmod, getBaseType(newelem), newmod, meaning);

	if (sg_is_text_like(oldtyp) && (newtyp == VARCHAROID || newtyp == BPCHAROID) && newmod >= 0)
	{
		int			newlen = newmod - VARHDRSZ;
		int			oldlen = oldtyp != TEXTOID && oldmod >= 0 ? oldmod - VARHDRSZ : -1;

		if (oldlen < 0 || newlen < oldlen)
			return psprintf("values longer than %d character%s do not fit", newlen,
							newlen == 1 ? "" : "s");
		return NULL;
	}
	if (oldrank > 0 && newrank > 0)
		return oldrank > newrank
			? psprintf("values outside the range of %s do not fit", newname) : NULL;
	if (newrank > 0 && (oldtyp == NUMERICOID || oldtyp == FLOAT4OID || oldtyp == FLOAT8OID))
		return psprintf("fractions are rounded to whole numbers, and values outside the range of %s do not fit",
						newname);
	if (oldtyp == NUMERICOID && newtyp == NUMERICOID)
	{
		int			op,
					os,
					np,
					ns;

		if (newmod < 0)
			return NULL;
		sg_numeric_typmod(newmod, &np, &ns);
		if (oldmod < 0)
			return psprintf("values are rounded to %d decimal place%s, and values with more than %d digit%s "
							"before the point do not fit", ns, ns == 1 ? "" : "s", np - ns,
							np - ns == 1 ? "" : "s");
		sg_numeric_typmod(oldmod, &op, &os);
		if (ns < os)
			return psprintf("values are rounded from %d to %d decimal place%s", os, ns, ns == 1 ? "" : "s");
		if (np - ns < op - os)
			return psprintf("values with more than %d digit%s before the point do not fit",
							np - ns, np - ns == 1 ? "" : "s");
		return NULL;
	}
	if (oldrank > 0 && newtyp == NUMERICOID && newmod >= 0)
	{
		int			np,
					ns;

		sg_numeric_typmod(newmod, &np, &ns);
		return np - ns < sg_integer_digits(oldtyp)
			? psprintf("values with more than %d digit%s do not fit", np - ns, np - ns == 1 ? "" : "s")
			: NULL;
	}
	if (oldtyp == FLOAT8OID && newtyp == FLOAT4OID)
		return pstrdup("values are rounded to about 6 significant digits, and values beyond the range of real do not fit");
	if (oldtyp == NUMERICOID && (newtyp == FLOAT4OID || newtyp == FLOAT8OID))
		return psprintf("values are rounded to about %d significant digits", newtyp == FLOAT4OID ? 6 : 15);
	if ((oldtyp == INT8OID && (newtyp == FLOAT8OID || newtyp == FLOAT4OID)) ||
		(oldtyp == INT4OID && newtyp == FLOAT4OID))
		return psprintf("integers of more than %d significant digits are rounded",
						newtyp == FLOAT4OID ? 6 : 15);
	if (oldtyp == TIMESTAMPTZOID && newtyp == TIMESTAMPOID)
	{
		*meaning = true;
		return psprintf("each moment becomes the local time of the session's time zone (%s), "
						"and the moment it named is lost", pg_get_timezone_name(session_timezone));
	}
	if ((oldtyp == TIMESTAMPTZOID || oldtyp == TIMESTAMPOID) && newtyp == DATEOID)
		return pstrdup("the time of day is lost");
	if ((oldtyp == TIMESTAMPTZOID || oldtyp == TIMESTAMPOID) && (newtyp == TIMEOID || newtyp == TIMETZOID))
		return pstrdup("the date is lost");
	if (oldtyp == TIMETZOID && newtyp == TIMEOID)
	{
		*meaning = true;
		return pstrdup("the time zone offset of each value is lost");
	}
	if (oldtyp == newtyp &&
		(oldtyp == TIMESTAMPOID || oldtyp == TIMESTAMPTZOID || oldtyp == TIMEOID || oldtyp == TIMETZOID))
		return newmod >= 0 && (oldmod < 0 || newmod < oldmod)
			? psprintf("fractional seconds are rounded to %d digit%s", newmod, newmod == 1 ? "" : "s")
			: NULL;
	if (oldtyp == INTERVALOID && newtyp == INTERVALOID && newmod >= 0)
	{
		int			oldrange = oldmod >= 0 ? INTERVAL_RANGE(oldmod) : INTERVAL_FULL_RANGE;
		int			newrange = INTERVAL_RANGE(newmod);
		int			oldprec = oldmod >= 0 ? INTERVAL_PRECISION(oldmod) : INTERVAL_FULL_PRECISION;
		int			newprec = INTERVAL_PRECISION(newmod);

		if ((oldrange & ~newrange) != 0)
			return psprintf("the fields that %s does not keep are cut off", newname);
		if (newprec != INTERVAL_FULL_PRECISION &&
			(oldprec == INTERVAL_FULL_PRECISION || newprec < oldprec))
			return psprintf("fractional seconds are rounded to %d digit%s", newprec, newprec == 1 ? "" : "s");
		return NULL;
	}
	if ((oldtyp == VARBITOID || oldtyp == BITOID) && newtyp == VARBITOID && newmod >= 0 &&
		(oldmod < 0 || newmod < oldmod))
		return psprintf("values longer than %d bit%s do not fit", newmod, newmod == 1 ? "" : "s");
	return NULL;
}

/* A type name of the statement, resolved; false when it names none. */
static bool
sg_statement_type(TypeName *typname, Oid *typid, int32 *typmod)
{
	Type		tup = LookupTypeName(NULL, typname, typmod, true);

	if (tup == NULL)
		return false;
	*typid = typeTypeId(tup);
	ReleaseSysCache(tup);
	return true;
}

/* Is the node a reference to the column, as USING may name it? */
static bool
sg_names_column(Node *node, const char *colname)
{
	ColumnRef  *ref = (ColumnRef *) node;

	return node != NULL && IsA(node, ColumnRef) && list_length(ref->fields) == 1 &&
		IsA(linitial(ref->fields), String) &&
		strcmp(strVal(linitial(ref->fields)), colname) == 0;
}

/*
 * " In the 3 rows of public.t (counted), 1 value does not survive the
 * round trip ..." for DETAIL: the values the change alters, counted with
 * the caller's privileges when the table is small enough; or why they are
 * not counted.  casts are the types the values go through (TypeName
 * strings, qualified), the last one the new type.
 */
static char *
sg_lossy_count(Relation rel, bool inh, Form_pg_attribute att, List *casts)
{
	Oid			relid = RelationGetRelid(rel);
	char	   *ident = sg_relation_identity(relid);
	const char *col = quote_identifier(NameStr(att->attname));
	double		estimate = 0;
	bool		known = true;
	StringInfoData expr;
	ListCell   *lc;
	int64		count;
	char	   *failure = NULL;
	char	   *rows = NULL;
	int64		total;

	if (sg_lossy_count_rows == 0)
		return "";
	foreach(lc, inh ? find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid))
	{
		Relation	r = try_relation_open(lfirst_oid(lc), AccessShareLock);

		if (r == NULL)
			continue;
		if (r->rd_rel->relkind == RELKIND_RELATION)
		{
			if (r->rd_rel->reltuples >= 0)
				estimate += r->rd_rel->reltuples;
			if (RelationGetNumberOfBlocks(r) > SG_COUNT_MAX_BLOCKS &&
				(r->rd_rel->reltuples < 0 || r->rd_rel->relpages == 0))
				known = false;
		}
		relation_close(r, AccessShareLock);
	}
	if (!known || estimate > sg_lossy_count_rows)
		return psprintf(" The values are not counted: %s holds %s rows (reltuples estimate), "
						"more than schema_guard.lossy_type_change_count_rows (%d).",
						ident, known ? psprintf("about %.0f", estimate) : "an unknown number of",
						sg_lossy_count_rows);
	if (!OidIsValid(lookup_type_cache(att->atttypid, TYPECACHE_EQ_OPR)->eq_opr))
		return "";
	if (!sg_may_count(relid, att->attnum))
		return " The values are not counted: the caller may not read them all.";

	initStringInfo(&expr);
	appendStringInfo(&expr, "t.%s", col);
	foreach(lc, casts)
	{
		char	   *e = pstrdup(expr.data);

		resetStringInfo(&expr);
		appendStringInfo(&expr, "CAST(%s AS %s)", e, (char *) lfirst(lc));
	}
	if (sg_count_query(psprintf("SELECT pg_catalog.count(*) FROM %s%s", inh ? "" : "ONLY ", ident),
					   &total, &failure))
		rows = psprintf(INT64_FORMAT " row%s", total, total == 1 ? "" : "s");
	if (rows != NULL &&
		sg_count_query(psprintf("SELECT pg_catalog.count(*) FROM %s%s t WHERE t.%s IS DISTINCT FROM CAST(%s AS %s)",
								inh ? "" : "ONLY ", ident, col, expr.data,
								format_type_extended(att->atttypid, att->atttypmod,
													 FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY)),
					   &count, &failure))
		return psprintf(" Of the %s of %s (counted), " INT64_FORMAT " %s not survive the round trip through the new type.",
						rows, ident, count, count == 1 ? "does" : "do");
	if (rows != NULL && failure != NULL)
		return psprintf(" Of the %s of %s (counted), at least one value does not convert: %s.",
						rows, ident, failure);
	return "";
}

static void
sg_lossy_column(AlterTableStmt *stmt, AlterTableCmd *cmd)
{
	ColumnDef  *def = (ColumnDef *) cmd->def;
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	AttrNumber	attnum;
	Relation	rel;
	Form_pg_attribute att;
	Oid			newtyp;
	int32		newmod;
	Oid			oldbase;
	int32		oldbasemod;
	Oid			newbase;
	int32		newbasemod;
	char	   *reason;
	bool		meaning = false;
	List	   *casts = NIL;
	char	   *through = "";
	char	   *ident;
	char	   *types;
	SgFinding	finding = {0};

	if (!OidIsValid(relid) || cmd->name == NULL || def == NULL || !IsA(def, ColumnDef) ||
		def->typeName == NULL || !SG_OWNS_RELATION(relid))
		return;
	attnum = get_attnum(relid, cmd->name);
	if (attnum <= 0 || sg_column_is_new(relid, attnum))
		return;
	if (!sg_statement_type(def->typeName, &newtyp, &newmod))
		return;
	rel = sg_open_existing(relid, false);
	if (rel == NULL)
		return;
	att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	oldbasemod = att->atttypmod;
	oldbase = getBaseTypeAndTypmod(att->atttypid, &oldbasemod);
	newbasemod = newmod;
	newbase = getBaseTypeAndTypmod(newtyp, &newbasemod);

	if (def->raw_default == NULL || sg_names_column(def->raw_default, cmd->name))
		reason = sg_lossy_reason(oldbase, oldbasemod, newbase, newbasemod, &meaning);
	else if (IsA(def->raw_default, TypeCast) &&
			 sg_names_column(((TypeCast *) def->raw_default)->arg, cmd->name))
	{
		/* USING col::mid: judged through the type it goes by */
		Oid			midtyp;
		int32		midmod;
		int32		midbasemod;
		Oid			midbase;

		if (!sg_statement_type(((TypeCast *) def->raw_default)->typeName, &midtyp, &midmod))
		{
			relation_close(rel, AccessShareLock);
			return;
		}
		midbasemod = midmod;
		midbase = getBaseTypeAndTypmod(midtyp, &midbasemod);
		reason = sg_lossy_reason(oldbase, oldbasemod, midbase, midbasemod, &meaning);
		if (reason == NULL)
			reason = sg_lossy_reason(midbase, midbasemod, newbase, newbasemod, &meaning);
		casts = lappend(casts, format_type_extended(midtyp, midmod,
													FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
		through = psprintf(" (USING a cast to %s)", format_type_with_typemod(midtyp, midmod));
	}
	else
		reason = pstrdup("the USING expression computes the new values, and nothing shows that it keeps every value");
	if (reason == NULL)
	{
		relation_close(rel, AccessShareLock);
		return;
	}
	/* The casts the values go through; none for another USING expression. */
	if (def->raw_default == NULL || IsA(def->raw_default, TypeCast) ||
		sg_names_column(def->raw_default, cmd->name))
		casts = lappend(casts, format_type_extended(newtyp, newmod,
													FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));

	ident = sg_relation_identity(relid);
	types = psprintf("%s to %s%s", format_type_with_typemod(att->atttypid, att->atttypmod),
					 format_type_with_typemod(newtyp, newmod), through);
	finding.rule = SG_RULE_LOSSY_TYPE_CHANGE;
	finding.relid = relid;
	finding.object_type = "column";
	finding.subname = pstrdup(cmd->name);
	finding.object_identity = psprintf("%s.%s", ident, quote_identifier(cmd->name));
	finding.message = psprintf("column \"%s\" of existing %s %s changes type from %s, which can lose data",
							   cmd->name, sg_kind_word(rel->rd_rel->relkind), ident, types);
	/* A USING expression's values cannot be counted without running it. */
	finding.detail = psprintf("From %s, %s.%s", types, reason,
							  meaning || casts == NIL
							  ? "" : sg_lossy_count(rel, stmt->relation->inh, att, casts));
	finding.fix = pstrdup(casts == NIL
						  ? "Try the USING expression on a copy of the data first, and keep the old values (a copy "
						  "column, or a dump) until the change has proven itself."
						  : meaning
						  ? "The values change meaning, which no check can prove harmless. Add a column of the new type "
						  "next to the old one, fill it, move the clients, and drop the old column once the new one "
						  "has proven itself."
						  : "Prove first that every value fits: add a CHECK constraint NOT VALID that compares the column "
						  "with its round trip through the new type, validate it, and keep a copy of the old values "
						  "until the change has proven itself.");
	relation_close(rel, AccessShareLock);
	sg_raise(&finding);
}

void
sg_lossy_type_change_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt) || SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AlterColumnType)
			sg_lossy_column(stmt, cmd);
	}
}
