/*-------------------------------------------------------------------------
 *
 * guard_utility.c
 *		Moment "utility": what the user wrote, before the statement runs.
 *
 * Statements reach sg_check_utility() through the ddl_command_start event
 * trigger, which fires in every session of a database where the extension
 * exists, from the first DDL statement on, whether the library was
 * preloaded or not.  PostgreSQL fires no event trigger for TRUNCATE, nor
 * for REINDEX before version 17, so the ProcessUtility hook passes those
 * statements on; the hook exists from the moment the library is loaded.
 * From 17 on the event trigger sees REINDEX, and the hook leaves it alone:
 * each statement is judged once (compat.h, SG_REINDEX_FIRES_EVENT_TRIGGERS).
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "tcop/utility.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* A statement before it runs, to every rule that judges one. */
void
sg_check_utility(Node *parsetree)
{
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		if (sg_rule_enabled(rule, SG_MOMENT_UTILITY))
			sg_rules[rule].utility(parsetree);
}

static void
sg_ProcessUtility(SG_PROCESS_UTILITY_PARAMS)
{
	Node	   *parsetree = pstmt->utilityStmt;

	/*
	 * Only the statements that fire no event trigger: TRUNCATE, and REINDEX
	 * before 17.  The guard's questions come last (sg_guard_active() reads
	 * pg_extension), so that other statements cost two tag comparisons.
	 */
	if (((IsA(parsetree, ReindexStmt) && !SG_REINDEX_FIRES_EVENT_TRIGGERS) ||
		 IsA(parsetree, TruncateStmt)) &&
		sg_any_rule_enabled(SG_MOMENT_UTILITY) && sg_guard_active())
	{
		int			nest = sg_pin_settings(false);

		sg_check_utility(parsetree);
		sg_unpin_settings(nest);
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(SG_PROCESS_UTILITY_ARGS);
	else
		standard_ProcessUtility(SG_PROCESS_UTILITY_ARGS);
}

void
sg_utility_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = sg_ProcessUtility;
}
