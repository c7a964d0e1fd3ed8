/*-------------------------------------------------------------------------
 *
 * guard_events.c
 *		Event-trigger functions: moments "utility" (ddl_command_start),
 *		"ddl_end" (ddl_command_end), "rewrite" (table_rewrite) and "drop"
 *		(sql_drop).
 *
 * Calling any of these loads the library, so the guard works after
 * CREATE EXTENSION alone.  Each returns at once while an extension script
 * runs (including our own) or when the guard is off.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_inherits.h"
#include "commands/extension.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "commands/event_trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "tcop/deparse_utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

static EventTriggerData *
sg_event_trigger_data(FunctionCallInfo fcinfo)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				errmsg("function was not called by the event trigger manager"));
	return (EventTriggerData *) fcinfo->context;
}

PG_FUNCTION_INFO_V1(schema_guard_ddl_command_start);
Datum
schema_guard_ddl_command_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trig = sg_event_trigger_data(fcinfo);

	if (sg_any_rule_enabled(SG_MOMENT_UTILITY) &&
		!sg_is_own_extension_stmt(trig->parsetree) && sg_guard_active())
	{
		int			nest = sg_pin_settings(false);

		sg_check_utility(trig->parsetree);
		sg_unpin_settings(nest);
	}
	PG_RETURN_NULL();
}

/*
 * DDL statements ended so far in this backend: a rule's memory of "this
 * statement" is good while the count stays.
 */
uint64		sg_ddl_statements_ended = 0;

/* One object, to every rule enabled at ddl_end, in registry order. */
static void
sg_ddl_end_dispatch(const bool *enabled, const SgDdlObject *object)
{
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		if (enabled[rule])
			sg_rules[rule].ddl_end(object);
}

/*
 * Did the user write this column of CREATE TABLE or ADD COLUMN?  Not a
 * typed table's column left as the type has it, a column only inherited,
 * or a column copied by LIKE (these have no location in the statement; a
 * typed table's column with options written for it has none either, but
 * is the user's).
 */
static bool
sg_column_written_by_user(Relation rel, ColumnDef *def)
{
	if (!IsA(def, ColumnDef) || def->colname == NULL)
		return false;
	return !def->is_from_type && def->is_local &&
		(def->location >= 0 || OidIsValid(rel->rd_rel->reloftype));
}

/*
 * The columns the user wrote in CREATE TABLE or ALTER TABLE ADD COLUMN
 * (SG_DDL_COLUMN), or retyped with ALTER COLUMN TYPE (SG_DDL_COLUMN_TYPE),
 * after PostgreSQL created them: the table is opened and each column read
 * once for all rules.  Columns of tables and foreign tables only; a
 * partition's columns are its parent's.
 */
static void
sg_ddl_end_columns(const bool *enabled, Oid relid, List *column_defs,
				   SgDdlKind kind, AlterTableStmt *alter)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	ListCell   *lc;

	if (!sg_relation_guarded(rel) || rel->rd_rel->relispartition ||
		(rel->rd_rel->relkind != RELKIND_RELATION &&
		 rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		 rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE))
	{
		relation_close(rel, AccessShareLock);
		return;
	}

	foreach(lc, column_defs)
	{
		ColumnDef  *def = (ColumnDef *) lfirst(lc);
		HeapTuple	atttup;
		SgDdlObject object = {0};

		if (kind == SG_DDL_COLUMN && !sg_column_written_by_user(rel, def))
			continue;
		atttup = SearchSysCacheAttName(relid, def->colname);
		if (!HeapTupleIsValid(atttup))
			continue;
		object.kind = kind;
		object.relid = relid;
		object.rel = rel;
		object.att = (Form_pg_attribute) GETSTRUCT(atttup);
		object.basetype = getBaseType(object.att->atttypid);
		object.column = def;
		object.alter = alter;
		if (!object.att->attisdropped)
			sg_ddl_end_dispatch(enabled, &object);
		ReleaseSysCache(atttup);
	}
	relation_close(rel, AccessShareLock);
}

