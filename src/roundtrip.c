/*-------------------------------------------------------------------------
 *
 * roundtrip.c
 *		schema_guard.roundtrip(up, down, ...): run a migration's up and down
 *		in a subtransaction that is always rolled back, and report every
 *		schema and data difference (doc/schema_guard.md, "Round trips").
 *
 * Before anything runs, the three scripts (seed, up, down) are parsed and
 * every statement whose effect a rollback cannot undo is refused.  Then,
 * inside one internal subtransaction: the seed rows, the schema
 * fingerprint and a copy of every table's rows as text (temporary tables,
 * keyed by primary key), up, down, the fingerprint again, schema_diff(),
 * and a comparison of the rows, each changed value classified by its
 * likely cause.  Up and down each run in a subtransaction of their own, so
 * that a failing statement is a row of the report.  The outer
 * subtransaction is then rolled back; sequences, which a rollback does not
 * restore, are set back to the states read before (they are locked for
 * the run, so that no other session draws from them meanwhile).
 *
 * The statements run as written, as the caller, with the caller's
 * settings; only the statements that cannot run in a transaction block
 * (CONCURRENTLY) run without it, and the report says so.  The guard does
 * not judge them: nothing of the run survives it, and the plain variants
 * would draw findings the migration does not deserve.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(sg_roundtrip);

/* Read by sg_guard_active(): the guard judges nothing a round trip runs. */
bool		sg_roundtrip_running = false;

/* One row of the report. */
typedef struct SgRtRow
{
	char	   *phase;
	char	   *object_type;
	char	   *object_identity;
	char	   *kind;
	char	   *detail;
	int64		count;			/* < 0: NULL */
	Datum		examples;		/* text[], 0: NULL */
} SgRtRow;

/* One statement of a script. */
typedef struct SgRtStmt
{
	char	   *sql;			/* as written */
	int			location;		/* its first character in the script, from 1 */
	RawStmt    *raw;			/* as parsed */
	Node	   *plain;			/* the tree to run instead, or NULL */
	const char *plain_note;		/* what the plain variant leaves out */
} SgRtStmt;

/* A column of a table, before or after. */
typedef struct SgRtCol
{
	char	   *name;
	Oid			typid;
	char		category;
	char	   *defexpr;		/* a non-volatile default, or NULL */
} SgRtCol;

/* A table whose rows were copied before up. */
typedef struct SgRtTable
{
	char	   *ident;
	char	   *copy;			/* the temporary table holding the rows */
	char	   *fingerprint;	/* data_fingerprint() before, as text */
	int			ncols;
	SgRtCol    *cols;
	List	   *key;			/* primary key column names, NIL: none */
} SgRtTable;

/* The state of a run. */
typedef struct SgRt
{
	MemoryContext rowcxt;		/* outlives the subtransactions and SPI */
	List	   *rows;
	char	   *timezone;		/* the caller's, under which up and down run */
	Oid			extoid;			/* schema_guard, which every comparison needs */
	Oid			extnsp;			/* and its schema, by name */
	bool		filled;			/* fill_rows generated rows before up */
} SgRt;

/*
 * The caller, as whom the round trip's own queries run even after a SET
 * ROLE or SET SESSION AUTHORIZATION of up or down: the report compares
 * what the caller sees, before and after.
 */
static Oid	sg_rt_caller = InvalidOid;

static void
sg_rt_add(SgRt *rt, const char *phase, const char *object_type,
		  const char *object_identity, const char *kind, const char *detail,
		  int64 count, Datum examples)
{
	MemoryContext old = MemoryContextSwitchTo(rt->rowcxt);
	SgRtRow    *row = palloc0(sizeof(SgRtRow));

	row->phase = pstrdup(phase);
	row->object_type = pstrdup(object_type);
	row->object_identity = pstrdup(object_identity);
	row->kind = pstrdup(kind);
	row->detail = detail ? pstrdup(detail) : NULL;
	row->count = count;
	row->examples = examples ? datumCopy(examples, false, -1) : (Datum) 0;
	rt->rows = lappend(rt->rows, row);
	MemoryContextSwitchTo(old);
}

/* ---- Parsing: what may run, and what runs without CONCURRENTLY ---- */

/*
 * Why a statement cannot take part in a round trip, or NULL.  Refused:
 * what ends or splits the transaction, what cannot run in a transaction
 * block and has no in-block variant, and what leaves session or server
 * state that a rollback does not undo.
 */
static const char *
sg_rt_refusal(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_TransactionStmt:
			return "it controls the transaction the round trip runs in";
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd ?
				"VACUUM cannot run inside a transaction block" : NULL;
		case T_CreatedbStmt:
		case T_DropdbStmt:
			return "it cannot run inside a transaction block";
		case T_CreateTableSpaceStmt:
		case T_DropTableSpaceStmt:
			return "it cannot run inside a transaction block";
		case T_AlterSystemStmt:
			return "it writes postgresql.auto.conf, which a rollback does not restore";
		case T_CreateSubscriptionStmt:
		case T_AlterSubscriptionStmt:
		case T_DropSubscriptionStmt:
			return "it acts on a remote server, which a rollback does not restore";
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_NotifyStmt:
			return "notifications are not part of a migration's effect on the schema and data";
		case T_LoadStmt:
			return "a loaded library stays loaded after the rollback";
		case T_CopyStmt:
			return "COPY reads or writes outside the database, or needs a client";
		case T_PrepareStmt:
		case T_DeallocateStmt:
		case T_DiscardStmt:
			return "it changes session state, which a rollback does not restore";
		case T_CheckPointStmt:
			return "a checkpoint cannot be undone";
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) stmt;

				return r->kind == REINDEX_OBJECT_SYSTEM || r->kind == REINDEX_OBJECT_DATABASE ?
					"REINDEX SYSTEM and REINDEX DATABASE cannot run inside a transaction block" :
					NULL;
			}
		case T_ClusterStmt:
			return ((ClusterStmt *) stmt)->relation == NULL ?
				"CLUSTER without a table cannot run inside a transaction block" : NULL;
		default:
			return NULL;
	}
}

/*
 * The variant of a statement that runs in a transaction block, for those
 * that cannot run in one only because of CONCURRENTLY; NULL for the others.
 * *note says what the dry run leaves out.
 */
static Node *
sg_rt_plain_variant(Node *stmt, const char **note)
{
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
			{
				IndexStmt  *copy = copyObject((IndexStmt *) stmt);

				copy->concurrent = false;
				*note = "CREATE INDEX CONCURRENTLY ran as CREATE INDEX in the dry run";
				return (Node *) copy;
			}
			break;
		case T_DropStmt:
			if (((DropStmt *) stmt)->concurrent)
			{
				DropStmt   *copy = copyObject((DropStmt *) stmt);

				copy->concurrent = false;
				*note = "DROP INDEX CONCURRENTLY ran as DROP INDEX in the dry run";
				return (Node *) copy;
			}
			break;
		case T_ReindexStmt:
			if (SG_REINDEX_IS_CONCURRENT((ReindexStmt *) stmt))
			{
				ReindexStmt *copy = copyObject((ReindexStmt *) stmt);

				SG_REINDEX_SET_PLAIN(copy);
				*note = "REINDEX CONCURRENTLY ran as REINDEX in the dry run";
				return (Node *) copy;
			}
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *copy = NULL;
				ListCell   *lc;

				foreach(lc, ((AlterTableStmt *) stmt)->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_DetachPartition &&
						SG_DETACH_IS_CONCURRENT((PartitionCmd *) cmd->def))
						copy = copyObject((AlterTableStmt *) stmt);
				}
				if (copy == NULL)
					break;
				foreach(lc, copy->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_DetachPartition)
						SG_DETACH_SET_PLAIN((PartitionCmd *) cmd->def);
				}
				*note = "DETACH PARTITION CONCURRENTLY ran as DETACH PARTITION in the dry run";
				return (Node *) copy;
			}
		default:
			break;
	}
	return NULL;
}

