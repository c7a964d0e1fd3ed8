/*-------------------------------------------------------------------------
 *
 * report.c
 *		From a finding to a guard message; exemptions; the questions every
 *		moment asks before it checks anything.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/*
 * May the guard look at anything now?  Never while binary-upgrading, while
 * an extension script runs (objects the user did not write), with the
 * guard off, outside a healthy transaction (catalog access in an aborted
 * transaction is not allowed), or unless the extension exists in this
 * database at the library's version (checked last: it reads the catalog).
 * Nor on a hot standby: PostgreSQL refuses there every statement we judge,
 * but only after the ProcessUtility hook has run, and its own error is the
 * one to give.  Nor inside schema_guard.roundtrip(), which rolls back all
 * it runs, some of it without CONCURRENTLY.
 */
bool
sg_guard_active(void)
{
	return sg_mode != SG_MODE_OFF &&
		!sg_roundtrip_running &&
		!IsBinaryUpgrade &&
		!creating_extension &&
		IsTransactionState() &&
		!IsAbortedTransactionBlockState() &&
		!RecoveryInProgress() &&
		sg_extension_current();
}

/*
 * Relations the guard never judges: temporary ones (session scratch
 * space), system catalogs and TOAST, and the extension's own tables.
 */
bool
sg_relation_guarded(Relation rel)
{
	Oid			nspid = RelationGetNamespace(rel);

	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		return false;
	if (IsCatalogNamespace(nspid) || IsToastNamespace(nspid))
		return false;
	return nspid != get_namespace_oid(SG_SCHEMA_NAME, true);
}

/* Was the relation created by the current transaction? */
bool
sg_relation_is_new(Relation rel)
{
	return rel->rd_createSubid != InvalidSubTransactionId;
}

/* "schema.table", quoted as needed, as pg_identify_object names it. */
char *
sg_relation_identity(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));

	if (relname == NULL || nspname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	return quote_qualified_identifier(nspname, relname);
}

/*
 * The settings under which the extension's own code and queries run,
 * whatever the caller chose: the same list, jit aside, pins every SQL
 * function of the extension (its SET clauses in schema_guard--*.sql).  row_security = on
 * never shows more than off (which fails instead of filtering); the rest
 * fix how names resolve and how literals and values read and print.
 * search_path comes first: the guard's checks of a statement keep the
 * caller's, in which the statement's names were resolved.
 */
static const char *const sg_pinned_settings[][2] = {
	{"search_path", "pg_catalog, pg_temp"},
	{"row_security", "on"},
	{"standard_conforming_strings", "on"},
	{"quote_all_identifiers", "off"},
	{"array_nulls", "on"},
	{"DateStyle", "ISO, MDY"},
	{"IntervalStyle", "postgres"},
	{"extra_float_digits", "1"},
	{"bytea_output", "hex"},
	/* cost, not meaning: compiling a catalog query costs more than it runs */
	{"jit", "off"},
};

/*
 * Pin the settings above (search_path too, or not) at a new GUC nest
 * level; sg_unpin_settings() restores the caller's.  An error in between
 * unwinds them with the (sub)transaction, as for a function's SET clause.
 * The guard runs at every DDL statement, and callers rarely change these
 * settings: only the ones that differ are set, and when none does there is
 * no nest level (0) and nothing to restore, which spares the loop over
 * every setting that ends a nest level.
 */
