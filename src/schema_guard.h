/*-------------------------------------------------------------------------
 *
 * schema_guard.h
 *		Shared types of schema_guard: rules, moments, levels and findings.
 *
 * A rule is one row of the registry (sg_rules[], rules.c), carrying the
 * callbacks of the moments it serves; its checks live in
 * src/rules/<family>.c.  Each moment's entry point (guard_utility.c,
 * guard_events.c, guard_commit.c) loops over the registry and calls the
 * rules with a callback for it whose level is not off; rules() derives the
 * moments from the callbacks.  Commit-time work is pending by (rule,
 * object); the audit calls for every relation the same function as the
 * commit, where a rule can judge a whole relation.  Adding a rule: an id
 * below, its callbacks' prototypes, its file and its row
 * (doc/schema_guard.md, "Adding a rule").
 * Checks produce SgFinding structs; the same finding is either raised by
 * the guard (report.c) or returned as a row by a report function.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMA_GUARD_H
#define SCHEMA_GUARD_H

#include "postgres.h"

#include "catalog/objectaddress.h"
#include "catalog/pg_attribute.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/utility.h"
#include "utils/relcache.h"

#include "compat.h"

#define SG_EXTENSION_NAME	"schema_guard"
#define SG_SCHEMA_NAME		"schema_guard"

/* SQLSTATE of every rejection: class "SG", "schema_guard violation". */
#define ERRCODE_SG_VIOLATION	MAKE_SQLSTATE('S','G','0','0','1')
/* SQLSTATE of guard warnings: class 01 (warning), subclass "SG0". */
#define ERRCODE_SG_WARNING		MAKE_SQLSTATE('0','1','S','G','0')
/* SQLSTATE of assert_clean(): the audit found what it may not. */
#define ERRCODE_SG_AUDIT_NOT_CLEAN	MAKE_SQLSTATE('S','G','0','0','2')

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

/*
 * The moments at which a rule's check can run, in the order rules() lists
 * them (DESIGN.md section 1).
 */
typedef enum SgMoment
{
	SG_MOMENT_UTILITY,
	SG_MOMENT_DDL_END,
	SG_MOMENT_REWRITE,
	SG_MOMENT_DROP,
	SG_MOMENT_COMMIT,
	SG_MOMENT_AUDIT,
	SG_NUM_MOMENTS
} SgMoment;

/*
 * Stable rule ids, in registry order, which is the order in which every
 * moment calls the rules (and so the order of their findings on one
 * object).
 */
typedef enum SgRuleId
{
	SG_RULE_NO_LOCK_TIMEOUT,
	SG_RULE_LOCK_QUEUE,
	SG_RULE_FK_UNINDEXED,
	SG_RULE_INDEX_NOT_CONCURRENT,
	SG_RULE_DROP_INDEX_NOT_CONCURRENT,
	SG_RULE_REINDEX_NOT_CONCURRENT,
	SG_RULE_CONSTRAINT_INDEX_IN_PLACE,
	SG_RULE_TABLE_REWRITE,
	SG_RULE_INDEX_REBUILD,
	SG_RULE_JSON_NOT_JSONB,
	SG_RULE_JSONB_UNCONTRACTED,
	SG_RULE_IMPLICIT_NULLABLE,
	SG_RULE_DESTRUCTIVE_DROP,
	SG_RULE_RENAME_BREAKS_CLIENTS,
	SG_RULE_LOSSY_TYPE_CHANGE,
	SG_RULE_CONSTRAINT_VALIDATES_IN_PLACE,
	SG_RULE_SET_NOT_NULL_SCAN,
	SG_RULE_REQUIRED_COLUMN_WITHOUT_DEFAULT,
	SG_RULE_PARTITION_DETACH_NOT_CONCURRENT,
	SG_RULE_MISSING_PRIMARY_KEY,
	SG_RULE_EMPTY_STRING_DEFAULT,
	SG_RULE_FK_TYPE_MISMATCH,
	SG_RULE_FK_MISSING,
	SG_RULE_PREFER_BIGINT_KEY,
	SG_RULE_PREFER_TIMESTAMPTZ,
	SG_RULE_PREFER_IDENTITY,
	SG_RULE_CHAR_COLUMN,
	SG_RULE_NULLABLE_NEVER_NULL,
	SG_RULE_NOT_NULL_EMPTY_STRINGS,
	SG_RULE_CHECK_VALUES_UNUSED,
	SG_RULE_ORPHANED_ROWS,
	SG_RULE_JSONB_DRIFT,
	SG_RULE_BACKFILL_UNDER_LOCK,
	SG_RULE_LOCK_HELD_TOO_LONG,
	SG_RULE_INDEX_INVALID,
	SG_RULE_INDEX_DUPLICATE,
	SG_RULE_INDEX_REDUNDANT,
	SG_RULE_INDEX_UNUSED,
	SG_RULE_SEQUENCE_NEAR_EXHAUSTION,
	SG_RULE_CONSTRAINT_NOT_VALIDATED,
	SG_NUM_RULES
} SgRuleId;

