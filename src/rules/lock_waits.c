/*-------------------------------------------------------------------------
 *
 * lock_waits.c
 *		Rule family "locks", the locks themselves: how long a statement may
 *		wait for its lock and hold it.  no_lock_timeout, lock_queue,
 *		lock_held_too_long, backfill_under_lock.
 *
 * A statement's locks are read from what it says before it runs (the
 * utility moment), by the lock level PostgreSQL takes for it on each
 * existing table it names.  The transaction's own memory of the locks
 * its DDL took (for backfill_under_lock and lock_held_too_long) lives in
 * TopTransactionContext, follows savepoints (a subtransaction's locks go
 * when it aborts) and goes at the end of the transaction; the ExecutorStart
 * hook that reads it costs one test of two pointers while it is empty,
 * which it is in every transaction that ran no guarded DDL.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/tablecmds.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* schema_guard.no_lock_timeout_max and schema_guard.lock_held_too_long_max, ms */
static int	sg_no_lock_timeout_max = 5000;
static int	sg_lock_held_too_long_max = 2000;

/* Statements listed in lock_held_too_long's DETAIL, at most. */
#define SG_HELD_STATEMENTS_SHOWN 10
/* Sessions named in lock_queue's DETAIL, at most. */
#define SG_QUEUE_BLOCKERS_SHOWN 5
/* Bytes of a blocking session's query in lock_queue's DETAIL, at most. */
#define SG_QUEUE_QUERY_SHOWN 200

/* One lock a statement takes on an existing table. */
typedef struct SgStatementLock
{
	Oid			relid;
	LOCKMODE	mode;
} SgStatementLock;

/*
 * A lock the transaction's DDL took on an existing table, remembered for
 * backfill_under_lock (any write-blocking lock) or lock_held_too_long (an
 * ACCESS EXCLUSIVE one, with what ran under it).
 */
typedef struct SgLockNote
{
	SubTransactionId subid;
	Oid			relid;
	LOCKMODE	mode;
	const char *taken_by;		/* the statement's tag */
	TimestampTz since;
	const char *ran[SG_HELD_STATEMENTS_SHOWN];
	int			nran;
} SgLockNote;

/* Cells and notes in TopTransactionContext; NIL outside a transaction. */
static List *sg_write_locks = NIL;	/* backfill_under_lock */
static List *sg_exclusive_locks = NIL;	/* lock_held_too_long */

/* The transaction in which no_lock_timeout fired. */
static LocalTransactionId sg_no_lock_timeout_fired = InvalidLocalTransactionId;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

static const char *const sg_lock_mode_names[] = {
	[NoLock] = "no",
	[AccessShareLock] = "ACCESS SHARE",
	[RowShareLock] = "ROW SHARE",
	[RowExclusiveLock] = "ROW EXCLUSIVE",
	[ShareUpdateExclusiveLock] = "SHARE UPDATE EXCLUSIVE",
	[ShareLock] = "SHARE",
	[ShareRowExclusiveLock] = "SHARE ROW EXCLUSIVE",
	[ExclusiveLock] = "EXCLUSIVE",
	[AccessExclusiveLock] = "ACCESS EXCLUSIVE",
};

/* "an ACCESS EXCLUSIVE", "a SHARE" */
static char *
sg_a_lock(LOCKMODE mode)
{
	const char *name = sg_lock_mode_names[mode];

	return psprintf("%s %s", name[0] == 'A' || name[0] == 'E' ? "an" : "a", name);
}

/*
 * The kind of a table the guard judges locks on ("table", "partitioned
 * table", "materialized view"), or NULL: the relation is gone, not guarded,
 * new in this transaction, or no table.  Read from the relation cache without a lock:
 * the statement has not queued for its own yet, and the guard must not
 * queue before it.
 */
static const char *
sg_existing_table_kind(Oid relid)
{
	Relation	rel;
	const char *kind = NULL;

	if (!OidIsValid(relid))
		return NULL;
	rel = RelationIdGetRelation(relid);
	if (!RelationIsValid(rel))
		return NULL;
	if (sg_relation_guarded(rel) && !sg_relation_is_new(rel))
	{
		if (rel->rd_rel->relkind == RELKIND_RELATION)
			kind = "table";
		else if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			kind = "partitioned table";
		else if (rel->rd_rel->relkind == RELKIND_MATVIEW)
			kind = "materialized view";
	}
	RelationClose(rel);
	return kind;
}

