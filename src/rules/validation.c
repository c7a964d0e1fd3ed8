/*-------------------------------------------------------------------------
 *
 * validation.c
 *		Statements that check every row of an existing table while they
 *		hold its lock: constraint_validates_in_place, set_not_null_scan,
 *		required_column_without_default (family "columns": it fails as soon
 *		as the table has rows), and partition_detach_not_concurrent.
 *
 * "Existing" means created before the current transaction, whatever its
 * size: a development database is empty, production is not.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "partitioning/partdesc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

/*
 * The tables with storage whose rows a statement on relid checks: relid
 * itself, and with recurse its partitions and inheritance children; only
 * the existing, guarded ones.
 */
static List *
sg_checked_tables(Oid relid, bool recurse)
{
	List	   *tables = NIL;
	ListCell   *lc;

	foreach(lc, recurse ? find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid))
	{
		Relation	rel;

		CHECK_FOR_INTERRUPTS();
		if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_RELATION &&
			get_rel_relkind(lfirst_oid(lc)) != RELKIND_MATVIEW)
			continue;
		rel = sg_open_existing_table(lfirst_oid(lc));
		if (rel == NULL)
			continue;
		tables = lappend_oid(tables, lfirst_oid(lc));
		relation_close(rel, AccessShareLock);
	}
	return tables;
}

/* "public.a (8192 bytes now), public.b (0 bytes now)" for DETAIL. */
static char *
sg_table_list(List *tables)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, tables)
	{
		Relation	rel = relation_open(lfirst_oid(lc), AccessShareLock);

		appendStringInfo(&buf, "%s%s (%s now)", buf.len > 0 ? ", " : "",
						 sg_relation_identity(lfirst_oid(lc)), sg_table_size(rel));
		relation_close(rel, AccessShareLock);
	}
	return buf.data;
}

/* " It checks public.a (8192 bytes now)." */
static char *
sg_checks_sentence(List *tables)
{
	return psprintf(" It checks %s.", sg_table_list(tables));
}

/*
 * ALTER TABLE ... VALIDATE CONSTRAINT, before it runs: a constraint that
 * this transaction added NOT VALID (its pg_constraint row is ours) is then
 * validated under the lock the add took, which stays until commit.
 */
static void
sg_check_validate_in_add_xact(AlterTableStmt *stmt, AlterTableCmd *cmd)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	Relation	rel;
	Oid			conoid;
	HeapTuple	tup;
	Form_pg_constraint con;
	SgFinding	finding = {0};
	char	   *relident;
	bool		ours;

	if (cmd->name == NULL || (rel = sg_open_existing_table(relid)) == NULL)
		return;
	conoid = get_relation_constraint_oid(relid, cmd->name, true);
	tup = OidIsValid(conoid) ? SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid)) : NULL;
	if (!HeapTupleIsValid(tup))
	{
		relation_close(rel, AccessShareLock);
		return;
	}
	con = (Form_pg_constraint) GETSTRUCT(tup);
	ours = !con->convalidated &&
		(con->contype == CONSTRAINT_CHECK || con->contype == CONSTRAINT_FOREIGN) &&
		TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
	if (ours)
	{
		relident = sg_relation_identity(relid);
		finding.rule = SG_RULE_CONSTRAINT_VALIDATES_IN_PLACE;
		finding.relid = relid;
		finding.object_type = con->contype == CONSTRAINT_FOREIGN ? "foreign key" : "constraint";
		finding.subname = pstrdup(NameStr(con->conname));
		finding.object_identity = psprintf("%s on %s", quote_identifier(finding.subname), relident);
		finding.message = psprintf("constraint %s of existing %s is validated in the transaction that added it NOT VALID",
								   quote_identifier(finding.subname), sg_table_kind_name(rel));
		finding.detail = psprintf("The validation checks every row while the transaction still holds the lock the add took "
								  "(%s), until it commits.%s",
								  con->contype == CONSTRAINT_FOREIGN
								  ? "SHARE ROW EXCLUSIVE on the table and on the referenced table, blocking their writes"
								  : "ACCESS EXCLUSIVE, blocking reads and writes",
								  rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE
								  ? "" : sg_size_sentence(rel));
		finding.fix = psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;  -- in its own transaction (outside a transaction block), after this one commits",
							   relident, quote_identifier(finding.subname));
	}
	ReleaseSysCache(tup);
	relation_close(rel, AccessShareLock);
	if (ours)
		sg_raise(&finding);
}

