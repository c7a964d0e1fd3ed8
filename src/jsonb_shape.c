/*-------------------------------------------------------------------------
 *
 * jsonb_shape.c
 *		JSONB shape inference: jsonb_shape(), jsonb_shape_summary(),
 *		jsonb_infer_contract() and jsonb_snapshot().
 *
 * The column is read as the caller through SPI, so privileges and
 * row-level security apply; rows arrive one by one in a DestReceiver.
 * Each document is walked in its binary container format (no text round
 * trip, no recursion) and folded into a trie of paths that lives in its
 * own memory context; everything a row needs is freed by resetting a
 * per-row context.  The trie is capped by
 * schema_guard.jsonb_path_budget, and objects whose keys are data (ids,
 * dates, more distinct keys than schema_guard.jsonb_map_threshold) are
 * collapsed into ".*", so memory does not grow with the data.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"
#include "jsonb_shape.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "utils/numeric.h"
#include "executor/tuptable.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(sg_jsonb_shape);
PG_FUNCTION_INFO_V1(sg_jsonb_shape_summary);
PG_FUNCTION_INFO_V1(sg_jsonb_infer_contract);
PG_FUNCTION_INFO_V1(sg_jsonb_snapshot);
PG_FUNCTION_INFO_V1(sg_jsonb_snapshot_drop);

const char *const sg_json_type_names[SG_JT_COUNT] = {
	"object", "array", "string", "integer", "number", "boolean", "null"
};

static int	sg_jsonb_path_budget = 10000;
static int	sg_jsonb_map_threshold = 100;
static int	sg_jsonb_max_depth = 64;

/* A restart re-reads the rows once a map-like object has been recognised. */
#define SG_MAX_RESTARTS		8

/*
 * Keys longer than SG_MAX_KEY_BYTES are data (text, blobs, an attack), not
 * names: they collapse into ".*" like ids do.  Every node keeps a copy of
 * its key and every row of jsonb_shape() and of a snapshot carries its
 * whole path, so without this a few long keys nested under many paths
 * would take memory in the gigabytes.  For the same reason a key collapses
 * when the path's text would grow past SG_MAX_PATH_BYTES with it: a path
 * is then at most that plus 3 bytes ("[*]") per further level, which with
 * jsonb_max_depth at 64 also fits the btree primary key of
 * schema_guard.jsonb_snapshot_paths (about 2.7 kB a row).
 */
#define SG_MAX_KEY_BYTES	128
#define SG_MAX_PATH_BYTES	2000

/*
 * The keys of the last object read at a path, and the children they led to.
 * Objects at one path mostly repeat the same keys: when the key entries and
 * the key bytes are those of last time, the children are known without
 * reading a single key.  Small objects only, so that a memo stays small.
 */
#define SG_MEMO_MAX_KEYS	32
#define SG_MEMO_MAX_BYTES	512
#define SG_MEMO_MAX_MISSES	64

typedef struct SgKeyMemo
{
	bool		valid;			/* children[] is complete for these keys */
	uint32		count;			/* keys */
	uint32		keybytes;		/* bytes of key data */
	int			misses;			/* in a row: past SG_MEMO_MAX_MISSES, unused */
	JEntry		entries[SG_MEMO_MAX_KEYS];
	int32		children[SG_MEMO_MAX_KEYS];
	char		keys[SG_MEMO_MAX_BYTES];
} SgKeyMemo;

#define SG_Z95				1.959963984540054

void
sg_jsonb_define_gucs(void)
{
	DefineCustomIntVariable("schema_guard.jsonb_path_budget",
							"Maximum number of distinct paths one JSONB shape scan keeps.",
							"Values under paths beyond the budget are not counted; "
							"the scan reports how many.",
							&sg_jsonb_path_budget,
							10000, 16, 1000000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schema_guard.jsonb_map_threshold",
							"Distinct keys under one object path beyond which the "
							"object is treated as a map and its keys collapse into \".*\".",
							NULL,
							&sg_jsonb_map_threshold,
							100, 2, 1000000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("schema_guard.jsonb_max_depth",
							"Deepest path one JSONB shape scan keeps ($ is depth 0).",
							"Values nested deeper are not counted; the scan reports how many.",
							&sg_jsonb_max_depth,
							64, 1, 1000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/*
 * Validate the (table, column) of a scan and lock the table.  Returns the
 * column's attnum.  for_scan also checks that the caller may read it.
 */
AttrNumber
sg_jsonb_column(Oid relid, Name colname, bool for_scan)
{
	HeapTuple	tup;
	char		relkind;
	AttrNumber	attnum;
	Oid			typid;
	char	   *relname;

	LockRelationOid(relid, AccessShareLock);
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("The table may have been dropped; pass an existing table name.")));
	relkind = ((Form_pg_class) GETSTRUCT(tup))->relkind;
	ReleaseSysCache(tup);
	relname = get_rel_name(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, partitioned table or materialized view",
						relname),
				 errhint("JSONB shapes are read from stored rows.")));

	attnum = get_attnum(relid, NameStr(*colname));
	if (attnum == InvalidAttrNumber || attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						NameStr(*colname), relname),
				 errhint("Pass the name of a json or jsonb column of the table.")));

	typid = getBaseType(get_atttype(relid, attnum));
	if (typid != JSONBOID && typid != JSONOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type json or jsonb",
						NameStr(*colname), relname),
				 errdetail("The column is of type %s.",
						   format_type_be(get_atttype(relid, attnum))),
				 errhint("JSONB shape functions only read json and jsonb columns.")));

	if (for_scan &&
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for column \"%s\" of relation \"%s\"",
						NameStr(*colname), relname),
				 errhint("Shape functions run as the caller, who needs SELECT on the column.")));
	return attnum;
}

/*
 * Contracts and snapshots are not kept for temporary tables: those end
 * with their session without a sql_drop event, and the stored OID would
 * then name whatever table gets it next (in this database or a restore).
 */
void
sg_jsonb_refuse_temporary(Oid relid, bool snapshot)
{
	if (get_rel_persistence(relid) != RELPERSISTENCE_TEMP)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 snapshot ?
			 errmsg("cannot take a jsonb snapshot of temporary table \"%s\"",
					get_rel_name(relid)) :
			 errmsg("cannot register a jsonb contract for temporary table \"%s\"",
					get_rel_name(relid)),
			 errdetail("A temporary table ends with its session, and what is kept about it "
					   "would outlive it."),
			 errhint("Read its shape with schema_guard.jsonb_shape() instead.")));
}

void
sg_check_sample_percent(bool isnull, double sample_percent)
{
	if (isnull)
		return;
	if (isnan(sample_percent) || sample_percent <= 0 || sample_percent > 100)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_percent must be greater than 0 and at most 100"),
				 errdetail("sample_percent was %g.", sample_percent),
				 errhint("Pass NULL for a full scan.")));
}

/* 95% Wilson score interval of a proportion x/n. */
static void
sg_wilson(int64 x, int64 n, double *low, double *high)
{
	double		p,
				z2,
				denom,
				center,
				half;

	if (n <= 0)
	{
		*low = 0;
		*high = 1;
		return;
	}
	p = (double) x / n;
	z2 = SG_Z95 * SG_Z95;
	denom = 1 + z2 / n;
	center = (p + z2 / (2.0 * n)) / denom;
	half = SG_Z95 * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
	/* at the ends the interval touches 0 or 1 exactly, not within rounding */
	*low = x == 0 ? 0.0 : Max(0.0, center - half);
	*high = x == n ? 1.0 : Min(1.0, center + half);
}

double
sg_wilson_low(int64 x, int64 n)
{
	double		lo,
				hi;

	sg_wilson(x, n, &lo, &hi);
	return lo;
}

double
sg_wilson_high(int64 x, int64 n)
{
	double		lo,
				hi;

	sg_wilson(x, n, &lo, &hi);
	return hi;
}

/*
 * How common a path can be while n sampled documents all lack it: the exact
 * one-sided 95% bound, 1 - 0.05^(1/n), about 3/n (the "rule of three").
 */
double
sg_unseen_bound(int64 n)
{
	return n > 0 ? 1.0 - pow(0.05, 1.0 / n) : 1.0;
}

/* "public.orders.doc" */
char *
sg_column_identity(Oid relid, AttrNumber attnum)
{
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));
	char	   *rel = get_rel_name(relid);
	char	   *att = get_attname(relid, attnum, true);

	if (nsp == NULL || rel == NULL || att == NULL)
		return psprintf("%u.%d", relid, attnum);
	return psprintf("%s.%s", quote_qualified_identifier(nsp, rel),
					quote_identifier(att));
}

/* A key is written bare when it is an identifier, else as a JSON string. */
static bool
sg_key_is_bare(const char *key, int keylen)
{
	bool		bare = keylen > 0 &&
	(isalpha((unsigned char) key[0]) || key[0] == '_');

	for (int i = 1; bare && i < keylen; i++)
		bare = isalnum((unsigned char) key[i]) || key[i] == '_';
	for (int i = 0; bare && i < keylen; i++)
		bare = !IS_HIGHBIT_SET(key[i]);
	return bare;
}

