/*-------------------------------------------------------------------------
 *
 * pg_schema_guard.c
 *		The command for CI: audit a database, check migration files,
 *		round-trip a migration directory.
 *
 *   pg_schema_guard audit [options] [connection options]
 *   pg_schema_guard check [options] [connection options] FILE...
 *   pg_schema_guard roundtrip [options] [connection options] DIR
 *
 * check runs each file, in its own session, against a database that has
 * the extension, in warn mode (every finding a warning, nothing rejected),
 * one statement at a time (with the comments before it), and asks
 * schema_guard.session_findings() after each which findings it raised and
 * at which line of what was sent: the file's line is where that starts plus
 * that.  A file runs in one
 * transaction that is rolled back (schema_guard.check_pending() first runs
 * the checks COMMIT would), unless --commit.
 *
 * roundtrip calls schema_guard.roundtrip() on each migration of DIR, in
 * one transaction that is rolled back, applying each up after its round
 * trip, so that each is round-tripped where the history leaves the
 * database (run_roundtrip()).  Its rows are findings of the CLI's own
 * rules.  The manual's section "pg_schema_guard" is the reference
 * (doc/schema_guard.md).
 *
 * Only libpq and the C library: it builds wherever libpq-fe.h is.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "libpq-fe.h"

#ifndef SG_VERSION
#error "SG_VERSION must be defined by the Makefile"
#endif

#if defined(__GNUC__)
#define SG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SG_PRINTF(f, a)
#endif

#define EXIT_CLEAN		0
#define EXIT_FINDINGS	1
#define EXIT_USAGE		2

/* The CLI's own rule id for a statement that fails. */
#define MIGRATION_ERROR "migration_error"

typedef enum
{
	FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_JUNIT, FMT_TAP
} Format;

static const char *const format_names[] = {"text", "json", "sarif", "junit", "tap", NULL};

/* info < warning < error, as findings' levels */
static int
level_rank(const char *level)
{
	if (level == NULL)
		return -1;
	if (strcmp(level, "error") == 0)
		return 2;
	if (strcmp(level, "warning") == 0)
		return 1;
	if (strcmp(level, "info") == 0)
		return 0;
	return -1;
}

/* ---------------------------------------------------------------- memory */

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "pg_schema_guard: out of memory\n");
		exit(EXIT_USAGE);
	}
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
	{
		fprintf(stderr, "pg_schema_guard: out of memory\n");
		exit(EXIT_USAGE);
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	return s ? strcpy(xmalloc(strlen(s) + 1), s) : NULL;
}

