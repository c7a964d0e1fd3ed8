/*-------------------------------------------------------------------------
 *
 * design.c
 *		Rule family "columns", table design part: missing_primary_key and
 *		empty_string_default (utility, ddl_end, commit, audit).
 *
 * Both judge what the transaction leaves, so a key or a default fixed
 * later in the same migration is not a finding: the statements remember
 * the tables and columns they made or changed, and the commit judges them
 * with the function the audit calls for every table.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/*
 * Is rel a table these rules judge: an ordinary or partitioned table, not
 * a partition (its keys and columns are its parent's), not temporary, not
 * the extension's nor a member of any extension.  The audit hands every
 * relation.
 */
bool
sg_table_judged(Relation rel)
{
	char		relkind = rel->rd_rel->relkind;

	return (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE) &&
		!rel->rd_rel->relispartition && sg_relation_guarded(rel) &&
		!sg_relation_in_extension(RelationGetRelid(rel));
}

/*
 * The names of the columns to judge: only_names at commit, every column
 * of the table in an audit (only_names NIL).
 */
List *
sg_columns_judged(Relation rel, List *only_names)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *names = NIL;

	if (only_names != NIL)
		return only_names;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped)
			names = lappend(names, pstrdup(NameStr(att->attname)));
	}
	return names;
}

/*
 * The number of rel's column of that name, read from its descriptor (no
 * catalog lookup); InvalidAttrNumber if there is none, as for a column
 * dropped or renamed since its name was noted.
 */
AttrNumber
sg_column_attnum(Relation rel, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/* The pg_constraint row of the table's primary key, deferrable or not; NULL if none. */
static HeapTuple
sg_primary_key_row(Oid relid)
{
	ListCell   *lc;

	foreach(lc, sg_relation_constraints(relid))
	{
		HeapTuple	tup = lfirst(lc);

		if (((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_PRIMARY)
			return tup;
	}
	return NULL;
}

/* Is the column one of the key columns of the table's primary key? */
bool
sg_column_in_primary_key(Relation rel, AttrNumber attnum)
{
	HeapTuple	tup = sg_primary_key_row(RelationGetRelid(rel));
	bool		found = false;
	bool		isnull;
	Datum		conkey;

	if (tup == NULL)
		return false;
	conkey = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(conkey);
		int			n = ARR_NDIM(arr) == 1 ? ARR_DIMS(arr)[0] : 0;

		for (int i = 0; i < n; i++)
			found |= ((AttrNumber *) ARR_DATA_PTR(arr))[i] == attnum;
	}
	return found;
}

/*
 * missing_primary_key before ALTER TABLE ... DROP CONSTRAINT or DROP
 * COLUMN: a table that has a primary key now is judged at commit, so that
 * dropping it without a replacement is a finding and a table that never
 * had one is not blamed on an unrelated statement.  pg_constraint is read
 * without locking the table, which the statement locks next.
 */
void
sg_missing_primary_key_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_DropConstraint || cmd->subtype == AT_DropColumn)
		{
			Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

			if (OidIsValid(relid) && sg_primary_key_row(relid) != NULL)
				sg_pending_add(SG_RULE_MISSING_PRIMARY_KEY, relid, "");
			return;
		}
	}
}

/*
 * missing_primary_key at ddl_end: a table CREATE TABLE, CREATE TABLE AS or
 * SELECT INTO made waits for the commit (pending by the empty name: the
 * table itself).  Partitions have their parent's key.
 */
void
sg_missing_primary_key_ddl_end(const SgDdlObject *object)
{
	char		relkind;

	if (object->kind != SG_DDL_TABLE)
		return;
	relkind = get_rel_relkind(object->relid);
	if ((relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE) &&
		!get_rel_relispartition(object->relid) &&
		get_rel_persistence(object->relid) != RELPERSISTENCE_TEMP)
		sg_pending_add(SG_RULE_MISSING_PRIMARY_KEY, object->relid, "");
}

/*
 * Could the index become the primary key with ADD PRIMARY KEY USING INDEX,
 * as PostgreSQL requires: a valid, immediate, unique btree index without
 * expressions or predicate, on NOT NULL key columns, each with its type's
 * default operator class, collation and sort order?  *owned is set when a
 * constraint already owns it (then PostgreSQL refuses it).
 */
static bool
sg_index_could_be_key(Relation rel, Oid indexoid, bool *owned)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	Form_pg_index idx;
	bool		ok;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcoll;
	int2vector *indoption;

	*owned = false;
	if (!HeapTupleIsValid(tup))
		return false;
	idx = (Form_pg_index) GETSTRUCT(tup);
	ok = idx->indisunique && idx->indisvalid && idx->indimmediate &&
		!idx->indisexclusion &&
		heap_attisnull(tup, Anum_pg_index_indexprs, NULL) &&
		heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
		sg_index_access_method(indexoid) == BTREE_AM_OID;
	indclass = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup,
															 Anum_pg_index_indclass, &isnull));
	ok &= !isnull;
	indcoll = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup,
															Anum_pg_index_indcollation, &isnull));
	ok &= !isnull;
	indoption = (int2vector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup,
															   Anum_pg_index_indoption, &isnull));
	ok &= !isnull;
	for (int i = 0; ok && i < idx->indnkeyatts; i++)
	{
		AttrNumber	attnum = idx->indkey.values[i];
		Form_pg_attribute att;

		if (attnum <= 0 || attnum > RelationGetDescr(rel)->natts)
		{
			ok = false;
			break;
		}
		att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		ok = att->attnotnull && indoption->values[i] == 0 &&
			indclass->values[i] == GetDefaultOpClass(att->atttypid, BTREE_AM_OID) &&
			indcoll->values[i] == att->attcollation;
	}
	ReleaseSysCache(tup);
	if (ok)
		*owned = OidIsValid(get_index_constraint(indexoid));
	return ok;
}

