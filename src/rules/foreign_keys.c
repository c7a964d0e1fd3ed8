/*-------------------------------------------------------------------------
 *
 * foreign_keys.c
 *		Rule family "foreign_keys": fk_unindexed, fk_type_mismatch and
 *		fk_missing.
 *
 * A foreign key is covered when a valid btree index has the referencing
 * columns, in any order, as its leading key columns.  A partial index
 * counts only when its predicate is nothing but "col IS NOT NULL" on
 * referencing columns (the rows it leaves out can never match).
 * Partitioned tables are judged by the indexes of the parent; the clones
 * PostgreSQL makes of a foreign key on partitions are skipped.
 *
 * The one check serves the commit moment (only the foreign keys the
 * transaction created, or left uncovered) and the audit (every table).
 * The statements that may uncover a foreign key are seen before they run
 * (utility); the foreign keys added, once they exist (ddl_end).
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "regex/regex.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"

typedef struct SgFkey
{
	char	   *conname;
	Oid			confrelid;
	int			nkeys;
	int			nall;			/* nkeys, and the PERIOD column if any */
	AttrNumber	keys[INDEX_MAX_KEYS];
	AttrNumber	refkeys[INDEX_MAX_KEYS];	/* the referenced columns */
	/* How the lookup of referencing rows compares each key column: */
	Oid			eqops[INDEX_MAX_KEYS];	/* "fkcol = value", index column left */
	Oid			colls[INDEX_MAX_KEYS];	/* under this collation (or none) */
	bool		period;			/* a PERIOD key after keys[nkeys - 1] */
} SgFkey;

static bool
sg_fkey_has_column(const SgFkey *fk, AttrNumber attnum)
{
	for (int i = 0; i < fk->nkeys; i++)
		if (fk->keys[i] == attnum)
			return true;
	return false;
}

/* A one-dimensional array of n elements of type elemtype without NULLs. */
static bool
sg_plain_array(ArrayType *arr, Oid elemtype, int n)
{
	return ARR_NDIM(arr) == 1 && !ARR_HASNULL(arr) &&
		ARR_ELEMTYPE(arr) == elemtype && ARR_DIMS(arr)[0] == n;
}

/*
 * What the lookups of referencing rows (ri_triggers.c: "$1 = fkcol", with
 * the referenced column's collation only when that one is nondeterministic
 * and differs) need from an index column: the commutator of conpfeqop in
 * its operator family, and the collation the comparison runs under.
 */
static bool
sg_fkey_lookup_ops(Relation rel, HeapTuple contup, SgFkey *fk)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);
	bool		isnull1,
				isnull2;
	Datum		confkey = SysCacheGetAttr(CONSTROID, contup, Anum_pg_constraint_confkey, &isnull1);
	Datum		pfeqop = SysCacheGetAttr(CONSTROID, contup, Anum_pg_constraint_conpfeqop, &isnull2);
	ArrayType  *pkarr;
	ArrayType  *oparr;

	if (isnull1 || isnull2)
		return false;
	pkarr = DatumGetArrayTypeP(confkey);
	oparr = DatumGetArrayTypeP(pfeqop);
	if (!sg_plain_array(pkarr, INT2OID, fk->nkeys) ||
		!sg_plain_array(oparr, OIDOID, fk->nkeys))
		return false;

	for (int i = 0; i < fk->nkeys; i++)
	{
		AttrNumber	pkatt = ((AttrNumber *) ARR_DATA_PTR(pkarr))[i];
		Oid			typid;
		int32		typmod;
		Oid			fkcoll;
		Oid			pkcoll;

		fk->refkeys[i] = pkatt;
		fk->eqops[i] = get_commutator(((Oid *) ARR_DATA_PTR(oparr))[i]);
		/* rel's own columns are in its descriptor */
		if (fk->keys[i] > 0 && fk->keys[i] <= desc->natts)
			fkcoll = TupleDescAttr(desc, fk->keys[i] - 1)->attcollation;
		else
			get_atttypetypmodcoll(con->conrelid, fk->keys[i], &typid, &typmod, &fkcoll);
		get_atttypetypmodcoll(con->confrelid, pkatt, &typid, &typmod, &pkcoll);
		if (OidIsValid(pkcoll) && pkcoll != fkcoll &&
			!get_collation_isdeterministic(pkcoll))
			fk->colls[i] = pkcoll;
		else
			fk->colls[i] = fkcoll;
	}
	return true;
}