/*
 * Did this ADD COLUMN of the statement add a column?  ADD COLUMN IF NOT
 * EXISTS of a column that exists adds nothing: PostgreSQL collects its
 * subcommand without an address.  The collected copy keeps the place of
 * the definition in the statement, which tells definitions apart.
 */
static bool
sg_column_added(CollectedCommand *cmd, ColumnDef *def)
{
	ListCell   *lc;

	foreach(lc, cmd->d.alterTable.subcmds)
	{
		CollectedATSubcmd *sub = (CollectedATSubcmd *) lfirst(lc);
		AlterTableCmd *atc = (AlterTableCmd *) sub->parsetree;

		if (atc != NULL && IsA(atc, AlterTableCmd) &&
			SG_AT_IS_ADD_COLUMN(atc->subtype) &&
			atc->def != NULL && IsA(atc->def, ColumnDef) &&
			((ColumnDef *) atc->def)->location == def->location &&
			sub->address.classId == RelationRelationId &&
			sub->address.objectId == cmd->d.alterTable.objectId &&
			sub->address.objectSubId != 0)
			return true;
	}
	return false;
}

/*
 * ALTER TABLE.  New columns are read from the statement as written:
 * PostgreSQL empties a column's constraint list when it transforms ADD
 * COLUMN, so an explicit NULL is visible only there.  So are the columns of
 * ALTER COLUMN TYPE, whose definition names the new type but not the
 * column.  Indexes, constraints and attached partitions come from the
 * subcommands PostgreSQL collected, which name the objects created
 * (CREATE TABLE's REFERENCES arrive here too); so do the indexes a type
 * change dropped and created again (AT_ReAddIndex), handed over together.
 */