/*
 * Run fn(arg) in an internal subtransaction of its own: NULL when it
 * succeeded (the subtransaction is released, or rolled back when
 * rollback), else its error, copied, with the subtransaction rolled back.
 * What to do with the error (a cancel above all) is the caller's.
 */
static ErrorData *
sg_rt_try(void (*fn) (void *arg), void *arg, bool rollback)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		if (rollback)
			RollbackAndReleaseCurrentSubTransaction();
		else
			ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return edata;
}

typedef struct SgRtParse
{
	const char *sql;
	List	   *raw;
} SgRtParse;

static void
sg_rt_raw_parse_cb(void *arg)
{
	SgRtParse  *p = arg;

	p->raw = SG_RAW_PARSER(p->sql);
}

/*
 * PostgreSQL's parser on a script.  A syntax error names the script and
 * the position in it: the caller's query holds no such position.
 */
static List *
sg_rt_raw_parse(const char *sql, const char *argname)
{
	SgRtParse	p = {sql, NIL};
	ErrorData  *edata = sg_rt_try(sg_rt_raw_parse_cb, &p, false);

	if (edata == NULL)
		return p.raw;
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	/* called from a SQL function, the position became an internal one */
	if (edata->cursorpos <= 0)
		edata->cursorpos = edata->internalpos;
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("%s in %s", edata->message, argname),
			 edata->cursorpos > 0 ?
			 errdetail("At character %d of %s.", edata->cursorpos, argname) : 0));
	return NIL;					/* keep the compiler quiet */
}

/*
 * The statements of a script, or an error naming the first one that
 * cannot take part in a round trip.  Nothing has run yet.
 */
static List *
sg_rt_parse(const char *sql, const char *argname)
{
	List	   *raw = sg_rt_raw_parse(sql, argname);
	List	   *stmts = NIL;
	ListCell   *lc;
	int			n = 0;

	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		SgRtStmt   *s = palloc0(sizeof(SgRtStmt));
		int			len = rs->stmt_len > 0 ? rs->stmt_len : (int) strlen(sql + rs->stmt_location);
		int			skipped = 0;
		const char *why;

		n++;
		s->sql = pnstrdup(sql + rs->stmt_location, len);
		s->raw = rs;
		/* what follows the previous statement's semicolon */
		while (isspace((unsigned char) s->sql[0]))
		{
			s->sql++;
			skipped++;
		}
		s->location = pg_mbstrlen_with_len(sql, rs->stmt_location + skipped) + 1;
		why = sg_rt_refusal(rs->stmt);
		if (why != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("roundtrip cannot run statement %d of %s", n, argname),
					 errdetail("The statement is: %s\nA round trip runs in a transaction that is always rolled back, and %s.",
							   s->sql, why),
					 errhint("Leave the statement out of the migration passed to the round trip.")));
		s->plain = sg_rt_plain_variant(rs->stmt, &s->plain_note);
		if (s->plain != NULL)
		{
			RawStmt    *copy = makeNode(RawStmt);

			copy->stmt = s->plain;
			copy->stmt_location = rs->stmt_location;
			copy->stmt_len = rs->stmt_len;
			s->plain = (Node *) copy;
		}
		stmts = lappend(stmts, s);
	}
	return stmts;
}

#if PG_VERSION_NUM >= 140000
/* A DefElem list without the option of that name (SG_REINDEX_SET_PLAIN). */
List *
sg_defelem_list_without(List *options, const char *name)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, options)
	{
		if (strcmp(lfirst_node(DefElem, lc)->defname, name) != 0)
			result = lappend(result, lfirst(lc));
	}
	return result;
}
#endif

/* ---- Running a script ---- */

/*
 * The comparison calls schema_guard's functions: a statement that drops
 * the extension (or re-creates it) or renames its schema fails, as a row
 * of the report, rather than the comparison with an unclear error.
 */
static void
sg_rt_check_extension(SgRt *rt)
{
	Oid			ext = get_extension_oid(SG_EXTENSION_NAME, true);

	if (ext != rt->extoid || get_namespace_oid(SG_SCHEMA_NAME, true) != rt->extnsp)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the statement drops or renames the extension %s or its schema, which the round trip needs to compare",
						SG_EXTENSION_NAME)));
}

/* Run a CONCURRENTLY statement's plain variant, as SPI would run it. */
static void
sg_rt_run_plain(const char *sql, RawStmt *rs)
{
	PlannedStmt *ps = makeNode(PlannedStmt);

	ps->commandType = CMD_UTILITY;
	ps->canSetTag = true;
	ps->utilityStmt = rs->stmt;
	ps->stmt_location = rs->stmt_location;
	ps->stmt_len = rs->stmt_len;
	PushActiveSnapshot(GetTransactionSnapshot());
	SG_PROCESS_UTILITY_CALL(ps, sql, PROCESS_UTILITY_QUERY, None_Receiver);
	PopActiveSnapshot();
	CommandCounterIncrement();
}

/* Run one statement of a script: as written, or its plain variant. */
static void
sg_rt_exec(const char *sql, SgRtStmt *s)
{
	int			rc;

	if (s->plain != NULL)
	{
		sg_rt_run_plain(sql, (RawStmt *) copyObject(s->plain));
		return;
	}
	rc = SPI_execute(s->sql, false, 0);
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the statement cannot run in a round trip: %s",
						SPI_result_code_string(rc))));
}

static void sg_rt_add_failure(SgRt *rt, const char *phase, const char *sql,
							  List *stmts, int n, SgRtStmt *failed,
							  ErrorData *edata);

typedef struct SgRtScript
{
	SgRt	   *rt;
	const char *phase;
	const char *sql;
	List	   *stmts;
	int			n;				/* the statement running */
	SgRtStmt   *current;
} SgRtScript;

static void
sg_rt_run_script_cb(void *arg)
{
	SgRtScript *sc = arg;
	ListCell   *lc;

	foreach(lc, sc->stmts)
	{
		SgRtStmt   *s = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		sc->n++;
		sc->current = s;
		sg_rt_exec(sc->sql, s);
		if (s->plain != NULL)
			sg_rt_add(sc->rt, sc->phase, "statement", psprintf("statement %d", sc->n),
					  "ran_not_concurrently",
					  psprintf("%s: %s", s->plain_note, s->sql), -1, (Datum) 0);
		sg_rt_check_extension(sc->rt);
	}
}

/*
 * Run one script in a subtransaction of its own.  A failure is a row of
 * the report (the statement and its error) and rolls the script back; a
 * cancel is raised.
 */
static bool
sg_rt_run_script(SgRt *rt, const char *phase, const char *sql, List *stmts)
{
	SgRtScript	sc = {rt, phase, sql, stmts, 0, NULL};
	ErrorData  *edata = sg_rt_try(sg_rt_run_script_cb, &sc, false);

	if (edata == NULL)
		return true;
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	sg_rt_add_failure(rt, phase, sql, stmts, sc.n, sc.current, edata);
	return false;
}

/* ---- Internal queries: as the caller, pinned settings, TimeZone too ---- */

/*
 * Run an internal query; the rows stay in SPI_tuptable.  Never read-only:
 * that would reuse the caller's snapshot, taken before up ran.
 */
