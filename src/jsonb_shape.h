/*-------------------------------------------------------------------------
 *
 * jsonb_shape.h
 *		The JSONB shape accumulator shared by inference (jsonb_shape.c) and
 *		contracts and drift (jsonb_contract.c).
 *
 * A scan reads one json/jsonb column as the caller and folds every document
 * into a trie of paths.  Each path node counts, per JSON Schema type, the
 * documents in which the path holds that type.  Memory is bounded by the
 * distinct-path budget, never by the number of rows.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SG_JSONB_SHAPE_H
#define SG_JSONB_SHAPE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* JSON Schema type names, in output order. */
typedef enum SgJsonType
{
	SG_JT_OBJECT,
	SG_JT_ARRAY,
	SG_JT_STRING,
	SG_JT_INTEGER,
	SG_JT_NUMBER,
	SG_JT_BOOLEAN,
	SG_JT_NULL,
	SG_JT_COUNT
} SgJsonType;

extern const char *const sg_json_type_names[SG_JT_COUNT];

/* How a node hangs below its parent. */
typedef enum SgEdge
{
	SG_EDGE_ROOT,				/* $ */
	SG_EDGE_KEY,				/* .key */
	SG_EDGE_ELEM,				/* [*] */
	SG_EDGE_MAP					/* .* (keys of a map-like object) */
} SgEdge;

/* Why an object's keys were collapsed into ".*" (a bit mask). */
#define SG_MAP_KEY_PATTERN	0x01	/* keys look like ids, numbers, dates */
#define SG_MAP_CARDINALITY	0x02	/* too many distinct keys */
#define SG_MAP_LONG_KEY		0x04	/* keys longer than a name can be */
#define SG_MAP_LONG_PATH	0x08	/* keys that would make the path too long */

#define SG_MAX_EXAMPLES		5

/* Per (path, type) counters. */
typedef struct SgTypeSlot
{
	int64		rows;			/* documents with this type at the path */
	int64		last_doc;		/* last document counted, for per-doc counts */
	int64		min_len;		/* arrays: elements; strings: characters */
	int64		max_len;
} SgTypeSlot;

struct SgContract;
struct SgKeyMemo;

/* The first rows (primary key or ctid) holding each type at a path. */
typedef struct SgExamples
{
	int			n[SG_JT_COUNT];
	char	   *row[SG_JT_COUNT][SG_MAX_EXAMPLES];
} SgExamples;

typedef struct SgShapeNode
{
	/* read for every key and value: kept together */
	uint64		key8;			/* first 8 bytes of the key, zero-padded */
	int			keylen;
	int32		first_guess;	/* the child of the first key, last time */
	int32		next_guess;		/* the sibling that followed, last time */
	struct SgKeyMemo *memo;		/* objects: the keys seen last time */
	SgEdge		edge;
	char	   *key;			/* SG_EDGE_KEY only; not NUL-terminated */
	int64		last_doc;
	int64		docs;			/* documents containing the path */
	int64		occurrences;	/* values at the path, all documents */
	int64		objects;		/* of which objects */

	int32		parent;			/* index in the node array, -1 for $ */
	int32		depth;			/* $ is 0 */
	int32		pathlen;		/* bytes of the path's text */
	int			map_reasons;	/* SG_MAP_* when this object is map-like */
	int32		nkeys;			/* distinct SG_EDGE_KEY children */
	int32		elem_child;		/* the [*] child, or -1 */
	int32		map_child;		/* the .* child, or -1 */
	SgTypeSlot	types[SG_JT_COUNT];

	/* drift only */
	struct SgContract *contract;	/* schema documenting this path, or NULL */
	int			req_index;		/* index in the parent's "required", or -1 */
	bool		children_lost;	/* a child path was refused (budget, depth) */
	struct SgExamples *ex;		/* offending rows, per type */
} SgShapeNode;

/*
 * A JSON Schema (the contract subset), parsed.  Keywords outside the subset
 * are accepted and listed, never checked.
 */