/* The foreign keys declared on rel itself (not clones from a parent). */
static List *
sg_relation_fkeys(Relation rel)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, sg_relation_constraints(RelationGetRelid(rel)))
	{
		HeapTuple	tup = lfirst(lc);
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		Datum		conkey;
		bool		isnull;
		ArrayType  *arr;
		SgFkey	   *fk;

		/* A NOT ENFORCED foreign key has no triggers: nothing looks it up. */
		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid) ||
			!SG_CONSTRAINT_ENFORCED(con))
			continue;
		conkey = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(conkey);
		if (ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] < 1 ||
			ARR_DIMS(arr)[0] > INDEX_MAX_KEYS ||
			!sg_plain_array(arr, INT2OID, ARR_DIMS(arr)[0]))
			continue;

		fk = palloc(sizeof(SgFkey));
		fk->conname = pstrdup(NameStr(con->conname));
		fk->confrelid = con->confrelid;
		fk->nkeys = fk->nall = ARR_DIMS(arr)[0];
		memcpy(fk->keys, ARR_DATA_PTR(arr), fk->nkeys * sizeof(AttrNumber));
		if (!sg_fkey_lookup_ops(rel, tup, fk))
			continue;

		/*
		 * A PERIOD foreign key looks its rows up by equality on the other
		 * columns and by overlap (&&) on the last one, which no btree serves:
		 * an index must lead with the other columns, a btree or a GiST
		 * (btree_gist) one.
		 */
		fk->period = SG_CONSTRAINT_PERIOD(con);
		if (fk->period && --fk->nkeys < 1)
			continue;
		result = lappend(result, fk);
	}
	return result;
}

/* Is a partial index's predicate only "fk_col IS NOT NULL" clauses? */
static bool
sg_predicate_only_not_null(const SgIndex *idx, const SgFkey *fk)
{
	ListCell   *lc;

	if (idx->pred == NULL)
		return true;
	foreach(lc, make_ands_implicit((Expr *) copyObject(idx->pred)))
	{
		NullTest   *test = (NullTest *) lfirst(lc);

		if (!IsA(test, NullTest) || test->nulltesttype != IS_NOT_NULL ||
			test->argisrow || test->arg == NULL || !IsA(test->arg, Var) ||
			!sg_fkey_has_column(fk, ((Var *) test->arg)->varattno))
			return false;
	}
	return true;
}

Oid
sg_index_access_method(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	Oid			relam;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	relam = ((Form_pg_class) GETSTRUCT(tup))->relam;
	ReleaseSysCache(tup);
	return relam;
}

/* Is keys[i] the first mention of its column? */
static bool
sg_fkey_first_use(const SgFkey *fk, int i)
{
	for (int j = 0; j < i; j++)
		if (fk->keys[j] == fk->keys[i])
			return false;
	return true;
}

/* The number of distinct referencing columns. */
static int
sg_fkey_ncolumns(const SgFkey *fk)
{
	int			n = 0;

	for (int i = 0; i < fk->nkeys; i++)
		if (sg_fkey_first_use(fk, i))
			n++;
	return n;
}

static const char *
sg_attname_or_expression(Oid relid, AttrNumber attnum)
{
	if (attnum == 0)
		return "an expression";
	return quote_identifier(get_attname(relid, attnum, false));
}

/*
 * Can the index serve fk's lookups of referencing rows?  It must be a valid
 * btree index whose first key columns are exactly the referencing columns,
 * each with the operator and collation the lookup compares with, and not
 * partial beyond "col IS NOT NULL".  When it cannot and its first column
 * is a referencing one (a near miss), the reason goes into "why" if given.
 */
static bool
sg_index_serves_fkey(const SgIndex *idx, Oid relid, const SgFkey *fk, StringInfo why)
{
	int			ncols = sg_fkey_ncolumns(fk);
	char	   *reason = NULL;

	if (idx->nkeyatts < 1 || !sg_fkey_has_column(fk, idx->keys[0]))
		return false;

	if (idx->am != BTREE_AM_OID && !(fk->period && idx->am == GIST_AM_OID))
		reason = psprintf("it is a %s index", get_am_name(idx->am));

	/* The first ncols key columns: the referencing columns, each once. */
	for (int j = 0; reason == NULL && j < ncols; j++)
	{
		AttrNumber	attnum = j < idx->nkeyatts ? idx->keys[j] : 0;
		bool		repeated = false;

		for (int k = 0; k < j; k++)
			repeated |= (idx->keys[k] == attnum);
		if (j >= idx->nkeyatts || repeated || !sg_fkey_has_column(fk, attnum))
		{
			StringInfoData cols;

			initStringInfo(&cols);
			for (int k = 0; k < Min(ncols, idx->nkeyatts); k++)
				appendStringInfo(&cols, "%s%s", k > 0 ? ", " : "",
								 sg_attname_or_expression(relid, idx->keys[k]));
			reason = psprintf("its first %s (%s)",
							  Min(ncols, idx->nkeyatts) == 1 ?
							  "key column is" : "key columns are",
							  cols.data);
			break;
		}
		for (int i = 0; reason == NULL && i < fk->nkeys; i++)
		{
			if (fk->keys[i] != attnum)
				continue;
			if (!op_in_opfamily(fk->eqops[i], get_opclass_family(idx->opclass[j])))
				reason = psprintf("its operator class for %s does not have the operator %s the foreign key compares with",
								  sg_attname_or_expression(relid, attnum),
								  format_operator(fk->eqops[i]));
			else if (OidIsValid(idx->coll[j]) && idx->coll[j] != fk->colls[i])
				reason = psprintf("it sorts %s by collation \"%s\", the foreign key compares by \"%s\"",
								  sg_attname_or_expression(relid, attnum),
								  get_collation_name(idx->coll[j]),
								  get_collation_name(fk->colls[i]));
		}
	}
	if (reason == NULL && !sg_predicate_only_not_null(idx, fk))
		reason = "it is partial";
	if (reason == NULL && !idx->valid)
		reason = "it is not valid";

	if (reason != NULL && why != NULL)
		appendStringInfo(why, " Index %s does not count: %s.",
						 quote_identifier(idx->name), reason);
	return reason == NULL;
}

