/*-------------------------------------------------------------------------
 *
 * compat.h
 *		PG_VERSION_NUM shims, so that the same sources build on 13 to 19.
 *
 * 13, 15 and 18 are built and tested (tools/matrix.sh); the branches for
 * 14, 16, 17 and 19 are kept by review against those majors' sources.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMA_GUARD_COMPAT_H
#define SCHEMA_GUARD_COMPAT_H

#if PG_VERSION_NUM < 130000
#error "schema_guard requires PostgreSQL 13 or later"
#endif

/* ProcessUtility_hook gained "readOnlyTree" in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_PROCESS_UTILITY_PARAMS \
	PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define SG_PROCESS_UTILITY_ARGS \
	pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc
#else
#define SG_PROCESS_UTILITY_PARAMS \
	PlannedStmt *pstmt, const char *queryString, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define SG_PROCESS_UTILITY_ARGS \
	pstmt, queryString, context, params, queryEnv, dest, qc
#endif

/* MarkGUCPrefixReserved replaced EmitWarningsOnPlaceholders in 15. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* InitMaterializedSRF appeared in 15 (as SetSingleFuncCall, renamed in 15.1). */
#if PG_VERSION_NUM < 150000
#define SG_NEED_MATERIALIZED_SRF_SHIM 1
#endif

/* SPI_execute_plan_extended (rows into a DestReceiver) appeared in 14. */
#if PG_VERSION_NUM < 140000
#define SG_NEED_SPI_DEST_SHIM 1
#endif

/*
 * RelationGetPrimaryKeyIndex gained "deferrable_ok" in 18; before, a
 * deferrable primary key was never returned.
 */
#if PG_VERSION_NUM >= 180000
#define SG_PRIMARY_KEY_INDEX(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define SG_PRIMARY_KEY_INDEX(rel) RelationGetPrimaryKeyIndex(rel)
#endif

/* REINDEX options became a DefElem list in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_REINDEX_IS_CONCURRENT(stmt) sg_defelem_list_has((stmt)->params, "concurrently")
#else
#define SG_REINDEX_IS_CONCURRENT(stmt) ((stmt)->concurrent)
#endif

/*
 * A round trip runs CONCURRENTLY statements without it: REINDEX's options
 * became a DefElem list in 14, when DETACH PARTITION ... CONCURRENTLY came
 * (SG_DETACH_IS_CONCURRENT below).
 */
#if PG_VERSION_NUM >= 140000
#define SG_REINDEX_SET_PLAIN(stmt) \
	((stmt)->params = sg_defelem_list_without((stmt)->params, "concurrently"))
#define SG_DETACH_SET_PLAIN(cmd) ((cmd)->concurrent = false)
#else
#define SG_REINDEX_SET_PLAIN(stmt) ((stmt)->concurrent = false)
#define SG_DETACH_SET_PLAIN(cmd) ((void) (cmd))
#endif

/* raw_parser() gained a mode in 14, ProcessUtility() "readOnlyTree". */
#if PG_VERSION_NUM >= 140000
#define SG_RAW_PARSER(str) raw_parser((str), RAW_PARSE_DEFAULT)
#define SG_PROCESS_UTILITY_CALL(pstmt, sql, context, dest) \
	ProcessUtility((pstmt), (sql), false, (context), NULL, NULL, (dest), NULL)
#else
#define SG_RAW_PARSER(str) raw_parser(str)
#define SG_PROCESS_UTILITY_CALL(pstmt, sql, context, dest) \
	ProcessUtility((pstmt), (sql), (context), NULL, NULL, (dest), NULL)
#endif

/* The internal AT_Add*Recurse subcommands went away in 16. */
#if PG_VERSION_NUM >= 160000
#define SG_AT_IS_ADD_CONSTRAINT(t) ((t) == AT_AddConstraint)
#define SG_AT_IS_ADD_COLUMN(t) ((t) == AT_AddColumn)
#else
#define SG_AT_IS_ADD_CONSTRAINT(t) \
	((t) == AT_AddConstraint || (t) == AT_AddConstraintRecurse)
