/*-------------------------------------------------------------------------
 *
 * locks.c
 *		Rule family "locks": statements that lock an existing table for as
 *		long as they work.  index_not_concurrent, drop_index_not_concurrent,
 *		reindex_not_concurrent, constraint_index_in_place, table_rewrite
 *		(ALTER TABLE from its event, VACUUM FULL and CLUSTER before they run).
 *
 * "Existing" means created before the current transaction, whatever its
 * size: a development database is empty, production is not.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/event_trigger.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/*
 * Is a boolean option such as "concurrently" set in a DefElem list?  (13
 * keeps REINDEX's options elsewhere: see SG_REINDEX_IS_CONCURRENT.)
 */
bool
sg_defelem_list_has(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, name) == 0)
			return opt->arg == NULL || defGetBoolean(opt);
	}
	return false;
}

/*
 * Open the table a lock rule is about; NULL when the rule has nothing to
 * say: the table is gone, not guarded, or new in this transaction.
 */
Relation
sg_open_existing_table(Oid relid)
{
	Relation	rel;

	if (!OidIsValid(relid))
		return NULL;
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return NULL;
	if (!sg_relation_guarded(rel) || sg_relation_is_new(rel) ||
		(rel->rd_rel->relkind != RELKIND_RELATION &&
		 rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		 rel->rd_rel->relkind != RELKIND_MATVIEW))
	{
		relation_close(rel, AccessShareLock);
		return NULL;
	}
	return rel;
}

/* "table public.orders", "materialized view public.counts", ... */
char *
sg_table_kind_name(Relation rel)
{
	const char *kind = "table";

	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		kind = "partitioned table";
	else if (rel->rd_rel->relkind == RELKIND_MATVIEW)
		kind = "materialized view";
	return psprintf("%s %s", kind, sg_relation_identity(RelationGetRelid(rel)));
}

/*
 * The evidence of how much a lock will cover, for DETAIL: "8192 bytes".
 * It changes as the table grows, so it never goes in the primary message.
 */
char *
sg_table_size(Relation rel)
{
	return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum((int64) RelationGetNumberOfBlocks(rel) * BLCKSZ))));
}

/* " public.orders is 8192 bytes now.", or "" for a partitioned table. */
char *
sg_size_sentence(Relation rel)
{
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		return "";
	return psprintf(" %s is %s now.", sg_relation_identity(RelationGetRelid(rel)),
					sg_table_size(rel));
}

/*
 * The leaf indexes of indexoid's partition tree (indexoid itself for a
 * plain table) that this transaction built on existing, guarded tables.
 * An index a partitioned index adopted already existed: nothing was built.
 */
static List *
sg_built_indexes(Oid indexoid)
{
	List	   *built = NIL;
	ListCell   *lc;

	foreach(lc, find_all_inheritors(indexoid, NoLock, NULL))
	{
		Oid			oid = lfirst_oid(lc);
		Relation	index;
		Relation	rel;
		bool		is_new;

		CHECK_FOR_INTERRUPTS();
		if (get_rel_relkind(oid) != RELKIND_INDEX)
			continue;
		index = try_relation_open(oid, AccessShareLock);
		if (index == NULL)
			continue;
		is_new = sg_relation_is_new(index);
		relation_close(index, AccessShareLock);
		if (!is_new)
			continue;
		rel = sg_open_existing_table(IndexGetRelation(oid, true));
		if (rel == NULL)
			continue;
		relation_close(rel, AccessShareLock);
		built = lappend_oid(built, oid);
	}
	return built;
}

/* "public.a_idx on public.a (8192 bytes now), ..." for DETAIL. */
static char *
sg_built_list(List *built)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, built)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	rel = relation_open(IndexGetRelation(indexoid, false), AccessShareLock);

		appendStringInfo(&buf, "%s%s on %s (%s now)", buf.len > 0 ? ", " : "",
						 sg_relation_identity(indexoid),
						 sg_relation_identity(RelationGetRelid(rel)), sg_table_size(rel));
		relation_close(rel, AccessShareLock);
	}
	return buf.data;
}

/*
 * The statement's DROP CONSTRAINT subcommands, as SQL to go before its ADD
 * CONSTRAINT in the same ALTER TABLE: "DROP CONSTRAINT t_pkey, ".
 */
static char *
sg_dropped_constraints(AlterTableStmt *alter)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (alter == NULL)
		return buf.data;
	foreach(lc, alter->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_DropConstraint && cmd->name != NULL)
			appendStringInfo(&buf, "DROP CONSTRAINT %s%s%s, ",
							 cmd->missing_ok ? "IF EXISTS " : "",
							 quote_identifier(cmd->name),
							 cmd->behavior == DROP_CASCADE ? " CASCADE" : "");
	}
	return buf.data;
}

/*
 * Does the index use a column that the same ALTER TABLE adds?  A recipe
 * that builds the index first would name a column that does not exist.
 */
