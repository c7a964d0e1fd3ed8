/*-------------------------------------------------------------------------
 *
 * fix.c
 *		The safe SQL that a finding's HINT (and a report's fix column)
 *		carries: index builds that do not block writes on existing tables,
 *		including the recipe for partitioned tables, where CREATE INDEX
 *		CONCURRENTLY is not available on the parent.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/relation.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* Partitions listed in one recipe before the rest is summarized. */
#define SG_FIX_MAX_PARTITIONS 20

/*
 * The recipe for a partitioned table: an invalid index ON ONLY the parent,
 * a concurrent build on each partition, each attached; the parent index
 * becomes valid when the last partition is attached.  Sub-partitioned
 * partitions get the same recipe one level down.
 */
static void
sg_fix_partitioned_index(StringInfo buf, Relation rel, const char *idxname,
						 bool unique, const char *tail, int *listed)
{
	List	   *children = find_inheritance_children(RelationGetRelid(rel), NoLock);
	ListCell   *lc;
	int			skipped = 0;

	check_stack_depth();

	appendStringInfo(buf, "CREATE %sINDEX %s ON ONLY %s %s;\n",
					 unique ? "UNIQUE " : "", quote_identifier(idxname),
					 sg_relation_identity(RelationGetRelid(rel)), tail);

	foreach(lc, children)
	{
		Oid			childid = lfirst_oid(lc);
		Relation	child;
		char	   *childidx;

		if (*listed >= SG_FIX_MAX_PARTITIONS)
		{
			skipped++;
			continue;
		}
		child = try_relation_open(childid, AccessShareLock);
		if (child == NULL)
			continue;
		(*listed)++;
		childidx = makeObjectName(RelationGetRelationName(child), idxname, NULL);
		if (child->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			sg_fix_partitioned_index(buf, child, childidx, unique, tail, listed);
		else
			appendStringInfo(buf, "CREATE %sINDEX CONCURRENTLY %s ON %s %s;\n",
							 unique ? "UNIQUE " : "", quote_identifier(childidx),
							 sg_relation_identity(childid), tail);
		appendStringInfo(buf, "ALTER INDEX %s ATTACH PARTITION %s;\n",
						 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													idxname),
						 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(child)),
													childidx));
		relation_close(child, AccessShareLock);
	}
	if (skipped > 0)
		appendStringInfo(buf, "-- and the same two statements for %d more partitions of %s\n",
						 skipped, sg_relation_identity(RelationGetRelid(rel)));
}

/*
 * CREATE INDEX for rel, written the safe way.  "tail" is everything after
 * the table name: "USING btree (a, b) WHERE ...".  A table created in this
 * transaction is locked by nobody else, so the plain form is right there.
 */
char *
sg_fix_create_index(Relation rel, const char *idxname, bool unique,
					const char *tail)
{
	StringInfoData buf;
	int			listed = 0;

	initStringInfo(&buf);
	if (sg_relation_is_new(rel))
		appendStringInfo(&buf, "CREATE %sINDEX %s ON %s %s;",
						 unique ? "UNIQUE " : "", quote_identifier(idxname),
						 sg_relation_identity(RelationGetRelid(rel)), tail);
	else if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		sg_fix_partitioned_index(&buf, rel, idxname, unique, tail, &listed);
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
 * ADD PRIMARY KEY / ADD UNIQUE without building the index under the
 * table's lock: build it concurrently, then attach it as the constraint.
 * Partitioned tables do not take USING INDEX; there the constraint on the
 * parent adopts matching indexes already built on every partition.
 */
char *
sg_fix_add_constraint(Relation rel, const char *conname, bool primary,
					  const char *tail, const char *columns)
{
	StringInfoData buf;
	const char *contype = primary ? "PRIMARY KEY" : "UNIQUE";
	char	   *relident = sg_relation_identity(RelationGetRelid(rel));

	initStringInfo(&buf);
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		List	   *members = find_all_inheritors(RelationGetRelid(rel), NoLock, NULL);
		ListCell   *lc;
		int			listed = 0;
		int			skipped = 0;

		/* Leaf partitions only: a partitioned one gets its index for free. */
		foreach(lc, members)
		{
			Oid			childid = lfirst_oid(lc);
			char	   *childname = get_rel_name(childid);

			if (childname == NULL || get_rel_relkind(childid) != RELKIND_RELATION)
				continue;
			if (listed >= SG_FIX_MAX_PARTITIONS)
			{
				skipped++;
				continue;
			}
			listed++;
			appendStringInfo(&buf, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s;\n",
							 quote_identifier(makeObjectName(childname, conname, NULL)),
							 sg_relation_identity(childid), tail);
		}
		if (skipped > 0)
			appendStringInfo(&buf, "-- and the same for %d more partitions\n", skipped);
		appendStringInfo(&buf, "ALTER TABLE %s ADD CONSTRAINT %s %s (%s);",
						 relident, quote_identifier(conname), contype, columns);
	}
	else
		appendStringInfo(&buf,
						 "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s;  -- outside a transaction block\n"
						 "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;",
						 quote_identifier(conname), relident, tail,
						 relident, quote_identifier(conname), contype,
						 quote_identifier(conname));
	return buf.data;
}