#define SG_AT_IS_ADD_COLUMN(t) \
	((t) == AT_AddColumn || (t) == AT_AddColumnRecurse)
#endif

/* AT_DropColumnRecurse went away in 16 too. */
#if PG_VERSION_NUM >= 160000
#define SG_AT_IS_DROP_COLUMN(t) ((t) == AT_DropColumn)
#else
#define SG_AT_IS_DROP_COLUMN(t) \
	((t) == AT_DropColumn || (t) == AT_DropColumnRecurse)
#endif

/* getObjectIdentity and getObjectTypeDescription gained "missing_ok" in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_OBJECT_IDENTITY(address) getObjectIdentity((address), true)
#define SG_OBJECT_TYPE_DESCRIPTION(address) getObjectTypeDescription((address), true)
#else
#define SG_OBJECT_IDENTITY(address) getObjectIdentity(address)
#define SG_OBJECT_TYPE_DESCRIPTION(address) getObjectTypeDescription(address)
#endif

/* AlterTableStmt.relkind was renamed objtype in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_ALTER_TABLE_OBJTYPE(stmt) ((stmt)->objtype)
#else
#define SG_ALTER_TABLE_OBJTYPE(stmt) ((stmt)->relkind)
#endif

/* fmgroids.h named nextval(regclass) F_NEXTVAL_OID before 14. */
#if PG_VERSION_NUM < 140000
#define F_NEXTVAL F_NEXTVAL_OID
#endif

/* Ownership checks were generalized in 16. */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "catalog/pg_namespace.h"
#include "utils/acl.h"
#define SG_OWNS_RELATION(relid) \
	object_ownercheck(RelationRelationId, (relid), GetUserId())
#else
#define SG_OWNS_RELATION(relid) pg_class_ownercheck((relid), GetUserId())
#endif
#if PG_VERSION_NUM >= 160000
#define SG_OWNS_NAMESPACE(nspid) \
	object_ownercheck(NamespaceRelationId, (nspid), GetUserId())
#define SG_OWNS_DATABASE(dbid) \
	object_ownercheck(DatabaseRelationId, (dbid), GetUserId())
#else
#define SG_OWNS_NAMESPACE(nspid) pg_namespace_ownercheck((nspid), GetUserId())
#define SG_OWNS_DATABASE(dbid) pg_database_ownercheck((dbid), GetUserId())
#endif

/* USAGE on a schema (object_aclcheck from 16 on). */
#if PG_VERSION_NUM >= 160000
#define SG_MAY_USE_NAMESPACE(nspid) \
	(object_aclcheck(NamespaceRelationId, (nspid), GetUserId(), ACL_USAGE) == ACLCHECK_OK)
#else
#define SG_MAY_USE_NAMESPACE(nspid) \
	(pg_namespace_aclcheck((nspid), GetUserId(), ACL_USAGE) == ACLCHECK_OK)
#endif

/*
 * REINDEX, CLUSTER and VACUUM of a table need the MAINTAIN privilege from
 * 17 on, ownership before (VACUUM also lets the database owner in).
 */
#if PG_VERSION_NUM >= 170000
#define SG_MAY_MAINTAIN(relid) \
	(pg_class_aclcheck((relid), GetUserId(), ACL_MAINTAIN) == ACLCHECK_OK)
#else
#define SG_MAY_MAINTAIN(relid) SG_OWNS_RELATION(relid)
#endif

/*
 * ==== What the newer majors change (issue 8, section 2) ====
 * Behaviour and catalog contents that differ by major, as opposed to the
 * plain compile fixes above.  Each is read from the PostgreSQL sources of
 * the majors it names.
 */

/*
 * REINDEX fires ddl_command_start and ddl_command_end from 17 on
 * (utility.c runs it in ProcessUtilitySlow, cmdtaglist.h marks it
 * event_trigger_ok); before, it reaches no event trigger.  Each statement
 * is judged once: by the ProcessUtility hook before 17, by the event
 * trigger from 17 on.  VACUUM and CLUSTER fire no event trigger on any
 * major (13 to 18).
 */