static void
sg_rt_query(const char *query, int nargs, Oid *argtypes, Datum *args,
			const char *nulls)
{
	Oid			saved_user;
	int			saved_context;
	int			nest = NewGUCNestLevel();
	int			rc;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(sg_rt_caller, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	(void) set_config_option("TimeZone", "UTC", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) sg_pin_settings(true);
	rc = SPI_execute_with_args(query, nargs, argtypes, args, nulls, false, 0);
	AtEOXact_GUC(true, nest);
	SetUserIdAndSecContext(saved_user, saved_context);
	if (rc < 0)
		elog(ERROR, "round trip query failed: %s: %s", SPI_result_code_string(rc), query);
}

static char *
sg_rt_getstr(uint64 row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* A jsonb or text datum from one row of one column. */
static Datum
sg_rt_getdatum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/* ---- Sequences ---- */

/* A sequence's state before the run. */
typedef struct SgRtSeq
{
	Oid			relid;
	char	   *ident;
	char	   *last_value;
	bool		is_called;
} SgRtSeq;

/*
 * Lock and read every sequence the caller may use (SELECT, USAGE or
 * UPDATE) or owns: nextval() and setval() are not rolled back.  The SHARE
 * lock, held to the end of the caller's transaction, keeps other sessions
 * from drawing values that restoring would hand out again.  The states are
 * read as the extension owner, whatever the caller may read.
 */
static List *
sg_rt_save_sequences(void)
{
	List	   *seqs = NIL;
	MemoryContext cxt = CurrentMemoryContext;
	SgSpi		spi;
	ListCell   *lc;

	sg_rt_query("SELECT c.oid, c.oid::regclass::text FROM pg_class c\n"
				" WHERE c.relkind = 'S'\n"
				"   AND (c.relpersistence <> 't' OR c.relnamespace = pg_my_temp_schema())\n"
				"   AND (has_sequence_privilege(c.oid, 'SELECT, USAGE, UPDATE')\n"
				"        OR pg_has_role(c.relowner, 'USAGE'))\n"
				" ORDER BY c.oid",
				0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		SgRtSeq    *s = palloc0(sizeof(SgRtSeq));
		bool		isnull;

		s->relid = DatumGetObjectId(sg_rt_getdatum(i, 1, &isnull));
		s->ident = sg_rt_getstr(i, 2);
		seqs = lappend(seqs, s);
	}
	foreach(lc, seqs)
	{
		SgRtSeq    *s = lfirst(lc);

		if (!ConditionalLockRelationOid(s->relid, ShareLock))
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("roundtrip cannot lock sequence %s", s->ident),
					 errdetail("Another transaction is drawing values from it; a round trip sets every sequence back to its state before the run, and keeps other sessions from drawing values meanwhile."),
					 errhint("Run the round trip where no other session uses the sequences, such as a development or CI database.")));
	}
	sg_spi_connect(&spi, true);
	foreach(lc, seqs)
	{
		SgRtSeq    *s = lfirst(lc);

		if (SPI_execute(psprintf("SELECT last_value::text, is_called FROM %s", s->ident),
						true, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read sequence %s", s->ident);
		s->last_value = MemoryContextStrdup(cxt, sg_rt_getstr(0, 1));
		s->is_called = strcmp(sg_rt_getstr(0, 2), "t") == 0;
	}
	sg_spi_finish(&spi);
	return seqs;
}

/* After the rollback: set back every sequence the run moved. */
static void
sg_rt_restore_sequences(List *seqs)
{
	SgSpi		spi;
	ListCell   *lc;

	if (seqs == NIL)
		return;
	sg_spi_connect(&spi, true);
	foreach(lc, seqs)
	{
		SgRtSeq    *s = lfirst(lc);

		if (SPI_execute(psprintf("SELECT last_value::text, is_called FROM %s", s->ident),
						true, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read sequence %s", s->ident);
		if (strcmp(sg_rt_getstr(0, 1), s->last_value) == 0 &&
			(strcmp(sg_rt_getstr(0, 2), "t") == 0) == s->is_called)
			continue;
		if (SPI_execute(psprintf("SELECT setval(%s, %s, %s)",
								 quote_literal_cstr(s->ident), s->last_value,
								 s->is_called ? "true" : "false"),
						false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not restore sequence %s", s->ident);
	}
	sg_spi_finish(&spi);
}

/* ---- Session-level advisory locks: a rollback does not release them ---- */

/* This session's advisory locks, and what names one of them. */
#define SG_RT_MY_ADVISORY_LOCKS \
	" FROM pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid()" \
	" AND l.granted"
#define SG_RT_LOCK_NAME "format('%s %s %s %s', l.classid, l.objid, l.objsubid, l.mode)"

/* The advisory locks this session holds, as "classid objid objsubid mode". */
static Datum
sg_rt_advisory_locks(void)
{
	bool		isnull;

	sg_rt_query("SELECT coalesce(array_agg(" SG_RT_LOCK_NAME "), '{}')"
				SG_RT_MY_ADVISORY_LOCKS, 0, NULL, NULL, NULL);
	return SPI_datumTransfer(sg_rt_getdatum(0, 1, &isnull), false, -1);
}

/*
 * After the rollback: release the advisory locks up or down took at
 * session level (those at transaction level went with the rollback), and
 * say so.  A lock the session already held before is left alone.
 */
static void
sg_rt_release_advisory_locks(SgRt *rt, Datum before)
{
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		args[1] = {before};
	List	   *locks = NIL;
	ListCell   *lc;

	/* the key as the unlock functions take it: one bigint or two ints */
	sg_rt_query("SELECT " SG_RT_LOCK_NAME ",\n"
				"       CASE l.objsubid WHEN 1 THEN (l.classid::bigint << 32 | l.objid::bigint)::text\n"
				"            ELSE l.classid::bigint::bit(32)::int || ', '\n"
				"                 || l.objid::bigint::bit(32)::int END,\n"
				"       CASE l.mode WHEN 'ShareLock' THEN 'pg_advisory_unlock_shared'\n"
				"            ELSE 'pg_advisory_unlock' END"
				SG_RT_MY_ADVISORY_LOCKS " AND " SG_RT_LOCK_NAME " <> ALL ($1)"
				" ORDER BY l.classid, l.objid, l.objsubid, l.mode",
				1, argtypes, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
		locks = lappend(locks, list_make3(sg_rt_getstr(i, 1), sg_rt_getstr(i, 2),
										  sg_rt_getstr(i, 3)));
	foreach(lc, locks)
	{
		List	   *lock = lfirst(lc);
		Oid			ktype[1] = {TEXTOID};
		Datum		k[1] = {CStringGetTextDatum(linitial(lock))};
		char	   *unlock = psprintf("SELECT CASE WHEN EXISTS (SELECT"
									  SG_RT_MY_ADVISORY_LOCKS " AND %s = $1)"
									  " THEN pg_catalog.%s(%s) END", SG_RT_LOCK_NAME,
									  (char *) lthird(lock), (char *) lsecond(lock));
		int64		n = 0;
		char	   *released;

		/* taken n times, released n times, while it is held */
		for (;;)
		{
			CHECK_FOR_INTERRUPTS();
			sg_rt_query(unlock, 1, ktype, k, NULL);
			released = sg_rt_getstr(0, 1);
			if (released == NULL || strcmp(released, "t") != 0)
				break;
			n++;
		}
		sg_rt_add(rt, "round trip", "advisory lock", lsecond(lock), "released",
				  "up or down took this session-level advisory lock, which a rollback does not release: the round trip released it",
				  n, (Datum) 0);
	}
}

/* ---- Data: copies before, comparison after ---- */

/* The columns of a relation, in order, with their non-volatile defaults. */
static SgRtCol *
sg_rt_columns(Oid relid, int *ncols)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	SgRtCol    *cols;

	sg_rt_query("SELECT a.attname::text, a.atttypid, t.typcategory::text,\n"
				"       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,\n"
				"       CASE WHEN a.attgenerated = '' THEN d.adbin::text END\n"
				"  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid\n"
				"  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum\n"
				" WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped\n"
				" ORDER BY a.attnum",
				1, argtypes, args, NULL);
	*ncols = (int) SPI_processed;
	cols = palloc0(sizeof(SgRtCol) * Max(*ncols, 1));
	for (int i = 0; i < *ncols; i++)
	{
		bool		isnull;
		char	   *adbin = sg_rt_getstr(i, 5);

		cols[i].name = sg_rt_getstr(i, 1);
		cols[i].typid = getBaseType(DatumGetObjectId(sg_rt_getdatum(i, 2, &isnull)));
		cols[i].category = sg_rt_getstr(i, 3)[0];
		if (adbin != NULL && !contain_volatile_functions(stringToNode(adbin)))
			cols[i].defexpr = sg_rt_getstr(i, 4);
	}
	return cols;
}

/* The primary key's column names, in key order; NIL without one. */
static List *
sg_rt_primary_key(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	List	   *key = NIL;

	sg_rt_query("SELECT a.attname::text\n"
				"  FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n),\n"
				"       pg_attribute a\n"
				" WHERE i.indrelid = $1 AND i.indisprimary\n"
				"   AND a.attrelid = i.indrelid AND a.attnum = k.attnum\n"
				" ORDER BY k.n",
				1, argtypes, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
		key = lappend(key, sg_rt_getstr(i, 1));
	return key;
}

/* The OID of a relation named by its identity, or InvalidOid. */
static Oid
sg_rt_lookup(const char *ident)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(ident)};
	bool		isnull;
	Datum		d;

	sg_rt_query("SELECT to_regclass($1)::oid", 1, argtypes, args, NULL);
	d = sg_rt_getdatum(0, 1, &isnull);
	return isnull ? InvalidOid : DatumGetObjectId(d);
}

/* data_fingerprint() of a relation, as text. */
static char *
sg_rt_data_fingerprint(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};

	sg_rt_query("SELECT schema_guard.data_fingerprint($1::regclass)::text",
				1, argtypes, args, NULL);
	return sg_rt_getstr(0, 1);
}

/*
 * A temporary table's name, "pg_temp.base" or, when the session already
 * has a relation of that name, "pg_temp.base_2" and so on.
 */
static char *
sg_rt_temp_name(const char *base)
{
	char	   *name = psprintf("pg_temp.%s", base);

	for (int i = 2; OidIsValid(sg_rt_lookup(name)); i++)
		name = psprintf("pg_temp.%s_%d", base, i);
	return name;
}

/* "key" as text: one column's text, or the row of the key's columns. */
static void
sg_rt_append_key(StringInfo q, List *key)
{
	ListCell   *lc;

	if (key == NIL)
	{
		appendStringInfoString(q, "NULL::text");
		return;
	}
	if (list_length(key) == 1)
	{
		appendStringInfo(q, "%s::text", quote_identifier(linitial(key)));
		return;
	}
	appendStringInfoString(q, "ROW(");
	foreach(lc, key)
		appendStringInfo(q, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(lfirst(lc)));
	appendStringInfoString(q, ")::text");
}

/*
 * Copy a table's rows before up: its key and every column as text (no
 * dependency on the table's types, which up may drop), and its data
 * fingerprint, which spares the comparison when nothing changed.
 */
static SgRtTable *
sg_rt_copy_table(SgRt *rt, const char *ident, int n)
{
	SgRtTable  *t = palloc0(sizeof(SgRtTable));
	Oid			relid = sg_rt_lookup(ident);
	StringInfoData q;

	t->ident = pstrdup(ident);
	if (!OidIsValid(relid))
		elog(ERROR, "table %s of the fingerprint does not exist", ident);
	t->cols = sg_rt_columns(relid, &t->ncols);
	t->key = sg_rt_primary_key(relid);
	t->fingerprint = sg_rt_data_fingerprint(relid);
	t->copy = sg_rt_temp_name(psprintf("sg_roundtrip_%d", n));
	initStringInfo(&q);
	appendStringInfo(&q, "CREATE TEMPORARY TABLE %s AS SELECT ", t->copy);
	sg_rt_append_key(&q, t->key);
	appendStringInfoString(&q, " AS k");
	for (int i = 0; i < t->ncols; i++)
		appendStringInfo(&q, ", %s::text AS v%d", quote_identifier(t->cols[i].name), i);
	appendStringInfo(&q, " FROM ONLY %s", ident);
	sg_rt_query(q.data, 0, NULL, NULL, NULL);
	return t;
}

/* Add a row per result row of a query giving (kind, count, examples). */
static void
sg_rt_add_counts(SgRt *rt, const char *query, const char *object_type,
				 const char *ident, const char *detail)
{
	sg_rt_query(query, 0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		char	   *kind = sg_rt_getstr(i, 1);
		int64		count = DatumGetInt64(sg_rt_getdatum(i, 2, &isnull));
		Datum		examples = sg_rt_getdatum(i, 3, &isnull);

		sg_rt_add(rt, "round trip", object_type, ident, kind, detail, count,
				  isnull ? (Datum) 0 : examples);
	}
}

/*
 * The likely cause of a changed value, as a CASE over b.vB (before) and
 * a.vA (after), both text: tried from the most to the least specific.
 */
static void
sg_rt_append_cause(StringInfo q, SgRt *rt, const SgRtCol *bc, int bi,
				   const SgRtCol *ac, int ai)
{
	char	   *b = psprintf("b.v%d", bi);
	char	   *a = psprintf("a.v%d", ai);
	const char *iso = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}'";
	const char *num = "'^-?[0-9]+(\\.[0-9]+)?$'";

	appendStringInfo(q, "CASE WHEN %s IS NULL THEN 'set_to_null'", a);
	if (ac->defexpr != NULL)
		appendStringInfo(q, " WHEN %s = (%s)::text THEN 'set_to_default'", a, ac->defexpr);
	appendStringInfo(q, " WHEN %s IS NULL THEN 'changed'", b);
	if (bc->category == TYPCATEGORY_STRING)
		appendStringInfo(q, " WHEN length(%s) < length(%s) AND left(%s, length(%s)) = %s"
						 " THEN 'truncated'", a, b, b, a, a);
	if (bc->category == TYPCATEGORY_NUMERIC)
		appendStringInfo(q, " WHEN %s ~ %s AND %s ~ %s"
						 " AND round(%s::numeric, scale(trim_scale(%s::numeric))) = %s::numeric"
						 " THEN 'rounded'", b, num, a, num, b, a, a);
	if (bc->typid == TIMESTAMPOID || bc->typid == TIMESTAMPTZOID)
	{
		const char *type = "timestamp";
		char	   *local = "";

		if (bc->typid == TIMESTAMPTZOID)
		{
			type = "timestamptz";
			local = psprintf(" AT TIME ZONE %s", quote_literal_cstr(rt->timezone));
		}

		appendStringInfo(q, " WHEN %s ~ %s AND %s ~ %s THEN CASE"
						 " WHEN date_trunc('day', %s::%s%s) = %s::%s%s THEN 'time_of_day_lost'"
						 " WHEN abs(extract(epoch FROM %s::%s - %s::%s)) <= 57600"
						 " AND extract(epoch FROM %s::%s - %s::%s)::numeric %% 900 = 0"
						 " THEN 'time_zone_shifted' ELSE 'changed' END",
						 b, iso, a, iso, b, type, local, a, type, local,
						 a, type, b, type, a, type, b, type);
	}
	if (bc->category == TYPCATEGORY_ENUM)
		appendStringInfoString(q, " WHEN true THEN 'enum_value_collapsed'");
	if ((bc->typid == JSONOID || bc->typid == JSONBOID) &&
		(ac->typid == JSONOID || ac->typid == JSONBOID))
		appendStringInfo(q, " WHEN %s::jsonb = %s::jsonb THEN 'json_normalized'", b, a);
	appendStringInfoString(q, " ELSE 'changed' END");
}

static bool
sg_rt_in_key(List *key, const char *name)
{
	ListCell   *lc;

	foreach(lc, key)
	{
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	}
	return false;
}

/*
 * A copied row as text: ROW(v0, v1, ...)::text of the columns that exist
 * after down (map[i] >= 0), or of all with map NULL.
 */
static char *
sg_rt_row_expr(SgRtTable *t, const int *map)
{
	StringInfoData r;
	bool		any = false;

	initStringInfo(&r);
	appendStringInfoString(&r, "ROW(");
	for (int i = 0; i < t->ncols; i++)
		if (map == NULL || map[i] >= 0)
		{
			appendStringInfo(&r, "%sv%d", any ? ", " : "", i);
			any = true;
		}
	appendStringInfoString(&r, any ? ")::text" : "NULL)::text");
	return r.data;
}

/* Compare a table's rows after down with its copy. */
static void
sg_rt_compare_table(SgRt *rt, SgRtTable *t, int n)
{
	Oid			relid = sg_rt_lookup(t->ident);
	SgRtCol    *acols;
	int			nacols;
	int		   *map;
	bool		keyed;
	char	   *after;
	StringInfoData q;

	if (!OidIsValid(relid))
	{
		char	   *r = t->key ? "b.k" : sg_rt_row_expr(t, NULL);

		initStringInfo(&q);
		appendStringInfo(&q, "SELECT 'rows_lost', n, array_agg(r ORDER BY r COLLATE \"C\")"
						 " FROM (SELECT %s AS r, count(*) OVER () AS n FROM %s b"
						 " ORDER BY %s COLLATE \"C\" LIMIT 3) s GROUP BY n",
						 r, t->copy, r);
		sg_rt_add_counts(rt, q.data, "table", t->ident,
						 "the table does not exist after down");
		return;
	}
	if (strcmp(sg_rt_data_fingerprint(relid), t->fingerprint) == 0)
		return;

	/* the columns of the copy that exist after, by name */
	acols = sg_rt_columns(relid, &nacols);
	map = palloc(sizeof(int) * Max(t->ncols, 1));
	for (int i = 0; i < t->ncols; i++)
	{
		map[i] = -1;
		for (int j = 0; j < nacols; j++)
			if (strcmp(t->cols[i].name, acols[j].name) == 0)
				map[i] = j;
	}
	keyed = t->key != NIL;
	for (int i = 0; i < t->ncols; i++)
		if (map[i] < 0 && sg_rt_in_key(t->key, t->cols[i].name))
			keyed = false;

	after = sg_rt_temp_name(psprintf("sg_roundtrip_%d_after", n));
	initStringInfo(&q);
	appendStringInfo(&q, "CREATE TEMPORARY TABLE %s AS SELECT ", after);
	sg_rt_append_key(&q, keyed ? t->key : NIL);
	appendStringInfoString(&q, " AS k");
	for (int i = 0; i < t->ncols; i++)
		if (map[i] >= 0)
			appendStringInfo(&q, ", %s::text AS v%d", quote_identifier(t->cols[i].name), i);
	appendStringInfo(&q, " FROM ONLY %s", t->ident);
	sg_rt_query(q.data, 0, NULL, NULL, NULL);

	if (keyed)
	{
		/* rows by key, then values by column */
		resetStringInfo(&q);
		appendStringInfo(&q,
						 "SELECT 'rows_lost', n, array_agg(k ORDER BY k COLLATE \"C\")"
						 "  FROM (SELECT b.k, count(*) OVER () AS n FROM %s b"
						 "         WHERE NOT EXISTS (SELECT FROM %s a WHERE a.k = b.k)"
						 "         ORDER BY b.k COLLATE \"C\" LIMIT 3) s GROUP BY n\n"
						 "UNION ALL\n"
						 "SELECT 'rows_added', n, array_agg(k ORDER BY k COLLATE \"C\")"
						 "  FROM (SELECT a.k, count(*) OVER () AS n FROM %s a"
						 "         WHERE NOT EXISTS (SELECT FROM %s b WHERE a.k = b.k)"
						 "         ORDER BY a.k COLLATE \"C\" LIMIT 3) s GROUP BY n",
						 t->copy, after, after, t->copy);
		sg_rt_add_counts(rt, q.data, "table", t->ident, NULL);

		for (int i = 0; i < t->ncols; i++)
		{
			char	   *colident = psprintf("%s.%s", t->ident,
											quote_identifier(t->cols[i].name));

			CHECK_FOR_INTERRUPTS();
			if (sg_rt_in_key(t->key, t->cols[i].name))
				continue;
			resetStringInfo(&q);
			if (map[i] < 0)
			{
				appendStringInfo(&q,
								 "SELECT 'values_lost', n, array_agg(k ORDER BY k COLLATE \"C\")"
								 "  FROM (SELECT b.k, count(*) OVER () AS n FROM %s b"
								 "         WHERE b.v%d IS NOT NULL"
								 "         ORDER BY b.k COLLATE \"C\" LIMIT 3) s GROUP BY n",
								 t->copy, i);
				sg_rt_add_counts(rt, q.data, "column", colident,
								 "the column does not exist after down");
				continue;
			}
			appendStringInfoString(&q, "SELECT cause, n, array_agg(k ORDER BY k COLLATE \"C\")"
								   "  FROM (SELECT b.k, c.cause,"
								   "               count(*) OVER (PARTITION BY c.cause) AS n,"
								   "               row_number() OVER (PARTITION BY c.cause"
								   "                                  ORDER BY b.k COLLATE \"C\") AS r");
			appendStringInfo(&q, " FROM %s b JOIN %s a ON a.k = b.k,"
							 " LATERAL (SELECT ", t->copy, after);
			sg_rt_append_cause(&q, rt, &t->cols[i], i, &acols[map[i]], i);
			appendStringInfo(&q, " AS cause) c WHERE b.v%d IS DISTINCT FROM a.v%d) s"
							 " WHERE r <= 3 GROUP BY cause, n ORDER BY cause", i, i);
			sg_rt_add_counts(rt, q.data, "column", colident, NULL);
		}
		return;
	}

	/* without a key: rows as a multiset of the columns both sides have */
	{
		char	   *r = sg_rt_row_expr(t, map);

		resetStringInfo(&q);
		appendStringInfo(&q,
						 "WITH d AS (SELECT r, coalesce(nb, 0) AS nb, coalesce(na, 0) AS na\n"
						 "             FROM (SELECT %s AS r, count(*) AS nb FROM %s GROUP BY 1) x\n"
						 "             FULL JOIN (SELECT %s AS r, count(*) AS na FROM %s GROUP BY 1) y\n"
						 "             USING (r) WHERE nb IS DISTINCT FROM na)\n"
						 "SELECT kind, n, ex FROM (\n"
						 "  SELECT 'rows_lost' AS kind, sum(nb - na)::bigint AS n,\n"
						 "         (array_agg(r ORDER BY r COLLATE \"C\"))[1:3] AS ex\n"
						 "    FROM d WHERE nb > na\n"
						 "  UNION ALL\n"
						 "  SELECT 'rows_added', sum(na - nb)::bigint,\n"
						 "         (array_agg(r ORDER BY r COLLATE \"C\"))[1:3]\n"
						 "    FROM d WHERE na > nb) s WHERE n > 0",
						 r, t->copy, r, after);
		sg_rt_add_counts(rt, q.data, "table", t->ident,
						 "the table has no primary key: rows are compared whole");
		for (int i = 0; i < t->ncols; i++)
		{
			if (map[i] >= 0)
				continue;
			resetStringInfo(&q);
			appendStringInfo(&q,
							 "SELECT 'values_lost', count(*), NULL::text[] FROM %s"
							 " WHERE v%d IS NOT NULL HAVING count(*) > 0", t->copy, i);
			sg_rt_add_counts(rt, q.data, "column",
							 psprintf("%s.%s", t->ident, quote_identifier(t->cols[i].name)),
							 "the column does not exist after down");
		}
	}
}

/* ---- Schema ---- */

static Datum
sg_rt_schema_fingerprint(Datum schemas, bool schemas_null)
{
	Oid			argtypes[1] = {NAMEARRAYOID};
	Datum		args[1] = {schemas};
	bool		isnull;

	sg_rt_query("SELECT schema_guard.schema_fingerprint($1)", 1, argtypes, args,
				schemas_null ? "n" : " ");
	return SPI_datumTransfer(sg_rt_getdatum(0, 1, &isnull), false, -1);
}

/*
 * The schema's differences: schema_diff(), except that a sequence's state
 * is its own row (advanced or reset), not a changed definition.
 */
static void
sg_rt_schema_rows(SgRt *rt, Datum before, Datum after)
{
	Oid			argtypes[2] = {JSONBOID, JSONBOID};
	Datum		args[2] = {before, after};

	sg_rt_query("SELECT * FROM (\n"
				"SELECT d.object_type, d.object_identity, d.kind,\n"
				"       CASE d.kind\n"
				"         WHEN 'missing' THEN 'down did not restore it: ' || d.before::text\n"
				"         WHEN 'extra' THEN 'down did not drop it: ' || d.after::text\n"
				"         WHEN 'renamed' THEN 'restored as ' || (d.after->>'identity')\n"
				"         ELSE 'before: ' || d.before::text || ', after: ' || d.after::text END\n"
				"  FROM schema_guard.schema_diff($1, $2) d\n"
				" WHERE NOT (d.object_type = 'sequence' AND d.kind = 'changed_definition'\n"
				"            AND d.before - 'last_value' = '{}' AND d.after - 'last_value' = '{}')\n"
				"UNION ALL\n"
				"SELECT 'sequence', b.key,\n"
				"       CASE WHEN (a.value->>'last_value')::numeric > (b.value->>'last_value')::numeric\n"
				"              OR (b.value->'last_value' IS NULL)\n"
				"            THEN 'sequence_advanced' ELSE 'sequence_reset' END,\n"
				"       format('last value %s before, %s after',\n"
				"              coalesce(b.value->>'last_value', 'none'),\n"
				"              coalesce(a.value->>'last_value', 'none'))\n"
				"  FROM jsonb_each($1->'objects'->'sequence') b\n"
				"  JOIN jsonb_each($2->'objects'->'sequence') a USING (key)\n"
				" WHERE b.value->'last_value' IS DISTINCT FROM a.value->'last_value'\n"
				") u(object_type, object_identity, kind, detail)\n"
				" ORDER BY object_type COLLATE \"C\", object_identity COLLATE \"C\",\n"
				"          kind COLLATE \"C\"",
				2, argtypes, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		sg_rt_add(rt, "round trip", sg_rt_getstr(i, 1), sg_rt_getstr(i, 2), sg_rt_getstr(i, 3),
				  sg_rt_getstr(i, 4), -1, (Datum) 0);
	}
}

/* The tables of a fingerprint whose rows are compared, by identity. */
static List *
sg_rt_tables(Datum fingerprint)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1] = {fingerprint};
	List	   *tables = NIL;

	sg_rt_query("SELECT t.key, has_table_privilege(t.key::regclass, 'SELECT')\n"
				"  FROM jsonb_each($1->'objects'->'table') t\n"
				" WHERE t.value->>'kind' = 'table'\n"
				" ORDER BY t.key COLLATE \"C\"",
				1, argtypes, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *ident = sg_rt_getstr(i, 1);

		tables = lappend(tables, list_make2(ident, sg_rt_getstr(i, 2)));
	}
	return tables;
}

/*
 * fill_schema() after the seed rows, as a script of one statement: its
 * failure is a row of the report, and so is every table that did not get
 * all its rows (not_made, with fill's note).
 */
static bool
sg_rt_fill(SgRt *rt, int rows, Datum schemas, bool schemas_null)
{
	SgRtStmt   *s = palloc0(sizeof(SgRtStmt));

	/* the caller's search_path: the identity is spelled out */
	s->sql = psprintf("SELECT pg_catalog.format('%%I.%%I', n.nspname, c.relname),"
					  " f.not_made, f.note"
					  " FROM schema_guard.fill_schema(%d, %s) f"
					  " JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) f.tbl"
					  " JOIN pg_catalog.pg_namespace n"
					  " ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
					  " WHERE f.not_made OPERATOR(pg_catalog.>) 0", rows,
					  schemas_null ? "NULL" :
					  psprintf("%s::pg_catalog.name[]",
							   quote_literal_cstr(OidOutputFunctionCall(F_ARRAY_OUT, schemas))));
	if (!sg_rt_run_script(rt, "fill", s->sql, list_make1(s)))
		return false;
	/* the released subtransaction leaves its last result in SPI_tuptable */
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		sg_rt_add(rt, "fill", "table", sg_rt_getstr(i, 1), "not_filled",
				  sg_rt_getstr(i, 3),
				  DatumGetInt64(sg_rt_getdatum(i, 2, &isnull)), (Datum) 0);
	}
	return true;
}