static void
sg_ddl_end_alter_table(const bool *enabled, CollectedCommand *cmd)
{
	Oid			relid = cmd->d.alterTable.objectId;
	AlterTableStmt *alter = NULL;
	List	   *new_columns = NIL;
	List	   *retyped_columns = NIL;
	List	   *recreated = NIL;
	ListCell   *lc;

	if (cmd->d.alterTable.classId != RelationRelationId)
		return;

	if (cmd->parsetree != NULL && IsA(cmd->parsetree, AlterTableStmt))
	{
		alter = (AlterTableStmt *) cmd->parsetree;
		foreach(lc, alter->cmds)
		{
			AlterTableCmd *atc = lfirst_node(AlterTableCmd, lc);

			if (atc->def == NULL || !IsA(atc->def, ColumnDef))
				continue;
			if (atc->subtype == AT_AddColumn)
			{
				if (sg_column_added(cmd, (ColumnDef *) atc->def))
					new_columns = lappend(new_columns, atc->def);
			}
			else if (atc->subtype == AT_AlterColumnType && atc->name != NULL)
			{
				ColumnDef  *def = copyObject((ColumnDef *) atc->def);

				def->colname = atc->name;
				retyped_columns = lappend(retyped_columns, def);
			}
		}
		if (new_columns != NIL)
			sg_ddl_end_columns(enabled, relid, new_columns, SG_DDL_COLUMN, alter);
		if (retyped_columns != NIL)
			sg_ddl_end_columns(enabled, relid, retyped_columns, SG_DDL_COLUMN_TYPE, alter);
	}

	foreach(lc, cmd->d.alterTable.subcmds)
	{
		CollectedATSubcmd *sub = (CollectedATSubcmd *) lfirst(lc);
		AlterTableCmd *atc = (AlterTableCmd *) sub->parsetree;
		SgDdlObject object = {0};

		CHECK_FOR_INTERRUPTS();
		if (atc == NULL || !IsA(atc, AlterTableCmd))
			continue;

		/* An index a type change recreated: all of them go at once, below. */
		if (atc->subtype == AT_ReAddIndex)
		{
			if (sub->address.classId == RelationRelationId)
				recreated = lappend_oid(recreated, sub->address.objectId);
			continue;
		}

		object.relid = relid;
		object.cmd = atc;
		object.alter = alter;
		if (atc->subtype == AT_AddIndex &&
			sub->address.classId == RelationRelationId &&
			atc->def != NULL && IsA(atc->def, IndexStmt))
		{
			object.kind = SG_DDL_INDEX;
			object.objid = sub->address.objectId;
			object.relid = IndexGetRelation(object.objid, true);
			object.index = (IndexStmt *) atc->def;
		}
		else if (atc->subtype == AT_AttachPartition &&
				 atc->def != NULL && IsA(atc->def, PartitionCmd) &&
				 get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		{
			object.kind = SG_DDL_ATTACH;
			object.objid = RangeVarGetRelid(((PartitionCmd *) atc->def)->name,
											NoLock, true);
		}
		else if ((SG_AT_IS_ADD_CONSTRAINT(atc->subtype) || SG_AT_MAKES_ENFORCED(atc)) &&
				 sub->address.classId == ConstraintRelationId)
		{
			object.kind = SG_DDL_CONSTRAINT;
			object.objid = sub->address.objectId;
		}
		else
			continue;
		sg_ddl_end_dispatch(enabled, &object);
	}

	if (recreated != NIL)
	{
		SgDdlObject object = {0};

		object.kind = SG_DDL_INDEXES_RECREATED;
		object.relid = relid;
		object.alter = alter;
		object.indexes = recreated;
		sg_ddl_end_dispatch(enabled, &object);
	}
}

static void
sg_ddl_end_simple(const bool *enabled, CollectedCommand *cmd)
{
	Node	   *parsetree = cmd->parsetree;
	ObjectAddress *address = &cmd->d.simple.address;

	if (parsetree != NULL && IsA(parsetree, AlterDomainStmt) &&
		cmd->d.simple.secondaryObject.classId == ConstraintRelationId)
	{
		SgDdlObject object = {0};

		object.kind = SG_DDL_DOMAIN_CONSTRAINT;
		object.objid = cmd->d.simple.secondaryObject.objectId;
		sg_ddl_end_dispatch(enabled, &object);
		return;
	}
	if (address->classId != RelationRelationId || parsetree == NULL)
		return;

	/* The table first, then its columns, whichever way it was made. */
	if (IsA(parsetree, CreateStmt) || IsA(parsetree, CreateForeignTableStmt) ||
		IsA(parsetree, CreateTableAsStmt))
	{
		SgDdlObject object = {0};

		object.kind = SG_DDL_TABLE;
		object.relid = address->objectId;
		sg_ddl_end_dispatch(enabled, &object);
	}

	/* CreateForeignTableStmt begins with a CreateStmt. */
	if (IsA(parsetree, CreateStmt) || IsA(parsetree, CreateForeignTableStmt))
		sg_ddl_end_columns(enabled, address->objectId,
						   ((CreateStmt *) parsetree)->tableElts, SG_DDL_COLUMN, NULL);
	else if (IsA(parsetree, IndexStmt))
	{
		SgDdlObject object = {0};

		object.kind = SG_DDL_INDEX;
		object.objid = address->objectId;
		object.relid = IndexGetRelation(object.objid, true);
		object.index = (IndexStmt *) parsetree;
		sg_ddl_end_dispatch(enabled, &object);
	}
}

/* The kinds of exemption keyed by their table and a name. */
typedef enum SgExemptionSub
{
	SG_EXEMPT_CONSTRAINT,
	SG_EXEMPT_COLUMN,
	SG_EXEMPT_INDEX
} SgExemptionSub;

/*
 * Exemptions of columns, constraints and indexes name them within their
 * table: follow a rename.  Each exemption's object exists (sql_drop removes
 * the others), so a row whose old name is gone from its table while the
 * new one is there was renamed by this statement.  relid and its
 * inheritance children when given (a column rename reaches them all), every
 * relation otherwise (renaming an index renames its constraint).  The
 * renamer may not write exemptions: this runs as the extension owner.
 */
static void
sg_exemptions_follow_rename(Oid relid, SgExemptionSub kind, const char *oldname,
							const char *newname)
{
	static const char *const types[] = {"constraint", "column", "index"};
	static const char *const exists[] = {
		"EXISTS (SELECT FROM pg_catalog.pg_constraint c "
		"WHERE c.conrelid OPERATOR(pg_catalog.=) e.rel "
		"AND c.conname OPERATOR(pg_catalog.=) ",
		"EXISTS (SELECT FROM pg_catalog.pg_attribute a "
		"WHERE a.attrelid OPERATOR(pg_catalog.=) e.rel "
		"AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped "
		"AND a.attname OPERATOR(pg_catalog.=) ",
		"EXISTS (SELECT FROM pg_catalog.pg_index i "
		"JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid "
		"WHERE i.indrelid OPERATOR(pg_catalog.=) e.rel "
		"AND c.relname OPERATOR(pg_catalog.=) "
	};
	Oid			argtypes[4] = {TEXTOID, NAMEOID, NAMEOID, OIDARRAYOID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', 'n'};
	NameData	oldn,
				newn;
	SgSpi		spi;

	namestrcpy(&oldn, oldname);
	namestrcpy(&newn, newname);
	args[0] = CStringGetTextDatum(types[kind]);
	args[1] = NameGetDatum(&oldn);
	args[2] = NameGetDatum(&newn);
	args[3] = (Datum) 0;
	if (OidIsValid(relid))
	{
		List	   *rels = find_all_inheritors(relid, NoLock, NULL);
		Datum	   *oids = palloc(sizeof(Datum) * list_length(rels));
		ListCell   *lc;
		int			n = 0;

		foreach(lc, rels)
			oids[n++] = ObjectIdGetDatum(lfirst_oid(lc));
		args[3] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid),
												  true, TYPALIGN_INT));
		nulls[3] = ' ';
	}

	sg_spi_connect(&spi, true);
	if (SPI_execute_with_args(psprintf("UPDATE schema_guard.exemption_rows e SET sub = $3 "
									   "WHERE e.object_type OPERATOR(pg_catalog.=) $1 "
									   "AND e.sub OPERATOR(pg_catalog.=) $2 "
									   "AND ($4 IS NULL OR e.rel::pg_catalog.oid "
									   "OPERATOR(pg_catalog.=) ANY ($4)) "
									   "AND NOT %s$2) AND %s$3)",
									   exists[kind], exists[kind]),
							  4, argtypes, args, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not follow the rename of \"%s\" in exemptions", oldname);
	sg_spi_finish(&spi);
}