#define SG_REINDEX_FIRES_EVENT_TRIGGERS (PG_VERSION_NUM >= 170000)

/*
 * pg_event_trigger_ddl_commands() raises for a collected object dropped
 * later in the same statement before 14, which looks objects up with
 * missing_ok (getObjectIdentity(..., true)) and skips them.
 */
#define SG_DDL_COMMANDS_MAY_RAISE (PG_VERSION_NUM < 140000)

/*
 * event_triggers = off (17+, superuser only) turns every event trigger
 * off; the ProcessUtility hook then judges nothing either.
 */
#if PG_VERSION_NUM >= 170000
#define SG_EVENT_TRIGGERS_ON event_triggers
#else
#define SG_EVENT_TRIGGERS_ON true
#endif

/* CLUSTER of a partitioned table (each partition) came in 15. */
#define SG_CLUSTER_PARTITIONED (PG_VERSION_NUM >= 150000)

/*
 * ON DELETE SET NULL (columns) and SET DEFAULT (columns), stored in
 * pg_constraint.confdelsetcols, came in 15: before, the action covers
 * every referencing column (the array reads as NULL).
 */
#if PG_VERSION_NUM >= 150000
#define SG_FKEY_DELETE_SET_COLUMNS(contup, isnull) \
	SysCacheGetAttr(CONSTROID, (contup), Anum_pg_constraint_confdelsetcols, (isnull))
#else
#define SG_FKEY_DELETE_SET_COLUMNS(contup, isnull) \
	(*(isnull) = true, (Datum) 0)
#endif

/* ALTER TABLE ... SET ACCESS METHOD, a table_rewrite reason, came in 15. */
#if PG_VERSION_NUM < 150000
#define AT_REWRITE_ACCESS_METHOD 0
#endif

/*
 * From 18 on pg_constraint holds the NOT NULL constraints of columns
 * (contype 'n'; 17 catalogues only domains' NOT NULL there), NOT ENFORCED
 * CHECK and FOREIGN KEY constraints (conenforced), and WITHOUT OVERLAPS
 * keys and PERIOD foreign keys (conperiod).
 */
#if PG_VERSION_NUM >= 180000
#define SG_CONSTRAINT_IS_COLUMN_NOT_NULL(conoid) \
	(get_constraint_type(conoid) == CONSTRAINT_NOTNULL)
#define SG_CONSTRAINT_ENFORCED(con) ((con)->conenforced)
#define SG_CONSTRAINT_PERIOD(con) ((con)->conperiod)
#define SG_SQL_CONSTRAINT_ENFORCED(alias) alias ".conenforced"
#define SG_INDEX_STMT_WITHOUT_OVERLAPS(stmt) ((stmt)->iswithoutoverlaps)
#define SG_AT_MAKES_ENFORCED(atc) \
	((atc)->subtype == AT_AlterConstraint && (atc)->def != NULL && \
	 IsA((atc)->def, ATAlterConstraint) && \
	 ((ATAlterConstraint *) (atc)->def)->alterEnforceability && \
	 ((ATAlterConstraint *) (atc)->def)->is_enforced)
#else
#define SG_CONSTRAINT_IS_COLUMN_NOT_NULL(conoid) false
#define SG_CONSTRAINT_ENFORCED(con) true
#define SG_CONSTRAINT_PERIOD(con) false
#define SG_SQL_CONSTRAINT_ENFORCED(alias) "true"
#define SG_INDEX_STMT_WITHOUT_OVERLAPS(stmt) false
#define SG_AT_MAKES_ENFORCED(atc) false
#endif

/*
 * DETACH PARTITION ... CONCURRENTLY came in 14 (PartitionCmd.concurrent);
 * 13 has only the blocking form.
 */
#if PG_VERSION_NUM >= 140000
#define SG_HAS_DETACH_CONCURRENTLY true
#define SG_DETACH_IS_CONCURRENT(pcmd) ((pcmd)->concurrent)
#else
#define SG_HAS_DETACH_CONCURRENTLY false
#define SG_DETACH_IS_CONCURRENT(pcmd) false
#endif