static char *
xstrndup(const char *s, size_t n)
{
	char	   *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A growing string. */
typedef struct
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
buf_append(Buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
	{
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_puts(Buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

static void buf_printf(Buf *b, const char *fmt,...) SG_PRINTF(2, 3);

static void
buf_printf(Buf *b, const char *fmt,...)
{
	va_list		ap;
	char		small[256];
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < (int) sizeof(small))
	{
		buf_append(b, small, n);
		return;
	}
	{
		char	   *big = xmalloc(n + 1);

		va_start(ap, fmt);
		vsnprintf(big, n + 1, fmt, ap);
		va_end(ap);
		buf_append(b, big, n);
		free(big);
	}
}

/* ---------------------------------------------------------------- findings */

typedef struct
{
	char	   *file;			/* NULL in an audit */
	int			line;			/* 0: none */
	char	   *migration;		/* roundtrip: the migration's name */
	char	   *kind;			/* roundtrip: the row's kind */
	bool		at_commit;
	char	   *rule;
	char	   *level;
	char	   *object_type;
	char	   *object_identity;
	char	   *message;
	char	   *detail;
	char	   *fix;
	bool		exempted;
} Finding;

static Finding *findings;
static int	nfindings;
static int	findings_cap;

static Finding *
add_finding(void)
{
	if (nfindings == findings_cap)
	{
		findings_cap = findings_cap ? findings_cap * 2 : 64;
		findings = xrealloc(findings, findings_cap * sizeof(Finding));
	}
	memset(&findings[nfindings], 0, sizeof(Finding));
	return &findings[nfindings++];
}

/* Files checked or migrations round-tripped, in order, for the formats. */
static char **files_done;
static int	nfiles_done;

/* Rule descriptions, for SARIF (from schema_guard.rules()). */
static char **rule_ids;
static char **rule_descriptions;
static int	nrules;

/* ---------------------------------------------------------------- options */

static const char *command;
static Format format = FMT_TEXT;
static int	fail_rank = 2;
static bool do_commit = false;
static bool with_data = false;
static const char *opt_host;
static const char *opt_port;
static const char *opt_user;
static const char *opt_dbname;
static char **opt_schemas;
static int	nschemas;
static char **opt_rules;
static int	nrules_opt;
static bool progress;
static bool had_usage_error = false;
static bool audit_own_document = false;
static int	fill_rows = 0;
static bool fill_given = false;
static const char *seed_path;

static void
usage(FILE *out)
{
	fprintf(out,
			"pg_schema_guard checks migration files and audits databases with schema_guard.\n"
			"\n"
			"Usage:\n"
			"  pg_schema_guard audit [OPTION]... [--schema=SCHEMA]... [--rule=RULE]...\n"
			"  pg_schema_guard check [OPTION]... [--commit] FILE...\n"
			"  pg_schema_guard roundtrip [OPTION]... [--fill-rows=N] [--seed-sql=FILE] DIR\n"
			"\n"
			"roundtrip applies the migrations of DIR (NAME/up.sql and NAME/down.sql, or\n"
			"NAME.up.sql and NAME.down.sql, in byte order of NAME) in one transaction that\n"
			"is rolled back, and round-trips each (up then down) where the ones before it\n"
			"leave the database, with schema_guard.roundtrip().\n"
			"\n"
			"Options:\n"
			"  -f, --format=FORMAT      text (default), json, sarif, junit or tap\n"
			"  -l, --fail-level=LEVEL   exit 1 on a finding at or above LEVEL:\n"
			"                           error (default), warning or info\n"
			"      --commit             check: commit each file instead of rolling it back\n"
			"  -n, --schema=SCHEMA      audit, roundtrip: only this schema (repeatable)\n"
			"  -r, --rule=RULE          audit: only this rule or family (repeatable)\n"
			"      --with-data          audit: run the rules that read rows too\n"
			"      --fill-rows=N        roundtrip: generate N rows per table first\n"
			"      --seed-sql=FILE      roundtrip: run FILE first (rows of your own)\n"
			"  -q, --quiet              no progress line on a terminal\n"
			"  -V, --version            print the version, then exit\n"
			"  -?, --help               show this help, then exit\n"
			"\n"
			"Connection options (and PGHOST, PGPORT, PGUSER, PGDATABASE, ...):\n"
			"  -h, --host=HOST          database server host or socket directory\n"
			"  -p, --port=PORT          database server port\n"
			"  -U, --username=USER      database user name\n"
			"  -d, --dbname=DBNAME      database name, or a connection string or URI\n"
			"\n"
			"Exit status: 0 clean, 1 findings at or above the fail level (or a\n"
			"statement that failed; roundtrip: a difference up then down leaves),\n"
			"2 usage or connection error.\n");
}

static void usage_error(const char *fmt,...) SG_PRINTF(1, 2);

static void
usage_error(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "pg_schema_guard: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"pg_schema_guard --help\" for more information.\n");
	exit(EXIT_USAGE);
}

/* An error that makes the run exit 2, once every file has been tried. */
static void run_error(const char *file, int line, const char *fmt,...) SG_PRINTF(3, 4);

static void
run_error(const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	if (progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "pg_schema_guard: ");
	if (file && line > 0)
		fprintf(stderr, "%s:%d: ", file, line);
	else if (file)
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	had_usage_error = true;
}

/* ---------------------------------------------------------------- progress */

static double
now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static double progress_last;

/* At most ten a second, except the last of a series (last). */
static void show_progress(bool last, const char *fmt,...) SG_PRINTF(2, 3);

static void
show_progress(bool last, const char *fmt,...)
{
	va_list		ap;
	double		t;

	if (!progress)
		return;
	t = now_seconds();
	if (t - progress_last < 0.1 && !last)
		return;
	progress_last = t;
	fprintf(stderr, "\r\033[K");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void
end_progress(void)
{
	if (progress)
		fprintf(stderr, "\r\033[K");
}

/* ---------------------------------------------------------------- connection */

static const char *notice_file;

/* The connection's client encoding, in which the server counts positions. */
static int	client_encoding;

static void
notice_receiver(void *arg, const PGresult *res)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *file = arg ? *(const char **) arg : NULL;

	/* Findings come from session_findings(); other warnings are shown. */
	if (sqlstate && strcmp(sqlstate, "01SG0") == 0)
		return;
	if (progress)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "pg_schema_guard: %s%s%s", file ? file : "", file ? ": " : "",
			PQresultErrorMessage(res));
}

static PGconn *
connect_db(void)
{
	const char *keywords[6];
	const char *values[6];
	int			n = 0;
	PGconn	   *conn;

	if (opt_host)
		keywords[n] = "host", values[n++] = opt_host;
	if (opt_port)
		keywords[n] = "port", values[n++] = opt_port;
	if (opt_user)
		keywords[n] = "user", values[n++] = opt_user;
	/* Last: a connection string or URI in it overrides the others. */
	if (opt_dbname)
		keywords[n] = "dbname", values[n++] = opt_dbname;
	keywords[n] = "fallback_application_name", values[n++] = "pg_schema_guard";
	keywords[n] = NULL, values[n] = NULL;
	conn = PQconnectdbParams(keywords, values, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "pg_schema_guard: could not connect: %s",
				conn ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeReceiver(conn, notice_receiver, &notice_file);
	/* Error positions count characters: of UTF-8, unless told otherwise. */
	if (getenv("PGCLIENTENCODING") == NULL && PQsetClientEncoding(conn, "UTF8") != 0)
	{
		fprintf(stderr, "pg_schema_guard: could not set the client encoding: %s",
				PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	client_encoding = PQclientEncoding(conn);
	return conn;
}

/* A query that must work; NULL (and a message) when it does not. */
static PGresult *
query_ok(PGconn *conn, const char *sql, const char *what)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		run_error(NULL, 0, "%s: %s", what, PQerrorMessage(conn));
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * The extension must be there, at a version that has what we call; its
 * rules' descriptions are kept for SARIF.
 */
static bool
check_extension(PGconn *conn)
{
	PGresult   *res = PQexec(conn,
							 "SELECT extversion FROM pg_catalog.pg_extension "
							 "WHERE extname OPERATOR(pg_catalog.=) 'schema_guard'");

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		run_error(NULL, 0, "could not read pg_extension: %s", PQerrorMessage(conn));
		PQclear(res);
		return false;
	}
	if (PQntuples(res) == 0)
	{
		run_error(NULL, 0, "extension schema_guard is not installed in database \"%s\"",
				  PQdb(conn));
		PQclear(res);
		return false;
	}
	PQclear(res);
	if (nrules > 0)
		return true;
	res = query_ok(conn, "SELECT rule, description FROM schema_guard.rules() ORDER BY rule",
				   "could not read schema_guard.rules()");
	if (res == NULL)
		return false;
	nrules = PQntuples(res);
	rule_ids = xmalloc(sizeof(char *) * (nrules + 1));
	rule_descriptions = xmalloc(sizeof(char *) * (nrules + 1));
	for (int i = 0; i < nrules; i++)
	{
		rule_ids[i] = xstrdup(PQgetvalue(res, i, 0));
		rule_descriptions[i] = xstrdup(PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return true;
}

/* ---------------------------------------------------------------- lexer */

/*
 * A statement of a file: what is sent, bytes [chunk, end) from the end of
 * the previous statement (comments and blank lines before it included) to
 * its semicolon; the line where that starts; its first token's line; what
 * kind it is.
 */
typedef enum
{
	ST_PLAIN,
	ST_BEGIN,					/* BEGIN, START TRANSACTION */
	ST_COMMIT,					/* COMMIT, END */
	ST_OTHER_TXN,				/* ROLLBACK, ABORT, PREPARE TRANSACTION, ... */
	ST_NO_TXN_BLOCK				/* cannot run inside a transaction block */
} StmtKind;

typedef struct
{
	size_t		chunk;
	size_t		start;			/* its first token */
	size_t		end;
	int			chunk_line;
	int			line;
	StmtKind	kind;
	const char *what;			/* its kind, for messages */
	size_t		concurrently;	/* its word CONCURRENTLY, or (size_t) -1 */
	bool		conc_option;	/* ... as an option: REINDEX (CONCURRENTLY) */
} Stmt;

typedef struct
{
	char	   *text;			/* the file, meta-commands blanked */
	size_t		len;
	Stmt	   *stmts;
	int			nstmts;
	bool		refused;
} Script;

static bool
ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool
ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* psql meta-commands that change nothing the server sees: skipped. */
static bool
harmless_meta(const char *cmd, const char *args)
{
	static const char *const display[] = {
		"echo", "qecho", "warn", "timing", "pset", "a", "t", "x", "C", "H", NULL
	};
	static const char *const vars[] = {
		"ON_ERROR_STOP", "ON_ERROR_ROLLBACK", "ECHO", "ECHO_HIDDEN", "QUIET",
		"VERBOSITY", "SHOW_CONTEXT", NULL
	};

	for (int i = 0; display[i]; i++)
		if (strcmp(cmd, display[i]) == 0)
			return true;
	if (strcmp(cmd, "set") == 0 || strcmp(cmd, "unset") == 0)
	{
		while (*args == ' ' || *args == '\t')
			args++;
		for (int i = 0; vars[i]; i++)
		{
			size_t		n = strlen(vars[i]);

			if (strncmp(args, vars[i], n) == 0 &&
				(args[n] == '\0' || isspace((unsigned char) args[n])))
				return true;
		}
	}
	return false;
}

/* Where line_of() last counted to in a text. */
typedef struct
{
	size_t		offset;
	int			line;
} LineCursor;

/*
 * The line of offset in text, counted from the cursor's place rather than
 * from the start: a file of many statements is split in linear time.
 */
static int
line_of(const char *text, size_t offset, LineCursor *at)
{
	for (; at->offset < offset; at->offset++)
		if (text[at->offset] == '\n')
			at->line++;
	for (; at->offset > offset; at->offset--)
		if (text[at->offset - 1] == '\n')
			at->line--;
	return at->line;
}

/* Does the word list (space-separated, upper case) start with prefix? */
static bool
words_start(const char *words, const char *prefix)
{
	size_t		n = strlen(prefix);

	return strncmp(words, prefix, n) == 0 && (words[n] == '\0' || words[n] == ' ');
}

/*
 * What kind of statement the words (its first ones, upper case) start;
 * *what names it for messages.
 */
static StmtKind
classify(const char *words, bool concurrently, const char **what)
{
	static const char *const begins[] = {"BEGIN", "START TRANSACTION", NULL};
	static const char *const commits[] = {"COMMIT", "END", NULL};
	static const char *const savepoints[] = {
		"SAVEPOINT", "RELEASE", "ROLLBACK TO", "ROLLBACK WORK TO",
		"ROLLBACK TRANSACTION TO", NULL
	};
	static const char *const other_txn[] = {
		"COMMIT PREPARED", "ROLLBACK PREPARED", "PREPARE TRANSACTION", "ROLLBACK",
		"ABORT", NULL
	};
	static const char *const no_block[] = {
		"VACUUM", "CREATE DATABASE", "DROP DATABASE", "CREATE TABLESPACE",
		"DROP TABLESPACE", "ALTER SYSTEM", "CREATE SUBSCRIPTION", "DROP SUBSCRIPTION",
		"REINDEX DATABASE", "REINDEX SYSTEM", NULL
	};
	static const char *const concurrent[] = {"CREATE", "DROP", "REINDEX", "ALTER", NULL};
	int			i;

	*what = "";
	for (i = 0; other_txn[i]; i++)
		if (words_start(words, other_txn[i]))
		{
			/* ROLLBACK TO SAVEPOINT is not the end of the transaction */
			for (int j = 0; savepoints[j]; j++)
				if (words_start(words, savepoints[j]))
					return ST_PLAIN;
			*what = other_txn[i];
			return ST_OTHER_TXN;
		}
	for (i = 0; begins[i]; i++)
		if (words_start(words, begins[i]))
			return ST_BEGIN;
	for (i = 0; commits[i]; i++)
		if (words_start(words, commits[i]))
			return ST_COMMIT;
	for (i = 0; no_block[i]; i++)
		if (words_start(words, no_block[i]))
		{
			*what = no_block[i];
			return ST_NO_TXN_BLOCK;
		}
	/* CLUSTER of every table */
	if (strcmp(words, "CLUSTER") == 0)
	{
		*what = "CLUSTER";
		return ST_NO_TXN_BLOCK;
	}
	for (i = 0; concurrent[i] && concurrently; i++)
		if (words_start(words, concurrent[i]))
		{
			*what = "a statement with CONCURRENTLY";
			return ST_NO_TXN_BLOCK;
		}
	return ST_PLAIN;
}

/*
 * Split a file into statements the way psql does: semicolons outside
 * quotes, comments, parentheses and the BEGIN ... END of a CREATE FUNCTION
 * or PROCEDURE body (BEGIN ATOMIC) end a statement.  A backslash outside
 * quotes starts a psql meta-command (to the end of its line): skipped when
 * it changes nothing the server sees, otherwise the file is refused.
 */
static void
split_script(const char *file, Script *s)
{
	char	   *t = s->text;
	size_t		len = s->len;
	size_t		i = 0;
	size_t		stmt_start = (size_t) -1;
	size_t		prev_end = 0;
	int			paren = 0;
	int			begin_depth = 0;
	int			nwords = 0;
	char		lead[4] = {0};	/* first letters of CREATE OR REPLACE FUNCTION */
	size_t		concurrently = (size_t) -1;
	bool		conc_option = false;
	Buf			words = {0};
	int			cap = 0;
	LineCursor	at = {0, 1};

	while (i <= len)
	{
		unsigned char c = i < len ? t[i] : '\0';
		bool		end_stmt = false;

		if (i == len)
			end_stmt = true;
		else if (isspace(c))
		{
			i++;
			continue;
		}
		else if (c == '-' && i + 1 < len && t[i + 1] == '-')
		{
			while (i < len && t[i] != '\n')
				i++;
			continue;
		}
		else if (c == '/' && i + 1 < len && t[i + 1] == '*')
		{
			size_t		cstart = i;
			int			depth = 1;

			for (i += 2; i < len && depth > 0; i++)
			{
				if (t[i] == '/' && i + 1 < len && t[i + 1] == '*')
					depth++, i++;
				else if (t[i] == '*' && i + 1 < len && t[i + 1] == '/')
					depth--, i++;
			}
			/* Unterminated: psql sends it at the end, the server refuses it. */
			if (depth > 0 && stmt_start == (size_t) -1)
			{
				stmt_start = cstart;
				buf_puts(&words, "/*");
			}
			continue;
		}
		else if (c == '\\')
		{
			size_t		mstart = i;
			size_t		eol = i;
			char	   *cmd;
			char	   *line;
			size_t		n = 1;

			while (eol < len && t[eol] != '\n')
				eol++;
			while (mstart + n < eol && !isspace((unsigned char) t[mstart + n]) &&
				   t[mstart + n] != '\\')
				n++;
			cmd = xstrndup(t + mstart + 1, n - 1);
			line = xstrndup(t + mstart + n, eol - mstart - n);
			if (harmless_meta(cmd, line))
			{
				fprintf(stderr, "pg_schema_guard: %s:%d: skipping psql meta-command \\%s\n",
						file, line_of(t, mstart, &at), cmd);
				memset(t + mstart, ' ', eol - mstart);
			}
			else
			{
				run_error(file, line_of(t, mstart, &at),
						  "psql meta-command \\%s is not supported: pg_schema_guard sends the file's SQL to the server, as psql would with no meta-commands",
						  cmd);
				s->refused = true;
			}
			free(cmd);
			free(line);
			i = eol;
			continue;
		}
		else if (c == ';' && paren == 0 && begin_depth == 0)
		{
			i++;
			end_stmt = true;
		}
		else
		{
			if (stmt_start == (size_t) -1)
				stmt_start = i;
			if (c == '\'' || c == '"')
			{
				bool		escapes = false;

				/* E'...': backslash escapes */
				if (c == '\'' && i > 0 && (t[i - 1] == 'E' || t[i - 1] == 'e') &&
					(i < 2 || !ident_char((unsigned char) t[i - 2])))
					escapes = true;
				for (i++; i < len; i++)
				{
					if (escapes && t[i] == '\\' && i + 1 < len)
						i++;
					else if (t[i] == (char) c)
					{
						if (i + 1 < len && t[i + 1] == (char) c)
							i++;
						else
							break;
					}
				}
				i++;
				continue;
			}
			if (c == '$' && (i == 0 || !ident_char((unsigned char) t[i - 1])))
			{
				size_t		j = i + 1;

				if (j < len && !isdigit((unsigned char) t[j]))
				{
					while (j < len && ident_char((unsigned char) t[j]) && t[j] != '$')
						j++;
					if (j < len && t[j] == '$')
					{
						size_t		taglen = j - i + 1;
						const char *tag = t + i;
						size_t		k;

						for (k = j + 1; k + taglen <= len; k++)
							if (memcmp(t + k, tag, taglen) == 0)
								break;
						i = (k + taglen <= len) ? k + taglen : len;
						continue;
					}
				}
				i++;
				continue;
			}
			if (c == '(')
				paren++;
			else if (c == ')' && paren > 0)
				paren--;
			if (ident_start(c))
			{
				size_t		j = i;
				char	   *w;

				while (j < len && ident_char((unsigned char) t[j]))
					j++;
				w = xstrndup(t + i, j - i);
				for (char *p = w; *p; p++)
					*p = toupper((unsigned char) *p);
				if (nwords < 4)
				{
					if (strcmp(w, "CREATE") == 0 || strcmp(w, "FUNCTION") == 0 ||
						strcmp(w, "PROCEDURE") == 0 || strcmp(w, "OR") == 0 ||
						strcmp(w, "REPLACE") == 0)
						lead[nwords] = w[0];
				}
				if (nwords < 6)
				{
					if (words.len > 0)
						buf_puts(&words, " ");
					buf_puts(&words, w);
				}
				nwords++;
				if (strcmp(w, "CONCURRENTLY") == 0 && concurrently == (size_t) -1)
				{
					concurrently = i;
					conc_option = paren > 0;
				}
				if (lead[0] == 'C' &&
					(lead[1] == 'F' || lead[1] == 'P' ||
					 (lead[1] == 'O' && lead[2] == 'R' && (lead[3] == 'F' || lead[3] == 'P'))) &&
					paren == 0)
				{
					if (strcmp(w, "BEGIN") == 0)
						begin_depth++;
					else if (strcmp(w, "CASE") == 0 && begin_depth > 0)
						begin_depth++;
					else if (strcmp(w, "END") == 0 && begin_depth > 0)
						begin_depth--;
				}
				free(w);
				i = j;
				continue;
			}
			i++;
			continue;
		}

		if (end_stmt)
		{
			if (stmt_start != (size_t) -1 && words.len > 0)
			{
				Stmt	   *st;

				if (s->nstmts == cap)
				{
					cap = cap ? cap * 2 : 32;
					s->stmts = xrealloc(s->stmts, cap * sizeof(Stmt));
				}
				st = &s->stmts[s->nstmts++];
				st->chunk = prev_end;
				st->start = stmt_start;
				st->end = i;
				st->chunk_line = line_of(t, prev_end, &at);
				st->line = line_of(t, stmt_start, &at);
				prev_end = i;
				st->kind = classify(words.data, concurrently != (size_t) -1, &st->what);
				st->concurrently = concurrently;
				st->conc_option = conc_option;
			}
			stmt_start = (size_t) -1;
			paren = begin_depth = nwords = 0;
			memset(lead, 0, sizeof(lead));
			concurrently = (size_t) -1;
			conc_option = false;
			words.len = 0;
			if (words.data)
				words.data[0] = '\0';
			if (i >= len)
				break;
		}
	}
	free(words.data);
}

static bool
read_file(const char *path, Script *s)
{
	FILE	   *f = fopen(path, "rb");
	Buf			b = {0};
	char		chunk[65536];
	size_t		n;

	memset(s, 0, sizeof(Script));
	if (f == NULL)
	{
		run_error(path, 0, "could not open: %s", strerror(errno));
		return false;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f))
	{
		run_error(path, 0, "could not read: %s", strerror(errno));
		fclose(f);
		free(b.data);
		return false;
	}
	fclose(f);
	if (b.data == NULL)
		buf_append(&b, "", 0);
	if (strlen(b.data) != b.len)
	{
		run_error(path, 0, "the file holds a NUL byte: it is not SQL text");
		free(b.data);
		return false;
	}
	s->text = b.data;
	s->len = b.len;
	return true;
}

/* ---------------------------------------------------------------- check */

/*
 * The file line of a 1-based character position in a statement: characters
 * of the client encoding, as the server counts them.
 */
static int
line_at_position(const char *stmt, size_t len, int position)
{
	int			line = 0;
	int			chars = 0;

	for (size_t i = 0; i < len;)
	{
		int			n = PQmblen(stmt + i, client_encoding);

		if (++chars >= position)
			break;
		for (int k = 0; k < n && i < len; k++, i++)
			if (stmt[i] == '\n')
				line++;
	}
	return line;
}

/* Was this finding raised at an earlier commit of the file? */
static bool
seen_at_commit(const char *file, const char *rule, const char *message)
{
	for (int i = 0; i < nfindings; i++)
		if (findings[i].at_commit && strcmp(findings[i].file, file) == 0 &&
			strcmp(findings[i].rule, rule) == 0 &&
			strcmp(findings[i].message, message) == 0)
			return true;
	return false;
}

/*
 * The numbers the session gave the file's statements it sent (those that
 * got one): a finding at commit names the statement that made its object
 * by that number.  Each file has a session, so numbers are the file's.
 */
typedef struct
{
	long long	number;
	const Stmt *st;
} Numbered;

static Numbered *numbered;
static int	nnumbered;
static long long last_number;

static const Stmt *
numbered_stmt(long long number)
{
	for (int i = 0; i < nnumbered; i++)
		if (numbered[i].number == number)
			return numbered[i].st;
	return NULL;
}

/*
 * Collect what the guard raised since the last call, and the number of the
 * statement asking: sent right after statement st of the file, a number
 * that is not the last one asked plus one means that st got the one before.
 * A finding names the line of its statement in the query string sent for
 * it, which maps onto the file from the line the chunk starts at: raised
 * while st ran, st; raised at a commit, the statement that made its
 * object, when the file's.  Otherwise (a commit finding whose statement is
 * not known, or is our own check_pending() or COMMIT) it is put at the
 * line of st, or at at_line.
 */
static bool
collect_findings(PGconn *conn, const char *file, const Stmt *st, int at_line)
{
	PGresult   *res = PQexec(conn,
							 "SELECT rule, level, object_type, object_identity, message, detail, fix, "
							 "at_commit, statement_line, statement, schema_guard.statement_number() "
							 "FROM (VALUES (0)) AS asking LEFT JOIN schema_guard.session_findings(true) ON true");
	long long	number;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1)
	{
		run_error(file, 0, "could not read schema_guard.session_findings(): %s",
				  PQerrorMessage(conn));
		PQclear(res);
		return false;
	}
	number = atoll(PQgetvalue(res, 0, 10));
	if (st && number > last_number + 1)
	{
		numbered = xrealloc(numbered, (nnumbered + 1) * sizeof(Numbered));
		numbered[nnumbered].number = number - 1;
		numbered[nnumbered++].st = st;
	}
	last_number = number;
	for (int i = 0; i < PQntuples(res); i++)
	{
		Finding    *f;
		const Stmt *by = st;

		if (PQgetisnull(res, i, 0))
			continue;
		/* check_pending() in a savepoint leaves its items to the next */
		if (strcmp(PQgetvalue(res, i, 7), "t") == 0 &&
			seen_at_commit(file, PQgetvalue(res, i, 0), PQgetvalue(res, i, 4)))
			continue;
		f = add_finding();
		f->file = xstrdup(file);
		f->rule = xstrdup(PQgetvalue(res, i, 0));
		f->level = xstrdup(PQgetvalue(res, i, 1));
		f->object_type = PQgetisnull(res, i, 2) ? NULL : xstrdup(PQgetvalue(res, i, 2));
		f->object_identity = PQgetisnull(res, i, 3) ? NULL : xstrdup(PQgetvalue(res, i, 3));
		f->message = xstrdup(PQgetvalue(res, i, 4));
		f->detail = PQgetisnull(res, i, 5) ? NULL : xstrdup(PQgetvalue(res, i, 5));
		f->fix = PQgetisnull(res, i, 6) ? NULL : xstrdup(PQgetvalue(res, i, 6));
		f->at_commit = strcmp(PQgetvalue(res, i, 7), "t") == 0;
		if (f->at_commit)
			by = PQgetisnull(res, i, 9) ? NULL :
				numbered_stmt(atoll(PQgetvalue(res, i, 9)));
		f->line = by ? by->line : st ? st->line : at_line;
		if (by && !PQgetisnull(res, i, 8))
			f->line = by->chunk_line + atoi(PQgetvalue(res, i, 8)) - 1;
	}
	PQclear(res);
	return true;
}

/* A statement that failed: a finding of the CLI's own rule. */
static void
add_failure(const char *file, int line, PGresult *res, const char *prefix)
{
	Finding    *f = add_finding();
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	Buf			m = {0};

	buf_printf(&m, "%s%s", prefix ? prefix : "", msg ? msg : PQresultErrorMessage(res));
	f->file = xstrdup(file);
	f->line = line;
	f->rule = xstrdup(MIGRATION_ERROR);
	f->level = xstrdup("error");
	f->message = m.data;
	f->detail = xstrdup(detail);
	f->fix = xstrdup(hint);
}

static void
add_file_error(const char *file, int line, const char *message)
{
	Finding    *f = add_finding();

	f->file = xstrdup(file);
	f->line = line;
	f->rule = xstrdup(MIGRATION_ERROR);
	f->level = xstrdup("error");
	f->message = xstrdup(message);
}

/*
 * Run one statement of the file, sent as sql (what the file holds from
 * st->chunk, or a variant of it on the same lines); false when it failed
 * (reported).
 */
static bool
run_statement(PGconn *conn, const char *file, const char *sql, const Stmt *st)
{
	PGresult   *res = PQexec(conn, sql);
	ExecStatusType status = PQresultStatus(res);
	bool		ok = true;

	/* COPY ... FROM STDIN: the data would be psql's to send. */
	if (status == PGRES_COPY_IN)
	{
		PQputCopyEnd(conn, "pg_schema_guard does not send COPY data");
		PQclear(res);
		while ((res = PQgetResult(conn)) != NULL)
		{
			status = PQresultStatus(res);
			if (status == PGRES_FATAL_ERROR)
				break;
			PQclear(res);
		}
	}
	else if (status == PGRES_COPY_OUT)
	{
		char	   *buf;

		while (PQgetCopyData(conn, &buf, 0) > 0)
			PQfreemem(buf);
		PQclear(res);
		res = PQgetResult(conn);
		status = PQresultStatus(res);
	}
	if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
		status == PGRES_NONFATAL_ERROR)
	{
		const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
		int			line = st->line;

		/* the error's position, else the statement */
		if (pos)
			line = st->chunk_line + line_at_position(sql, strlen(sql), atoi(pos));
		add_failure(file, line, res, NULL);
		ok = false;
	}
	PQclear(res);
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
	return ok;
}

/* Send a command of our own; false (reported at line) when it fails. */
static bool
run_own(PGconn *conn, const char *file, int line, const char *sql, const char *what)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		add_failure(file, line, res, what);
	PQclear(res);
	return ok;
}

/*
 * The checks at a commit of the file we roll back (check_pending()), or
 * our COMMIT: their findings are put at line.  False when they failed.
 */
static bool
run_commit(PGconn *conn, const char *file, int line, const char *sql)
{
	bool		ok = run_own(conn, file, line, sql, "COMMIT failed: ");

	if (PQtransactionStatus(conn) == PQTRANS_INERROR)
		(void) run_own(conn, file, line, "ROLLBACK", NULL);
	return collect_findings(conn, file, NULL, line) && ok;
}

static bool
connection_lost(PGconn *conn, const char *file)
{
	if (PQstatus(conn) == CONNECTION_OK)
		return false;
	run_error(file, 0, "connection lost: %s", PQerrorMessage(conn));
	return true;
}

/*
 * One file, in a session of its own.  Rolled back (the default): BEGIN,
 * the file's statements (its own BEGIN skipped; at its COMMIT the commit's
 * checks run), check_pending(), ROLLBACK.  Committed: BEGIN, the
 * statements, COMMIT; a file that manages its transactions or holds a
 * statement that cannot run in a transaction block runs as written.
 */
static void
check_file(const char *file, int filenum, int nfiles)
{
	Script		s;
	PGconn	   *conn;
	bool		as_written = false;
	bool		ok = true;
	int			last_line = 1;
	int			i;

	if (!read_file(file, &s))
		return;
	nnumbered = 0;
	last_number = 0;
	split_script(file, &s);
	if (s.refused)
		return;
	for (i = 0; i < s.nstmts; i++)
	{
		Stmt	   *st = &s.stmts[i];

		if (st->kind == ST_NO_TXN_BLOCK && !do_commit)
		{
			run_error(file, st->line,
					  "%s cannot run inside a transaction block, so the file cannot be rolled back: check it with --commit against a scratch database",
					  st->what);
			return;
		}
		if (st->kind == ST_OTHER_TXN && !do_commit)
		{
			run_error(file, st->line,
					  "%s ends the transaction that pg_schema_guard rolls back: check the file with --commit against a scratch database",
					  st->what);
			return;
		}
		if (st->kind != ST_PLAIN)
			as_written = do_commit;
		last_line = st->line;
	}

	/* The next files would not connect either. */
	conn = connect_db();
	if (conn == NULL)
		exit(EXIT_USAGE);
	notice_file = file;
	if (!check_extension(conn))
		goto done;
	{
		PGresult   *res = PQexec(conn, "SET schema_guard.mode = 'warn'");

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			run_error(file, 0, "cannot set schema_guard.mode to warn: %s"
					  "pg_schema_guard check needs a role that may set it: a superuser, or from PostgreSQL 15 on a role granted SET ON PARAMETER schema_guard.mode",
					  PQerrorMessage(conn));
			PQclear(res);
			goto done;
		}
		PQclear(res);
	}
	/* Its notices would be noise; findings come from session_findings(). */
	if (!run_own(conn, file, 0, "SET client_min_messages = warning", NULL))
		goto done;

	if (!as_written && !run_own(conn, file, 1, "BEGIN", "BEGIN failed: "))
		goto done;
	for (i = 0; i < s.nstmts && ok; i++)
	{
		Stmt	   *st = &s.stmts[i];

		show_progress(i + 1 == s.nstmts, "file %d/%d %s: statement %d/%d", filenum, nfiles,
					  file, i + 1, s.nstmts);
		if (!as_written && st->kind == ST_BEGIN)
			continue;
		if (!as_written && st->kind == ST_COMMIT)
		{
			/* The file's commit, in the transaction we roll back. */
			if (!do_commit)
				ok = run_commit(conn, file, st->line, "SELECT schema_guard.check_pending()");
			continue;
		}
		{
			char	   *sql = xstrndup(s.text + st->chunk, st->end - st->chunk);

			ok = run_statement(conn, file, sql, st);
			free(sql);
		}
		if (connection_lost(conn, file))
			goto done;
		if (!ok && PQtransactionStatus(conn) == PQTRANS_INERROR)
			(void) run_own(conn, file, st->line, "ROLLBACK", NULL);
		if (!collect_findings(conn, file, st, 0))
			goto done;
	}

	if (ok && as_written && PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		add_file_error(file, last_line,
					   "the file ends inside a transaction block, which was rolled back");
		(void) run_own(conn, file, last_line, "ROLLBACK", NULL);
	}
	else if (ok && !as_written)
		(void) run_commit(conn, file, last_line,
						  do_commit ? "COMMIT" : "SELECT schema_guard.check_pending()");
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		(void) run_own(conn, file, last_line, "ROLLBACK", NULL);

done:
	notice_file = NULL;
	PQfinish(conn);
}