/*
 * Renames: JSONB contracts and snapshots follow column renames, exemptions
 * follow renames of columns and constraints (relations and schemas are
 * keyed by OID and need nothing), whatever the guard's mode; so do the
 * constraints that pending commit checks wait for by name (columns are
 * waited for by number, which a rename keeps).
 */
static void
sg_ddl_end_rename(Node *parsetree)
{
	RenameStmt *stmt = (RenameStmt *) parsetree;
	Oid			relid;

	if (parsetree == NULL || !IsA(parsetree, RenameStmt) ||
		stmt->relation == NULL || IsBinaryUpgrade)
		return;
	if (!creating_extension && !sg_extension_current())
		return;
	if (stmt->renameType == OBJECT_INDEX || stmt->renameType == OBJECT_TABLE)
	{
		/*
		 * A renamed index, and its constraint, take the new name.  (Not in an
		 * extension script: ours may be reshaping the exemptions table.)
		 */
		if (!creating_extension)
		{
			sg_exemptions_follow_rename(InvalidOid, SG_EXEMPT_CONSTRAINT,
										stmt->relation->relname, stmt->newname);
			sg_exemptions_follow_rename(InvalidOid, SG_EXEMPT_INDEX,
										stmt->relation->relname, stmt->newname);
		}
		return;
	}
	if (stmt->renameType != OBJECT_COLUMN &&
		stmt->renameType != OBJECT_TABCONSTRAINT)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	if (stmt->renameType == OBJECT_COLUMN)
		sg_jsonb_column_renamed(relid, stmt->subname, stmt->newname);
	else
		sg_pending_renamed(relid, stmt->subname, stmt->newname);
	if (!creating_extension)
		sg_exemptions_follow_rename(relid, stmt->renameType == OBJECT_COLUMN
									? SG_EXEMPT_COLUMN : SG_EXEMPT_CONSTRAINT,
									stmt->subname, stmt->newname);
}