/* "table public.t", or NULL: see sg_existing_table_kind() */
static char *
sg_existing_table_name(Oid relid)
{
	const char *kind = sg_existing_table_kind(relid);

	return kind != NULL ? psprintf("%s %s", kind, sg_relation_identity(relid)) : NULL;
}

static void
sg_add_lock(List **locks, Oid relid, LOCKMODE mode)
{
	SgStatementLock *lock;
	ListCell   *lc;

	if (sg_existing_table_kind(relid) == NULL)
		return;
	foreach(lc, *locks)
	{
		lock = lfirst(lc);
		if (lock->relid == relid)
		{
			lock->mode = Max(lock->mode, mode);
			return;
		}
	}
	lock = palloc(sizeof(SgStatementLock));
	lock->relid = relid;
	lock->mode = mode;
	*locks = lappend(*locks, lock);
}

static void
sg_add_lock_rv(List **locks, RangeVar *rv, LOCKMODE mode)
{
	if (rv != NULL)
		sg_add_lock(locks, RangeVarGetRelid(rv, NoLock, true), mode);
}

/*
 * A table that PostgreSQL locks only once it has checked that the caller
 * owns it: another role's statement fails at once, without a wait.
 */
static void
sg_add_owned_lock(List **locks, Oid relid, LOCKMODE mode)
{
	if (OidIsValid(relid) && SG_OWNS_RELATION(relid))
		sg_add_lock(locks, relid, mode);
}

static void
sg_add_owned_lock_rv(List **locks, RangeVar *rv, LOCKMODE mode)
{
	if (rv != NULL)
		sg_add_owned_lock(locks, RangeVarGetRelid(rv, NoLock, true), mode);
}

/* A foreign key locks its referenced table in SHARE ROW EXCLUSIVE mode. */
static void
sg_add_fk_lock(List **locks, Node *node)
{
	Constraint *con = (Constraint *) node;

	if (node != NULL && IsA(node, Constraint) && con->contype == CONSTR_FOREIGN)
		sg_add_lock_rv(locks, con->pktable, ShareRowExclusiveLock);
}

/*
 * The locks the statement will take on existing tables it names, at the
 * level PostgreSQL takes them (AlterTableGetLockLevel() for ALTER TABLE),
 * strongest per table.  The statement's own table counts only when the
 * caller owns it, where PostgreSQL checks that before it locks; tables it
 * locks before any check (a foreign key's referenced table, a partition's
 * parent, a trigger's or rule's table) always count.  LOCK, TRUNCATE,
 * VACUUM FULL and CLUSTER reach the utility moment through the
 * ProcessUtility hook; REINDEX is reindex_not_concurrent's.
 */