/* What ddl_end hands a rule: one object the statement created or changed. */
typedef enum SgDdlKind
{
	SG_DDL_COLUMN,				/* a column the user wrote in CREATE TABLE or
								 * ADD COLUMN */
	SG_DDL_COLUMN_TYPE,			/* a column ALTER COLUMN TYPE changed */
	SG_DDL_INDEX,				/* an index built: CREATE INDEX, or ALTER
								 * TABLE adding a key or exclusion */
	SG_DDL_CONSTRAINT,			/* a constraint ALTER TABLE (or CREATE TABLE's
								 * REFERENCES) added or made enforced */
	SG_DDL_ATTACH,				/* a table attached as a partition */
	SG_DDL_DOMAIN_CONSTRAINT,	/* a constraint ALTER DOMAIN added (objid;
								 * relid is InvalidOid) */
	SG_DDL_INDEXES_RECREATED,	/* the indexes ALTER TABLE dropped and created
								 * again because a column they use changed
								 * type (indexes); once per statement */
	SG_DDL_TABLE				/* a table CREATE TABLE (AS) made: relid only */
} SgDdlKind;

typedef struct SgDdlObject
{
	SgDdlKind	kind;
	Oid			relid;			/* the table */
	Oid			objid;			/* the index, constraint or attached table */

	/*
	 * Columns only: a guarded table (not a partition: its columns are the
	 * parent's), open; the column now; its type with domains resolved; its
	 * definition as written (for a retyped column, a copy naming it).
	 */
	Relation	rel;
	Form_pg_attribute att;
	Oid			basetype;
	ColumnDef  *column;
	IndexStmt  *index;			/* indexes: the statement as written */
	AlterTableCmd *cmd;			/* the ALTER TABLE subcommand, or NULL */
	AlterTableStmt *alter;		/* the ALTER TABLE, or NULL */
	List	   *indexes;		/* recreated indexes: their new OIDs (the
								 * storage may be the old index's) */
} SgDdlObject;

/* One object from sql_drop (pg_event_trigger_dropped_objects()). */
typedef struct SgDroppedObject
{
	ObjectAddress address;
	bool		original;		/* named by the statement */
	bool		normal;			/* reached through a normal dependency */
	bool		is_temporary;
	const char *object_type;
	const char *schema_name;	/* NULL when it has none */
	const char *object_name;	/* NULL when its identity needs more */
	const char *object_identity;
} SgDroppedObject;

/*
 * A relation's findings for a rule: at commit, those of the objects named
 * in only_names (the rule's pending items there: names of columns,
 * constraints, indexes); in an audit, where only_names is NIL, those of
 * every object of the relation.
 */
typedef List *(*SgRelationCheck) (Relation rel, List *only_names);

/*
 * What an audit hands the rules that only it runs (audit.c): one per call
 * of schema_guard.audit().
 */
