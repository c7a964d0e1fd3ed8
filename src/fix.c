/*-------------------------------------------------------------------------
 *
 * fix.c
 *		The safe SQL that a finding's HINT (and a report's fix column)
 *		carries: index builds that do not block writes on existing tables,
 *		including the recipes for partitioned tables, where CREATE INDEX
 *		CONCURRENTLY is not available on the parent.
 *
 * A recipe runs in the state before the statement it replaces.  Names are
 * taken from the catalog after the statement (an index it built had a free
 * name before it) or chosen free.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_publication_rel.h"
#include "catalog/pg_rewrite.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

/* Partitions listed in one recipe before the rest is summarized. */
#define SG_FIX_MAX_PARTITIONS 20

static bool
sg_name_taken(const char *name, Oid nspid, Oid relid, bool column, List *avoid)
{
	ListCell   *lc;

	foreach(lc, avoid)
	{
		if (strcmp(name, (char *) lfirst(lc)) == 0)
			return true;
	}
	if (column)
		return get_attnum(relid, name) != InvalidAttrNumber;
	if (OidIsValid(get_relname_relid(name, nspid)))
		return true;
	return OidIsValid(relid) &&
		ConstraintNameIsUsed(CONSTRAINT_RELATION, relid, name);
}

/*
 * A name "name1_name2_label" (label1, label2, ... when taken; label may
 * be NULL) that fits in
 * NAMEDATALEN and is free: as a column of relid when column is set,
 * otherwise as a relation of nspid and a constraint of relid; never one of
 * *avoid, to which it is added.
 */
char *
sg_free_name(const char *name1, const char *name2, const char *label,
			 Oid nspid, Oid relid, bool column, List **avoid)
{
	char		modlabel[NAMEDATALEN];

	for (int pass = 0;; pass++)
	{
		char	   *name;

		if (pass == 0 && label != NULL)
			strlcpy(modlabel, label, sizeof(modlabel));
		else if (pass > 0)
			snprintf(modlabel, sizeof(modlabel), "%s%d", label ? label : "", pass);
		name = makeObjectName(name1, name2, pass == 0 && label == NULL ? NULL : modlabel);
		if (!sg_name_taken(name, nspid, relid, column, *avoid))
		{
			*avoid = lappend(*avoid, name);
			return name;
		}
		pfree(name);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * What follows the table name in an index's definition: "USING btree (a)
 * INCLUDE (b) WHERE ...".  pg_get_indexdef_string() writes "CREATE
 * [UNIQUE] INDEX <name> ON <schema.table> " before it, built from the
 * catalog as below; the text is never searched, so names that contain
 * " USING " cannot mislead it.  NULL if the definition is not of that form.
 */
char *
sg_index_tail(Oid indexoid)
{
	Oid			relid = IndexGetRelation(indexoid, true);
	char	   *idxname = get_rel_name(indexoid);
	char	   *def;
	char	   *p;
	StringInfoData prefix;

	if (!OidIsValid(relid) || idxname == NULL)
		return NULL;
	def = pg_get_indexdef_string(indexoid);
	p = def;
	if (strncmp(p, "CREATE ", 7) != 0)
		return NULL;
	p += 7;
	if (strncmp(p, "UNIQUE ", 7) == 0)
		p += 7;
	initStringInfo(&prefix);
	appendStringInfo(&prefix, "INDEX %s ON %s USING ",
					 quote_identifier(idxname), sg_relation_identity(relid));
	if (strncmp(p, prefix.data, prefix.len) != 0)
		return NULL;
	return p + prefix.len - strlen("USING ");
}

/* " DEFERRABLE INITIALLY DEFERRED", as the constraint has it, or "". */
static const char *
sg_constraint_timing(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	const char *timing = "";

	if (HeapTupleIsValid(tup))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->condeferred)
			timing = " DEFERRABLE INITIALLY DEFERRED";
		else if (con->condeferrable)
			timing = " DEFERRABLE";
		ReleaseSysCache(tup);
	}
	return timing;
}