/* Bytes that sg_append_path_key() writes for a key (escape_json's rules). */
static int
sg_path_key_bytes(const char *key, int keylen)
{
	int			n = 3;			/* the dot and the quotes */

	if (sg_key_is_bare(key, keylen))
		return 1 + keylen;
	for (int i = 0; i < keylen; i++)
	{
		unsigned char ch = (unsigned char) key[i];

		if (ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' ||
			ch == '\t' || ch == '"' || ch == '\\')
			n += 2;
		else if (ch < ' ')
			n += 6;
		else
			n++;
	}
	return n;
}

void
sg_append_path_key(StringInfo buf, const char *key, int keylen)
{
	appendStringInfoChar(buf, '.');
	if (sg_key_is_bare(key, keylen))
		appendBinaryStringInfo(buf, key, keylen);
	else
	{
		char	   *k = pnstrdup(key, keylen);

		escape_json(buf, k);
		pfree(k);
	}
}

/* The last segment of a node's path: "$", ".key", "[*]" or ".*". */
static void
sg_append_segment(StringInfo buf, SgShapeNode *sn)
{
	if (sn->edge == SG_EDGE_KEY)
		sg_append_path_key(buf, sn->key, sn->keylen);
	else if (sn->edge == SG_EDGE_ELEM)
		appendStringInfoString(buf, "[*]");
	else if (sn->edge == SG_EDGE_MAP)
		appendStringInfoString(buf, ".*");
	else
		appendStringInfoChar(buf, '$');
}

/* The nodes from $ down to n: chain[0] is $, chain[depth] is n. */
static void
sg_chain(SgShapeScan *scan, int32 n, int32 *chain)
{
	for (int i = scan->nodes[n].depth; i >= 0; i--)
	{
		chain[i] = n;
		n = scan->nodes[n].parent;
	}
}

char *
sg_shape_path(SgShapeScan *scan, int32 node)
{
	StringInfoData buf;
	int32	   *chain;
	int			depth = scan->nodes[node].depth;

	chain = palloc(sizeof(int32) * (depth + 1));
	sg_chain(scan, node, chain);
	initStringInfo(&buf);
	enlargeStringInfo(&buf, scan->nodes[node].pathlen);
	for (int i = 0; i <= depth; i++)
		sg_append_segment(&buf, &scan->nodes[chain[i]]);
	pfree(chain);
	return buf.data;
}

/* Scratch space to compare two paths without writing them out. */
typedef struct SgPathSort
{
	SgShapeScan *s;
	int32	   *cx;
	int32	   *cy;
	StringInfoData bx;
	StringInfoData by;
} SgPathSort;

/*
 * Compare the paths of nodes x and y as strcmp() compares their texts
 * (the order of jsonb_shape() and of drift findings), writing out only
 * what follows the deepest node they share: bounded memory, however many
 * paths are sorted.
 */
static int
sg_path_cmp(const void *a, const void *b, void *arg)
{
	SgPathSort *ps = arg;
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;
	int			dx,
				dy,
				k,
				c;

	if (x == y)
		return 0;
	dx = ps->s->nodes[x].depth;
	dy = ps->s->nodes[y].depth;
	sg_chain(ps->s, x, ps->cx);
	sg_chain(ps->s, y, ps->cy);
	/* $ is shared; the texts agree down to the last shared node */
	for (k = 1; k <= dx && k <= dy && ps->cx[k] == ps->cy[k]; k++)
		;
	if (k > dx)
		return -1;				/* x is a proper prefix of y */
	if (k > dy)
		return 1;
	/* first the segments where they part: they mostly decide */
	resetStringInfo(&ps->bx);
	resetStringInfo(&ps->by);
	sg_append_segment(&ps->bx, &ps->s->nodes[ps->cx[k]]);
	sg_append_segment(&ps->by, &ps->s->nodes[ps->cy[k]]);
	c = memcmp(ps->bx.data, ps->by.data, Min(ps->bx.len, ps->by.len));
	if (c != 0)
		return c;
	for (int i = k + 1; i <= dx; i++)
		sg_append_segment(&ps->bx, &ps->s->nodes[ps->cx[i]]);
	for (int i = k + 1; i <= dy; i++)
		sg_append_segment(&ps->by, &ps->s->nodes[ps->cy[i]]);
	c = memcmp(ps->bx.data, ps->by.data, Min(ps->bx.len, ps->by.len));
	if (c != 0)
		return c;
	return ps->bx.len < ps->by.len ? -1 : ps->bx.len > ps->by.len ? 1 : 0;
}

/*
 * Sort node numbers into the order of their paths' texts (as strcmp()
 * would), without holding every path in memory at once.
 */
void
sg_shape_sort_nodes(SgShapeScan *scan, int32 *nodes, int n)
{
	SgPathSort	ps;
	int			maxdepth = 0;

	if (n < 2)
		return;
	for (int i = 0; i < n; i++)
		maxdepth = Max(maxdepth, scan->nodes[nodes[i]].depth);
	ps.s = scan;
	ps.cx = palloc(sizeof(int32) * (maxdepth + 1));
	ps.cy = palloc(sizeof(int32) * (maxdepth + 1));
	initStringInfo(&ps.bx);
	initStringInfo(&ps.by);
	qsort_arg(nodes, n, sizeof(int32), sg_path_cmp, &ps);
	pfree(ps.cx);
	pfree(ps.cy);
	pfree(ps.bx.data);
	pfree(ps.by.data);
}

/* Mask of the types observed at a node. */
int
sg_shape_node_types(SgShapeNode *node)
{
	int			mask = 0;

	for (int t = 0; t < SG_JT_COUNT; t++)
		if (node->types[t].rows > 0)
			mask |= 1 << t;
	return mask;
}

/*
 * Keys that are data rather than names: numbers, uuids, ISO dates and long
 * hex strings (hashes, object ids).
 */
static bool
sg_key_looks_like_data(const char *key, int len)
{
	int			digits = 0,
				hex = 0,
				numeric = 0;

	if (len == 0)
		return false;
	/* most keys are names: reject them on the first character */
	if (!isxdigit((unsigned char) key[0]) && key[0] != '-')
		return false;
	for (int i = 0; i < len; i++)
	{
		if (isdigit((unsigned char) key[i]))
			digits++;
		if (isxdigit((unsigned char) key[i]))
			hex++;
		if (isdigit((unsigned char) key[i]) || key[i] == '-' || key[i] == '.')
			numeric++;
	}
	/* integers, possibly negative or with a fraction (keys end at len) */
	if (digits > 0 && numeric == len)
		return true;
	/* uuid 8-4-4-4-12 */
	if (len == 36 && hex == 32 && key[8] == '-' && key[13] == '-' &&
		key[18] == '-' && key[23] == '-')
		return true;
	/* ISO date, possibly with a time */
	if (len >= 10 && isdigit((unsigned char) key[0]) &&
		isdigit((unsigned char) key[3]) && key[4] == '-' && key[7] == '-' &&
		isdigit((unsigned char) key[9]))
		return true;
	return len >= 16 && hex == len;
}

/* The first n bytes (in memory order) of a word; n < 8. */
static inline uint64
sg_first_bytes(uint64 w, int n)
{
#ifdef WORDS_BIGENDIAN
	return n == 0 ? 0 : w & ~((UINT64CONST(1) << (8 * (8 - n))) - 1);
#else
	return w & ((UINT64CONST(1) << (8 * n)) - 1);
#endif
}

/* The first 8 bytes of a key, zero-padded: most keys end there. */
static inline uint64
sg_key_prefix(const char *key, int keylen, const char *docend)
{
	uint64		w = 0;

	/* one load and a mask when the document goes on for 8 more bytes */
	if (key + 8 <= docend)
	{
		memcpy(&w, key, 8);
		return keylen >= 8 ? w : sg_first_bytes(w, keylen);
	}

	/* constant sizes: a variable-length memcpy is a library call here */
	switch (Min(keylen, 8))
	{
		case 8:
			memcpy(&w, key, 8);
			break;
		case 7:
			memcpy(&w, key, 7);
			break;
		case 6:
			memcpy(&w, key, 6);
			break;
		case 5:
			memcpy(&w, key, 5);
			break;
		case 4:
			memcpy(&w, key, 4);
			break;
		case 3:
			memcpy(&w, key, 3);
			break;
		case 2:
			memcpy(&w, key, 2);
			break;
		case 1:
			memcpy(&w, key, 1);
			break;
	}
	return w;
}

static uint32
sg_key_hash(int32 parent, const char *key, int keylen)
{
	return hash_bytes((const unsigned char *) key, keylen) ^
		murmurhash32((uint32) parent);
}

static void
sg_hash_insert(SgShapeScan *s, int32 n)
{
	SgShapeNode *node = &s->nodes[n];
	uint32		mask = s->hash_size - 1;
	uint32		h = sg_key_hash(node->parent, node->key, node->keylen) & mask;

	while (s->hash[h] >= 0)
		h = (h + 1) & mask;
	s->hash[h] = n;
}

static void
sg_hash_grow(SgShapeScan *s)
{
	uint32		size = s->hash_size * 2;

	pfree(s->hash);
	s->hash = MemoryContextAlloc(s->cxt, sizeof(int32) * size);
	memset(s->hash, -1, sizeof(int32) * size);
	s->hash_size = size;
	for (int32 n = 0; n < s->nnodes; n++)
		if (s->nodes[n].edge == SG_EDGE_KEY)
			sg_hash_insert(s, n);
}