typedef struct SgAudit
{
	bool		with_data;		/* with_data => true: data rules run */
	int64		sample_rows;	/* schema_guard.audit_sample_rows: the most
								 * rows a data rule reads from one relation */
	MemoryContext mcxt;			/* lives as long as the audit */
	void	   *state[SG_NUM_RULES];	/* a rule's own cache, in mcxt */
} SgAudit;

/*
 * An audit-only rule's findings on one relation, open with ACCESS SHARE:
 * a table, partitioned table, materialized view, foreign table or
 * sequence (indexes are judged through their table).
 */
typedef List *(*SgAuditCheck) (Relation rel, SgAudit *audit);

/*
 * A rule: one row of sg_rules[] (rules.c).  Each callback serves one
 * moment, and is NULL when the rule has nothing to judge then; the
 * dispatchers call only the rules whose effective level is not off, and
 * rules() lists a moment exactly when its callback is set.  A rule may
 * remember objects for the commit with sg_pending_add() and
 * sg_pending_add_column() from any moment; its commit callback then gets
 * their names.
 */
typedef struct SgRule
{
	const char *name;			/* stable id, e.g. "fk_unindexed" */
	const char *family;			/* "columns", "foreign_keys", "locks" */
	SgLevel		default_level;
	const char *description;	/* one line, for rules() and the GUC */
	/* utility: a statement before it runs, as written */
	void		(*utility) (Node *parsetree);
	/* ddl_end: each object the statement created or changed */
	void		(*ddl_end) (const SgDdlObject *object);
	/* rewrite: a table the statement rewrites (AT_REWRITE_* reasons) */
	void		(*rewrite) (Oid relid, int reason, Node *parsetree);
	/* drop: each object the statement dropped */
	void		(*drop) (const SgDroppedObject *object);
	/* commit: a relation the transaction left pending items on */
	SgRelationCheck commit;

	/*
	 * audit: every relation; the same function as commit wherever the rule
	 * can judge all objects of a relation from what exists (an implicit NULL,
	 * for one, is only seen in the statement).
	 */
	SgRelationCheck audit;

	/*
	 * audit, given the audit itself (with_data, the sample, a per-audit
	 * cache): every relation, for the rules nothing else runs, and for a
	 * commit check whose audit reads more with_data (jsonb_uncontracted's
	 * HINT).  A rule sets audit or audit_check, not both.
	 */
	SgAuditCheck audit_check;
	bool		audit_data;		/* audit_check reads rows: with_data only */
} SgRule;

/*
 * Why the audit, or one of its rules, did not judge an object: a lock not
 * granted in time makes the result incomplete for a transient reason
 * (level warning), the rest are stable (info).
 */
typedef enum SgAuditSkip
{
	SG_SKIP_LOCK,				/* a lock not granted within
								 * schema_guard.audit_lock_timeout, or what it
								 * waited for dropped meanwhile */
	SG_SKIP_SCHEMA,				/* no USAGE on the relation's schema */
	SG_SKIP_PRIVILEGE,			/* no privilege on what the rule reads, or
								 * row-level security hides rows of it */
	SG_SKIP_UNREADABLE			/* what it is: a foreign partition, too many
								 * columns for one query, a column gone */
} SgAuditSkip;

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
	char	   *evidence;		/* the numbers, as JSON object text, or NULL */
	bool		skipped;		/* the rule could not judge the object (an
								 * audit row of audit_skipped) */
	SgAuditSkip skip;			/* skipped: why, which sets the row's level */
} SgFinding;

/*
 * A top-level statement of the session: the number the session gave it
 * (0: none, not a statement of the client's query string) and where it is
 * in its query string (line 0: unknown).
 */
typedef struct SgStatement
{
	int64		number;
	int			line;			/* 1-based line of its first token */
	int			position;		/* 1-based character position of it */
	int			length;			/* characters, up to its end */
} SgStatement;

/* schema_guard.c */
extern int	sg_mode;