static bool
sg_fkey_covered(List *indexes, Oid relid, const SgFkey *fk, StringInfo why)
{
	ListCell   *lc;

	foreach(lc, indexes)
	{
		if (sg_index_serves_fkey(lfirst(lc), relid, fk, why))
			return true;
	}
	return false;
}

/*
 * The OIDs of the indexes (SgIndex) that serve the lookups of a foreign
 * key of rel, as fk_unindexed judges them: the audit's index rules never
 * propose to drop one of them in favour of an index that would not.
 */
List *
sg_fkey_supporting_indexes(Relation rel, List *indexes)
{
	List	   *fkeys = sg_relation_fkeys(rel);
	List	   *result = NIL;
	ListCell   *lc;

	if (fkeys == NIL)
		return NIL;
	foreach(lc, indexes)
	{
		SgIndex    *idx = lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, fkeys)
		{
			if (sg_index_serves_fkey(idx, RelationGetRelid(rel), lfirst(lc2), NULL))
			{
				result = lappend_oid(result, idx->oid);
				break;
			}
		}
	}
	return result;
}

/*
 * A btree operator class for the type whose family has the operator: the
 * type's default one, or else the first by name (NULL: none).
 */
static char *
sg_fkey_opclass(Oid typid, Oid eqop)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *result = NULL;

	if (OidIsValid(opclass) && op_in_opfamily(eqop, get_opclass_family(opclass)))
		return "";

	rel = table_open(OperatorClassRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_opclass opc = (Form_pg_opclass) GETSTRUCT(tup);
		char	   *name;

		if (opc->opcmethod != BTREE_AM_OID || opc->opcintype != typid ||
			!op_in_opfamily(eqop, opc->opcfamily))
			continue;
		name = quote_qualified_identifier(get_namespace_name(opc->opcnamespace),
										  NameStr(opc->opcname));
		if (result == NULL || strcmp(name, result) < 0)
			result = name;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result ? psprintf(" %s", result) : NULL;
}

/*
 * The referencing columns, "a, b"; with fix, as an index's key columns the
 * lookups can use: "a COLLATE public.nocase", "b some_ops" where the
 * defaults would not do (NULL: no operator class would).
 */
static char *
sg_fkey_column_list(Relation rel, const SgFkey *fk, bool fix)
{
	StringInfoData buf;
	Oid			relid = RelationGetRelid(rel);

	initStringInfo(&buf);
	for (int i = 0; i < fk->nkeys; i++)
	{
		Oid			typid;
		int32		typmod;
		Oid			collid;
		char	   *opclass;

		if (!sg_fkey_first_use(fk, i))
			continue;
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(get_attname(relid, fk->keys[i], false)));
		if (!fix)
			continue;
		get_atttypetypmodcoll(relid, fk->keys[i], &typid, &typmod, &collid);
		if (OidIsValid(fk->colls[i]) && fk->colls[i] != collid)
		{
			HeapTuple	colltup = SearchSysCache1(COLLOID, ObjectIdGetDatum(fk->colls[i]));

			if (HeapTupleIsValid(colltup))
			{
				Form_pg_collation coll = (Form_pg_collation) GETSTRUCT(colltup);

				appendStringInfo(&buf, " COLLATE %s",
								 quote_qualified_identifier(get_namespace_name(coll->collnamespace),
															NameStr(coll->collname)));
				ReleaseSysCache(colltup);
			}
		}
		opclass = sg_fkey_opclass(typid, fk->eqops[i]);
		if (opclass == NULL)
			return NULL;
		appendStringInfoString(&buf, opclass);
	}
	return buf.data;
}

