/*-------------------------------------------------------------------------
 *
 * session_findings.c
 *		The findings the guard raised in this session, with the location of
 *		the statement that raised them in its query string:
 *		schema_guard.session_findings().
 *
 * A tool that sends a migration file (pg_schema_guard check) learns from
 * them which line of the file each finding belongs to.  The statement is
 * the top-level one the client sent: the portal being run, when it runs the
 * query string the client sent (debug_query_string), whose PlannedStmt
 * carries stmt_location and stmt_len as the ProcessUtility hook sees them;
 * a DO block or a function call is one statement.  The session numbers
 * these statements in the order the guard first asks for one (a statement
 * that raises a finding, leaves work for the commit, commits, or calls
 * schema_guard.statement_number()): a finding names its statement by that
 * number too, which a client that sends one statement at a time can learn
 * for each.  A finding raised at commit belongs to the statement that made
 * or last changed the object it judges, which guard_commit.c remembers with
 * the pending item; when that is not known (an item added while no
 * statement of the client's query string ran, as under a cursor's portal),
 * to the COMMIT (or PREPARE TRANSACTION) statement, which the
 * ProcessUtility hook noted, or to the top-level statement that committed
 * (CALL of a procedure that commits, schema_guard.check_pending());
 * otherwise its location is unknown.
 *
 * Findings are kept in backend-local memory owned by TopMemoryContext, so
 * that a finding whose error aborts the transaction is kept too; at most
 * schema_guard.session_findings_max of them, the count of the others is
 * kept and reported.  DISCARD ALL forgets them, as it forgets the rest of
 * a session's state for the next client of a pooled connection.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/xact.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"

typedef struct SgSessionFinding
{
	const char *rule;
	const char *level;			/* the rule's level */
	const char *raised;			/* what the guard raised: error or warning */
	char	   *object_type;
	char	   *object_identity;
	char	   *message;
	char	   *detail;
	char	   *fix;
	bool		at_commit;
	SgStatement statement;
} SgSessionFinding;

static int	sg_session_findings_max = 1000;

static MemoryContext sg_findings_cxt = NULL;
static List *sg_findings = NIL;
static int64 sg_findings_dropped = 0;

/* The COMMIT statement of this transaction, as the hook saw it. */
static SgStatement sg_commit_statement;

/*
 * The last statement that was given a number, while its portal lives;
 * numbers are given in order, the first time a statement is asked for.
 */
static Portal sg_numbered_portal = NULL;
static SgStatement sg_numbered_statement;
static int64 sg_statements_numbered = 0;

/* A copy in the findings' context, NULL stays NULL. */
static char *
sg_keep(const char *s)
{
	return s ? MemoryContextStrdup(sg_findings_cxt, s) : NULL;
}

/*
 * How far sg_locate() counted lines and characters in the query string of
 * the message being run: the statements of a multi-statement string are
 * located in order, each from where the one before was, so that a long
 * string costs one pass.  Forgotten when MessageContext is reset for the
 * next message, whose string may be at the same address.
 */
typedef struct SgCounted
{
	const char *query;			/* NULL: nothing counted */
	int			qlen;
	int			bytes;			/* counted up to there */
	int			lines;			/* line breaks before it */
	int			chars;			/* characters before it */
} SgCounted;

static SgCounted sg_counted;
static MemoryContextCallback sg_counted_callback;

static void
sg_counted_forget(void *arg)
{
	sg_counted.query = NULL;
}

/*
 * Locate the statement at byte location (stmt_len bytes long, 0 for the
 * rest of the string) in query.  From its first token: before 18 a
 * statement of a multi-statement string starts right after the previous
 * semicolon, with the comments and line breaks in between.
 */