/* rules.c: the registry */
extern const SgRule sg_rules[SG_NUM_RULES];
extern int	sg_rule_levels[SG_NUM_RULES];
extern void sg_define_rule_gucs(void);
extern SgLevel sg_effective_level(SgRuleId rule);
extern bool sg_rule_serves(SgRuleId rule, SgMoment moment);
extern bool sg_rule_enabled(SgRuleId rule, SgMoment moment);
extern bool sg_any_rule_enabled(SgMoment moment);
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

/*
 * An index as its pg_index and pg_class rows describe it: what the foreign
 * key and index rules compare.
 */
typedef struct SgIndex
{
	Oid			oid;
	char	   *name;
	char		relkind;		/* index or partitioned index */
	bool		ispartition;	/* attached to an index of the parent */
	Oid			am;
	int64		pages;			/* pg_class.relpages */
	int			natts;
	int			nkeyatts;
	AttrNumber	keys[INDEX_MAX_KEYS];
	Node	   *exprs[INDEX_MAX_KEYS];	/* the expression of a key 0 */
	Oid			opclass[INDEX_MAX_KEYS];
	Oid			coll[INDEX_MAX_KEYS];
	int16		option[INDEX_MAX_KEYS];
	bool		has_exprs;
	Node	   *pred;			/* NULL: not partial */
	bool		unique;
	bool		nulls_not_distinct;
	bool		immediate;
	bool		primary;
	bool		exclusion;
	bool		valid;
	bool		ready;
	bool		replident;
} SgIndex;

/* audit_catalog.c: a relation's catalog rows, read once per audit */
extern void sg_audit_catalog_begin(MemoryContext mcxt, List *extension_rels);
extern void sg_audit_catalog_end(void);
extern bool sg_relation_in_extension(Oid relid);
extern List *sg_relation_constraints(Oid relid);
extern List *sg_relation_index_list(Relation rel);

/* audit.c */
extern void sg_audit_define_gucs(void);
extern SgFinding *sg_audit_skipped(SgRuleId rule, Relation rel,
								   const char *object_type,
								   const char *object_identity,
								   const char *subname, SgAuditSkip why,
								   const char *reason);
extern char *sg_evidence_string(const char *value);
extern bool sg_audit_lock(Oid relid);

/* fill.c */
extern void sg_check_schemas(Datum schemas, const char *action);

/* roundtrip.c */
extern bool sg_roundtrip_running;
extern List *sg_defelem_list_without(List *options, const char *name);

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
extern void sg_fix_not_null(StringInfo first, StringInfo rest, Relation rel,
							const char *relident, const char *colname, List **avoid);
extern bool sg_fix_retype_runs(Relation rel, AttrNumber attnum);

/* guard_commit.c: the pending list of commit-time work, by (rule, object) */
extern void sg_commit_init(void);
extern void sg_pending_add(SgRuleId rule, Oid relid, const char *name);
extern void sg_pending_add_column(SgRuleId rule, Oid relid, AttrNumber attnum);
extern void sg_pending_renamed(Oid relid, const char *oldname, const char *newname);
extern void sg_note_dropped_index(const char *name);
extern List *sg_index_names_dropped_in_xact(void);
extern bool sg_checking_commit(void);
extern const SgStatement *sg_commit_finding_statement(void);

/* guard_events.c */
extern uint64 sg_ddl_statements_ended;

/* guard_utility.c */
extern uint64 sg_utility_statements;

/*
 * The rules' callbacks (named in sg_rules[]) and what families share.
 */

/* rules/columns.c */
typedef bool (*SgColumnVisitor) (Datum value, bool isnull, void *arg);

extern void sg_implicit_nullable_ddl_end(const SgDdlObject *object);
extern List *sg_implicit_nullable_findings(Relation rel, List *only_names);
extern bool sg_scan_column(Relation rel, const char *colname,
						   SgColumnVisitor visit, void *arg);
extern bool sg_type_not_null(Oid typid);
extern char *sg_fkey_nulling_column(Relation rel, AttrNumber attnum, bool hasdef);

