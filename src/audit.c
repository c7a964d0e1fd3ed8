/*-------------------------------------------------------------------------
 *
 * audit.c
 *		schema_guard.audit(): every rule that can judge what exists, run on
 *		every relation the caller may see.
 *
 * The audit is a loop over the registry: a rule's `audit` callback is the
 * function its commit check calls (with no pending names: every object of
 * the relation), its `audit_check` one serves the rules only the audit
 * runs.  It runs as the caller, takes ACCESS SHARE on one relation at a
 * time, never waits for a lock longer than schema_guard.audit_lock_timeout
 * and reports what it could not judge as rows of audit_skipped.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#define SG_AUDIT_SKIPPED	"audit_skipped"

static int	sg_audit_lock_timeout = 1000;
static int	sg_audit_sample_rows = 100000;

/* A relation to judge, as the scan of pg_class found it. */
typedef struct SgAuditRel
{
	Oid			relid;
	Oid			nspid;
	char		relkind;
	char	   *identity;
} SgAuditRel;

/* A row of the result, in the audit's memory context. */
typedef struct SgAuditRow
{
	SgLevel		level;
	const char *rule;
	const char *object_type;
	char	   *object_identity;
	char	   *message;
	char	   *detail;
	char	   *fix;
	bool		exempted;
	char	   *evidence;
} SgAuditRow;

void
sg_audit_define_gucs(void)
{
	DefineCustomIntVariable("schema_guard.audit_lock_timeout",
							"Longest time audit() waits for the ACCESS SHARE lock of one relation.",
							"A relation not locked in time is reported as audit_skipped.",
							&sg_audit_lock_timeout,
							1000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schema_guard.audit_sample_rows",
							"Most rows a data rule of audit(with_data => true) reads from one relation.",
							NULL,
							&sg_audit_sample_rows,
							100000, 1, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* A JSON string literal of value, for evidence. */
char *
sg_evidence_string(const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	escape_json(&buf, value);
	return buf.data;
}

/* The level of a row of audit_skipped: a lock not granted is transient. */
static SgLevel
sg_audit_skip_level(SgAuditSkip why)
{
	return why == SG_SKIP_LOCK ? SG_LEVEL_WARNING : SG_LEVEL_INFO;
}

/*
 * What a rule returns instead of a finding when it may not or cannot judge
 * an object (a data rule without SELECT on a column, say): the audit shows
 * it as a row of audit_skipped, at the level why sets.
 */
SgFinding *
sg_audit_skipped(SgRuleId rule, Relation rel, const char *object_type,
				 const char *object_identity, const char *subname,
				 SgAuditSkip why, const char *reason)
{
	SgFinding  *finding = palloc0(sizeof(SgFinding));

	finding->rule = rule;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = object_type;
	finding->object_identity = pstrdup(object_identity);
	finding->subname = subname;
	finding->skipped = true;
	finding->skip = why;
	finding->message = psprintf("%s was not judged by %s: %s",
								object_identity, sg_rules[rule].name, reason);
	finding->evidence = psprintf("{\"reason\": %s, \"rules\": [%s]}",
								 sg_evidence_string(reason),
								 sg_evidence_string(sg_rules[rule].name));
	return finding;
}

static SgLevel
sg_audit_level_arg(const char *name)
{
	if (strcmp(name, "error") == 0)
		return SG_LEVEL_ERROR;
	if (strcmp(name, "warning") == 0)
		return SG_LEVEL_WARNING;
	if (strcmp(name, "info") == 0)
		return SG_LEVEL_INFO;
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("invalid min_level \"%s\"", name),
			errhint("The levels are error, warning and info."));
	return SG_LEVEL_OFF;		/* keep the compiler quiet */
}

/*
 * The rules the caller asked for (ids or families; NULL: all) that have an
 * audit callback, run now and reach min_level.
 */
static void
sg_audit_select_rules(ArrayType *arr, SgLevel min_level, bool with_data,
					  bool *selected)
{
	Datum	   *elems = NULL;
	bool	   *nulls = NULL;
	int			n = 0;
	bool		named[SG_NUM_RULES] = {false};

	if (arr != NULL)
	{
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			char	   *name;
			bool		found = false;

			if (nulls[i])
				ereport(ERROR,
						errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("rules must not contain NULL"));
			name = TextDatumGetCString(elems[i]);
			for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
			{
				if (strcmp(sg_rules[rule].name, name) == 0 ||
					strcmp(sg_rules[rule].family, name) == 0)
				{
					named[rule] = true;
					found = true;
				}
			}
			if (!found)
				ereport(ERROR,
						errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("unknown rule or family \"%s\"", name),
						errhint("schema_guard.rules() lists the rules and their families."));
		}
	}

	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
	{
		SgLevel		level = (SgLevel) sg_rule_levels[rule];

		selected[rule] = (arr == NULL || named[rule]) &&
			sg_rule_serves(rule, SG_MOMENT_AUDIT) &&
			(with_data || !sg_rules[rule].audit_data) &&
			level != SG_LEVEL_OFF && level >= min_level;
	}
}