static bool
sg_index_is_unique(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	bool		unique = false;

	if (HeapTupleIsValid(tup))
	{
		unique = ((Form_pg_index) GETSTRUCT(tup))->indisunique;
		ReleaseSysCache(tup);
	}
	return unique;
}

/*
 * "PRIMARY KEY" or "UNIQUE", for a constraint that owns an index; NULL
 * for an exclusion constraint or a key WITHOUT OVERLAPS (its index is an
 * exclusion one), which cannot be added USING INDEX.
 */
static const char *
sg_constraint_kind(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	const char *kind = NULL;

	if (HeapTupleIsValid(tup))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (SG_CONSTRAINT_PERIOD(con))
			kind = NULL;
		else if (con->contype == CONSTRAINT_PRIMARY)
			kind = "PRIMARY KEY";
		else if (con->contype == CONSTRAINT_UNIQUE)
			kind = "UNIQUE";
		ReleaseSysCache(tup);
	}
	return kind;
}

/*
 * The build of an index the statement built, done concurrently: "CREATE
 * INDEX CONCURRENTLY" with its own name and definition, then, for a
 * constraint's index, the constraint added on it.  False if its definition
 * cannot be had.
 */
static bool
sg_fix_prebuild(StringInfo buf, Oid indexoid, const char *comment)
{
	Oid			relid = IndexGetRelation(indexoid, true);
	Oid			conoid = get_index_constraint(indexoid);
	char	   *rawname = get_rel_name(indexoid);
	char	   *tail = sg_index_tail(indexoid);
	char	   *relident;
	const char *idxname;

	if (!OidIsValid(relid) || rawname == NULL || tail == NULL ||
		(OidIsValid(conoid) && sg_constraint_kind(conoid) == NULL))
		return false;
	relident = sg_relation_identity(relid);
	idxname = quote_identifier(rawname);
	appendStringInfo(buf, "CREATE %sINDEX CONCURRENTLY %s ON %s %s;%s\n",
					 sg_index_is_unique(indexoid) ? "UNIQUE " : "",
					 idxname, relident, tail, comment);
	if (OidIsValid(conoid))
		appendStringInfo(buf, "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s%s;\n",
						 relident, idxname, sg_constraint_kind(conoid), idxname,
						 sg_constraint_timing(conoid));
	return true;
}

/*
 * Concurrent builds of the indexes a statement built on existing tables,
 * to run before it: run again, it adopts them and builds nothing.
 */
static bool
sg_fix_prebuilds(StringInfo buf, List *built, const char *comment)
{
	ListCell   *lc;
	int			listed = 0;

	foreach(lc, built)
	{
		if (listed++ == SG_FIX_MAX_PARTITIONS)
		{
			appendStringInfo(buf, "-- and the same for %d more indexes\n",
							 list_length(built) - SG_FIX_MAX_PARTITIONS);
			break;
		}
		if (!sg_fix_prebuild(buf, lfirst_oid(lc), comment))
			return false;
	}
	return true;
}

/* The index of parentidx's partition tree that sits on table childid. */
static Oid
sg_child_index_on(Oid parentidx, Oid childid)
{
	ListCell   *lc;

	if (!OidIsValid(parentidx))
		return InvalidOid;
	foreach(lc, find_inheritance_children(parentidx, NoLock))
	{
		if (IndexGetRelation(lfirst_oid(lc), true) == childid)
			return lfirst_oid(lc);
	}
	return InvalidOid;
}

/*
 * The recipe for a partitioned table: an invalid index ON ONLY the parent,
 * a concurrent build on each partition, each attached; the parent index
 * becomes valid when the last partition is attached.  Sub-partitioned
 * partitions get the same recipe one level down.  With indexoid, the
 * statement's own index: each partition's index keeps the name and
 * definition the statement gave it, and one it adopted is only attached.
 */