/* rules/design.c */
extern void sg_missing_primary_key_utility(Node *parsetree);
extern void sg_missing_primary_key_ddl_end(const SgDdlObject *object);
extern List *sg_missing_primary_key_findings(Relation rel, List *only_names);
extern void sg_empty_string_default_utility(Node *parsetree);
extern void sg_empty_string_default_ddl_end(const SgDdlObject *object);
extern List *sg_empty_string_default_findings(Relation rel, List *only_names);
extern bool sg_table_judged(Relation rel);
extern List *sg_columns_judged(Relation rel, List *only_names);
extern AttrNumber sg_column_attnum(Relation rel, const char *name);
extern bool sg_column_in_primary_key(Relation rel, AttrNumber attnum);

/* rules/types.c */
extern void sg_prefer_bigint_key_ddl_end(const SgDdlObject *object);
extern List *sg_prefer_bigint_key_findings(Relation rel, List *only_names);
extern void sg_prefer_timestamptz_ddl_end(const SgDdlObject *object);
extern List *sg_prefer_timestamptz_findings(Relation rel, List *only_names);
extern void sg_prefer_identity_ddl_end(const SgDdlObject *object);
extern List *sg_prefer_identity_findings(Relation rel, List *only_names);
extern void sg_char_column_ddl_end(const SgDdlObject *object);
extern List *sg_char_column_findings(Relation rel, List *only_names);

/* rules/jsonb_columns.c */
extern void sg_json_not_jsonb_ddl_end(const SgDdlObject *object);
extern List *sg_json_not_jsonb_audit(Relation rel, List *only_names);
extern void sg_jsonb_uncontracted_ddl_end(const SgDdlObject *object);
extern List *sg_jsonb_uncontracted_findings(Relation rel, List *only_names);
extern List *sg_jsonb_uncontracted_audit(Relation rel, SgAudit *audit);

/* rules/foreign_keys.c */
extern Oid	sg_index_access_method(Oid indexoid);
extern void sg_fk_unindexed_utility(Node *parsetree);
extern void sg_fk_unindexed_ddl_end(const SgDdlObject *object);
extern List *sg_fk_unindexed_findings(Relation rel, List *only_names);
extern List *sg_fkey_supporting_indexes(Relation rel, List *indexes);
extern void sg_fk_type_mismatch_ddl_end(const SgDdlObject *object);
extern List *sg_fk_type_mismatch_findings(Relation rel, List *only_names);
extern void sg_fk_missing_define_gucs(void);
extern void sg_fk_missing_ddl_end(const SgDdlObject *object);
extern List *sg_fk_missing_findings(Relation rel, List *only_names);
extern Oid	sg_fk_missing_reference(Relation rel, AttrNumber attnum,
									AttrNumber *keyattnum);

/* rules/locks.c */
extern bool sg_defelem_list_has(List *options, const char *name);
extern Relation sg_open_existing_table(Oid relid);
extern char *sg_table_kind_name(Relation rel);
extern char *sg_table_size(Relation rel);
extern char *sg_size_sentence(Relation rel);
extern Oid	sg_index_dropped_by_owner(RangeVar *rv, Oid *relid, char *relkind);
extern void sg_index_not_concurrent_ddl_end(const SgDdlObject *object);
extern void sg_constraint_index_in_place_ddl_end(const SgDdlObject *object);
extern void sg_drop_index_not_concurrent_utility(Node *parsetree);
extern void sg_reindex_not_concurrent_utility(Node *parsetree);
extern void sg_table_rewrite_rewrite(Oid relid, int reason, Node *parsetree);
extern void sg_table_rewrite_utility(Node *parsetree);

/* rules/index_rebuild.c */
extern void sg_index_rebuild_utility(Node *parsetree);
extern void sg_index_rebuild_ddl_end(const SgDdlObject *object);

/* rules/destructive.c */
extern void sg_lossy_define_gucs(void);
extern void sg_destructive_drop_utility(Node *parsetree);
extern void sg_rename_breaks_clients_utility(Node *parsetree);
extern void sg_lossy_type_change_utility(Node *parsetree);