void
sg_constraint_validates_in_place_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt) || SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_ValidateConstraint)
			sg_check_validate_in_add_xact(stmt, cmd);
	}
}

/*
 * Does the constraint use a column that the same ALTER TABLE adds?  Adding
 * it alone, NOT VALID, would name a column that does not exist yet.
 */
static bool
sg_constraint_on_added_column(Form_pg_constraint con, AlterTableStmt *alter)
{
	ListCell   *lc;

	if (alter == NULL)
		return false;
	foreach(lc, alter->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddColumn && cmd->def != NULL && IsA(cmd->def, ColumnDef))
		{
			AttrNumber	attnum = get_attnum(con->conrelid, ((ColumnDef *) cmd->def)->colname);
			HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(con->oid));
			bool		isnull;
			Datum		keys;
			bool		found = false;

			if (!HeapTupleIsValid(tup))
				return false;
			keys = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
			if (!isnull && attnum > 0)
			{
				ArrayType  *arr = DatumGetArrayTypeP(keys);
				int16	   *attnums = (int16 *) ARR_DATA_PTR(arr);

				for (int i = 0; i < ARR_DIMS(arr)[0]; i++)
					if (attnums[i] == attnum)
						found = true;
			}
			ReleaseSysCache(tup);
			if (found)
				return true;
		}
	}
	return false;
}

/*
 * The tables with storage that use the domain (through domains over it),
 * as PostgreSQL finds those it checks when a constraint is added to a
 * domain: the columns depending on the type.  Only existing, guarded ones.
 */
static void
sg_domain_tables(Oid typid, List **tables)
{
	Relation	depRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;

	check_stack_depth();
	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(typid));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

		CHECK_FOR_INTERRUPTS();
		if (dep->classid == TypeRelationId &&
			get_typtype(dep->objid) == TYPTYPE_DOMAIN)
			sg_domain_tables(dep->objid, tables);
		else if (dep->classid == RelationRelationId && dep->objsubid > 0 &&
				 !list_member_oid(*tables, dep->objid))
			*tables = list_concat(*tables, sg_checked_tables(dep->objid, false));
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
}

/* ALTER DOMAIN ... ADD CONSTRAINT, validated on the columns that use it. */
static void
sg_check_domain_constraint(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	Form_pg_constraint con;
	List	   *tables = NIL;
	SgFinding	finding = {0};
	char	   *domain;
	const char *conname;
	int			level;

	if (!HeapTupleIsValid(tup))
		return;
	con = (Form_pg_constraint) GETSTRUCT(tup);
	if (!con->convalidated || !OidIsValid(con->contypid) ||
		(con->contype != CONSTRAINT_CHECK && !SG_CONTYPE_IS_NOT_NULL(con->contype)))
	{
		ReleaseSysCache(tup);
		return;
	}
	sg_domain_tables(con->contypid, &tables);
	if (tables == NIL)
	{
		ReleaseSysCache(tup);
		return;
	}
	domain = format_type_be_qualified(con->contypid);
	conname = quote_identifier(pstrdup(NameStr(con->conname)));
	finding.rule = SG_RULE_CONSTRAINT_VALIDATES_IN_PLACE;
	finding.object_type = "domain constraint";
	finding.object_identity = psprintf("%s on %s", conname, domain);
	finding.message = psprintf("constraint %s of domain %s is validated in place on columns of existing tables",
							   conname, domain);
	finding.detail = psprintf("Adding the constraint checks every row of the tables whose columns use the domain, "
							  "under a SHARE lock on each, blocking their writes.%s",
							  sg_checks_sentence(tables));
	if (SG_CONTYPE_IS_NOT_NULL(con->contype) && !SG_DOMAIN_NOT_NULL_NOT_VALID)
		finding.fix = pstrdup("A NOT NULL constraint of a domain cannot be added NOT VALID before PostgreSQL 18: "
							  "add it when the tables may be locked for the check, in a maintenance window.");
	else
	{
		/* Deparsed with qualified names: reads alike anywhere. */
		level = sg_pin_settings(true);
		finding.fix = psprintf("%s NOT VALID;\n"
							   "ALTER DOMAIN %s VALIDATE CONSTRAINT %s;  -- in its own transaction (outside a transaction block)",
							   pg_get_constraintdef_command(conoid), domain, conname);
		sg_unpin_settings(level);
	}
	ReleaseSysCache(tup);
	sg_raise(&finding);
}

