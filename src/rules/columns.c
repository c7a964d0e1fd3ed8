/*-------------------------------------------------------------------------
 *
 * columns.c
 *		Rule family "columns": implicit_nullable, and the bounded column
 *		scan that the commit-time HINTs of the column rules read.
 *
 * implicit_nullable has two moments.  At ddl_end only the statement as
 * written says whether NULL was a decision, so the columns written without
 * it are remembered; at commit the net result is judged, so that "add the
 * column, backfill it, SET NOT NULL" in one transaction is not a finding.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/*
 * The most blocks (of a table and its children) that a commit-time HINT
 * reads to learn what the column holds: 1 MB at the default block size.
 */
#define SG_HINT_SCAN_BLOCKS 128

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
 * Does the type refuse NULL by itself: a domain, or a domain over a domain,
 * declared NOT NULL?
 */
bool
sg_type_not_null(Oid typid)
{
	for (;;)
	{
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
		Form_pg_type typ;
		bool		notnull;

		if (!HeapTupleIsValid(tup))
			return false;
		typ = (Form_pg_type) GETSTRUCT(tup);
		notnull = typ->typnotnull;
		typid = typ->typbasetype;
		if (typ->typtype != TYPTYPE_DOMAIN)
		{
			ReleaseSysCache(tup);
			return false;
		}
		ReleaseSysCache(tup);
		if (notnull)
			return true;
	}
}

/* Does this referential action write NULL into the referencing column? */
static bool
sg_fkey_action_nulls(char action, bool hasdef)
{
	return action == FKCONSTR_ACTION_SETNULL ||
		(action == FKCONSTR_ACTION_SETDEFAULT && !hasdef);
}

/*
 * The name of a foreign key of the table whose ON DELETE or ON UPDATE
 * action sets the column to NULL (SET NULL, or SET DEFAULT without a
 * default), or NULL: such a column is meant to be nullable.
 */
char *
sg_fkey_nulling_column(Relation rel, AttrNumber attnum, bool hasdef)
{
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);
		HeapTuple	tup;
		Form_pg_constraint con;
		bool		in_key = false;
		bool		nulls;
		char	   *name = NULL;

		for (int i = 0; i < fk->nkeys; i++)
			in_key |= (fk->conkey[i] == attnum);
		if (!in_key)
			continue;
		tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(fk->conoid));
		if (!HeapTupleIsValid(tup))
			continue;
		con = (Form_pg_constraint) GETSTRUCT(tup);
		nulls = sg_fkey_action_nulls(con->confdeltype, hasdef);
		/* ON DELETE SET NULL (columns) sets only the columns it names. */
		if (nulls)
		{
			bool		isnull;
			Datum		cols = SG_FKEY_DELETE_SET_COLUMNS(tup, &isnull);

			if (!isnull)
			{
				ArrayType  *arr = DatumGetArrayTypeP(cols);
				int			n = ARR_NDIM(arr) == 1 ? ARR_DIMS(arr)[0] : 0;
				int16	   *attnums = (int16 *) ARR_DATA_PTR(arr);

				if (n > 0)
				{
					nulls = false;
					for (int i = 0; i < n; i++)
						nulls |= (attnums[i] == attnum);
				}
			}
		}
		nulls |= sg_fkey_action_nulls(con->confupdtype, hasdef);
		if (nulls)
			name = pstrdup(NameStr(con->conname));
		ReleaseSysCache(tup);
		if (name != NULL)
			return name;
	}
	return NULL;
}

/* sg_scan_column visitor: stop at the first NULL. */
static bool
sg_visit_null(Datum value, bool isnull, void *arg)
{
	if (isnull)
		*(bool *) arg = true;
	return !isnull;
}

/*
 * The HINT of implicit_nullable, known at commit.  SQL only when it runs
 * and holds: no foreign key sets the column to NULL, and a bounded scan
 * found no NULL in it.  Otherwise words: the definition is the user's to
 * change.
 */
static char *
sg_implicit_nullable_fix(Relation rel, const char *colname, AttrNumber attnum,
						 bool hasdef)
{
	char	   *fkey = sg_fkey_nulling_column(rel, attnum, hasdef);
	bool		has_null = false;

	if (fkey != NULL)
		return psprintf("Write NULL in the definition of column \"%s\": "
						"foreign key \"%s\" sets it to NULL.", colname, fkey);
	if (sg_scan_column(rel, colname, sg_visit_null, &has_null) && !has_null)
		return psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;",
						sg_relation_identity(RelationGetRelid(rel)),
						quote_identifier(colname));
	return psprintf("Write NULL in the definition of column \"%s\" if a missing "
					"value is meant; otherwise give it a value in every row and "
					"declare it NOT NULL.", colname);
}

/*
 * implicit_nullable at commit: the new columns of one table written
 * without NULL (sg_implicit_nullable_ddl_end) that still exist and are
 * nullable.  NOT NULL however it came (written, SET NOT NULL later,
 * primary key, identity, a NOT NULL domain) and generated columns are
 * decisions.  No audit: the catalog does not keep whether NULL was
 * written, so only_names is never NIL.
 */