/* The named child of a node, or -1. */
int32
sg_shape_find_child(SgShapeScan *s, int32 parent, const char *key, int keylen)
{
	uint32		mask = s->hash_size - 1;
	uint32		h = sg_key_hash(parent, key, keylen) & mask;

	for (;;)
	{
		int32		n = s->hash[h];
		SgShapeNode *c;

		if (n < 0)
			return -1;
		c = &s->nodes[n];
		if (c->parent == parent && c->keylen == keylen &&
			memcmp(c->key, key, keylen) == 0)
			return n;
		h = (h + 1) & mask;
	}
}

/* Was this object path flagged map-like before a restart? */
static int
sg_flagged_map(SgShapeScan *s, int32 n)
{
	ListCell   *lc,
			   *lr;
	char	   *path = NULL;
	int			reasons = 0;

	forboth(lc, s->map_paths, lr, s->map_path_reasons)
	{
		const char *p = lfirst(lc);

		if (path == NULL)
			path = sg_shape_path(s, n);
		if (strcmp(p, path) == 0)
			reasons |= lfirst_int(lr);
	}
	if (path)
		pfree(path);
	return reasons;
}

static int32
sg_new_node(SgShapeScan *s, int32 parent, SgEdge edge,
			const char *key, int keylen)
{
	SgShapeNode *node;
	SgShapeNode *p = parent >= 0 ? &s->nodes[parent] : NULL;
	int32		n;

	if (p && p->depth >= sg_jsonb_max_depth)
	{
		s->depth_exhausted = true;
		p->children_lost = true;
		return -1;
	}
	if (s->nnodes >= sg_jsonb_path_budget)
	{
		s->budget_exhausted = true;
		if (p)
			p->children_lost = true;
		return -1;
	}
	if (s->nnodes >= s->nodes_alloc)
	{
		s->nodes_alloc *= 2;
		s->nodes = repalloc_huge(s->nodes, sizeof(SgShapeNode) * s->nodes_alloc);
		p = parent >= 0 ? &s->nodes[parent] : NULL;
	}
	n = s->nnodes++;
	node = &s->nodes[n];
	memset(node, 0, sizeof(SgShapeNode));
	node->parent = parent;
	node->edge = edge;
	node->depth = p ? p->depth + 1 : 0;
	if (p == NULL)
		node->pathlen = 1;		/* $ */
	else if (edge == SG_EDGE_KEY)
		node->pathlen = p->pathlen + sg_path_key_bytes(key, keylen);
	else
		node->pathlen = p->pathlen + (edge == SG_EDGE_ELEM ? 3 : 2);
	node->elem_child = -1;
	node->map_child = -1;
	node->first_guess = -1;
	node->next_guess = -1;
	node->last_doc = -1;
	node->req_index = -1;
	for (int t = 0; t < SG_JT_COUNT; t++)
	{
		node->types[t].last_doc = -1;
		/* an empty range, widened by the first length counted */
		node->types[t].min_len = PG_INT64_MAX;
		node->types[t].max_len = -1;
	}
	if (edge == SG_EDGE_KEY)
	{
		node->key = MemoryContextAlloc(s->cxt, keylen + 1);
		memcpy(node->key, key, keylen);
		node->key[keylen] = '\0';
		node->keylen = keylen;
		node->key8 = sg_key_prefix(key, keylen, key + keylen);
		p->nkeys++;
		if ((uint32) s->nnodes * 2 > s->hash_size)
			sg_hash_grow(s);
		else
			sg_hash_insert(s, n);
	}
	else if (edge == SG_EDGE_ELEM)
		p->elem_child = n;
	else if (edge == SG_EDGE_MAP)
		p->map_child = n;

	if (s->want_row_keys)
		node->ex = MemoryContextAllocZero(s->cxt, sizeof(SgExamples));
	if (s->contract)
	{
		node->contract = p ? sg_contract_child(p->contract, edge, key, keylen)
			: s->contract;
		if (edge == SG_EDGE_KEY)
			node->req_index = sg_contract_required_index(p->contract, key, keylen);
	}
	if (s->map_paths != NIL && (node->map_reasons = sg_flagged_map(s, n)) != 0)
		s->maps_collapsed++;
	return n;
}

/*
 * Flag an object path as map-like.  Keys already counted under their own
 * names make the scan start again, so that every count stays exact.
 */
static void
sg_flag_map(SgShapeScan *s, int32 n, int reason)
{
	SgShapeNode *node = &s->nodes[n];
	MemoryContext old;

	if (node->map_reasons == 0)
		s->maps_collapsed++;
	node->map_reasons |= reason;
	/* its keys may now lead elsewhere: forget them, even mid-recording */
	if (node->memo)
	{
		node->memo->valid = false;
		node->memo->count = UINT32_MAX;
	}
	if (reason != SG_MAP_CARDINALITY || node->nkeys == 0)
		return;
	if (s->restarts >= SG_MAX_RESTARTS)
	{
		/* keys counted by name so far stay; the scan says so at the end */
		s->late_maps++;
		return;
	}
	old = MemoryContextSwitchTo(s->keepcxt);
	s->map_paths = lappend(s->map_paths, sg_shape_path(s, n));
	s->map_path_reasons = lappend_int(s->map_path_reasons, reason);
	MemoryContextSwitchTo(old);
	s->restart = true;
}

static int32
sg_child(SgShapeScan *s, int32 parent, SgEdge edge, const char *key, int keylen)
{
	SgShapeNode *p;

	if (parent < 0)
		return -1;
	p = &s->nodes[parent];
	if (edge == SG_EDGE_KEY)
	{
		bool		documented = p->contract &&
		sg_contract_documents_key(p->contract, key, keylen);

		if (!documented)
		{
			if (keylen > SG_MAX_KEY_BYTES)
			{
				if (!(p->map_reasons & SG_MAP_LONG_KEY))
					sg_flag_map(s, parent, SG_MAP_LONG_KEY);
				edge = SG_EDGE_MAP;
			}
			else if (sg_key_looks_like_data(key, keylen))
			{
				if (!(p->map_reasons & SG_MAP_KEY_PATTERN))
					sg_flag_map(s, parent, SG_MAP_KEY_PATTERN);
				edge = SG_EDGE_MAP;
			}
			else if (p->map_reasons & SG_MAP_CARDINALITY)
				edge = SG_EDGE_MAP;
		}
		if (edge == SG_EDGE_KEY)
		{
			int32		n = sg_shape_find_child(s, parent, key, keylen);

			if (n >= 0)
				return n;
			if (!documented && p->nkeys >= sg_jsonb_map_threshold)
			{
				sg_flag_map(s, parent, SG_MAP_CARDINALITY);
				edge = SG_EDGE_MAP;
			}
			else if (!documented &&
					 p->pathlen + sg_path_key_bytes(key, keylen) > SG_MAX_PATH_BYTES)
			{
				if (!(p->map_reasons & SG_MAP_LONG_PATH))
					sg_flag_map(s, parent, SG_MAP_LONG_PATH);
				edge = SG_EDGE_MAP;
			}
			else
				return sg_new_node(s, parent, edge, key, keylen);
		}
	}
	if (edge == SG_EDGE_ELEM)
		return p->elem_child >= 0 ? p->elem_child :
			sg_new_node(s, parent, edge, NULL, 0);
	return p->map_child >= 0 ? p->map_child :
		sg_new_node(s, parent, SG_EDGE_MAP, NULL, 0);
}

/* The caller's row, for examples: primary key or ctid, as text (or NULL). */
static char *
sg_row_key(SgShapeScan *s)
{
	if (s->row_key_expr == NULL)
		return NULL;			/* the caller may not read one */
	if (s->cur_row_key == NULL)
	{
		bool		isnull;
		Datum		d = slot_getattr(s->cur_slot, 2, &isnull);
		MemoryContext old = MemoryContextSwitchTo(s->rowcxt);

		s->cur_row_key = isnull ? "NULL" : TextDatumGetCString(d);
		MemoryContextSwitchTo(old);
	}
	return s->cur_row_key;
}

void
sg_remember_example(char **examples, int *nexamples, const char *row_key)
{
	if (row_key != NULL && *nexamples < SG_MAX_EXAMPLES)
		examples[(*nexamples)++] = pstrdup(row_key);
}

/* How the characters of a string are counted, decided once per scan. */
typedef enum SgCharCount
{
	SG_CHARS_UTF8,
	SG_CHARS_BYTES,				/* single-byte encodings */
	SG_CHARS_MBLEN				/* other multibyte encodings */
} SgCharCount;

/* One open container of the document being walked. */
typedef struct SgFrame
{
	JsonbContainer *jc;
	char	   *base;			/* start of the data area */
	int32		node;			/* the container's path */
	uint32		count;			/* elements, or key/value pairs */
	uint32		i;				/* next child */
	uint32		koff;			/* data offset of the next key (objects) */
	uint32		voff;			/* data offset of the next value or element */
	int32		elem;			/* the [*] node of an array, found once */
	int32		prev;			/* the child of the previous key (objects) */
	bool		is_object;
	bool		known;			/* objects: memo->children are the children */
	SgKeyMemo  *memo;			/* objects: the memo read, or being written */
	uint64	   *seen_required;	/* drift: bit per "required" key */
} SgFrame;

/* The state of a scan's walk, kept from one document to the next. */
typedef struct SgWalk
{
	SgShapeScan *s;
	const char *docend;			/* end of the document being walked */
	SgCharCount chars;
	SgFrame    *frames;			/* the open containers, outermost first */
	int			frames_alloc;
} SgWalk;