static bool
sg_index_uses_added_column(Oid indexoid, Oid relid, AlterTableStmt *alter)
{
	Relation	index;
	Bitmapset  *attrs = NULL;
	bool		found = false;
	ListCell   *lc;

	if (alter == NULL)
		return false;
	index = index_open(indexoid, AccessShareLock);
	for (int i = 0; i < index->rd_index->indnatts; i++)
	{
		if (index->rd_index->indkey.values[i] > 0)
			attrs = bms_add_member(attrs, index->rd_index->indkey.values[i] -
								   FirstLowInvalidHeapAttributeNumber);
	}
	pull_varattnos((Node *) RelationGetIndexExpressions(index), 1, &attrs);
	pull_varattnos((Node *) RelationGetIndexPredicate(index), 1, &attrs);
	index_close(index, AccessShareLock);
	foreach(lc, alter->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		AttrNumber	attnum;

		if (cmd->subtype != AT_AddColumn || cmd->def == NULL || !IsA(cmd->def, ColumnDef))
			continue;
		attnum = get_attnum(relid, ((ColumnDef *) cmd->def)->colname);
		if (attnum > 0 &&
			bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			found = true;
	}
	return found;
}

/*
 * index_not_concurrent and constraint_index_in_place, at ddl_command_end:
 * the index exists, so the HINT can give its exact definition.  On a
 * partitioned table the statement builds indexes on partitions, which may
 * exist though the table is new (ATTACH PARTITION); indexes it adopts
 * instead cost nothing.  Each rule judges the indexes of its kind.
 */
static void
sg_check_index_build(const SgDdlObject *object, SgRuleId rule)
{
	IndexStmt  *stmt = object->index;
	Oid			indexoid = object->objid;
	AlterTableStmt *alter = object->alter;
	bool		is_constraint = stmt->primary || stmt->isconstraint;
	Relation	rel;
	List	   *built;
	SgFinding	finding = {0};
	char	   *idxident;
	char	   *idxname;
	char	   *table;
	bool		partitioned;
	char	   *evidence;
	int			level;

	if (stmt->concurrent ||
		is_constraint != (rule == SG_RULE_CONSTRAINT_INDEX_IN_PLACE))
		return;
	rel = try_relation_open(object->relid, AccessShareLock);
	if (rel == NULL)
		return;
	idxname = get_rel_name(indexoid);
	if (idxname == NULL)
	{
		relation_close(rel, AccessShareLock);
		return;
	}
	built = sg_relation_guarded(rel) ? sg_built_indexes(indexoid) : NIL;
	if (built == NIL)
	{
		relation_close(rel, AccessShareLock);
		return;
	}

	partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	idxident = sg_relation_identity(indexoid);
	table = sg_table_kind_name(rel);
	evidence = partitioned
		? psprintf(" It builds %s.", sg_built_list(built))
		: sg_size_sentence(rel);

	finding.rule = rule;
	finding.relid = RelationGetRelid(rel);
	if (is_constraint)
	{
		Oid			conoid = get_index_constraint(indexoid);
		const char *contype = stmt->excludeOpNames != NIL ? "EXCLUDE"
		: stmt->primary ? "PRIMARY KEY" : "UNIQUE";
		char	   *rawname = OidIsValid(conoid) ? get_constraint_name(conoid) : NULL;
		const char *conname;

		if (rawname == NULL)
			rawname = idxname;
		conname = quote_identifier(rawname);
		finding.object_type = "constraint";
		finding.subname = rawname;
		finding.object_identity = psprintf("%s on %s", conname,
										   sg_relation_identity(RelationGetRelid(rel)));
		finding.message = partitioned
			? psprintf("%s constraint %s builds its indexes in place on existing partitions of %s",
					   contype, conname, table)
			: psprintf("%s constraint %s builds its index in place on existing %s",
					   contype, conname, table);
		finding.detail = psprintf("Adding the constraint holds %s, for as long as its index takes to build.%s",
								  partitioned
								  ? "a SHARE lock or stronger on each partition, blocking at least INSERT, UPDATE and DELETE"
								  : "an ACCESS EXCLUSIVE lock on the table, blocking reads and writes",
								  evidence);
		if (stmt->excludeOpNames != NIL)
			finding.fix = pstrdup("An exclusion constraint can be neither built concurrently nor added on an index built beforehand: add it when the table may be locked for the build, in a maintenance window.");
		else if (SG_INDEX_STMT_WITHOUT_OVERLAPS(stmt))
			finding.fix = pstrdup("A key WITHOUT OVERLAPS has an exclusion index, which can be neither built concurrently nor added on an index built beforehand: add it when the table may be locked for the build, in a maintenance window.");
		else if (sg_index_uses_added_column(indexoid, RelationGetRelid(rel), alter))
			finding.fix = pstrdup("The constraint is on a column this statement adds: add the column alone first, "
								  "then build the unique index with CREATE INDEX CONCURRENTLY and add the constraint USING INDEX.");
		else if (OidIsValid(conoid))
		{
			char	   *drops = sg_dropped_constraints(alter);

			/* Deparsed with qualified names, ISO dates: read alike anywhere. */
			level = sg_pin_settings(true);
			finding.fix = sg_fix_add_constraint(rel, indexoid, conoid, built, drops);
			sg_unpin_settings(level);
		}
	}
	else
	{
		finding.object_type = "index";
		finding.subname = idxname;
		finding.object_identity = idxident;
		finding.message = partitioned
			? psprintf("index %s is built without CONCURRENTLY on existing partitions of %s",
					   idxident, table)
			: psprintf("index %s is built without CONCURRENTLY on existing %s",
					   idxident, table);
		if (rel->rd_rel->relkind == RELKIND_MATVIEW)
			finding.detail = psprintf("CREATE INDEX holds a SHARE lock on the materialized view, blocking REFRESH MATERIALIZED VIEW "
									  "(reads go on), for as long as the index takes to build.%s", evidence);
		else
			finding.detail = psprintf("CREATE INDEX holds a SHARE lock on %s, blocking INSERT, UPDATE and DELETE, "
									  "for as long as the index takes to build.%s",
									  partitioned ? "each partition" : "the table", evidence);
		/* Deparsed with qualified names, ISO dates: read alike anywhere. */
		level = sg_pin_settings(true);
		finding.fix = sg_fix_index_build(rel, indexoid, built);
		sg_unpin_settings(level);
	}
	if (finding.fix == NULL)
		finding.fix = pstrdup("Build the index with CREATE INDEX CONCURRENTLY on each existing table before this statement, outside a transaction block.");
	relation_close(rel, AccessShareLock);
	sg_raise(&finding);
}

/*
 * ATTACH PARTITION of an existing table builds, under the ACCESS EXCLUSIVE
 * lock it takes, every index of the parent the table lacks (with a
 * constraint for a constraint's index): index_not_concurrent for the plain
 * indexes and constraint_index_in_place for the constraints' ones, at
 * ddl_command_end.  The HINT builds them all.
 */
static void
sg_check_attach_partition(Oid parentid, Oid partid, bool is_constraint)
{
	Relation	part = sg_open_existing_table(partid);
	List	   *built[2] = {NIL, NIL};
	ListCell   *lc;
	SgFinding	finding = {0};
	int			level;

	if (part == NULL)
		return;
	foreach(lc, RelationGetIndexList(part))
	{
		Oid			indexoid = lfirst_oid(lc);
		ListCell   *lc2;

		if (!get_rel_relispartition(indexoid))
			continue;
		foreach(lc2, sg_built_indexes(indexoid))
		{
			bool		of_constraint = OidIsValid(get_index_constraint(lfirst_oid(lc2)));

			built[of_constraint] = lappend_oid(built[of_constraint], lfirst_oid(lc2));
		}
	}
	if (built[is_constraint] == NIL)
	{
		relation_close(part, AccessShareLock);
		return;
	}
	/* Deparsed with qualified names, ISO dates: read alike anywhere. */
	level = sg_pin_settings(true);
	finding.fix = sg_fix_attach_partition(parentid, partid,
										  list_concat_copy(built[1], built[0]));
	sg_unpin_settings(level);
	if (finding.fix == NULL)
		finding.fix = pstrdup("Build the partitioned table's missing indexes on the table with CREATE INDEX CONCURRENTLY before attaching it, outside a transaction block.");
	finding.rule = is_constraint ? SG_RULE_CONSTRAINT_INDEX_IN_PLACE : SG_RULE_INDEX_NOT_CONCURRENT;
	finding.relid = partid;
	finding.object_type = "table";
	finding.object_identity = sg_relation_identity(partid);
	finding.message = psprintf("attaching existing %s to %s builds %s in place",
							   sg_table_kind_name(part), sg_relation_identity(parentid),
							   is_constraint ? "constraint indexes" : "indexes");
	finding.detail = psprintf("ATTACH PARTITION holds an ACCESS EXCLUSIVE lock on the table, blocking reads and writes, "
							  "while it builds the indexes of %s that the table lacks: %s.",
							  sg_relation_identity(parentid), sg_built_list(built[is_constraint]));
	relation_close(part, AccessShareLock);
	sg_raise(&finding);
}

void
sg_index_not_concurrent_ddl_end(const SgDdlObject *object)
{
	if (object->kind == SG_DDL_INDEX)
		sg_check_index_build(object, SG_RULE_INDEX_NOT_CONCURRENT);
	else if (object->kind == SG_DDL_ATTACH)
		sg_check_attach_partition(object->relid, object->objid, false);
}

void
sg_constraint_index_in_place_ddl_end(const SgDdlObject *object)
{
	if (object->kind == SG_DDL_INDEX)
		sg_check_index_build(object, SG_RULE_CONSTRAINT_INDEX_IN_PLACE);
	else if (object->kind == SG_DDL_ATTACH)
		sg_check_attach_partition(object->relid, object->objid, true);
}

/*
 * The index a DROP INDEX names, when the caller may drop it, with its
 * table and relkind; InvalidOid for anything else.  Neither judge nor lock
 * what the caller may not drop: PostgreSQL's own permission error comes
 * first.
 */
Oid
sg_index_dropped_by_owner(RangeVar *rv, Oid *relid, char *relkind)
{
	Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);
	char		kind = get_rel_relkind(indexoid);

	if ((kind != RELKIND_INDEX && kind != RELKIND_PARTITIONED_INDEX) ||
		!SG_OWNS_RELATION(indexoid))
		return InvalidOid;
	*relid = IndexGetRelation(indexoid, true);
	if (!OidIsValid(*relid))
		return InvalidOid;
	if (relkind != NULL)
		*relkind = kind;
	return indexoid;
}