/*
 * A foreign key on a partitioned table may be added NOT VALID from 18 on;
 * before, ATAddForeignKeyConstraint refuses it.  A domain's NOT NULL
 * constraint may be added NOT VALID from 18 on too.
 */
#define SG_PARTITIONED_FK_NOT_VALID (PG_VERSION_NUM >= 180000)

/* RelationGetPartitionDesc gained "omit_detached" in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_PARTITION_DESC(rel) RelationGetPartitionDesc((rel), true)
#else
#define SG_PARTITION_DESC(rel) RelationGetPartitionDesc(rel)
#endif
/* pg_constraint holds NOT NULL constraints (of domains) from 17 on. */
#if PG_VERSION_NUM >= 170000
#define SG_CONTYPE_IS_NOT_NULL(contype) ((contype) == CONSTRAINT_NOTNULL)
#else
#define SG_CONTYPE_IS_NOT_NULL(contype) false
#endif
#define SG_DOMAIN_NOT_NULL_NOT_VALID (PG_VERSION_NUM >= 180000)

/*
 * Does a validated NOT NULL hold for the column?  From 18 on a column's
 * NOT NULL constraint may be NOT VALID: attnotnull is set, and SET NOT
 * NULL validates it with a scan.
 */
#if PG_VERSION_NUM >= 180000
#define SG_ATT_NOT_NULL_VALID(rel, attnum) \
	(TupleDescCompactAttr(RelationGetDescr(rel), (attnum) - 1)->attnullability == ATTNULLABLE_VALID)
#else
#define SG_ATT_NOT_NULL_VALID(rel, attnum) \
	(TupleDescAttr(RelationGetDescr(rel), (attnum) - 1)->attnotnull)
#endif

/* A table's CHECK constraint may be NOT ENFORCED from 18 on. */
#if PG_VERSION_NUM >= 180000
#define SG_CHECK_ENFORCED(check) ((check)->ccenforced)
#else
#define SG_CHECK_ENFORCED(check) true
#endif

/* InitMaterializedSRF was SetSingleFuncCall in 15.0 (renamed in 15.1). */
#if PG_VERSION_NUM == 150000
#define InitMaterializedSRF SetSingleFuncCall
#endif

/* The backend's local transaction id moved into PGPROC.vxid in 17. */
#if PG_VERSION_NUM >= 170000
#define SG_LOCAL_XID (MyProc->vxid.lxid)
#else
#define SG_LOCAL_XID (MyProc->lxid)
#endif

/* LockHeldByMe gained "orstronger" in 17. */
#if PG_VERSION_NUM >= 170000
#define SG_LOCK_HELD_BY_ME(tag, mode) LockHeldByMe((tag), (mode), false)
#else
#define SG_LOCK_HELD_BY_ME(tag, mode) LockHeldByMe((tag), (mode))
#endif

/* ATTACH and DETACH PARTITION gained CONCURRENTLY (DETACH) in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_PARTITION_CMD_CONCURRENT(cmd) ((cmd)->concurrent)
#else
#define SG_PARTITION_CMD_CONCURRENT(cmd) false
#endif

/* pg_locks.waitstart came in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_LOCK_WAIT_START(inst) ((inst)->waitStart)
#else
#define SG_LOCK_WAIT_START(inst) ((TimestampTz) 0)
#endif

/* The predefined roles were renamed in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_ROLE_READ_ALL_STATS ROLE_PG_READ_ALL_STATS
#else
#define SG_ROLE_READ_ALL_STATS DEFAULT_ROLE_READ_ALL_STATS
#endif

/* A backend's status by its index (1..n), as pg_stat_activity reads it. */
#if PG_VERSION_NUM >= 170000
#define SG_LOCAL_BEENTRY_BY_INDEX(i) pgstat_get_local_beentry_by_index(i)
#else
#define SG_LOCAL_BEENTRY_BY_INDEX(i) pgstat_fetch_stat_local_beentry(i)
#endif

#endif							/* SCHEMA_GUARD_COMPAT_H */
