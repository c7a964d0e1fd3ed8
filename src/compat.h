/*-------------------------------------------------------------------------
 *
 * compat.h
 *		PG_VERSION_NUM shims, so that the same sources build on 13 to 17.
 *
 * Only PostgreSQL 15 is built and tested in this project's CI; the other
 * branches are kept compile-clean by review.
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

/* REINDEX options became a DefElem list in 14. */
#if PG_VERSION_NUM >= 140000
#define SG_REINDEX_IS_CONCURRENT(stmt) sg_defelem_list_has((stmt)->params, "concurrently")
#else
#define SG_REINDEX_IS_CONCURRENT(stmt) ((stmt)->concurrent)
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
#define SG_OWNS_RELATION(relid) \
	object_ownercheck(RelationRelationId, (relid), GetUserId())
#else
#define SG_OWNS_RELATION(relid) pg_class_ownercheck((relid), GetUserId())
#endif

#endif							/* SCHEMA_GUARD_COMPAT_H */