/* ---------------------------------------------------------------- audit */

/* A text[] literal of the values, for a query parameter. */
static char *
text_array(char **values, int n)
{
	Buf			b = {0};

	buf_puts(&b, "{");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			buf_puts(&b, ",");
		buf_puts(&b, "\"");
		for (const char *p = values[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				buf_puts(&b, "\\");
			buf_append(&b, p, 1);
		}
		buf_puts(&b, "\"");
	}
	buf_puts(&b, "}");
	return b.data;
}

/*
 * schema_guard.audit() as rows (text, and the exit status of every
 * format); schema_guard.audit_report() for the other formats, printed as
 * the server wrote it.
 */
static void
run_audit(void)
{
	PGconn	   *conn = connect_db();
	const char *params[4];
	PGresult   *res;

	if (conn == NULL)
	{
		had_usage_error = true;
		return;
	}
	if (!check_extension(conn))
	{
		PQfinish(conn);
		return;
	}
	params[0] = nschemas ? text_array(opt_schemas, nschemas) : NULL;
	params[1] = nrules_opt ? text_array(opt_rules, nrules_opt) : NULL;
	params[2] = with_data ? "true" : "false";
	res = PQexecParams(conn,
					   "SELECT rule, level, object_type, object_identity, message, detail, fix, exempted "
					   "FROM schema_guard.audit(schemas => $1::pg_catalog.name[], rules => $2::pg_catalog.text[], "
					   "with_data => $3::pg_catalog.bool)",
					   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		run_error(NULL, 0, "schema_guard.audit() failed: %s", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++)
	{
		Finding    *f = add_finding();

		f->rule = xstrdup(PQgetvalue(res, i, 0));
		f->level = xstrdup(PQgetvalue(res, i, 1));
		f->object_type = PQgetisnull(res, i, 2) ? NULL : xstrdup(PQgetvalue(res, i, 2));
		f->object_identity = PQgetisnull(res, i, 3) ? NULL : xstrdup(PQgetvalue(res, i, 3));
		f->message = xstrdup(PQgetvalue(res, i, 4));
		f->detail = PQgetisnull(res, i, 5) ? NULL : xstrdup(PQgetvalue(res, i, 5));
		f->fix = PQgetisnull(res, i, 6) ? NULL : xstrdup(PQgetvalue(res, i, 6));
		f->exempted = strcmp(PQgetvalue(res, i, 7), "t") == 0;
	}
	PQclear(res);

	if (format != FMT_TEXT)
	{
		const char *sqlstate;

		params[3] = format_names[format];
		res = PQexecParams(conn,
						   "SELECT schema_guard.audit_report($4, schemas => $1::pg_catalog.name[], rules => $2::pg_catalog.text[], "
						   "with_data => $3::pg_catalog.bool)",
						   4, NULL, params, NULL, NULL, 0);
		sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* an extension without audit_report(): our own document */
		if (sqlstate && strcmp(sqlstate, "42883") == 0)
			audit_own_document = true;
		else if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
			run_error(NULL, 0, "schema_guard.audit_report() failed: %s", PQerrorMessage(conn));
		else
		{
			fputs(PQgetvalue(res, 0, 0), stdout);
			if (PQgetlength(res, 0, 0) == 0 ||
				PQgetvalue(res, 0, 0)[PQgetlength(res, 0, 0) - 1] != '\n')
				fputs("\n", stdout);
		}
		PQclear(res);
	}
	PQfinish(conn);
}

/* ---------------------------------------------------------------- roundtrip */

/*
 * A migration of the directory: NAME/up.sql and NAME/down.sql (folder), or
 * NAME.up.sql and NAME.down.sql; has_down false when there is no down.
 */
typedef struct
{
	char	   *name;
	char	   *up;
	char	   *down;
	bool		has_down;
} Migration;

static char *
path_join(const char *dir, const char *name)
{
	Buf			p = {0};
	size_t		n = strlen(dir);

	buf_printf(&p, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
	return p.data;
}

/* Is there a file at path?  Exits (usage error) when it cannot tell. */
static bool
file_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
	{
		if (S_ISDIR(st.st_mode))
			usage_error("roundtrip: %s is a directory, not a migration file", path);
		return true;
	}
	if (errno != ENOENT)
		usage_error("roundtrip: cannot read %s: %s", path, strerror(errno));
	return false;
}

/* The stem of name when it ends with suffix (and has a stem). */
static bool
has_suffix(const char *name, const char *suffix, size_t *stem)
{
	size_t		n = strlen(name);
	size_t		m = strlen(suffix);

	if (n <= m || strcmp(name + n - m, suffix) != 0)
		return false;
	*stem = n - m;
	return true;
}

static int
migration_cmp(const void *a, const void *b)
{
	return strcmp(((const Migration *) a)->name, ((const Migration *) b)->name);
}

/* Do the digits x[0..xl) stand for a greater number than y[0..yl)? */
static bool
number_greater(const char *x, size_t xl, const char *y, size_t yl)
{
	while (xl > 1 && *x == '0')
		x++, xl--;
	while (yl > 1 && *y == '0')
		y++, yl--;
	return xl != yl ? xl > yl : memcmp(x, y, xl) > 0;
}

/*
 * The migrations of dir, in byte order of their names (as migration tools
 * sort them); hidden entries and other files are ignored.  A layout that
 * cannot be read, that mixes folders and file pairs, or a down without an
 * up is a usage error.
 */
static int
scan_migrations(const char *dir, Migration **out)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	Migration  *ms = NULL;
	int			n = 0;
	char	   *folder_eg = NULL;
	char	   *pair_eg = NULL;

	if (d == NULL)
		usage_error("roundtrip: cannot open directory %s: %s", dir, strerror(errno));
	for (errno = 0; (e = readdir(d)) != NULL; errno = 0)
	{
		char	   *path;
		struct stat st;
		size_t		stem;
		bool		is_up = false;
		char	   *name;
		int			i;

		if (e->d_name[0] == '.')
			continue;
		path = path_join(dir, e->d_name);
		if (stat(path, &st) != 0)
			usage_error("roundtrip: cannot read %s: %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
		{
			char	   *up = path_join(path, "up.sql");
			char	   *down = path_join(path, "down.sql");
			bool		has_up = file_exists(up);
			bool		has_down = file_exists(down);

			if (!has_up && !has_down)
				continue;
			if (!has_up)
				usage_error("roundtrip: %s has a down migration but no up.sql", path);
			ms = xrealloc(ms, sizeof(Migration) * (n + 1));
			ms[n].name = xstrdup(e->d_name);
			ms[n].up = up;
			ms[n].down = down;
			ms[n++].has_down = has_down;
			folder_eg = folder_eg ? folder_eg : xstrdup(e->d_name);
			continue;
		}
		if (!(is_up = has_suffix(e->d_name, ".up.sql", &stem)) &&
			!has_suffix(e->d_name, ".down.sql", &stem))
			continue;
		pair_eg = pair_eg ? pair_eg : xstrdup(e->d_name);
		name = xstrndup(e->d_name, stem);
		for (i = 0; i < n; i++)
			if (strcmp(ms[i].name, name) == 0)
				break;
		if (i == n)
		{
			ms = xrealloc(ms, sizeof(Migration) * (n + 1));
			ms[n].name = name;
			ms[n].up = NULL;
			ms[n].down = NULL;
			ms[n++].has_down = false;
		}
		if (is_up)
			ms[i].up = path;
		else
		{
			ms[i].down = path;
			ms[i].has_down = true;
		}
	}
	if (errno != 0)
		usage_error("roundtrip: cannot read directory %s: %s", dir, strerror(errno));
	closedir(d);
	if (folder_eg && pair_eg)
		usage_error("roundtrip: %s mixes two layouts, %s/up.sql and %s: keep one", dir,
					folder_eg, pair_eg);
	for (int i = 0; i < n; i++)
	{
		size_t		stem;

		if (ms[i].up == NULL)
			usage_error("roundtrip: %s has no up migration %s.up.sql", ms[i].down, ms[i].name);
		/* where the missing down would be */
		if (ms[i].down == NULL && has_suffix(ms[i].up, ".up.sql", &stem))
		{
			ms[i].down = xmalloc(stem + sizeof(".down.sql"));
			memcpy(ms[i].down, ms[i].up, stem);
			strcpy(ms[i].down + stem, ".down.sql");
		}
	}
	if (n == 0)
		usage_error("roundtrip: no migrations in %s: expected NAME/up.sql and NAME/down.sql, or NAME.up.sql and NAME.down.sql",
					dir);
	qsort(ms, n, sizeof(Migration), migration_cmp);
	/* numbers of different widths do not sort as numbers: say so */
	for (int i = 1; i < n; i++)
	{
		size_t		a = strspn(ms[i - 1].name, "0123456789");
		size_t		b = strspn(ms[i].name, "0123456789");

		if (a > 0 && b > 0 && number_greater(ms[i - 1].name, a, ms[i].name, b))
		{
			fprintf(stderr, "pg_schema_guard: note: migrations run in byte order of their names: %s before %s\n",
					ms[i - 1].name, ms[i].name);
			break;
		}
	}
	*out = ms;
	return n;
}

/*
 * Read a script for the round trip, split as check splits it (psql's
 * meta-commands that change nothing skipped, the others refused), with the
 * file's own BEGIN and COMMIT blanked: the round trip's transaction stands
 * for them, and lines and positions stay where they are.
 */
static bool
read_script(const char *path, Script *s)
{
	if (!read_file(path, s))
		return false;
	split_script(path, s);
	if (s->refused)
		return false;
	for (int i = 0; i < s->nstmts; i++)
	{
		Stmt	   *st = &s->stmts[i];

		if (st->kind == ST_BEGIN || st->kind == ST_COMMIT)
			for (size_t j = st->start; j < st->end; j++)
				if (s->text[j] != '\n')
					s->text[j] = ' ';
	}
	return true;
}

/* The line of the nth statement (from 1) the server sees, 0 if none. */
static int
statement_line(const Script *s, int n)
{
	for (int i = 0; i < s->nstmts; i++)
		if (s->stmts[i].kind != ST_BEGIN && s->stmts[i].kind != ST_COMMIT && --n == 0)
			return s->stmts[i].line;
	return 0;
}

/*
 * Where a finding about a whole file is: its first statement, or line 1
 * (code review tools need a line).
 */
static int
first_line(const Script *s)
{
	int			line = statement_line(s, 1);

	return line > 0 ? line : 1;
}

/*
 * The sequences the role may read, and their states: a rollback does not
 * set sequences back, and an up applied in the history (an INSERT into a
 * table that was there before) may draw from them.
 */
static PGresult *
sequence_states(PGconn *conn, PGresult *names)
{
	Buf			q = {0};
	PGresult   *res;

	for (int i = 0; i < PQntuples(names); i++)
		buf_printf(&q, "%sSELECT %d, last_value::pg_catalog.text, is_called FROM %s", i ? " UNION ALL " : "",
				   i, PQgetvalue(names, i, 0));
	buf_puts(&q, " ORDER BY 1");
	res = query_ok(conn, q.data, "could not read the sequences");
	free(q.data);
	return res;
}

/* Set back every sequence whose state is not the one read before. */
static void
restore_sequences(PGconn *conn, PGresult *names, PGresult *before)
{
	PGresult   *after = sequence_states(conn, names);

	for (int i = 0; after && i < PQntuples(after); i++)
	{
		const char *params[3] = {PQgetvalue(names, i, 0), PQgetvalue(before, i, 1),
		PQgetvalue(before, i, 2)};
		PGresult   *res;

		if (strcmp(PQgetvalue(after, i, 1), params[1]) == 0 &&
			strcmp(PQgetvalue(after, i, 2), params[2]) == 0)
			continue;
		res = PQexecParams(conn,
						   "SELECT pg_catalog.setval($1::pg_catalog.regclass, $2::pg_catalog.int8, $3::pg_catalog.bool)",
						   3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			run_error(NULL, 0, "could not set sequence %s back to %s: %s", params[0], params[1],
					  PQerrorMessage(conn));
		PQclear(res);
	}
	PQclear(after);
}

/*
 * The rule and level of a row of roundtrip() (the manual's table, section
 * "pg_schema_guard").
 */
static void
row_rule(const char *phase, const char *kind, bool has_count, Finding *f)
{
	const char *rule;
	const char *level = "error";

	if (strcmp(kind, "ran_not_concurrently") == 0)
		rule = "roundtrip_not_concurrently", level = "info";
	else if (strcmp(phase, "up") == 0)
		rule = "roundtrip_up_failed";
	else if (strcmp(kind, "empty") == 0)
		rule = "roundtrip_down_missing";
	else if (strcmp(phase, "down") == 0)
		rule = "roundtrip_down_failed";
	else if (strcmp(phase, "seed") == 0 || strcmp(phase, "fill") == 0 ||
			 strcmp(kind, "skipped") == 0)
	{
		rule = "roundtrip_setup";
		if (strcmp(kind, "not_filled") == 0)
			level = "info";
		else if (strcmp(kind, "skipped") == 0)
			level = "warning";
	}
	else if (strcmp(kind, "released") == 0)
		rule = "roundtrip_session_lock", level = "warning";
	else if (strncmp(kind, "sequence_", 9) == 0)
	{
		rule = "roundtrip_sequence";
		if (strcmp(kind, "sequence_advanced") == 0)
			level = "warning";
	}
	else if (has_count)
	{
		rule = "roundtrip_data";
		if (strcmp(kind, "json_normalized") == 0)
			level = "warning";
	}
	else
	{
		rule = "roundtrip_schema";
		if (strcmp(kind, "reordered_columns") == 0)
			level = "warning";
	}
	f->rule = xstrdup(rule);
	f->level = xstrdup(level);
}

/* The scripts of one round trip, and their files. */
typedef struct
{
	const Migration *m;
	const Script *up;
	const Script *down;			/* empty without m->has_down */
	const Script *seed;			/* NULL without --seed-sql */
} RtScripts;

/* The script roundtrip() names (up, down or seed_sql), and its file. */
static const Script *
script_named(const RtScripts *rs, const char *name, const char **file)
{
	if (strcmp(name, "up") == 0)
		return *file = rs->m->up, rs->up;
	if (strcmp(name, "down") == 0 && rs->m->has_down)
		return *file = rs->m->down, rs->down;
	if (strcmp(name, "seed_sql") == 0 && rs->seed)
		return *file = seed_path, rs->seed;
	return *file = NULL, NULL;
}

/*
 * roundtrip() refused the migration or failed: a script that does not
 * parse is the migration's error (migration_error, at its line); anything
 * else is the run's (exit 2).  True when the history can go on (up is
 * fine).
 */
static bool
roundtrip_failed(const RtScripts *rs, PGresult *res)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	char		name[16];
	const char *file;
	const Script *s;
	int			n;

	if (msg && detail && sscanf(detail, "At character %d of %15[a-z_]", &n, name) == 2 &&
		(s = script_named(rs, name, &file)) != NULL)
	{
		Finding    *f;

		if (s == rs->seed)
		{
			run_error(file, 1 + line_at_position(s->text, s->len, n), "%s", msg);
			return false;
		}
		f = add_finding();

		f->file = xstrdup(file);
		f->line = 1 + line_at_position(s->text, s->len, n);
		f->migration = xstrdup(rs->m->name);
		f->rule = xstrdup(MIGRATION_ERROR);
		f->level = xstrdup("error");
		f->message = xstrdup(msg);
		return s == rs->down;
	}
	if (msg && sscanf(msg, "roundtrip cannot run statement %d of %15[a-z_]", &n, name) == 2 &&
		(s = script_named(rs, name, &file)) != NULL)
	{
		run_error(file, statement_line(s, n), "%s: %s", msg, detail ? detail : "");
		return false;
	}
	run_error(rs->m->up, 0, "schema_guard.roundtrip() failed: %s",
			  PQresultErrorMessage(res));
	return false;
}

/*
 * Round-trip a migration where the history stands: each row of roundtrip()
 * a finding; *up_failed is the index of the first of up failing, or -1.
 * False when the history cannot go on (reported).
 */
static bool
roundtrip_one(PGconn *conn, const RtScripts *rs, int *up_failed)
{
	const Migration *m = rs->m;
	const char *params[5];
	char		fill[16];
	PGresult   *res;
	bool		called;
	bool		ok = true;

	*up_failed = -1;
	snprintf(fill, sizeof(fill), "%d", fill_rows);
	params[0] = rs->up->text;
	params[1] = m->has_down ? rs->down->text : "";
	params[2] = rs->seed ? rs->seed->text : NULL;
	params[3] = nschemas ? text_array(opt_schemas, nschemas) : NULL;
	params[4] = fill;
	/* an error of the call leaves the history that was applied */
	res = query_ok(conn, "SAVEPOINT pg_schema_guard", "could not start a round trip");
	if (res == NULL)
		return false;
	PQclear(res);
	res = PQexecParams(conn,
					   "SELECT phase, object_type, object_identity, kind, detail, count, examples "
					   "FROM schema_guard.roundtrip($1, $2, $3, $4::pg_catalog.name[], $5::pg_catalog.int4)",
					   5, NULL, params, NULL, NULL, 0);
	called = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!called)
		ok = roundtrip_failed(rs, res);
	for (int i = 0; called && i < PQntuples(res); i++)
	{
		const char *phase = PQgetvalue(res, i, 0);
		const char *object_type = PQgetvalue(res, i, 1);
		const char *identity = PQgetvalue(res, i, 2);
		const char *kind = PQgetvalue(res, i, 3);
		Finding    *f = add_finding();
		Buf			msg = {0};
		const char *script = strcmp(phase, "seed") == 0 ? "seed_sql" : phase;
		const char *file;
		const Script *s = script_named(rs, script, &file);
		const Script *at = s ? s : m->has_down ? rs->down : rs->up;
		int			n;

		row_rule(phase, kind, !PQgetisnull(res, i, 5), f);
		f->migration = xstrdup(m->name);
		f->kind = xstrdup(kind);
		f->file = xstrdup(file ? file : m->has_down ? m->down : m->up);
		f->detail = PQgetisnull(res, i, 4) ? NULL : xstrdup(PQgetvalue(res, i, 4));
		if (s && strcmp(object_type, "statement") == 0 &&
			sscanf(identity, "statement %d", &n) == 1)
			f->line = statement_line(s, n);
		if (f->line == 0)
			f->line = first_line(at);
		if (strcmp(kind, "empty") == 0 && m->has_down)
			buf_puts(&msg, "down is empty: nothing undoes up");
		else if (strcmp(kind, "empty") == 0)
		{
			Buf			detail = {0};

			buf_puts(&msg, "there is no down migration: nothing undoes up");
			buf_printf(&detail, "%s does not exist", m->down);
			f->detail = detail.data;
		}
		else if (strcmp(object_type, "statement") == 0)
			buf_printf(&msg, "%s %s: %s", phase, kind, identity);
		else
			buf_printf(&msg, "%s %s: %s %s", phase, kind, object_type, identity);
		/* statements and the migration are not objects of the database */
		if (strcmp(object_type, "statement") != 0 && strcmp(object_type, "migration") != 0)
		{
			f->object_type = xstrdup(object_type);
			f->object_identity = xstrdup(identity);
		}
		if (!PQgetisnull(res, i, 5) && strcmp(kind, "released") == 0)
			buf_printf(&msg, " (taken %s time(s))", PQgetvalue(res, i, 5));
		else if (!PQgetisnull(res, i, 5))
			buf_printf(&msg, " (%s row(s)%s%s)", PQgetvalue(res, i, 5),
					   PQgetisnull(res, i, 6) ? "" : ", e.g. ",
					   PQgetisnull(res, i, 6) ? "" : PQgetvalue(res, i, 6));
		f->message = msg.data;
		/* fails_on_filled_data: roundtrip()'s own word for failing on fill's rows */
		if (strcmp(phase, "up") == 0 && *up_failed < 0 &&
			(strcmp(kind, "failed") == 0 || strcmp(kind, "fails_on_filled_data") == 0))
			*up_failed = f - findings;
	}
	PQclear(res);
	res = query_ok(conn, called ? "RELEASE SAVEPOINT pg_schema_guard" :
				   "ROLLBACK TO SAVEPOINT pg_schema_guard", "could not end a round trip");
	if (res == NULL)
		return false;
	PQclear(res);
	return ok;
}

