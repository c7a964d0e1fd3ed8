/*-------------------------------------------------------------------------
 *
 * guard_utility.c
 *		Moment "utility": what the user wrote, before the statement runs.
 *
 * Statements reach sg_check_utility() through the ddl_command_start event
 * trigger, which fires in every session of a database where the extension
 * exists, from the first DDL statement on, whether the library was
 * preloaded or not.  PostgreSQL fires no event trigger for REINDEX before
 * version 17, so there the ProcessUtility hook passes that one statement
 * on; the hook exists from the moment the library is loaded.  From 17 on
 * the event trigger sees REINDEX too and the hook is not installed: each
 * statement is judged once (compat.h, SG_REINDEX_FIRES_EVENT_TRIGGERS).
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "catalog/namespace.h"
#include "tcop/utility.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Dispatch a raw statement to the utility-moment checks. */
void
sg_check_utility(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;

				if (stmt->removeType == OBJECT_INDEX)
					sg_check_drop_index(stmt);
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
				ListCell   *lc;

				/*
				 * These subcommands may drop an index a foreign key relies
				 * on.
				 */
				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_DropConstraint ||
						cmd->subtype == AT_DropColumn)
					{
						Oid			relid = RangeVarGetRelid(stmt->relation,
															 NoLock, true);

						if (OidIsValid(relid))
							sg_remember_covered_fkeys(relid, InvalidOid);
						break;
					}
				}
				break;
			}
		case T_ReindexStmt:
			sg_check_reindex((ReindexStmt *) parsetree);
			break;
		default:
			break;
	}
}

static void
sg_ProcessUtility(SG_PROCESS_UTILITY_PARAMS)
{
	Node	   *parsetree = pstmt->utilityStmt;

	/*
	 * Only REINDEX, which fires no event trigger on the majors that install
	 * this hook.  The guard's questions come last (sg_guard_active() reads
	 * pg_extension), so that other statements cost one tag comparison.
	 */
	if (IsA(parsetree, ReindexStmt) && sg_guard_active())
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
	if (SG_REINDEX_FIRES_EVENT_TRIGGERS)
		return;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = sg_ProcessUtility;
}
