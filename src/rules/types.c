/*-------------------------------------------------------------------------
 *
 * types.c
 *		Rule family "types": prefer_bigint_key, prefer_timestamptz,
 *		prefer_identity, char_column (ddl_end, commit, audit).
 *
 * A type is a choice made when a column is written or retyped: ddl_end
 * remembers those columns only (an existing column left alone is not the
 * migration's choice), with a cheap test of the type.  The commit judges
 * what the transaction left (a column retyped again, or made a key, later
 * in the migration counts), with the function the audit calls for every
 * column, so the HINT can be a statement appended to the transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* Judges one column of a judged table: a finding, or NULL. */
typedef SgFinding *(*SgColumnJudge) (Relation rel, Form_pg_attribute att,
									 const char *relident);

/* A column the user wrote or retyped, in a table (not a foreign table). */
static bool
sg_column_chosen(const SgDdlObject *object)
{
	return (object->kind == SG_DDL_COLUMN || object->kind == SG_DDL_COLUMN_TYPE) &&
		object->rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE;
}

/* Every column to judge, through the rule's judge. */
static List *
sg_type_findings(Relation rel, List *only_names, SgColumnJudge judge)
{
	List	   *findings = NIL;
	char	   *relident;
	ListCell   *lc;

	if (!sg_table_judged(rel))
		return NIL;
	relident = sg_relation_identity(RelationGetRelid(rel));
	foreach(lc, sg_columns_judged(rel, only_names))
	{
		AttrNumber	attnum = sg_column_attnum(rel, lfirst(lc));
		SgFinding  *finding;

		CHECK_FOR_INTERRUPTS();
		if (attnum <= 0)
			continue;			/* dropped or renamed since */
		finding = judge(rel, TupleDescAttr(RelationGetDescr(rel), attnum - 1), relident);
		if (finding != NULL)
			findings = lappend(findings, finding);
	}
	return findings;
}

static SgFinding *
sg_column_finding(SgRuleId rule, Relation rel, Form_pg_attribute att,
				  const char *relident)
{
	SgFinding  *finding = palloc0(sizeof(SgFinding));

	finding->rule = rule;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "column";
	finding->subname = pstrdup(NameStr(att->attname));
	finding->object_identity = psprintf("%s.%s", relident,
										quote_identifier(NameStr(att->attname)));
	return finding;
}

/*
 * The words of a HINT when retyping the column in this transaction is not
 * SQL that runs as written and rewrites nothing existing.
 */
static char *
sg_declare_words(Form_pg_attribute att, const char *type)
{
	if (att->atttypid != getBaseType(att->atttypid))
		return psprintf("Declare column \"%s\" with a type over %s: its type %s is a domain over %s.",
						NameStr(att->attname), type, format_type_be(att->atttypid),
						format_type_be(getBaseType(att->atttypid)));
	return psprintf("Declare column \"%s\" as %s where it is created: changing its type later rewrites its table, "
					"and views, policies and generated columns that use it must be dropped first.",
					NameStr(att->attname), type);
}

/*
 * The sequence the column owns as a serial column does (an automatic
 * dependency, 'a'; an identity column's is internal), or InvalidOid.
 */
static Oid
sg_serial_sequence(Oid relid, AttrNumber attnum)
{
	Relation	deprel;
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			seqid = InvalidOid;

	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum(attnum));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 3, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->classid == RelationRelationId && dep->deptype == DEPENDENCY_AUTO &&
			get_rel_relkind(dep->objid) == RELKIND_SEQUENCE)
		{
			seqid = dep->objid;
			break;
		}
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
	return seqid;
}

/* serial, smallserial, bigserial: a default and a sequence the column owns. */
static Oid
sg_column_serial(Relation rel, Form_pg_attribute att)
{
	if (!att->atthasdef || att->attidentity != '\0')
		return InvalidOid;
	return sg_serial_sequence(RelationGetRelid(rel), att->attnum);
}

static bool
sg_type_is_small_int(Oid typid)
{
	Oid			base = getBaseType(typid);

	return base == INT2OID || base == INT4OID;
}

/*
 * prefer_bigint_key at ddl_end: a new integer or smallint column; whether
 * it is a key is known at commit.
 */
void
sg_prefer_bigint_key_ddl_end(const SgDdlObject *object)
{
	if (sg_column_chosen(object) &&
		(object->basetype == INT2OID || object->basetype == INT4OID))
		sg_pending_add_column(SG_RULE_PREFER_BIGINT_KEY, object->relid,
							  object->att->attnum);
}

/*
 * A foreign key of rel on the column: its name and the column it
 * references in *refrelid, *refattnum (the first one; NULL if none).
 */
