/*-------------------------------------------------------------------------
 *
 * schema_guard.h
 *		Shared types of schema_guard: rules, moments, levels and findings.
 *
 * A rule is described once in the registry (rules.c).  Its check lives in
 * src/rules/<family>.c and produces SgFinding structs; the same finding is
 * either raised by the guard (report.c) or returned as a row by a report
 * function.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMA_GUARD_H
#define SCHEMA_GUARD_H

#include "postgres.h"

#include "catalog/pg_attribute.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/relcache.h"

#include "compat.h"

#define SG_EXTENSION_NAME	"schema_guard"
#define SG_SCHEMA_NAME		"schema_guard"

/* SQLSTATE of every rejection: class "SG", "schema_guard violation". */
#define ERRCODE_SG_VIOLATION	MAKE_SQLSTATE('S','G','0','0','1')
/* SQLSTATE of guard warnings: class 01 (warning), subclass "SG0". */
#define ERRCODE_SG_WARNING		MAKE_SQLSTATE('0','1','S','G','0')

/* schema_guard.mode */
typedef enum SgMode
{
	SG_MODE_OFF,
	SG_MODE_WARN,
	SG_MODE_ENFORCE
} SgMode;

/* schema_guard.<id>; also the level of a finding */
typedef enum SgLevel
{
	SG_LEVEL_OFF,
	SG_LEVEL_INFO,
	SG_LEVEL_WARNING,
	SG_LEVEL_ERROR
} SgLevel;

/* The moments at which a rule's check can run (a bit mask). */
#define SG_MOMENT_UTILITY	0x01
#define SG_MOMENT_DDL_END	0x02
#define SG_MOMENT_REWRITE	0x04
#define SG_MOMENT_DROP		0x08
#define SG_MOMENT_COMMIT	0x10
#define SG_MOMENT_AUDIT		0x20

/* Stable rule ids, in registry order. */
typedef enum SgRuleId
{
	SG_RULE_IMPLICIT_NULLABLE,
	SG_RULE_FK_UNINDEXED,
	SG_RULE_INDEX_NOT_CONCURRENT,
	SG_RULE_DROP_INDEX_NOT_CONCURRENT,
	SG_RULE_REINDEX_NOT_CONCURRENT,
	SG_RULE_CONSTRAINT_INDEX_IN_PLACE,
	SG_RULE_TABLE_REWRITE,
	SG_RULE_JSON_NOT_JSONB,
	SG_RULE_JSONB_UNCONTRACTED,
	SG_NUM_RULES
} SgRuleId;

typedef struct SgRule
{
	const char *name;			/* stable id, e.g. "fk_unindexed" */
	const char *family;			/* "columns", "foreign_keys", "locks" */
	int			moments;		/* SG_MOMENT_* mask */
	SgLevel		default_level;
	const char *description;	/* one line, for rules() and the GUC */
} SgRule;

/*
 * One finding.  The same struct drives a guard message and a report row.
 * All strings are palloc'd in the caller's memory context.
 */
typedef struct SgFinding
{
	SgRuleId	rule;
	Oid			relid;			/* relation the finding is about, if any */
	const char *object_type;	/* "column", "foreign key", "index", ... */
	char	   *object_identity;	/* as pg_identify_object names it */
	const char *subname;		/* the column, constraint or index of relid
								 * the finding is about; the schema's name */
	char	   *message;		/* primary message, without the rule id */
	char	   *detail;			/* the evidence */
	char	   *fix;			/* the safe SQL to run instead */
} SgFinding;

/* schema_guard.c */
extern int	sg_mode;

/* rules.c: the registry */
extern const SgRule sg_rules[SG_NUM_RULES];
extern int	sg_rule_levels[SG_NUM_RULES];
extern void sg_define_rule_gucs(void);
extern SgLevel sg_effective_level(SgRuleId rule);
extern const char *sg_level_name(SgLevel level);