/* rules/indexes.c */
extern void sg_indexes_define_gucs(void);
extern void sg_index_unused_ddl_end(const SgDdlObject *object);
extern List *sg_index_invalid_audit(Relation rel, SgAudit *audit);
extern List *sg_index_duplicate_audit(Relation rel, SgAudit *audit);
extern List *sg_index_redundant_audit(Relation rel, SgAudit *audit);
extern List *sg_index_unused_audit(Relation rel, SgAudit *audit);

/* rules/sequences.c */
extern void sg_sequences_define_gucs(void);
extern List *sg_sequence_near_exhaustion_audit(Relation rel, SgAudit *audit);

/* rules/validation.c */
extern void sg_constraint_validates_in_place_utility(Node *parsetree);
extern void sg_constraint_validates_in_place_ddl_end(const SgDdlObject *object);
extern void sg_set_not_null_scan_utility(Node *parsetree);
extern void sg_required_column_without_default_ddl_end(const SgDdlObject *object);
extern void sg_partition_detach_not_concurrent_utility(Node *parsetree);
extern List *sg_constraint_not_validated_audit(Relation rel, SgAudit *audit);

/* rules/lock_waits.c */
extern void sg_lock_waits_init(void);
extern void sg_no_lock_timeout_utility(Node *parsetree);
extern void sg_lock_queue_utility(Node *parsetree);
extern void sg_backfill_under_lock_utility(Node *parsetree);
extern void sg_lock_held_too_long_utility(Node *parsetree);
extern List *sg_lock_held_too_long_findings(Relation rel, List *only_names);

/* rules/data.c: the audit's data rules, and the sample they read */
typedef struct SgSample
{
	int64		sample_rows;	/* the audit's schema_guard.audit_sample_rows */
	double		estimated_rows; /* the planner's estimate, children included */
	BlockNumber blocks;
	bool		sampled;		/* TABLESAMPLE SYSTEM (percent) REPEATABLE
								 * (seed) */
	double		percent;
	int32		seed;
} SgSample;

struct _DestReceiver;

extern void sg_data_define_gucs(void);
extern bool sg_column_readable(Oid relid, AttrNumber attnum);
extern char *sg_data_sample(Relation rel, SgAudit *audit, SgSample *sample,
							SgAuditSkip *kind);
extern void sg_data_from(StringInfo q, const char *relident, const SgSample *sample);
extern void sg_data_execute(const char *query, struct _DestReceiver *dest);
extern void sg_sample_evidence(StringInfo buf, const SgSample *sample);
extern List *sg_nullable_never_null_audit(Relation rel, SgAudit *audit);
extern List *sg_not_null_empty_strings_audit(Relation rel, SgAudit *audit);
extern List *sg_check_values_unused_audit(Relation rel, SgAudit *audit);
extern List *sg_orphaned_rows_audit(Relation rel, SgAudit *audit);

/* jsonb_shape.c, jsonb_contract.c */
extern void sg_jsonb_define_gucs(void);
struct _SPI_plan;
extern int	sg_spi_execute_into(struct _SPI_plan *plan, struct _DestReceiver *dest);
extern List *sg_jsonb_drift_audit(Relation rel, SgAudit *audit);
extern void sg_jsonb_column_renamed(Oid relid, const char *oldname,
									const char *newname);
extern void sg_jsonb_forget_dropped(void);

/* version.c: the library runs against the SQL objects of its version */
extern void sg_version_init(void);
extern bool sg_extension_current(void);
extern void sg_require_extension_current(void);
extern bool sg_is_own_extension_stmt(Node *parsetree);

/* session_findings.c: what the guard raised in this session, and where */
extern void sg_session_findings_init(void);
extern void sg_current_statement(SgStatement *out);
extern void sg_session_record(const SgFinding *finding, SgLevel raised);
extern void sg_session_note_utility(PlannedStmt *pstmt, const char *queryString,
									ProcessUtilityContext context, bool done);

/* guard_utility.c */
extern void sg_utility_init(void);
extern void sg_check_utility(Node *parsetree);

#endif							/* SCHEMA_GUARD_H */