/* Remember the current row as an example of type t at a path. */
static pg_noinline void
sg_count_example(SgShapeScan *s, SgShapeNode *node, SgJsonType t)
{
	MemoryContext old;

	if (node->ex->n[t] >= SG_MAX_EXAMPLES)
		return;
	old = MemoryContextSwitchTo(s->cxt);
	sg_remember_example(node->ex->row[t], &node->ex->n[t], sg_row_key(s));
	MemoryContextSwitchTo(old);
}

/*
 * Count a value of type t at node n, once per document for "docs" and
 * "rows".  Returns the type's counters, or NULL when the value has no node
 * (path budget or depth limit).
 */
static pg_attribute_always_inline SgTypeSlot *
sg_count(SgShapeScan *s, int32 n, SgJsonType t)
{
	SgShapeNode *node;
	SgTypeSlot *slot;

	if (unlikely(n < 0))
	{
		s->values_skipped++;
		return NULL;
	}
	node = &s->nodes[n];
	node->occurrences++;
	if (node->last_doc != s->cur_doc)
	{
		node->last_doc = s->cur_doc;
		node->docs++;
	}
	slot = &node->types[t];
	if (slot->last_doc != s->cur_doc)
	{
		slot->last_doc = s->cur_doc;
		slot->rows++;
		if (unlikely(node->ex != NULL))
			sg_count_example(s, node, t);
	}
	return slot;
}

/* Widen the length range of a type at a path (new slots hold an empty one). */
static inline void
sg_count_length(SgTypeSlot *slot, int64 len)
{
	if (len < slot->min_len)
		slot->min_len = len;
	if (len > slot->max_len)
		slot->max_len = len;
}

/*
 * Does a number have no fractional part (1.0 and 1e2 do)?  Numbers are
 * frequent, so this reads the stored form of numeric (on-disk stable, see
 * numeric.c) rather than calling numeric_min_scale() through fmgr: base-10000
 * digits with their weight, trailing zero digits never stored.  It is
 * integral when no digit lies after the units digit.  Special values
 * (not in jsonb) take the slow path.
 */
static pg_attribute_always_inline bool
sg_numeric_is_integral(Numeric num)
{
	const char *p = VARDATA_ANY(num);
	int			len = VARSIZE_ANY_EXHDR(num);
	uint16		header;
	int			weight;
	int			ndigits;

	memcpy(&header, p, sizeof(uint16));
	if ((header & 0xC000) == 0x8000)
	{
		/* short format: a 7-bit signed weight in the header */
		weight = (header & 0x003F) | ((header & 0x0040) ? ~0x003F : 0);
		ndigits = (len - 2) / 2;
	}
	else if ((header & 0xC000) != 0xC000)
	{
		/* long format: an int16 weight after the header */
		int16		w;

		memcpy(&w, p + 2, sizeof(int16));
		weight = w;
		ndigits = (len - 4) / 2;
	}
	else
		return DatumGetInt32(DirectFunctionCall1(numeric_min_scale,
												 NumericGetDatum(num))) == 0;
	return ndigits == 0 || weight >= ndigits - 1;
}

/*
 * Characters of a UTF-8 string: its bytes less the continuation bytes
 * (10xxxxxx).  Most strings are ASCII, which one pass of 8-byte loads
 * proves; the tail is loaded whole, masked, when the document goes on for
 * 8 more bytes.
 */
static pg_attribute_always_inline int64
sg_utf8_chars(const char *p, int len, const char *docend)
{
	const uint64 high = UINT64CONST(0x8080808080808080);
	uint64		any = 0;
	uint64		w;
	int64		cont = 0;
	int			i = 0;

	for (; i + 8 <= len; i += 8)
	{
		memcpy(&w, p + i, 8);
		any |= w;
	}
	if (i < len && p + i + 8 <= docend)
	{
		memcpy(&w, p + i, 8);
		any |= sg_first_bytes(w, len - i);
		i = len;
	}
	for (; i < len; i++)
		any |= (unsigned char) p[i];
	if ((any & high) == 0)
		return len;
	for (i = 0; i < len; i++)
		cont += ((p[i] & 0xC0) == 0x80);
	return len - cont;
}

/* Count a string of len bytes at p: its length is in characters. */
static pg_attribute_always_inline void
sg_count_string(SgWalk *w, int32 n, const char *p, int len)
{
	SgTypeSlot *slot = sg_count(w->s, n, SG_JT_STRING);
	int64		chars;

	if (slot == NULL)
		return;

	/*
	 * A string has between len / 4 and len characters: when both bounds lie
	 * inside the range already seen, its exact length cannot move it.
	 */
	if (len <= slot->max_len && (len + 3) / 4 >= slot->min_len)
		return;
	if (w->chars == SG_CHARS_UTF8)
		chars = sg_utf8_chars(p, len, w->docend);
	else if (w->chars == SG_CHARS_BYTES)
		chars = len;
	else
		chars = pg_mbstrlen_with_len(p, len);
	sg_count_length(slot, chars);
}

/*
 * Drift: a documented path's value outside its "enum".  The JsonbValue is
 * built only here, for the contract's comparison.
 */
static pg_noinline void
sg_check_enum(SgShapeScan *s, SgContract *c, JEntry e, char *base,
			  uint32 start, uint32 end)
{
	JsonbValue	v;
	MemoryContext old;

	if (JBE_ISSTRING(e))
	{
		v.type = jbvString;
		v.val.string.val = base + start;
		v.val.string.len = end - start;
	}
	else if (JBE_ISNUMERIC(e))
	{
		v.type = jbvNumeric;
		v.val.numeric = (Numeric) (base + INTALIGN(start));
	}
	else if (JBE_ISBOOL_TRUE(e) || JBE_ISBOOL_FALSE(e))
	{
		v.type = jbvBool;
		v.val.boolean = JBE_ISBOOL_TRUE(e);
	}
	else
		v.type = jbvNull;
	if (c->enum_last_doc == s->cur_doc || sg_contract_enum_allows(c, &v))
		return;
	old = MemoryContextSwitchTo(s->cxt);
	c->enum_last_doc = s->cur_doc;
	c->enum_docs++;
	sg_remember_example(c->enum_examples, &c->nenum_examples, sg_row_key(s));
	MemoryContextSwitchTo(old);
}

/* Count a scalar stored at [start, end) of a container's data area. */
static pg_attribute_always_inline void
sg_scalar(SgWalk *w, int32 n, JEntry e, char *base, uint32 start, uint32 end)
{
	SgShapeScan *s = w->s;
	SgContract *c;

	switch (e & JENTRY_TYPEMASK)
	{
		case JENTRY_ISSTRING:
			sg_count_string(w, n, base + start, end - start);
			break;
		case JENTRY_ISNUMERIC:
			/* 1.0 is an integer, as in JSON Schema */
			sg_count(s, n, sg_numeric_is_integral((Numeric) (base + INTALIGN(start))) ?
					 SG_JT_INTEGER : SG_JT_NUMBER);
			break;
		case JENTRY_ISBOOL_FALSE:
		case JENTRY_ISBOOL_TRUE:
			sg_count(s, n, SG_JT_BOOLEAN);
			break;
		case JENTRY_ISNULL:
			sg_count(s, n, SG_JT_NULL);
			break;
		default:
			elog(ERROR, "unexpected jsonb entry type %u", e & JENTRY_TYPEMASK);
	}
	if (unlikely(s->contract != NULL) && n >= 0 &&
		(c = s->nodes[n].contract) != NULL && c->enum_values)
		sg_check_enum(s, c, e, base, start, end);
}

/* Check the "required" keys of an object that ends. */
static pg_noinline void
sg_check_required(SgShapeScan *s, int32 node, const uint64 *seen_required)
{
	SgContract *c = s->nodes[node].contract;

	for (int i = 0; i < c->nrequired; i++)
	{
		if (seen_required[i / 64] & (UINT64CONST(1) << (i % 64)))
			continue;
		if (c->missing_last_doc[i] != s->cur_doc)
		{
			MemoryContext old = MemoryContextSwitchTo(s->cxt);

			c->missing_last_doc[i] = s->cur_doc;
			c->missing_docs[i]++;
			sg_remember_example(c->missing_examples[i], &c->nmissing_examples[i],
								sg_row_key(s));
			MemoryContextSwitchTo(old);
		}
	}
}

/*
 * The child for a key of an object.  Documents of one column mostly repeat
 * their keys in the same (sorted) order, so each node remembers which key
 * followed it last time (and each object its first key): that guess is
 * checked before the hash table.  An optional key only costs a lookup for
 * itself and the key after it.
 */
static pg_attribute_always_inline int32
sg_key_child(SgShapeScan *s, int32 parent, const char *key, int keylen, int32 prev,
			 const char *docend)
{
	int32	   *guess;
	int32		c;

	if (parent < 0)
		return -1;
	guess = prev >= 0 ? &s->nodes[prev].next_guess : &s->nodes[parent].first_guess;
	if ((c = *guess) >= 0)
	{
		SgShapeNode *cn = &s->nodes[c];

		if (cn->keylen == keylen && cn->key8 == sg_key_prefix(key, keylen, docend) &&
			(keylen <= 8 || memcmp(cn->key + 8, key + 8, keylen - 8) == 0))
			return c;
	}
	c = sg_child(s, parent, SG_EDGE_KEY, key, keylen);
	/* the node array may have moved */
	guess = prev >= 0 ? &s->nodes[prev].next_guess : &s->nodes[parent].first_guess;
	if (c >= 0 && s->nodes[c].edge == SG_EDGE_KEY)
		*guess = c;
	return c;
}