/* report.c: findings raised by the guard; exemptions */
extern void sg_raise(const SgFinding *finding);
extern bool sg_is_exempt(const SgFinding *finding);
extern char *sg_relation_identity(Oid relid);
extern bool sg_guard_active(void);
extern bool sg_relation_guarded(Relation rel);
extern bool sg_relation_is_new(Relation rel);
extern void sg_init_materialized_srf(FunctionCallInfo fcinfo);
extern int	sg_pin_settings(bool search_path);
extern void sg_unpin_settings(int nest);

/* An SPI session of the extension: sg_spi_connect() ... sg_spi_finish(). */
typedef struct SgSpi
{
	int			gucnest;
	bool		switched;		/* running as the extension owner */
	Oid			saved_userid;
	int			saved_sec_context;
} SgSpi;

extern void sg_spi_connect(SgSpi *spi, bool as_owner);
extern void sg_spi_finish(SgSpi *spi);

/* fix.c: the safe SQL carried by HINTs */
extern char *sg_free_name(const char *name1, const char *name2, const char *label,
						  Oid nspid, Oid relid, bool column, List **avoid);
extern char *sg_index_tail(Oid indexoid);
extern char *sg_fix_create_index(Relation rel, const char *idxname, bool unique,
								 const char *tail);
extern char *sg_fix_index_build(Relation rel, Oid indexoid, List *built);
extern char *sg_fix_add_constraint(Relation rel, Oid indexoid, Oid conoid,
								   List *built, const char *drops);
extern char *sg_fix_attach_partition(Oid parentid, Oid partid, List *built);

/* guard_commit.c: the pending list of commit-time work */
typedef enum SgPendingKind
{
	SG_PENDING_FKEY,			/* a foreign key, by constraint name */
	SG_PENDING_JSONB_COLUMN,	/* a new jsonb column, by column number */
	SG_PENDING_NULLABLE_COLUMN, /* a new column written without NULL, by
								 * column number */
	SG_NUM_PENDING_KINDS
} SgPendingKind;

extern void sg_commit_init(void);
extern void sg_pending_add(SgPendingKind kind, Oid relid, const char *name);
extern void sg_note_dropped_index(const char *name);
extern List *sg_index_names_dropped_in_xact(void);
extern void sg_pending_add_column(SgPendingKind kind, Oid relid, AttrNumber attnum);
extern void sg_pending_renamed(SgPendingKind kind, Oid relid, const char *oldname,
							   const char *newname);

/* rules/columns.c */
typedef bool (*SgColumnVisitor) (Datum value, bool isnull, void *arg);

extern void sg_check_new_columns(Oid relid, List *column_defs, bool retyped);
extern List *sg_implicit_nullable_findings(Relation rel, List *names);
extern bool sg_scan_column(Relation rel, const char *colname,
						   SgColumnVisitor visit, void *arg);

/* rules/jsonb_columns.c */
extern void sg_check_new_json_column(Relation rel, ColumnDef *def,
									 Form_pg_attribute att);
extern List *sg_jsonb_uncontracted_findings(Relation rel, List *names);

/* rules/foreign_keys.c */
extern List *sg_fk_unindexed_findings(Relation rel, List *only_names);
extern void sg_remember_covered_fkeys(Oid relid, Oid dropping_now);

/* rules/locks.c */
extern void sg_check_index_build(Oid indexoid, IndexStmt *stmt, AlterTableStmt *alter);
extern void sg_check_attach_partition(Oid parentid, Oid partid);
extern void sg_check_drop_index(DropStmt *stmt);
extern void sg_check_reindex(ReindexStmt *stmt);
extern void sg_check_rewrite(Oid relid, int reason, Node *parsetree);
extern void sg_rewrite_statement_end(void);

/* jsonb_shape.c, jsonb_contract.c */
extern void sg_jsonb_define_gucs(void);
extern void sg_jsonb_column_renamed(Oid relid, const char *oldname,
									const char *newname);
extern void sg_jsonb_forget_dropped(void);

/* version.c: the library runs against the SQL objects of its version */
extern void sg_version_init(void);
extern bool sg_extension_current(void);
extern void sg_require_extension_current(void);
extern bool sg_is_own_extension_stmt(Node *parsetree);

/* guard_utility.c */
extern void sg_utility_init(void);
extern void sg_check_utility(Node *parsetree);

#endif							/* SCHEMA_GUARD_H */