/*
 * The HINT of missing_primary_key.  SQL when it runs as written and adds a
 * key without a scan or a rewrite of existing rows: the one unique index
 * that could be the key, made the key (a brief ACCESS EXCLUSIVE lock, its
 * columns are NOT NULL already); or, on a table of this transaction with
 * no such index and no children, a new bigint identity column as the key.
 * Words otherwise.
 */
static char *
sg_missing_primary_key_fix(Relation rel)
{
	char	   *relident = sg_relation_identity(RelationGetRelid(rel));
	List	   *candidates = NIL;
	List	   *owned = NIL;
	ListCell   *lc;

	foreach(lc, RelationGetIndexList(rel))
	{
		bool		is_owned;

		if (!sg_index_could_be_key(rel, lfirst_oid(lc), &is_owned))
			continue;
		if (is_owned)
			owned = lappend(owned, get_rel_name(lfirst_oid(lc)));
		else
			candidates = lappend(candidates, get_rel_name(lfirst_oid(lc)));
	}

	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		return psprintf("Declare a primary key on table %s: it must include the partition key columns.",
						relident);
	if (list_length(candidates) == 1 && owned == NIL)
		return psprintf("ALTER TABLE %s ADD PRIMARY KEY USING INDEX %s;",
						relident, quote_identifier(linitial(candidates)));
	if (candidates != NIL || owned != NIL)
	{
		StringInfoData names;

		initStringInfo(&names);
		foreach(lc, list_concat(candidates, owned))
			appendStringInfo(&names, "%s\"%s\"", names.len > 0 ? ", " : "",
							 (char *) lfirst(lc));
		return psprintf("Declare a primary key on table %s: the unique indexes on NOT NULL columns %s could serve as one.",
						relident, names.data);
	}
	if (sg_relation_is_new(rel) && !rel->rd_rel->relhassubclass &&
		!OidIsValid(rel->rd_rel->reloftype))
	{
		List	   *avoid = NIL;
		char	   *colname = sg_free_name("id", NULL, NULL, RelationGetNamespace(rel),
										   RelationGetRelid(rel), true, &avoid);

		return psprintf("ALTER TABLE %s ADD COLUMN %s bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
						relident, quote_identifier(colname));
	}
	return psprintf("Declare a primary key on table %s: on the columns that identify a row, or on a new bigint identity column.",
					relident);
}

/*
 * missing_primary_key at commit (the tables created, or whose key a
 * statement may have dropped) and in the audit (every table): an ordinary
 * or partitioned table without a primary key.  A unique index on NOT NULL
 * columns is not one: PostgreSQL's logical replication, and the tools
 * that need a key, use only a declared primary key by default.
 */
List *
sg_missing_primary_key_findings(Relation rel, List *only_names)
{
	SgFinding  *finding;
	char	   *relident;

	if (!sg_table_judged(rel) ||
		sg_primary_key_row(RelationGetRelid(rel)) != NULL)
		return NIL;

	relident = sg_relation_identity(RelationGetRelid(rel));
	finding = palloc0(sizeof(SgFinding));
	finding->rule = SG_RULE_MISSING_PRIMARY_KEY;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "table";
	finding->object_identity = relident;
	finding->message = psprintf("table %s has no primary key", relident);
	finding->detail = pstrdup("Without a primary key no row can be named: logical replication "
							  "cannot apply its UPDATEs and DELETEs under the default replica "
							  "identity, tools and ORMs that address rows refuse or guess, and "
							  "duplicate rows go unnoticed.");
	finding->fix = sg_missing_primary_key_fix(rel);
	return list_make1(finding);
}

/*
 * empty_string_default before ALTER TABLE ... ALTER COLUMN SET DEFAULT or
 * SET NOT NULL: the column waits for the commit, where its default and
 * nullability are what the transaction left.  Columns ADD COLUMN creates
 * come through ddl_end.
 */
void
sg_empty_string_default_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	Oid			relid = InvalidOid;
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		AttrNumber	attnum;

		if (cmd->name == NULL ||
			!((cmd->subtype == AT_ColumnDefault && cmd->def != NULL) ||
			  cmd->subtype == AT_SetNotNull))
			continue;
		if (!OidIsValid(relid))
			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		if (!OidIsValid(relid))
			return;
		attnum = get_attnum(relid, cmd->name);
		if (attnum > 0)
			sg_pending_add_column(SG_RULE_EMPTY_STRING_DEFAULT, relid, attnum);
	}
}