/*
 * The data offset at which child i of a container starts: the lengths of
 * the children before it, summed back to the nearest one that stores its
 * end offset instead (every JB_OFFSET_STRIDE-th, utils/jsonb.h).
 */
static inline uint32
sg_child_offset(const JsonbContainer *jc, uint32 i)
{
	uint32		off = 0;

	while (i > 0)
	{
		JEntry		e = jc->children[--i];

		off += JBE_OFFLENFLD(e);
		if (JBE_HAS_OFF(e))
			break;
	}
	return off;
}

/*
 * Are the keys of object jc (keybytes of key data at base) those of the
 * memo of node n?  If not, the memo starts recording them (the frame fills
 * in the children as the keys are read).
 */
static pg_attribute_always_inline void
sg_memo_open(SgShapeScan *s, SgFrame *f, int32 n, uint32 keybytes)
{
	SgKeyMemo  *memo = s->nodes[n].memo;
	JsonbContainer *jc = f->jc;

	if (f->count > SG_MEMO_MAX_KEYS || keybytes > SG_MEMO_MAX_BYTES)
		return;
	if (memo == NULL)
	{
		memo = MemoryContextAlloc(s->cxt, sizeof(SgKeyMemo));
		memo->valid = false;
		memo->misses = 0;
		s->nodes[n].memo = memo;
	}
	else if (memo->valid && memo->count == f->count && memo->keybytes == keybytes &&
			 memcmp(memo->entries, jc->children, f->count * sizeof(JEntry)) == 0 &&
			 memcmp(memo->keys, f->base, keybytes) == 0)
	{
		memo->misses = 0;
		f->known = true;
		f->memo = memo;
		return;
	}
	else if (++memo->misses > SG_MEMO_MAX_MISSES)
	{
		/* the keys change too often for a memo to pay */
		memo->misses = SG_MEMO_MAX_MISSES;
		return;
	}
	memo->valid = false;
	memo->count = f->count;
	memo->keybytes = keybytes;
	memcpy(memo->entries, jc->children, f->count * sizeof(JEntry));
	memcpy(memo->keys, f->base, keybytes);
	f->memo = memo;
}

/*
 * Count a container value at node n and return it as a frame.  Inlined into
 * the walk, where the frame being read lives in registers.
 */
static pg_attribute_always_inline SgFrame
sg_open(SgShapeScan *s, JsonbContainer *jc, int32 n)
{
	SgFrame		f;
	SgTypeSlot *slot;

	f.count = JsonContainerSize(jc);
	f.is_object = JsonContainerIsObject(jc);
	f.jc = jc;
	f.node = n;
	f.i = 0;
	f.koff = 0;
	f.prev = -1;
	f.known = false;
	f.memo = NULL;
	f.seen_required = NULL;
	if (f.is_object)
	{
		/* keys, then values, then the data */
		f.base = (char *) &jc->children[f.count * 2];
		f.voff = sg_child_offset(jc, f.count);
		f.elem = -1;
		if (sg_count(s, n, SG_JT_OBJECT) != NULL)
		{
			s->nodes[n].objects++;
			if (f.count > (uint32) sg_jsonb_map_threshold &&
				!(s->nodes[n].map_reasons & SG_MAP_CARDINALITY))
				sg_flag_map(s, n, SG_MAP_CARDINALITY);
			if (unlikely(s->contract != NULL))
			{
				/* drift reads every key, for "required" */
				if (s->nodes[n].contract && s->nodes[n].contract->nrequired > 0)
					f.seen_required = palloc0(sizeof(uint64) *
											  ((s->nodes[n].contract->nrequired + 63) / 64));
			}
			else
				sg_memo_open(s, &f, n, f.voff);
		}
	}
	else
	{
		f.base = (char *) &jc->children[f.count];
		f.voff = 0;
		f.elem = -1;
		if ((slot = sg_count(s, n, SG_JT_ARRAY)) != NULL)
		{
			sg_count_length(slot, f.count);
			if (f.count > 0)
				f.elem = s->nodes[n].elem_child >= 0 ? s->nodes[n].elem_child :
					sg_child(s, n, SG_EDGE_ELEM, NULL, 0);
		}
	}
	return f;
}

/*
 * Fold one document into the trie, reading the jsonb container format
 * directly (utils/jsonb.h).  No recursion: the containers that enclose the
 * one being read wait in a stack as deep as the data.
 */
static void
sg_walk(SgWalk *w, Jsonb *jb)
{
	SgShapeScan *s = w->s;
	JsonbContainer *root = &jb->root;
	const char *docend = (const char *) jb + VARSIZE(jb);
	int			depth = 0;		/* frames waiting in w->frames */
	uint32		nvalues = 0;
	SgFrame		f;

	w->docend = docend;

	/*
	 * The walk reads the whole document: ask for all of it now rather than
	 * waiting for each cache line in turn.
	 */
#if defined(__GNUC__) || defined(__clang__)
	for (const char *p = (const char *) jb + 64; p < docend; p += 64)
		__builtin_prefetch(p);
#endif

	if (JsonContainerIsScalar(root))
	{
		/* a top-level scalar is stored as a one-element array */
		uint32		end = 0;

		JBE_ADVANCE_OFFSET(end, root->children[0]);
		sg_scalar(w, 0, root->children[0], (char *) &root->children[1], 0, end);
		return;
	}
	f = sg_open(s, root, 0);
	for (;;)
	{
		JEntry		e;
		int32		child;
		uint32		start;

		if (f.i >= f.count)
		{
			if (unlikely(f.seen_required != NULL))
				sg_check_required(s, f.node, f.seen_required);
			/* a memo written for this object, unless a map flag spoilt it */
			if (f.memo && !f.known && f.memo->count == f.count)
				f.memo->valid = true;
			if (depth == 0)
				break;
			f = w->frames[--depth];
			continue;
		}
		if ((++nvalues & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (f.known)
		{
			child = f.memo->children[f.i];
			e = f.jc->children[f.i + f.count];
		}
		else if (f.is_object)
		{
			JEntry		ke = f.jc->children[f.i];
			uint32		kstart = f.koff;

			JBE_ADVANCE_OFFSET(f.koff, ke);
			child = sg_key_child(s, f.node, f.base + kstart, f.koff - kstart,
								 f.prev, docend);
			f.prev = child;
			if (unlikely(f.seen_required != NULL))
			{
				/*
				 * The key is there even when the path budget or the depth
				 * limit left it without a node.
				 */
				int			r = child >= 0 ? s->nodes[child].req_index :
				sg_contract_required_index(s->nodes[f.node].contract,
										   f.base + kstart, f.koff - kstart);

				if (r >= 0)
					f.seen_required[r / 64] |= UINT64CONST(1) << (r % 64);
			}
			if (f.memo)
				f.memo->children[f.i] = child;
			e = f.jc->children[f.i + f.count];
		}
		else
		{
			e = f.jc->children[f.i];
			child = f.elem;
		}
		start = f.voff;
		JBE_ADVANCE_OFFSET(f.voff, e);
		f.i++;
		if (JBE_ISCONTAINER(e))
		{
			if (depth >= w->frames_alloc)
			{
				w->frames_alloc *= 2;
				w->frames = repalloc(w->frames, sizeof(SgFrame) * w->frames_alloc);
			}
			w->frames[depth++] = f;
			f = sg_open(s, (JsonbContainer *) (f.base + INTALIGN(start)), child);
		}
		else
			sg_scalar(w, child, e, f.base, start, f.voff);
	}
}

static void
sg_scan_reset(SgShapeScan *s)
{
	MemoryContextReset(s->cxt);
	s->nodes_alloc = 64;
	s->nodes = MemoryContextAlloc(s->cxt, sizeof(SgShapeNode) * s->nodes_alloc);
	s->nnodes = 0;
	s->hash_size = 256;
	s->hash = MemoryContextAlloc(s->cxt, sizeof(int32) * s->hash_size);
	memset(s->hash, -1, sizeof(int32) * s->hash_size);
	s->rows_scanned = s->null_documents = s->documents = 0;
	s->values_skipped = 0;
	s->budget_exhausted = false;
	s->depth_exhausted = false;
	s->maps_collapsed = 0;
	s->late_maps = 0;
	s->cur_doc = 0;
	if (s->contract)
		sg_contract_reset_counters(s->contract);
	/* the root exists even for a table of NULLs */
	sg_new_node(s, -1, SG_EDGE_ROOT, NULL, 0);
}

/* Rows read by a full scan, or the planner's count for a sample. */
static double
sg_estimate_rows(SgShapeScan *s)
{
	List	   *rels;
	ListCell   *lc;
	double		total = 0;
	bool		known = false;

	if (!s->sampled)
		return (double) s->rows_scanned;
	rels = find_all_inheritors(s->relid, AccessShareLock, NULL);
	foreach(lc, rels)
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tup))
			continue;
		if (((Form_pg_class) GETSTRUCT(tup))->reltuples >= 0 &&
			((Form_pg_class) GETSTRUCT(tup))->relkind != RELKIND_PARTITIONED_TABLE)
		{
			total += ((Form_pg_class) GETSTRUCT(tup))->reltuples;
			known = true;
		}
		ReleaseSysCache(tup);
	}
	if (!known)
		total = s->rows_scanned * 100.0 / s->sample_percent;
	return total;
}