/*
 * drop_index_not_concurrent, at ddl_command_start (afterwards the index is
 * gone).
 */
void
sg_drop_index_not_concurrent_utility(Node *parsetree)
{
	DropStmt   *stmt = (DropStmt *) parsetree;
	ListCell   *lc;

	/* A concurrent drop is what the rule asks for. */
	if (!IsA(parsetree, DropStmt) || stmt->removeType != OBJECT_INDEX ||
		stmt->concurrent)
		return;
	foreach(lc, stmt->objects)
	{
		Oid			relid;
		char		relkind;
		Oid			indexoid = sg_index_dropped_by_owner(makeRangeVarFromNameList((List *) lfirst(lc)),
														 &relid, &relkind);
		Relation	index;
		Relation	rel;
		SgFinding	finding = {0};
		char	   *indexident;

		CHECK_FOR_INTERRUPTS();

		/* A partitioned index has no concurrent drop to offer instead. */
		if (!OidIsValid(indexoid) || relkind == RELKIND_PARTITIONED_INDEX)
			continue;

		/*
		 * The table first, then the index, as DROP INDEX locks them; both
		 * stay locked while their names are read, so a concurrent drop cannot
		 * take them away meanwhile.
		 */
		rel = sg_open_existing_table(relid);
		if (rel == NULL)
			continue;
		index = try_relation_open(indexoid, AccessShareLock);
		if (index == NULL || index->rd_index == NULL ||
			index->rd_index->indrelid != relid || sg_relation_is_new(index))
		{
			if (index != NULL)
				relation_close(index, AccessShareLock);
			relation_close(rel, AccessShareLock);
			continue;
		}

		indexident = sg_relation_identity(indexoid);
		finding.rule = SG_RULE_DROP_INDEX_NOT_CONCURRENT;
		finding.relid = relid;
		finding.object_type = "index";
		finding.subname = pstrdup(RelationGetRelationName(index));
		finding.object_identity = indexident;
		finding.message = psprintf("index %s is dropped without CONCURRENTLY from existing %s",
								   indexident, sg_table_kind_name(rel));
		finding.detail = psprintf("DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: it waits for every "
								  "running query on it, and every read and write queues behind it.%s",
								  sg_size_sentence(rel));
		finding.fix = psprintf("DROP INDEX CONCURRENTLY %s;  -- outside a transaction block, one index per statement",
							   indexident);
		relation_close(index, AccessShareLock);
		relation_close(rel, AccessShareLock);
		sg_raise(&finding);
	}
}

/*
 * The exclusion-constraint indexes among indexoids, as "a, b", or NULL:
 * REINDEX CONCURRENTLY cannot rebuild them.
 */
static char *
sg_exclusion_indexes(List *indexoids, bool *all)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	*all = true;
	foreach(lc, indexoids)
	{
		Relation	index = try_relation_open(lfirst_oid(lc), AccessShareLock);

		if (index == NULL)
			continue;
		if (index->rd_index != NULL && index->rd_index->indisexclusion)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
							 sg_relation_identity(lfirst_oid(lc)));
		else
			*all = false;
		relation_close(index, AccessShareLock);
	}
	return buf.len > 0 ? buf.data : NULL;
}

