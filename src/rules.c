/*-------------------------------------------------------------------------
 *
 * rules.c
 *		The registry: one table of every rule, its GUC and its level.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

/*
 * The registry.  A rule's row names the callbacks of the moments it
 * serves; nothing else calls them.
 */
const SgRule sg_rules[SG_NUM_RULES] = {
	/* First: they judge the statement before any rule opens a table. */
	[SG_RULE_NO_LOCK_TIMEOUT] = {
		.name = "no_lock_timeout",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "a statement takes a write-blocking lock on an existing table without a short lock_timeout",
		.utility = sg_no_lock_timeout_utility,
	},
	[SG_RULE_LOCK_QUEUE] = {
		.name = "lock_queue",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "a statement needs a lock on an existing table that conflicts with one another session holds or awaits",
		.utility = sg_lock_queue_utility,
	},
	[SG_RULE_FK_UNINDEXED] = {
		.name = "fk_unindexed",
		.family = "foreign_keys",
		.default_level = SG_LEVEL_ERROR,
		.description = "a foreign key has no index whose leading columns are its referencing columns",
		.utility = sg_fk_unindexed_utility,
		.ddl_end = sg_fk_unindexed_ddl_end,
		.commit = sg_fk_unindexed_findings,
		.audit = sg_fk_unindexed_findings,
	},
	[SG_RULE_INDEX_NOT_CONCURRENT] = {
		.name = "index_not_concurrent",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "CREATE INDEX without CONCURRENTLY on an existing table",
		.ddl_end = sg_index_not_concurrent_ddl_end,
	},
	[SG_RULE_DROP_INDEX_NOT_CONCURRENT] = {
		.name = "drop_index_not_concurrent",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "DROP INDEX without CONCURRENTLY on an existing table",
		.utility = sg_drop_index_not_concurrent_utility,
	},
	[SG_RULE_REINDEX_NOT_CONCURRENT] = {
		.name = "reindex_not_concurrent",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "REINDEX without CONCURRENTLY on an existing table",
		.utility = sg_reindex_not_concurrent_utility,
	},
	[SG_RULE_CONSTRAINT_INDEX_IN_PLACE] = {
		.name = "constraint_index_in_place",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "ADD PRIMARY KEY or ADD UNIQUE builds its index while locking an existing table",
		.ddl_end = sg_constraint_index_in_place_ddl_end,
	},
	[SG_RULE_TABLE_REWRITE] = {
		.name = "table_rewrite",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "a statement rewrites an existing table under an ACCESS EXCLUSIVE lock",
		.utility = sg_table_rewrite_utility,
		.rewrite = sg_table_rewrite_rewrite,
	},
	[SG_RULE_INDEX_REBUILD] = {
		.name = "index_rebuild",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "a statement rebuilds indexes of an existing table that it does not rewrite",
		.utility = sg_index_rebuild_utility,
		.ddl_end = sg_index_rebuild_ddl_end,
	},
	[SG_RULE_JSON_NOT_JSONB] = {
		.name = "json_not_jsonb",
		.family = "columns",
		.default_level = SG_LEVEL_WARNING,
		.description = "a new column is of type json rather than jsonb",
		.ddl_end = sg_json_not_jsonb_ddl_end,
		.audit = sg_json_not_jsonb_audit,
	},
	[SG_RULE_JSONB_UNCONTRACTED] = {
		.name = "jsonb_uncontracted",
		.family = "columns",
		.default_level = SG_LEVEL_WARNING,
		.description = "a new jsonb column is committed with neither a CHECK on it nor a registered contract",
		.ddl_end = sg_jsonb_uncontracted_ddl_end,
		.commit = sg_jsonb_uncontracted_findings,
		.audit_check = sg_jsonb_uncontracted_audit,
	},
	[SG_RULE_IMPLICIT_NULLABLE] = {
		.name = "implicit_nullable",
		.family = "columns",
		.default_level = SG_LEVEL_ERROR,
		.description = "a new column is nullable without an explicit NULL in its definition",
		.ddl_end = sg_implicit_nullable_ddl_end,
		.commit = sg_implicit_nullable_findings,
	},
	[SG_RULE_DESTRUCTIVE_DROP] = {
		.name = "destructive_drop",
		.family = "lossy",
		.default_level = SG_LEVEL_ERROR,
		.description = "DROP TABLE, DROP COLUMN, TRUNCATE or DROP SCHEMA CASCADE deletes the data of an existing table",
		.utility = sg_destructive_drop_utility,
	},
	[SG_RULE_RENAME_BREAKS_CLIENTS] = {
		.name = "rename_breaks_clients",
		.family = "lossy",
		.default_level = SG_LEVEL_ERROR,
		.description = "RENAME of an existing table, view or column breaks the clients that use the old name",
		.utility = sg_rename_breaks_clients_utility,
	},
	[SG_RULE_LOSSY_TYPE_CHANGE] = {
		.name = "lossy_type_change",
		.family = "lossy",
		.default_level = SG_LEVEL_ERROR,
		.description = "ALTER COLUMN TYPE of an existing column to a type that cannot hold every value of the old one",
		.utility = sg_lossy_type_change_utility,
	},
	[SG_RULE_CONSTRAINT_VALIDATES_IN_PLACE] = {
		.name = "constraint_validates_in_place",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "a CHECK or foreign key is validated in place on an existing table, or under the lock of its NOT VALID add",
		.utility = sg_constraint_validates_in_place_utility,
		.ddl_end = sg_constraint_validates_in_place_ddl_end,
	},
	[SG_RULE_SET_NOT_NULL_SCAN] = {
		.name = "set_not_null_scan",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "SET NOT NULL or ADD PRIMARY KEY scans an existing table for NULLs that no validated CHECK rules out",
		.utility = sg_set_not_null_scan_utility,
	},
	[SG_RULE_REQUIRED_COLUMN_WITHOUT_DEFAULT] = {
		.name = "required_column_without_default",
		.family = "columns",
		.default_level = SG_LEVEL_ERROR,
		.description = "ADD COLUMN ... NOT NULL without a default on an existing table fails once the table has rows",
		.ddl_end = sg_required_column_without_default_ddl_end,
	},
	[SG_RULE_PARTITION_DETACH_NOT_CONCURRENT] = {
		.name = "partition_detach_not_concurrent",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "DETACH PARTITION without CONCURRENTLY locks an existing partitioned table",
		.utility = sg_partition_detach_not_concurrent_utility,
	},
	[SG_RULE_MISSING_PRIMARY_KEY] = {
		.name = "missing_primary_key",
		.family = "columns",
		.default_level = SG_LEVEL_WARNING,
		.description = "a table is committed without a primary key",
		.utility = sg_missing_primary_key_utility,
		.ddl_end = sg_missing_primary_key_ddl_end,
		.commit = sg_missing_primary_key_findings,
		.audit = sg_missing_primary_key_findings,
	},
	[SG_RULE_EMPTY_STRING_DEFAULT] = {
		.name = "empty_string_default",
		.family = "columns",
		.default_level = SG_LEVEL_WARNING,
		.description = "a NOT NULL text column defaults to the empty string",
		.utility = sg_empty_string_default_utility,
		.ddl_end = sg_empty_string_default_ddl_end,
		.commit = sg_empty_string_default_findings,
		.audit = sg_empty_string_default_findings,
	},
	[SG_RULE_FK_TYPE_MISMATCH] = {
		.name = "fk_type_mismatch",
		.family = "foreign_keys",
		.default_level = SG_LEVEL_WARNING,
		.description = "a foreign key's referencing and referenced columns differ in type, length or collation",
		.ddl_end = sg_fk_type_mismatch_ddl_end,
		.commit = sg_fk_type_mismatch_findings,
		.audit = sg_fk_type_mismatch_findings,
	},
	[SG_RULE_FK_MISSING] = {
		.name = "fk_missing",
		.family = "foreign_keys",
		.default_level = SG_LEVEL_WARNING,
		.description = "a column named and typed like a reference to a table's key has no foreign key",
		.ddl_end = sg_fk_missing_ddl_end,
		.commit = sg_fk_missing_findings,
		.audit = sg_fk_missing_findings,
	},
	[SG_RULE_PREFER_BIGINT_KEY] = {
		.name = "prefer_bigint_key",
		.family = "types",
		.default_level = SG_LEVEL_WARNING,
		.description = "a new key, identity, serial or foreign key column is integer or smallint, not bigint",
		.ddl_end = sg_prefer_bigint_key_ddl_end,
		.commit = sg_prefer_bigint_key_findings,
		.audit = sg_prefer_bigint_key_findings,
	},
	[SG_RULE_PREFER_TIMESTAMPTZ] = {
		.name = "prefer_timestamptz",
		.family = "types",
		.default_level = SG_LEVEL_WARNING,
		.description = "a new column is timestamp without time zone",
		.ddl_end = sg_prefer_timestamptz_ddl_end,
		.commit = sg_prefer_timestamptz_findings,
		.audit = sg_prefer_timestamptz_findings,
	},
	[SG_RULE_PREFER_IDENTITY] = {
		.name = "prefer_identity",
		.family = "types",
		.default_level = SG_LEVEL_WARNING,
		.description = "a new column is serial rather than an identity column",
		.ddl_end = sg_prefer_identity_ddl_end,
		.commit = sg_prefer_identity_findings,
		.audit = sg_prefer_identity_findings,
	},
	[SG_RULE_CHAR_COLUMN] = {
		.name = "char_column",
		.family = "types",
		.default_level = SG_LEVEL_WARNING,
		.description = "a new column is character(n), which pads its values with spaces",
		.ddl_end = sg_char_column_ddl_end,
		.commit = sg_char_column_findings,
		.audit = sg_char_column_findings,
	},
	[SG_RULE_NULLABLE_NEVER_NULL] = {
		.name = "nullable_never_null",
		.family = "data",
		.default_level = SG_LEVEL_INFO,
		.description = "a nullable column holds no NULL in the rows the audit reads",
		.audit_check = sg_nullable_never_null_audit,
		.audit_data = true,
	},
	[SG_RULE_NOT_NULL_EMPTY_STRINGS] = {
		.name = "not_null_empty_strings",
		.family = "data",
		.default_level = SG_LEVEL_WARNING,
		.description = "a NOT NULL string column holds the empty string in most rows the audit reads",
		.audit_check = sg_not_null_empty_strings_audit,
		.audit_data = true,
	},
	[SG_RULE_CHECK_VALUES_UNUSED] = {
		.name = "check_values_unused",
		.family = "data",
		.default_level = SG_LEVEL_INFO,
		.description = "an enum or a CHECK allows a column values that no row the audit reads uses",
		.audit_check = sg_check_values_unused_audit,
		.audit_data = true,
	},
	[SG_RULE_ORPHANED_ROWS] = {
		.name = "orphaned_rows",
		.family = "data",
		.default_level = SG_LEVEL_WARNING,
		.description = "a column named like a reference holds values that the table it names does not have",
		.audit_check = sg_orphaned_rows_audit,
		.audit_data = true,
	},
	[SG_RULE_JSONB_DRIFT] = {
		.name = "jsonb_drift",
		.family = "data",
		.default_level = SG_LEVEL_WARNING,
		.description = "a contracted jsonb column holds documents its contract does not describe",
		.audit_check = sg_jsonb_drift_audit,
		.audit_data = true,
	},
	[SG_RULE_BACKFILL_UNDER_LOCK] = {
		.name = "backfill_under_lock",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "data is written to an existing table while the transaction holds a write-blocking lock its DDL took on it",
		.utility = sg_backfill_under_lock_utility,
	},
	[SG_RULE_LOCK_HELD_TOO_LONG] = {
		.name = "lock_held_too_long",
		.family = "locks",
		.default_level = SG_LEVEL_ERROR,
		.description = "at commit, an ACCESS EXCLUSIVE lock on an existing table was held longer than the knob allows",
		.utility = sg_lock_held_too_long_utility,
		.commit = sg_lock_held_too_long_findings,
	},
	[SG_RULE_INDEX_INVALID] = {
		.name = "index_invalid",
		.family = "indexes",
		.default_level = SG_LEVEL_WARNING,
		.description = "an index left invalid by a failed concurrent build: no query uses it",
		.audit_check = sg_index_invalid_audit,
	},
	[SG_RULE_INDEX_DUPLICATE] = {
		.name = "index_duplicate",
		.family = "indexes",
		.default_level = SG_LEVEL_WARNING,
		.description = "two indexes of a table have the same definition",
		.audit_check = sg_index_duplicate_audit,
	},
	[SG_RULE_INDEX_REDUNDANT] = {
		.name = "index_redundant",
		.family = "indexes",
		.default_level = SG_LEVEL_INFO,
		.description = "another index of the table serves every lookup of an index",
		.audit_check = sg_index_redundant_audit,
	},
	[SG_RULE_INDEX_UNUSED] = {
		.name = "index_unused",
		.family = "indexes",
		.default_level = SG_LEVEL_INFO,
		.description = "an index has not been scanned since statistics were reset",
		.ddl_end = sg_index_unused_ddl_end,
		.audit_check = sg_index_unused_audit,
	},
	[SG_RULE_SEQUENCE_NEAR_EXHAUSTION] = {
		.name = "sequence_near_exhaustion",
		.family = "sequences",
		.default_level = SG_LEVEL_ERROR,
		.description = "a sequence has used most of the values its own limit or its columns' types allow",
		.audit_check = sg_sequence_near_exhaustion_audit,
	},
	[SG_RULE_CONSTRAINT_NOT_VALIDATED] = {
		.name = "constraint_not_validated",
		.family = "constraints",
		.default_level = SG_LEVEL_WARNING,
		.description = "a CHECK, foreign key or NOT NULL constraint added NOT VALID was never validated",
		.audit_check = sg_constraint_not_validated_audit,
	},
};