/*
 * Can the statement have created anything the ddl_end checks judge
 * (tables, columns, indexes, constraints of a table or a domain)?  Reading
 * the collected commands costs more than most statements' own work, and
 * most DDL of a schema (functions, types, views, grants, comments) creates
 * none.  The tables of IMPORT FOREIGN SCHEMA are defined by the
 * foreign-data wrapper, not written by the user.
 */
static bool
sg_ddl_end_may_judge(Node *parsetree)
{
	if (parsetree == NULL)
		return true;
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
		case T_CreateTableAsStmt:
		case T_IndexStmt:
		case T_AlterTableStmt:
		case T_CreateSchemaStmt:
		case T_AlterDomainStmt:
			return true;
		default:
			return false;
	}
}

/*
 * Call one of PostgreSQL's set-returning event-trigger functions, which
 * take no argument, directly rather than through SPI: this runs after
 * every DDL statement.  Its rows land in rsinfo->setResult; the caller
 * ends them with sg_event_rows_end().
 */
static void
sg_event_rows(Oid funcoid, ReturnSetInfo *rsinfo)
{
	LOCAL_FCINFO(fcinfo, 0);
	FmgrInfo	flinfo;

	fmgr_info(funcoid, &flinfo);
	rsinfo->type = T_ReturnSetInfo;
	rsinfo->econtext = CreateStandaloneExprContext();
	rsinfo->allowedModes = SFRM_Materialize;
	InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, NULL, (Node *) rsinfo);
	(void) FunctionCallInvoke(fcinfo);
	if (rsinfo->returnMode != SFRM_Materialize || rsinfo->setResult == NULL ||
		rsinfo->setDesc == NULL)
		elog(ERROR, "%s() returned no result set", get_func_name(funcoid));
}