/*
 * How rows are named in examples: the primary key, else the ctid (with the
 * partition or child table when the scan reads several), whichever the
 * caller may read (ctid needs SELECT on the table itself); NULL when the
 * caller may read neither, and examples stay empty.
 */
static char *
sg_row_key_expression(Oid relid, char **label)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Oid			pk = SG_PRIMARY_KEY_INDEX(rel);
	bool		tree = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ||
	rel->rd_rel->relhassubclass;
	bool		table_readable = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
	StringInfoData expr;
	StringInfoData cols;

	relation_close(rel, NoLock);
	initStringInfo(&expr);
	initStringInfo(&cols);
	if (OidIsValid(pk))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
		Form_pg_index idx;
		bool		readable = true;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", pk);
		idx = (Form_pg_index) GETSTRUCT(tup);
		for (int i = 0; i < idx->indnkeyatts; i++)
		{
			AttrNumber	attnum = idx->indkey.values[i];
			const char *att = quote_identifier(get_attname(relid, attnum, false));

			appendStringInfo(&cols, "%s%s", i ? ", " : "", att);
			if (!table_readable &&
				pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
				readable = false;
		}
		if (idx->indnkeyatts == 1)
			appendStringInfo(&expr, "%s::pg_catalog.text", cols.data);
		else
			appendStringInfo(&expr, "ROW(%s)::pg_catalog.text", cols.data);
		ReleaseSysCache(tup);
		if (readable)
		{
			*label = psprintf("primary key (%s)", cols.data);
			return expr.data;
		}
	}
	if (!table_readable)
	{
		*label = NULL;
		return NULL;
	}
	resetStringInfo(&expr);
	if (tree)
	{
		appendStringInfoString(&expr, "tableoid::pg_catalog.regclass::pg_catalog.text "
							   "OPERATOR(pg_catalog.||) ctid::pg_catalog.text");
		*label = pstrdup("table and ctid");
	}
	else
	{
		appendStringInfoString(&expr, "ctid::pg_catalog.text");
		*label = pstrdup("ctid");
	}
	return expr.data;
}

/* The query that reads the column, as the caller. */
static char *
sg_scan_query(SgShapeScan *s)
{
	StringInfoData q;
	char	   *rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(s->relid)),
												 get_rel_name(s->relid));
	const char *col = quote_identifier(get_attname(s->relid, s->attnum, false));
	bool		is_json = getBaseType(get_atttype(s->relid, s->attnum)) == JSONOID;

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s%s", col, is_json ? "::pg_catalog.jsonb" : "");
	if (s->want_row_keys)
	{
		s->row_key_expr = sg_row_key_expression(s->relid, &s->row_key_label);
		if (s->row_key_expr)
			appendStringInfo(&q, ", %s", s->row_key_expr);
	}
	appendStringInfo(&q, " FROM %s", rel);
	if (s->sampled)
		appendStringInfo(&q, " TABLESAMPLE %s (%.17g) REPEATABLE (%d)",
						 s->block_sample ? "SYSTEM" : "BERNOULLI",
						 s->sample_percent, s->seed);
	return q.data;
}

/*
 * Rows arrive one by one in a DestReceiver: nothing is copied into an SPI
 * tuple table, and returning false stops the scan when it must restart.
 */
typedef struct SgReceiver
{
	DestReceiver pub;
	SgWalk		w;
} SgReceiver;

static bool
sg_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SgReceiver *r = (SgReceiver *) self;
	SgShapeScan *s = r->w.s;
	bool		isnull;
	Datum		d;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	s->rows_scanned++;
	d = slot_getattr(slot, 1, &isnull);
	if (isnull)
	{
		s->null_documents++;
		return true;
	}
	s->documents++;
	s->cur_doc++;
	s->cur_row_key = NULL;
	s->cur_slot = slot;
	old = MemoryContextSwitchTo(s->rowcxt);
	sg_walk(&r->w, DatumGetJsonbP(d));
	MemoryContextSwitchTo(old);
	MemoryContextReset(s->rowcxt);
	return !s->restart;
}

static void
sg_receiver_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
sg_receiver_shutdown(DestReceiver *self)
{
}

static void
sg_receiver_destroy(DestReceiver *self)
{
}

/*
 * Run the read-only plan with every row going to dest.  Without
 * SPI_execute_plan_extended, the plan's cursor is run into dest, as SPI's own
 * cursor fetch does with its tuple table.
 */
int
sg_spi_execute_into(SPIPlanPtr plan, DestReceiver *dest)
{
#ifndef SG_NEED_SPI_DEST_SHIM
	SPIExecuteOptions options;

	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = dest;
	return SPI_execute_plan_extended(plan, &options);
#else
	Portal		portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);

	PortalRunFetch(portal, FETCH_FORWARD, FETCH_ALL, dest);
	SPI_cursor_close(portal);
	return SPI_OK_SELECT;
#endif
}

void
sg_shape_scan(SgShapeScan *s)
{
	SgSpi		spi;
	TimestampTz start = GetCurrentTimestamp();
	MemoryContext walkcxt;
	char	   *query;
	SPIPlanPtr	plan;
	SgReceiver	r;

	s->cxt = AllocSetContextCreate(CurrentMemoryContext,
								   "schema_guard jsonb shape",
								   ALLOCSET_DEFAULT_SIZES);
	walkcxt = AllocSetContextCreate(CurrentMemoryContext,
									"schema_guard jsonb walk",
									ALLOCSET_DEFAULT_SIZES);
	/* big enough that a typical row never goes back to malloc */
	s->rowcxt = AllocSetContextCreate(walkcxt,
									  "schema_guard jsonb row",
									  0, 256 * 1024, ALLOCSET_DEFAULT_MAXSIZE);
	s->keepcxt = walkcxt;
	query = sg_scan_query(s);
	s->map_paths = NIL;
	s->map_path_reasons = NIL;
	s->restarts = 0;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = sg_receive;
	r.pub.rStartup = sg_receiver_startup;
	r.pub.rShutdown = sg_receiver_shutdown;
	r.pub.rDestroy = sg_receiver_destroy;
	r.pub.mydest = DestNone;
	r.w.s = s;
	if (GetDatabaseEncoding() == PG_UTF8)
		r.w.chars = SG_CHARS_UTF8;
	else if (pg_database_encoding_max_length() == 1)
		r.w.chars = SG_CHARS_BYTES;
	else
		r.w.chars = SG_CHARS_MBLEN;
	r.w.frames_alloc = 64;
	r.w.frames = MemoryContextAlloc(walkcxt, sizeof(SgFrame) * r.w.frames_alloc);

	sg_spi_connect(&spi, false);
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	for (;;)
	{
		int			rc;

		sg_scan_reset(s);
		s->restart = false;
		/* read-only: every restart reads the same snapshot */
		rc = sg_spi_execute_into(plan, (DestReceiver *) &r);
		/* a SELECT into a DestReceiver of our own reports SPI_OK_UTILITY */
		if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
			elog(ERROR, "could not read %s: %s",
				 sg_column_identity(s->relid, s->attnum), SPI_result_code_string(rc));
		MemoryContextReset(s->rowcxt);
		if (!s->restart)
			break;
		s->restarts++;
	}
	sg_spi_finish(&spi);
	MemoryContextDelete(walkcxt);
	s->map_paths = s->map_path_reasons = NIL;
	s->keepcxt = s->rowcxt = NULL;
	s->cur_slot = NULL;

	s->est_total_rows = sg_estimate_rows(s);
	s->elapsed_ms = (double) (GetCurrentTimestamp() - start) / 1000.0;

	if (s->depth_exhausted)
		ereport(WARNING,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jsonb documents of %s nest deeper than %d levels",
						sg_column_identity(s->relid, s->attnum), sg_jsonb_max_depth),
				 errdetail("Values below that depth were not counted (%lld values skipped in all).",
						   (long long) s->values_skipped),
				 errhint("Raise schema_guard.jsonb_max_depth to see deeper paths.")));
	if (s->late_maps > 0)
		ereport(WARNING,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("counts under %d map-like object %s of %s are not exact",
						s->late_maps, s->late_maps == 1 ? "path" : "paths",
						sg_column_identity(s->relid, s->attnum)),
				 errdetail("The scan started again %d times, its limit, to collapse "
						   "map-like objects recognised late; the keys of those "
						   "recognised after that are counted partly by name and "
						   "partly under \".*\".",
						   s->restarts),
				 errhint("Lower schema_guard.jsonb_map_threshold so that map-like "
						 "objects are recognised in fewer documents.")));
	if (s->budget_exhausted)
		ereport(WARNING,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jsonb path budget of %d distinct paths exhausted on %s",
						sg_jsonb_path_budget, sg_column_identity(s->relid, s->attnum)),
				 errdetail("%lld values under further paths were not counted.",
						   (long long) s->values_skipped),
				 errhint("Raise schema_guard.jsonb_path_budget, or lower "
						 "schema_guard.jsonb_map_threshold so that map-like objects collapse.")));
}