/*
 * reindex_not_concurrent, from the ProcessUtility hook before 17 and from
 * ddl_command_start from 17 on (guard_utility.c): never from both.
 */
void
sg_reindex_not_concurrent_utility(Node *parsetree)
{
	ReindexStmt *stmt = (ReindexStmt *) parsetree;
	SgFinding	finding = {0};
	const char *kind;
	char	   *target;
	char	   *exclusion = NULL;
	bool		only_exclusion = false;

	if (!IsA(parsetree, ReindexStmt) || SG_REINDEX_IS_CONCURRENT(stmt))
		return;

	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
		case REINDEX_OBJECT_TABLE:
			{
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				Oid			indexoid = relid;
				Relation	rel;
				Relation	index = NULL;

				if (!OidIsValid(relid))
					return;
				if (stmt->kind == REINDEX_OBJECT_INDEX)
				{
					if (get_rel_relkind(indexoid) != RELKIND_INDEX &&
						get_rel_relkind(indexoid) != RELKIND_PARTITIONED_INDEX)
						return;
					relid = IndexGetRelation(indexoid, true);
				}

				/*
				 * Neither judge nor lock what the caller may not reindex:
				 * PostgreSQL's own permission error comes first.
				 */
				if (!OidIsValid(relid) || !SG_MAY_MAINTAIN(relid))
					return;
				rel = sg_open_existing_table(relid);
				if (rel == NULL)
					return;

				/*
				 * Locked after its table, as REINDEX does; gone: nothing to
				 * say.
				 */
				if (stmt->kind == REINDEX_OBJECT_INDEX)
				{
					index = try_relation_open(indexoid, AccessShareLock);
					if (index == NULL || index->rd_index == NULL ||
						index->rd_index->indrelid != relid)
					{
						if (index != NULL)
							relation_close(index, AccessShareLock);
						relation_close(rel, AccessShareLock);
						return;
					}
				}
				kind = stmt->kind == REINDEX_OBJECT_INDEX ? "INDEX" : "TABLE";
				target = sg_relation_identity(stmt->kind == REINDEX_OBJECT_INDEX
											  ? indexoid : relid);
				exclusion = sg_exclusion_indexes(stmt->kind == REINDEX_OBJECT_INDEX
												 ? list_make1_oid(indexoid)
												 : RelationGetIndexList(rel),
												 &only_exclusion);
				finding.relid = relid;
				finding.object_type = stmt->kind == REINDEX_OBJECT_INDEX ? "index" : "table";
				finding.subname = index != NULL ? pstrdup(RelationGetRelationName(index)) : NULL;
				finding.object_identity = target;
				finding.message = psprintf("REINDEX %s %s runs without CONCURRENTLY on existing %s",
										   kind, target, sg_table_kind_name(rel));
				finding.detail = psprintf("REINDEX locks out writes to the table, and reads that would use the index, "
										  "for as long as its indexes take to rebuild.%s",
										  sg_size_sentence(rel));
				if (index != NULL)
					relation_close(index, AccessShareLock);
				relation_close(rel, AccessShareLock);
				break;
			}
		case REINDEX_OBJECT_SCHEMA:
		case REINDEX_OBJECT_DATABASE:
			kind = stmt->kind == REINDEX_OBJECT_SCHEMA ? "SCHEMA" : "DATABASE";
			if (stmt->kind == REINDEX_OBJECT_SCHEMA)
			{
				Oid			nspid = get_namespace_oid(stmt->name, true);

				/*
				 * System catalogs, TOAST and our own tables are not guarded;
				 * another role's schema is refused by REINDEX itself.
				 */
				if (!OidIsValid(nspid) || IsCatalogNamespace(nspid) ||
					IsToastNamespace(nspid) || isAnyTempNamespace(nspid) ||
					nspid == get_namespace_oid(SG_SCHEMA_NAME, true) ||
					!SG_OWNS_NAMESPACE(nspid))
					return;
			}
			else if (!SG_OWNS_DATABASE(MyDatabaseId))
				return;
			/* Later versions let REINDEX DATABASE omit the name. */
			target = pstrdup(quote_identifier(stmt->name ? stmt->name
											  : get_database_name(MyDatabaseId)));
			finding.object_type = stmt->kind == REINDEX_OBJECT_SCHEMA ? "schema" : "database";
			finding.subname = stmt->name ? stmt->name : get_database_name(MyDatabaseId);
			finding.object_identity = target;
			finding.message = psprintf("REINDEX %s %s runs without CONCURRENTLY over existing tables",
									   kind, target);
			finding.detail = pstrdup("REINDEX locks out writes to each table, and reads that would use the index, "
									 "for as long as its indexes take to rebuild.");
			break;
		default:
			/* REINDEX SYSTEM has no concurrent form. */
			return;
	}
	finding.rule = SG_RULE_REINDEX_NOT_CONCURRENT;
	if (exclusion != NULL && only_exclusion)
		finding.fix = pstrdup("An exclusion constraint's index cannot be rebuilt concurrently: "
							  "run this REINDEX when the table may be locked, in a maintenance window.");
	else if (exclusion != NULL)
		finding.fix = psprintf("REINDEX %s CONCURRENTLY %s;  -- outside a transaction block; it skips %s, "
							   "which cannot be rebuilt concurrently",
							   kind, target, exclusion);
	else
		finding.fix = psprintf("REINDEX %s CONCURRENTLY %s;  -- outside a transaction block", kind, target);
	sg_raise(&finding);
}

/*
 * Does anything but its own default (and the sequence a serial column
 * owns) depend on the column: an index, a constraint, a generated column,
 * an identity sequence?  A copy of the column would lose it.
 */
static bool
sg_column_has_dependents(Oid relid, AttrNumber attnum)
{
	Relation	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum(attnum));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 3, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		/* Its own default; another column's generation expression is NORMAL. */
		if (dep->classid == AttrDefaultRelationId && dep->deptype != DEPENDENCY_NORMAL)
			;
		else if (dep->classid == RelationRelationId && dep->deptype == DEPENDENCY_AUTO &&
				 get_rel_relkind(dep->objid) == RELKIND_SEQUENCE)
			;					/* the sequence of a serial column */
		else if (dep->classid == ConstraintRelationId &&
				 SG_CONSTRAINT_IS_COLUMN_NOT_NULL(dep->objid))
			;					/* its NOT NULL, catalogued from 18 on */
		else
			found = true;
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return found;
}