static List *
sg_read_statement_locks(Node *parsetree)
{
	List	   *locks = NIL;
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;

				if (SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE &&
					SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_MATVIEW)
					break;
				sg_add_owned_lock_rv(&locks, stmt->relation,
									 AlterTableGetLockLevel(stmt->cmds));
				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (SG_AT_IS_ADD_CONSTRAINT(cmd->subtype))
						sg_add_fk_lock(&locks, cmd->def);
					else if ((cmd->subtype == AT_AttachPartition ||
							  cmd->subtype == AT_DetachPartition) &&
							 cmd->def != NULL && IsA(cmd->def, PartitionCmd) &&
							 !SG_PARTITION_CMD_CONCURRENT((PartitionCmd *) cmd->def))
						sg_add_lock_rv(&locks, ((PartitionCmd *) cmd->def)->name,
									   AccessExclusiveLock);
				}
				break;
			}
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) parsetree;

				sg_add_owned_lock_rv(&locks, stmt->relation,
									 stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock);
				break;
			}
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;

				if (stmt->removeType != OBJECT_TABLE &&
					stmt->removeType != OBJECT_MATVIEW &&
					stmt->removeType != OBJECT_INDEX)
					break;
				foreach(lc, stmt->objects)
				{
					RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));
					Oid			relid = RangeVarGetRelid(rv, NoLock, true);

					if (stmt->removeType != OBJECT_INDEX)
						sg_add_owned_lock(&locks, relid, AccessExclusiveLock);
					else if (OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_INDEX)
						sg_add_owned_lock(&locks, IndexGetRelation(relid, true),
										  stmt->concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock);
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				if (stmt->renameType == OBJECT_TABLE ||
					stmt->renameType == OBJECT_MATVIEW ||
					stmt->renameType == OBJECT_COLUMN ||
					stmt->renameType == OBJECT_TABCONSTRAINT)
					sg_add_owned_lock_rv(&locks, stmt->relation, AccessExclusiveLock);
				break;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) parsetree;

				if (stmt->objectType == OBJECT_TABLE || stmt->objectType == OBJECT_MATVIEW)
					sg_add_owned_lock_rv(&locks, stmt->relation, AccessExclusiveLock);
				break;
			}
		case T_CreateTrigStmt:
			sg_add_lock_rv(&locks, ((CreateTrigStmt *) parsetree)->relation,
						   ShareRowExclusiveLock);
			break;
		case T_RuleStmt:
			sg_add_lock_rv(&locks, ((RuleStmt *) parsetree)->relation,
						   AccessExclusiveLock);
			break;
		case T_CreatePolicyStmt:
			sg_add_owned_lock_rv(&locks, ((CreatePolicyStmt *) parsetree)->table,
								 AccessExclusiveLock);
			break;
		case T_RefreshMatViewStmt:
			{
				RefreshMatViewStmt *stmt = (RefreshMatViewStmt *) parsetree;

				sg_add_owned_lock_rv(&locks, stmt->relation,
									 stmt->concurrent ? ExclusiveLock : AccessExclusiveLock);
				break;
			}
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				if (stmt->partbound != NULL)
					foreach(lc, stmt->inhRelations)
						sg_add_lock_rv(&locks, lfirst_node(RangeVar, lc),
									   AccessExclusiveLock);
				foreach(lc, stmt->tableElts)
				{
					Node	   *elt = lfirst(lc);

					if (IsA(elt, ColumnDef))
					{
						ListCell   *lc2;

						foreach(lc2, ((ColumnDef *) elt)->constraints)
							sg_add_fk_lock(&locks, lfirst(lc2));
					}
					else
						sg_add_fk_lock(&locks, elt);
				}
				foreach(lc, stmt->constraints)
					sg_add_fk_lock(&locks, lfirst(lc));
				break;
			}
		case T_TruncateStmt:
			/* checked for the TRUNCATE privilege before it is locked */
			foreach(lc, ((TruncateStmt *) parsetree)->relations)
			{
				Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);

				if (OidIsValid(relid) &&
					pg_class_aclcheck(relid, GetUserId(), ACL_TRUNCATE) == ACLCHECK_OK)
					sg_add_lock(&locks, relid, AccessExclusiveLock);
			}
			break;
		case T_LockStmt:
			{
				LockStmt   *stmt = (LockStmt *) parsetree;

				/* the modes that block writes need one of these privileges */
				foreach(lc, stmt->relations)
				{
					Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);

					if (OidIsValid(relid) &&
						pg_class_aclmask(relid, GetUserId(), ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE,
										 ACLMASK_ANY) != 0)
						sg_add_lock(&locks, relid, stmt->mode);
				}
				break;
			}
		case T_ClusterStmt:
			sg_add_owned_lock_rv(&locks, ((ClusterStmt *) parsetree)->relation,
								 AccessExclusiveLock);
			break;
		case T_VacuumStmt:
			{
				VacuumStmt *stmt = (VacuumStmt *) parsetree;

				/* VACUUM FULL locks each table before it checks the owner */
				if (!stmt->is_vacuumcmd || !sg_defelem_list_has(stmt->options, "full"))
					break;
				foreach(lc, stmt->rels)
				{
					VacuumRelation *vrel = lfirst_node(VacuumRelation, lc);

					if (OidIsValid(vrel->oid))
						sg_add_lock(&locks, vrel->oid, AccessExclusiveLock);
					else
						sg_add_lock_rv(&locks, vrel->relation, AccessExclusiveLock);
				}
				break;
			}
		default:
			break;
	}
	return locks;
}

/*
 * The statement's locks, read once for the four rules that ask: the list
 * lives in the memory context of the dispatch, which outlasts their calls
 * for the same statement (sg_utility_statements tells them apart).
 */
