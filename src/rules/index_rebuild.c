/*-------------------------------------------------------------------------
 *
 * index_rebuild.c
 *		Rule index_rebuild (family "locks"): a statement rebuilds indexes of
 *		an existing table that it does not rewrite.
 *
 * ALTER COLUMN TYPE (and ALTER TYPE ... ALTER ATTRIBUTE, for typed tables)
 * drops every index on the column and creates it again.  PostgreSQL keeps
 * the old storage only where it can tell the index still fits
 * (CheckIndexCompatible(): the same operator classes and collations, no
 * expression, no predicate, a valid index, and not on a partition, whose
 * partitioned index is created again from scratch); any other index is
 * built again under the statement's ACCESS EXCLUSIVE lock, even though the
 * table is not rewritten.  So the rule compares storage: before the
 * statement (utility) it records the relfilenodes of the tables it changes
 * and of their indexes; after it (ddl_end), a recreated index whose
 * relfilenode none of its table's indexes had was rebuilt.  A table whose
 * own relfilenode changed was rewritten, which table_rewrite reports.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* A table the statement may change, as it was before. */
typedef struct SgStorage
{
	Oid			relid;
	Oid			relfilenode;
	List	   *index_nodes;	/* the relfilenodes of its indexes */
} SgStorage;

/*
 * The storage recorded before the running statement.  Good for that
 * statement only: until a DDL statement ends (the count moves), in the
 * same (sub)transaction (an error in between ends it).
 */
static struct
{
	MemoryContext context;
	List	   *tables;			/* SgStorage */
	uint64		statement;
	LocalTransactionId lxid;
	SubTransactionId subxid;
} sg_before;

static Oid
sg_relfilenode(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			node = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		node = ((Form_pg_class) GETSTRUCT(tup))->relfilenode;
		ReleaseSysCache(tup);
	}
	return node;
}

/* Does any subcommand change a column's (or attribute's) type? */
static bool
sg_changes_column_type(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

		if (IsA(cmd, AlterTableCmd) && cmd->subtype == AT_AlterColumnType)
			return true;
	}
	return false;
}

/* The typed tables of a composite type: they depend on it. */
static List *
sg_typed_tables(Oid typid)
{
	Relation	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *relids = NIL;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(typid));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		HeapTuple	reltup;

		if (dep->classid != RelationRelationId || dep->objsubid != 0)
			continue;
		reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(dep->objid));
		if (!HeapTupleIsValid(reltup))
			continue;
		if (((Form_pg_class) GETSTRUCT(reltup))->reloftype == typid)
			relids = list_append_unique_oid(relids, dep->objid);
		ReleaseSysCache(reltup);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return relids;
}

/*
 * index_rebuild, before an ALTER TABLE (or ALTER TYPE) that changes a
 * column's type: record the storage of the existing, guarded tables it
 * changes (the table it names, its inheritance children and partitions; a
 * type's typed tables) and of their indexes.  Other statements cost one
 * look at their subcommands.  Tables the caller does not own are neither
 * recorded nor locked: PostgreSQL refuses the statement.
 */
void
sg_index_rebuild_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	Oid			relid;
	List	   *named;
	List	   *tables = NIL;
	ListCell   *lc;
	MemoryContext old;

	if (!IsA(parsetree, AlterTableStmt) || !sg_changes_column_type(stmt))
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !SG_OWNS_RELATION(relid))
		return;
	if (SG_ALTER_TABLE_OBJTYPE(stmt) == OBJECT_TYPE)
		named = sg_typed_tables(get_rel_type_id(relid));
	else
		named = list_make1_oid(relid);
	foreach(lc, named)
		tables = list_concat_unique_oid(tables, find_all_inheritors(lfirst_oid(lc), NoLock, NULL));

	if (sg_before.context == NULL)
		sg_before.	context = AllocSetContextCreate(TopMemoryContext,
													"schema_guard index_rebuild",
													ALLOCSET_SMALL_SIZES);

	MemoryContextReset(sg_before.context);
	sg_before.	tables = NIL;

	foreach(lc, tables)
	{
		Relation	rel;
		SgStorage  *storage;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_RELATION ||
			!SG_OWNS_RELATION(lfirst_oid(lc)))
			continue;
		rel = try_relation_open(lfirst_oid(lc), AccessShareLock);
		if (rel == NULL)
			continue;
		if (!sg_relation_guarded(rel) || sg_relation_is_new(rel))
		{
			relation_close(rel, AccessShareLock);
			continue;
		}
		old = MemoryContextSwitchTo(sg_before.context);
		storage = palloc0(sizeof(SgStorage));
		storage->relid = RelationGetRelid(rel);
		storage->relfilenode = rel->rd_rel->relfilenode;
		foreach(lc2, RelationGetIndexList(rel))
			storage->index_nodes = lappend_oid(storage->index_nodes,
											   sg_relfilenode(lfirst_oid(lc2)));
		sg_before.	tables = lappend(sg_before.tables, storage);

		MemoryContextSwitchTo(old);
		relation_close(rel, AccessShareLock);
	}
	sg_before.	statement = sg_ddl_statements_ended;
	sg_before.	lxid = SG_LOCAL_XID;
	sg_before.	subxid = GetCurrentSubTransactionId();
}

