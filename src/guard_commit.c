/*-------------------------------------------------------------------------
 *
 * guard_commit.c
 *		Moment "commit": checks of what the whole transaction left behind.
 *
 * Statements add pending items (a foreign key to check, by table and
 * name, since ALTER COLUMN TYPE recreates constraints under new OIDs).
 * Items are tagged with the subtransaction that added them: rolling back
 * to a savepoint forgets them, releasing it hands them to the parent.  At
 * pre-commit and pre-prepare every surviving item is checked; an ERROR
 * there aborts the commit cleanly.  Nothing is raised at commit or abort
 * time, and the list costs nothing when it is empty.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/relation.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

typedef struct SgPendingFkey
{
	SubTransactionId subid;
	Oid			relid;
	char	   *conname;
} SgPendingFkey;

/* Cells and items live in TopTransactionContext. */
static List *sg_pending_fkeys = NIL;

void
sg_pending_add_fkey(Oid relid, const char *conname)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	SgPendingFkey *item = palloc(sizeof(SgPendingFkey));

	item->subid = GetCurrentSubTransactionId();
	item->relid = relid;
	item->conname = pstrdup(conname);
	sg_pending_fkeys = lappend(sg_pending_fkeys, item);
	MemoryContextSwitchTo(old);
}

/*
 * Check every pending foreign key, one table at a time.  Warnings are
 * raised as they come; the first error-level finding aborts the commit
 * after all warnings have been shown.
 */
static void
sg_check_pending_fkeys(void)
{
	List	   *relids = NIL;
	List	   *errors = NIL;
	ListCell   *lc;

	foreach(lc, sg_pending_fkeys)
		relids = list_append_unique_oid(relids, ((SgPendingFkey *) lfirst(lc))->relid);

	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		List	   *names = NIL;
		ListCell   *lc2;
		Relation	rel;

		CHECK_FOR_INTERRUPTS();

		/* Dropped later in the transaction: nothing left to check. */
		rel = try_relation_open(relid, AccessShareLock);
		if (rel == NULL)
			continue;
		if (!sg_relation_guarded(rel))
		{
			relation_close(rel, AccessShareLock);
			continue;
		}

		foreach(lc2, sg_pending_fkeys)
		{
			SgPendingFkey *item = lfirst(lc2);

			if (item->relid == relid)
				names = lappend(names, item->conname);
		}

		foreach(lc2, sg_fk_unindexed_findings(rel, names))
		{
			SgFinding  *finding = lfirst(lc2);

			if (sg_effective_level(finding->rule) == SG_LEVEL_ERROR)
				errors = lappend(errors, finding);
			else
				sg_raise(finding);
		}
		relation_close(rel, AccessShareLock);
	}

	foreach(lc, errors)
		sg_raise(lfirst(lc));
}

static void
sg_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* An error here aborts; the abort event then clears the list. */
			if (sg_pending_fkeys != NIL && sg_guard_active())
				sg_check_pending_fkeys();
			sg_pending_fkeys = NIL;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* The memory went with TopTransactionContext; never raise here. */
			sg_pending_fkeys = NIL;
			break;
		default:
			break;
	}
}

static void
sg_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;

	foreach(lc, sg_pending_fkeys)
	{
		SgPendingFkey *item = lfirst(lc);

		if (item->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			sg_pending_fkeys = foreach_delete_current(sg_pending_fkeys, lc);
		else
			item->subid = parentSubid;
	}
}

void
sg_commit_init(void)
{
	RegisterXactCallback(sg_xact_callback, NULL);
	RegisterSubXactCallback(sg_subxact_callback, NULL);
}