/*
 * Like CREATE INDEX without a name: table_columns_idx, free in the schema
 * and not the name of an index this transaction dropped (the HINT may have
 * to run before the transaction, where that name is taken).
 */
static char *
sg_fkey_index_name(Relation rel, const SgFkey *fk)
{
	char		buf[NAMEDATALEN * 2];
	int			len = 0;
	List	   *avoid;

	buf[0] = '\0';
	for (int i = 0; i < fk->nkeys && len < NAMEDATALEN; i++)
	{
		const char *attname = get_attname(RelationGetRelid(rel), fk->keys[i], false);

		if (i > 0)
			buf[len++] = '_';
		strlcpy(buf + len, attname, NAMEDATALEN);
		len += strlen(buf + len);
	}
	avoid = sg_index_names_dropped_in_xact();
	return sg_free_name(RelationGetRelationName(rel), buf, "idx",
						RelationGetNamespace(rel), InvalidOid, false, &avoid);
}

static SgFinding *
sg_fk_unindexed_finding(Relation rel, const SgFkey *fk, const char *near_misses)
{
	SgFinding  *finding = palloc0(sizeof(SgFinding));
	char	   *relident = sg_relation_identity(RelationGetRelid(rel));
	char	   *columns = sg_fkey_column_list(rel, fk, false);
	char	   *keys = sg_fkey_column_list(rel, fk, true);

	finding->rule = SG_RULE_FK_UNINDEXED;
	finding->relid = RelationGetRelid(rel);
	finding->object_type = "foreign key";
	finding->subname = fk->conname;
	finding->object_identity = psprintf("%s on %s", quote_identifier(fk->conname), relident);
	finding->message = psprintf("foreign key \"%s\" of table %s has no index on its referencing columns",
								fk->conname, relident);
	finding->detail = psprintf("No index of %s serves the foreign key's lookups by (%s).%s "
							   "Every DELETE or key UPDATE on %s then scans %s for referencing rows while holding its locks, and joins on the key cannot use an index.",
							   relident, columns, near_misses,
							   sg_relation_identity(fk->confrelid), relident);
	if (keys != NULL)
		finding->fix = sg_fix_create_index(rel, sg_fkey_index_name(rel, fk), false,
										   psprintf("USING btree (%s)", keys));
	else
		finding->fix = "No btree operator class of the referencing columns' types has the operator the foreign key compares with: create one, then an index with it.";
	return finding;
}

/*
 * fk_unindexed findings for rel: every foreign key declared on it, or only
 * those named in only_names when that list is not empty.
 */
List *
sg_fk_unindexed_findings(Relation rel, List *only_names)
{
	List	   *indexes = NIL;
	List	   *findings = NIL;
	ListCell   *lc;

	foreach(lc, sg_relation_fkeys(rel))
	{
		SgFkey	   *fk = lfirst(lc);
		bool		wanted = (only_names == NIL);
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		foreach(lc2, only_names)
		{
			if (strcmp(fk->conname, lfirst(lc2)) == 0)
				wanted = true;
		}
		if (wanted)
		{
			StringInfoData why;

			initStringInfo(&why);
			if (indexes == NIL)
				indexes = sg_relation_index_list(rel);
			if (!sg_fkey_covered(indexes, RelationGetRelid(rel), fk, &why))
				findings = lappend(findings, sg_fk_unindexed_finding(rel, fk, why.data));
		}
	}
	return findings;
}

/*
 * Before a statement that may drop an index (DROP INDEX, ALTER TABLE DROP
 * CONSTRAINT or DROP COLUMN): remember the foreign keys of relid that are
 * covered now, so that the commit check catches the ones the transaction
 * leaves uncovered, and only those.
 *
 * DROP INDEX CONCURRENTLY (dropping_now) commits several transactions of
 * its own and marks the index invalid in place, where an error would
 * leave it half dropped; and no later statement of a transaction can
 * repair what it does.  So it is judged at once, before it starts: the
 * foreign keys covered now and no longer covered without that index.
 *
 * "Now" is once the statement's own lock on the table is granted: a
 * transaction adding a foreign key to the table holds a conflicting lock
 * until it commits, and its foreign key must count.  So the lock the
 * statement takes first is taken here, for its owner only: others are
 * refused by the statement before it locks anything, and the guard
 * neither judges nor locks what they may not touch.
 */
