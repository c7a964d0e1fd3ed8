/*-------------------------------------------------------------------------
 *
 * schema_guard.c
 *		Module entry point: GUCs, the ProcessUtility hook and the
 *		transaction callbacks.
 *
 * The library is loaded either by shared/session_preload_libraries or by
 * the first call of one of its event-trigger functions after
 * CREATE EXTENSION.  Either way _PG_init runs once per backend.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

int			sg_mode = SG_MODE_ENFORCE;

static const struct config_enum_entry sg_mode_options[] = {
	{"enforce", SG_MODE_ENFORCE, false},
	{"warn", SG_MODE_WARN, false},
	{"off", SG_MODE_OFF, false},
	{NULL, 0, false}
};

void
_PG_init(void)
{
	DefineCustomEnumVariable("schema_guard.mode",
							 "Sets how schema_guard reacts to rule violations.",
							 "enforce raises each rule at its level, warn turns "
							 "errors into warnings, off disables the guard.",
							 &sg_mode,
							 SG_MODE_ENFORCE,
							 sg_mode_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	sg_define_rule_gucs();
	sg_jsonb_define_gucs();
	sg_lossy_define_gucs();
	sg_fk_missing_define_gucs();
	sg_audit_define_gucs();
	sg_data_define_gucs();
	sg_lock_waits_init();
	sg_indexes_define_gucs();
	sg_sequences_define_gucs();
	sg_session_findings_init();

	MarkGUCPrefixReserved("schema_guard");

	sg_utility_init();
	sg_commit_init();
	sg_version_init();
}