static void
sg_locate(const char *query, int location, int len, SgStatement *out)
{
	SgCounted	from = {query, 0, 0, 0, 0};
	int			qlen;
	const char *p;
	const char *end;

	if (query == sg_counted.query)
	{
		qlen = sg_counted.qlen;
		if (location >= sg_counted.bytes)
			from = sg_counted;
	}
	else
		qlen = strlen(query);
	memset(out, 0, sizeof(SgStatement));
	if (location < 0 || location > qlen)
		return;
	if (len <= 0 || len > qlen - location)
		len = qlen - location;
	p = query + location;
	end = p + len;
	while (p < end)
	{
		if (isspace((unsigned char) *p))
			p++;
		else if (p + 1 < end && p[0] == '-' && p[1] == '-')
		{
			while (p < end && *p != '\n')
				p++;
		}
		else if (p + 1 < end && p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			for (p += 2; p < end && depth > 0; p++)
			{
				if (p + 1 < end && p[0] == '/' && p[1] == '*')
					depth++, p++;
				else if (p + 1 < end && p[0] == '*' && p[1] == '/')
					depth--, p++;
			}
		}
		else
			break;
	}
	while (end > p && isspace((unsigned char) end[-1]))
		end--;
	for (const char *c = query + from.bytes; c < p; c++)
		if (*c == '\n')
			from.lines++;
	from.chars += pg_mbstrlen_with_len(query + from.bytes, p - query - from.bytes);
	from.bytes = p - query;
	from.qlen = qlen;
	out->line = from.lines + 1;
	out->position = from.chars + 1;
	out->length = pg_mbstrlen_with_len(p, end - p);

	if (MessageContext != NULL)
	{
		if (sg_counted.query == NULL)
		{
			sg_counted_callback.func = sg_counted_forget;
			MemoryContextRegisterResetCallback(MessageContext, &sg_counted_callback);
		}
		sg_counted = from;
	}
}

static void
sg_portal_dropped(void *arg)
{
	if (sg_numbered_portal == (Portal) arg)
		sg_numbered_portal = NULL;
}

/*
 * The top-level statement running now: the active portal's, if that
 * portal runs the query string the client sent (not a cursor's, nor a
 * prepared statement's).  It is given the session's next number the first
 * time it is asked for, and located then, once: a callback on the portal's
 * memory tells when it is gone.  No catalog access.
 */
void
sg_current_statement(SgStatement *out)
{
	PlannedStmt *stmt;
	MemoryContextCallback *dropped;

	memset(out, 0, sizeof(SgStatement));
	if (ActivePortal == NULL || debug_query_string == NULL ||
		ActivePortal->sourceText != debug_query_string ||
		ActivePortal->stmts == NIL)
		return;
	if (ActivePortal != sg_numbered_portal)
	{
		dropped = MemoryContextAlloc(ActivePortal->portalContext,
									 sizeof(MemoryContextCallback));
		dropped->func = sg_portal_dropped;
		dropped->arg = ActivePortal;
		MemoryContextRegisterResetCallback(ActivePortal->portalContext, dropped);
		stmt = linitial_node(PlannedStmt, ActivePortal->stmts);
		sg_locate(debug_query_string, stmt->stmt_location, stmt->stmt_len,
				  &sg_numbered_statement);
		sg_numbered_statement.number = ++sg_statements_numbered;
		sg_numbered_portal = ActivePortal;
	}
	*out = sg_numbered_statement;
}

/*
 * Keep a finding the guard is about to raise at level raised (an error
 * does not return).  No catalog access: the transaction may be failing.
 */
void
sg_session_record(const SgFinding *finding, SgLevel raised)
{
	MemoryContext old;
	SgSessionFinding *kept;
	bool		at_commit = sg_checking_commit();
	const SgStatement *made;

	if (list_length(sg_findings) >= sg_session_findings_max)
	{
		sg_findings_dropped++;
		return;
	}
	if (sg_findings_cxt == NULL)
		sg_findings_cxt = AllocSetContextCreate(TopMemoryContext,
												"schema_guard session findings",
												ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(sg_findings_cxt);
	kept = palloc0(sizeof(SgSessionFinding));
	kept->rule = sg_rules[finding->rule].name;
	kept->level = sg_level_name((SgLevel) sg_rule_levels[finding->rule]);
	kept->raised = sg_level_name(raised);
	kept->object_type = sg_keep(finding->object_type);
	kept->object_identity = sg_keep(finding->object_identity);
	kept->message = sg_keep(finding->message);
	kept->detail = sg_keep(finding->detail);
	kept->fix = sg_keep(finding->fix);
	kept->at_commit = at_commit;
	made = at_commit ? sg_commit_finding_statement() : NULL;
	if (made != NULL && made->number > 0)
		kept->statement = *made;
	else if (at_commit && sg_commit_statement.number > 0)
		kept->statement = sg_commit_statement;
	else
		sg_current_statement(&kept->statement);
	sg_findings = lappend(sg_findings, kept);
	MemoryContextSwitchTo(old);
}

static void
sg_session_forget(void)
{
	if (sg_findings_cxt != NULL)
		MemoryContextReset(sg_findings_cxt);
	sg_findings = NIL;
	sg_findings_dropped = 0;
}

/*
 * From the ProcessUtility hook, for the statements that concern us: a
 * top-level COMMIT or PREPARE TRANSACTION before it runs (the commit comes
 * after its portal is gone), a DISCARD ALL once it has run.
 */
void
sg_session_note_utility(PlannedStmt *pstmt, const char *queryString,
						ProcessUtilityContext context, bool done)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (done)
	{
		if (IsA(parsetree, DiscardStmt) &&
			((DiscardStmt *) parsetree)->target == DISCARD_ALL)
			sg_session_forget();
		return;
	}
	if (IsA(parsetree, TransactionStmt) &&
		(((TransactionStmt *) parsetree)->kind == TRANS_STMT_COMMIT ||
		 ((TransactionStmt *) parsetree)->kind == TRANS_STMT_PREPARE) &&
		context == PROCESS_UTILITY_TOPLEVEL && queryString != NULL &&
		queryString == debug_query_string)
		sg_current_statement(&sg_commit_statement);
}

