/*-------------------------------------------------------------------------
 *
 * columns.c
 *		Rule family "columns": implicit_nullable, and the walk over new
 *		columns that the JSON rules (jsonb_columns.c) share.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_attribute.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* Did the user write NULL, or a generation expression, in the definition? */
static bool
sg_column_nullability_written(ColumnDef *def)
{
	ListCell   *lc;

	if (def->generated != '\0')
		return true;
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_NULL || con->contype == CONSTR_GENERATED)
			return true;
	}
	return false;
}

/*
 * Did the user write this column of CREATE TABLE or ADD COLUMN?  Not a
 * typed table's column left as the type has it, a column only inherited,
 * or a column copied by LIKE (these have no location in the statement; a
 * typed table's column with options written for it has none either, but
 * is the user's).
 */
static bool
sg_column_written_by_user(Relation rel, ColumnDef *def)
{
	if (!IsA(def, ColumnDef) || def->colname == NULL)
		return false;
	return !def->is_from_type && def->is_local &&
		(def->location >= 0 || OidIsValid(rel->rd_rel->reloftype));
}

/*
 * implicit_nullable: the catalog says whether the column ended up NOT NULL
 * (written, primary key, identity, serial); the definition says whether
 * NULL was a decision.
 */
static void
sg_check_implicit_nullable(Relation rel, ColumnDef *def, Form_pg_attribute att)
{
	SgFinding	finding = {0};
	char	   *relident;
	char	   *coldef;

	if (sg_column_nullability_written(def) || att->attnotnull ||
		att->attidentity != '\0' || att->attgenerated != '\0')
		return;

	relident = sg_relation_identity(RelationGetRelid(rel));
	coldef = psprintf("%s %s",
					  quote_identifier(def->colname),
					  format_type_with_typemod(att->atttypid, att->atttypmod));

	finding.rule = SG_RULE_IMPLICIT_NULLABLE;
	finding.relid = RelationGetRelid(rel);
	finding.object_type = "column";
	finding.object_identity = psprintf("%s.%s", relident,
									   quote_identifier(def->colname));
	finding.message = psprintf("column \"%s\" of table %s is nullable without an explicit NULL",
							   def->colname, relident);
	finding.detail = pstrdup("A column declared without NOT NULL accepts NULL from every writer, "
							 "so every reader has to handle a missing value nobody decided to allow.");
	finding.fix = psprintf("Declare the column NOT NULL, or write NULL if a missing value is meant: "
						   "%s NOT NULL  or  %s NULL", coldef, coldef);
	sg_raise(&finding);
}

/*
 * The column rules of ddl_end, over the columns the user wrote in CREATE
 * TABLE or ALTER TABLE ADD COLUMN, after PostgreSQL created them, or
 * (retyped) the columns of ALTER COLUMN TYPE, which only the JSON rules
 * judge: their nullability was decided before.  A partition's columns, and
 * their nullability, are its parent's.
 */
void
sg_check_new_columns(Oid relid, List *column_defs, bool retyped)
{
	Relation	rel;
	ListCell   *lc;

	if ((retyped || sg_effective_level(SG_RULE_IMPLICIT_NULLABLE) == SG_LEVEL_OFF) &&
		sg_effective_level(SG_RULE_JSON_NOT_JSONB) == SG_LEVEL_OFF &&
		sg_effective_level(SG_RULE_JSONB_UNCONTRACTED) == SG_LEVEL_OFF)
		return;

	rel = relation_open(relid, AccessShareLock);
	if (!sg_relation_guarded(rel) || rel->rd_rel->relispartition ||
		(rel->rd_rel->relkind != RELKIND_RELATION &&
		 rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		 rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE))
	{
		relation_close(rel, AccessShareLock);
		return;
	}

	foreach(lc, column_defs)
	{
		ColumnDef  *def = (ColumnDef *) lfirst(lc);
		HeapTuple	atttup;
		Form_pg_attribute att;

		if (!retyped && !sg_column_written_by_user(rel, def))
			continue;
		atttup = SearchSysCacheAttName(relid, def->colname);
		if (!HeapTupleIsValid(atttup))
			continue;
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		if (!att->attisdropped)
		{
			if (!retyped &&
				sg_effective_level(SG_RULE_IMPLICIT_NULLABLE) != SG_LEVEL_OFF)
				sg_check_implicit_nullable(rel, def, att);
			sg_check_new_json_column(rel, def, att);
		}
		ReleaseSysCache(atttup);
	}
	relation_close(rel, AccessShareLock);
}