int			sg_rule_levels[SG_NUM_RULES];

static const struct config_enum_entry sg_rule_level_options[] = {
	{"error", SG_LEVEL_ERROR, false},
	{"warning", SG_LEVEL_WARNING, false},
	{"off", SG_LEVEL_OFF, false},
	{NULL, 0, false}
};

/* Rules only the audit judges may also report for information. */
static const struct config_enum_entry sg_audit_rule_level_options[] = {
	{"error", SG_LEVEL_ERROR, false},
	{"warning", SG_LEVEL_WARNING, false},
	{"info", SG_LEVEL_INFO, false},
	{"off", SG_LEVEL_OFF, false},
	{NULL, 0, false}
};

static const char *const sg_level_names[] = {
	[SG_LEVEL_OFF] = "off",
	[SG_LEVEL_INFO] = "info",
	[SG_LEVEL_WARNING] = "warning",
	[SG_LEVEL_ERROR] = "error",
};

static const char *const sg_moment_names[SG_NUM_MOMENTS] = {
	[SG_MOMENT_UTILITY] = "utility",
	[SG_MOMENT_DDL_END] = "ddl_end",
	[SG_MOMENT_REWRITE] = "rewrite",
	[SG_MOMENT_DROP] = "drop",
	[SG_MOMENT_COMMIT] = "commit",
	[SG_MOMENT_AUDIT] = "audit",
};

