/*-------------------------------------------------------------------------
 *
 * guard_commit.c
 *		Moment "commit": checks of what the whole transaction left behind.
 *
 * Rules add pending items, keyed by (rule, object): an object of a table
 * to check at commit, by name (names, not OIDs: ALTER COLUMN TYPE
 * recreates constraints under new OIDs), or a column by its number, which
 * it keeps through renames and type changes and which no other column
 * takes.  At commit each table is opened once, and each rule's commit
 * callback gets the names of its objects there.
 * Items are tagged with the subtransaction that added them: rolling back
 * to a savepoint forgets them, releasing it hands them to the parent; and
 * with the top-level statement that added them, to which session_findings()
 * gives a finding at commit on their object (the last such statement).  At
 * pre-commit and pre-prepare every surviving item is checked, under the
 * extension's pinned settings (but the caller's search_path, as for the
 * statements), if the extension still exists; an ERROR
 * there aborts the commit cleanly.  Nothing is raised at commit or abort
 * time, and the list costs nothing when it is empty.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

typedef struct SgPendingItem
{
	SubTransactionId subid;
	SgRuleId	rule;
	Oid			relid;
	char	   *name;			/* NULL for a column */
	AttrNumber	attnum;			/* a column's number */
	SgStatement statement;		/* the statement that added it */
	char	   *found_name;		/* while checking: its name now, or NULL */
} SgPendingItem;

/* Cells and items live in TopTransactionContext. */
static List *sg_pending = NIL;

/* Is sg_check_pending() running?  For the findings it raises. */
static bool sg_in_commit_check = false;

/* The statement of the finding being raised there, or NULL. */
static const SgStatement *sg_raising_statement = NULL;

/*
 * Names of the indexes this transaction dropped.  A commit-time HINT may
 * tell to build an index before the transaction (CONCURRENTLY cannot run
 * inside it), when those names were still taken.
 */
static List *sg_dropped_index_names = NIL;

void
sg_note_dropped_index(const char *name)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	sg_dropped_index_names = lappend(sg_dropped_index_names, pstrdup(name));
	MemoryContextSwitchTo(old);
}

/* A copy, for the avoid list of sg_free_name(). */
List *
sg_index_names_dropped_in_xact(void)
{
	return list_copy(sg_dropped_index_names);
}

/* An item added by statement, the one running now when NULL. */
static void
sg_pending_append(SgRuleId rule, Oid relid, const char *name,
				  AttrNumber attnum, const SgStatement *statement)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	SgPendingItem *item = palloc0(sizeof(SgPendingItem));

	item->subid = GetCurrentSubTransactionId();
	item->rule = rule;
	item->relid = relid;
	item->name = name ? pstrdup(name) : NULL;
	item->attnum = attnum;
	if (statement != NULL)
		item->statement = *statement;
	else
		sg_current_statement(&item->statement);
	sg_pending = lappend(sg_pending, item);
	MemoryContextSwitchTo(old);
}

void
sg_pending_add(SgRuleId rule, Oid relid, const char *name)
{
	sg_pending_append(rule, relid, name, InvalidAttrNumber, NULL);
}

/*
 * A column, by number: judged under the name it has at commit, and never
 * confused with another column that takes its old name (renamed onto it,
 * or added after it was dropped).
 */
void
sg_pending_add_column(SgRuleId rule, Oid relid, AttrNumber attnum)
{
	sg_pending_append(rule, relid, NULL, attnum, NULL);
}

/* The item's name now; NULL for a column dropped since. */
static char *
sg_pending_name(SgPendingItem *item)
{
	HeapTuple	tup;
	char	   *name = NULL;

	if (item->name != NULL)
		return item->name;
	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(item->relid),
						  Int16GetDatum(item->attnum));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);

		if (!att->attisdropped)
			name = pstrdup(NameStr(att->attname));
		ReleaseSysCache(tup);
	}
	return name;
}

/*
 * An object of relid waited for by name was renamed: every rule waiting for
 * it waits for the new name too, for what the statement that made it did
 * (a rename is not what a rule judges).  The old items stay, so that
 * rolling back to a savepoint before the rename (which drops the new
 * items) leaves the checks in place.
 */
void
sg_pending_renamed(Oid relid, const char *oldname, const char *newname)
{
	SgPendingItem *found[SG_NUM_RULES] = {NULL};
	ListCell   *lc;

	foreach(lc, sg_pending)
	{
		SgPendingItem *item = lfirst(lc);

		if (item->relid == relid && item->name != NULL &&
			strcmp(item->name, oldname) == 0)
			found[item->rule] = item;
	}
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		if (found[rule] != NULL)
			sg_pending_append(rule, relid, newname, InvalidAttrNumber,
							  &found[rule]->statement);
}

/*
 * Is the name in the list?  A name comes back when an object is renamed
 * away and back, or added again after a drop: it is checked once.
 */
static bool
sg_name_listed(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	}
	return false;
}

/*
 * The statement behind a finding on rel: that of the last item of its rule
 * there naming its object (or the whole relation, by the empty name).
 */
static const SgStatement *
sg_finding_statement(List *items, const SgFinding *finding)
{
	for (int i = list_length(items) - 1; i >= 0; i--)
	{
		SgPendingItem *item = list_nth(items, i);

		if (item->rule == finding->rule &&
			(item->found_name[0] == '\0' ||
			 (finding->subname != NULL &&
			  strcmp(item->found_name, finding->subname) == 0)))
			return &item->statement;
	}
	return NULL;
}