static List *
sg_statement_locks(Node *parsetree)
{
	static uint64 statement = 0;
	static Node *tree = NULL;
	static List *locks = NIL;

	if (statement != sg_utility_statements || tree != parsetree)
	{
		locks = sg_read_statement_locks(parsetree);
		statement = sg_utility_statements;
		tree = parsetree;
	}
	return locks;
}

/*
 * Does any other backend hold a lock on the table?  Cheap (the table's
 * lock partition and the backends' fast-path slots), unlike a copy of the
 * whole lock table: a session that waits for a lock waits behind one that
 * holds one, so without holders nothing queues.
 */
static bool
sg_lock_held_elsewhere(Oid relid)
{
	LOCKTAG		tag;
	int			count = 0;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	(void) GetLockConflicts(&tag, AccessExclusiveLock, &count);
	return count > 0;
}

/*
 * The tag of a query the executor starts that writes: the only command
 * besides these that writes, from 15 on, is MERGE.
 */
static const char *
sg_writing_query_tag(CmdType operation)
{
	switch (operation)
	{
		case CMD_SELECT:
			return "WITH";		/* a data-modifying WITH */
		case CMD_INSERT:
			return "INSERT";
		case CMD_UPDATE:
			return "UPDATE";
		case CMD_DELETE:
			return "DELETE";
		default:
			return "MERGE";
	}
}

/* Does the lock block writes (INSERT, UPDATE, DELETE)? */
static bool
sg_blocks_writes(LOCKMODE mode)
{
	return mode >= ShareLock;
}

static bool
sg_holds_lock(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE m = mode; m <= MaxLockMode; m++)
		if (SG_LOCK_HELD_BY_ME(&tag, m))
			return true;
	return false;
}

/* ==== no_lock_timeout ==== */

/*
 * The first write-blocking lock of the statement on an existing table,
 * taken while lock_timeout is 0 or above schema_guard.no_lock_timeout_max,
 * once per transaction.  A lock the transaction holds already is not
 * waited for.
 */
void
sg_no_lock_timeout_utility(Node *parsetree)
{
	ListCell   *lc;

	if (sg_no_lock_timeout_fired == SG_LOCAL_XID)
		return;
	if (LockTimeout > 0 && LockTimeout <= sg_no_lock_timeout_max)
		return;
	foreach(lc, sg_statement_locks(parsetree))
	{
		SgStatementLock *lock = lfirst(lc);
		SgFinding	finding = {0};
		const char *tag = CreateCommandName(parsetree);
		const char *max;

		if (!sg_blocks_writes(lock->mode) || sg_holds_lock(lock->relid, lock->mode))
			continue;
		max = GetConfigOptionByName("schema_guard.no_lock_timeout_max", NULL, false);
		sg_no_lock_timeout_fired = SG_LOCAL_XID;
		finding.rule = SG_RULE_NO_LOCK_TIMEOUT;
		finding.relid = lock->relid;
		finding.object_type = "table";
		finding.object_identity = sg_relation_identity(lock->relid);
		finding.message = LockTimeout == 0
			? psprintf("%s takes %s lock on existing %s without a lock_timeout",
					   tag, sg_a_lock(lock->mode), sg_existing_table_name(lock->relid))
			: psprintf("%s takes %s lock on existing %s with lock_timeout %s, above %s",
					   tag, sg_a_lock(lock->mode), sg_existing_table_name(lock->relid),
					   GetConfigOptionByName("lock_timeout", NULL, false), max);
		finding.detail = psprintf("The statement waits for its lock behind every transaction that holds a conflicting one, "
								  "however long that takes, and while it waits every query on %s that needs a conflicting lock "
								  "waits behind it. The limit is schema_guard.no_lock_timeout_max (%s). "
								  "Judged once per transaction.",
								  finding.object_identity, max);
		finding.fix = psprintf("SET lock_timeout = '%s';  -- then run the migration, and run it again later if it times out",
							   max);
		sg_raise(&finding);
		return;
	}
}

/* ==== lock_queue ==== */

/* The status of the backend with this pid, read as pg_stat_activity does. */
static PgBackendStatus *
sg_backend_status(int pid)
{
	int			n = pgstat_fetch_stat_numbackends();

	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = SG_LOCAL_BEENTRY_BY_INDEX(i);

		CHECK_FOR_INTERRUPTS();
		if (local != NULL && local->backendStatus.st_procpid == pid)
			return &local->backendStatus;
	}
	return NULL;
}