static void
sg_remember_covered_fkeys(Oid relid, Oid dropping_now)
{
	Relation	rel;
	List	   *indexes;
	List	   *remaining = NIL;
	List	   *findings = NIL;
	ListCell   *lc;

	if (!SG_OWNS_RELATION(relid))
		return;
	LockRelationOid(relid, OidIsValid(dropping_now) ?
					ShareUpdateExclusiveLock : AccessExclusiveLock);
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return;
	if (sg_relation_guarded(rel) &&
		(rel->rd_rel->relkind == RELKIND_RELATION ||
		 rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE))
	{
		indexes = sg_relation_index_list(rel);
		foreach(lc, indexes)
		{
			if (((SgIndex *) lfirst(lc))->oid != dropping_now)
				remaining = lappend(remaining, lfirst(lc));
		}
		foreach(lc, sg_relation_fkeys(rel))
		{
			SgFkey	   *fk = lfirst(lc);
			StringInfoData why;

			if (!sg_fkey_covered(indexes, relid, fk, NULL))
				continue;
			initStringInfo(&why);
			if (!OidIsValid(dropping_now))
				sg_pending_add(SG_RULE_FK_UNINDEXED, relid, fk->conname);
			else if (!sg_fkey_covered(remaining, relid, fk, &why))
				findings = lappend(findings, sg_fk_unindexed_finding(rel, fk, why.data));
		}
	}
	foreach(lc, findings)
		sg_raise(lfirst(lc));
	relation_close(rel, AccessShareLock);
}

/*
 * fk_unindexed before a statement runs: DROP INDEX, and the ALTER TABLE
 * subcommands that may drop an index a foreign key relies on.  The names
 * of dropped indexes are kept for the HINT (sg_fkey_index_name).
 */
void
sg_fk_unindexed_utility(Node *parsetree)
{
	if (IsA(parsetree, DropStmt) &&
		((DropStmt *) parsetree)->removeType == OBJECT_INDEX)
	{
		DropStmt   *stmt = (DropStmt *) parsetree;
		ListCell   *lc;

		foreach(lc, stmt->objects)
		{
			RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
			Oid			relid;
			Oid			indexoid = sg_index_dropped_by_owner(rv, &relid, NULL);

			CHECK_FOR_INTERRUPTS();
			if (!OidIsValid(indexoid))
				continue;
			sg_note_dropped_index(rv->relname);
			sg_remember_covered_fkeys(relid, stmt->concurrent ? indexoid : InvalidOid);
		}
	}
	else if (IsA(parsetree, AlterTableStmt))
	{
		AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
		ListCell   *lc;

		foreach(lc, stmt->cmds)
		{
			AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

			if (cmd->subtype == AT_DropConstraint || cmd->subtype == AT_DropColumn)
			{
				Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

				if (OidIsValid(relid))
					sg_remember_covered_fkeys(relid, InvalidOid);
				break;
			}
		}
	}
}

/*
 * A foreign key added, or made ENFORCED (18): judged at commit by the
 * rule, which waits for it by name.
 */
static void
sg_fkey_added(const SgDdlObject *object, SgRuleId rule)
{
	HeapTuple	tup;
	Form_pg_constraint con;

	if (object->kind != SG_DDL_CONSTRAINT)
		return;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(object->objid));
	if (!HeapTupleIsValid(tup))
		return;
	con = (Form_pg_constraint) GETSTRUCT(tup);
	if (con->contype == CONSTRAINT_FOREIGN && OidIsValid(con->conrelid))
		sg_pending_add(rule, con->conrelid, NameStr(con->conname));
	ReleaseSysCache(tup);
}

void
sg_fk_unindexed_ddl_end(const SgDdlObject *object)
{
	sg_fkey_added(object, SG_RULE_FK_UNINDEXED);
}

void
sg_fk_type_mismatch_ddl_end(const SgDdlObject *object)
{
	sg_fkey_added(object, SG_RULE_FK_TYPE_MISMATCH);
}

/* A column's declared type and modifier, its base type's, its collation. */
typedef struct SgColumnType
{
	Oid			typid;
	int32		typmod;
	Oid			basetype;
	int32		basetypmod;
	Oid			collation;
} SgColumnType;

/* rel: the relation relid when it is open (its descriptor has the column), or NULL */
static void
sg_column_type(Relation rel, Oid relid, AttrNumber attnum, SgColumnType *type)
{
	if (rel != NULL && attnum > 0 && attnum <= RelationGetDescr(rel)->natts)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

		type->typid = att->atttypid;
		type->typmod = att->atttypmod;
		type->collation = att->attcollation;
	}
	else
		get_atttypetypmodcoll(relid, attnum, &type->typid, &type->typmod, &type->collation);
	type->basetypmod = type->typmod;
	type->basetype = getBaseTypeAndTypmod(type->typid, &type->basetypmod);
}

/*
 * Do the two columns hold the same values: the same type with domains
 * resolved, the same modifier (length, precision) and collation?
 */
static bool
sg_column_types_match(const SgColumnType *a, const SgColumnType *b)
{
	return a->basetype == b->basetype && a->basetypmod == b->basetypmod &&
		a->collation == b->collation;
}