/* " COLLATE x" when the column's collation is not its type's default. */
static char *
sg_column_collate(Oid typid, Oid collid)
{
	HeapTuple	tup;
	char	   *clause = "";

	if (!OidIsValid(collid) || collid == get_typcollation(typid))
		return clause;
	tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_collation coll = (Form_pg_collation) GETSTRUCT(tup);

		clause = psprintf(" COLLATE %s",
						  quote_qualified_identifier(get_namespace_name(coll->collnamespace),
													 NameStr(coll->collname)));
		ReleaseSysCache(tup);
	}
	return clause;
}

/* The column's default as SQL, deparsed from the catalog, or NULL. */
static char *
sg_column_default(Relation rel, AttrNumber attnum)
{
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	if (constr == NULL)
		return NULL;
	for (int i = 0; i < constr->num_defval; i++)
	{
		if (constr->defval[i].adnum == attnum)
			return deparse_expression(stringToNode(constr->defval[i].adbin),
									  deparse_context_for(RelationGetRelationName(rel),
														  RelationGetRelid(rel)),
									  false, false);
	}
	return NULL;
}

/*
 * The sequence a new serial column's default draws from: the statement
 * created it (it is owned by the column only once the statement ends), so
 * the recipe must create it too.  PostgreSQL itself knows a serial column
 * by the name it is written with; no type name is resolved.
 */
static Oid
sg_serial_sequence(Relation rel, AttrNumber attnum, ColumnDef *def)
{
	const char *typname;
	TupleConstr *constr = RelationGetDescr(rel)->constr;
	Node	   *expr = NULL;

	if (def->typeName == NULL || def->typeName->names == NIL ||
		list_length(def->typeName->names) > 2 || constr == NULL)
		return InvalidOid;
	typname = strVal(llast(def->typeName->names));
	if (strcmp(typname, "serial") != 0 && strcmp(typname, "serial4") != 0 &&
		strcmp(typname, "bigserial") != 0 && strcmp(typname, "serial8") != 0 &&
		strcmp(typname, "smallserial") != 0 && strcmp(typname, "serial2") != 0)
		return InvalidOid;
	for (int i = 0; i < constr->num_defval; i++)
	{
		if (constr->defval[i].adnum == attnum)
			expr = strip_implicit_coercions(stringToNode(constr->defval[i].adbin));
	}
	/* nextval('seq'::regclass), cast to the column's type */
	if (expr != NULL && IsA(expr, FuncExpr) &&
		((FuncExpr *) expr)->funcid == F_NEXTVAL &&
		list_length(((FuncExpr *) expr)->args) == 1 &&
		IsA(linitial(((FuncExpr *) expr)->args), Const))
	{
		Const	   *arg = linitial_node(Const, ((FuncExpr *) expr)->args);

		if (!arg->constisnull && arg->consttype == REGCLASSOID &&
			get_rel_relkind(DatumGetObjectId(arg->constvalue)) == RELKIND_SEQUENCE)
			return DatumGetObjectId(arg->constvalue);
	}
	return InvalidOid;
}

/*
 * The non-rewriting way to reach what one ALTER TABLE subcommand wanted,
 * appended to fix; or why there is none, in words, returned.  Columns,
 * types, defaults and constraints are read from the catalog (at the
 * table_rewrite event it already has the new column or type), never from
 * the user's text: "serial" names no type.
 */