/* "3.2 s" since then. */
static char *
sg_elapsed(TimestampTz since)
{
	long		secs;
	int			usecs;

	TimestampDifference(since, GetCurrentTimestamp(), &secs, &usecs);
	return psprintf("%ld.%01d s", secs, usecs / 100000);
}

/*
 * One blocking session for DETAIL: its pid, the lock, and what
 * pg_stat_activity would show the caller of it (the same role, or
 * pg_read_all_stats): how long its transaction has run, its state and
 * query.
 */
static void
sg_describe_blocker(StringInfo buf, const LockInstanceData *inst, LOCKMODE mode,
					bool waiting)
{
	PgBackendStatus *be;

	if (inst->pid == 0)
	{
		appendStringInfo(buf, " A prepared transaction holds %s lock on it.", sg_a_lock(mode));
		return;
	}
	appendStringInfo(buf, " Process %d %s %s lock on it", inst->pid,
					 waiting ? "waits for" : "holds", sg_a_lock(mode));
	be = sg_backend_status(inst->pid);
	if (be != NULL &&
		(has_privs_of_role(GetUserId(), be->st_userid) ||
		 has_privs_of_role(GetUserId(), SG_ROLE_READ_ALL_STATS)))
	{
		if (waiting && SG_LOCK_WAIT_START(inst) != 0)
			appendStringInfo(buf, " (for %s)", sg_elapsed(SG_LOCK_WAIT_START(inst)));
		if (be->st_xact_start_timestamp != 0)
			appendStringInfo(buf, ", in a transaction begun %s ago", sg_elapsed(be->st_xact_start_timestamp));
		if (be->st_state == STATE_IDLEINTRANSACTION ||
			be->st_state == STATE_IDLEINTRANSACTION_ABORTED)
			appendStringInfo(buf, ", idle for %s", sg_elapsed(be->st_state_start_timestamp));
		if (be->st_activity_raw != NULL && be->st_activity_raw[0] != '\0')
		{
			char	   *query = pgstat_clip_activity(be->st_activity_raw);
			int			len = pg_mbcliplen(query, strlen(query), SG_QUEUE_QUERY_SHOWN);

			appendStringInfo(buf, ", %s query: %.*s%s",
							 be->st_state == STATE_RUNNING ? "running" : "last",
							 len, query, query[len] != '\0' ? "..." : "");
		}
	}
	if (buf->data[buf->len - 1] != ';')
		appendStringInfoChar(buf, '.');
}

/*
 * The statement would queue: another session holds a lock that conflicts
 * with one the statement needs on an existing table, or waits for one
 * (a request queues behind conflicting waiters).  The lock manager is
 * asked as pg_locks asks it, without taking or awaiting anything; the
 * statement's own locks and its lock group's are not conflicts, nor are
 * autovacuum's, which PostgreSQL cancels for the statement.  One finding,
 * on the first table the statement would wait for.
 */