static char *
sg_column_fkey(Relation rel, AttrNumber attnum, Oid *refrelid, AttrNumber *refattnum)
{
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);

		for (int i = 0; i < fk->nkeys; i++)
		{
			if (fk->conkey[i] != attnum)
				continue;
			*refrelid = fk->confrelid;
			*refattnum = fk->confkey[i];
			return get_constraint_name(fk->conoid);
		}
	}
	return NULL;
}

/*
 * prefer_bigint_key: an integer or smallint column that is a key (primary
 * key, identity, serial) or references one.  A foreign key column whose
 * key is bigint is fk_type_mismatch's.
 */
static SgFinding *
sg_prefer_bigint_key_judge(Relation rel, Form_pg_attribute att, const char *relident)
{
	const char *col = quote_identifier(NameStr(att->attname));
	Oid			refrelid;
	AttrNumber	refattnum;
	char	   *fkey;
	Oid			seqid = InvalidOid;
	const char *role;
	SgFinding  *finding;

	if (!sg_type_is_small_int(att->atttypid))
		return NULL;
	fkey = sg_column_fkey(rel, att->attnum, &refrelid, &refattnum);
	if (fkey != NULL)
	{
		if (!sg_type_is_small_int(get_atttype(refrelid, refattnum)))
			return NULL;
		role = psprintf("references key column \"%s\" of %s",
						get_attname(refrelid, refattnum, false),
						sg_relation_identity(refrelid));
	}
	else if (sg_column_in_primary_key(rel, att->attnum))
		role = "is in the primary key";
	else if (att->attidentity != '\0')
		role = "is an identity column";
	else if (OidIsValid(seqid = sg_column_serial(rel, att)))
		role = "is serial";
	else
		return NULL;

	finding = sg_column_finding(SG_RULE_PREFER_BIGINT_KEY, rel, att, relident);
	finding->message = psprintf("column \"%s\" of table %s %s but is %s, not bigint",
								NameStr(att->attname), relident, role,
								format_type_be(att->atttypid));
	finding->detail = psprintf("%s holds keys up to %s; a table that outgrows it stops taking rows, "
							   "and changing the key's type then rewrites the table and every table "
							   "that references it.  bigint costs 4 more bytes a row.",
							   format_type_be(att->atttypid),
							   getBaseType(att->atttypid) == INT2OID ? "32767" : "2147483647");
	if (fkey != NULL)
		finding->fix = psprintf("Change column \"%s\" of table %s and key column \"%s\" of %s that it references to bigint together.",
								NameStr(att->attname), relident,
								get_attname(refrelid, refattnum, false),
								sg_relation_identity(refrelid));
	else if (att->atttypid == getBaseType(att->atttypid) &&
			 sg_fix_retype_runs(rel, att->attnum))
		finding->fix = OidIsValid(seqid) ?
			psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE bigint;\nALTER SEQUENCE %s AS bigint;",
					 relident, col, sg_relation_identity(seqid)) :
			psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE bigint;", relident, col);
	else
		finding->fix = sg_declare_words(att, "bigint");
	return finding;
}

List *
sg_prefer_bigint_key_findings(Relation rel, List *only_names)
{
	return sg_type_findings(rel, only_names, sg_prefer_bigint_key_judge);
}

void
sg_prefer_timestamptz_ddl_end(const SgDdlObject *object)
{
	if (sg_column_chosen(object) && object->basetype == TIMESTAMPOID)
		sg_pending_add_column(SG_RULE_PREFER_TIMESTAMPTZ, object->relid,
							  object->att->attnum);
}

/* prefer_timestamptz: a timestamp without time zone column. */
static SgFinding *
sg_prefer_timestamptz_judge(Relation rel, Form_pg_attribute att, const char *relident)
{
	SgFinding  *finding;

	if (getBaseType(att->atttypid) != TIMESTAMPOID)
		return NULL;
	finding = sg_column_finding(SG_RULE_PREFER_TIMESTAMPTZ, rel, att, relident);
	finding->message = psprintf("column \"%s\" of table %s is timestamp without time zone",
								NameStr(att->attname), relident);
	finding->detail = pstrdup("timestamp without time zone stores a wall-clock reading: clients in "
							  "different time zones read different instants from it, and intervals "
							  "across a daylight saving change come out wrong.  timestamptz stores "
							  "the instant, in the same 8 bytes, and shows it in each session's time zone.");
	if (att->atttypid == TIMESTAMPOID && sg_fix_retype_runs(rel, att->attnum))
		finding->fix = psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE timestamptz;",
								relident, quote_identifier(NameStr(att->attname)));
	else
		finding->fix = sg_declare_words(att, "timestamptz");
	return finding;
}