static const char *
sg_rewrite_fix_for(StringInfo fix, Relation rel, const char *relident,
				   AlterTableCmd *cmd, List **avoid)
{
	Oid			relid = RelationGetRelid(rel);
	ColumnDef  *def = (cmd->def && IsA(cmd->def, ColumnDef)) ? (ColumnDef *) cmd->def : NULL;
	const char *colname = cmd->subtype == AT_AlterColumnType ? cmd->name
	: cmd->subtype == AT_AddColumn && def != NULL ? def->colname : NULL;
	AttrNumber	attnum = colname != NULL ? get_attnum(relid, colname) : InvalidAttrNumber;
	Form_pg_attribute att;
	const char *col;
	char	   *type;
	char	   *deflt;
	StringInfoData rest;

	if (attnum <= 0)
		return "Make the change in steps that do not rewrite the table, or run it in a maintenance window.";
	att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	col = quote_identifier(colname);
	type = psprintf("%s%s", format_type_with_typemod(att->atttypid, att->atttypmod),
					sg_column_collate(att->atttypid, att->attcollation));
	if (att->attgenerated == ATTRIBUTE_GENERATED_STORED)
		return "A stored generated column is computed for every row, which rewrites the table: there is no way around it. "
			"Run the statement in a maintenance window, or add a plain nullable column and fill it in batches instead.";
	if (att->attidentity != '\0')
		return "An identity column is filled for every row, which rewrites the table. "
			"Run the statement in a maintenance window, or add a plain nullable column, fill it in batches from a sequence, "
			"and make it an identity column afterwards.";
	if (cmd->subtype == AT_AddColumn && DomainHasConstraints(att->atttypid))
		return "A column of a domain with constraints is checked on every row when it is added, which rewrites the table "
			"even without a default. Run the statement in a maintenance window.";
	/* A copy of the column would be added as that domain: rewritten too. */
	if (cmd->subtype == AT_AlterColumnType && DomainHasConstraints(att->atttypid))
		return "The new type is a domain with constraints, which are checked on every row: a new column of it "
			"rewrites the table too, so there are no steps around the rewrite. Run the statement in a maintenance window.";
	if (cmd->subtype == AT_AlterColumnType && def != NULL && def->raw_default != NULL)
		return "Add a column of the new type, fill it in batches with the USING expression while writers keep it current, "
			"then swap the columns in a short transaction; or run the statement in a maintenance window.";
	if (sg_column_has_dependents(relid, attnum))
		return "Other objects depend on the column (an index, a key or another constraint, a generated column): "
			"a copy of the column would lose them. Run the statement in a maintenance window, "
			"or rebuild each of them on a new column concurrently before swapping the columns.";

	initStringInfo(&rest);
	deflt = sg_column_default(rel, attnum);
	if (cmd->subtype == AT_AlterColumnType)
	{
		const char *newcol = quote_identifier(sg_free_name(colname, NULL, "new", InvalidOid,
														   relid, true, avoid));
		TypeCacheEntry *tce = lookup_type_cache(att->atttypid, TYPECACHE_EQ_OPR);
		char	   *copy;

		if (!OidIsValid(tce->eq_opr))
			return "Add a column of the new type, fill it in batches while writers keep it current, "
				"then swap the columns in a short transaction; or run the statement in a maintenance window.";
		copy = psprintf("UPDATE %s SET %s = %s WHERE %s IS DISTINCT FROM CAST(%s AS %s);",
						relident, newcol, col, newcol, col,
						format_type_with_typemod(att->atttypid, att->atttypmod));
		appendStringInfo(fix,
						 "ALTER TABLE %s ADD COLUMN %s %s NULL;\n"
						 "%s  -- in batches on a large table\n"
						 "BEGIN;  -- outside a transaction block\n"
						 "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE;\n"
						 "%s  -- rows written meanwhile\n"
						 "ALTER TABLE %s DROP COLUMN %s;\n"
						 "ALTER TABLE %s RENAME COLUMN %s TO %s;\n",
						 relident, newcol, type, copy, relident, copy,
						 relident, col, relident, newcol, col);
		if (deflt != NULL)
			appendStringInfo(fix, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
							 relident, col, deflt);
		if (att->attnotnull)
			sg_fix_not_null(fix, &rest, rel, relident, colname, avoid);
		appendStringInfoString(fix, "COMMIT;\n");
	}
	else
	{
		Oid			seqid = sg_serial_sequence(rel, attnum, def);

		if (OidIsValid(seqid))
		{
			char	   *seqident = sg_relation_identity(seqid);

			appendStringInfo(fix, "CREATE SEQUENCE %s AS %s;\n", seqident,
							 format_type_be(att->atttypid));
			appendStringInfo(fix, "ALTER TABLE %s ADD COLUMN %s %s NULL;\n", relident, col, type);
			appendStringInfo(fix, "ALTER SEQUENCE %s OWNED BY %s.%s;\n", seqident, relident, col);
		}
		else
			appendStringInfo(fix, "ALTER TABLE %s ADD COLUMN %s %s NULL;\n", relident, col, type);
		if (deflt != NULL)
			appendStringInfo(fix,
							 "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n"
							 "UPDATE %s SET %s = DEFAULT WHERE %s IS NULL;  -- in batches on a large table\n",
							 relident, col, deflt, relident, col, col);
		if (att->attnotnull)
			sg_fix_not_null(fix, &rest, rel, relident, colname, avoid);
	}
	appendStringInfoString(fix, rest.data);
	return NULL;
}

/*
 * The HINT of table_rewrite: the statement's rewriting subcommands done in
 * steps, on the table the statement names (a partition's rewrite comes
 * from its partitioned table), or words where PostgreSQL refuses those
 * steps or no exact SQL exists.
 */
static char *
sg_rewrite_fix(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	StringInfoData fix;
	Oid			target;
	Relation	rel;
	ListCell   *lc;
	List	   *avoid = NIL;
	const char *words = NULL;
	int			level;

	if (parsetree == NULL || !IsA(parsetree, AlterTableStmt))
		return pstrdup("Make the change in steps that do not rewrite the table, or run it in a maintenance window.");
	if (SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
		return pstrdup("Every table of the type is rewritten: run the statement in a maintenance window.");
	target = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(target))
		return pstrdup("Make the change in steps that do not rewrite the table, or run it in a maintenance window.");
	rel = relation_open(target, AccessShareLock);
	if (OidIsValid(rel->rd_rel->reloftype) || rel->rd_rel->relispartition)
		words = "The table's columns come from its type or its partitioned table, which refuse new columns of their own: "
			"run the statement in a maintenance window.";

	initStringInfo(&fix);
	/* Deparsed with qualified names, ISO dates: read alike anywhere. */
	level = sg_pin_settings(true);
	foreach(lc, stmt->cmds)
	{
		if (words != NULL)
			break;
		words = sg_rewrite_fix_for(&fix, rel, sg_relation_identity(target),
								   lfirst_node(AlterTableCmd, lc), &avoid);
	}
	sg_unpin_settings(level);
	relation_close(rel, AccessShareLock);
	if (words != NULL)
		return pstrdup(words);
	fix.data[--fix.len] = '\0'; /* the last newline */
	return fix.data;
}

/*
 * The partitioned table an ALTER TABLE names when relid, being rewritten,
 * is one of its partitions; InvalidOid otherwise.
 */
static Oid
sg_rewrite_parent(Oid relid, Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	Oid			target;

	if (parsetree == NULL || !IsA(parsetree, AlterTableStmt) ||
		SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
		return InvalidOid;
	target = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(target) || target == relid ||
		get_rel_relkind(target) != RELKIND_PARTITIONED_TABLE ||
		!list_member_oid(find_all_inheritors(target, NoLock, NULL), relid))
		return InvalidOid;
	return target;
}

/*
 * The partitioned table whose partitions the running statement rewrites,
 * once it has been judged: PostgreSQL fires table_rewrite once per
 * partition, the finding is made once per statement.  Worthless once the
 * statement has ended (ddl_command_end counts them), and in another
 * (sub)transaction, where an aborted statement may have left it.
 */
static struct
{
	Oid			parent;
	uint64		statement;
	LocalTransactionId lxid;
	SubTransactionId subxid;
} sg_rewrite_judged;

/*
 * "public.pt_1 (8192 bytes now), ...": the existing, guarded leaf
 * partitions of parent that have storage, which the statement rewrites
 * (those processes() accepts, when given).
 */
static char *
sg_rewritten_partitions(Oid parent, bool (*processes) (Oid relid))
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, find_all_inheritors(parent, NoLock, NULL))
	{
		Relation	part;

		CHECK_FOR_INTERRUPTS();
		if (lfirst_oid(lc) == parent || get_rel_relkind(lfirst_oid(lc)) != RELKIND_RELATION ||
			(processes != NULL && !processes(lfirst_oid(lc))))
			continue;
		part = sg_open_existing_table(lfirst_oid(lc));
		if (part == NULL)
			continue;
		appendStringInfo(&buf, "%s%s (%s now)", buf.len > 0 ? ", " : "",
						 sg_relation_identity(lfirst_oid(lc)), sg_table_size(part));
		relation_close(part, AccessShareLock);
	}
	return buf.len > 0 ? buf.data : NULL;
}