void
sg_lock_queue_utility(Node *parsetree)
{
	List	   *locks = NIL;
	LockData   *data;
	ListCell   *lc;

	/* A partitioned table's partitions are locked with it. */
	foreach(lc, sg_statement_locks(parsetree))
	{
		SgStatementLock *lock = lfirst(lc);
		ListCell   *lc2;

		if (sg_holds_lock(lock->relid, lock->mode))
			continue;
		if (!has_subclass(lock->relid))
		{
			if (sg_lock_held_elsewhere(lock->relid))
				locks = lappend(locks, lock);
			continue;
		}
		foreach(lc2, find_all_inheritors(lock->relid, NoLock, NULL))
		{
			SgStatementLock *part;

			CHECK_FOR_INTERRUPTS();
			if (!sg_lock_held_elsewhere(lfirst_oid(lc2)))
				continue;
			part = palloc(sizeof(SgStatementLock));
			part->relid = lfirst_oid(lc2);
			part->mode = lock->mode;
			locks = lappend(locks, part);
		}
	}
	if (locks == NIL)
		return;

	data = GetLockStatusData();
	foreach(lc, locks)
	{
		SgStatementLock *lock = lfirst(lc);
		LOCKTAG		tag;
		LOCKMASK	conflicts;
		StringInfoData detail;
		int			nblockers = 0;
		SgFinding	finding = {0};

		SET_LOCKTAG_RELATION(tag, MyDatabaseId, lock->relid);
		conflicts = GetLockTagsMethodTable(&tag)->conflictTab[lock->mode];
		initStringInfo(&detail);
		/* Holders first, then waiters. */
		for (int pass = 0; pass < 2; pass++)
		{
			for (int i = 0; i < data->nelements; i++)
			{
				LockInstanceData *inst = &data->locks[i];
				PgBackendStatus *be;
				LOCKMODE	strongest = NoLock;

				CHECK_FOR_INTERRUPTS();
				if (memcmp(&inst->locktag, &tag, sizeof(LOCKTAG)) != 0 ||
					(inst->pid != 0 &&
					 (inst->pid == MyProcPid || inst->leaderPid == MyProcPid)))
					continue;
				if (pass == 0)
				{
					for (LOCKMODE m = 1; m <= MaxLockMode; m++)
						if (inst->holdMask & conflicts & LOCKBIT_ON(m))
							strongest = m;
				}
				else if (inst->waitLockMode != NoLock &&
						 (LOCKBIT_ON(inst->waitLockMode) & conflicts) != 0)
					strongest = inst->waitLockMode;
				if (strongest == NoLock)
					continue;
				be = inst->pid != 0 ? sg_backend_status(inst->pid) : NULL;
				if (be != NULL && be->st_backendType == B_AUTOVAC_WORKER)
					continue;
				if (nblockers++ < SG_QUEUE_BLOCKERS_SHOWN)
					sg_describe_blocker(&detail, inst, strongest, pass == 1);
			}
		}
		if (nblockers == 0)
			continue;
		if (nblockers > SG_QUEUE_BLOCKERS_SHOWN)
			appendStringInfo(&detail, " And %d more.", nblockers - SG_QUEUE_BLOCKERS_SHOWN);

		finding.rule = SG_RULE_LOCK_QUEUE;
		finding.relid = lock->relid;
		finding.object_type = "table";
		finding.object_identity = sg_relation_identity(lock->relid);
		finding.message = psprintf("%s would wait for %s lock on existing %s behind another session",
								   CreateCommandName(parsetree), sg_a_lock(lock->mode),
								   sg_existing_table_name(lock->relid));
		finding.detail = psprintf("While it waits, every query on %s that needs a conflicting lock waits behind it.%s",
								  finding.object_identity, detail.data);
		finding.fix = pstrdup("Run the statement again once the sessions named have ended their transactions, with lock_timeout set. "
							  "If one of them may be interrupted, pg_cancel_backend cancels its running query and "
							  "pg_terminate_backend ends a session idle in its transaction.");
		sg_raise(&finding);
		return;
	}
}

/* ==== the transaction's DDL locks: lock_held_too_long, backfill_under_lock ==== */

static SgLockNote *
sg_find_note(List *notes, Oid relid)
{
	ListCell   *lc;

	foreach(lc, notes)
	{
		SgLockNote *note = lfirst(lc);

		if (note->relid == relid)
			return note;
	}
	return NULL;
}

static void
sg_note_ran(SgLockNote *note, const char *tag)
{
	if (note->nran < SG_HELD_STATEMENTS_SHOWN)
		note->ran[note->nran] = tag;
	note->nran++;
}

/* Remember the lock unless the transaction remembers it already. */
static SgLockNote *
sg_note_lock(List **notes, Oid relid, LOCKMODE mode, const char *tag)
{
	MemoryContext old;
	SgLockNote *note = sg_find_note(*notes, relid);

	if (note != NULL)
		return NULL;
	old = MemoryContextSwitchTo(TopTransactionContext);
	note = palloc0(sizeof(SgLockNote));
	note->subid = GetCurrentSubTransactionId();
	note->relid = relid;
	note->mode = mode;
	note->taken_by = tag;
	note->since = GetCurrentTimestamp();
	*notes = lappend(*notes, note);
	MemoryContextSwitchTo(old);
	return note;
}

/*
 * lock_held_too_long, before a statement: its ACCESS EXCLUSIVE locks on
 * existing tables are remembered from now, with what runs under them.
 */