static void
sg_fix_partitioned_index(StringInfo buf, Relation rel, Oid indexoid,
						 const char *idxname, bool unique, const char *tail,
						 int *listed, List **avoid, bool *failed)
{
	List	   *children = find_inheritance_children(RelationGetRelid(rel), NoLock);
	char	   *qualified = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													   idxname);
	ListCell   *lc;
	int			skipped = 0;

	check_stack_depth();

	appendStringInfo(buf, "CREATE %sINDEX %s ON ONLY %s %s;\n",
					 unique ? "UNIQUE " : "", quote_identifier(idxname),
					 sg_relation_identity(RelationGetRelid(rel)), tail);

	foreach(lc, children)
	{
		Oid			childid = lfirst_oid(lc);
		Oid			childidx = sg_child_index_on(indexoid, childid);
		Relation	child;
		char	   *childname;
		const char *childtail = tail;
		bool		adopted = false;

		if (*listed >= SG_FIX_MAX_PARTITIONS)
		{
			skipped++;
			continue;
		}
		child = try_relation_open(childid, AccessShareLock);
		if (child == NULL)
			continue;
		/* Foreign partitions get no index. */
		if (child->rd_rel->relkind == RELKIND_FOREIGN_TABLE ||
			(OidIsValid(indexoid) && !OidIsValid(childidx)))
		{
			relation_close(child, AccessShareLock);
			continue;
		}
		(*listed)++;
		if (OidIsValid(childidx))
		{
			Relation	idx = index_open(childidx, AccessShareLock);

			adopted = !sg_relation_is_new(idx);
			index_close(idx, AccessShareLock);
			childname = get_rel_name(childidx);
			childtail = sg_index_tail(childidx);
			if (childtail == NULL)
				*failed = true;
			if (childname == NULL)
			{
				/* gone meanwhile */
				*failed = true;
				relation_close(child, AccessShareLock);
				continue;
			}
		}
		else
			childname = sg_free_name(RelationGetRelationName(child), idxname, NULL,
									 RelationGetNamespace(child), InvalidOid,
									 false, avoid);
		if (adopted || childtail == NULL)
			;					/* it exists already: attach it */
		else if (child->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			sg_fix_partitioned_index(buf, child, childidx, childname, unique,
									 childtail, listed, avoid, failed);
		else
			appendStringInfo(buf, "CREATE %sINDEX %s%s ON %s %s;%s\n",
							 unique ? "UNIQUE " : "",
							 sg_relation_is_new(child) ? "" : "CONCURRENTLY ",
							 quote_identifier(childname),
							 sg_relation_identity(childid), childtail,
							 sg_relation_is_new(child) ? "" : "  -- outside a transaction block");
		appendStringInfo(buf, "ALTER INDEX %s ATTACH PARTITION %s;\n", qualified,
						 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(child)),
													childname));
		relation_close(child, AccessShareLock);
	}
	if (skipped > 0)
		appendStringInfo(buf, "-- and the same two statements for %d more partitions of %s\n",
						 skipped, sg_relation_identity(RelationGetRelid(rel)));
}

static char *
sg_fix_index_internal(Relation rel, Oid indexoid, const char *idxname,
					  bool unique, const char *tail)
{
	StringInfoData buf;
	int			listed = 0;
	List	   *avoid = list_make1(pstrdup(idxname));
	bool		failed = false;

	initStringInfo(&buf);
	if (sg_relation_is_new(rel))
		appendStringInfo(&buf, "CREATE %sINDEX %s ON %s %s;",
						 unique ? "UNIQUE " : "", quote_identifier(idxname),
						 sg_relation_identity(RelationGetRelid(rel)), tail);
	else if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		sg_fix_partitioned_index(&buf, rel, indexoid, idxname, unique, tail,
								 &listed, &avoid, &failed);
		if (failed)
			return NULL;
		buf.data[--buf.len] = '\0'; /* the last newline */
	}
	else
		appendStringInfo(&buf,
						 "CREATE %sINDEX CONCURRENTLY %s ON %s %s;  -- outside a transaction block",
						 unique ? "UNIQUE " : "", quote_identifier(idxname),
						 sg_relation_identity(RelationGetRelid(rel)), tail);
	return buf.data;
}