/*
 * table_rewrite, from the table_rewrite event: PostgreSQL says exactly
 * when a table is rewritten, so volatility is never guessed.  The rewrite
 * of a partition by its partitioned table's statement is judged once, as
 * the partitioned table's: the table the user named, whose exemption
 * applies, with its rewritten partitions in DETAIL.
 */
void
sg_table_rewrite_rewrite(Oid relid, int reason, Node *parsetree)
{
	Relation	rel;
	SgFinding	finding = {0};
	StringInfoData why;
	char	   *relident;
	Oid			parent;
	char	   *partitions = NULL;

	parent = sg_rewrite_parent(relid, parsetree);
	if (OidIsValid(parent))
	{
		if (sg_rewrite_judged.parent == parent &&
			sg_rewrite_judged.statement == sg_ddl_statements_ended &&
			sg_rewrite_judged.lxid == SG_LOCAL_XID &&
			sg_rewrite_judged.subxid == GetCurrentSubTransactionId())
			return;
		sg_rewrite_judged.parent = parent;
		sg_rewrite_judged.statement = sg_ddl_statements_ended;
		sg_rewrite_judged.lxid = SG_LOCAL_XID;
		sg_rewrite_judged.subxid = GetCurrentSubTransactionId();

		partitions = sg_rewritten_partitions(parent, NULL);
		if (partitions == NULL)
			return;
		relid = parent;
		rel = try_relation_open(relid, AccessShareLock);
	}
	else
		rel = sg_open_existing_table(relid);
	if (rel == NULL)
		return;
	relident = sg_relation_identity(relid);

	initStringInfo(&why);
	if (reason & AT_REWRITE_COLUMN_REWRITE)
		appendStringInfoString(&why, ", a column changes type or is checked against a domain's constraints");
	if (reason & AT_REWRITE_DEFAULT_VAL)
		appendStringInfoString(&why, ", a new column's value is computed or checked for every row");
	if (reason & AT_REWRITE_ALTER_PERSISTENCE)
		appendStringInfoString(&why, ", the table changes between LOGGED and UNLOGGED");
	if (reason & AT_REWRITE_ACCESS_METHOD)
		appendStringInfoString(&why, ", the table changes access method");
	if (why.len == 0)
		appendStringInfo(&why, ", rewrite reason %d", reason);

	finding.rule = SG_RULE_TABLE_REWRITE;
	finding.relid = relid;
	finding.object_type = "table";
	finding.object_identity = relident;
	if (partitions != NULL)
	{
		finding.message = psprintf("existing partitions of %s are rewritten", sg_table_kind_name(rel));
		finding.detail = psprintf("The statement copies every row of each partition under an ACCESS EXCLUSIVE lock, "
								  "blocking reads and writes until it finishes (%s). It rewrites %s.",
								  why.data + 2, partitions);
	}
	else
	{
		finding.message = psprintf("existing %s is rewritten", sg_table_kind_name(rel));
		finding.detail = psprintf("The statement copies every row under an ACCESS EXCLUSIVE lock, blocking reads and writes "
								  "until it finishes (%s).%s", why.data + 2, sg_size_sentence(rel));
	}
	finding.fix = sg_rewrite_fix(parsetree);
	relation_close(rel, AccessShareLock);
	sg_raise(&finding);
}

/*
 * VACUUM processes a table the caller owns (MAINTAIN from 17 on), and any
 * table of a database the caller owns but shared catalogs; it skips the
 * others with a warning.  So does CLUSTER with a partitioned table's
 * partitions (from 17 on MAINTAIN alone: the difference is not worth a
 * second test).
 */
static bool
sg_may_vacuum(Oid relid)
{
	return SG_MAY_MAINTAIN(relid) ||
		(SG_OWNS_DATABASE(MyDatabaseId) && !IsSharedRelation(relid));
}

static bool
sg_may_cluster(Oid relid)
{
	return SG_MAY_MAINTAIN(relid);
}