/*
 * ALTER TABLE ... ADD CONSTRAINT (CHECK, FOREIGN KEY), at ddl_command_end:
 * the constraint exists under the name PostgreSQL gave it, validated when
 * the statement checked the rows.  A CHECK or foreign key that ADD COLUMN
 * defines reaches here as an ADD CONSTRAINT of its own.
 */
void
sg_constraint_validates_in_place_ddl_end(const SgDdlObject *object)
{
	HeapTuple	tup;
	Form_pg_constraint con;
	Relation	rel;
	List	   *tables;
	SgFinding	finding = {0};
	char	   *relident;
	bool		partitioned;
	int			level;

	if (object->kind == SG_DDL_DOMAIN_CONSTRAINT)
	{
		sg_check_domain_constraint(object->objid);
		return;
	}
	if (object->kind != SG_DDL_CONSTRAINT || object->cmd == NULL ||
		!SG_AT_IS_ADD_CONSTRAINT(object->cmd->subtype))
		return;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(object->objid));
	if (!HeapTupleIsValid(tup))
		return;
	con = (Form_pg_constraint) GETSTRUCT(tup);
	if (!con->convalidated || !SG_CONSTRAINT_ENFORCED(con) ||
		(con->contype != CONSTRAINT_CHECK && con->contype != CONSTRAINT_FOREIGN) ||
		(rel = sg_open_existing_table(con->conrelid)) == NULL)
	{
		ReleaseSysCache(tup);
		return;
	}
	partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	/* A CHECK is checked on inheritance children too, a foreign key not. */
	tables = sg_checked_tables(con->conrelid,
							   partitioned || con->contype == CONSTRAINT_CHECK);
	if (tables == NIL)
	{
		relation_close(rel, AccessShareLock);
		ReleaseSysCache(tup);
		return;
	}

	relident = sg_relation_identity(con->conrelid);
	finding.rule = SG_RULE_CONSTRAINT_VALIDATES_IN_PLACE;
	finding.relid = con->conrelid;
	finding.object_type = con->contype == CONSTRAINT_FOREIGN ? "foreign key" : "constraint";
	finding.subname = pstrdup(NameStr(con->conname));
	finding.object_identity = psprintf("%s on %s", quote_identifier(finding.subname), relident);
	if (con->contype == CONSTRAINT_FOREIGN)
	{
		finding.message = psprintf("foreign key %s is validated in place on existing %s",
								   quote_identifier(finding.subname), sg_table_kind_name(rel));
		finding.detail = psprintf("Adding the foreign key checks every row under a SHARE ROW EXCLUSIVE lock on the table, "
								  "blocking its writes, and holds the same lock on the referenced table %s, blocking its writes too.%s",
								  sg_relation_identity(con->confrelid), sg_checks_sentence(tables));
	}
	else
	{
		finding.message = psprintf("check constraint %s is validated in place on existing %s",
								   quote_identifier(finding.subname), sg_table_kind_name(rel));
		finding.detail = psprintf("Adding the constraint checks every row under an ACCESS EXCLUSIVE lock, "
								  "blocking reads and writes.%s", sg_checks_sentence(tables));
	}
	if (sg_constraint_on_added_column(con, object->alter))
		finding.fix = pstrdup("The constraint is on a column this statement adds: add the column alone first, "
							  "then add the constraint NOT VALID and validate it with VALIDATE CONSTRAINT in a transaction of its own.");
	else if (con->contype == CONSTRAINT_FOREIGN && partitioned && !SG_PARTITIONED_FK_NOT_VALID)
		finding.fix = pstrdup("Before PostgreSQL 18 a foreign key on a partitioned table cannot be added NOT VALID: "
							  "add it NOT VALID to each partition and validate it there, each in a transaction of its own, "
							  "then add it to the partitioned table, which adopts the validated ones.");
	else
	{
		/* Deparsed with qualified names: reads alike anywhere. */
		level = sg_pin_settings(true);
		finding.fix = psprintf("%s NOT VALID;\n"
							   "ALTER TABLE %s VALIDATE CONSTRAINT %s;  -- in its own transaction (outside a transaction block)",
							   pg_get_constraintdef_command(object->objid), relident,
							   quote_identifier(finding.subname));
		sg_unpin_settings(level);
	}
	relation_close(rel, AccessShareLock);
	ReleaseSysCache(tup);
	sg_raise(&finding);
}