List *
sg_implicit_nullable_findings(Relation rel, List *only_names)
{
	List	   *findings = NIL;
	ListCell   *lc;
	Oid			relid = RelationGetRelid(rel);

	foreach(lc, only_names)
	{
		const char *colname = lfirst(lc);
		HeapTuple	atttup = SearchSysCacheAttName(relid, colname);
		Form_pg_attribute att;
		AttrNumber	attnum;
		bool		hasdef;
		bool		decided;
		SgFinding  *finding;
		char	   *relident;

		if (!HeapTupleIsValid(atttup))
			continue;			/* dropped or renamed since */
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		attnum = att->attnum;
		hasdef = att->atthasdef;
		decided = att->attnotnull || att->attidentity != '\0' ||
			att->attgenerated != '\0' || sg_type_not_null(att->atttypid);
		ReleaseSysCache(atttup);
		if (decided)
			continue;

		relident = sg_relation_identity(relid);
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_IMPLICIT_NULLABLE;
		finding->relid = relid;
		finding->object_type = "column";
		finding->subname = colname;
		finding->object_identity = psprintf("%s.%s", relident, quote_identifier(colname));
		finding->message = psprintf("column \"%s\" of table %s is nullable without an explicit NULL",
									colname, relident);
		finding->detail = pstrdup("A column declared without NOT NULL accepts NULL from every writer, "
								  "so every reader has to handle a missing value nobody decided to allow.");
		finding->fix = sg_implicit_nullable_fix(rel, colname, attnum, hasdef);
		findings = lappend(findings, finding);
	}
	return findings;
}

/*
 * Read every value of a column in a table and its inheritance children or
 * partitions (the rows that SET NOT NULL or a CHECK on it would verify),
 * with the snapshot PostgreSQL's own verification takes.  The visitor
 * returns false to stop.  Bounded: a foreign table, another session's
 * temporary table, or more than SG_HINT_SCAN_BLOCKS blocks in all are not
 * read, and the answer is false (nothing known); so in a serializable
 * transaction, where the scan would take predicate locks that could fail
 * the commit.  Row-level security does not apply: the result only chooses
 * a HINT for the table's owner.
 */
bool
sg_scan_column(Relation rel, const char *colname, SgColumnVisitor visit, void *arg)
{
	List	   *relids;
	BlockNumber blocks = 0;
	Snapshot	snapshot;
	MemoryContext rowcxt;
	MemoryContext old;
	bool		more = true;
	ListCell   *lc;

	if (IsolationIsSerializable())
		return false;
	relids = find_all_inheritors(RelationGetRelid(rel), AccessShareLock, NULL);
	foreach(lc, relids)
	{
		Relation	child = table_open(lfirst_oid(lc), NoLock);
		char		relkind = child->rd_rel->relkind;
		bool		readable;

		readable = relkind != RELKIND_FOREIGN_TABLE && !RELATION_IS_OTHER_TEMP(child);
		if (readable && RELKIND_HAS_STORAGE(relkind))
			blocks += RelationGetNumberOfBlocks(child);
		table_close(child, NoLock);
		if (!readable || blocks > SG_HINT_SCAN_BLOCKS)
			return false;
	}

	snapshot = RegisterSnapshot(GetLatestSnapshot());
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "schema_guard column scan",
								   ALLOCSET_DEFAULT_SIZES);
	foreach(lc, relids)
	{
		Relation	child = table_open(lfirst_oid(lc), NoLock);
		AttrNumber	attnum = get_attnum(RelationGetRelid(child), colname);
		TableScanDesc scan;
		TupleTableSlot *slot;

		if (!more || !RELKIND_HAS_STORAGE(child->rd_rel->relkind) ||
			attnum == InvalidAttrNumber)
		{
			table_close(child, NoLock);
			continue;
		}
		scan = table_beginscan(child, snapshot, 0, NULL);
		slot = table_slot_create(child, NULL);
		while (more && table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			Datum		value;
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			value = slot_getattr(slot, attnum, &isnull);
			old = MemoryContextSwitchTo(rowcxt);
			more = visit(value, isnull, arg);
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		ExecDropSingleTupleTableSlot(slot);
		table_endscan(scan);
		table_close(child, NoLock);
	}
	MemoryContextDelete(rowcxt);
	UnregisterSnapshot(snapshot);
	return true;
}

/*
 * implicit_nullable at ddl_end: only the statement as written says whether
 * NULL was a decision, so the new columns written without it are
 * remembered for the commit (sg_implicit_nullable_findings).  A retyped
 * column's nullability was decided before; NOT NULL already is a decision.
 */
void
sg_implicit_nullable_ddl_end(const SgDdlObject *object)
{
	if (object->kind == SG_DDL_COLUMN && !object->att->attnotnull &&
		!sg_column_nullability_written(object->column))
		sg_pending_add_column(SG_RULE_IMPLICIT_NULLABLE, object->relid,
							  object->att->attnum);
}