/* Does the table have an index marked clustered, that CLUSTER uses? */
static bool
sg_has_clustered_index(Oid relid)
{
	Relation	indRel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(indRel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
		found = ((Form_pg_index) GETSTRUCT(tup))->indisclustered;
	systable_endscan(scan);
	table_close(indRel, AccessShareLock);
	return found;
}

/* The words of every VACUUM FULL and CLUSTER finding. */
static const char *const sg_vacuum_full_fix =
"Plain VACUUM makes the space of dead rows reusable without blocking reads or writes. "
"To give the space back, run VACUUM FULL in a maintenance window, or use an online tool such as pg_repack, "
"which rebuilds the table while reads and writes go on.";
static const char *const sg_cluster_fix =
"Run CLUSTER in a maintenance window, or use an online tool such as pg_repack, "
"which can order the rows too, and rebuilds the table while reads and writes go on.";

/*
 * VACUUM FULL or CLUSTER (command) of one relation the statement names:
 * a table or materialized view is rewritten with its indexes; a
 * partitioned table (unless VACUUM names it ONLY, 18+) through each
 * partition, judged once, as the partitioned table, like ALTER TABLE's
 * rewrites above.  Neither judge nor lock what PostgreSQL skips or
 * refuses for the caller.
 */
static void
sg_check_maintenance_rewrite(Oid relid, bool inh, const char *command,
							 bool (*processes) (Oid relid), const char *fix)
{
	Relation	rel;
	SgFinding	finding = {0};
	char	   *partitions = NULL;
	char		relkind = get_rel_relkind(relid);

	if (!OidIsValid(relid) || !processes(relid))
		return;
	if (relkind == RELKIND_PARTITIONED_TABLE)
	{
		if (!inh)
			return;
		partitions = sg_rewritten_partitions(relid, sg_may_vacuum);
		if (partitions == NULL)
			return;
		rel = try_relation_open(relid, AccessShareLock);
		if (rel != NULL && !sg_relation_guarded(rel))
		{
			relation_close(rel, AccessShareLock);
			rel = NULL;
		}
	}
	else if (relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW)
		rel = sg_open_existing_table(relid);
	else
		return;
	if (rel == NULL)
		return;

	finding.rule = SG_RULE_TABLE_REWRITE;
	finding.relid = relid;
	finding.object_type = "table";
	finding.object_identity = sg_relation_identity(relid);
	if (partitions != NULL)
	{
		finding.message = psprintf("%s rewrites existing partitions of %s", command,
								   sg_table_kind_name(rel));
		finding.detail = psprintf("%s copies every row of each partition and rebuilds its indexes under an "
								  "ACCESS EXCLUSIVE lock, blocking reads and writes until it finishes. It rewrites %s.",
								  command, partitions);
	}
	else
	{
		finding.message = psprintf("%s rewrites existing %s", command, sg_table_kind_name(rel));
		finding.detail = psprintf("%s copies every row and rebuilds every index under an ACCESS EXCLUSIVE lock, "
								  "blocking reads and writes until it finishes.%s",
								  command, sg_size_sentence(rel));
	}
	finding.fix = pstrdup(fix);
	relation_close(rel, AccessShareLock);
	sg_raise(&finding);
}

/*
 * VACUUM FULL without a table list, or CLUSTER without a table: every
 * table the caller may process (for CLUSTER, those with an index marked
 * clustered), one after another.  One finding for the database, with the
 * existing guarded tables it rewrites counted in DETAIL.
 */
static void
sg_check_database_rewrite(bool cluster)
{
	Relation	catalog = table_open(cluster ? IndexRelationId : RelationRelationId,
									 AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(catalog, 0, NULL);
	HeapTuple	tup;
	List	   *relids = NIL;
	ListCell   *lc;
	int			ntables = 0;
	int64		bytes = 0;
	char	   *dbname = get_database_name(MyDatabaseId);
	SgFinding	finding = {0};

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		if (!cluster)
		{
			Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

			if (form->relkind == RELKIND_RELATION || form->relkind == RELKIND_MATVIEW)
				relids = lappend_oid(relids, form->oid);
		}
		else if (((Form_pg_index) GETSTRUCT(tup))->indisclustered)
			relids = list_append_unique_oid(relids, ((Form_pg_index) GETSTRUCT(tup))->indrelid);
	}
	table_endscan(scan);
	table_close(catalog, AccessShareLock);

	foreach(lc, relids)
	{
		Relation	rel;

		CHECK_FOR_INTERRUPTS();
		if (!(cluster ? sg_may_cluster(lfirst_oid(lc)) : sg_may_vacuum(lfirst_oid(lc))))
			continue;
		rel = sg_open_existing_table(lfirst_oid(lc));
		if (rel == NULL)
			continue;
		ntables++;
		bytes += (int64) RelationGetNumberOfBlocks(rel) * BLCKSZ;
		relation_close(rel, AccessShareLock);
	}
	if (ntables == 0 || dbname == NULL)
		return;

	finding.rule = SG_RULE_TABLE_REWRITE;
	finding.object_type = "database";
	finding.subname = dbname;
	finding.object_identity = pstrdup(quote_identifier(dbname));
	finding.message = psprintf("%s of the whole database rewrites existing tables",
							   cluster ? "CLUSTER" : "VACUUM FULL");
	finding.detail = psprintf("It copies every row and rebuilds every index of %d existing %s (%s now), "
							  "one after another, each under an ACCESS EXCLUSIVE lock that blocks its reads and writes "
							  "until it finishes.",
							  ntables,
							  cluster
							  ? (ntables == 1 ? "table clustered before" : "tables clustered before")
							  : (ntables == 1 ? "table the caller may vacuum" : "tables the caller may vacuum"),
							  text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																				 Int64GetDatum(bytes)))));
	finding.fix = pstrdup(cluster ? sg_cluster_fix : sg_vacuum_full_fix);
	sg_raise(&finding);
}

/*
 * table_rewrite for VACUUM FULL and CLUSTER, which rewrite every table
 * they process but fire no event trigger, table_rewrite included, on any
 * major: the ProcessUtility hook hands them over before they run, where
 * PostgreSQL runs them (guard_utility.c).
 */
void
sg_table_rewrite_utility(Node *parsetree)
{
	if (IsA(parsetree, VacuumStmt))
	{
		VacuumStmt *stmt = (VacuumStmt *) parsetree;
		List	   *seen = NIL;
		ListCell   *lc;

		if (!stmt->is_vacuumcmd || !sg_defelem_list_has(stmt->options, "full"))
			return;
		if (stmt->rels == NIL)
		{
			sg_check_database_rewrite(false);
			return;
		}
		foreach(lc, stmt->rels)
		{
			VacuumRelation *vrel = lfirst_node(VacuumRelation, lc);
			Oid			relid = vrel->oid;

			if (!OidIsValid(relid) && vrel->relation != NULL)
				relid = RangeVarGetRelid(vrel->relation, NoLock, true);
			if (!OidIsValid(relid) || list_member_oid(seen, relid))
				continue;
			seen = lappend_oid(seen, relid);
			sg_check_maintenance_rewrite(relid, vrel->relation == NULL || vrel->relation->inh,
										 "VACUUM FULL", sg_may_vacuum, sg_vacuum_full_fix);
		}
	}
	else if (IsA(parsetree, ClusterStmt))
	{
		ClusterStmt *stmt = (ClusterStmt *) parsetree;
		Oid			relid;

		if (stmt->relation == NULL)
		{
			sg_check_database_rewrite(true);
			return;
		}
		relid = RangeVarGetRelid(stmt->relation, NoLock, true);

		/*
		 * PostgreSQL's errors come first: no index to cluster on, or (before
		 * 15) a partitioned table.
		 */
		if (!OidIsValid(relid) ||
			(stmt->indexname != NULL
			 ? !OidIsValid(get_relname_relid(stmt->indexname, get_rel_namespace(relid)))
			 : !sg_has_clustered_index(relid)) ||
			(!SG_CLUSTER_PARTITIONED && get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE))
			return;
		sg_check_maintenance_rewrite(relid, true, "CLUSTER", sg_may_cluster, sg_cluster_fix);
	}
}