/*
 * Does a validated constraint prove the column holds no NULL, so that SET
 * NOT NULL skips its scan?  PostgreSQL's NotNullImpliedByRelConstraints()
 * asks the table's validated CHECK constraints whether they imply "col IS
 * NOT NULL"; PartConstraintImpliedByRelConstraint() asks them the same,
 * with the other columns' NOT NULL as facts (which prove nothing about
 * this column).  A NOT VALID NOT NULL (18) is validated with a scan.
 */
static bool
sg_not_null_without_scan(Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	NullTest   *ntest;

	if (SG_ATT_NOT_NULL_VALID(rel, attnum))
		return true;
	if (att->attnotnull)
		return false;
	ntest = makeNode(NullTest);
	ntest->arg = (Expr *) makeVar(1, attnum, att->atttypid, att->atttypmod,
								  att->attcollation, 0);
	ntest->nulltesttype = IS_NOT_NULL;
	ntest->argisrow = false;
	ntest->location = -1;
	return PartConstraintImpliedByRelConstraint(rel, list_make1(ntest));
}

/* The tables of candidates in which the column must be checked for NULL. */
static List *
sg_not_null_scans(List *candidates, const char *colname)
{
	List	   *scanned = NIL;
	ListCell   *lc;

	foreach(lc, candidates)
	{
		Relation	rel = relation_open(lfirst_oid(lc), AccessShareLock);
		AttrNumber	attnum = get_attnum(lfirst_oid(lc), colname);

		if (attnum > 0 && !sg_not_null_without_scan(rel, attnum))
			scanned = lappend_oid(scanned, lfirst_oid(lc));
		relation_close(rel, AccessShareLock);
	}
	return scanned;
}

/* The key columns a PRIMARY KEY constraint names, or its index has. */
static List *
sg_primary_key_columns(Relation rel, Constraint *con)
{
	List	   *columns = NIL;
	ListCell   *lc;

	if (con->indexname != NULL)
	{
		Oid			indexoid = get_relname_relid(con->indexname, RelationGetNamespace(rel));
		HeapTuple	tup;

		if (!OidIsValid(indexoid))
			return NIL;
		tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		if (!HeapTupleIsValid(tup))
			return NIL;
		for (int i = 0; i < ((Form_pg_index) GETSTRUCT(tup))->indnkeyatts; i++)
		{
			AttrNumber	attnum = ((Form_pg_index) GETSTRUCT(tup))->indkey.values[i];

			if (attnum > 0)
				columns = lappend(columns, get_attname(RelationGetRelid(rel), attnum, false));
		}
		ReleaseSysCache(tup);
		return columns;
	}
	foreach(lc, con->keys)
		columns = lappend(columns, strVal(lfirst(lc)));
	return columns;
}