/*
 * The schemas and relations that belong to extensions: theirs to keep, not
 * the user's to fix.
 */
static void
sg_audit_extension_members(List **nsps, List **rels)
{
	Relation	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(ExtensionRelationId));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->deptype != DEPENDENCY_EXTENSION)
			continue;
		if (dep->classid == NamespaceRelationId)
			*nsps = lappend_oid(*nsps, dep->objid);
		else if (dep->classid == RelationRelationId)
			*rels = lappend_oid(*rels, dep->objid);
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
}

/* Never audited, whatever the caller names: TOAST, other sessions' temp. */
static bool
sg_audit_schema_hidden(Oid nspid)
{
	return IsToastNamespace(nspid) ||
		(isAnyTempNamespace(nspid) && !isTempOrTempToastNamespace(nspid));
}

/*
 * The schemas to audit: those named, or every schema but the system's,
 * ours and the extensions'.
 */
static List *
sg_audit_schemas(ArrayType *arr, List *extension_nsps)
{
	List	   *result = NIL;

	if (arr != NULL)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
						  &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			Oid			nspid;

			if (nulls[i])
				ereport(ERROR,
						errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("schemas must not contain NULL"));
			nspid = get_namespace_oid(NameStr(*DatumGetName(elems[i])), false);
			if (!sg_audit_schema_hidden(nspid))
				result = list_append_unique_oid(result, nspid);
		}
	}
	else
	{
		Relation	nsprel = table_open(NamespaceRelationId, AccessShareLock);
		Oid			own = get_namespace_oid(SG_SCHEMA_NAME, true);
		SysScanDesc scan;
		HeapTuple	tup;

		scan = systable_beginscan(nsprel, InvalidOid, false, NULL, 0, NULL);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_namespace nsp = (Form_pg_namespace) GETSTRUCT(tup);
			Oid			nspid = nsp->oid;

			if (IsCatalogNamespace(nspid) || sg_audit_schema_hidden(nspid) ||
				nspid == own || list_member_oid(extension_nsps, nspid) ||
				strcmp(NameStr(nsp->nspname), "information_schema") == 0)
				continue;
			result = lappend_oid(result, nspid);
		}
		systable_endscan(scan);
		table_close(nsprel, AccessShareLock);
	}
	return result;
}

/*
 * The relations of those schemas the rules judge: tables, partitioned
 * tables, materialized views, foreign tables and sequences.  One scan of
 * pg_class: cheaper than an index lookup per schema once there are many.
 */
static List *
sg_audit_relations(List *nsps, List *extension_rels)
{
	Relation	classrel = table_open(RelationRelationId, AccessShareLock);
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	scan = systable_beginscan(classrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		SgAuditRel *r;

		CHECK_FOR_INTERRUPTS();
		if (cls->relkind != RELKIND_RELATION &&
			cls->relkind != RELKIND_PARTITIONED_TABLE &&
			cls->relkind != RELKIND_MATVIEW &&
			cls->relkind != RELKIND_FOREIGN_TABLE &&
			cls->relkind != RELKIND_SEQUENCE)
			continue;
		if (!list_member_oid(nsps, cls->relnamespace) ||
			list_member_oid(extension_rels, cls->oid))
			continue;
		r = palloc(sizeof(SgAuditRel));
		r->relid = cls->oid;
		r->nspid = cls->relnamespace;
		r->relkind = cls->relkind;
		r->identity = quote_qualified_identifier(get_namespace_name(cls->relnamespace),
												 NameStr(cls->relname));
		result = lappend(result, r);
	}
	systable_endscan(scan);
	table_close(classrel, AccessShareLock);
	return result;
}

