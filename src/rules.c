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

const SgRule sg_rules[SG_NUM_RULES] = {
	[SG_RULE_IMPLICIT_NULLABLE] = {
		"implicit_nullable", "columns", SG_MOMENT_DDL_END | SG_MOMENT_COMMIT, SG_LEVEL_ERROR,
		"a new column is nullable without an explicit NULL in its definition"
	},
	[SG_RULE_FK_UNINDEXED] = {
		"fk_unindexed", "foreign_keys", SG_MOMENT_UTILITY | SG_MOMENT_COMMIT,
		SG_LEVEL_ERROR,
		"a foreign key has no index whose leading columns are its referencing columns"
	},
	[SG_RULE_INDEX_NOT_CONCURRENT] = {
		"index_not_concurrent", "locks", SG_MOMENT_DDL_END, SG_LEVEL_ERROR,
		"CREATE INDEX without CONCURRENTLY on an existing table"
	},
	[SG_RULE_DROP_INDEX_NOT_CONCURRENT] = {
		"drop_index_not_concurrent", "locks", SG_MOMENT_UTILITY, SG_LEVEL_ERROR,
		"DROP INDEX without CONCURRENTLY on an existing table"
	},
	[SG_RULE_REINDEX_NOT_CONCURRENT] = {
		"reindex_not_concurrent", "locks", SG_MOMENT_UTILITY, SG_LEVEL_ERROR,
		"REINDEX without CONCURRENTLY on an existing table"
	},
	[SG_RULE_CONSTRAINT_INDEX_IN_PLACE] = {
		"constraint_index_in_place", "locks", SG_MOMENT_DDL_END, SG_LEVEL_ERROR,
		"ADD PRIMARY KEY or ADD UNIQUE builds its index while locking an existing table"
	},
	[SG_RULE_TABLE_REWRITE] = {
		"table_rewrite", "locks", SG_MOMENT_REWRITE, SG_LEVEL_ERROR,
		"a statement rewrites an existing table under an ACCESS EXCLUSIVE lock"
	},
	[SG_RULE_JSON_NOT_JSONB] = {
		"json_not_jsonb", "columns", SG_MOMENT_DDL_END, SG_LEVEL_WARNING,
		"a new column is of type json rather than jsonb"
	},
	[SG_RULE_JSONB_UNCONTRACTED] = {
		"jsonb_uncontracted", "columns", SG_MOMENT_DDL_END | SG_MOMENT_COMMIT, SG_LEVEL_WARNING,
		"a new jsonb column is committed with neither a CHECK on it nor a registered contract"
	},
};

int			sg_rule_levels[SG_NUM_RULES];

static const struct config_enum_entry sg_rule_level_options[] = {
	{"error", SG_LEVEL_ERROR, false},
	{"warning", SG_LEVEL_WARNING, false},
	{"off", SG_LEVEL_OFF, false},
	{NULL, 0, false}
};

static const char *const sg_level_names[] = {
	[SG_LEVEL_OFF] = "off",
	[SG_LEVEL_INFO] = "info",
	[SG_LEVEL_WARNING] = "warning",
	[SG_LEVEL_ERROR] = "error",
};

static const struct
{
	int			bit;
	const char *name;
}			sg_moment_names[] = {
	{SG_MOMENT_UTILITY, "utility"},
	{SG_MOMENT_DDL_END, "ddl_end"},
	{SG_MOMENT_REWRITE, "rewrite"},
	{SG_MOMENT_DROP, "drop"},
	{SG_MOMENT_COMMIT, "commit"},
	{SG_MOMENT_AUDIT, "audit"},
};

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
		Datum		moments[lengthof(sg_moment_names)];
		int			nmoments = 0;
		Datum		values[5];
		bool		nulls[5] = {false};

		for (int m = 0; m < lengthof(sg_moment_names); m++)
			if (rule->moments & sg_moment_names[m].bit)
				moments[nmoments++] = CStringGetTextDatum(sg_moment_names[m].name);

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