/*
 * set_not_null_scan, before the statement runs: ALTER COLUMN ... SET NOT
 * NULL, and ADD PRIMARY KEY (which makes its columns NOT NULL), check
 * every row of each existing table they reach unless a validated CHECK
 * proves the column holds no NULL.  The HINT adds such a CHECK NOT VALID,
 * validates it without blocking writes, and then makes the column NOT NULL
 * without a scan.
 */
void
sg_set_not_null_scan_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	Relation	rel;
	Oid			relid;
	bool		partitioned;
	ListCell   *lc;
	bool		any = false;

	if (!IsA(parsetree, AlterTableStmt) || SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		any |= cmd->subtype == AT_SetNotNull ||
			(cmd->subtype == AT_AddConstraint && cmd->def != NULL && IsA(cmd->def, Constraint) &&
			 ((Constraint *) cmd->def)->contype == CONSTR_PRIMARY);
	}
	if (!any)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	rel = sg_open_existing_table(relid);
	if (rel == NULL)
		return;
	partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		bool		is_key = cmd->subtype == AT_AddConstraint;
		List	   *columns;
		List	   *candidates;
		List	   *scanned = NIL;
		List	   *names = NIL;
		List	   *avoid = NIL;
		StringInfoData first;
		StringInfoData rest;
		StringInfoData cols;
		SgFinding	finding = {0};
		char	   *relident = sg_relation_identity(relid);
		ListCell   *lc2;

		if (cmd->subtype == AT_SetNotNull && cmd->name != NULL)
			columns = list_make1(cmd->name);
		else if (is_key && cmd->def != NULL && IsA(cmd->def, Constraint) &&
				 ((Constraint *) cmd->def)->contype == CONSTR_PRIMARY)
			columns = sg_primary_key_columns(rel, (Constraint *) cmd->def);
		else
			continue;

		/*
		 * SET NOT NULL reaches the children unless ONLY; a key the
		 * partitions.
		 */
		candidates = sg_checked_tables(relid, is_key ? partitioned : stmt->relation->inh);

		initStringInfo(&first);
		initStringInfo(&rest);
		initStringInfo(&cols);
		foreach(lc2, columns)
		{
			List	   *tables = sg_not_null_scans(candidates, (char *) lfirst(lc2));

			if (tables == NIL)
				continue;
			scanned = list_concat_unique_oid(scanned, tables);
			names = lappend(names, lfirst(lc2));
			appendStringInfo(&cols, "%s%s", cols.len > 0 ? ", " : "",
							 quote_identifier(lfirst(lc2)));
			sg_fix_not_null(&first, &rest, rel, relident, lfirst(lc2), &avoid);
		}
		if (scanned == NIL)
			continue;

		finding.rule = SG_RULE_SET_NOT_NULL_SCAN;
		finding.relid = relid;
		finding.object_type = "column";
		finding.subname = linitial(names);
		finding.object_identity = psprintf("%s.%s", relident, quote_identifier(finding.subname));
		if (is_key)
		{
			finding.message = psprintf("primary key makes %s %s of existing %s NOT NULL with a scan",
									   list_length(names) > 1 ? "columns" : "column",
									   cols.data, sg_table_kind_name(rel));
			finding.detail = psprintf("Adding the primary key checks every row for NULL under an ACCESS EXCLUSIVE lock, "
									  "blocking reads and writes: no validated CHECK constraint proves that %s no NULL.%s",
									  list_length(names) > 1 ? "the columns hold" : "the column holds",
									  sg_checks_sentence(scanned));
		}
		else
		{
			finding.message = psprintf("SET NOT NULL on column %s of existing %s scans the table",
									   cols.data, sg_table_kind_name(rel));
			finding.detail = psprintf("SET NOT NULL checks every row for NULL under an ACCESS EXCLUSIVE lock, "
									  "blocking reads and writes: no validated CHECK constraint proves that the column holds no NULL.%s",
									  sg_checks_sentence(scanned));
		}
		appendStringInfoString(&first, rest.data);
		first.data[--first.len] = '\0'; /* the last newline */
		finding.fix = first.data;
		relation_close(rel, AccessShareLock);
		sg_raise(&finding);
		/* At warning level: the statement's other subcommands. */
		rel = relation_open(relid, AccessShareLock);
	}
	relation_close(rel, AccessShareLock);
}