/*
 * Apply up for real, in the transaction, for the migrations after it: its
 * statements as written, but without CONCURRENTLY (which cannot run in a
 * transaction block), as the round trip ran them.  When the round trip saw
 * up fail (up_failed) and up applies, it failed only on the seeded or
 * filled rows: a warning.  When up does not apply, the history stops
 * (false): its failure is the round trip's finding, or a migration_error.
 */
static bool
apply_up(PGconn *conn, const RtScripts *rs, int up_failed)
{
	const Script *s = rs->up;

	for (int i = 0; i < s->nstmts; i++)
	{
		const Stmt *st = &s->stmts[i];
		Buf			sql = {0};
		bool		ok;

		if (st->kind == ST_BEGIN || st->kind == ST_COMMIT)
			continue;
		if (st->kind == ST_NO_TXN_BLOCK && st->concurrently != (size_t) -1)
		{
			/* REINDEX (CONCURRENTLY): an option, set false */
			buf_append(&sql, s->text + st->chunk, st->concurrently - st->chunk);
			if (st->conc_option)
				buf_puts(&sql, "CONCURRENTLY false");
			buf_append(&sql, s->text + st->concurrently + 12,
					   st->end - st->concurrently - 12);
		}
		else
			buf_append(&sql, s->text + st->chunk, st->end - st->chunk);
		ok = run_statement(conn, rs->m->up, sql.data, st);
		free(sql.data);
		if (connection_lost(conn, rs->m->up))
			return false;
		if (ok)
			continue;
		if (up_failed >= 0)
			nfindings--;		/* the round trip's finding says it */
		else
			findings[nfindings - 1].migration = xstrdup(rs->m->name);
		return false;
	}
	if (up_failed >= 0 && (rs->seed || fill_rows > 0))
	{
		Finding    *f = &findings[up_failed];
		Buf			msg = {0};

		/* the message is "up KIND: statement N" */
		buf_printf(&msg, "up failed on the seeded or filled rows only: %s",
				   strstr(f->message, ": ") + 2);
		f->message = msg.data;
		f->level = xstrdup("warning");
	}
	return true;
}