/*
 * Does only the audit report the rule's findings (its level may then be
 * info)?  Those with an audit_check and no commit check: index_unused's
 * ddl_end raises nothing, it notes when an index was built.
 */
static bool
sg_rule_audit_only(const SgRule *rule)
{
	return rule->audit_check != NULL && rule->commit == NULL;
}

/*
 * One enum GUC per rule: schema_guard.<id>.  One dot only: postgresql.conf
 * (and the postgresql.auto.conf that ALTER SYSTEM writes) cannot hold a
 * name with two.  Rule ids therefore share the namespace with the other
 * settings (mode, jsonb_*), and must not take their names.
 */
void
sg_define_rule_gucs(void)
{
	for (int i = 0; i < SG_NUM_RULES; i++)
	{
		const SgRule *rule = &sg_rules[i];

		sg_rule_levels[i] = rule->default_level;
		DefineCustomEnumVariable(psprintf("schema_guard.%s", rule->name),
								 psprintf("Sets the level of rule %s: %s.",
										  rule->name, rule->description),
								 NULL,
								 &sg_rule_levels[i],
								 rule->default_level,
								 sg_rule_audit_only(rule) ? sg_audit_rule_level_options :
								 sg_rule_level_options,
								 PGC_SUSET,
								 0,
								 NULL, NULL, NULL);
	}
}