void
sg_lock_held_too_long_utility(Node *parsetree)
{
	const char *tag = CreateCommandName(parsetree);
	ListCell   *lc;

	foreach(lc, sg_exclusive_locks)
		sg_note_ran(lfirst(lc), tag);
	foreach(lc, sg_statement_locks(parsetree))
	{
		SgStatementLock *lock = lfirst(lc);
		SgLockNote *note;

		if (lock->mode != AccessExclusiveLock)
			continue;
		note = sg_note_lock(&sg_exclusive_locks, lock->relid, lock->mode, tag);
		if (note == NULL)
			continue;
		sg_note_ran(note, tag);
		sg_pending_add(SG_RULE_LOCK_HELD_TOO_LONG, lock->relid, "");
	}
}

/* lock_held_too_long, at commit: the lock on rel, if held too long. */
List *
sg_lock_held_too_long_findings(Relation rel, List *only_names)
{
	SgLockNote *note = sg_find_note(sg_exclusive_locks, RelationGetRelid(rel));
	SgFinding  *finding;
	StringInfoData ran;
	const char *max = GetConfigOptionByName("schema_guard.lock_held_too_long_max", NULL, false);
	char	   *table;

	if (note == NULL || sg_relation_is_new(rel) ||
		!TimestampDifferenceExceeds(note->since, GetCurrentTimestamp(),
									sg_lock_held_too_long_max))
		return NIL;
	table = sg_existing_table_name(RelationGetRelid(rel));
	if (table == NULL)
		return NIL;
	initStringInfo(&ran);
	for (int i = 0; i < Min(note->nran, SG_HELD_STATEMENTS_SHOWN); i++)
		appendStringInfo(&ran, "%s%s", i > 0 ? ", " : "", note->ran[i]);
	if (note->nran > SG_HELD_STATEMENTS_SHOWN)
		appendStringInfo(&ran, " and %d more", note->nran - SG_HELD_STATEMENTS_SHOWN);

	finding = palloc0(sizeof(SgFinding));
	finding->rule = SG_RULE_LOCK_HELD_TOO_LONG;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "table";
	finding->object_identity = sg_relation_identity(finding->relid);
	finding->message = psprintf("the transaction held an ACCESS EXCLUSIVE lock on existing %s for longer than %s",
								table, max);
	finding->detail = psprintf("Every read and write of %s waited from the %s that took the lock until the commit. "
							   "Statements run under the lock: %s. The limit is schema_guard.lock_held_too_long_max.",
							   finding->object_identity, note->taken_by, ran.data);
	finding->fix = pstrdup("Commit the statement that takes the lock in a transaction of its own, "
						   "and move slow work such as data changes and waits out of that transaction.");
	return list_make1(finding);
}

/*
 * backfill_under_lock, before a statement: its write-blocking locks on
 * existing tables, and on their partitions, locked with them.
 */
void
sg_backfill_under_lock_utility(Node *parsetree)
{
	const char *tag = CreateCommandName(parsetree);
	ListCell   *lc;

	/*
	 * Not schema changes: a reload after TRUNCATE, or writes under a lock
	 * taken on purpose (table_rewrite's copy-column recipe takes one).
	 */
	if (IsA(parsetree, TruncateStmt) || IsA(parsetree, LockStmt))
		return;

	foreach(lc, sg_statement_locks(parsetree))
	{
		SgStatementLock *lock = lfirst(lc);
		ListCell   *lc2;

		if (!sg_blocks_writes(lock->mode))
			continue;
		sg_note_lock(&sg_write_locks, lock->relid, lock->mode, tag);
		if (!has_subclass(lock->relid))
			continue;
		foreach(lc2, find_all_inheritors(lock->relid, NoLock, NULL))
		{
			CHECK_FOR_INTERRUPTS();
			sg_note_lock(&sg_write_locks, lfirst_oid(lc2), lock->mode, tag);
		}
	}
}

/*
 * backfill_under_lock, before a query runs: does it write a table the
 * transaction's DDL locked against writes?  Written tables are those the
 * planner locked in ROW EXCLUSIVE mode (INSERT, UPDATE, DELETE and MERGE
 * targets, also in a WITH clause, and their partitions).
 */