/*
 * roundtrip DIR: in one session and one transaction, rolled back at the
 * end, each migration in turn is round-tripped (roundtrip(up, down)) and
 * then applied (up), so that each is round-tripped where the history before
 * it leaves the database.  Sequences are set back after the rollback.
 */
static void
run_roundtrip(const char *dir)
{
	Migration  *ms;
	int			n = scan_migrations(dir, &ms);
	Script	   *ups = xmalloc(sizeof(Script) * n);
	Script	   *downs = xmalloc(sizeof(Script) * n);
	Script		seed;
	bool		readable = true;
	PGconn	   *conn;
	PGresult   *res;
	PGresult   *seq_names = NULL;
	PGresult   *seq_before = NULL;
	int			k;
	bool		go_on = true;

	files_done = xmalloc(sizeof(char *) * n);
	if (seed_path && !read_script(seed_path, &seed))
		readable = false;
	for (k = 0; k < n; k++)
	{
		files_done[nfiles_done++] = ms[k].name;
		memset(&downs[k], 0, sizeof(Script));
		if (!read_script(ms[k].up, &ups[k]) ||
			(ms[k].has_down && !read_script(ms[k].down, &downs[k])))
			readable = false;
	}
	if (!readable)
		return;

	conn = connect_db();
	if (conn == NULL)
	{
		had_usage_error = true;
		return;
	}
	if (!check_extension(conn))
		goto done;
	/* The history is applied as the round trip runs it: unjudged. */
	res = PQexec(conn, "SET schema_guard.mode = off");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fprintf(stderr, "pg_schema_guard: note: the guard judges the migrations applied, as configured: %s",
				PQerrorMessage(conn));
	PQclear(res);
	if ((res = query_ok(conn, "SET client_min_messages = warning", "could not set client_min_messages")) == NULL)
		goto done;
	PQclear(res);
	seq_names = query_ok(conn,
						 "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
						 "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
						 "ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
						 "WHERE c.relkind OPERATOR(pg_catalog.=) 'S' "
						 "AND c.relpersistence OPERATOR(pg_catalog.<>) 't' "
						 "AND pg_catalog.has_table_privilege(c.oid, 'SELECT') ORDER BY 1",
						 "could not list the sequences");
	if (seq_names == NULL ||
		(PQntuples(seq_names) > 0 && (seq_before = sequence_states(conn, seq_names)) == NULL))
		goto done;
	if ((res = query_ok(conn, "BEGIN", "could not begin")) == NULL)
		goto done;
	PQclear(res);
	for (k = 0; k < n && go_on; k++)
	{
		RtScripts	rs = {&ms[k], &ups[k], &downs[k], seed_path ? &seed : NULL};
		int			up_failed;

		show_progress(true, "migration %d/%d %s", k + 1, n, ms[k].name);
		notice_file = ms[k].up;
		go_on = roundtrip_one(conn, &rs, &up_failed) && apply_up(conn, &rs, up_failed);
	}
	notice_file = NULL;
	/* what comes after a migration that did not apply was not tested */
	for (int j = k; j < n; j++)
	{
		Finding    *f = add_finding();
		Buf			msg = {0};

		buf_printf(&msg, "not round-tripped: the history stops at %s", ms[k - 1].name);
		f->file = xstrdup(ms[j].up);
		f->line = first_line(&ups[j]);
		f->migration = xstrdup(ms[j].name);
		f->rule = xstrdup("roundtrip_not_run");
		f->level = xstrdup("error");
		f->message = msg.data;
	}
	if (PQstatus(conn) != CONNECTION_OK)
		goto done;
	if ((res = query_ok(conn, "ROLLBACK", "could not roll back")) == NULL)
		goto done;
	PQclear(res);
	if (seq_before)
		restore_sequences(conn, seq_names, seq_before);

done:
	PQclear(seq_names);
	PQclear(seq_before);
	PQfinish(conn);
}