/* Read the common arguments (tbl, col, sample_percent, seed). */
static void
sg_shape_args(FunctionCallInfo fcinfo, SgShapeScan *s)
{
	sg_require_extension_current();
	memset(s, 0, sizeof(SgShapeScan));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table and column must not be NULL"),
				 errhint("Pass a table name and the name of its json or jsonb column.")));
	if (PG_NARGS() > 3 && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed must not be NULL"),
				 errhint("Any integer makes the sample repeatable; the default is 0.")));
	s->relid = PG_GETARG_OID(0);
	s->attnum = sg_jsonb_column(s->relid, PG_GETARG_NAME(1), true);
	if (PG_NARGS() > 2)
	{
		sg_check_sample_percent(PG_ARGISNULL(2), PG_ARGISNULL(2) ? 0 : PG_GETARG_FLOAT8(2));
		s->sampled = !PG_ARGISNULL(2);
		s->sample_percent = s->sampled ? PG_GETARG_FLOAT8(2) : 100;
	}
	if (PG_NARGS() > 3)
		s->seed = PG_GETARG_INT32(3);
}

/* A row of jsonb_shape(): a (path, type); the path is written when emitted. */
typedef struct SgShapeRow
{
	int32		node;
	SgJsonType	type;
} SgShapeRow;

/*
 * Rows of jsonb_shape(), sorted by path and type.  Paths are not written
 * here: the caller writes each one as it emits its row.
 */
static SgShapeRow *
sg_shape_rows(SgShapeScan *s, int *nrows)
{
	int32	   *order = palloc(sizeof(int32) * s->nnodes);
	SgShapeRow *rows;
	int			nnodes = 0;
	int			n = 0;

	for (int32 i = 0; i < s->nnodes; i++)
		if (sg_shape_node_types(&s->nodes[i]) != 0)
			order[nnodes++] = i;
	sg_shape_sort_nodes(s, order, nnodes);
	rows = palloc(sizeof(SgShapeRow) * (Size) Max(nnodes, 1) * SG_JT_COUNT);
	for (int i = 0; i < nnodes; i++)
		for (int t = 0; t < SG_JT_COUNT; t++)
		{
			if (s->nodes[order[i]].types[t].rows == 0)
				continue;
			rows[n].node = order[i];
			rows[n].type = t;
			n++;
		}
	pfree(order);
	*nrows = n;
	return rows;
}

/* Why the keys of a ".*" path were collapsed. */
static char *
sg_map_note(SgShapeScan *s, SgShapeNode *node)
{
	int			reasons;
	const char *why[4];
	int			n = 0;
	StringInfoData buf;

	if (node->edge != SG_EDGE_MAP)
		return NULL;
	reasons = s->nodes[node->parent].map_reasons;
	if (reasons & SG_MAP_KEY_PATTERN)
		why[n++] = "keys look like ids, numbers or dates";
	if (reasons & SG_MAP_CARDINALITY)
		why[n++] = psprintf("more than %d distinct keys", sg_jsonb_map_threshold);
	if (reasons & SG_MAP_LONG_KEY)
		why[n++] = "keys longer than " CppAsString2(SG_MAX_KEY_BYTES) " bytes";
	if (reasons & SG_MAP_LONG_PATH)
		why[n++] = "keys that would make the path longer than "
			CppAsString2(SG_MAX_PATH_BYTES) " bytes";
	initStringInfo(&buf);
	appendStringInfoString(&buf, "map-like object: ");
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i == 0 ? "" : ", and ", why[i]);
	appendStringInfoString(&buf, "; collapsed into .*");
	return buf.data;
}

Datum
sg_jsonb_shape(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SgShapeScan s;
	SgShapeRow *rows;
	int			nrows;
	MemoryContext rowcxt;
	MemoryContext old;
	char	   *path = NULL;

	sg_shape_args(fcinfo, &s);
	sg_init_materialized_srf(fcinfo);
	sg_shape_scan(&s);
	rows = sg_shape_rows(&s, &nrows);
	/* one path at a time: the tuplestore goes to disk past work_mem */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "schema_guard jsonb_shape row",
								   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(rowcxt);
	for (int i = 0; i < nrows; i++)
	{
		SgShapeNode *node = &s.nodes[rows[i].node];
		SgTypeSlot *slot = &node->types[rows[i].type];
		Datum		values[10];
		bool		nulls[10] = {0};
		char	   *note;
		bool		has_len = rows[i].type == SG_JT_ARRAY || rows[i].type == SG_JT_STRING;

		/* the types of a path follow one another */
		if (i == 0 || rows[i].node != rows[i - 1].node)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(rowcxt);
			path = sg_shape_path(&s, rows[i].node);
		}
		note = sg_map_note(&s, node);
		values[0] = CStringGetTextDatum(path);
		values[1] = CStringGetTextDatum(sg_json_type_names[rows[i].type]);
		values[2] = Int64GetDatum(slot->rows);
		values[3] = Float8GetDatum(s.documents ? (double) node->docs / s.documents : 0);
		if (s.sampled)
		{
			values[4] = Float8GetDatum(sg_wilson_low(slot->rows, s.documents));
			values[5] = Float8GetDatum(sg_wilson_high(slot->rows, s.documents));
		}
		else
		{
			values[4] = values[5] =
				Float8GetDatum(s.documents ? (double) slot->rows / s.documents : 0);
		}
		values[6] = Int64GetDatum(slot->min_len);
		values[7] = Int64GetDatum(slot->max_len);
		nulls[6] = nulls[7] = !has_len;
		values[8] = Int32GetDatum(node->depth);
		nulls[9] = (note == NULL);
		if (note)
			values[9] = CStringGetTextDatum(note);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(rowcxt);
	MemoryContextDelete(s.cxt);
	return (Datum) 0;
}

