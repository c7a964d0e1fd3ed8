/*-------------------------------------------------------------------------
 *
 * locks.c
 *		Rule family "locks": statements that lock an existing table for as
 *		long as they work.  index_not_concurrent, drop_index_not_concurrent,
 *		reindex_not_concurrent, constraint_index_in_place, table_rewrite.
 *
 * "Existing" means created before the current transaction, whatever its
 * size: a development database is empty, production is not.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/relation.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/event_trigger.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#if PG_VERSION_NUM >= 140000
/* Is a boolean option such as "concurrently" set in a DefElem list? */
static bool
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
#endif

/*
 * Open the table a lock rule is about; NULL when the rule has nothing to
 * say: the table is gone, not guarded, or new in this transaction.
 */
static Relation
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

/* "public.orders (8192 kB)": the evidence of how much a lock will cover. */
static char *
sg_table_with_size(Relation rel)
{
	char	   *relident = sg_relation_identity(RelationGetRelid(rel));

	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		return psprintf("partitioned table %s", relident);
	return psprintf("table %s (%s now)", relident,
					text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																	   Int64GetDatum((int64) RelationGetNumberOfBlocks(rel) * BLCKSZ)))));
}

/*
 * What follows the table name in the index's definition: "USING btree
 * (a) WHERE ...".  pg_get_indexdef_string() writes "CREATE [UNIQUE] INDEX
 * name ON [ONLY] table USING ...".
 */
static char *
sg_index_definition_tail(Oid indexoid)
{
	char	   *def = pg_get_indexdef_string(indexoid);
	char	   *using = strstr(def, " USING ");

	if (using == NULL)
		elog(ERROR, "unexpected definition of index %u: %s", indexoid, def);
	return using + 1;
}

/*
 * index_not_concurrent and constraint_index_in_place, at ddl_command_end:
 * the index exists, so the HINT can give its exact definition.
 */
void
sg_check_index_build(Oid indexoid, IndexStmt *stmt)
{
	bool		is_constraint = stmt->primary || stmt->isconstraint;
	SgRuleId	rule;
	Relation	rel;
	SgFinding	finding = {0};
	char	   *idxname;
	char	   *tail;
	char	   *table;

	rule = is_constraint ? SG_RULE_CONSTRAINT_INDEX_IN_PLACE : SG_RULE_INDEX_NOT_CONCURRENT;
	if (stmt->concurrent || sg_effective_level(rule) == SG_LEVEL_OFF)
		return;
	rel = sg_open_existing_table(IndexGetRelation(indexoid, true));
	if (rel == NULL)
		return;
	/* CREATE INDEX ON ONLY a partitioned table builds nothing. */
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE &&
		stmt->relation != NULL && !stmt->relation->inh)
	{
		relation_close(rel, AccessShareLock);
		return;
	}

	idxname = get_rel_name(indexoid);
	tail = sg_index_definition_tail(indexoid);
	table = sg_table_with_size(rel);

	finding.rule = rule;
	finding.relid = RelationGetRelid(rel);
	if (is_constraint)
	{
		const char *contype = stmt->primary ? "PRIMARY KEY" : "UNIQUE";

		finding.object_type = "constraint";
		finding.object_identity = psprintf("%s on %s", quote_identifier(idxname),
										   sg_relation_identity(RelationGetRelid(rel)));
		finding.message = psprintf("%s constraint \"%s\" builds its index in place on existing %s",
								   contype, idxname, table);
		finding.detail = psprintf("ADD %s holds an ACCESS EXCLUSIVE lock on the table, blocking reads and writes, "
								  "for as long as the index takes to build.", contype);
		finding.fix = sg_fix_add_constraint(rel, idxname, stmt->primary, tail,
											pg_get_indexdef_columns(indexoid, false));
	}
	else
	{
		finding.object_type = "index";
		finding.object_identity = quote_qualified_identifier(get_namespace_name(get_rel_namespace(indexoid)),
															 idxname);
		finding.message = psprintf("index \"%s\" is built without CONCURRENTLY on existing %s",
								   idxname, table);
		finding.detail = pstrdup("CREATE INDEX holds a SHARE lock on the table, blocking INSERT, UPDATE and DELETE, "
								 "for as long as the index takes to build.");
		finding.fix = sg_fix_create_index(rel, idxname, stmt->unique, tail);
	}
	relation_close(rel, AccessShareLock);
	sg_raise(&finding);
}

/*
 * drop_index_not_concurrent, at ddl_command_start (afterwards the index is
 * gone).  Every DROP INDEX also remembers which foreign keys were covered,
 * for fk_unindexed at commit.
 */