int
sg_pin_settings(bool search_path)
{
	int			nest = 0;

	for (int i = search_path ? 0 : 1; i < lengthof(sg_pinned_settings); i++)
	{
		const char *now = GetConfigOption(sg_pinned_settings[i][0], false, false);

		if (now != NULL && strcmp(now, sg_pinned_settings[i][1]) == 0)
			continue;
		if (nest == 0)
			nest = NewGUCNestLevel();
		(void) set_config_option(sg_pinned_settings[i][0], sg_pinned_settings[i][1],
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	}
	return nest;
}

void
sg_unpin_settings(int nest)
{
	if (nest != 0)
		AtEOXact_GUC(true, nest);
}

/*
 * The owner of the extension, who owns its tables; InvalidOid when the
 * extension does not exist (any more) in this database.
 */
static Oid
sg_extension_owner(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(SG_EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * Every SPI user of the extension starts here and ends in sg_spi_finish(),
 * with the settings pinned.  With as_owner, the queries run as the
 * extension owner, in a security-restricted operation: for the guard's
 * own bookkeeping (exemptions, contracts that follow a rename, whether a
 * column has a contract), which must neither depend on what the caller may
 * read nor fail under the caller's row_security.  Those queries are fixed
 * texts that touch only the rows of the objects at hand.
 */
void
sg_spi_connect(SgSpi *spi, bool as_owner)
{
	spi->switched = false;
	if (as_owner)
	{
		Oid			owner = sg_extension_owner();

		if (!OidIsValid(owner))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("extension \"%s\" does not exist", SG_EXTENSION_NAME)));
		GetUserIdAndSecContext(&spi->saved_userid, &spi->saved_sec_context);
		SetUserIdAndSecContext(owner, spi->saved_sec_context |
							   SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		spi->switched = true;
	}
	spi->gucnest = sg_pin_settings(true);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
sg_spi_finish(SgSpi *spi)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	sg_unpin_settings(spi->gucnest);
	if (spi->switched)
		SetUserIdAndSecContext(spi->saved_userid, spi->saved_sec_context);
}

/*
 * The key of the finding's own object in schema_guard.exemption_rows:
 * (object_type, rel, nsp, sub), as schema_guard.exemption_key() resolves
 * an object_identity.  False when the finding names no object of its own
 * (then only an exemption of its relation applies).
 */
static bool
sg_finding_key(const SgFinding *finding, const char **type, Oid *rel,
			   Oid *nsp, const char **sub)
{
	const char *ft = finding->object_type;

	*type = ft;
	*rel = InvalidOid;
	*nsp = InvalidOid;
	*sub = "";
	if (ft == NULL)
		return false;
	if (strcmp(ft, "table") == 0)
		*rel = finding->relid;
	else if (finding->subname == NULL)
		return false;
	else if (strcmp(ft, "column") == 0 || strcmp(ft, "constraint") == 0 ||
			 strcmp(ft, "foreign key") == 0 || strcmp(ft, "index") == 0)
	{
		/* an index too, by its table and name: rebuilds change its OID */
		*type = strcmp(ft, "foreign key") == 0 ? "constraint" : ft;
		*rel = finding->relid;
		*sub = finding->subname;
	}
	else if (strcmp(ft, "schema") == 0)
		*nsp = get_namespace_oid(finding->subname, true);
	else if (strcmp(ft, "database") == 0)
	{
		char	   *current = get_database_name(MyDatabaseId);

		return current != NULL && strcmp(current, finding->subname) == 0;
	}
	else
		return false;
	return OidIsValid(*rel) || OidIsValid(*nsp);
}

/*
 * Is there an exemption for this rule on the finding's object or on its
 * relation?  Exemptions are keyed by object, never by name: a relation by
 * its OID, a column, constraint or index by its table's OID and its name, a
 * schema by its OID.  Read through SPI.
 */
bool
sg_is_exempt(const SgFinding *finding)
{
	Oid			argtypes[6] = {TEXTOID, TEXTOID, OIDOID, OIDOID, NAMEOID, OIDOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	const char *type;
	Oid			rel;
	Oid			nsp;
	const char *sub;
	NameData	subname;
	bool		exempt;
	int			ret;
	SgSpi		spi;

	if (!sg_finding_key(finding, &type, &rel, &nsp, &sub))
		nulls[1] = 'n';
	namestrcpy(&subname, sub);
	args[0] = CStringGetTextDatum(sg_rules[finding->rule].name);
	args[1] = CStringGetTextDatum(type ? type : "");
	args[2] = ObjectIdGetDatum(rel);
	args[3] = ObjectIdGetDatum(nsp);
	args[4] = NameGetDatum(&subname);
	args[5] = ObjectIdGetDatum(finding->relid);

	/*
	 * What is committed now, like the catalog the check itself read: not a
	 * repeatable-read transaction's snapshot from before an unexempt.
	 */
	PushActiveSnapshot(GetLatestSnapshot());
	/* As the owner: whether a finding is exempt is not the caller's view. */
	sg_spi_connect(&spi, true);
	ret = SPI_execute_with_args("SELECT 1 FROM schema_guard.exemption_rows e "
								"WHERE e.rule OPERATOR(pg_catalog.=) $1 "
								"AND ((e.object_type OPERATOR(pg_catalog.=) $2 "
								"AND e.rel::pg_catalog.oid OPERATOR(pg_catalog.=) $3 "
								"AND e.nsp::pg_catalog.oid OPERATOR(pg_catalog.=) $4 "
								"AND e.sub OPERATOR(pg_catalog.=) $5) "
								"OR (e.object_type OPERATOR(pg_catalog.=) 'table' "
								"AND e.rel::pg_catalog.oid OPERATOR(pg_catalog.=) $6))",
								6, argtypes, args, nulls, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read schema_guard.exemption_rows: %s",
			 SPI_result_code_string(ret));
	exempt = SPI_processed > 0;
	sg_spi_finish(&spi);
	PopActiveSnapshot();
	return exempt;
}

/*
 * Raise a finding at its rule's effective level, unless it is exempted.
 * An error-level finding does not return.
 */
void
sg_raise(const SgFinding *finding)
{
	SgLevel		level = sg_effective_level(finding->rule);
	const char *rule = sg_rules[finding->rule].name;

	if (level == SG_LEVEL_OFF || sg_is_exempt(finding))
		return;

	/* Kept before it is raised: an error does not return. */
	sg_session_record(finding, level);

	ereport(level == SG_LEVEL_ERROR ? ERROR : WARNING,
			errcode(level == SG_LEVEL_ERROR ? ERRCODE_SG_VIOLATION : ERRCODE_SG_WARNING),
			errmsg("%s: %s", rule, finding->message),
			finding->detail ? errdetail_internal("%s", finding->detail) : 0,
			finding->fix ? errhint("%s", finding->fix) : 0);
}

/*
 * Set up a materialized set-returning function: the tuplestore and tuple
 * descriptor land in rsinfo->setResult and rsinfo->setDesc.
 */
void
sg_init_materialized_srf(FunctionCallInfo fcinfo)
{
#ifndef SG_NEED_MATERIALIZED_SRF_SHIM
	InitMaterializedSRF(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("set-valued function called in context that cannot accept a set"));
	if (!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("materialize mode required, but it is not allowed in this context"));
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(rsinfo->allowedModes & SFRM_Materialize_Random,
											  false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
#endif
}