/*
 * Is NULL refused by the type: a domain declared NOT NULL, or over one?
 */
static bool
sg_type_refuses_null(Oid typid)
{
	while (get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
		bool		notnull;

		if (!HeapTupleIsValid(tup))
			return false;
		notnull = ((Form_pg_type) GETSTRUCT(tup))->typnotnull;
		typid = ((Form_pg_type) GETSTRUCT(tup))->typbasetype;
		ReleaseSysCache(tup);
		if (notnull)
			return true;
	}
	return false;
}

/*
 * required_column_without_default, at ddl_command_end: ADD COLUMN made a
 * column that refuses NULL (NOT NULL, a primary key, a NOT NULL domain)
 * with no value for the rows there are: no default, not identity, not
 * generated.  It succeeded only because the table is empty here.
 */
void
sg_required_column_without_default_ddl_end(const SgDdlObject *object)
{
	Form_pg_attribute att = object->att;
	Relation	rel = object->rel;
	SgFinding	finding = {0};
	char	   *relident;
	const char *col;

	if (object->kind != SG_DDL_COLUMN || object->alter == NULL ||
		rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE || sg_relation_is_new(rel) ||
		att->atthasdef || att->attidentity != '\0' || att->attgenerated != '\0' ||
		(!att->attnotnull && !sg_type_refuses_null(att->atttypid)))
		return;
	relident = sg_relation_identity(RelationGetRelid(rel));
	col = quote_identifier(NameStr(att->attname));
	finding.rule = SG_RULE_REQUIRED_COLUMN_WITHOUT_DEFAULT;
	finding.relid = RelationGetRelid(rel);
	finding.object_type = "column";
	finding.subname = pstrdup(NameStr(att->attname));
	finding.object_identity = psprintf("%s.%s", relident, col);
	finding.message = psprintf("column %s is added to existing %s as NOT NULL without a default",
							   col, sg_table_kind_name(rel));
	finding.detail = psprintf("The column has no value for the rows already there: the statement fails as soon as %s has a row. "
							  "It succeeded here only because the table is empty.", relident);
	finding.fix = pstrdup("Give the column a DEFAULT, which fills the rows already there (a constant default adds it without rewriting the table), "
						  "or add it NULL, fill it in every row in batches, and make it NOT NULL without a scan: "
						  "a CHECK of the column IS NOT NULL added NOT VALID and validated in a transaction of its own, "
						  "then SET NOT NULL and the CHECK dropped.");
	sg_raise(&finding);
}

/*
 * partition_detach_not_concurrent, before the statement runs: DETACH
 * PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the
 * partitioned table (and on its default partition), so it queues behind
 * every query of any partition and blocks all that come after it.
 */