/* ---------------------------------------------------------------- output */

static void
json_string(Buf *b, const char *s)
{
	if (s == NULL)
	{
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"':
				buf_puts(b, "\\\"");
				break;
			case '\\':
				buf_puts(b, "\\\\");
				break;
			case '\n':
				buf_puts(b, "\\n");
				break;
			case '\r':
				buf_puts(b, "\\r");
				break;
			case '\t':
				buf_puts(b, "\\t");
				break;
			default:
				if (*p < 0x20)
					buf_printf(b, "\\u%04x", *p);
				else
					buf_append(b, (const char *) p, 1);
		}
	}
	buf_puts(b, "\"");
}

/* ", \"key\": value" */
static void
json_member(Buf *b, const char *key, const char *value)
{
	buf_printf(b, ", \"%s\": ", key);
	json_string(b, value);
}

static void
xml_string(Buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; p && *p; p++)
	{
		switch (*p)
		{
			case '<':
				buf_puts(b, "&lt;");
				break;
			case '>':
				buf_puts(b, "&gt;");
				break;
			case '&':
				buf_puts(b, "&amp;");
				break;
			case '"':
				buf_puts(b, "&quot;");
				break;
			case '\'':
				buf_puts(b, "&apos;");
				break;
			default:
				/* XML 1.0 allows no other control characters */
				if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
					buf_printf(b, "&#xFFFD;");
				else
					buf_append(b, (const char *) p, 1);
		}
	}
}