static void
sg_session_xact_callback(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
		event != XACT_EVENT_PRE_PREPARE)
		memset(&sg_commit_statement, 0, sizeof(SgStatement));
}

void
sg_session_findings_init(void)
{
	DefineCustomIntVariable("schema_guard.session_findings_max",
							"Sets how many findings schema_guard.session_findings() keeps per session.",
							"Later findings are counted, not kept.",
							&sg_session_findings_max,
							1000, 0, 100000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
	RegisterXactCallback(sg_session_xact_callback, NULL);
}

static Datum
sg_text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * schema_guard.session_findings(reset boolean DEFAULT false): the kept
 * findings, oldest first; with reset, they are forgotten once returned.
 */
PG_FUNCTION_INFO_V1(schema_guard_session_findings);
Datum
schema_guard_session_findings(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		reset = PG_GETARG_BOOL(0);
	int64		dropped = sg_findings_dropped;
	ListCell   *lc;

	sg_require_extension_current();
	sg_init_materialized_srf(fcinfo);

	foreach(lc, sg_findings)
	{
		SgSessionFinding *f = lfirst(lc);
		Datum		values[13];
		bool		nulls[13] = {false};

		values[0] = CStringGetTextDatum(f->rule);
		values[1] = CStringGetTextDatum(f->level);
		values[2] = sg_text_or_null(f->object_type, &nulls[2]);
		values[3] = sg_text_or_null(f->object_identity, &nulls[3]);
		values[4] = sg_text_or_null(f->message, &nulls[4]);
		values[5] = sg_text_or_null(f->detail, &nulls[5]);
		values[6] = sg_text_or_null(f->fix, &nulls[6]);
		values[7] = CStringGetTextDatum(f->raised);
		values[8] = BoolGetDatum(f->at_commit);
		values[9] = Int64GetDatum(f->statement.number);
		nulls[9] = (f->statement.number == 0);
		values[10] = Int32GetDatum(f->statement.line);
		values[11] = Int32GetDatum(f->statement.position);
		values[12] = Int32GetDatum(f->statement.length);
		nulls[10] = nulls[11] = nulls[12] = (f->statement.line == 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (reset)
		sg_session_forget();
	if (dropped > 0)
		ereport(WARNING,
				errmsg("%lld later findings of this session were not kept",
					   (long long) dropped),
				errdetail("schema_guard.session_findings_max keeps %d.",
						  sg_session_findings_max),
				errhint("Raise schema_guard.session_findings_max, or forget the kept findings more often."));
	return (Datum) 0;
}

/*
 * schema_guard.statement_number(): the number of the statement that calls
 * it, NULL when it is not a statement of the client's query string.  A
 * client that asks after each statement it sends learns which number that
 * statement was given, if any: the one before, when it is not the number
 * it was told last time plus one.
 */
PG_FUNCTION_INFO_V1(schema_guard_statement_number);
Datum
schema_guard_statement_number(PG_FUNCTION_ARGS)
{
	SgStatement statement;

	sg_require_extension_current();
	sg_current_statement(&statement);
	if (statement.number == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(statement.number);
}