typedef struct SgContract
{
	char	   *path;			/* the JSONB path it documents */
	bool		allows_nothing; /* the boolean schema false */
	bool		any_below;		/* the boolean schema true: anything goes */
	int			types;			/* mask of 1 << SgJsonType; 0 = any type */
	int			nproperties;
	char	  **prop_names;
	int		   *prop_lens;
	struct SgContract **prop_schemas;
	int			nrequired;
	char	  **required;
	int		   *required_lens;
	bool		additional_false;	/* "additionalProperties": false */
	struct SgContract *additional;	/* "additionalProperties": {schema} */
	bool		additional_any; /* "additionalProperties": true */
	struct SgContract *items;	/* "items": {schema} */
	Jsonb	   *enum_values;	/* "enum": [...], or NULL */

	/* drift counters for "required" keys that were missing */
	int64	   *missing_docs;
	int64	   *missing_last_doc;
	int		   *nmissing_examples;
	char	 ***missing_examples;
	/* documents whose value at this path is outside "enum" */
	int64		enum_docs;
	int64		enum_last_doc;
	int			nenum_examples;
	char	   *enum_examples[SG_MAX_EXAMPLES];
} SgContract;

/* What to scan and how. */
typedef struct SgShapeScan
{
	/* input */
	Oid			relid;
	AttrNumber	attnum;
	bool		sampled;
	double		sample_percent;
	int32		seed;
	bool		block_sample;	/* TABLESAMPLE SYSTEM, not BERNOULLI */
	SgContract *contract;		/* drift: documented shape, or NULL */
	bool		want_row_keys;	/* drift: remember offending rows */

	/* result */
	MemoryContext cxt;			/* owns everything below */
	SgShapeNode *nodes;
	int32		nnodes;
	int32		nodes_alloc;
	int64		rows_scanned;
	int64		null_documents;
	int64		documents;		/* non-null */
	int64		values_skipped; /* not counted: path budget exhausted */
	bool		budget_exhausted;
	bool		depth_exhausted;	/* values deeper than jsonb_max_depth */
	int			maps_collapsed;
	int			restarts;
	int			late_maps;		/* map-like objects recognised after the last
								 * restart: their counts are not exact */
	double		est_total_rows;
	double		elapsed_ms;
	char	   *row_key_label;	/* "primary key (id)" or "ctid" */
	char	   *row_key_expr;	/* its SQL expression */

	/* private to the scanner */
	MemoryContext keepcxt;		/* survives restarts */
	MemoryContext rowcxt;		/* reset after every row */
	int32	   *hash;
	uint32		hash_size;
	List	   *map_paths;		/* paths flagged map-like by cardinality */
	List	   *map_path_reasons;
	bool		restart;
	int64		cur_doc;
	char	   *cur_row_key;
	struct TupleTableSlot *cur_slot;	/* the row being walked */
} SgShapeScan;

/* jsonb_shape.c */
extern AttrNumber sg_jsonb_column(Oid relid, Name colname, bool for_scan);
extern void sg_jsonb_refuse_temporary(Oid relid, bool snapshot);
extern void sg_check_sample_percent(bool isnull, double sample_percent);
extern void sg_shape_scan(SgShapeScan *scan);
extern char *sg_shape_path(SgShapeScan *scan, int32 node);
extern void sg_shape_sort_nodes(SgShapeScan *scan, int32 *nodes, int n);
extern int32 sg_shape_find_child(SgShapeScan *scan, int32 parent,
								 const char *key, int keylen);
extern void sg_append_path_key(StringInfo buf, const char *key, int keylen);
extern double sg_wilson_low(int64 x, int64 n);
extern double sg_wilson_high(int64 x, int64 n);
extern double sg_unseen_bound(int64 n);
extern char *sg_column_identity(Oid relid, AttrNumber attnum);
extern int	sg_shape_node_types(SgShapeNode *node);

/* jsonb_contract.c */
extern SgContract *sg_contract_parse(Jsonb *contract, List **unchecked);
extern SgContract *sg_contract_child(SgContract *parent, SgEdge edge,
									 const char *key, int keylen);
extern int	sg_contract_required_index(SgContract *parent,
									   const char *key, int keylen);
extern bool sg_contract_documents_key(SgContract *parent,
									  const char *key, int keylen);
extern bool sg_contract_enum_allows(SgContract *schema, JsonbValue *v);
extern void sg_contract_reset_counters(SgContract *schema);
extern void sg_remember_example(char **examples, int *nexamples,
								const char *row_key);

#endif							/* SG_JSONB_SHAPE_H */