void
sg_partition_detach_not_concurrent_utility(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt) || SG_ALTER_TABLE_OBJTYPE(stmt) != OBJECT_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		PartitionCmd *pcmd;
		Relation	rel;
		Oid			partid;
		Oid			defaultid;
		SgFinding	finding = {0};
		char	   *relident;
		char	   *partident;

		if (cmd->subtype != AT_DetachPartition || cmd->def == NULL ||
			!IsA(cmd->def, PartitionCmd))
			continue;
		pcmd = (PartitionCmd *) cmd->def;
		if (SG_DETACH_IS_CONCURRENT(pcmd))
			continue;
		rel = sg_open_existing_table(RangeVarGetRelid(stmt->relation, NoLock, true));
		if (rel == NULL)
			return;
		partid = RangeVarGetRelid(pcmd->name, NoLock, true);
		if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE || !OidIsValid(partid))
		{
			relation_close(rel, AccessShareLock);
			return;
		}
		defaultid = get_default_oid_from_partdesc(SG_PARTITION_DESC(rel));
		relident = sg_relation_identity(RelationGetRelid(rel));
		partident = sg_relation_identity(partid);
		finding.rule = SG_RULE_PARTITION_DETACH_NOT_CONCURRENT;
		finding.relid = RelationGetRelid(rel);
		finding.object_type = "table";
		finding.object_identity = relident;
		finding.message = psprintf("partition %s is detached without CONCURRENTLY from existing %s",
								   partident, sg_table_kind_name(rel));
		finding.detail = psprintf("DETACH PARTITION takes an ACCESS EXCLUSIVE lock on %s%s, "
								  "so it waits for every running query of its partitions and blocks all reads and writes that come after it, until the transaction ends.",
								  relident, OidIsValid(defaultid)
								  ? psprintf(" and on its default partition %s", sg_relation_identity(defaultid)) : "");
		if (!SG_HAS_DETACH_CONCURRENTLY)
			finding.fix = pstrdup("PostgreSQL 13 has no DETACH PARTITION CONCURRENTLY: detach the partition when no long query runs "
								  "on the partitioned table, with a short lock_timeout, or upgrade to PostgreSQL 14 or later.");
		else if (OidIsValid(defaultid))
			finding.fix = psprintf("DETACH PARTITION CONCURRENTLY is refused while the partitioned table has a default partition (%s): "
								   "detach when no long query runs on the partitioned table, with a short lock_timeout.",
								   sg_relation_identity(defaultid));
		else
			finding.fix = psprintf("ALTER TABLE %s DETACH PARTITION %s CONCURRENTLY;  -- outside a transaction block",
								   relident, partident);
		relation_close(rel, AccessShareLock);
		sg_raise(&finding);
	}
}

/*
 * constraint_not_validated (audit): a CHECK, foreign key or NOT NULL
 * constraint added NOT VALID and never validated: old rows may break it,
 * and the planner cannot rely on it.  A partition's or inheritance
 * child's copy is judged on the parent, where it was added.
 */
List *
sg_constraint_not_validated_audit(Relation rel, SgAudit *audit)
{
	List	   *findings = NIL;
	ListCell   *lc;
	char	   *relident;
	char		kind = rel->rd_rel->relkind;

	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		return NIL;
	relident = sg_relation_identity(RelationGetRelid(rel));
	foreach(lc, sg_relation_constraints(RelationGetRelid(rel)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(lc));
		const char *conname = NameStr(con->conname);
		SgFinding  *finding;
		char	   *def;

		CHECK_FOR_INTERRUPTS();
		if (con->convalidated || OidIsValid(con->conparentid) || !con->conislocal ||
			(con->contype != CONSTRAINT_CHECK && con->contype != CONSTRAINT_FOREIGN &&
			 con->contype != 'n'))
			continue;
		def = TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
													  ObjectIdGetDatum(con->oid)));
		finding = palloc0(sizeof(SgFinding));
		finding->rule = SG_RULE_CONSTRAINT_NOT_VALIDATED;
		finding->relid = RelationGetRelid(rel);
		finding->object_type = con->contype == CONSTRAINT_FOREIGN ? "foreign key" : "constraint";
		finding->subname = pstrdup(conname);
		finding->object_identity = psprintf("%s on %s", quote_identifier(conname), relident);
		finding->message = psprintf("constraint \"%s\" of table %s is not validated",
									conname, relident);
		finding->detail = psprintf("%s: rows written since it was added obey it, older rows may "
								   "not, and the planner cannot rely on it.", def);
		finding->fix = psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", relident,
								quote_identifier(conname));
		finding->evidence = psprintf("{\"definition\": %s}", sg_evidence_string(def));
		findings = lappend(findings, finding);
	}
	return findings;
}