/* Raise a finding at commit, as made by statement. */
static void
sg_raise_at_commit(const SgFinding *finding, const SgStatement *statement)
{
	sg_raising_statement = statement;
	sg_raise(finding);
	sg_raising_statement = NULL;
}

/*
 * Check every pending item, one table at a time, by each rule in registry
 * order whose level is not off now.  Warnings are raised as they come; the
 * first error-level finding aborts the commit after all warnings have been
 * shown.
 */
static void
sg_check_pending(void)
{
	bool		enabled[SG_NUM_RULES];
	List	   *relids = NIL;
	List	   *errors = NIL;
	List	   *error_statements = NIL;
	ListCell   *lc;
	ListCell   *lc2;

	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		enabled[rule] = sg_rule_enabled(rule, SG_MOMENT_COMMIT);
	foreach(lc, sg_pending)
	{
		SgPendingItem *item = lfirst(lc);

		if (enabled[item->rule])
			relids = list_append_unique_oid(relids, item->relid);
	}

	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		List	   *names[SG_NUM_RULES] = {NIL};
		List	   *items = NIL;
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

		foreach(lc2, sg_pending)
		{
			SgPendingItem *item = lfirst(lc2);

			if (item->relid != relid || !enabled[item->rule])
				continue;
			item->found_name = sg_pending_name(item);
			if (item->found_name == NULL)
				continue;
			items = lappend(items, item);
			if (!sg_name_listed(names[item->rule], item->found_name))
				names[item->rule] = lappend(names[item->rule], item->found_name);
		}

		for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		{
			if (names[rule] == NIL)
				continue;
			foreach(lc2, sg_rules[rule].commit(rel, names[rule]))
			{
				SgFinding  *finding = lfirst(lc2);
				const SgStatement *statement = sg_finding_statement(items, finding);

				if (sg_effective_level(finding->rule) == SG_LEVEL_ERROR)
				{
					errors = lappend(errors, finding);
					error_statements = lappend(error_statements, (void *) statement);
				}
				else
					sg_raise_at_commit(finding, statement);
			}
		}
		relation_close(rel, AccessShareLock);
	}

	forboth(lc, errors, lc2, error_statements)
		sg_raise_at_commit(lfirst(lc), lfirst(lc2));
}

bool
sg_checking_commit(void)
{
	return sg_in_commit_check;
}

const SgStatement *
sg_commit_finding_statement(void)
{
	return sg_raising_statement;
}

/*
 * The commit moment: every pending item checked under the pinned settings
 * (the caller's search_path kept), if the extension still exists.
 */
static void
sg_run_commit_checks(void)
{
	int			nest;

	if (sg_pending == NIL || !sg_guard_active())
		return;
	nest = sg_pin_settings(false);
	sg_in_commit_check = true;
	PG_TRY();
	{
		sg_check_pending();
	}
	PG_FINALLY();
	{
		sg_in_commit_check = false;
		sg_raising_statement = NULL;
	}
	PG_END_TRY();
	sg_unpin_settings(nest);
}

static void
sg_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:

			/*
			 * An error here aborts; the abort event then clears the list.
			 * Items survive a DROP EXTENSION rolled back with its savepoint,
			 * so whether the extension still exists is asked only now: once
			 * it is gone, so are its rules and its tables.
			 */
			sg_run_commit_checks();
			sg_pending = NIL;
			sg_dropped_index_names = NIL;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* The memory went with TopTransactionContext; never raise here. */
			sg_pending = NIL;
			sg_dropped_index_names = NIL;
			break;
		default:
			break;
	}
}

static void
sg_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			first;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;

	/*
	 * Items are in the order they were added, so those of the ending
	 * subtransaction (its own and those its committed children handed up) are
	 * the tail of the list: walk only them.  A savepoint per statement
	 * (psql's ON_ERROR_ROLLBACK) or a PL/pgSQL exception block per row then
	 * costs nothing per pending item.
	 */
	first = list_length(sg_pending);
	while (first > 0 &&
		   ((SgPendingItem *) list_nth(sg_pending, first - 1))->subid == mySubid)
		first--;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		sg_pending = list_truncate(sg_pending, first);
	else
		for (int i = first; i < list_length(sg_pending); i++)
			((SgPendingItem *) list_nth(sg_pending, i))->subid = parentSubid;
}

/*
 * schema_guard.check_pending(): the checks COMMIT would run, now, on what
 * the transaction did so far, which COMMIT then does not check again.  A
 * dry run that ends in ROLLBACK (pg_schema_guard check) sees the commit's
 * findings this way.  Inside a subtransaction the items are kept: rolling
 * it back could undo what made a check pass (an index), and COMMIT must
 * then judge again.
 */
PG_FUNCTION_INFO_V1(schema_guard_check_pending);
Datum
schema_guard_check_pending(PG_FUNCTION_ARGS)
{
	sg_require_extension_current();
	sg_run_commit_checks();
	if (!IsSubTransaction())
		sg_pending = NIL;
	PG_RETURN_VOID();
}

void
sg_commit_init(void)
{
	RegisterXactCallback(sg_xact_callback, NULL);
	RegisterSubXactCallback(sg_subxact_callback, NULL);
}