/* ---- up failing on the filled data ---- */

/* A relation's identity, schema-qualified; NULL when it does not exist. */
static char *
sg_rt_relation_ident(Oid relid)
{
	char	   *nsp;
	char	   *rel;

	if (!OidIsValid(relid))
		return NULL;
	nsp = get_namespace_name(get_rel_namespace(relid));
	rel = get_rel_name(relid);
	return nsp && rel ? quote_qualified_identifier(nsp, rel) : NULL;
}

/* The foreign key a failing ALTER TABLE adds, the error's if it names one. */
static Constraint *
sg_rt_failed_foreign_key(Node *stmt, ErrorData *edata)
{
	ListCell   *lc;

	if (!IsA(stmt, AlterTableStmt))
		return NULL;
	foreach(lc, ((AlterTableStmt *) stmt)->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		Constraint *c = (Constraint *) cmd->def;

		if (cmd->subtype == AT_AddConstraint && c != NULL && IsA(c, Constraint) &&
			c->contype == CONSTR_FOREIGN &&
			(edata->constraint_name == NULL || c->conname == NULL ||
			 strcmp(c->conname, edata->constraint_name) == 0))
			return c;
	}
	return NULL;
}

/* A failing ALTER TABLE's column type changes alone, on another relation. */
static RawStmt *
sg_rt_type_changes_on(RawStmt *raw, RangeVar *rel)
{
	AlterTableStmt *alter;
	List	   *cmds = NIL;
	ListCell   *lc;
	RawStmt    *copy;

	if (!IsA(raw->stmt, AlterTableStmt))
		return NULL;
	alter = copyObject((AlterTableStmt *) raw->stmt);
	foreach(lc, alter->cmds)
	{
		if (lfirst_node(AlterTableCmd, lc)->subtype == AT_AlterColumnType)
			cmds = lappend(cmds, lfirst(lc));
	}
	if (cmds == NIL)
		return NULL;
	alter->cmds = cmds;
	alter->relation = rel;
	copy = makeNode(RawStmt);
	copy->stmt = (Node *) alter;
	copy->stmt_location = raw->stmt_location;
	copy->stmt_len = raw->stmt_len;
	return copy;
}