/* The number of the result column called name. */
static AttrNumber
sg_event_column(ReturnSetInfo *rsinfo, Oid funcoid, const char *name)
{
	for (int i = 0; i < rsinfo->setDesc->natts; i++)
	{
		if (strcmp(NameStr(TupleDescAttr(rsinfo->setDesc, i)->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "%s() returned no column \"%s\"", get_func_name(funcoid), name);
	return InvalidAttrNumber;	/* keep compiler quiet */
}

static void
sg_event_rows_end(ReturnSetInfo *rsinfo)
{
	tuplestore_end(rsinfo->setResult);
	FreeExprContext(rsinfo->econtext, true);
}

/*
 * The commands PostgreSQL collected for this statement, outside extension
 * scripts.  Their list is private to event_trigger.c and reachable only
 * through pg_event_trigger_ddl_commands().  The commands stay valid until
 * the event trigger returns.
 */
static List *
sg_read_collected_commands(void)
{
	ReturnSetInfo rsinfo = {0};
	TupleTableSlot *slot;
	AttrNumber	in_extension;
	AttrNumber	command;
	List	   *commands = NIL;

	sg_event_rows(F_PG_EVENT_TRIGGER_DDL_COMMANDS, &rsinfo);
	in_extension = sg_event_column(&rsinfo, F_PG_EVENT_TRIGGER_DDL_COMMANDS, "in_extension");
	command = sg_event_column(&rsinfo, F_PG_EVENT_TRIGGER_DDL_COMMANDS, "command");
	slot = MakeSingleTupleTableSlot(rsinfo.setDesc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(rsinfo.setResult, true, false, slot))
	{
		bool		isnull;
		bool		from_extension;
		Datum		cmd;

		from_extension = DatumGetBool(slot_getattr(slot, in_extension, &isnull)) && !isnull;
		cmd = slot_getattr(slot, command, &isnull);
		if (!isnull && DatumGetPointer(cmd) != NULL && !from_extension)
			commands = lappend(commands, DatumGetPointer(cmd));
	}
	ExecDropSingleTupleTableSlot(slot);
	sg_event_rows_end(&rsinfo);
	return commands;
}

/*
 * Before 14, pg_event_trigger_ddl_commands() raises "cache lookup failed"
 * when an object a command collected was dropped later in the same statement
 * (ALTER COLUMN ... DROP IDENTITY, ... SET DATA TYPE drops the identity's
 * sequence).  The statement itself succeeded, so such a statement is not
 * judged at ddl_end there: the call runs in a subtransaction and that one
 * error (an elog, XX000) is swallowed; any other error is raised again.
 */
static List *
sg_collected_commands(void)
{
#if SG_DDL_COMMANDS_MAY_RAISE
	MemoryContext caller_cxt = CurrentMemoryContext;
	ResourceOwner caller_owner = CurrentResourceOwner;
	List	   *commands = NIL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller_cxt);
	PG_TRY();
	{
		commands = sg_read_collected_commands();
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller_cxt);
		CurrentResourceOwner = caller_owner;
		if (edata->sqlerrcode != ERRCODE_INTERNAL_ERROR)
			ReThrowError(edata);
		commands = NIL;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller_cxt);
	CurrentResourceOwner = caller_owner;
	return commands;
#else
	return sg_read_collected_commands();
#endif
}

static const char *
sg_text_or_null(Datum value, bool isnull)
{
	return isnull ? NULL : TextDatumGetCString(value);
}

/*
 * The objects the statement dropped, as pg_event_trigger_dropped_objects()
 * gives them, copied out of its rows.
 */
static List *
sg_dropped_objects(void)
{
	static const char *const columns[] = {
		"classid", "objid", "objsubid", "original", "normal", "is_temporary",
		"object_type", "schema_name", "object_name", "object_identity"
	};
	ReturnSetInfo rsinfo = {0};
	AttrNumber	attnums[lengthof(columns)];
	TupleTableSlot *slot;
	List	   *objects = NIL;

	sg_event_rows(F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, &rsinfo);
	for (int i = 0; i < lengthof(columns); i++)
		attnums[i] = sg_event_column(&rsinfo, F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, columns[i]);
	slot = MakeSingleTupleTableSlot(rsinfo.setDesc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(rsinfo.setResult, true, false, slot))
	{
		SgDroppedObject *object = palloc0(sizeof(SgDroppedObject));
		Datum		values[lengthof(columns)];
		bool		nulls[lengthof(columns)];

		for (int i = 0; i < lengthof(columns); i++)
			values[i] = slot_getattr(slot, attnums[i], &nulls[i]);
		object->address.classId = nulls[0] ? InvalidOid : DatumGetObjectId(values[0]);
		object->address.objectId = nulls[1] ? InvalidOid : DatumGetObjectId(values[1]);
		object->address.objectSubId = nulls[2] ? 0 : DatumGetInt32(values[2]);
		object->original = !nulls[3] && DatumGetBool(values[3]);
		object->normal = !nulls[4] && DatumGetBool(values[4]);
		object->is_temporary = !nulls[5] && DatumGetBool(values[5]);
		object->object_type = sg_text_or_null(values[6], nulls[6]);
		object->schema_name = sg_text_or_null(values[7], nulls[7]);
		object->object_name = sg_text_or_null(values[8], nulls[8]);
		object->object_identity = sg_text_or_null(values[9], nulls[9]);
		objects = lappend(objects, object);
	}
	ExecDropSingleTupleTableSlot(slot);
	sg_event_rows_end(&rsinfo);
	return objects;
}

PG_FUNCTION_INFO_V1(schema_guard_ddl_command_end);
Datum
schema_guard_ddl_command_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trig = sg_event_trigger_data(fcinfo);
	bool		enabled[SG_NUM_RULES];
	bool		any = false;
	ListCell   *lc;
	int			nest;

	sg_ddl_statements_ended++;
	sg_ddl_end_rename(trig->parsetree);

	/* Never CREATE or ALTER EXTENSION (sg_ddl_end_may_judge()). */
	if (!sg_ddl_end_may_judge(trig->parsetree))
		PG_RETURN_NULL();
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		any |= enabled[rule] = sg_rule_enabled(rule, SG_MOMENT_DDL_END);
	if (!any || !sg_guard_active())
		PG_RETURN_NULL();

	/*
	 * The checks run in the caller's search_path: they may resolve names of
	 * the statement, as it did.
	 */
	nest = sg_pin_settings(false);
	foreach(lc, sg_collected_commands())
	{
		CollectedCommand *cmd = (CollectedCommand *) lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (cmd->type == SCT_Simple)
			sg_ddl_end_simple(enabled, cmd);
		else if (cmd->type == SCT_AlterTable)
			sg_ddl_end_alter_table(enabled, cmd);
	}
	sg_unpin_settings(nest);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(schema_guard_table_rewrite);
Datum
schema_guard_table_rewrite(PG_FUNCTION_ARGS)
{
	EventTriggerData *trig = sg_event_trigger_data(fcinfo);
	Oid			relid;
	int			reason;
	int			nest;

	if (!sg_any_rule_enabled(SG_MOMENT_REWRITE) || !sg_guard_active())
		PG_RETURN_NULL();

	relid = DatumGetObjectId(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID));
	reason = DatumGetInt32(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_REASON));
	nest = sg_pin_settings(false);
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		if (sg_rule_enabled(rule, SG_MOMENT_REWRITE))
			sg_rules[rule].rewrite(relid, reason, trig->parsetree);
	sg_unpin_settings(nest);
	PG_RETURN_NULL();
}

