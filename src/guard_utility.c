/*-------------------------------------------------------------------------
 *
 * guard_utility.c
 *		Moment "utility": what the user wrote, before the statement runs.
 *
 * Statements reach sg_check_utility() through the ddl_command_start event
 * trigger, which fires in every session of a database where the extension
 * exists, from the first DDL statement on, whether the library was
 * preloaded or not.  Some statements fire no event trigger: TRUNCATE,
 * VACUUM and CLUSTER on every major, REINDEX before version 17.  The
 * ProcessUtility hook passes those on; it exists from the moment the
 * library is loaded.  From 17 on REINDEX reaches the event trigger and the
 * hook leaves it alone:
 * each statement is judged once (compat.h, SG_REINDEX_FIRES_EVENT_TRIGGERS).
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Counts the statements judged: the rules' key for work they share. */
uint64		sg_utility_statements = 0;

/* A statement before it runs, to every rule that judges one. */
void
sg_check_utility(Node *parsetree)
{
	sg_utility_statements++;
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		if (sg_rule_enabled(rule, SG_MOMENT_UTILITY))
			sg_rules[rule].utility(parsetree);
}

/*
 * Does the hook pass this statement on?  Only those no event trigger sees.
 * By its tag alone, so that every other statement costs one comparison.
 */
static bool
sg_hook_statement(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_ReindexStmt:
			return !SG_REINDEX_FIRES_EVENT_TRIGGERS;
		case T_VacuumStmt:
			return ((VacuumStmt *) parsetree)->is_vacuumcmd;
		case T_ClusterStmt:
		case T_TruncateStmt:
		case T_LockStmt:
			return true;
		default:
			return false;
	}
}

/*
 * Will PostgreSQL run it here?  VACUUM, and CLUSTER of every table or of a
 * partitioned one, refuse to run in a transaction block or a function, and
 * LOCK outside one; their own error comes first.
 */
static bool
sg_runs_here(Node *parsetree, ProcessUtilityContext context)
{
	bool		outside = context == PROCESS_UTILITY_TOPLEVEL &&
	!IsTransactionBlock() && !IsSubTransaction();

	if (IsA(parsetree, VacuumStmt))
		return outside;
	if (IsA(parsetree, LockStmt))
		return !outside;
	if (IsA(parsetree, ClusterStmt))
	{
		RangeVar   *rv = ((ClusterStmt *) parsetree)->relation;

		return outside || (rv != NULL &&
						   get_rel_relkind(RangeVarGetRelid(rv, NoLock, true)) != RELKIND_PARTITIONED_TABLE);
	}
	return true;
}

static void
sg_ProcessUtility(SG_PROCESS_UTILITY_PARAMS)
{
	Node	   *parsetree = pstmt->utilityStmt;

	/* The guard's questions come last: sg_guard_active() reads pg_extension. */
	if (sg_hook_statement(parsetree) && SG_EVENT_TRIGGERS_ON &&
		sg_any_rule_enabled(SG_MOMENT_UTILITY) && sg_guard_active() &&
		sg_runs_here(parsetree, context))
	{
		int			nest = sg_pin_settings(false);

		sg_check_utility(parsetree);
		sg_unpin_settings(nest);
	}

	/* Where a COMMIT is, for the findings raised when it commits. */
	if (IsA(parsetree, TransactionStmt))
		sg_session_note_utility(pstmt, queryString, context, false);

	if (prev_ProcessUtility)
		prev_ProcessUtility(SG_PROCESS_UTILITY_ARGS);
	else
		standard_ProcessUtility(SG_PROCESS_UTILITY_ARGS);

	if (IsA(parsetree, DiscardStmt))
		sg_session_note_utility(pstmt, queryString, context, true);
}

void
sg_utility_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = sg_ProcessUtility;
}