/* "bigint", "character varying(20) COLLATE "C"": the column's type as written. */
static char *
sg_column_type_sql(const SgColumnType *type, bool collate)
{
	char	   *sql = format_type_with_typemod(type->typid, type->typmod);

	if (collate && OidIsValid(type->collation))
	{
		HeapTuple	tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(type->collation));

		if (HeapTupleIsValid(tup))
		{
			Form_pg_collation coll = (Form_pg_collation) GETSTRUCT(tup);

			sql = psprintf("%s COLLATE %s", sql,
						   quote_qualified_identifier(get_namespace_name(coll->collnamespace),
													  NameStr(coll->collname)));
			ReleaseSysCache(tup);
		}
	}
	return sql;
}

/*
 * fk_type_mismatch at commit (the foreign keys the transaction added) and
 * in the audit (every foreign key declared on rel): a referencing column
 * whose type, modifier or collation differs from the column it
 * references.  The HINT retypes the referencing columns to the referenced
 * ones' types where that rewrites nothing existing.
 */
List *
sg_fk_type_mismatch_findings(Relation rel, List *only_names)
{
	Oid			relid = RelationGetRelid(rel);
	List	   *findings = NIL;
	ListCell   *lc;

	if (!sg_table_judged(rel))
		return NIL;
	foreach(lc, sg_relation_fkeys(rel))
	{
		SgFkey	   *fk = lfirst(lc);
		bool		wanted = (only_names == NIL);
		StringInfoData detail;
		StringInfoData fix;
		bool		runs = true;
		int			nwrong = 0;
		char	   *relident;
		char	   *refident;
		ListCell   *lc2;
		SgFinding  *finding;

		CHECK_FOR_INTERRUPTS();
		foreach(lc2, only_names)
			wanted |= (strcmp(fk->conname, lfirst(lc2)) == 0);
		if (!wanted)
			continue;

		initStringInfo(&detail);
		initStringInfo(&fix);
		for (int i = 0; i < fk->nall; i++)
		{
			SgColumnType mine;
			SgColumnType theirs;
			char	   *col;
			char	   *refcol;
			bool		collate;

			sg_column_type(rel, relid, fk->keys[i], &mine);
			sg_column_type(NULL, fk->confrelid, fk->refkeys[i], &theirs);
			if (sg_column_types_match(&mine, &theirs) || !sg_fkey_first_use(fk, i))
				continue;
			col = get_attname(relid, fk->keys[i], false);
			refcol = get_attname(fk->confrelid, fk->refkeys[i], false);
			collate = mine.collation != theirs.collation;
			appendStringInfo(&detail, "%sColumn \"%s\" is %s, the column \"%s\" it references is %s.",
							 nwrong > 0 ? " " : "", col, sg_column_type_sql(&mine, collate),
							 refcol, sg_column_type_sql(&theirs, collate));
			appendStringInfo(&fix, "%sALTER COLUMN %s TYPE %s",
							 nwrong > 0 ? ", " : "", quote_identifier(col),
							 sg_column_type_sql(&theirs, collate));
			runs &= sg_fix_retype_runs(rel, fk->keys[i]);
			nwrong++;
		}
		if (nwrong == 0)
			continue;

		relident = sg_relation_identity(relid);
		refident = sg_relation_identity(fk->confrelid);
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_FK_TYPE_MISMATCH;
		finding->relid = relid;
		finding->object_type = "foreign key";
		finding->subname = fk->conname;
		finding->object_identity = psprintf("%s on %s", quote_identifier(fk->conname), relident);
		finding->message = psprintf("foreign key \"%s\" of table %s has columns of other types than the columns of %s it references",
									fk->conname, relident, refident);
		finding->detail = psprintf("%s Keys the referenced column can hold may not fit the referencing one, "
								   "and every check and join compares through a cast or a cross-type operator.",
								   detail.data);
		if (runs)
			finding->fix = psprintf("ALTER TABLE %s %s;", relident, fix.data);
		else
			finding->fix = psprintf("Give the referencing columns of foreign key \"%s\" the types of the columns they reference: changing the type of an existing column rewrites its table.",
									fk->conname);
		findings = lappend(findings, finding);
	}
	return findings;
}

/* schema_guard.fk_missing_pattern */
static char *sg_fk_missing_pattern = NULL;

#define SG_FK_MISSING_PATTERN_DEFAULT "^(.*[^_])_?id$"

