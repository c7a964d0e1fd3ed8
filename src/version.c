/*-------------------------------------------------------------------------
 *
 * version.c
 *		The library runs only against the SQL objects of its own version.
 *
 * Between installing a new library and ALTER EXTENSION schema_guard UPDATE,
 * and in a session that loaded the old library before the update, the C
 * code and the extension's tables and functions belong to different
 * versions.  The guard then steps aside with a WARNING (blocking DDL would
 * block the update itself); the report functions refuse with an ERROR.
 *
 * The extension's version is read from pg_extension once per command and
 * kept until the command counter moves (our own ALTER EXTENSION), a
 * (sub)transaction ends, or a new transaction starts (another session's).
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#ifndef SG_VERSION
#error "SG_VERSION must be defined by the Makefile (the control file's default_version)"
#endif

typedef enum SgExtState
{
	SG_EXT_UNKNOWN,				/* not read in this command */
	SG_EXT_ABSENT,				/* no extension in this database */
	SG_EXT_CURRENT,				/* at the library's version */
	SG_EXT_OTHER				/* at another version */
} SgExtState;

static SgExtState sg_ext_state = SG_EXT_UNKNOWN;
static CommandId sg_ext_cid;
static char sg_ext_version[64];
static bool sg_ext_warned = false;	/* this transaction */

static void
sg_version_xact_callback(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
		event != XACT_EVENT_PRE_PREPARE)
	{
		sg_ext_state = SG_EXT_UNKNOWN;
		sg_ext_warned = false;
	}
}

/* A rolled-back ALTER EXTENSION leaves the command counter where it was. */
static void
sg_version_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		sg_ext_state = SG_EXT_UNKNOWN;
}

void
sg_version_init(void)
{
	RegisterXactCallback(sg_version_xact_callback, NULL);
	RegisterSubXactCallback(sg_version_subxact_callback, NULL);
}

/* Read pg_extension, unless already read in this command. */
static SgExtState
sg_ext_lookup(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	CommandId	cid = GetCurrentCommandId(false);

	if (sg_ext_state != SG_EXT_UNKNOWN && sg_ext_cid == cid)
		return sg_ext_state;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(SG_EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	sg_ext_state = SG_EXT_ABSENT;
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		version = heap_getattr(tup, Anum_pg_extension_extversion,
										   RelationGetDescr(rel), &isnull);

		sg_ext_version[0] = '\0';
		if (!isnull)
			text_to_cstring_buffer(DatumGetTextPP(version), sg_ext_version,
								   sizeof(sg_ext_version));
		sg_ext_state = strcmp(sg_ext_version, SG_VERSION) == 0 ?
			SG_EXT_CURRENT : SG_EXT_OTHER;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	sg_ext_cid = cid;
	return sg_ext_state;
}

/* Is "a.b.c" older than the library's version?  False when unsure. */
static bool
sg_version_older(const char *version)
{
	int			a[3],
				b[3];

	if (sscanf(version, "%d.%d.%d", &a[0], &a[1], &a[2]) != 3 ||
		sscanf(SG_VERSION, "%d.%d.%d", &b[0], &b[1], &b[2]) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return false;
}

/*
 * The HINT: the update when the SQL objects are older than the library;
 * otherwise this session runs an older library than the objects (loaded
 * before an update, or an older file installed), which no SQL fixes.
 */
static int
sg_version_hint(void)
{
	if (sg_version_older(sg_ext_version))
		return errhint("ALTER EXTENSION %s UPDATE TO '%s';", SG_EXTENSION_NAME, SG_VERSION);
	return errhint("Install the library of version %s and start a new session.",
				   sg_ext_version);
}

/*
 * For the guard and its bookkeeping: does the extension exist in this
 * database at the library's version?  A mismatch is reported by a WARNING
 * once per transaction, and the caller then does nothing.
 */
bool
sg_extension_current(void)
{
	SgExtState	state = sg_ext_lookup();

	if (state == SG_EXT_OTHER && !sg_ext_warned)
	{
		sg_ext_warned = true;
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"%s\" is at version \"%s\" but its loaded library is version \"%s\"",
						SG_EXTENSION_NAME, sg_ext_version, SG_VERSION),
				 errdetail("schema_guard checks no statement until the versions match."),
				 sg_version_hint()));
	}
	return state == SG_EXT_CURRENT;
}

/*
 * For the SQL-callable functions: refuse to run against the objects of
 * another version (their tables and signatures may differ).  Extension
 * scripts call the functions of the version they install.
 */
void
sg_require_extension_current(void)
{
	SgExtState	state;

	if (creating_extension)
		return;
	state = sg_ext_lookup();
	if (state == SG_EXT_ABSENT)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"%s\" does not exist in this database",
						SG_EXTENSION_NAME),
				 errhint("CREATE EXTENSION %s;", SG_EXTENSION_NAME)));
	if (state == SG_EXT_OTHER)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"%s\" is at version \"%s\" but its loaded library is version \"%s\"",
						SG_EXTENSION_NAME, sg_ext_version, SG_VERSION),
				 sg_version_hint()));
}

/*
 * CREATE or ALTER EXTENSION schema_guard: the statement that ends a
 * mismatch (or installs an older version on purpose) is not warned about.
 */
bool
sg_is_own_extension_stmt(Node *parsetree)
{
	if (parsetree == NULL)
		return false;
	if (IsA(parsetree, CreateExtensionStmt))
		return strcmp(((CreateExtensionStmt *) parsetree)->extname, SG_EXTENSION_NAME) == 0;
	if (IsA(parsetree, AlterExtensionStmt))
		return strcmp(((AlterExtensionStmt *) parsetree)->extname, SG_EXTENSION_NAME) == 0;
	return false;
}