/*
 * CREATE INDEX for rel, written the safe way.  "tail" is everything after
 * the table name: "USING btree (a, b) WHERE (a > 0)".  A table created in
 * this transaction is locked by nobody else, so the plain form is right
 * there.
 */
char *
sg_fix_create_index(Relation rel, const char *idxname, bool unique,
					const char *tail)
{
	return sg_fix_index_internal(rel, InvalidOid, idxname, unique, tail);
}

/*
 * The safe form of a CREATE INDEX that built indexoid on rel, and "built"
 * on existing tables.  A partitioned table created in this transaction,
 * with existing partitions attached, cannot take the ON ONLY recipe there
 * (nothing concurrent runs in a transaction block): the partitions' indexes
 * are built before it, and the statement adopts them.  NULL when there is
 * no such SQL.
 */
char *
sg_fix_index_build(Relation rel, Oid indexoid, List *built)
{
	char	   *tail = sg_index_tail(indexoid);
	char	   *idxname = get_rel_name(indexoid);
	bool		unique = sg_index_is_unique(indexoid);
	StringInfoData buf;

	if (tail == NULL || idxname == NULL)
		return NULL;
	if (!sg_relation_is_new(rel))
		return sg_fix_index_internal(rel, indexoid, idxname, unique, tail);
	initStringInfo(&buf);
	if (!sg_fix_prebuilds(&buf, built, "  -- before this transaction, outside a transaction block"))
		return NULL;
	appendStringInfo(&buf, "CREATE %sINDEX %s ON %s %s;",
					 unique ? "UNIQUE " : "", quote_identifier(idxname),
					 sg_relation_identity(RelationGetRelid(rel)), tail);
	return buf.data;
}

/*
 * ADD PRIMARY KEY / ADD UNIQUE without building the index under the
 * table's lock: build it concurrently, then add the constraint on it.
 * "drops" are the statement's DROP CONSTRAINT subcommands, kept in the
 * same ALTER TABLE, so a key replaced by one of the same name stays
 * replaced in one step; the index is then built under a free name, which
 * USING INDEX renames.  Partitioned tables do not take USING INDEX: each
 * existing partition the statement built on gets its index and constraint
 * first ("built"), and the statement, run again, adopts them.  NULL when
 * there is no such SQL.
 */
char *
sg_fix_add_constraint(Relation rel, Oid indexoid, Oid conoid, List *built,
					  const char *drops)
{
	StringInfoData buf;
	char	   *relident = sg_relation_identity(RelationGetRelid(rel));
	char	   *conname = get_constraint_name(conoid);
	const char *tail = sg_index_tail(indexoid);

	if (conname == NULL || tail == NULL || sg_constraint_kind(conoid) == NULL)
		return NULL;
	initStringInfo(&buf);
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		if (drops[0] != '\0' ||
			!sg_fix_prebuilds(&buf, built,
							  sg_relation_is_new(rel)
							  ? "  -- before this transaction, outside a transaction block"
							  : "  -- outside a transaction block"))
			return NULL;
		appendStringInfo(&buf, "%s;", pg_get_constraintdef_command(conoid));
	}
	else
	{
		List	   *avoid = NIL;
		const char *idxname = conname;

		if (drops[0] != '\0')
			idxname = sg_free_name(conname, NULL, "new", RelationGetNamespace(rel),
								   RelationGetRelid(rel), false, &avoid);
		appendStringInfo(&buf,
						 "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s;  -- outside a transaction block\n"
						 "ALTER TABLE %s %sADD CONSTRAINT %s %s USING INDEX %s%s;",
						 quote_identifier(idxname), relident, tail,
						 relident, drops, quote_identifier(conname),
						 sg_constraint_kind(conoid), quote_identifier(idxname),
						 sg_constraint_timing(conoid));
	}
	return buf.data;
}