List *
sg_prefer_timestamptz_findings(Relation rel, List *only_names)
{
	return sg_type_findings(rel, only_names, sg_prefer_timestamptz_judge);
}

void
sg_prefer_identity_ddl_end(const SgDdlObject *object)
{
	if (sg_column_chosen(object) && object->att->atthasdef &&
		object->att->attidentity == '\0' &&
		(object->basetype == INT2OID || object->basetype == INT4OID ||
		 object->basetype == INT8OID))
		sg_pending_add_column(SG_RULE_PREFER_IDENTITY, object->relid,
							  object->att->attnum);
}

/* Does anything but the column's default (and its own type) use the sequence? */
static bool
sg_sequence_used_elsewhere(Oid seqid)
{
	Relation	deprel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	int			users = 0;

	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(seqid));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		if (((Form_pg_depend) GETSTRUCT(tup))->classid != TypeRelationId)
			users++;
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
	return users != 1;
}

/*
 * prefer_identity: a serial column.  The HINT turns it into an identity
 * column in place (catalog changes only): the sequence goes with its
 * default, the identity's own sequence continues after the largest value.
 */
static SgFinding *
sg_prefer_identity_judge(Relation rel, Form_pg_attribute att, const char *relident)
{
	Oid			seqid = sg_column_serial(rel, att);
	const char *col = quote_identifier(NameStr(att->attname));
	SgFinding  *finding;

	if (!OidIsValid(seqid))
		return NULL;
	finding = sg_column_finding(SG_RULE_PREFER_IDENTITY, rel, att, relident);
	finding->message = psprintf("column \"%s\" of table %s is serial, not an identity column",
								NameStr(att->attname), relident);
	finding->detail = psprintf("Its values come from sequence %s through a column default: the "
							   "sequence's privileges are granted apart from the table's, a copy of "
							   "the table made with LIKE shares it, and it stays integer-typed "
							   "when the column becomes bigint.  An identity column owns its "
							   "sequence, which follows the column.",
							   sg_relation_identity(seqid));
	if (rel->rd_rel->relkind == RELKIND_RELATION && !rel->rd_rel->relhassubclass &&
		att->attnotnull && !sg_sequence_used_elsewhere(seqid))
		finding->fix = psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n"
								"DROP SEQUENCE %s;\n"
								"ALTER TABLE %s ALTER COLUMN %s ADD GENERATED BY DEFAULT AS IDENTITY;\n"
								"SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence(%s, %s), max(%s)) FROM %s HAVING max(%s) IS NOT NULL;",
								relident, col,
								sg_relation_identity(seqid),
								relident, col,
								quote_literal_cstr(relident),
								quote_literal_cstr(NameStr(att->attname)),
								col, relident, col);
	else
		finding->fix = psprintf("Declare column \"%s\" as an identity column instead of serial.",
								NameStr(att->attname));
	return finding;
}

List *
sg_prefer_identity_findings(Relation rel, List *only_names)
{
	return sg_type_findings(rel, only_names, sg_prefer_identity_judge);
}

void
sg_char_column_ddl_end(const SgDdlObject *object)
{
	if (sg_column_chosen(object) && object->basetype == BPCHAROID)
		sg_pending_add_column(SG_RULE_CHAR_COLUMN, object->relid,
							  object->att->attnum);
}

/* char_column: a character(n) column. */
static SgFinding *
sg_char_column_judge(Relation rel, Form_pg_attribute att, const char *relident)
{
	SgFinding  *finding;

	if (getBaseType(att->atttypid) != BPCHAROID)
		return NULL;
	finding = sg_column_finding(SG_RULE_CHAR_COLUMN, rel, att, relident);
	finding->message = psprintf("column \"%s\" of table %s is %s",
								NameStr(att->attname), relident,
								format_type_with_typemod(att->atttypid, att->atttypmod));
	finding->detail = pstrdup("character(n) pads every value with spaces to n characters, stores "
							  "the padding, and ignores trailing spaces when comparing: it is "
							  "never faster than varchar(n) or text, and its values change "
							  "when cast to either.");
	if (att->atttypid == BPCHAROID && sg_fix_retype_runs(rel, att->attnum))
		finding->fix = att->atttypmod > VARHDRSZ ?
			psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE varchar(%d);",
					 relident, quote_identifier(NameStr(att->attname)),
					 att->atttypmod - VARHDRSZ) :
			psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE text;",
					 relident, quote_identifier(NameStr(att->attname)));
	else
		finding->fix = sg_declare_words(att, "varchar or text");
	return finding;
}

List *
sg_char_column_findings(Relation rel, List *only_names)
{
	return sg_type_findings(rel, only_names, sg_char_column_judge);
}