/* The pattern must compile and capture the table's name in its first group. */
static bool
sg_fk_missing_pattern_check(char **newval, void **extra, GucSource source)
{
	int			len = strlen(*newval);
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(*newval, wide, len);
	regex_t		re;
	int			rc;

	rc = pg_regcomp(&re, wide, wlen, REG_ADVANCED, C_COLLATION_OID);
	pfree(wide);
	if (rc != REG_OKAY)
	{
		char		msg[100];

		pg_regerror(rc, &re, msg, sizeof(msg));
		GUC_check_errdetail("The pattern is not a valid regular expression: %s.", msg);
		return false;
	}
	rc = re.re_nsub;
	pg_regfree(&re);
	if (rc < 1)
	{
		GUC_check_errdetail("The pattern has no parenthesized group to capture the table's name.");
		return false;
	}
	return true;
}

void
sg_fk_missing_define_gucs(void)
{
	DefineCustomStringVariable("schema_guard.fk_missing_pattern",
							   "Sets the regular expression of column names that name a reference.",
							   "Its first parenthesized group is the name of the referenced table, "
							   "or that name without a final s.",
							   &sg_fk_missing_pattern,
							   SG_FK_MISSING_PATTERN_DEFAULT,
							   PGC_SUSET,
							   0,
							   sg_fk_missing_pattern_check, NULL, NULL);
}

/* The table name the column names, by the pattern; NULL if none. */
static char *
sg_fk_missing_stem(const char *colname)
{
	text	   *pattern = cstring_to_text(sg_fk_missing_pattern);
	regex_t    *re = RE_compile_and_cache(pattern, REG_ADVANCED, C_COLLATION_OID);
	int			len = strlen(colname);
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(colname, wide, len);
	regmatch_t	match[2];
	char	   *stem = NULL;

	if (pg_regexec(re, wide, wlen, 0, NULL, 2, match, 0) == REG_OKAY &&
		match[1].rm_so >= 0 && match[1].rm_eo > match[1].rm_so)
	{
		int			n = match[1].rm_eo - match[1].rm_so;
		char	   *buf = palloc(n * pg_database_encoding_max_length() + 1);

		pg_wchar2mb_with_len(wide + match[1].rm_so, buf, n);
		stem = buf;
	}
	pfree(wide);
	return stem;
}

void
sg_fk_missing_ddl_end(const SgDdlObject *object)
{
	if ((object->kind == SG_DDL_COLUMN || object->kind == SG_DDL_COLUMN_TYPE) &&
		object->rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE &&
		sg_fk_missing_stem(NameStr(object->att->attname)) != NULL)
		sg_pending_add_column(SG_RULE_FK_MISSING, object->relid, object->att->attnum);
}

/*
 * The table of the schema named name (or name followed by s) whose
 * primary key is one column of the same type as the column: that
 * table, and its key column in *keyattnum; InvalidOid if none.
 */
static Oid
sg_fk_missing_target(Relation rel, AttrNumber attnum, const char *stem,
					 AttrNumber *keyattnum)
{
	SgColumnType mine;

	sg_column_type(rel, RelationGetRelid(rel), attnum, &mine);
	for (int plural = 0; plural < 2; plural++)
	{
		char	   *name = plural ? psprintf("%ss", stem) : (char *) stem;
		Oid			target = get_relname_relid(name, RelationGetNamespace(rel));
		ListCell   *lc;
		AttrNumber	found = InvalidAttrNumber;

		if (!OidIsValid(target) || strlen(name) >= NAMEDATALEN ||
			(get_rel_relkind(target) != RELKIND_RELATION &&
			 get_rel_relkind(target) != RELKIND_PARTITIONED_TABLE))
			continue;
		foreach(lc, sg_relation_constraints(target))
		{
			HeapTuple	tup = lfirst(lc);
			bool		isnull;
			Datum		conkey;
			ArrayType  *arr;

			if (((Form_pg_constraint) GETSTRUCT(tup))->contype != CONSTRAINT_PRIMARY)
				continue;
			conkey = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
			if (isnull)
				break;
			arr = DatumGetArrayTypeP(conkey);
			if (sg_plain_array(arr, INT2OID, 1))
				found = ((AttrNumber *) ARR_DATA_PTR(arr))[0];
			break;
		}
		if (found != InvalidAttrNumber &&
			!(target == RelationGetRelid(rel) && found == attnum))
		{
			SgColumnType theirs;

			sg_column_type(target == RelationGetRelid(rel) ? rel : NULL, target, found, &theirs);
			if (sg_column_types_match(&mine, &theirs))
			{
				*keyattnum = found;
				return target;
			}
		}
	}
	return InvalidOid;
}

/* Is the column one of the referencing columns of a foreign key of rel? */
static bool
sg_column_references(Relation rel, AttrNumber attnum)
{
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);

		for (int i = 0; i < fk->nkeys; i++)
			if (fk->conkey[i] == attnum)
				return true;
	}
	return false;
}