/* A row copied into the empty copy of its table, and the type changes run. */
typedef struct SgRtRowTry
{
	const char *sql;			/* up */
	RawStmt    *change;
	const char *copy;
	const char *ident;
	const char *ctid;
} SgRtRowTry;

static void
sg_rt_fails_on_row_cb(void *arg)
{
	SgRtRowTry *t = arg;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(t->ctid)};

	sg_rt_query(psprintf("INSERT INTO %s SELECT * FROM ONLY %s WHERE ctid = $1::tid",
						 t->copy, t->ident), 1, argtypes, args, NULL);
	sg_rt_run_plain(t->sql, copyObject(t->change));
}

/*
 * Whether the type changes fail with that error on one row alone: the row,
 * copied into an empty copy of its table, in a subtransaction rolled back.
 */
static bool
sg_rt_fails_on_row(SgRtRowTry *t, int sqlerrcode)
{
	ErrorData  *edata = sg_rt_try(sg_rt_fails_on_row_cb, t, true);

	if (edata != NULL && edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	return edata != NULL && edata->sqlerrcode == sqlerrcode;
}

/* At most this many rows are tried one by one for a failing type change. */
#define SG_RT_ROWS_TRIED 1000

/*
 * A row the failing statement of up fails on, as "table row", or NULL;
 * the statements before it have run again.  A foreign key: a row whose
 * key has no match; a NOT NULL: a row with the column NULL; a type change
 * (a cast meeting a value it cannot read): the first row on which the
 * change alone fails; otherwise the first row of the table the error or
 * the statement names.
 */
static char *
sg_rt_find_example(const char *sql, SgRtStmt *failed, ErrorData *edata)
{
	Node	   *stmt = failed->raw->stmt;
	Oid			relid = InvalidOid;
	char	   *ident;
	Constraint *fk;
	RawStmt    *change;
	StringInfoData q;

	if (edata->table_name != NULL && edata->schema_name != NULL)
		relid = get_relname_relid(edata->table_name,
								  get_namespace_oid(edata->schema_name, true));
	else if (IsA(stmt, AlterTableStmt))
		relid = RangeVarGetRelid(((AlterTableStmt *) stmt)->relation, NoLock, true);
	ident = sg_rt_relation_ident(relid);
	if (ident == NULL || pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return NULL;

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s || ' ' || sg_rt_example::text FROM ONLY %s sg_rt_example",
					 quote_literal_cstr(ident), ident);
	fk = sg_rt_failed_foreign_key(stmt, edata);
	change = sg_rt_type_changes_on(failed->raw, makeRangeVar("pg_temp", "sg_roundtrip_example", -1));
	if (fk != NULL && edata->sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION)
	{
		Oid			pkrelid = RangeVarGetRelid(fk->pktable, NoLock, true);
		char	   *pkident = sg_rt_relation_ident(pkrelid);
		List	   *pkcols = fk->pk_attrs;
		ListCell   *f;
		ListCell   *p;

		if (pkident == NULL)
			return NULL;
		if (pkcols == NIL)
		{
			pkcols = NIL;
			foreach(p, sg_rt_primary_key(pkrelid))
				pkcols = lappend(pkcols, makeString(lfirst(p)));
		}
		if (list_length(pkcols) != list_length(fk->fk_attrs))
			return NULL;
		appendStringInfoString(&q, " WHERE ");
		foreach(f, fk->fk_attrs)
			appendStringInfo(&q, "sg_rt_example.%s IS NOT NULL AND ",
							 quote_identifier(strVal(lfirst(f))));
		appendStringInfo(&q, "NOT EXISTS (SELECT FROM %s sg_rt_key WHERE true", pkident);
		forboth(f, fk->fk_attrs, p, pkcols)
			appendStringInfo(&q, " AND sg_rt_key.%s = sg_rt_example.%s",
							 quote_identifier(strVal(lfirst(p))),
							 quote_identifier(strVal(lfirst(f))));
		appendStringInfoChar(&q, ')');
	}
	else if (edata->sqlerrcode == ERRCODE_NOT_NULL_VIOLATION && edata->column_name != NULL)
		appendStringInfo(&q, " WHERE sg_rt_example.%s IS NULL",
						 quote_identifier(edata->column_name));
	else if (change != NULL &&
			 ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION)
	{
		List	   *rows = NIL;
		ListCell   *lc;
		SgRtRowTry	t = {sql, change, "pg_temp.sg_roundtrip_example", ident, NULL};

		resetStringInfo(&q);
		appendStringInfo(&q, "SELECT ctid::text, %s || ' ' || sg_rt_example::text"
						 " FROM ONLY %s sg_rt_example LIMIT %d",
						 quote_literal_cstr(ident), ident, SG_RT_ROWS_TRIED);
		sg_rt_query(q.data, 0, NULL, NULL, NULL);
		for (uint64 i = 0; i < SPI_processed; i++)
			rows = lappend(rows, list_make2(sg_rt_getstr(i, 1), sg_rt_getstr(i, 2)));
		sg_rt_query(psprintf("CREATE TEMPORARY TABLE pg_temp.sg_roundtrip_example AS"
							 " SELECT * FROM ONLY %s LIMIT 0", ident),
					0, NULL, NULL, NULL);
		foreach(lc, rows)
		{
			List	   *row = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			t.ctid = linitial(row);
			if (sg_rt_fails_on_row(&t, edata->sqlerrcode))
				return lsecond(row);
		}
		return NULL;
	}
	appendStringInfoString(&q, " LIMIT 1");
	sg_rt_query(q.data, 0, NULL, NULL, NULL);
	return SPI_processed == 1 ? sg_rt_getstr(0, 1) : NULL;
}

/* sg_rt_find_example()'s arguments, and its result. */
typedef struct SgRtExample
{
	const char *sql;			/* up */
	List	   *stmts;
	int			n;				/* the failing statement */
	SgRtStmt   *failed;
	ErrorData  *edata;
	char	   *example;
	MemoryContext cxt;			/* where the example is kept */
} SgRtExample;

static void
sg_rt_example_row_cb(void *arg)
{
	SgRtExample *e = arg;
	ListCell   *lc;
	char	   *example;

	foreach(lc, e->stmts)
	{
		CHECK_FOR_INTERRUPTS();
		if (foreach_current_index(lc) >= e->n - 1)
			break;
		sg_rt_exec(e->sql, lfirst(lc));
	}
	example = sg_rt_find_example(e->sql, e->failed, e->edata);
	if (example != NULL)
		e->example = MemoryContextStrdup(e->cxt, example);
}

/*
 * sg_rt_find_example() where the failing statement ran: the statements of
 * up before it run again, in a subtransaction rolled back after.  NULL
 * when it finds none or fails.
 */
static char *
sg_rt_example_row(const char *sql, List *stmts, int n, SgRtStmt *failed,
				  ErrorData *edata)
{
	SgRtExample e = {sql, stmts, n, failed, edata, NULL, CurrentMemoryContext};
	ErrorData  *err = sg_rt_try(sg_rt_example_row_cb, &e, true);

	if (err != NULL && err->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(err);
	return err == NULL ? e.example : NULL;
}

/*
 * A failing statement of a script, as a row of the report.  When up fails
 * on data (an error of class 22 or 23) after fill_rows generated rows,
 * that is its own outcome: generated rows know nothing of the
 * application's invariants, and the user can supply rows instead.
 */
static void
sg_rt_add_failure(SgRt *rt, const char *phase, const char *sql, List *stmts,
				  int n, SgRtStmt *failed, ErrorData *edata)
{
	/* the error's DETAIL often names the row (a failing row, a key) */
	char	   *error = psprintf("%s%s%s (SQLSTATE %s)", edata->message,
								 edata->detail ? ": " : "",
								 edata->detail ? edata->detail : "",
								 unpack_sql_state(edata->sqlerrcode));
	char	   *example;
	Datum		examples = (Datum) 0;

	if (!rt->filled || strcmp(phase, "up") != 0 || failed == NULL ||
		(ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
		 ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION))
	{
		sg_rt_add(rt, phase, "statement", psprintf("statement %d", n), "failed",
				  psprintf("%s in: %s", error, failed ? failed->sql : ""),
				  -1, (Datum) 0);
		return;
	}
	example = sg_rt_example_row(sql, stmts, n, failed, edata);
	if (example != NULL)
	{
		Datum		elem = CStringGetTextDatum(example);

		examples = PointerGetDatum(construct_array(&elem, 1, TEXTOID, -1, false,
												   TYPALIGN_INT));
	}
	sg_rt_add(rt, phase, "statement", psprintf("statement %d", n), "fails_on_filled_data",
			  psprintf("%s at character %d of up: %s\n"
					   "The tables hold rows that fill_rows generated from the declared schema, which knows nothing of the application's invariants: pass rows that hold them as seed_sql instead, with fill_rows => 0.",
					   error, failed->location, failed->sql),
			  -1, examples);
}

/* ---- The round trip ---- */

/* What a round trip runs. */
typedef struct SgRtRun
{
	SgRt	   *rt;
	const char *up;
	List	   *up_stmts;
	const char *down;
	List	   *down_stmts;
	const char *seed;
	List	   *seed_stmts;
	int			fill_rows;
	Datum		schemas;
	bool		schemas_null;
} SgRtRun;

/* Everything that runs inside the subtransaction that is rolled back. */
static void
sg_rt_body(void *arg)
{
	SgRtRun    *run = arg;
	SgRt	   *rt = run->rt;
	Datum		schemas = run->schemas;
	bool		schemas_null = run->schemas_null;
	Datum		fp_before;
	Datum		fp_after;
	List	   *tables;
	List	   *copies = NIL;
	ListCell   *lc;
	int			n = 0;

	/* set here, inside the caught part: sg_roundtrip() clears it always */
	sg_roundtrip_running = true;
	if (run->seed != NULL && !sg_rt_run_script(rt, "seed", run->seed, run->seed_stmts))
		return;
	if (run->fill_rows > 0 && !sg_rt_fill(rt, run->fill_rows, schemas, schemas_null))
		return;
	rt->filled = run->fill_rows > 0;
	fp_before = sg_rt_schema_fingerprint(schemas, schemas_null);
	tables = sg_rt_tables(fp_before);
	foreach(lc, tables)
	{
		List	   *t = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (strcmp(lsecond(t), "t") != 0)
		{
			sg_rt_add(rt, "round trip", "table", linitial(t), "skipped",
					  "no SELECT privilege: its rows are not compared", -1, (Datum) 0);
			continue;
		}
		copies = lappend(copies, sg_rt_copy_table(rt, linitial(t), ++n));
	}

	if (!sg_rt_run_script(rt, "up", run->up, run->up_stmts))
		return;
	if (run->down_stmts == NIL)
		sg_rt_add(rt, "down", "migration", "down", "empty",
				  "down has no statements: nothing undoes up", -1, (Datum) 0);
	else if (!sg_rt_run_script(rt, "down", run->down, run->down_stmts))
		return;

	fp_after = sg_rt_schema_fingerprint(schemas, schemas_null);
	sg_rt_schema_rows(rt, fp_before, fp_after);
	n = 0;
	foreach(lc, copies)
		sg_rt_compare_table(rt, lfirst(lc), ++n);
}

/*
 * schema_guard.roundtrip(up text, down text, seed_sql text DEFAULT NULL,
 *                        schemas name[] DEFAULT NULL, fill_rows int DEFAULT 0)
 * RETURNS TABLE (phase, object_type, object_identity, kind, detail, count,
 *                examples)
 */
Datum
sg_roundtrip(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *up;
	char	   *down;
	char	   *seed;
	List	   *up_stmts;
	List	   *down_stmts;
	List	   *seed_stmts = NIL;
	List	   *seqs;
	int			fill_rows;
	SgRt		rt;
	SgRtRun		run;
	MemoryContext spicxt;
	Datum		locks;
	ErrorData  *edata;
	ListCell   *lc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("roundtrip needs an up and a down migration"),
				 errhint("Pass an empty string as down for a migration without one.")));
	if (sg_roundtrip_running)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("roundtrip cannot run inside a round trip")));
	/* up and down would fail, and restoring sequences too */
	PreventCommandIfReadOnly("roundtrip()");
	sg_init_materialized_srf(fcinfo);

	memset(&rt, 0, sizeof(rt));
	rt.rowcxt = rsinfo->econtext->ecxt_per_query_memory;
	rt.timezone = pstrdup(GetConfigOption("TimeZone", false, false));
	up = text_to_cstring(PG_GETARG_TEXT_PP(0));
	down = text_to_cstring(PG_GETARG_TEXT_PP(1));
	seed = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	fill_rows = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT32(4);
	if (fill_rows < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fill_rows must not be negative")));

	/* every script is checked before anything runs */
	if (seed != NULL)
		seed_stmts = sg_rt_parse(seed, "seed_sql");
	up_stmts = sg_rt_parse(up, "up");
	down_stmts = sg_rt_parse(down, "down");
	if (!PG_ARGISNULL(3))
		sg_check_schemas(PG_GETARG_DATUM(3), "compare");
	rt.extoid = get_extension_oid(SG_EXTENSION_NAME, false);
	rt.extnsp = get_namespace_oid(SG_SCHEMA_NAME, false);
	sg_rt_caller = GetUserId();
	run.rt = &rt;
	run.up = up;
	run.up_stmts = up_stmts;
	run.down = down;
	run.down_stmts = down_stmts;
	run.seed = seed;
	run.seed_stmts = seed_stmts;
	run.fill_rows = fill_rows;
	run.schemas = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	run.schemas_null = PG_ARGISNULL(3);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	spicxt = CurrentMemoryContext;
	seqs = sg_rt_save_sequences();
	locks = sg_rt_advisory_locks();

	/* always rolled back; sequences and advisory locks are set back after */
	edata = sg_rt_try(sg_rt_body, &run, true);
	sg_roundtrip_running = false;
	MemoryContextSwitchTo(spicxt);
	sg_rt_restore_sequences(seqs);
	sg_rt_release_advisory_locks(&rt, locks);
	if (edata != NULL)
		ReThrowError(edata);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");

	foreach(lc, rt.rows)
	{
		SgRtRow    *row = lfirst(lc);
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(row->phase);
		values[1] = CStringGetTextDatum(row->object_type);
		values[2] = CStringGetTextDatum(row->object_identity);
		values[3] = CStringGetTextDatum(row->kind);
		nulls[4] = row->detail == NULL;
		values[4] = nulls[4] ? (Datum) 0 : CStringGetTextDatum(row->detail);
		nulls[5] = row->count < 0;
		values[5] = Int64GetDatum(row->count);
		nulls[6] = row->examples == (Datum) 0;
		values[6] = row->examples;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