void
sg_check_drop_index(DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);
		Relation	index;
		Relation	rel;
		bool		index_is_new;
		SgFinding	finding = {0};
		char	   *indexident;

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(indexoid) ||
			(get_rel_relkind(indexoid) != RELKIND_INDEX &&
			 get_rel_relkind(indexoid) != RELKIND_PARTITIONED_INDEX))
			continue;
		sg_remember_covered_fkeys(IndexGetRelation(indexoid, false),
								  stmt->concurrent ? indexoid : InvalidOid);

		/* A partitioned index has no concurrent drop to offer instead. */
		if (stmt->concurrent ||
			get_rel_relkind(indexoid) == RELKIND_PARTITIONED_INDEX ||
			sg_effective_level(SG_RULE_DROP_INDEX_NOT_CONCURRENT) == SG_LEVEL_OFF)
			continue;
		index = try_relation_open(indexoid, AccessShareLock);
		if (index == NULL)
			continue;
		index_is_new = sg_relation_is_new(index);
		relation_close(index, AccessShareLock);
		if (index_is_new)
			continue;
		rel = sg_open_existing_table(IndexGetRelation(indexoid, false));
		if (rel == NULL)
			continue;

		indexident = quote_qualified_identifier(get_namespace_name(get_rel_namespace(indexoid)),
												get_rel_name(indexoid));
		finding.rule = SG_RULE_DROP_INDEX_NOT_CONCURRENT;
		finding.relid = RelationGetRelid(rel);
		finding.object_type = "index";
		finding.object_identity = indexident;
		finding.message = psprintf("index %s is dropped without CONCURRENTLY from existing %s",
								   indexident, sg_table_with_size(rel));
		finding.detail = pstrdup("DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: it waits for every "
								 "running query on it, and every read and write queues behind it.");
		finding.fix = psprintf("DROP INDEX CONCURRENTLY %s;  -- outside a transaction block, one index per statement",
							   indexident);
		relation_close(rel, AccessShareLock);
		sg_raise(&finding);
	}
}

/* reindex_not_concurrent, from the ProcessUtility hook. */
void
sg_check_reindex(ReindexStmt *stmt)
{
	SgFinding	finding = {0};
	const char *kind;
	char	   *target;

	if (SG_REINDEX_IS_CONCURRENT(stmt) ||
		sg_effective_level(SG_RULE_REINDEX_NOT_CONCURRENT) == SG_LEVEL_OFF)
		return;

	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
		case REINDEX_OBJECT_TABLE:
			{
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
				Oid			indexoid = relid;
				Relation	rel;

				if (!OidIsValid(relid))
					return;
				if (stmt->kind == REINDEX_OBJECT_INDEX)
				{
					if (get_rel_relkind(indexoid) != RELKIND_INDEX &&
						get_rel_relkind(indexoid) != RELKIND_PARTITIONED_INDEX)
						return;
					relid = IndexGetRelation(indexoid, true);
				}
				rel = sg_open_existing_table(relid);
				if (rel == NULL)
					return;
				kind = stmt->kind == REINDEX_OBJECT_INDEX ? "INDEX" : "TABLE";
				target = sg_relation_identity(stmt->kind == REINDEX_OBJECT_INDEX
											  ? indexoid : relid);
				finding.relid = relid;
				finding.object_type = stmt->kind == REINDEX_OBJECT_INDEX ? "index" : "table";
				finding.object_identity = target;
				finding.message = psprintf("REINDEX %s %s runs without CONCURRENTLY on existing %s",
										   kind, target, sg_table_with_size(rel));
				relation_close(rel, AccessShareLock);
				break;
			}
		case REINDEX_OBJECT_SCHEMA:
		case REINDEX_OBJECT_DATABASE:
			kind = stmt->kind == REINDEX_OBJECT_SCHEMA ? "SCHEMA" : "DATABASE";
			/* Later versions let REINDEX DATABASE omit the name. */
			target = pstrdup(quote_identifier(stmt->name ? stmt->name
											  : get_database_name(MyDatabaseId)));
			finding.object_type = stmt->kind == REINDEX_OBJECT_SCHEMA ? "schema" : "database";
			finding.object_identity = target;
			finding.message = psprintf("REINDEX %s %s runs without CONCURRENTLY over existing tables",
									   kind, target);
			break;
		default:
			/* REINDEX SYSTEM has no concurrent form. */
			return;
	}
	finding.rule = SG_RULE_REINDEX_NOT_CONCURRENT;
	finding.detail = pstrdup("REINDEX locks out writes to each table, and reads that would use the index, "
							 "for as long as its indexes take to rebuild.");
	finding.fix = psprintf("REINDEX %s CONCURRENTLY %s;  -- outside a transaction block", kind, target);
	sg_raise(&finding);
}

/*
 * The type of relid's column colname as the catalog now has it: at the
 * table_rewrite event the new column or type is already there.  The
 * user's TypeName is never resolved again: "serial" names no type.
 */