/*
 * Is the column the key half of a polymorphic reference, x_id beside a
 * string or enum column x_type that says which table each row's key
 * belongs to (Rails' commentable_id and commentable_type)?  No foreign key
 * can be declared on it, whatever table happens to be named x or xs.
 */
static bool
sg_column_polymorphic(Relation rel, const char *colname)
{
	size_t		len = strlen(colname);
	AttrNumber	typeatt;
	char		category;
	bool		preferred;

	if (len < 2 || strcmp(colname + len - 2, "id") != 0)
		return false;
	typeatt = sg_column_attnum(rel, psprintf("%.*stype", (int) (len - 2), colname));
	if (typeatt <= 0)
		return false;
	get_type_category_preferred(getBaseType(TupleDescAttr(RelationGetDescr(rel), typeatt - 1)->atttypid),
								&category, &preferred);
	return category == TYPCATEGORY_STRING || category == TYPCATEGORY_ENUM;
}

/*
 * The table, and its key column in *keyattnum, that column attnum of rel
 * names (schema_guard.fk_missing_pattern) with the type of that key, when
 * no foreign key of rel covers the column and it is no polymorphic
 * reference: fk_missing's match, which orphaned_rows probes too.
 * InvalidOid if none.
 */
Oid
sg_fk_missing_reference(Relation rel, AttrNumber attnum, AttrNumber *keyattnum)
{
	char	   *stem;
	const char *colname;

	if (attnum <= 0)
		return InvalidOid;
	colname = NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname);
	if ((stem = sg_fk_missing_stem(colname)) == NULL ||
		sg_column_references(rel, attnum) || sg_column_polymorphic(rel, colname))
		return InvalidOid;
	return sg_fk_missing_target(rel, attnum, stem, keyattnum);
}

/*
 * fk_missing at commit (the columns the transaction added or retyped with
 * a name that matches the pattern) and in the audit (every column): a
 * column named like a reference to a table of the same schema, typed like
 * its one-column primary key, that no foreign key of rel covers.
 */
List *
sg_fk_missing_findings(Relation rel, List *only_names)
{
	Oid			relid = RelationGetRelid(rel);
	List	   *findings = NIL;
	List	   *avoid = NIL;
	ListCell   *lc;

	if (!sg_table_judged(rel))
		return NIL;
	foreach(lc, sg_columns_judged(rel, only_names))
	{
		const char *colname = lfirst(lc);
		AttrNumber	attnum = sg_column_attnum(rel, colname);
		AttrNumber	keyattnum;
		Oid			target;
		char	   *relident;
		char	   *targetident;
		const char *conname;
		char	   *keycol;
		SgFinding  *finding;

		CHECK_FOR_INTERRUPTS();
		target = sg_fk_missing_reference(rel, attnum, &keyattnum);
		if (!OidIsValid(target))
			continue;

		relident = sg_relation_identity(relid);
		targetident = sg_relation_identity(target);
		keycol = get_attname(target, keyattnum, false);
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_FK_MISSING;
		finding->relid = relid;
		finding->object_type = "column";
		finding->subname = colname;
		finding->object_identity = psprintf("%s.%s", relident, quote_identifier(colname));
		finding->message = psprintf("column \"%s\" of table %s looks like a reference to %s but has no foreign key",
									colname, relident, targetident);
		finding->detail = psprintf("Its name matches schema_guard.fk_missing_pattern and names table %s, "
								   "whose primary key \"%s\" has its type.  Without a foreign key nothing "
								   "stops it from holding keys of rows that do not exist.",
								   targetident, keycol);
		conname = quote_identifier(sg_free_name(RelationGetRelationName(rel), colname, "fkey",
												RelationGetNamespace(rel), relid, false, &avoid));

		/*
		 * A table of this transaction: the add validates what the transaction
		 * wrote.  An existing table: NOT VALID, which takes a brief lock and
		 * checks new rows only; the existing rows are validated in a later
		 * transaction (VALIDATE in the same one would hold the add's lock
		 * through the scan).  Before PostgreSQL 18 a partitioned table takes
		 * no NOT VALID foreign key.
		 */
		if (sg_relation_is_new(rel))
			finding->fix = psprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s);",
									relident, conname, quote_identifier(colname), targetident,
									quote_identifier(keycol));
		else if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			finding->fix = psprintf("Add a foreign key on column \"%s\" referencing %s.", colname, targetident);
		else
		{
			finding->fix = psprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID;",
									relident, conname, quote_identifier(colname), targetident,
									quote_identifier(keycol));
			finding->detail = psprintf("%s  Added NOT VALID, it checks new rows at once; VALIDATE CONSTRAINT "
									   "in a later transaction checks the rows that exist.", finding->detail);
		}
		findings = lappend(findings, finding);
	}
	return findings;
}