/* The storage recorded for relid before this statement, or NULL. */
static SgStorage *
sg_storage_before(Oid relid)
{
	ListCell   *lc;

	foreach(lc, sg_before.tables)
	{
		SgStorage  *storage = (SgStorage *) lfirst(lc);

		if (storage->relid == relid)
			return storage;
	}
	return NULL;
}

/*
 * The leaf indexes among the recreated ones (and under the recreated
 * partitioned ones) that were built again: on an existing table of the
 * statement that was not rewritten, with storage none of the table's
 * indexes had before.
 */
static List *
sg_rebuilt_indexes(List *recreated)
{
	List	   *rebuilt = NIL;
	ListCell   *lc;

	foreach(lc, recreated)
	{
		ListCell   *lc2;

		foreach(lc2, find_all_inheritors(lfirst_oid(lc), NoLock, NULL))
		{
			Oid			indexoid = lfirst_oid(lc2);
			SgStorage  *before;

			CHECK_FOR_INTERRUPTS();
			if (get_rel_relkind(indexoid) != RELKIND_INDEX)
				continue;
			before = sg_storage_before(IndexGetRelation(indexoid, true));
			if (before == NULL ||
				sg_relfilenode(before->relid) != before->relfilenode ||
				list_member_oid(before->index_nodes, sg_relfilenode(indexoid)))
				continue;
			rebuilt = list_append_unique_oid(rebuilt, indexoid);
		}
	}
	return rebuilt;
}

/*
 * index_rebuild, after the statement: one finding, on the table (or type)
 * the statement names, whose exemption applies, with each rebuilt index
 * and its size in DETAIL.
 */
void
sg_index_rebuild_ddl_end(const SgDdlObject *object)
{
	List	   *rebuilt;
	Relation	target;
	StringInfoData list;
	bool		on_target = false;
	bool		on_others = false;
	bool		partitions = false;
	bool		constraints = false;
	SgFinding	finding = {0};
	ListCell   *lc;

	if (object->kind != SG_DDL_INDEXES_RECREATED || sg_before.tables == NIL ||
		sg_before.statement != sg_ddl_statements_ended - 1 ||
		sg_before.lxid != SG_LOCAL_XID ||
		sg_before.subxid != GetCurrentSubTransactionId())
		return;
	rebuilt = sg_rebuilt_indexes(object->indexes);
	/* Once per statement. */
	MemoryContextReset(sg_before.context);
	sg_before.	tables = NIL;

	if (rebuilt == NIL)
		return;
	target = try_relation_open(object->relid, AccessShareLock);
	if (target == NULL)
		return;

	initStringInfo(&list);
	foreach(lc, rebuilt)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	index = index_open(indexoid, AccessShareLock);
		Oid			relid = index->rd_index->indrelid;

		on_target |= relid == object->relid;
		on_others |= relid != object->relid;
		partitions |= get_rel_relispartition(relid);
		constraints |= OidIsValid(get_index_constraint(indexoid));
		appendStringInfo(&list, "%s%s on %s (%s)", list.len > 0 ? ", " : "",
						 sg_relation_identity(indexoid), sg_relation_identity(relid),
						 sg_table_size(index));
		index_close(index, AccessShareLock);
	}

	finding.rule = SG_RULE_INDEX_REBUILD;
	finding.relid = object->relid;
	finding.object_identity = sg_relation_identity(object->relid);
	if (target->rd_rel->relkind == RELKIND_COMPOSITE_TYPE)
	{
		finding.object_type = "type";
		finding.message = psprintf("indexes of existing tables of type %s are rebuilt",
								   finding.object_identity);
	}
	else
	{
		char	   *table = sg_table_kind_name(target);

		finding.object_type = "table";
		if (target->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			finding.message = psprintf("indexes of existing partitions of %s are rebuilt", table);
		else if (!on_others)
			finding.message = psprintf("indexes of existing %s are rebuilt", table);
		else if (!on_target)
			finding.message = psprintf("indexes of existing inheritance children of %s are rebuilt", table);
		else
			finding.message = psprintf("indexes of existing %s and of its inheritance children are rebuilt",
									   table);
	}
	finding.detail = psprintf("The type change rebuilds them under an ACCESS EXCLUSIVE lock, blocking reads and writes "
							  "until every build finishes, though the table is not rewritten: %s.",
							  list.data);
	if (partitions)
		finding.fix = pstrdup("A partitioned table's indexes are built again on every partition, even those a plain table would keep: "
							  "run the change in a maintenance window.");
	else if (constraints)
		finding.fix = pstrdup("The index of a key or an exclusion constraint cannot be dropped and built again concurrently "
							  "around the change: run it in a maintenance window.");
	else
		finding.fix = pstrdup("Run the change in a maintenance window, or first drop these indexes with DROP INDEX CONCURRENTLY, "
							  "make the change, and build them again with CREATE INDEX CONCURRENTLY, "
							  "if queries can do without them meanwhile.");
	relation_close(target, AccessShareLock);
	sg_raise(&finding);
}