/* A relative path as a URI reference: unreserved characters and '/'. */
static void
uri_string(Buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (path[0] == '/')
		buf_puts(b, "file://");
	for (const unsigned char *p = (const unsigned char *) path; *p; p++)
	{
		if (isalnum(*p) || strchr("-._~/", *p))
			buf_append(b, (const char *) p, 1);
		else
		{
			char		esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			buf_append(b, esc, 3);
		}
	}
}

static bool
failing(const Finding *f)
{
	return !f->exempted && level_rank(f->level) >= fail_rank;
}

/* "file:line: " or "file: " or "" */
static void
where(Buf *b, const Finding *f)
{
	if (f->file && f->line > 0)
		buf_printf(b, "%s:%d: ", f->file, f->line);
	else if (f->file)
		buf_printf(b, "%s: ", f->file);
}

static void
text_line(Buf *b, const Finding *f)
{
	where(b, f);
	buf_printf(b, "%s: %s: %s%s%s\n", f->level, f->rule, f->message,
			   f->at_commit ? " (at commit)" : "", f->exempted ? " (exempted)" : "");
}

/*
 * The audit as a table: level, rule, object and message aligned, then
 * each finding's detail and fix.
 */
static void
print_audit_table(void)
{
	Buf			b = {0};
	int			w[3] = {5, 4, 6};
	int			counts[3] = {0};

	for (int i = 0; i < nfindings; i++)
	{
		Finding    *f = &findings[i];
		int			n[3] = {(int) strlen(f->level), (int) strlen(f->rule),
		(int) strlen(f->object_identity ? f->object_identity : "")};

		for (int c = 0; c < 3; c++)
			if (n[c] > w[c])
				w[c] = n[c];
	}
	if (nfindings > 0)
		buf_printf(&b, "%-*s  %-*s  %-*s  %s\n", w[0], "level", w[1], "rule", w[2], "object",
				   "message");
	for (int i = 0; i < nfindings; i++)
	{
		Finding    *f = &findings[i];

		buf_printf(&b, "%-*s  %-*s  %-*s  %s%s\n", w[0], f->level, w[1], f->rule, w[2],
				   f->object_identity ? f->object_identity : "", f->message,
				   f->exempted ? " (exempted)" : "");
		if (f->detail)
			buf_printf(&b, "%*s  detail: %s\n", w[0], "", f->detail);
		if (f->fix)
			buf_printf(&b, "%*s  fix: %s\n", w[0], "", f->fix);
		if (level_rank(f->level) >= 0 && !f->exempted)
			counts[level_rank(f->level)]++;
	}
	buf_printf(&b, "%d error(s), %d warning(s), %d info (exempted findings not counted)\n",
			   counts[2], counts[1], counts[0]);
	fputs(b.data, stdout);
	free(b.data);
}

/* label and text, the text's further lines indented under the label */
static void
indented(Buf *b, const char *label, const char *text)
{
	buf_puts(b, label);
	for (const char *p = text; *p; p++)
	{
		buf_append(b, p, 1);
		if (*p == '\n')
			buf_puts(b, "      ");
	}
	buf_puts(b, "\n");
}

static void
print_text(void)
{
	Buf			b = {0};
	int			counts[3] = {0};

	for (int i = 0; i < nfindings; i++)
	{
		Finding    *f = &findings[i];

		text_line(&b, f);
		if (f->detail)
			indented(&b, "    detail: ", f->detail);
		if (f->fix)
			indented(&b, "    fix: ", f->fix);
		if (level_rank(f->level) >= 0)
			counts[level_rank(f->level)]++;
	}
	buf_printf(&b, strcmp(command, "roundtrip") == 0 ? "%d migration(s) round-tripped: " :
			   "%d file(s) checked: ", nfiles_done);
	buf_printf(&b, "%d error(s), %d warning(s), %d info\n", counts[2], counts[1], counts[0]);
	fputs(b.data, stdout);
	free(b.data);
}

static void
print_json(void)
{
	Buf			b = {0};

	buf_printf(&b, "{\"tool\": \"pg_schema_guard\", \"version\": \"%s\", \"findings\": [", SG_VERSION);
	for (int i = 0; i < nfindings; i++)
	{
		Finding    *f = &findings[i];

		buf_puts(&b, i ? ",\n  {" : "\n  {");
		buf_puts(&b, "\"file\": ");
		json_string(&b, f->file);
		if (f->line > 0)
			buf_printf(&b, ", \"line\": %d", f->line);
		else
			buf_puts(&b, ", \"line\": null");
		if (f->migration)
		{
			json_member(&b, "migration", f->migration);
			json_member(&b, "kind", f->kind);
		}
		json_member(&b, "rule", f->rule);
		json_member(&b, "level", f->level);
		json_member(&b, "object_type", f->object_type);
		json_member(&b, "object_identity", f->object_identity);
		json_member(&b, "message", f->message);
		json_member(&b, "detail", f->detail);
		json_member(&b, "fix", f->fix);
		buf_printf(&b, ", \"at_commit\": %s, \"exempted\": %s, \"failing\": %s}",
				   f->at_commit ? "true" : "false", f->exempted ? "true" : "false",
				   failing(f) ? "true" : "false");
	}
	buf_puts(&b, nfindings ? "\n]}\n" : "]}\n");
	fputs(b.data, stdout);
	free(b.data);
}

/* The CLI's own rules: a statement that fails, the round trip's outcomes. */
static const char *const own_rules[][2] = {
	{MIGRATION_ERROR, "a statement of the migration fails"},
	{"roundtrip_up_failed", "up fails where the migrations before it leave the database"},
	{"roundtrip_down_failed", "down fails after up"},
	{"roundtrip_down_missing", "the migration has no down, or an empty one: nothing undoes up"},
	{"roundtrip_schema", "after up then down, the schema is not what it was"},
	{"roundtrip_data", "after up then down, rows or values are not what they were"},
	{"roundtrip_sequence", "after up then down, a sequence is not where it was"},
	{"roundtrip_session_lock", "up or down takes a session-level advisory lock that it never releases"},
	{"roundtrip_setup", "the seed rows or generated rows of the round trip, or a table it could not read"},
	{"roundtrip_not_concurrently", "a CONCURRENTLY statement ran without it in the round trip"},
	{"roundtrip_not_run", "not round-tripped: an earlier migration of the history does not apply"},
	{NULL, NULL}
};

static const char *
rule_description(const char *rule)
{
	for (int i = 0; i < nrules; i++)
		if (strcmp(rule_ids[i], rule) == 0)
			return rule_descriptions[i];
	for (int i = 0; own_rules[i][0]; i++)
		if (strcmp(own_rules[i][0], rule) == 0)
			return own_rules[i][1];
	return rule;
}

/*
 * SARIF 2.1.0: one run; the rules that have results, with their
 * description; each result's physical location is the file and line, its
 * logical location the object.
 */