Datum
sg_jsonb_shape_summary(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	SgShapeScan s;
	Datum		values[14];
	bool		nulls[14] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	sg_shape_args(fcinfo, &s);
	sg_shape_scan(&s);

	values[0] = CStringGetTextDatum(s.sampled ? "sampled" : "full");
	values[1] = Float8GetDatum(s.sample_percent);
	values[2] = Int32GetDatum(s.seed);
	nulls[1] = nulls[2] = !s.sampled;
	values[3] = Int64GetDatum(s.rows_scanned);
	values[4] = Int64GetDatum(s.null_documents);
	values[5] = Float8GetDatum(s.est_total_rows);
	values[6] = Int32GetDatum(s.nnodes);
	values[7] = Int32GetDatum(s.maps_collapsed);
	values[8] = BoolGetDatum(s.budget_exhausted);
	values[9] = Int64GetDatum(s.values_skipped);
	/* how common a path can be and still be missed by the sample */
	values[10] = Float8GetDatum(s.sampled ? sg_unseen_bound(s.documents) : 0);
	values[11] = Int32GetDatum(s.restarts);
	values[12] = BoolGetDatum(s.depth_exhausted);
	values[13] = Float8GetDatum(s.elapsed_ms);
	MemoryContextDelete(s.cxt);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* Children of every node, sorted by key, for the JSON Schema export. */
typedef struct SgChildren
{
	int			n;
	int32	   *idx;
} SgChildren;

static SgShapeScan *sg_sort_scan;

static int
sg_child_cmp(const void *a, const void *b)
{
	SgShapeNode *x = &sg_sort_scan->nodes[*(const int32 *) a];
	SgShapeNode *y = &sg_sort_scan->nodes[*(const int32 *) b];
	int			c = memcmp(x->key, y->key, Min(x->keylen, y->keylen));

	return c != 0 ? c : x->keylen - y->keylen;
}

/* Separate the members of a JSON object being written. */
static void
sg_member(StringInfo buf, bool *first, const char *name)
{
	if (!*first)
		appendStringInfoString(buf, ", ");
	*first = false;
	appendStringInfo(buf, "\"%s\": ", name);
}

static void
sg_schema_types(StringInfo buf, bool *first, SgShapeNode *node)
{
	int			mask = sg_shape_node_types(node);
	int			n = 0;

	/* integer is a number: say "number" once when both occur */
	if ((mask & (1 << SG_JT_NUMBER)) && (mask & (1 << SG_JT_INTEGER)))
		mask &= ~(1 << SG_JT_INTEGER);
	for (int t = 0; t < SG_JT_COUNT; t++)
		n += (mask >> t) & 1;
	if (n == 0)
		return;
	sg_member(buf, first, "type");
	if (n > 1)
		appendStringInfoChar(buf, '[');
	for (int t = 0, k = 0; t < SG_JT_COUNT; t++)
		if (mask & (1 << t))
			appendStringInfo(buf, "%s\"%s\"", k++ ? ", " : "", sg_json_type_names[t]);
	if (n > 1)
		appendStringInfoChar(buf, ']');
}

/* Write the schema of node n; "prefix" holds members that come first. */
static void
sg_schema_node(StringInfo buf, SgShapeScan *s, SgChildren *kids, int32 n,
			   const char *prefix)
{
	SgShapeNode *node = &s->nodes[n];
	SgChildren *k = &kids[n];
	bool		first = true;
	bool		any_required = false;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	appendStringInfoChar(buf, '{');
	if (prefix)
	{
		appendStringInfoString(buf, prefix);
		first = false;
	}
	sg_schema_types(buf, &first, node);
	if (k->n > 0)
	{
		sg_member(buf, &first, "properties");
		appendStringInfoChar(buf, '{');
		for (int i = 0; i < k->n; i++)
		{
			SgShapeNode *c = &s->nodes[k->idx[i]];

			if (i > 0)
				appendStringInfoString(buf, ", ");
			escape_json(buf, c->key);
			appendStringInfoString(buf, ": ");
			sg_schema_node(buf, s, kids, k->idx[i], NULL);
		}
		appendStringInfoChar(buf, '}');
		/* in every object at this path, in every document that has the path */
		for (int i = 0; i < k->n; i++)
		{
			SgShapeNode *c = &s->nodes[k->idx[i]];

			if (c->occurrences != node->objects || c->docs != node->docs)
				continue;
			if (!any_required)
			{
				sg_member(buf, &first, "required");
				appendStringInfoChar(buf, '[');
			}
			else
				appendStringInfoString(buf, ", ");
			escape_json(buf, c->key);
			any_required = true;
		}
		if (any_required)
			appendStringInfoChar(buf, ']');
	}
	if (node->map_child >= 0)
	{
		sg_member(buf, &first, "additionalProperties");
		sg_schema_node(buf, s, kids, node->map_child, NULL);
	}
	if (node->elem_child >= 0)
	{
		sg_member(buf, &first, "items");
		sg_schema_node(buf, s, kids, node->elem_child, NULL);
	}
	appendStringInfoChar(buf, '}');
}

Datum
sg_jsonb_infer_contract(PG_FUNCTION_ARGS)
{
	SgShapeScan s;
	SgChildren *kids;
	StringInfoData buf;
	StringInfoData desc;
	char	   *prefix;
	Datum		result;

	sg_shape_args(fcinfo, &s);
	sg_shape_scan(&s);

	kids = palloc0(sizeof(SgChildren) * s.nnodes);
	for (int32 i = 0; i < s.nnodes; i++)
		if (s.nodes[i].edge == SG_EDGE_KEY)
			kids[s.nodes[i].parent].n++;
	for (int32 i = 0; i < s.nnodes; i++)
	{
		kids[i].idx = palloc(sizeof(int32) * Max(kids[i].n, 1));
		kids[i].n = 0;
	}
	for (int32 i = 0; i < s.nnodes; i++)
		if (s.nodes[i].edge == SG_EDGE_KEY)
		{
			SgChildren *k = &kids[s.nodes[i].parent];

			k->idx[k->n++] = i;
		}
	sg_sort_scan = &s;
	for (int32 i = 0; i < s.nnodes; i++)
		if (kids[i].n > 1)
			qsort(kids[i].idx, kids[i].n, sizeof(int32), sg_child_cmp);

	initStringInfo(&desc);
	appendStringInfo(&desc, "inferred by schema_guard from %lld documents of %s (%s)",
					 (long long) s.documents, sg_column_identity(s.relid, s.attnum),
					 s.sampled ? psprintf("%g%% sample, seed %d", s.sample_percent, s.seed) :
					 "full scan");
	initStringInfo(&buf);
	appendStringInfoString(&buf, "\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"description\": ");
	escape_json(&buf, desc.data);
	prefix = buf.data;
	initStringInfo(&buf);
	sg_schema_node(&buf, &s, kids, 0, prefix);
	result = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
	MemoryContextDelete(s.cxt);
	PG_RETURN_DATUM(result);
}

/*
 * jsonb_snapshot(tbl, col, sample_percent, seed): store the inferred shape
 * with a timestamp; returns the snapshot id.
 */
Datum
sg_jsonb_snapshot(PG_FUNCTION_ARGS)
{
	SgSpi		spi;
	SgShapeScan s;
	SgShapeRow *rows;
	int			nrows;
	int64		id;
	bool		isnull;
	Oid			htypes[9] = {OIDOID, NAMEOID, TEXTOID, FLOAT8OID, INT4OID,
	INT8OID, INT8OID, BOOLOID, NAMEOID};
	Datum		hargs[9];
	char		hnulls[9] = "         ";
	NameData	taker;
	Oid			ptypes[8] = {INT8OID, TEXTOID, TEXTOID, INT8OID, FLOAT8OID,
	FLOAT8OID, INT8OID, INT8OID};
	SPIPlanPtr	plan;
	MemoryContext rowcxt;

	sg_shape_args(fcinfo, &s);
	sg_jsonb_refuse_temporary(s.relid, true);
	sg_shape_scan(&s);
	rows = sg_shape_rows(&s, &nrows);
	namestrcpy(&taker, GetUserNameFromId(GetUserId(), false));

	hargs[0] = ObjectIdGetDatum(s.relid);
	hargs[1] = PG_GETARG_DATUM(1);
	hargs[2] = CStringGetTextDatum(s.sampled ? "sampled" : "full");
	hargs[3] = Float8GetDatum(s.sample_percent);
	hargs[4] = Int32GetDatum(s.seed);
	hargs[5] = Int64GetDatum(s.rows_scanned);
	hargs[6] = Int64GetDatum(s.null_documents);
	hargs[7] = BoolGetDatum(s.budget_exhausted);
	hargs[8] = NameGetDatum(&taker);
	if (!s.sampled)
		hnulls[3] = hnulls[4] = 'n';

	/*
	 * The scan ran as the caller; only the function writes snapshots, as the
	 * extension owner, in the caller's name and at the server's time.
	 */
	sg_spi_connect(&spi, true);
	if (SPI_execute_with_args("INSERT INTO schema_guard.jsonb_snapshots "
							  "(tbl, col, method, sample_percent, seed, rows_scanned, "
							  "null_documents, budget_exhausted, taken_by) "
							  "VALUES ($1::pg_catalog.regclass, $2, $3, $4, $5, $6, $7, $8, $9) "
							  "RETURNING id",
							  9, htypes, hargs, hnulls, false, 1) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not store the snapshot");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	plan = SPI_prepare("INSERT INTO schema_guard.jsonb_snapshot_paths "
					   "(snapshot_id, path, type, rows, presence, ratio, min_length, max_length) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8, ptypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the snapshot insert");
	/* one path at a time */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "schema_guard jsonb_snapshot row",
								   ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < nrows; i++)
	{
		SgShapeNode *node = &s.nodes[rows[i].node];
		SgTypeSlot *slot = &node->types[rows[i].type];
		bool		has_len = rows[i].type == SG_JT_ARRAY || rows[i].type == SG_JT_STRING;
		Datum		pargs[8];
		char		pnulls[8] = "        ";
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(rowcxt);
		old = MemoryContextSwitchTo(rowcxt);
		pargs[0] = Int64GetDatum(id);
		pargs[1] = CStringGetTextDatum(sg_shape_path(&s, rows[i].node));
		pargs[2] = CStringGetTextDatum(sg_json_type_names[rows[i].type]);
		pargs[3] = Int64GetDatum(slot->rows);
		pargs[4] = Float8GetDatum(s.documents ? (double) node->docs / s.documents : 0);
		pargs[5] = Float8GetDatum(s.documents ? (double) slot->rows / s.documents : 0);
		pargs[6] = Int64GetDatum(slot->min_len);
		pargs[7] = Int64GetDatum(slot->max_len);
		if (!has_len)
			pnulls[6] = pnulls[7] = 'n';
		MemoryContextSwitchTo(old);
		if (SPI_execute_plan(plan, pargs, pnulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not store the snapshot");
	}
	MemoryContextDelete(rowcxt);
	sg_spi_finish(&spi);
	MemoryContextDelete(s.cxt);
	PG_RETURN_INT64(id);
}

/*
 * jsonb_snapshot_drop(id bigint): remove a snapshot and its paths, for its
 * taker or a member of the table owner's role.  Like jsonb_snapshot(), it
 * writes as the extension owner: no other role may write the tables (or so
 * lock them).  Returns whether there was such a snapshot.
 */
Datum
sg_jsonb_snapshot_drop(PG_FUNCTION_ARGS)
{
	SgSpi		spi;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	bool		isnull;
	Oid			relid;
	char	   *taker;
	HeapTuple	tup;
	bool		allowed;

	args[0] = PG_GETARG_DATUM(0);
	sg_spi_connect(&spi, true);
	if (SPI_execute_with_args("SELECT tbl::pg_catalog.oid, taken_by::pg_catalog.text "
							  "FROM schema_guard.jsonb_snapshots "
							  "WHERE id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read schema_guard.jsonb_snapshots");
	if (SPI_processed == 0)
	{
		sg_spi_finish(&spi);
		PG_RETURN_BOOL(false);
	}
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	taker = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

	/* the caller's rights, not the owner's we run as */
	allowed = strcmp(taker, GetUserNameFromId(spi.saved_userid, false)) == 0;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!allowed && HeapTupleIsValid(tup))
		allowed = has_privs_of_role(spi.saved_userid,
									((Form_pg_class) GETSTRUCT(tup))->relowner);
	if (HeapTupleIsValid(tup))
		ReleaseSysCache(tup);
	if (!allowed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to drop jsonb snapshot " INT64_FORMAT,
						PG_GETARG_INT64(0)),
				 errhint("A snapshot is dropped by its taker or a member of the table owner's role.")));

	if (SPI_execute_with_args("DELETE FROM schema_guard.jsonb_snapshots "
							  "WHERE id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not drop the snapshot");
	sg_spi_finish(&spi);
	PG_RETURN_BOOL(true);
}