static void
sg_check_backfill(QueryDesc *queryDesc)
{
	PlannedStmt *stmt = queryDesc->plannedstmt;
	ListCell   *lc;

	if (stmt->commandType == CMD_SELECT && !stmt->hasModifyingCTE)
		return;
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		SgLockNote *note;
		SgFinding	finding = {0};
		char	   *table;
		const char *tag;

		if (rte->rtekind != RTE_RELATION || rte->rellockmode != RowExclusiveLock)
			continue;
		note = sg_find_note(sg_write_locks, rte->relid);
		if (note == NULL || !sg_guard_active() ||
			(table = sg_existing_table_name(rte->relid)) == NULL)
			continue;
		tag = sg_writing_query_tag(stmt->commandType);
		finding.rule = SG_RULE_BACKFILL_UNDER_LOCK;
		finding.relid = rte->relid;
		finding.object_type = "table";
		finding.object_identity = sg_relation_identity(rte->relid);
		finding.message = psprintf("%s writes existing %s while the transaction holds %s lock on it, taken by %s",
								   tag, table, sg_a_lock(note->mode), note->taken_by);
		finding.detail = psprintf("The lock blocks %s %s until the transaction ends, and every row the %s writes makes that longer.",
								  note->mode == AccessExclusiveLock ? "every read and write of" : "every INSERT, UPDATE and DELETE on",
								  finding.object_identity, tag);
		finding.fix = pstrdup("Commit the schema change first, then change the data in batches, each in a short transaction of its own.");
		sg_raise(&finding);
		return;
	}
}

/*
 * Does the query write a table outside the extension's schema?  The
 * guard's own bookkeeping (exemptions, contracts of dropped objects) is
 * not what the user ran.
 */
static bool
sg_writes_user_table(PlannedStmt *stmt)
{
	Oid			own = get_namespace_oid(SG_SCHEMA_NAME, true);
	ListCell   *lc;

	if (stmt->commandType == CMD_SELECT && !stmt->hasModifyingCTE)
		return false;
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION && rte->rellockmode == RowExclusiveLock &&
			get_rel_namespace(rte->relid) != own)
			return true;
	}
	return false;
}

/*
 * Costs one test while the transaction ran no guarded DDL: the lists are
 * empty.  Otherwise, for a query that writes, a lookup of its tables.
 */
static void
sg_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (sg_exclusive_locks != NIL && !(eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		sg_writes_user_table(queryDesc->plannedstmt))
	{
		ListCell   *lc;

		foreach(lc, sg_exclusive_locks)
			sg_note_ran(lfirst(lc), sg_writing_query_tag(queryDesc->plannedstmt->commandType));
	}
	if (sg_write_locks != NIL && !(eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		sg_rule_enabled(SG_RULE_BACKFILL_UNDER_LOCK, SG_MOMENT_UTILITY))
		sg_check_backfill(queryDesc);

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* A subtransaction's locks go when it aborts; a committed one's stay. */
static void
sg_forget_sub(List **notes, SubXactEvent event, SubTransactionId mySubid,
			  SubTransactionId parentSubid)
{
	ListCell   *lc;

	foreach(lc, *notes)
	{
		SgLockNote *note = lfirst(lc);

		if (note->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			*notes = foreach_delete_current(*notes, lc);
		else
			note->subid = parentSubid;
	}
}

static void
sg_lock_waits_subxact(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	sg_forget_sub(&sg_write_locks, event, mySubid, parentSubid);
	sg_forget_sub(&sg_exclusive_locks, event, mySubid, parentSubid);
}

/* After pre-commit, whose checks read the lists: the memory is gone. */
static void
sg_lock_waits_xact(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			sg_write_locks = NIL;
			sg_exclusive_locks = NIL;
			break;
		default:
			break;
	}
}

void
sg_lock_waits_init(void)
{
	DefineCustomIntVariable("schema_guard.no_lock_timeout_max",
							"The longest lock_timeout rule no_lock_timeout accepts.",
							NULL,
							&sg_no_lock_timeout_max,
							5000, 1, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schema_guard.lock_held_too_long_max",
							"The longest time rule lock_held_too_long lets a transaction hold an ACCESS EXCLUSIVE lock on an existing table.",
							NULL,
							&sg_lock_held_too_long_max,
							2000, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = sg_ExecutorStart;
	RegisterXactCallback(sg_lock_waits_xact, NULL);
	RegisterSubXactCallback(sg_lock_waits_subxact, NULL);
}