/*
 * The level a finding of this rule is raised at now: the rule's GUC,
 * capped at warning by schema_guard.mode = warn, off when the mode is off.
 */
SgLevel
sg_effective_level(SgRuleId rule)
{
	SgLevel		level = (SgLevel) sg_rule_levels[rule];

	if (sg_mode == SG_MODE_OFF)
		return SG_LEVEL_OFF;
	if (sg_mode == SG_MODE_WARN && level > SG_LEVEL_WARNING)
		return SG_LEVEL_WARNING;
	return level;
}

/* Does the rule have a callback for the moment? */
bool
sg_rule_serves(SgRuleId rule, SgMoment moment)
{
	const SgRule *r = &sg_rules[rule];

	switch (moment)
	{
		case SG_MOMENT_UTILITY:
			return r->utility != NULL;
		case SG_MOMENT_DDL_END:
			return r->ddl_end != NULL;
		case SG_MOMENT_REWRITE:
			return r->rewrite != NULL;
		case SG_MOMENT_DROP:
			return r->drop != NULL;
		case SG_MOMENT_COMMIT:
			return r->commit != NULL;
		case SG_MOMENT_AUDIT:
			return r->audit != NULL || r->audit_check != NULL;
		case SG_NUM_MOMENTS:
			break;
	}
	return false;
}