/*
 * ATTACH PARTITION without building indexes under its ACCESS EXCLUSIVE
 * lock: build them concurrently (and add their constraints) first, then
 * attach; the partition's indexes are adopted.
 */
char *
sg_fix_attach_partition(Oid parentid, Oid partid, List *built)
{
	StringInfoData buf;
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(partid));
	Datum		bound;
	bool		isnull;
	char	   *boundtext;

	if (!HeapTupleIsValid(tup))
		return NULL;
	bound = SysCacheGetAttr(RELOID, tup, Anum_pg_class_relpartbound, &isnull);
	boundtext = isnull ? NULL
		: TextDatumGetCString(DirectFunctionCall2(pg_get_expr, bound,
												  ObjectIdGetDatum(partid)));
	ReleaseSysCache(tup);
	if (boundtext == NULL)
		return NULL;

	initStringInfo(&buf);
	if (!sg_fix_prebuilds(&buf, built, IsTransactionBlock()
						  ? "  -- before this transaction, outside a transaction block"
						  : "  -- outside a transaction block"))
		return NULL;
	appendStringInfo(&buf, "ALTER TABLE %s ATTACH PARTITION %s %s;",
					 sg_relation_identity(parentid), sg_relation_identity(partid),
					 boundtext);
	return buf.data;
}

/*
 * Keeping a NOT NULL without a scan under the table's lock: a CHECK added
 * NOT VALID, validated without blocking writes, lets SET NOT NULL skip its
 * scan.  "first" goes where the CHECK may be added, "rest" after it: the
 * validation in its own transaction, not under the lock of the one that
 * added the CHECK (constraint_validates_in_place).
 */
void
sg_fix_not_null(StringInfo first, StringInfo rest, Relation rel,
				const char *relident, const char *colname, List **avoid)
{
	const char *col = quote_identifier(colname);
	const char *check = quote_identifier(sg_free_name(RelationGetRelationName(rel), colname, "check",
													  RelationGetNamespace(rel),
													  RelationGetRelid(rel), false, avoid));

	appendStringInfo(first, "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n",
					 relident, check, col);
	appendStringInfo(rest,
					 "ALTER TABLE %s VALIDATE CONSTRAINT %s;  -- in its own transaction (outside a transaction block)\n"
					 "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n"
					 "ALTER TABLE %s DROP CONSTRAINT %s;\n",
					 relident, check, relident, col, relident, check);
}

/*
 * Does ALTER COLUMN ... TYPE on this column run as written and rewrite
 * nothing that existed before the transaction?  The table and every
 * inheritance child or partition it reaches are new, and no view, rule,
 * policy, publication or generated column depends on the column
 * (PostgreSQL refuses to retype a column those use).
 */
bool
sg_fix_retype_runs(Relation rel, AttrNumber attnum)
{
	Relation	deprel;
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		runs = true;
	ListCell   *lc;

	if (!sg_relation_is_new(rel))
		return false;
	foreach(lc, find_all_inheritors(RelationGetRelid(rel), AccessShareLock, NULL))
	{
		Relation	child = try_relation_open(lfirst_oid(lc), NoLock);

		if (child == NULL)
			continue;
		runs &= sg_relation_is_new(child);
		relation_close(child, NoLock);
	}
	if (!runs)
		return false;

	deprel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationGetRelid(rel)));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum(attnum));
	scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 3, key);
	while (runs && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		if (dep->classid == RewriteRelationId || dep->classid == PolicyRelationId ||
			dep->classid == PublicationRelRelationId ||
			(dep->classid == RelationRelationId && dep->objid == RelationGetRelid(rel) &&
			 dep->objsubid != 0 && dep->objsubid != attnum))
			runs = false;
	}
	systable_endscan(scan);
	table_close(deprel, AccessShareLock);
	return runs;
}