/*
 * sql_drop: exemptions die with their objects, matched by class and OID
 * (a column, constraint or index by its table and its name), so that a new
 * object that reuses a name inherits nothing, and dropping an object of
 * another kind with the same name removes nothing.  The dropping role may
 * not change the extension's tables, so the deletes run as the extension
 * owner (sg_spi_connect); the function itself runs as the caller.  When the
 * extension itself is being dropped there is nothing left to forget.
 */
PG_FUNCTION_INFO_V1(schema_guard_sql_drop);
Datum
schema_guard_sql_drop(PG_FUNCTION_ARGS)
{
	SgSpi		spi;

	(void) sg_event_trigger_data(fcinfo);

	if (IsBinaryUpgrade || !IsTransactionState() || !sg_extension_current())
		PG_RETURN_NULL();

	sg_spi_connect(&spi, true);
	if (SPI_execute("DELETE FROM schema_guard.exemption_rows e "
					"USING pg_catalog.pg_event_trigger_dropped_objects() d "
					"WHERE CASE d.classid "
					"WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN "
					"  (e.rel = d.objid AND (d.objsubid = 0 OR "
					"    (e.object_type = 'column' AND e.sub = d.address_names[3]))) "
					"  OR (d.object_type = 'index' AND e.object_type = 'index' "
					"    AND e.sub = d.address_names[2] "
					"    AND EXISTS (SELECT FROM pg_catalog.pg_class t "
					"      JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
					"      WHERE t.oid = e.rel AND tn.nspname = d.address_names[1]) "
					"    AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i "
					"      JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
					"      WHERE i.indrelid = e.rel AND c.relname = e.sub)) "
					"WHEN 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN "
					"  e.object_type = 'schema' AND e.nsp = d.objid "
					"WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN "
					"  d.object_type = 'table constraint' AND e.object_type = 'constraint' "
					"  AND e.sub = d.address_names[3] "
					"  AND e.rel = pg_catalog.to_regclass(pg_catalog.quote_ident(d.address_names[1]) "
					"    || '.' || pg_catalog.quote_ident(d.address_names[2])) "
					"ELSE false END",
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not forget the exemptions of dropped objects");
	if (SPI_execute("DELETE FROM schema_guard.index_created c "
					"USING pg_catalog.pg_event_trigger_dropped_objects() d "
					"WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					"AND c.indexrelid OPERATOR(pg_catalog.=) d.objid",
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not forget the creation times of dropped indexes");
	sg_spi_finish(&spi);
	sg_jsonb_forget_dropped();

	/* Moment "drop": each dropped object, to the rules that judge one. */
	if (sg_any_rule_enabled(SG_MOMENT_DROP) && sg_guard_active())
	{
		int			nest = sg_pin_settings(false);
		ListCell   *lc;

		foreach(lc, sg_dropped_objects())
		{
			CHECK_FOR_INTERRUPTS();
			for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
				if (sg_rule_enabled(rule, SG_MOMENT_DROP))
					sg_rules[rule].drop(lfirst(lc));
		}
		sg_unpin_settings(nest);
	}
	PG_RETURN_NULL();
}