static void
print_sarif(void)
{
	Buf			b = {0};
	char	  **used = xmalloc(sizeof(char *) * (nfindings + 1));
	int			nused = 0;

	for (int i = 0; i < nfindings; i++)
	{
		int			j;

		for (j = 0; j < nused; j++)
			if (strcmp(used[j], findings[i].rule) == 0)
				break;
		if (j == nused)
			used[nused++] = findings[i].rule;
	}
	buf_puts(&b, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
			 "  \"version\": \"2.1.0\",\n  \"runs\": [{\n    \"tool\": {\"driver\": {"
			 "\"name\": \"pg_schema_guard\", ");
	buf_printf(&b, "\"version\": \"%s\", ", SG_VERSION);
	buf_puts(&b, "\"rules\": [");
	for (int i = 0; i < nused; i++)
	{
		buf_puts(&b, i ? ",\n      {\"id\": " : "\n      {\"id\": ");
		json_string(&b, used[i]);
		buf_puts(&b, ", \"shortDescription\": {\"text\": ");
		json_string(&b, rule_description(used[i]));
		buf_puts(&b, "}}");
	}
	buf_puts(&b, "]}},\n    \"results\": [");
	for (int i = 0; i < nfindings; i++)
	{
		Finding    *f = &findings[i];
		Buf			text = {0};
		int			r;

		for (r = 0; r < nused; r++)
			if (strcmp(used[r], f->rule) == 0)
				break;
		buf_printf(&text, "%s: %s", f->rule, f->message);
		if (f->detail)
			buf_printf(&text, "\n%s", f->detail);
		if (f->fix)
			buf_printf(&text, "\nFix: %s", f->fix);
		buf_puts(&b, i ? ",\n      {" : "\n      {");
		buf_puts(&b, "\"ruleId\": ");
		json_string(&b, f->rule);
		buf_printf(&b, ", \"ruleIndex\": %d, \"level\": \"%s\", \"message\": {\"text\": ", r,
				   strcmp(f->level, "error") == 0 ? "error" :
				   strcmp(f->level, "warning") == 0 ? "warning" : "note");
		json_string(&b, text.data);
		buf_puts(&b, "}, \"locations\": [{");
		if (f->file)
		{
			buf_puts(&b, "\"physicalLocation\": {\"artifactLocation\": {\"uri\": \"");
			uri_string(&b, f->file);
			buf_puts(&b, "\"}");
			if (f->line > 0)
				buf_printf(&b, ", \"region\": {\"startLine\": %d}", f->line);
			buf_puts(&b, "}");
		}
		if (f->object_identity)
		{
			buf_puts(&b, f->file ? ", " : "");
			buf_puts(&b, "\"logicalLocations\": [{\"fullyQualifiedName\": ");
			json_string(&b, f->object_identity);
			if (f->object_type)
				json_member(&b, "kind", f->object_type);
			buf_puts(&b, "}]");
		}
		buf_puts(&b, "}]");
		if (f->exempted)
			buf_puts(&b, ", \"suppressions\": [{\"kind\": \"external\"}]");
		buf_printf(&b, ", \"properties\": {\"atCommit\": %s}}", f->at_commit ? "true" : "false");
		free(text.data);
	}
	buf_puts(&b, nfindings ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
	fputs(b.data, stdout);
	free(b.data);
	free(used);
}

/*
 * The units JUnit and TAP count: each file checked or migration
 * round-tripped, or the audited database as one unit per rule with
 * findings (and one that passes when there is none).
 */
typedef struct
{
	const char *name;
	int			first;			/* findings of it: those whose key is name */
} Unit;

static const char *
unit_key(const Finding *f)
{
	return f->migration ? f->migration : f->file ? f->file : f->rule;
}

static int
collect_units(Unit **units)
{
	int			n = 0;

	*units = xmalloc(sizeof(Unit) * (nfiles_done + nfindings + 1));
	for (int i = 0; i < nfiles_done; i++)
		(*units)[n++].name = files_done[i];
	if (!files_done)
	{
		for (int i = 0; i < nfindings; i++)
		{
			int			j;

			for (j = 0; j < n; j++)
				if (strcmp((*units)[j].name, unit_key(&findings[i])) == 0)
					break;
			if (j == n)
				(*units)[n++].name = unit_key(&findings[i]);
		}
		if (n == 0)
			(*units)[n++].name = "audit";
	}
	return n;
}

static void
print_junit(void)
{
	Buf			b = {0};
	Unit	   *units;
	int			n = collect_units(&units);
	int			nfailing = 0;

	for (int u = 0; u < n; u++)
		for (int i = 0; i < nfindings; i++)
			if (failing(&findings[i]) && strcmp(unit_key(&findings[i]), units[u].name) == 0)
			{
				nfailing++;
				break;
			}
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<testsuites name=\"pg_schema_guard\" tests=\"%d\" failures=\"%d\">\n"
			   "  <testsuite name=\"pg_schema_guard %s\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n",
			   n, nfailing, command, n, nfailing);
	for (int u = 0; u < n; u++)
	{
		Buf			fail = {0};
		Buf			out = {0};
		int			nf = 0;

		for (int i = 0; i < nfindings; i++)
		{
			Finding    *f = &findings[i];

			if (strcmp(unit_key(f), units[u].name) != 0)
				continue;
			if (failing(f))
				nf++;
			text_line(failing(f) ? &fail : &out, f);
		}
		buf_puts(&b, "    <testcase classname=\"pg_schema_guard\" name=\"");
		xml_string(&b, units[u].name);
		buf_puts(&b, "\">");
		if (nf > 0)
		{
			buf_printf(&b, "\n      <failure type=\"schema_guard\" message=\"%d finding(s) at or above the fail level\">", nf);
			xml_string(&b, fail.data);
			buf_puts(&b, "</failure>");
		}
		if (out.len > 0)
		{
			buf_puts(&b, "\n      <system-out>");
			xml_string(&b, out.data);
			buf_puts(&b, "</system-out>");
		}
		buf_puts(&b, nf > 0 || out.len > 0 ? "\n    </testcase>\n" : "</testcase>\n");
		free(fail.data);
		free(out.data);
	}
	buf_puts(&b, "  </testsuite>\n</testsuites>\n");
	fputs(b.data, stdout);
	free(b.data);
	free(units);
}

/* TAP 13: a test per unit; its findings as diagnostics. */
/*
 * A TAP description: one line, in which '#' would start a directive and
 * '\\' escapes, both escaped with '\\' (TAP 14's escaping, which TAP 13
 * parsers read as text); a control character becomes a space.
 */
static void
tap_description(Buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		char		c = *p < 0x20 ? ' ' : (char) *p;

		if (c == '#' || c == '\\')
			buf_puts(b, "\\");
		buf_append(b, &c, 1);
	}
}

static void
print_tap(void)
{
	Buf			b = {0};
	Unit	   *units;
	int			n = collect_units(&units);

	buf_printf(&b, "TAP version 13\n1..%d\n", n);
	for (int u = 0; u < n; u++)
	{
		bool		bad = false;
		Buf			diag = {0};

		for (int i = 0; i < nfindings; i++)
		{
			Finding    *f = &findings[i];
			Buf			line = {0};

			if (strcmp(unit_key(f), units[u].name) != 0)
				continue;
			bad |= failing(f);
			text_line(&line, f);
			/* a comment line per line of it: names may hold line breaks */
			for (char *l = strtok(line.data, "\r\n"); l; l = strtok(NULL, "\r\n"))
				buf_printf(&diag, "# %s\n", l);
			free(line.data);
		}
		buf_printf(&b, "%s %d - ", bad ? "not ok" : "ok", u + 1);
		tap_description(&b, units[u].name);
		buf_puts(&b, "\n");
		if (diag.len)
			buf_puts(&b, diag.data);
		free(diag.data);
	}
	fputs(b.data, stdout);
	free(b.data);
	free(units);
}

/* ---------------------------------------------------------------- main */

static int
parse_format(const char *s)
{
	for (int i = 0; format_names[i]; i++)
		if (strcmp(s, format_names[i]) == 0)
			return i;
	usage_error("invalid format \"%s\": text, json, sarif, junit or tap", s);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"format", required_argument, NULL, 'f'},
		{"fail-level", required_argument, NULL, 'l'},
		{"commit", no_argument, NULL, 1},
		{"schema", required_argument, NULL, 'n'},
		{"rule", required_argument, NULL, 'r'},
		{"with-data", no_argument, NULL, 2},
		{"fill-rows", required_argument, NULL, 3},
		{"seed-sql", required_argument, NULL, 4},
		{"quiet", no_argument, NULL, 'q'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"dbname", required_argument, NULL, 'd'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	bool		quiet = false;
	int			c;
	bool		failed = false;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		printf("pg_schema_guard (schema_guard) %s\n", SG_VERSION);
		return EXIT_CLEAN;
	}
	if (argc < 2 || argv[1][0] == '-')
		usage_error("a command is required: audit, check or roundtrip");
	command = argv[1];
	if (strcmp(command, "audit") != 0 && strcmp(command, "check") != 0 &&
		strcmp(command, "roundtrip") != 0)
		usage_error("unknown command \"%s\": audit, check or roundtrip", command);
	argv++;
	argc--;

	while ((c = getopt_long(argc, argv, "f:l:n:r:qh:p:U:d:V?", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'f':
				format = parse_format(optarg);
				break;
			case 'l':
				fail_rank = level_rank(optarg);
				if (fail_rank < 0)
					usage_error("invalid fail level \"%s\": error, warning or info", optarg);
				break;
			case 1:
				do_commit = true;
				break;
			case 2:
				with_data = true;
				break;
			case 3:
				{
					char	   *end;
					long		v;

					errno = 0;
					v = strtol(optarg, &end, 10);
					if (errno != 0 || end == optarg || *end != '\0' || v < 0 || v > 1000000000)
						usage_error("invalid number of rows \"%s\": 0 or more", optarg);
					fill_rows = (int) v;
					fill_given = true;
				}
				break;
			case 4:
				seed_path = optarg;
				break;
			case 'n':
				opt_schemas = xrealloc(opt_schemas, sizeof(char *) * (nschemas + 1));
				opt_schemas[nschemas++] = optarg;
				break;
			case 'r':
				opt_rules = xrealloc(opt_rules, sizeof(char *) * (nrules_opt + 1));
				opt_rules[nrules_opt++] = optarg;
				break;
			case 'q':
				quiet = true;
				break;
			case 'h':
				opt_host = optarg;
				break;
			case 'p':
				opt_port = optarg;
				break;
			case 'U':
				opt_user = optarg;
				break;
			case 'd':
				opt_dbname = optarg;
				break;
			case 'V':
				printf("pg_schema_guard (schema_guard) %s\n", SG_VERSION);
				return EXIT_CLEAN;
			case '?':
				if (strcmp(argv[optind - 1], "-?") == 0 ||
					strcmp(argv[optind - 1], "--help") == 0)
				{
					usage(stdout);
					return EXIT_CLEAN;
				}
				/* getopt said what was wrong */
				fprintf(stderr, "Try \"pg_schema_guard --help\" for more information.\n");
				exit(EXIT_USAGE);
			default:
				exit(EXIT_USAGE);
		}
	}
	progress = !quiet && isatty(fileno(stderr));
	if (strcmp(command, "roundtrip") != 0 && (fill_given || seed_path))
		usage_error("%s: --fill-rows and --seed-sql are for roundtrip", command);
	if (strcmp(command, "audit") != 0 && (nrules_opt || with_data))
		usage_error("%s: --rule and --with-data are for audit", command);
	if (strcmp(command, "check") != 0 && do_commit)
		usage_error("%s: --commit is for check", command);

	if (strcmp(command, "roundtrip") == 0)
	{
		if (optind >= argc)
			usage_error("roundtrip: no directory given");
		if (optind + 1 < argc)
			usage_error("roundtrip: one directory only, not \"%s\" too", argv[optind + 1]);
		run_roundtrip(argv[optind]);
		end_progress();
	}
	else if (strcmp(command, "check") == 0)
	{
		if (optind >= argc)
			usage_error("check: no file given");
		if (nschemas)
			usage_error("check: --schema is for audit and roundtrip");
		files_done = xmalloc(sizeof(char *) * (argc - optind));
		for (int i = optind; i < argc; i++)
		{
			files_done[nfiles_done++] = argv[i];
			check_file(argv[i], i - optind + 1, argc - optind);
		}
		end_progress();
	}
	else
	{
		if (optind < argc)
			usage_error("audit: unexpected argument \"%s\"", argv[optind]);
		run_audit();
	}

	if (!had_usage_error || nfindings > 0)
	{
		if (format == FMT_TEXT && files_done)
			print_text();
		else if (format == FMT_TEXT)
			print_audit_table();
		else if (files_done || audit_own_document)
		{
			if (format == FMT_JSON)
				print_json();
			else if (format == FMT_SARIF)
				print_sarif();
			else if (format == FMT_JUNIT)
				print_junit();
			else
				print_tap();
		}
	}
	for (int i = 0; i < nfindings; i++)
		failed |= failing(&findings[i]);
	if (had_usage_error)
		return EXIT_USAGE;
	return failed ? EXIT_FINDINGS : EXIT_CLEAN;
}