static const char *
sg_audit_relkind_name(char relkind)
{
	switch (relkind)
	{
		case RELKIND_PARTITIONED_TABLE:
			return "partitioned table";
		case RELKIND_MATVIEW:
			return "materialized view";
		case RELKIND_FOREIGN_TABLE:
			return "foreign table";
		case RELKIND_SEQUENCE:
			return "sequence";
		default:
			return "table";
	}
}

/*
 * ACCESS SHARE on the relation, waiting at most audit_lock_timeout.  The
 * request never joins the lock's queue: it is retried while the latch
 * sleeps, so a migration waiting for its ACCESS EXCLUSIVE lock is never
 * behind the audit, and the audit never behind it for longer than that.
 */
bool
sg_audit_lock(Oid relid)
{
	TimestampTz start;
	long		delay = 1;

	if (ConditionalLockRelationOid(relid, AccessShareLock))
		return true;
	start = GetCurrentTimestamp();
	for (;;)
	{
		long		left = sg_audit_lock_timeout -
		TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());

		if (left <= 0)
			return false;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(delay, left), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConditionalLockRelationOid(relid, AccessShareLock))
			return true;
		delay = Min(delay * 2, 50);
	}
}

/* A row of audit_skipped about a whole relation. */
static SgAuditRow *
sg_audit_skip_row(const SgAuditRel *r, const bool *selected, SgAuditSkip why)
{
	SgAuditRow *row = palloc0(sizeof(SgAuditRow));
	StringInfoData rules;
	StringInfoData names;

	initStringInfo(&rules);
	initStringInfo(&names);
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
	{
		if (!selected[rule])
			continue;
		appendStringInfo(&rules, "%s%s", rules.len > 0 ? ", " : "",
						 sg_evidence_string(sg_rules[rule].name));
		appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "",
						 sg_rules[rule].name);
	}
	row->level = sg_audit_skip_level(why);
	row->rule = SG_AUDIT_SKIPPED;
	row->object_type = sg_audit_relkind_name(r->relkind);
	row->object_identity = r->identity;
	if (why == SG_SKIP_LOCK)
	{
		row->message = psprintf("%s was not judged: its ACCESS SHARE lock was not "
								"granted within schema_guard.audit_lock_timeout",
								r->identity);
		row->evidence = psprintf("{\"reason\": \"lock_timeout\", \"lock_timeout_ms\": %d, "
								 "\"rules\": [%s]}",
								 sg_audit_lock_timeout, rules.data);
	}
	else
	{
		row->message = why == SG_SKIP_SCHEMA ?
			psprintf("%s was not judged: the caller has no USAGE on its schema",
					 r->identity) :
			psprintf("%s was not judged: the caller has no privilege on it",
					 r->identity);
		row->evidence = psprintf("{\"reason\": \"no_privilege\", \"rules\": [%s]}",
								 rules.data);
	}
	row->detail = psprintf("Rules not run on it: %s.", names.data);
	return row;
}

/* A rule, and a relation an exemption of it names (InvalidOid: none). */
typedef struct SgAuditExemption
{
	SgRuleId	rule;
	Oid			rel;
} SgAuditExemption;

/*
 * What the exemptions name now, read once.  A finding can be exempt only
 * when an exemption of its rule names its relation, or no relation (a
 * schema's, the database's): only those findings are put to the guard's
 * exemption test, a query each.
 */