/* Is the type (a domain resolved) a string type: text, varchar, char, citext...? */
static bool
sg_type_is_string(Oid typid)
{
	char		category;
	bool		preferred;

	get_type_category_preferred(getBaseType(typid), &category, &preferred);
	return category == TYPCATEGORY_STRING;
}

/*
 * empty_string_default at ddl_end: a string column written or retyped
 * with a default waits for the commit.
 */
void
sg_empty_string_default_ddl_end(const SgDdlObject *object)
{
	if ((object->kind == SG_DDL_COLUMN || object->kind == SG_DDL_COLUMN_TYPE) &&
		object->att->atthasdef && sg_type_is_string(object->att->atttypid))
		sg_pending_add_column(SG_RULE_EMPTY_STRING_DEFAULT, object->relid,
							  object->att->attnum);
}

/*
 * Is the default expression the empty string: a constant, under casts
 * and length coercions, that prints as nothing (or as spaces only, for
 * character(n), which pads it)?
 */
static bool
sg_default_is_empty_string(Relation rel, AttrNumber attnum)
{
	TupleConstr *constr = RelationGetDescr(rel)->constr;
	Node	   *expr = NULL;
	Const	   *con;
	Oid			typoutput;
	bool		isvarlena;
	char	   *text;

	for (int i = 0; constr != NULL && i < constr->num_defval; i++)
	{
		if (constr->defval[i].adnum == attnum)
			expr = stringToNode(constr->defval[i].adbin);
	}
	for (;;)
	{
		if (expr == NULL)
			return false;
		if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
			expr = (Node *) ((CoerceToDomain *) expr)->arg;
		else if (IsA(expr, CollateExpr))
			expr = (Node *) ((CollateExpr *) expr)->arg;
		else if (IsA(expr, CoerceViaIO))
			expr = (Node *) ((CoerceViaIO *) expr)->arg;
		else if (IsA(expr, FuncExpr) &&
				 ((FuncExpr *) expr)->funcformat != COERCE_EXPLICIT_CALL &&
				 ((FuncExpr *) expr)->args != NIL)
			expr = linitial(((FuncExpr *) expr)->args);
		else
			break;
	}
	if (!IsA(expr, Const) || ((Const *) expr)->constisnull)
		return false;
	con = (Const *) expr;
	if (!sg_type_is_string(con->consttype) && con->consttype != UNKNOWNOID)
		return false;
	getTypeOutputInfo(con->consttype, &typoutput, &isvarlena);
	text = OidOutputFunctionCall(typoutput, con->constvalue);

	if (getBaseType(con->consttype) == BPCHAROID)
		return strspn(text, " ") == strlen(text);
	return text[0] == '\0';
}

/*
 * empty_string_default at commit (the columns the transaction added,
 * retyped or gave a default or NOT NULL) and in the audit (every column):
 * a NOT NULL string column, NOT NULL itself or by its domain, whose own
 * default is ''.
 */
List *
sg_empty_string_default_findings(Relation rel, List *only_names)
{
	List	   *findings = NIL;
	Oid			relid = RelationGetRelid(rel);
	ListCell   *lc;

	if (!sg_table_judged(rel))
		return NIL;
	foreach(lc, sg_columns_judged(rel, only_names))
	{
		const char *colname = lfirst(lc);
		AttrNumber	attnum = sg_column_attnum(rel, colname);
		Form_pg_attribute att;
		SgFinding  *finding;
		char	   *relident;
		const char *col = quote_identifier(colname);

		CHECK_FOR_INTERRUPTS();
		if (attnum <= 0)
			continue;			/* dropped or renamed since */
		att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		if (!att->atthasdef || !sg_type_is_string(att->atttypid) ||
			!(att->attnotnull || sg_type_not_null(att->atttypid)) ||
			!sg_default_is_empty_string(rel, attnum))
			continue;

		relident = sg_relation_identity(relid);
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_EMPTY_STRING_DEFAULT;
		finding->relid = relid;
		finding->object_type = "column";
		finding->subname = colname;
		finding->object_identity = psprintf("%s.%s", relident, col);
		finding->message = psprintf("column \"%s\" of table %s is NOT NULL with the empty string as its default",
									colname, relident);
		finding->detail = pstrdup("Every writer that gives no value stores '', so NOT NULL no longer "
								  "tells a missing value from a real one and readers must test for both.");

		/*
		 * Missing values become NULL.  NOT NULL stays where PostgreSQL will
		 * not drop it (a key column, a domain's, a parent's): then the
		 * writers must give a value.
		 */
		if (att->attnotnull && att->attinhcount == 0 &&
			att->attidentity == '\0' &&
			!sg_type_not_null(att->atttypid) &&
			!sg_column_in_primary_key(rel, attnum))
			finding->fix = psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT, ALTER COLUMN %s DROP NOT NULL;",
									relident, col, col);
		else
			finding->fix = psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;",
									relident, col);
		findings = lappend(findings, finding);
	}
	return findings;
}