static char *
sg_column_type(Oid relid, const char *colname)
{
	AttrNumber	attnum = get_attnum(relid, colname);
	Oid			typid;
	int32		typmod;
	Oid			collid;

	if (attnum == InvalidAttrNumber)
		return NULL;
	get_atttypetypmodcoll(relid, attnum, &typid, &typmod, &collid);
	return format_type_with_typemod(typid, typmod);
}

/*
 * The non-rewriting way to reach what one ALTER TABLE subcommand wanted.
 * Only the subcommands that can rewrite have one; the types are the
 * catalog's.
 */
static void
sg_rewrite_fix_for(StringInfo fix, Oid relid, const char *relident, AlterTableCmd *cmd)
{
	ColumnDef  *def = (cmd->def && IsA(cmd->def, ColumnDef)) ? (ColumnDef *) cmd->def : NULL;
	const char *colname = cmd->subtype == AT_AlterColumnType ? cmd->name
		: cmd->subtype == AT_AddColumn && def != NULL ? def->colname : NULL;
	const char *type = colname != NULL ? sg_column_type(relid, colname) : NULL;

	if (type == NULL)
		return;
	if (cmd->subtype == AT_AlterColumnType)
	{
		const char *col = quote_identifier(cmd->name);
		char	   *newcol = psprintf("%s_new", cmd->name);

		appendStringInfo(fix,
						 "ALTER TABLE %s ADD COLUMN %s %s NULL;\n"
						 "UPDATE %s SET %s = %s::%s WHERE ...;  -- in batches, with writers copying too\n"
						 "ALTER TABLE %s RENAME COLUMN %s TO %s; ALTER TABLE %s RENAME COLUMN %s TO %s;  -- then drop the old column\n",
						 relident, quote_identifier(newcol), type,
						 relident, quote_identifier(newcol), col, type,
						 relident, col, quote_identifier(psprintf("%s_old", cmd->name)),
						 relident, quote_identifier(newcol), col);
	}
	else if (cmd->subtype == AT_AddColumn)
	{
		const char *col = quote_identifier(def->colname);

		appendStringInfo(fix,
						 "ALTER TABLE %s ADD COLUMN %s %s NULL;  -- no default: no rewrite\n"
						 "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT ...;  -- the same default, for new rows only\n"
						 "UPDATE %s SET %s = DEFAULT WHERE %s IS NULL AND ...;  -- in batches\n",
						 relident, col, type,
						 relident, col, relident, col, col);
	}
}

/*
 * table_rewrite, from the table_rewrite event: PostgreSQL says exactly
 * when a table is rewritten, so volatility is never guessed.
 */
void
sg_check_rewrite(Oid relid, int reason, Node *parsetree)
{
	Relation	rel;
	SgFinding	finding = {0};
	StringInfoData why;
	StringInfoData fix;
	char	   *relident;

	if (sg_effective_level(SG_RULE_TABLE_REWRITE) == SG_LEVEL_OFF)
		return;
	rel = sg_open_existing_table(relid);
	if (rel == NULL)
		return;
	relident = sg_relation_identity(relid);

	initStringInfo(&why);
	if (reason & AT_REWRITE_COLUMN_REWRITE)
		appendStringInfoString(&why, ", a column changes type");
	if (reason & AT_REWRITE_DEFAULT_VAL)
		appendStringInfoString(&why, ", a new column's default is computed for every row");
	if (reason & AT_REWRITE_ALTER_PERSISTENCE)
		appendStringInfoString(&why, ", the table changes between LOGGED and UNLOGGED");
#ifdef AT_REWRITE_ACCESS_METHOD
	if (reason & AT_REWRITE_ACCESS_METHOD)
		appendStringInfoString(&why, ", the table changes access method");
#endif
	if (why.len == 0)
		appendStringInfo(&why, ", rewrite reason %d", reason);

	initStringInfo(&fix);
	if (parsetree != NULL && IsA(parsetree, AlterTableStmt))
	{
		ListCell   *lc;

		foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			sg_rewrite_fix_for(&fix, relid, relident, lfirst_node(AlterTableCmd, lc));
	}
	if (fix.len == 0)
		appendStringInfoString(&fix, "Make the change in steps that do not rewrite the table, or schedule it for a maintenance window.");
	else
		fix.data[--fix.len] = '\0';

	finding.rule = SG_RULE_TABLE_REWRITE;
	finding.relid = relid;
	finding.object_type = "table";
	finding.object_identity = relident;
	finding.message = psprintf("existing %s is rewritten", sg_table_with_size(rel));
	finding.detail = psprintf("The statement copies every row under an ACCESS EXCLUSIVE lock, blocking reads and writes "
							  "until it finishes (%s).", why.data + 2);
	finding.fix = fix.data;
	relation_close(rel, AccessShareLock);
	sg_raise(&finding);
}