static HTAB *
sg_audit_exemptions(MemoryContext mcxt)
{
	HASHCTL		ctl = {0};
	HTAB	   *exemptions;
	SgSpi		spi;

	ctl.keysize = sizeof(SgAuditExemption);
	ctl.entrysize = sizeof(SgAuditExemption);
	ctl.hcxt = mcxt;
	exemptions = hash_create("schema_guard audit exemptions", 64, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	PushActiveSnapshot(GetLatestSnapshot());
	sg_spi_connect(&spi, true);
	if (SPI_execute("SELECT DISTINCT rule, rel::pg_catalog.oid FROM schema_guard.exemption_rows",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read schema_guard.exemption_rows");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		bool		isnull;
		Datum		rel = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

		for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		{
			SgAuditExemption key = {rule, isnull ? InvalidOid : DatumGetObjectId(rel)};

			if (name != NULL && strcmp(sg_rules[rule].name, name) == 0)
				(void) hash_search(exemptions, &key, HASH_ENTER, NULL);
		}
	}
	sg_spi_finish(&spi);
	PopActiveSnapshot();
	return exemptions;
}

static bool
sg_audit_may_be_exempt(HTAB *exemptions, const SgFinding *f)
{
	SgAuditExemption key = {f->rule, f->relid};
	SgAuditExemption none = {f->rule, InvalidOid};

	return hash_search(exemptions, &key, HASH_FIND, NULL) != NULL ||
		hash_search(exemptions, &none, HASH_FIND, NULL) != NULL;
}

/* A finding as a row of the result, copied into the audit's context. */
static SgAuditRow *
sg_audit_finding_row(const SgFinding *f, MemoryContext mcxt, HTAB *exemptions)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	SgAuditRow *row = palloc0(sizeof(SgAuditRow));

	if (f->skipped)
	{
		row->level = sg_audit_skip_level(f->skip);
		row->rule = SG_AUDIT_SKIPPED;
		row->exempted = false;
	}
	else
	{
		row->level = (SgLevel) sg_rule_levels[f->rule];
		row->rule = sg_rules[f->rule].name;
	}
	row->object_type = pstrdup(f->object_type);
	row->object_identity = pstrdup(f->object_identity);
	row->message = pstrdup(f->message);
	row->detail = f->detail ? pstrdup(f->detail) : NULL;
	row->fix = f->fix ? pstrdup(f->fix) : NULL;
	row->evidence = f->evidence ? pstrdup(f->evidence) : NULL;
	MemoryContextSwitchTo(old);
	/* the guard's own test, against what is committed now */
	if (!f->skipped && sg_audit_may_be_exempt(exemptions, f))
		row->exempted = sg_is_exempt(f);
	return row;
}

/*
 * Judge one relation with every selected rule, under a resource owner of
 * its own: the locks taken for it, the audit's and the rules', are
 * released before the next relation (10,000 relations' locks would not fit
 * in the lock table).
 */
static List *
sg_audit_relation(const SgAuditRel *r, const bool *selected, HTAB *exemptions,
				  SgAudit *audit, List *rows, MemoryContext relcxt)
{
	ResourceOwner saved = CurrentResourceOwner;
	ResourceOwner owner = ResourceOwnerCreate(saved, "schema_guard audit");
	MemoryContext old;
	Relation	rel;

	CurrentResourceOwner = owner;
	PG_TRY();
	{
		if (!sg_audit_lock(r->relid))
			rows = lappend(rows, sg_audit_skip_row(r, selected, SG_SKIP_LOCK));
		else if ((rel = try_relation_open(r->relid, NoLock)) != NULL)
		{
			old = MemoryContextSwitchTo(relcxt);
			for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
			{
				List	   *findings;
				ListCell   *lc;

				if (!selected[rule])
					continue;
				CHECK_FOR_INTERRUPTS();
				if (sg_rules[rule].audit != NULL)
					findings = sg_rules[rule].audit(rel, NIL);
				else
					findings = sg_rules[rule].audit_check(rel, audit);
				foreach(lc, findings)
				{
					SgAuditRow *row = sg_audit_finding_row(lfirst(lc), audit->mcxt,
														   exemptions);

					MemoryContextSwitchTo(audit->mcxt);
					rows = lappend(rows, row);
					MemoryContextSwitchTo(relcxt);
				}
			}
			MemoryContextSwitchTo(old);
			relation_close(rel, NoLock);
		}
	}
	PG_CATCH();
	{
		CurrentResourceOwner = saved;
		PG_RE_THROW();
	}
	PG_END_TRY();
	CurrentResourceOwner = saved;
	ResourceOwnerRelease(owner, RESOURCE_RELEASE_BEFORE_LOCKS, false, false);
	ResourceOwnerRelease(owner, RESOURCE_RELEASE_LOCKS, false, false);
	ResourceOwnerRelease(owner, RESOURCE_RELEASE_AFTER_LOCKS, false, false);
	ResourceOwnerDelete(owner);
	MemoryContextReset(relcxt);
	return rows;
}

/* Level (error first), rule, object_identity, message. */
static int
sg_audit_row_cmp(const ListCell *a, const ListCell *b)
{
	const SgAuditRow *x = lfirst(a);
	const SgAuditRow *y = lfirst(b);
	int			c;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if ((c = strcmp(x->rule, y->rule)) != 0)
		return c;
	if ((c = strcmp(x->object_identity, y->object_identity)) != 0)
		return c;
	return strcmp(x->message, y->message);
}

static Datum
sg_text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * schema_guard.audit(schemas name[], rules text[], min_level text,
 * with_data boolean)
 */
PG_FUNCTION_INFO_V1(sg_audit);
Datum
sg_audit(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *schemas = PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *rules = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
	SgLevel		min_level;
	bool		selected[SG_NUM_RULES];
	HTAB	   *exemptions;
	bool		any = false;
	SgAudit		audit = {0};
	List	   *extension_nsps = NIL;
	List	   *extension_rels = NIL;
	List	   *relations;
	List	   *rows = NIL;
	ListCell   *lc;
	MemoryContext relcxt;
	Oid			userid = GetUserId();

	sg_require_extension_current();
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("min_level must not be NULL"));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("with_data must not be NULL"));
	min_level = sg_audit_level_arg(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	audit.with_data = PG_GETARG_BOOL(3);
	audit.sample_rows = sg_audit_sample_rows;
	audit.mcxt = CurrentMemoryContext;
	sg_audit_select_rules(rules, min_level, audit.with_data, selected);
	sg_init_materialized_srf(fcinfo);

	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		any |= selected[rule];
	if (!any)
		return (Datum) 0;

	relcxt = AllocSetContextCreate(CurrentMemoryContext, "schema_guard audit relation",
								   ALLOCSET_DEFAULT_SIZES);
	exemptions = sg_audit_exemptions(audit.mcxt);
	sg_audit_extension_members(&extension_nsps, &extension_rels);
	relations = sg_audit_relations(sg_audit_schemas(schemas, extension_nsps),
								   extension_rels);
	PG_TRY();
	{
		/* the rules read indexes and constraints from one read of the catalog */
		sg_audit_catalog_begin(audit.mcxt, extension_rels);
		foreach(lc, relations)
		{
			SgAuditRel *r = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			/* dropped since the scan of pg_class: the ACL checks would fail */
			if (!SearchSysCacheExists1(NAMESPACEOID, ObjectIdGetDatum(r->nspid)))
				continue;
			if (!SG_MAY_USE_NAMESPACE(r->nspid))
				rows = lappend(rows, sg_audit_skip_row(r, selected, SG_SKIP_SCHEMA));
			else if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(r->relid)))
				continue;
			/* any privilege on it, or on one of its columns */
			else if (pg_class_aclmask(r->relid, userid,
									  ACL_ALL_RIGHTS_RELATION | ACL_ALL_RIGHTS_SEQUENCE,
									  ACLMASK_ANY) == 0 &&
					 pg_attribute_aclcheck_all(r->relid, userid, ACL_ALL_RIGHTS_COLUMN,
											   ACLMASK_ANY) != ACLCHECK_OK)
				rows = lappend(rows, sg_audit_skip_row(r, selected, SG_SKIP_PRIVILEGE));
			else
				rows = sg_audit_relation(r, selected, exemptions, &audit, rows, relcxt);
		}
	}
	PG_FINALLY();
	{
		sg_audit_catalog_end();
	}
	PG_END_TRY();
	MemoryContextDelete(relcxt);

	list_sort(rows, sg_audit_row_cmp);
	foreach(lc, rows)
	{
		SgAuditRow *row = lfirst(lc);
		Datum		values[9];
		bool		nulls[9] = {false};

		if (row->level < min_level)
			continue;
		values[0] = CStringGetTextDatum(row->rule);
		values[1] = CStringGetTextDatum(sg_level_name(row->level));
		values[2] = CStringGetTextDatum(row->object_type);
		values[3] = CStringGetTextDatum(row->object_identity);
		values[4] = CStringGetTextDatum(row->message);
		values[5] = sg_text_or_null(row->detail, &nulls[5]);
		values[6] = sg_text_or_null(row->fix, &nulls[6]);
		values[7] = BoolGetDatum(row->exempted);
		if (row->evidence != NULL)
			values[8] = DirectFunctionCall1(jsonb_in, CStringGetDatum(row->evidence));
		else
			nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