/*
 * Is the rule to be called at this moment now?  No catalog access: every
 * dispatcher asks it of every rule before doing any work for it.
 */
bool
sg_rule_enabled(SgRuleId rule, SgMoment moment)
{
	return sg_rule_serves(rule, moment) &&
		sg_effective_level(rule) != SG_LEVEL_OFF;
}

/* Is any rule to be called at this moment now?  No catalog access. */
bool
sg_any_rule_enabled(SgMoment moment)
{
	for (SgRuleId rule = 0; rule < SG_NUM_RULES; rule++)
		if (sg_rule_enabled(rule, moment))
			return true;
	return false;
}

const char *
sg_level_name(SgLevel level)
{
	return sg_level_names[level];
}

/*
 * schema_guard.rules(): rule, family, moments, level, description.
 */
PG_FUNCTION_INFO_V1(schema_guard_rules);
Datum
schema_guard_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	sg_require_extension_current();
	sg_init_materialized_srf(fcinfo);

	for (int i = 0; i < SG_NUM_RULES; i++)
	{
		const SgRule *rule = &sg_rules[i];
		Datum		moments[SG_NUM_MOMENTS];
		int			nmoments = 0;
		Datum		values[5];
		bool		nulls[5] = {false};

		/* From the callbacks, which are what the dispatchers call. */
		for (SgMoment m = 0; m < SG_NUM_MOMENTS; m++)
			if (sg_rule_serves(i, m))
				moments[nmoments++] = CStringGetTextDatum(sg_moment_names[m]);

		values[0] = CStringGetTextDatum(rule->name);
		values[1] = CStringGetTextDatum(rule->family);
		values[2] = PointerGetDatum(construct_array(moments, nmoments, TEXTOID,
													-1, false, TYPALIGN_INT));
		values[3] = CStringGetTextDatum(sg_level_name(sg_effective_level(i)));
		values[4] = CStringGetTextDatum(rule->description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
