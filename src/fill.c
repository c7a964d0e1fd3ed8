/*-------------------------------------------------------------------------
 *
 * fill.c
 *		schema_guard.fill() and schema_guard.fill_schema(): realistic rows,
 *		made from the declared schema alone, deterministic by seed.
 *
 * Every value is made in C from a random stream seeded by (seed, row
 * counter, try, column), so the same seed on the same schema makes the
 * same rows whatever the batch size.  Constraints shape the values where
 * they can be read: comparisons with constants and IN-lists of CHECK
 * constraints, domain checks and partition bounds become ranges and lists
 * to draw from; lengths come from typmods.  Then every row is checked as
 * the server would check it (table CHECKs, domain CHECKs, the partition
 * constraint of the partition it is meant for) and made again, a bounded
 * number of times, when it fails.  UNIQUE and primary key columns take
 * values made injective from the row counter; foreign key columns take
 * keys read from the referenced table as the caller.  Rows are inserted
 * through the executor as the caller, in batches of one multi-row INSERT
 * ... ON CONFLICT DO NOTHING, so privileges, row-level security, triggers
 * and every constraint apply exactly as for the caller's own INSERT.
 *
 * The round-trip code (issue 11) fills tables through these functions;
 * they live in their own file rather than in roundtrip.c.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"
#include "jsonb_shape.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

PG_FUNCTION_INFO_V1(sg_fill);
PG_FUNCTION_INFO_V1(sg_fill_schema);

#define FILL_TRIES		100		/* tries per row before it is given up */
#define FILL_GIVE_UP	50		/* rows given up before any was made: stop */
#define FILL_MAX_KEYS	10000	/* referenced keys read per foreign key */
#define FILL_MAX_BATCH	200		/* rows per INSERT */
#define FILL_MAX_PARAMS 65535	/* parameters of one statement */

typedef enum FillKind
{
	FILL_K_NONE,				/* no generator: NULL or nothing */
	FILL_K_BOOL,
	FILL_K_INT,
	FILL_K_NUMERIC,
	FILL_K_FLOAT,
	FILL_K_MONEY,
	FILL_K_DATE,
	FILL_K_TIME,
	FILL_K_TIMESTAMP,
	FILL_K_TEXT,
	FILL_K_CHAR1,
	FILL_K_TIMETZ,
	FILL_K_INTERVAL,
	FILL_K_UUID,
	FILL_K_JSON,
	FILL_K_JSONB,
	FILL_K_BYTEA,
	FILL_K_INET,
	FILL_K_CIDR,
	FILL_K_MACADDR,
	FILL_K_MACADDR8,
	FILL_K_BIT,
	FILL_K_VARBIT,
	FILL_K_ENUM,
	FILL_K_ARRAY,
	FILL_K_RANGE,
	FILL_K_POINT,
	FILL_K_LINE,
	FILL_K_LSEG,
	FILL_K_BOX,
	FILL_K_PATH,
	FILL_K_POLYGON,
	FILL_K_CIRCLE,
	FILL_K_TSVECTOR,
	FILL_K_TSQUERY,
	FILL_K_OID,
	FILL_K_LSN,
	FILL_K_XML
} FillKind;

/* Ordered kinds draw an int64 in "units" from a range. */
#define FILL_ORDERED(k) ((k) >= FILL_K_INT && (k) <= FILL_K_TIMESTAMP)

/* How values of one base type are made. */
typedef struct FillType
{
	FillKind	kind;
	Oid			typid;
	int32		typmod;
	int			scale;			/* numeric: digits after the point */
	int64		type_lo;		/* ordered: what the type holds, in units */
	int64		type_hi;
	int64		def_lo;			/* ordered: realistic values, in units */
	int64		def_hi;
	int			maxlen;			/* text, bit: from the typmod; 0 = none */
	FmgrInfo	in;				/* text input function */
	Oid			ioparam;
	Oid		   *labels;			/* enum: in sort order */
	int			nlabels;
	struct FillType *elem;		/* array element, range subtype */
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	FmgrInfo	elemout;		/* range: the subtype's output function */
} FillType;

/* What the constraints say about one column. */
typedef struct FillCons
{
	bool		has_lo;
	bool		has_hi;
	int64		lo;
	int64		hi;
	Datum	   *in;				/* IN-list, values of the base type */
	int			nin;
	int			minlen;
	int			maxlen;			/* 0 = none */
	bool		notnull;
} FillCons;

typedef struct FillCol
{
	AttrNumber	attnum;
	char	   *name;
	Oid			typid;			/* the column's type */
	Oid			paramtype;		/* its base type when it is a domain */
	bool		server;			/* default, identity, generated: not given */
	bool		notnull;
	bool		unique;			/* values injective in the row counter */
	int			fk;				/* the foreign key it takes values from */
	int			fkpos;			/* its position in that key */
	FillType   *ty;
	DomainConstraintRef *dom;	/* domain: its constraints */
	SgContract *contract;		/* json/jsonb: the registered contract */
	uint64		salt;			/* per (seed, column) */
} FillCol;

typedef struct FillFk
{
	char	   *conname;
	Oid			confrelid;
	int			ncols;
	AttrNumber	attnums[INDEX_MAX_KEYS];
	AttrNumber	refattnums[INDEX_MAX_KEYS];
	bool		nullable;		/* every column may be NULL */
	bool		nulled;			/* left NULL to break a cycle */
	bool		radix;			/* part of a unique key: keys by counter */
	uint64		stride;
	uint64		salt;
	int			nkeys;
	Datum	   *keys;			/* nkeys * ncols */
	bool	   *keynulls;
} FillFk;

/* A partition rows are routed to (or the table itself). */
typedef struct FillLeaf
{
	char	   *ident;
	ExprState  *qual;			/* its partition constraint, or NULL */
	FillCons   *cons;			/* per attribute */
} FillLeaf;

typedef struct FillCheck
{
	char	   *name;
	ExprState  *state;
} FillCheck;

typedef struct FillTable
{
	Relation	rel;
	char	   *ident;
	int			natts;
	FillCol    *cols;			/* per attribute (attnum - 1) */
	int		   *gen;			/* attribute indexes of the given columns */
	int			ngen;
	FillFk	   *fks;
	int			nfks;
	FillCheck  *checks;
	int			nchecks;
	FillLeaf   *leaves;
	int			nleaves;
	EState	   *estate;
	TupleTableSlot *slot;
	char	   *impossible;		/* why no row can be made, or NULL */
	uint64		seed;
	const char *why;			/* the check the last try failed */
} FillTable;

typedef struct FillResult
{
	int64		inserted;
	int64		not_made;
	StringInfoData note;
} FillResult;

/* splitmix64: a bijective mixer and the random stream built on it. */
static inline uint64
fill_mix(uint64 x)
{
	x += UINT64CONST(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static inline uint64
fill_next(uint64 *state)
{
	*state += UINT64CONST(0x9e3779b97f4a7c15);
	return fill_mix(*state);
}

static inline uint64
fill_below(uint64 *state, uint64 n)
{
	return n == 0 ? 0 : fill_next(state) % n;
}

static const char *const fill_words[] = {
	"amber", "birch", "cedar", "delta", "ember", "falcon", "garnet", "harbor",
	"indigo", "juniper", "kestrel", "lagoon", "maple", "nectar", "orchid",
	"pepper", "quartz", "raven", "saffron", "timber", "umber", "violet",
	"willow", "xenon", "yarrow", "zephyr", "atlas", "beacon", "comet",
	"dune", "echo", "fjord"
};

static void fill_add_note(FillResult *res, const char *fmt,...) pg_attribute_printf(2, 3);

static void
fill_add_note(FillResult *res, const char *fmt,...)
{
	va_list		args;
	char		buf[1024];

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	if (res->note.len > 0)
		appendStringInfoString(&res->note, "; ");
	appendStringInfoString(&res->note, buf);
}

/* A constraint's name; an error, not a NULL, after a concurrent drop. */
static char *
fill_constraint_name(Oid conoid)
{
	char	   *name = get_constraint_name(conoid);

	if (name == NULL)
		elog(ERROR, "cache lookup failed for constraint %u", conoid);
	return name;
}

/* ---------------------------------------------------------------------
 * Types
 * ---------------------------------------------------------------------
 */

static int64
fill_pow10(int n)
{
	int64		r = 1;

	while (n-- > 0)
		r *= 10;
	return r;
}

static FillType *
fill_type(Oid typid, int32 typmod, int depth)
{
	FillType   *ty = palloc0(sizeof(FillType));
	Oid			infn;
	const int64 day = 86400;

	check_stack_depth();
	ty->typid = typid;
	ty->typmod = typmod;
	getTypeInputInfo(typid, &infn, &ty->ioparam);
	fmgr_info(infn, &ty->in);

	switch (typid)
	{
		case BOOLOID:
			ty->kind = FILL_K_BOOL;
			break;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			ty->kind = FILL_K_INT;
			ty->type_lo = typid == INT2OID ? PG_INT16_MIN :
				typid == INT4OID ? PG_INT32_MIN : PG_INT64_MIN;
			ty->type_hi = typid == INT2OID ? PG_INT16_MAX :
				typid == INT4OID ? PG_INT32_MAX : PG_INT64_MAX;
			ty->def_lo = 1;
			ty->def_hi = 1000;
			break;
		case NUMERICOID:
			{
				int			precision = 18;

				ty->kind = FILL_K_NUMERIC;
				ty->scale = 2;
				if (typmod >= (int32) VARHDRSZ)
				{
					precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
					/* 15 on: the scale may be negative (11 bits, signed) */
					ty->scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
					ty->scale = Max(ty->scale, 0);
					precision = Min(precision, 18);
				}
				ty->type_hi = fill_pow10(precision) - 1;
				ty->type_lo = -ty->type_hi;
				ty->def_lo = 0;
				ty->def_hi = 1000 * fill_pow10(ty->scale);
				break;
			}
		case FLOAT4OID:
		case FLOAT8OID:
		case CASHOID:
			ty->kind = typid == CASHOID ? FILL_K_MONEY : FILL_K_FLOAT;
			ty->type_hi = INT64CONST(1000000000000000);
			ty->type_lo = -ty->type_hi;
			ty->def_lo = 0;
			ty->def_hi = 100000;
			break;
		case DATEOID:
			ty->kind = FILL_K_DATE;
			ty->type_lo = -700000;
			ty->type_hi = 2900000;
			ty->def_lo = 7305;	/* 2020-01-01, days since 2000-01-01 */
			ty->def_hi = 9496;	/* 2025-12-31 */
			break;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			ty->kind = FILL_K_TIMESTAMP;
			ty->type_lo = -700000 * day;
			ty->type_hi = 2900000 * day;
			ty->def_lo = 7305 * day;
			ty->def_hi = 9497 * day - 1;
			break;
		case TIMEOID:
			ty->kind = FILL_K_TIME;
			ty->type_lo = ty->def_lo = 0;
			ty->type_hi = ty->def_hi = day - 1;
			break;
		case TIMETZOID:
			ty->kind = FILL_K_TIMETZ;
			break;
		case INTERVALOID:
			ty->kind = FILL_K_INTERVAL;
			break;
		case CHAROID:
			ty->kind = FILL_K_CHAR1;
			break;
		case UUIDOID:
			ty->kind = FILL_K_UUID;
			break;
		case JSONOID:
			ty->kind = FILL_K_JSON;
			break;
		case JSONBOID:
			ty->kind = FILL_K_JSONB;
			break;
		case BYTEAOID:
			ty->kind = FILL_K_BYTEA;
			break;
		case INETOID:
			ty->kind = FILL_K_INET;
			break;
		case CIDROID:
			ty->kind = FILL_K_CIDR;
			break;
		case MACADDROID:
			ty->kind = FILL_K_MACADDR;
			break;
		case MACADDR8OID:
			ty->kind = FILL_K_MACADDR8;
			break;
		case BITOID:
			ty->kind = FILL_K_BIT;
			ty->maxlen = typmod > 0 ? typmod : 1;
			break;
		case VARBITOID:
			ty->kind = FILL_K_VARBIT;
			ty->maxlen = typmod > 0 ? Min(typmod, 16) : 8;
			break;
		case POINTOID:
			ty->kind = FILL_K_POINT;
			break;
		case LINEOID:
			ty->kind = FILL_K_LINE;
			break;
		case LSEGOID:
			ty->kind = FILL_K_LSEG;
			break;
		case BOXOID:
			ty->kind = FILL_K_BOX;
			break;
		case PATHOID:
			ty->kind = FILL_K_PATH;
			break;
		case POLYGONOID:
			ty->kind = FILL_K_POLYGON;
			break;
		case CIRCLEOID:
			ty->kind = FILL_K_CIRCLE;
			break;
		case TSVECTOROID:
			ty->kind = FILL_K_TSVECTOR;
			break;
		case TSQUERYOID:
			ty->kind = FILL_K_TSQUERY;
			break;
		case OIDOID:
			ty->kind = FILL_K_OID;
			break;
		case LSNOID:
			ty->kind = FILL_K_LSN;
			break;
		case XMLOID:
			ty->kind = FILL_K_XML;
			break;
		case NAMEOID:
			ty->kind = FILL_K_TEXT;
			ty->maxlen = NAMEDATALEN - 1;
			break;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			ty->kind = FILL_K_TEXT;
			if (typmod >= (int32) VARHDRSZ)
				ty->maxlen = typmod - VARHDRSZ;
			break;
		default:
			{
				char		typtype = get_typtype(typid);
				char		category;
				bool		preferred;
				Oid			elem = get_element_type(typid);

				get_type_category_preferred(typid, &category, &preferred);
				if (typtype == TYPTYPE_ENUM)
				{
					CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME,
														   ObjectIdGetDatum(typid));
					float4	   *order = palloc(sizeof(float4) * Max(list->n_members, 1));

					ty->kind = FILL_K_ENUM;
					ty->labels = palloc(sizeof(Oid) * Max(list->n_members, 1));
					/* insertion sort by enumsortorder: enums are short */
					for (int i = 0; i < list->n_members; i++)
					{
						Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);
						int			j = ty->nlabels++;

						while (j > 0 && order[j - 1] > e->enumsortorder)
						{
							order[j] = order[j - 1];
							ty->labels[j] = ty->labels[j - 1];
							j--;
						}
						order[j] = e->enumsortorder;
						ty->labels[j] = e->oid;
					}
					ReleaseSysCacheList(list);
					if (ty->nlabels == 0)
						ty->kind = FILL_K_NONE;
				}
				else if (OidIsValid(elem) && depth == 0 &&
						 get_typlen(typid) == -1)
				{
					int32		etypmod = typmod;
					Oid			ebase = getBaseTypeAndTypmod(elem, &etypmod);

					ty->kind = FILL_K_ARRAY;
					ty->elem = fill_type(ebase, etypmod, depth + 1);
					if (ty->elem->kind == FILL_K_NONE)
						ty->kind = FILL_K_NONE;
					get_typlenbyvalalign(elem, &ty->elemlen, &ty->elembyval,
										 &ty->elemalign);
					ty->ioparam = elem;
				}
				else if (typtype == TYPTYPE_RANGE && depth == 0)
				{
					Oid			sub = get_range_subtype(typid);
					Oid			outfn;
					bool		varlena;

					ty->kind = FILL_K_RANGE;
					ty->elem = fill_type(sub, -1, depth + 1);
					if (!FILL_ORDERED(ty->elem->kind))
						ty->kind = FILL_K_NONE;
					getTypeOutputInfo(sub, &outfn, &varlena);
					fmgr_info(outfn, &ty->elemout);
				}
				else if (category == TYPCATEGORY_STRING)
					ty->kind = FILL_K_TEXT;
				else
					ty->kind = FILL_K_NONE;
			}
	}
	return ty;
}

/* Values of an ordered type, in its units; false when v is not one. */
static bool
fill_units(FillType *ty, Datum v, Oid vtype, double *x)
{
	double		val;

	switch (ty->kind)
	{
		case FILL_K_INT:
		case FILL_K_NUMERIC:
		case FILL_K_FLOAT:
		case FILL_K_MONEY:
			switch (vtype)
			{
				case INT2OID:
					val = DatumGetInt16(v);
					break;
				case INT4OID:
					val = DatumGetInt32(v);
					break;
				case INT8OID:
					val = (double) DatumGetInt64(v);
					break;
				case NUMERICOID:
					if (numeric_is_nan(DatumGetNumeric(v)))
						return false;
					val = DatumGetFloat8(DirectFunctionCall1(numeric_float8, v));
					break;
				case FLOAT4OID:
					val = DatumGetFloat4(v);
					break;
				case FLOAT8OID:
					val = DatumGetFloat8(v);
					break;
				case CASHOID:
					val = DatumGetInt64(v) / 100.0;
					break;
				default:
					return false;
			}
			if (ty->kind == FILL_K_NUMERIC)
				val *= (double) fill_pow10(ty->scale);
			else if (ty->kind != FILL_K_INT)
				val *= 100;
			break;
		case FILL_K_DATE:
		case FILL_K_TIMESTAMP:
			if (vtype == DATEOID)
			{
				if (DATE_NOT_FINITE(DatumGetDateADT(v)))
					return false;
				val = DatumGetDateADT(v);
				if (ty->kind == FILL_K_TIMESTAMP)
					val *= 86400;
			}
			else if (vtype == TIMESTAMPOID || vtype == TIMESTAMPTZOID)
			{
				if (TIMESTAMP_NOT_FINITE(DatumGetTimestamp(v)))
					return false;
				val = DatumGetTimestamp(v) / (double) USECS_PER_SEC;
				if (ty->kind == FILL_K_DATE)
					val /= 86400;
			}
			else
				return false;
			break;
		case FILL_K_TIME:
			if (vtype != TIMEOID)
				return false;
			val = DatumGetTimeADT(v) / (double) USECS_PER_SEC;
			break;
		default:
			return false;
	}
	if (isnan(val) || val > 9.0e18 || val < -9.0e18)
		return false;
	*x = val;
	return true;
}

/* ---------------------------------------------------------------------
 * What CHECK constraints, domain checks and partition bounds say
 * ---------------------------------------------------------------------
 */

static Node *
fill_strip(Node *n)
{
	for (;;)
	{
		if (n && IsA(n, RelabelType))
			n = (Node *) ((RelabelType *) n)->arg;
		else if (n && IsA(n, FuncExpr) &&
				 ((FuncExpr *) n)->funcformat == COERCE_IMPLICIT_CAST &&
				 list_length(((FuncExpr *) n)->args) == 1)
			n = linitial(((FuncExpr *) n)->args);
		else
			return n;
	}
}

/* The attribute index a node reads (the domain's VALUE is dom_att). */
static int
fill_subject(Node *n, int dom_att)
{
	n = fill_strip(n);
	if (n && IsA(n, Var) && ((Var *) n)->varlevelsup == 0 &&
		((Var *) n)->varattno > 0)
		return ((Var *) n)->varattno - 1;
	if (n && IsA(n, CoerceToDomainValue))
		return dom_att;
	return -1;
}

static Const *
fill_const(Node *n)
{
	n = fill_strip(n);
	if (n && IsA(n, Const) && !((Const *) n)->constisnull)
		return (Const *) n;
	return NULL;
}

/* A constant as a value of the column's base type, or false. */
static bool
fill_convert(FillType *ty, Datum v, Oid vtype, Datum *out)
{
	char		vcat,
				tcat;
	bool		pref;
	Oid			outfn;
	bool		varlena;

	if (vtype == ty->typid)
	{
		int16		len;
		bool		byval;

		get_typlenbyval(vtype, &len, &byval);
		*out = datumCopy(v, byval, len);
		return true;
	}
	get_type_category_preferred(vtype, &vcat, &pref);
	get_type_category_preferred(ty->typid, &tcat, &pref);
	if (vcat != TYPCATEGORY_STRING || tcat != TYPCATEGORY_STRING)
		return false;
	getTypeOutputInfo(vtype, &outfn, &varlena);
	*out = InputFunctionCall(&ty->in, OidOutputFunctionCall(outfn, v),
							 ty->ioparam, ty->typmod);
	return true;
}

static void
fill_bound(FillCons *c, FillType *ty, const char *op, Const *k)
{
	double		x;

	if (!fill_units(ty, k->constvalue, k->consttype, &x))
		return;
	if (strcmp(op, ">") == 0 || strcmp(op, ">=") == 0 || strcmp(op, "=") == 0)
	{
		int64		lo = (int64) (op[1] == '\0' && op[0] == '>' ? floor(x) + 1 : ceil(x));

		if (!c->has_lo || lo > c->lo)
			c->lo = lo;
		c->has_lo = true;
	}
	if (strcmp(op, "<") == 0 || strcmp(op, "<=") == 0 || strcmp(op, "=") == 0)
	{
		int64		hi = (int64) (op[1] == '\0' && op[0] == '<' ? ceil(x) - 1 : floor(x));

		if (!c->has_hi || hi < c->hi)
			c->hi = hi;
		c->has_hi = true;
	}
}

static void
fill_length(FillCons *c, const char *op, int64 n)
{
	if (strcmp(op, ">") == 0)
		c->minlen = Max(c->minlen, (int) Min(n + 1, 1000));
	else if (strcmp(op, ">=") == 0 || strcmp(op, "=") == 0)
		c->minlen = Max(c->minlen, (int) Min(n, 1000));
	if (strcmp(op, "<") == 0 && n >= 1)
		c->maxlen = c->maxlen ? Min(c->maxlen, (int) n - 1) : (int) n - 1;
	else if ((strcmp(op, "<=") == 0 || strcmp(op, "=") == 0) && n >= 0)
		c->maxlen = c->maxlen ? Min(c->maxlen, (int) n) : (int) n;
}

static const char *
fill_flip(const char *op)
{
	if (strcmp(op, "<") == 0)
		return ">";
	if (strcmp(op, ">") == 0)
		return "<";
	if (strcmp(op, "<=") == 0)
		return ">=";
	if (strcmp(op, ">=") == 0)
		return "<=";
	return op;
}

static void
fill_in_list(FillCons *c, FillType *ty, Datum *vals, Oid vtype, int n)
{
	Datum	   *in = palloc(sizeof(Datum) * Max(n, 1));
	int			nin = 0;

	for (int i = 0; i < n; i++)
		if (fill_convert(ty, vals[i], vtype, &in[nin]))
			nin++;
	if (nin == n && (c->in == NULL || nin < c->nin))
	{
		c->in = in;
		c->nin = nin;
	}
}

/*
 * Read the conjuncts of a CHECK, domain check or partition constraint into
 * per-attribute constraints.  Whatever is not understood is left to the
 * check that every row passes.
 */
static void
fill_extract(Node *node, FillCons *cons, FillCol *cols, int natts, int dom_att)
{
	check_stack_depth();
	if (node == NULL)
		return;
	if (IsA(node, List))
	{
		ListCell   *lc;

		foreach(lc, (List *) node)
			fill_extract(lfirst(lc), cons, cols, natts, dom_att);
		return;
	}
	if (IsA(node, BoolExpr) && ((BoolExpr *) node)->boolop == AND_EXPR)
	{
		fill_extract((Node *) ((BoolExpr *) node)->args, cons, cols, natts, dom_att);
		return;
	}
	if (IsA(node, OpExpr) && list_length(((OpExpr *) node)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) node;
		const char *opname = get_opname(op->opno);

		if (opname == NULL)
			return;
		/* col op const, then const op col read as col flip(op) const */
		for (int side = 0; side < 2; side++)
		{
			Node	   *subject = fill_strip(side == 0 ? linitial(op->args) : lsecond(op->args));
			Const	   *k = fill_const(side == 0 ? lsecond(op->args) : linitial(op->args));
			const char *o = side == 0 ? opname : fill_flip(opname);
			int			att = fill_subject(subject, dom_att);

			if (k == NULL)
				continue;
			if (att >= 0 && att < natts && cols[att].ty != NULL)
			{
				if (FILL_ORDERED(cols[att].ty->kind))
					fill_bound(&cons[att], cols[att].ty, o, k);
				else if (strcmp(o, "=") == 0)
					fill_in_list(&cons[att], cols[att].ty, &k->constvalue,
								 k->consttype, 1);
				return;
			}
			/* length(col) op n */
			if (IsA(subject, FuncExpr) && list_length(((FuncExpr *) subject)->args) == 1 &&
				(k->consttype == INT4OID || k->consttype == INT8OID))
			{
				char	   *fname = get_func_name(((FuncExpr *) subject)->funcid);

				att = fill_subject(linitial(((FuncExpr *) subject)->args), dom_att);
				if (fname && att >= 0 && att < natts &&
					(strcmp(fname, "length") == 0 || strcmp(fname, "char_length") == 0 ||
					 strcmp(fname, "character_length") == 0))
					fill_length(&cons[att], o,
								k->consttype == INT4OID ? DatumGetInt32(k->constvalue) :
								DatumGetInt64(k->constvalue));
				return;
			}
		}
		return;
	}
	if (IsA(node, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) node)->useOr &&
		list_length(((ScalarArrayOpExpr *) node)->args) == 2)
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) node;
		char	   *opname = get_opname(sa->opno);
		int			att = fill_subject(linitial(sa->args), dom_att);
		Const	   *k = fill_const(lsecond(sa->args));

		if (opname && strcmp(opname, "=") == 0 && att >= 0 && att < natts &&
			k != NULL && cols[att].ty != NULL)
		{
			ArrayType  *arr = DatumGetArrayTypeP(k->constvalue);
			Oid			etype = ARR_ELEMTYPE(arr);
			int16		len;
			bool		byval;
			char		align;
			Datum	   *vals;
			bool	   *nulls;
			int			n;

			get_typlenbyvalalign(etype, &len, &byval, &align);
			deconstruct_array(arr, etype, len, byval, align, &vals, &nulls, &n);
			for (int i = 0; i < n; i++)
				if (nulls[i])
					return;
			fill_in_list(&cons[att], cols[att].ty, vals, etype, n);
		}
		return;
	}
	if (IsA(node, NullTest) && ((NullTest *) node)->nulltesttype == IS_NOT_NULL)
	{
		int			att = fill_subject((Node *) ((NullTest *) node)->arg, dom_att);

		if (att >= 0 && att < natts)
			cons[att].notnull = true;
		return;
	}
	if ((IsA(node, Var) || (IsA(node, BoolExpr) &&
							((BoolExpr *) node)->boolop == NOT_EXPR)))
	{
		bool		negated = IsA(node, BoolExpr);
		int			att = fill_subject(negated ? linitial(((BoolExpr *) node)->args) : node,
									   dom_att);

		if (att >= 0 && att < natts && cols[att].ty && cols[att].ty->kind == FILL_K_BOOL)
		{
			Datum		v = BoolGetDatum(!negated);

			fill_in_list(&cons[att], cols[att].ty, &v, BOOLOID, 1);
		}
	}
}

/* ---------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------
 */

/* An int64 in [lo, hi]: by counter when unique, else at random. */
static int64
fill_pick(uint64 *rng, int64 lo, int64 hi, bool unique, int64 counter, uint64 salt)
{
	uint64		span = (uint64) hi - (uint64) lo + 1;	/* 0: all 2^64 */

	if (unique)
		return (int64) ((uint64) lo + (span ? ((uint64) counter + salt % 1000) % span :
									   (uint64) counter + salt % 1000));
	return (int64) ((uint64) lo + (span ? fill_next(rng) % span : fill_next(rng)));
}

/* A value of an ordered type, in units, within the constraints. */
static int64
fill_ordered_units(FillType *ty, FillCons *c, uint64 *rng, bool unique,
				   int64 counter, uint64 salt)
{
	int64		lo = ty->type_lo,
				hi = ty->type_hi,
				dlo,
				dhi;

	if (c && c->has_lo)
		lo = Max(lo, c->lo);
	if (c && c->has_hi)
		hi = Min(hi, c->hi);
	dlo = Max(lo, ty->def_lo);
	dhi = Min(hi, ty->def_hi);
	if (dlo > dhi)
	{
		/* the realistic range is outside the allowed one: near its edge */
		int64		span = ty->def_hi - ty->def_lo;

		if (c && c->has_lo)
		{
			dlo = lo;
			dhi = (hi - lo > span) ? lo + span : hi;
		}
		else
		{
			dhi = hi;
			dlo = (hi - lo > span) ? hi - span : lo;
		}
	}
	if (lo > hi)
		return dlo;				/* contradictory: the check will say so */
	return unique ? fill_pick(rng, dlo, hi, true, counter, salt) :
		fill_pick(rng, dlo, dhi, false, counter, salt);
}

static Datum
fill_units_datum(FillType *ty, int64 v)
{
	switch (ty->kind)
	{
		case FILL_K_INT:
			if (ty->typid == INT2OID)
				return Int16GetDatum((int16) v);
			if (ty->typid == INT4OID)
				return Int32GetDatum((int32) v);
			return Int64GetDatum(v);
		case FILL_K_NUMERIC:
			{
				int64		f = fill_pow10(ty->scale);
				uint64		a = v < 0 ? -(uint64) v : (uint64) v;
				char		buf[64];

				if (ty->scale > 0)
					snprintf(buf, sizeof(buf), "%s%llu.%0*llu", v < 0 ? "-" : "",
							 (unsigned long long) (a / f), ty->scale,
							 (unsigned long long) (a % f));
				else
					snprintf(buf, sizeof(buf), INT64_FORMAT, v);
				return InputFunctionCall(&ty->in, buf, ty->ioparam, ty->typmod);
			}
		case FILL_K_FLOAT:
			if (ty->typid == FLOAT4OID)
				return Float4GetDatum((float4) (v / 100.0));
			return Float8GetDatum(v / 100.0);
		case FILL_K_MONEY:
			return Int64GetDatum(v);
		case FILL_K_DATE:
			return DateADTGetDatum((DateADT) v);
		case FILL_K_TIMESTAMP:
			return TimestampGetDatum(v * USECS_PER_SEC);
		case FILL_K_TIME:
			return TimeADTGetDatum(v * USECS_PER_SEC);
		default:
			elog(ERROR, "not an ordered kind");
	}
	return (Datum) 0;
}

static const char *
fill_word(uint64 *rng)
{
	return fill_words[fill_below(rng, lengthof(fill_words))];
}

/* Text that looks like what the column's name says it holds. */
static char *
fill_text(FillCol *col, FillCons *c, int maxlen, uint64 *rng, bool unique,
		  int64 counter)
{
	StringInfoData s;
	const char *name = col->name;
	char		suffix[32];
	int			minlen = c ? c->minlen : 0;

	if (c && c->maxlen > 0)
		maxlen = maxlen ? Min(maxlen, c->maxlen) : c->maxlen;
	initStringInfo(&s);
	suffix[0] = '\0';
	if (unique)
		snprintf(suffix, sizeof(suffix), "-" INT64_FORMAT, counter + 1);

	if (maxlen > 0 && maxlen <= 3)
	{
		/* a code: upper-case letters, by counter when unique */
		uint64		x = unique ? (uint64) counter : fill_next(rng);

		for (int i = 0; i < maxlen; i++)
		{
			appendStringInfoChar(&s, 'A' + (char) (x % 26));
			x /= 26;
		}
		return s.data;
	}
	if (strstr(name, "email"))
		appendStringInfo(&s, "%s.%s%s@example.com", fill_word(rng), fill_word(rng), suffix);
	else if (strstr(name, "url") || strstr(name, "website") || strstr(name, "link"))
		appendStringInfo(&s, "https://example.com/%s/%s%s", fill_word(rng), fill_word(rng), suffix);
	else if (strstr(name, "phone"))
		appendStringInfo(&s, "+1-555-%04d%s", (int) fill_below(rng, 10000), suffix);
	else if (strstr(name, "name") || strstr(name, "title"))
	{
		const char *a = fill_word(rng);
		const char *b = fill_word(rng);

		appendStringInfo(&s, "%c%s %c%s%s", pg_toupper(a[0]), a + 1,
						 pg_toupper(b[0]), b + 1, suffix);
	}
	else if (strstr(name, "code") || strstr(name, "sku"))
		appendStringInfo(&s, "%c%c-%04d%s", 'A' + (int) fill_below(rng, 26),
						 'A' + (int) fill_below(rng, 26), (int) fill_below(rng, 10000),
						 suffix);
	else
	{
		int			n = 2 + (int) fill_below(rng, 4);

		for (int i = 0; i < n || s.len + (int) strlen(suffix) < minlen; i++)
			appendStringInfo(&s, "%s%s", i ? " " : "", fill_word(rng));
		appendStringInfoString(&s, suffix);
	}
	while (s.len < minlen)
		appendStringInfoChar(&s, 'x');
	if (maxlen > 0 && s.len > maxlen)
	{
		int			keep = (int) strlen(suffix);

		if (keep >= maxlen)
		{
			/* only a number fits: the counter in base 36 */
			uint64		x = (uint64) counter;

			resetStringInfo(&s);
			for (int i = 0; i < maxlen; i++)
			{
				appendStringInfoChar(&s, "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36]);
				x /= 36;
			}
		}
		else
		{
			memmove(s.data + maxlen - keep, suffix, keep + 1);
			s.len = maxlen;
		}
	}
	return s.data;
}

static void fill_contract_value(JsonbParseState **st, JsonbIteratorToken tok,
								SgContract *c, uint64 *rng, int depth);

static Numeric
fill_numeric(int64 v)
{
	return DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(v)));
}

/* A JSON value documented by a contract (a JSON Schema subset). */
static void
fill_contract_value(JsonbParseState **st, JsonbIteratorToken tok,
					SgContract *c, uint64 *rng, int depth)
{
	JsonbValue	v;
	int			mask = c ? c->types : 0;
	int			t;

	check_stack_depth();
	if (c && c->enum_values != NULL)
	{
		/* one of the listed values */
		JsonbIterator *it = JsonbIteratorInit(&c->enum_values->root);
		JsonbIteratorToken r;
		int			n = 0,
					want;

		while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (r == WJB_ELEM)
				n++;
		want = (int) fill_below(rng, Max(n, 1));
		it = JsonbIteratorInit(&c->enum_values->root);
		while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (r == WJB_ELEM && want-- == 0)
			{
				(void) pushJsonbValue(st, tok, &v);
				return;
			}
	}
	if (mask == 0)
		t = (c && (c->nproperties > 0 || c->nrequired > 0)) ? SG_JT_OBJECT :
			(c && c->items) ? SG_JT_ARRAY : (c == NULL ? SG_JT_OBJECT : SG_JT_STRING);
	else if (mask & (1 << SG_JT_OBJECT))
		t = SG_JT_OBJECT;
	else
	{
		static const SgJsonType order[] = {SG_JT_STRING, SG_JT_INTEGER, SG_JT_NUMBER,
		SG_JT_BOOLEAN, SG_JT_ARRAY, SG_JT_NULL};

		t = SG_JT_NULL;
		for (int i = 0; i < lengthof(order); i++)
			if (mask & (1 << order[i]))
			{
				t = order[i];
				break;
			}
	}
	if (depth > 8 && (t == SG_JT_OBJECT || t == SG_JT_ARRAY))
		t = SG_JT_NULL;

	switch (t)
	{
		case SG_JT_OBJECT:
			(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
			if (c == NULL)
			{
				/* no contract: a small object */
				static const char *const keys[] = {"active", "name", "score"};

				for (int i = 0; i < lengthof(keys); i++)
				{
					v.type = jbvString;
					v.val.string.val = (char *) keys[i];
					v.val.string.len = strlen(keys[i]);
					(void) pushJsonbValue(st, WJB_KEY, &v);
					if (i == 0)
					{
						v.type = jbvBool;
						v.val.boolean = fill_below(rng, 2);
					}
					else if (i == 1)
					{
						v.type = jbvString;
						v.val.string.val = (char *) fill_word(rng);
						v.val.string.len = strlen(v.val.string.val);
					}
					else
					{
						v.type = jbvNumeric;
						v.val.numeric = fill_numeric((int64) fill_below(rng, 100));
					}
					(void) pushJsonbValue(st, WJB_VALUE, &v);
				}
			}
			else
			{
				for (int i = 0; i < c->nproperties; i++)
				{
					v.type = jbvString;
					v.val.string.val = c->prop_names[i];
					v.val.string.len = c->prop_lens[i];
					(void) pushJsonbValue(st, WJB_KEY, &v);
					fill_contract_value(st, WJB_VALUE, c->prop_schemas[i], rng, depth + 1);
				}
				for (int i = 0; i < c->nrequired; i++)
				{
					bool		listed = false;

					for (int j = 0; j < c->nproperties && !listed; j++)
						listed = c->prop_lens[j] == c->required_lens[i] &&
							memcmp(c->prop_names[j], c->required[i], c->required_lens[i]) == 0;
					if (listed)
						continue;
					v.type = jbvString;
					v.val.string.val = c->required[i];
					v.val.string.len = c->required_lens[i];
					(void) pushJsonbValue(st, WJB_KEY, &v);
					fill_contract_value(st, WJB_VALUE, c->additional, rng, depth + 1);
				}
			}
			(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
			return;
		case SG_JT_ARRAY:
			{
				int			n = 1 + (int) fill_below(rng, 2);

				(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
				for (int i = 0; i < n; i++)
					fill_contract_value(st, WJB_ELEM, c ? c->items : NULL, rng, depth + 1);
				(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
				return;
			}
		case SG_JT_STRING:
			v.type = jbvString;
			v.val.string.val = (char *) fill_word(rng);
			v.val.string.len = strlen(v.val.string.val);
			break;
		case SG_JT_INTEGER:
			v.type = jbvNumeric;
			v.val.numeric = fill_numeric((int64) fill_below(rng, 1000));
			break;
		case SG_JT_NUMBER:
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall1(float8_numeric,
																Float8GetDatum(fill_below(rng, 10000) / 100.0)));
			break;
		case SG_JT_BOOLEAN:
			v.type = jbvBool;
			v.val.boolean = fill_below(rng, 2);
			break;
		default:
			v.type = jbvNull;
			break;
	}
	(void) pushJsonbValue(st, tok, &v);
}

static Datum
fill_json(FillCol *col, FillType *ty, uint64 *rng, bool unique, int64 counter)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	Jsonb	   *doc;

	if (unique && col->contract == NULL)
		return InputFunctionCall(&ty->in,
								 psprintf("{\"id\": " INT64_FORMAT ", \"name\": \"%s\"}",
										  counter + 1, fill_word(rng)),
								 ty->ioparam, ty->typmod);
	/* made as the only element of an array: scalars and containers alike */
	(void) pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	fill_contract_value(&st, WJB_ELEM, col->contract, rng, 0);
	res = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	if (res->val.array.elems[0].type == jbvArray ||
		res->val.array.elems[0].type == jbvObject)
		doc = JsonbValueToJsonb(&res->val.array.elems[0]);
	else
	{
		res->val.array.rawScalar = true;
		doc = JsonbValueToJsonb(res);
	}
	if (ty->kind == FILL_K_JSONB)
		return JsonbPGetDatum(doc);
	return InputFunctionCall(&ty->in, JsonbToCString(NULL, &doc->root, VARSIZE(doc)),
							 ty->ioparam, ty->typmod);
}

/* The value of one column; *isnull when it is NULL. */
static Datum
fill_value(FillCol *col, FillType *ty, FillCons *c, uint64 *rng,
		   bool unique, int64 counter, bool *isnull)
{
	char		buf[128];
	char	   *text = NULL;
	uint64		u = unique ? (uint64) counter : fill_next(rng);

	*isnull = false;
	if (c && c->in != NULL && c->nin > 0)
		return c->in[unique ? (uint64) (counter + col->salt % 1000) % c->nin :
					 fill_below(rng, c->nin)];
	if (FILL_ORDERED(ty->kind))
		return fill_units_datum(ty, fill_ordered_units(ty, c, rng, unique, counter,
													   col->salt));

	switch (ty->kind)
	{
		case FILL_K_BOOL:
			return BoolGetDatum(unique ? counter % 2 == 0 : fill_below(rng, 2) == 0);
		case FILL_K_ENUM:
			return ObjectIdGetDatum(ty->labels[(uint64) (counter + col->salt % 1000) %
											   ty->nlabels]);
		case FILL_K_TEXT:
			text = fill_text(col, c, ty->maxlen, rng, unique, counter);

			break;
		case FILL_K_CHAR1:
			return CharGetDatum('a' + (char) (u % 26));
		case FILL_K_TIMETZ:
			snprintf(buf, sizeof(buf), "%02d:%02d:%02d+00", (int) (u / 3600 % 24),
					 (int) (u / 60 % 60), (int) (u % 60));
			text = buf;

			break;
		case FILL_K_INTERVAL:
			snprintf(buf, sizeof(buf), "%d days %02d:%02d:00", (int) fill_below(rng, 30),
					 (int) fill_below(rng, 24), (int) fill_below(rng, 60));
			text = buf;

			break;
		case FILL_K_UUID:
			{
				/* 64 bits injective in the counter (fill_mix is a bijection) */
				pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));
				uint64		lo = fill_mix((unique ? (uint64) counter : fill_next(rng)) ^
										  col->salt);
				uint64		hi = fill_next(rng);
				static const int lobytes[8] = {0, 1, 2, 3, 4, 5, 7, 9};

				for (int i = 0; i < 16; i++)
					id->data[i] = (unsigned char) (hi >> (8 * (i % 8)));
				for (int i = 0; i < 8; i++)
					id->data[lobytes[i]] = (unsigned char) (lo >> (8 * i));
				id->data[6] = (id->data[6] & 0x0f) | 0x40;
				id->data[8] = (id->data[8] & 0x3f) | 0x80;
				return UUIDPGetDatum(id);
			}
		case FILL_K_JSON:
		case FILL_K_JSONB:
			return fill_json(col, ty, rng, unique, counter);
		case FILL_K_BYTEA:
			{
				StringInfoData s;
				int			n = 4 + (int) fill_below(rng, 8);

				initStringInfo(&s);
				appendStringInfoString(&s, "\\x");
				if (unique)
					appendStringInfo(&s, "%016llx", (unsigned long long) counter);
				for (int i = 0; i < n; i++)
					appendStringInfo(&s, "%02x", (int) fill_below(rng, 256));
				text = s.data;

				break;
			}
		case FILL_K_INET:
			snprintf(buf, sizeof(buf), "10.%d.%d.%d", (int) (u >> 16 & 255),
					 (int) (u >> 8 & 255), (int) (u & 255));
			text = buf;

			break;
		case FILL_K_CIDR:
			snprintf(buf, sizeof(buf), "10.%d.%d.0/24", (int) (u >> 8 & 255),
					 (int) (u & 255));
			text = buf;

			break;
		case FILL_K_MACADDR:
			snprintf(buf, sizeof(buf), "08:00:2b:%02x:%02x:%02x", (int) (u >> 16 & 255),
					 (int) (u >> 8 & 255), (int) (u & 255));
			text = buf;

			break;
		case FILL_K_MACADDR8:
			snprintf(buf, sizeof(buf), "08:00:2b:ff:fe:%02x:%02x:%02x", (int) (u >> 16 & 255),
					 (int) (u >> 8 & 255), (int) (u & 255));
			text = buf;

			break;
		case FILL_K_BIT:
		case FILL_K_VARBIT:
			{
				int			n = ty->kind == FILL_K_BIT ? ty->maxlen :
				1 + (int) fill_below(rng, ty->maxlen);

				n = Min(n, (int) sizeof(buf) - 1);
				for (int i = 0; i < n; i++)
					buf[i] = (i < 64 && (u >> i) & 1) ? '1' : '0';
				buf[n] = '\0';
				text = buf;

				break;
			}
		case FILL_K_POINT:
			snprintf(buf, sizeof(buf), "(%d,%d)", (int) fill_below(rng, 100),
					 (int) fill_below(rng, 100));
			text = buf;

			break;
		case FILL_K_LINE:
			snprintf(buf, sizeof(buf), "{%d,-1,%d}", 1 + (int) fill_below(rng, 9),
					 (int) fill_below(rng, 100));
			text = buf;

			break;
		case FILL_K_LSEG:
		case FILL_K_BOX:
		case FILL_K_PATH:
			{
				int			x = (int) fill_below(rng, 100),
							y = (int) fill_below(rng, 100);

				snprintf(buf, sizeof(buf), ty->kind == FILL_K_BOX ? "((%d,%d),(%d,%d))" :
						 "[(%d,%d),(%d,%d)]", x, y, x + 1 + (int) fill_below(rng, 10),
						 y + 1 + (int) fill_below(rng, 10));
				text = buf;

				break;
			}
		case FILL_K_POLYGON:
			{
				int			x = (int) fill_below(rng, 100),
							y = (int) fill_below(rng, 100);

				snprintf(buf, sizeof(buf), "((%d,%d),(%d,%d),(%d,%d))", x, y,
						 x + 5, y, x, y + 5);
				text = buf;

				break;
			}
		case FILL_K_CIRCLE:
			snprintf(buf, sizeof(buf), "<(%d,%d),%d>", (int) fill_below(rng, 100),
					 (int) fill_below(rng, 100), 1 + (int) fill_below(rng, 10));
			text = buf;

			break;
		case FILL_K_TSVECTOR:
		case FILL_K_TSQUERY:
			snprintf(buf, sizeof(buf), ty->kind == FILL_K_TSVECTOR ? "%s %s" : "%s & %s",
					 fill_word(rng), fill_word(rng));
			text = buf;

			break;
		case FILL_K_OID:
			return ObjectIdGetDatum((Oid) (unique ? counter + 1 : 1 + fill_below(rng, 100000)));
		case FILL_K_LSN:
			snprintf(buf, sizeof(buf), "0/%X", (unsigned int) (unique ? counter + 1 :
															   fill_below(rng, 1 << 30)));
			text = buf;

			break;
		case FILL_K_XML:
			snprintf(buf, sizeof(buf), "<item>%s</item>", fill_word(rng));
			text = buf;

			break;
		case FILL_K_ARRAY:
			{
				int			n = 1 + (int) fill_below(rng, 3);
				Datum	   *elems = palloc(sizeof(Datum) * n);
				bool	   *nulls = palloc0(sizeof(bool) * n);
				int			dims[1] = {n};
				int			lbs[1] = {1};

				for (int i = 0; i < n; i++)
					elems[i] = fill_value(col, ty->elem, NULL, rng, false, counter,
										  &nulls[i]);
				return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
														  ty->ioparam, ty->elemlen,
														  ty->elembyval, ty->elemalign));
			}
		case FILL_K_RANGE:
			{
				int64		a = fill_ordered_units(ty->elem, NULL, rng, false, 0, 0);
				int64		b = a + 1 + (int64) fill_below(rng, 1000);

				text = psprintf("[\"%s\",\"%s\")",
								OutputFunctionCall(&ty->elemout, fill_units_datum(ty->elem, a)),
								OutputFunctionCall(&ty->elemout, fill_units_datum(ty->elem, b)));

				break;
			}
		default:
			*isnull = true;
			return (Datum) 0;
	}
	return InputFunctionCall(&ty->in, text, ty->ioparam, ty->typmod);
}

/* ---------------------------------------------------------------------
 * One table: the plan
 * ---------------------------------------------------------------------
 */

/* A kind whose values the counter makes distinct without limit. */
static bool
fill_injective(FillType *ty)
{
	return ty != NULL && ty->kind != FILL_K_NONE && ty->kind != FILL_K_BOOL &&
		ty->kind != FILL_K_ENUM && ty->kind != FILL_K_CHAR1 && ty->kind != FILL_K_ARRAY &&
		ty->kind != FILL_K_RANGE && ty->kind != FILL_K_BIT && ty->kind != FILL_K_VARBIT &&
		ty->kind < FILL_K_POINT;
}

/* Columns of UNIQUE and primary keys get distinct values. */
static void
fill_plan_unique(FillTable *t)
{
	List	   *indexes = RelationGetIndexList(t->rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;
		bool		server = false;
		int			pick = -1;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		if (!idx->indisunique)
		{
			ReleaseSysCache(tup);
			continue;
		}
		for (int k = 0; k < idx->indnkeyatts; k++)
		{
			int			a = idx->indkey.values[k] - 1;

			if (a < 0 || a >= t->natts)
				server = true;	/* an expression: its rows may conflict */
			else if (t->cols[a].server)
				server = true;
			else if (t->cols[a].fk < 0 && pick < 0 && fill_injective(t->cols[a].ty))
				pick = a;
		}
		if (!server)
		{
			if (pick >= 0)
				t->cols[pick].unique = true;
			else
				for (int k = 0; k < idx->indnkeyatts; k++)
				{
					FillCol    *col = &t->cols[idx->indkey.values[k] - 1];

					if (col->fk >= 0)
						t->fks[col->fk].radix = true;
					else
						col->unique = true;
				}
		}
		ReleaseSysCache(tup);
	}
	list_free(indexes);
}

static void
fill_add_leaf(FillTable *t, Relation leafrel, FillCons *base, List **leaves)
{
	FillLeaf   *leaf = palloc0(sizeof(FillLeaf));
	Expr	   *qual = get_partition_qual_relid(RelationGetRelid(leafrel));

	leaf->ident = sg_relation_identity(RelationGetRelid(leafrel));
	leaf->cons = palloc(sizeof(FillCons) * Max(t->natts, 1));
	memcpy(leaf->cons, base, sizeof(FillCons) * t->natts);
	if (qual != NULL)
	{
		List	   *quals = make_ands_implicit(qual);

		if (leafrel != t->rel)
			quals = map_partition_varattnos(quals, 1, t->rel, leafrel);
		leaf->qual = ExecPrepareCheck(quals, t->estate);
		fill_extract((Node *) expression_planner((Expr *) make_ands_explicit(quals)),
					 leaf->cons, t->cols, t->natts, -1);
	}
	*leaves = lappend(*leaves, leaf);
}

/* The leaf partitions of a partitioned table, in the order of their bounds. */
static void
fill_plan_leaves(FillTable *t, Relation rel, FillCons *base, List **leaves)
{
	PartitionDesc pd = SG_PARTITION_DESC(rel);

	check_stack_depth();
	for (int i = 0; i < pd->nparts; i++)
	{
		Relation	part = relation_open(pd->oids[i], AccessShareLock);

		if (part->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
			fill_plan_leaves(t, part, base, leaves);
		else if (part->rd_rel->relkind == RELKIND_RELATION)
			fill_add_leaf(t, part, base, leaves);
		relation_close(part, NoLock);
	}
}

/* The contract registered for a json/jsonb column, read as the caller. */
static SgContract *
fill_contract(Oid relid, const char *colname)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		args[2] = {ObjectIdGetDatum(relid), CStringGetTextDatum(colname)};
	SgContract *c = NULL;

	if (SPI_execute_with_args("SELECT contract FROM " SG_SCHEMA_NAME ".jsonb_contracts "
							  "WHERE tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
							  "AND col::pg_catalog.text OPERATOR(pg_catalog.=) $2",
							  2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read " SG_SCHEMA_NAME ".jsonb_contracts");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		List	   *unchecked = NIL;

		if (!isnull)
			c = sg_contract_parse(DatumGetJsonbPCopy(d), &unchecked);
	}
	SPI_freetuptable(SPI_tuptable);
	return c;
}

/* INSERT on the table, or on every column fill gives. */
static bool
fill_may_insert(FillTable *t)
{
	Oid			relid = RelationGetRelid(t->rel);

	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) == ACLCHECK_OK)
		return true;
	for (int j = 0; j < t->ngen; j++)
		if (pg_attribute_aclcheck(relid, t->cols[t->gen[j]].attnum, GetUserId(),
								  ACL_INSERT) != ACLCHECK_OK)
			return false;
	return t->ngen > 0;
}

static void
fill_plan(FillTable *t, List *nulled)
{
	Relation	rel = t->rel;
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *fkeys = RelationGetFKeyList(rel);
	List	   *leaves = NIL;
	FillCons   *base;
	ListCell   *lc;
	int			k;

	t->natts = desc->natts;
	t->cols = palloc0(sizeof(FillCol) * Max(t->natts, 1));
	t->gen = palloc(sizeof(int) * Max(t->natts, 1));
	base = palloc0(sizeof(FillCons) * Max(t->natts, 1));
	t->estate = CreateExecutorState();
	t->slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);

	for (int i = 0; i < t->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		FillCol    *col = &t->cols[i];
		int32		typmod = att->atttypmod;
		Oid			basetype;

		col->fk = -1;
		col->server = true;
		if (att->attisdropped)
			continue;
		col->attnum = att->attnum;
		col->name = pstrdup(NameStr(att->attname));
		col->typid = att->atttypid;
		col->notnull = att->attnotnull;
		col->server = att->attgenerated != '\0' || att->attidentity != '\0' ||
			att->atthasdef;
		col->salt = fill_mix(t->seed ^ fill_mix((uint64) i + 1));
		basetype = getBaseTypeAndTypmod(att->atttypid, &typmod);
		col->paramtype = basetype;
		col->ty = fill_type(basetype, typmod, 0);
		if (basetype != att->atttypid)
		{
			col->dom = palloc0(sizeof(DomainConstraintRef));
			InitDomainConstraintRef(att->atttypid, col->dom, CurrentMemoryContext, true);
		}
		if (col->ty->kind == FILL_K_JSON || col->ty->kind == FILL_K_JSONB)
			col->contract = fill_contract(RelationGetRelid(rel), col->name);
	}

	/* foreign keys: their columns take referenced keys, defaults or not */
	t->fks = palloc0(sizeof(FillFk) * Max(list_length(fkeys), 1));
	foreach(lc, fkeys)
	{
		ForeignKeyCacheInfo *info = lfirst(lc);
		FillFk	   *fk = &t->fks[t->nfks];

		fk->conname = fill_constraint_name(info->conoid);
		fk->confrelid = info->confrelid;
		fk->ncols = info->nkeys;
		fk->nullable = true;
		fk->nulled = list_member_oid(nulled, info->conoid);
		fk->salt = fill_mix(t->seed ^ fill_mix(UINT64CONST(0xf0f0) + t->nfks));
		for (int j = 0; j < info->nkeys; j++)
		{
			FillCol    *col = &t->cols[info->conkey[j] - 1];

			fk->attnums[j] = info->conkey[j];
			fk->refattnums[j] = info->confkey[j];
			if (col->notnull)
				fk->nullable = false;
			if (col->fk < 0 && col->ty != NULL &&
				TupleDescAttr(desc, info->conkey[j] - 1)->attgenerated == '\0' &&
				TupleDescAttr(desc, info->conkey[j] - 1)->attidentity == '\0')
			{
				col->fk = t->nfks;
				col->fkpos = j;
				col->server = false;
			}
		}
		t->nfks++;
	}

	for (int i = 0; i < t->natts; i++)
		if (!t->cols[i].server)
			t->gen[t->ngen++] = i;
	fill_plan_unique(t);

	/* domain constraints */
	for (int i = 0; i < t->natts; i++)
	{
		FillCol    *col = &t->cols[i];

		if (col->dom == NULL)
			continue;
		foreach(lc, col->dom->constraints)
		{
			DomainConstraintState *con = lfirst(lc);

			if (con->constrainttype == DOM_CONSTRAINT_NOTNULL)
				col->notnull = true;
			else
				fill_extract((Node *) expression_planner(copyObject(con->check_expr)),
							 base, t->cols, t->natts, i);
		}
	}

	/* the table's CHECK constraints */
	if (desc->constr != NULL && desc->constr->num_check > 0)
	{
		t->checks = palloc0(sizeof(FillCheck) * desc->constr->num_check);
		for (int i = 0; i < desc->constr->num_check; i++)
		{
			ConstrCheck *check = &desc->constr->check[i];
			Node	   *expr;

			if (!SG_CHECK_ENFORCED(check))
				continue;
			expr = stringToNode(check->ccbin);
			t->checks[t->nchecks].name = pstrdup(check->ccname);
			t->checks[t->nchecks].state =
				ExecPrepareCheck(make_ands_implicit((Expr *) expr), t->estate);
			t->nchecks++;
			fill_extract((Node *) expression_planner((Expr *) copyObject(expr)),
						 base, t->cols, t->natts, -1);
		}
	}

	/* where rows go: every leaf partition, or the table itself */
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		fill_plan_leaves(t, rel, base, &leaves);
	else
		fill_add_leaf(t, rel, base, &leaves);
	t->nleaves = list_length(leaves);
	t->leaves = palloc(sizeof(FillLeaf) * Max(t->nleaves, 1));
	k = 0;
	foreach(lc, leaves)
		t->leaves[k++] = *(FillLeaf *) lfirst(lc);
	if (t->nleaves == 0)
		t->impossible = psprintf("%s has no partition to route rows to", t->ident);

	for (int i = 0; i < t->natts && t->impossible == NULL; i++)
	{
		FillCol    *col = &t->cols[i];

		if (!col->server && col->fk < 0 && col->ty->kind == FILL_K_NONE && col->notnull)
			t->impossible = psprintf("no values of type %s can be made for column %s",
									 format_type_be(col->typid), quote_identifier(col->name));
	}
}

/* The referenced keys of each foreign key, read as the caller. */
static void
fill_read_keys(FillTable *t, MemoryContext cxt)
{
	uint64		stride = 1;

	for (int k = 0; k < t->nfks && t->impossible == NULL; k++)
	{
		FillFk	   *fk = &t->fks[k];
		StringInfoData sql;
		char	   *refident = sg_relation_identity(fk->confrelid);
		TupleDesc	desc;
		MemoryContext old;

		if (fk->nulled)
			continue;
		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT DISTINCT ");
		for (int j = 0; j < fk->ncols; j++)
			appendStringInfo(&sql, "%sr.%s::%s", j ? ", " : "",
							 quote_identifier(get_attname(fk->confrelid, fk->refattnums[j], false)),
							 format_type_be_qualified(t->cols[fk->attnums[j] - 1].paramtype));
		appendStringInfo(&sql, " FROM %s r WHERE ", refident);
		for (int j = 0; j < fk->ncols; j++)
			appendStringInfo(&sql, "%sr.%s IS NOT NULL", j ? " AND " : "",
							 quote_identifier(get_attname(fk->confrelid, fk->refattnums[j], false)));
		appendStringInfoString(&sql, " ORDER BY ");
		for (int j = 0; j < fk->ncols; j++)
			appendStringInfo(&sql, "%s%d", j ? ", " : "", j + 1);
		appendStringInfo(&sql, " LIMIT %d", FILL_MAX_KEYS);
		if (SPI_execute(sql.data, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the keys of %s", refident);
		desc = SPI_tuptable->tupdesc;
		old = MemoryContextSwitchTo(cxt);
		fk->nkeys = (int) SPI_processed;
		fk->keys = palloc(sizeof(Datum) * Max(fk->nkeys * fk->ncols, 1));
		fk->keynulls = palloc(sizeof(bool) * Max(fk->nkeys * fk->ncols, 1));
		for (int r = 0; r < fk->nkeys; r++)
			for (int j = 0; j < fk->ncols; j++)
			{
				Form_pg_attribute a = TupleDescAttr(desc, j);
				Datum		d = SPI_getbinval(SPI_tuptable->vals[r], desc, j + 1,
											  &fk->keynulls[r * fk->ncols + j]);

				fk->keys[r * fk->ncols + j] = fk->keynulls[r * fk->ncols + j] ? (Datum) 0 :
					datumCopy(d, a->attbyval, a->attlen);
			}
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
		if (fk->nkeys == 0 && !fk->nullable)
			t->impossible = psprintf("foreign key %s: %s has no rows to refer to",
									 quote_identifier(fk->conname), refident);
		if (fk->radix && fk->nkeys > 0)
		{
			fk->stride = stride;
			stride = stride > PG_UINT64_MAX / (uint64) fk->nkeys ? stride :
				stride * (uint64) fk->nkeys;
		}
	}
}

/* ---------------------------------------------------------------------
 * One table: rows
 * ---------------------------------------------------------------------
 */

/* Make row number "counter", try "attempt"; false when a check fails. */
static bool
fill_make_row(FillTable *t, int64 counter, int attempt, Datum *values, bool *nulls)
{
	uint64		base = fill_mix(t->seed ^ fill_mix((uint64) counter ^
												   fill_mix((uint64) attempt + 0x51ed)));
	uint64		keyrng = base ^ UINT64CONST(0x6b6579);
	int			lix = (int) (((uint64) counter +
							  (attempt >= FILL_TRIES / 2 ? (uint64) attempt : 0)) %
							 (uint64) t->nleaves);
	FillLeaf   *leaf = &t->leaves[lix];
	ExprContext *econtext = GetPerTupleExprContext(t->estate);
	int		   *keyidx = palloc(sizeof(int) * Max(t->nfks, 1));
	bool		ok = true;

	for (int k = 0; k < t->nfks; k++)
	{
		FillFk	   *fk = &t->fks[k];

		if (fk->nulled || fk->nkeys == 0)
			keyidx[k] = -1;
		else if (fk->radix)
			keyidx[k] = (int) (((uint64) counter / fk->stride + fk->salt % 1000) %
							   (uint64) fk->nkeys);
		else if (fk->nullable && fill_below(&keyrng, 8) == 0)
			keyidx[k] = -1;
		else
			keyidx[k] = (int) fill_below(&keyrng, (uint64) fk->nkeys);
	}
	for (int i = 0; i < t->natts; i++)
	{
		FillCol    *col = &t->cols[i];
		FillCons   *cons = &leaf->cons[i];
		uint64		rng = base ^ col->salt;

		values[i] = (Datum) 0;
		nulls[i] = true;
		if (col->server)
			continue;
		if (col->fk >= 0)
		{
			FillFk	   *fk = &t->fks[col->fk];
			int			r = keyidx[col->fk];

			if (r >= 0)
			{
				values[i] = fk->keys[r * fk->ncols + col->fkpos];
				nulls[i] = fk->keynulls[r * fk->ncols + col->fkpos];
			}
			continue;
		}
		if (!col->notnull && !cons->notnull && !col->unique &&
			fill_below(&rng, 8) == 0)
			continue;
		values[i] = fill_value(col, col->ty, cons, &rng, col->unique, counter, &nulls[i]);
	}

	/* check the row as the server will */
	ExecClearTuple(t->slot);
	memcpy(t->slot->tts_values, values, sizeof(Datum) * t->natts);
	memcpy(t->slot->tts_isnull, nulls, sizeof(bool) * t->natts);
	ExecStoreVirtualTuple(t->slot);
	econtext->ecxt_scantuple = t->slot;
	for (int i = 0; i < t->natts && ok; i++)
	{
		FillCol    *col = &t->cols[i];
		ListCell   *lc;

		if (col->server || col->dom == NULL)
			continue;
		foreach(lc, col->dom->constraints)
		{
			DomainConstraintState *con = lfirst(lc);

			if (con->constrainttype == DOM_CONSTRAINT_NOTNULL ? nulls[i] :
				(!nulls[i] && (econtext->domainValue_datum = values[i],
							   econtext->domainValue_isNull = false,
							   !ExecCheck(con->check_exprstate, econtext))))
			{
				t->why = psprintf("constraint %s of domain %s", quote_identifier(con->name),
								  format_type_be(col->typid));
				ok = false;
				break;
			}
		}
	}
	for (int i = 0; i < t->nchecks && ok; i++)
		if (!ExecCheck(t->checks[i].state, econtext))
		{
			t->why = psprintf("check constraint %s", quote_identifier(t->checks[i].name));
			ok = false;
		}
	if (ok && leaf->qual != NULL && !ExecCheck(leaf->qual, econtext))
	{
		t->why = psprintf("the partition constraint of %s", leaf->ident);
		ok = false;
	}
	ResetExprContext(econtext);
	return ok;
}

static SPIPlanPtr
fill_prepare(FillTable *t, int nrows)
{
	StringInfoData sql;
	Oid		   *types = palloc(sizeof(Oid) * Max(nrows * t->ngen, 1));
	SPIPlanPtr	plan;
	int			p = 0;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s ", t->ident);
	if (t->ngen == 0)
		appendStringInfoString(&sql, "DEFAULT VALUES");
	else
	{
		appendStringInfoChar(&sql, '(');
		for (int j = 0; j < t->ngen; j++)
			appendStringInfo(&sql, "%s%s", j ? ", " : "",
							 quote_identifier(t->cols[t->gen[j]].name));
		appendStringInfoString(&sql, ") VALUES ");
		for (int r = 0; r < nrows; r++)
		{
			appendStringInfoString(&sql, r ? ", (" : "(");
			for (int j = 0; j < t->ngen; j++)
			{
				types[p] = t->cols[t->gen[j]].paramtype;
				appendStringInfo(&sql, "%s$%d", j ? ", " : "", ++p);
			}
			appendStringInfoChar(&sql, ')');
		}
	}
	appendStringInfoString(&sql, " ON CONFLICT DO NOTHING");
	plan = SPI_prepare(sql.data, p, types);
	if (plan == NULL)
		elog(ERROR, "could not prepare the INSERT into %s: %s", t->ident,
			 SPI_result_code_string(SPI_result));
	return plan;
}

static void
fill_flush(FillTable *t, SPIPlanPtr plan, Datum *values, char *nulls, int nrows,
		   FillResult *res, int64 *conflicts)
{
	int64		done = 0;

	/* without columns to give, the plan inserts one row of defaults */
	for (int i = 0; i < (t->ngen == 0 ? nrows : 1); i++)
	{
		if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert into %s", t->ident);
		done += (int64) SPI_processed;
	}
	res->inserted += done;
	*conflicts += nrows - done;
}

static void
fill_table(Oid relid, int32 rows, int32 seed, List *nulled, FillResult *res)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "schema_guard fill",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext batchcxt = AllocSetContextCreate(cxt, "schema_guard fill batch",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext rowcxt = AllocSetContextCreate(cxt, "schema_guard fill row",
												 ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	FillTable  *t = palloc0(sizeof(FillTable));
	int			batch;
	SPIPlanPtr	plan = NULL;
	Datum	   *rowvals;
	bool	   *rownulls;
	Datum	   *values;
	char	   *nulls;
	int16	   *lens;
	bool	   *byvals;
	int			nbatch = 0;
	int64		start = 0,
				failed = 0,
				conflicts = 0,
				in_a_row = 0;
	const char *first_why = NULL;
	bool		gave_up = false;

	/* no lock for a caller who may insert nothing */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_INSERT, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", sg_relation_identity(relid)),
				 errdetail("fill inserts as the caller.")));
	t->rel = table_open(relid, RowExclusiveLock);
	t->ident = sg_relation_identity(relid);
	t->seed = fill_mix((uint64) (uint32) seed);
	fill_plan(t, nulled);
	if (!fill_may_insert(t))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", t->ident),
				 errdetail("fill inserts as the caller.")));
	fill_read_keys(t, cxt);

	if (t->impossible != NULL)
	{
		res->not_made += rows;
		if (rows > 0)
			fill_add_note(res, "%s", t->impossible);
		goto done;
	}

	/* rows already there (and visible) move the counter past their values */
	if (pg_class_aclcheck(RelationGetRelid(t->rel), GetUserId(), ACL_SELECT) == ACLCHECK_OK &&
		SPI_execute(psprintf("SELECT pg_catalog.count(*) FROM %s", t->ident), false, 1)
		== SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;

		start = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											1, &isnull));
		SPI_freetuptable(SPI_tuptable);
	}

	batch = Min(FILL_MAX_BATCH, FILL_MAX_PARAMS / Max(t->ngen, 1));
	rowvals = palloc(sizeof(Datum) * Max(t->natts, 1));
	rownulls = palloc(sizeof(bool) * Max(t->natts, 1));
	values = palloc(sizeof(Datum) * Max(batch * t->ngen, 1));
	nulls = palloc(sizeof(char) * Max(batch * t->ngen, 1));
	lens = palloc(sizeof(int16) * Max(t->natts, 1));
	byvals = palloc(sizeof(bool) * Max(t->natts, 1));
	for (int i = 0; i < t->natts; i++)
		if (!t->cols[i].server)
			get_typlenbyval(t->cols[i].typid, &lens[i], &byvals[i]);

	for (int64 r = 0; r < rows; r++)
	{
		int64		counter = start + r;
		bool		made = false;

		CHECK_FOR_INTERRUPTS();
		for (int attempt = 0; attempt < FILL_TRIES && !made; attempt++)
		{
			MemoryContextReset(rowcxt);
			MemoryContextSwitchTo(rowcxt);
			made = fill_make_row(t, counter, attempt, rowvals, rownulls);
			MemoryContextSwitchTo(cxt);
		}
		if (!made)
		{
			failed++;
			if (first_why == NULL)
				first_why = pstrdup(t->why);
			if (++in_a_row >= FILL_GIVE_UP && res->inserted + nbatch == 0)
			{
				/* nothing was ever made: the rest would fail alike */
				failed += rows - r - 1;
				gave_up = true;
				break;
			}
			continue;
		}
		in_a_row = 0;
		MemoryContextSwitchTo(batchcxt);
		for (int j = 0; j < t->ngen; j++)
		{
			int			a = t->gen[j];

			nulls[nbatch * t->ngen + j] = rownulls[a] ? 'n' : ' ';
			values[nbatch * t->ngen + j] = rownulls[a] ? (Datum) 0 :
				datumCopy(rowvals[a], byvals[a], lens[a]);
		}
		MemoryContextSwitchTo(cxt);
		if (++nbatch == batch)
		{
			/* the plan lives until SPI_finish */
			if (plan == NULL)
				plan = fill_prepare(t, batch);
			fill_flush(t, plan, values, nulls, nbatch, res, &conflicts);
			MemoryContextReset(batchcxt);
			nbatch = 0;
		}
	}
	if (nbatch > 0)
	{
		SPIPlanPtr	last = fill_prepare(t, t->ngen == 0 ? 1 : nbatch);

		fill_flush(t, last, values, nulls, nbatch, res, &conflicts);
		SPI_freeplan(last);
	}
	if (plan != NULL)
		SPI_freeplan(plan);

	if (failed > 0)
		fill_add_note(res, INT64_FORMAT " rows not made: %s failed in %d tries per row%s",
					  failed, first_why, FILL_TRIES,
					  gave_up ? " (given up after the first " CppAsString2(FILL_GIVE_UP) " rows)" : "");
	if (conflicts > 0)
		fill_add_note(res, INT64_FORMAT " rows not inserted: a unique conflict (ON CONFLICT DO NOTHING) or a trigger skipped them",
					  conflicts);
	res->not_made += failed + conflicts;

done:
	ExecDropSingleTupleTableSlot(t->slot);
	FreeExecutorState(t->estate);
	table_close(t->rel, NoLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

static bool
fill_system_namespace(Oid nsp)
{
	char	   *name = get_namespace_name(nsp);

	return IsCatalogNamespace(nsp) || IsToastNamespace(nsp) || name == NULL ||
		strcmp(name, "information_schema") == 0 ||
		strcmp(name, SG_SCHEMA_NAME) == 0;
}

/*
 * A schemas argument of fill_schema() or roundtrip(): every schema exists
 * (a misspelt one would be left out silently), and none is the system's,
 * a temporary one or the extension's.  action: what is refused ("fill").
 */
void
sg_check_schemas(Datum schemas, const char *action)
{
	Datum	   *names;
	bool	   *isnull;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(schemas), NAMEOID, NAMEDATALEN, false,
					  TYPALIGN_CHAR, &names, &isnull, &n);
	for (int i = 0; i < n; i++)
	{
		Oid			nsp;

		if (isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("schemas must not hold NULL")));
		nsp = get_namespace_oid(NameStr(*DatumGetName(names[i])), false);
		if (fill_system_namespace(nsp) || isAnyTempNamespace(nsp))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("cannot %s schema %s", action,
							quote_identifier(NameStr(*DatumGetName(names[i])))),
					 errdetail("It is a system or temporary schema.")));
	}
}

static void
fill_check_args(FunctionCallInfo fcinfo, int rowsarg, int seedarg)
{
	if (PG_ARGISNULL(rowsarg) || PG_ARGISNULL(seedarg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rows and seed must not be NULL"),
				 errhint("Any integer makes the rows repeatable; the default seed is 0.")));
	if (PG_GETARG_INT32(rowsarg) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rows must not be negative"),
				 errdetail("rows is %d.", PG_GETARG_INT32(rowsarg))));
}

/* Refuse what fill does not insert into. */
static void
fill_check_target(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class form;
	char	   *ident;
	const char *kind = NULL;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	form = (Form_pg_class) GETSTRUCT(tup);
	ident = quote_qualified_identifier(get_namespace_name(form->relnamespace),
									   NameStr(form->relname));
	switch (form->relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			break;
		case RELKIND_VIEW:
			kind = "a view";
			break;
		case RELKIND_MATVIEW:
			kind = "a materialized view";
			break;
		case RELKIND_FOREIGN_TABLE:
			kind = "a foreign table";
			break;
		case RELKIND_SEQUENCE:
			kind = "a sequence";
			break;
		case RELKIND_INDEX:
		case RELKIND_PARTITIONED_INDEX:
			kind = "an index";
			break;
		default:
			kind = "not a table";
			break;
	}
	if (kind != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot fill %s", ident),
				 errdetail("%s is %s; fill inserts into tables and partitioned tables.",
						   ident, kind)));
	if (fill_system_namespace(form->relnamespace))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot fill %s", ident),
				 errdetail("It is in a system schema.")));
	if (isOtherTempNamespace(form->relnamespace))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot fill %s", ident),
				 errdetail("It is a temporary table of another session.")));
	ReleaseSysCache(tup);
}

static void
fill_emit(ReturnSetInfo *rsinfo, Oid relid, FillResult *res)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = ObjectIdGetDatum(relid);
	values[1] = Int64GetDatum(res->inserted);
	values[2] = Int64GetDatum(res->not_made);
	if (res->note.len > 0)
		values[3] = CStringGetTextDatum(res->note.data);
	else
		nulls[3] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* fill(rel, rows, seed) */
Datum
sg_fill(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FillResult	res = {0};
	SgSpi		spi;
	Oid			relid;

	sg_require_extension_current();
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rel must not be NULL")));
	fill_check_args(fcinfo, 1, 2);
	relid = PG_GETARG_OID(0);
	fill_check_target(relid);
	sg_init_materialized_srf(fcinfo);
	initStringInfo(&res.note);

	sg_spi_connect(&spi, false);
	fill_table(relid, PG_GETARG_INT32(1), PG_GETARG_INT32(2), NIL, &res);
	sg_spi_finish(&spi);
	fill_emit(rsinfo, relid, &res);
	return (Datum) 0;
}

typedef struct FillEdge
{
	int			from;
	int			to;
	Oid			conoid;
	bool		nullable;
	bool		broken;
} FillEdge;

static char *
fill_cycle_text(Oid *relids, int *cycle, int n)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i <= n; i++)
		appendStringInfo(&s, "%s%s", i ? " -> " : "",
						 sg_relation_identity(relids[cycle[i % n]]));
	return s.data;
}

/*
 * Order the tables so that referenced ones come first.  A cycle is broken
 * at the first of its edges whose foreign keys are all nullable: those are
 * left NULL (their conoids go to *nulled, their notes to notes[from]).
 */
static int *
fill_order(Oid *relids, int n, FillEdge *edges, int nedges, List **nulled,
		   char **notes)
{
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	bool	   *done = palloc0(sizeof(bool) * Max(n, 1));
	int			norder = 0;

	while (norder < n)
	{
		bool		progress = false;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			bool		ready = !done[i];

			for (int e = 0; e < nedges && ready; e++)
				if (edges[e].from == i && !edges[e].broken && !done[edges[e].to])
					ready = false;
			if (ready)
			{
				done[i] = true;
				order[norder++] = i;
				progress = true;
			}
		}
		if (!progress)
		{
			/* walk unbroken edges between waiting tables until one repeats */
			int		   *seen = palloc(sizeof(int) * n);
			int		   *path = palloc(sizeof(int) * (n + 1));
			int			len = 0,
						cur = -1,
						from;
			char	   *text;
			bool		broke = false;

			for (int i = 0; i < n && cur < 0; i++)
				if (!done[i])
					cur = i;
			for (int i = 0; i < n; i++)
				seen[i] = -1;
			while (seen[cur] < 0)
			{
				seen[cur] = len;
				path[len++] = cur;
				for (int e = 0; e < nedges; e++)
					if (edges[e].from == cur && !edges[e].broken && !done[edges[e].to])
					{
						cur = edges[e].to;
						break;
					}
			}
			from = seen[cur];
			text = fill_cycle_text(relids, path + from, len - from);

			for (int k = from; k < len && !broke; k++)
			{
				int			a = path[k],
							b = path[k + 1 < len ? k + 1 : from];
				bool		all = true;

				for (int e = 0; e < nedges; e++)
					if (edges[e].from == a && edges[e].to == b && !edges[e].nullable)
						all = false;
				if (!all)
					continue;
				for (int e = 0; e < nedges; e++)
					if (edges[e].from == a && edges[e].to == b)
					{
						edges[e].broken = true;
						*nulled = lappend_oid(*nulled, edges[e].conoid);
						notes[a] = psprintf("%s%sforeign key %s left NULL to break the cycle %s",
											notes[a] ? notes[a] : "", notes[a] ? "; " : "",
											quote_identifier(fill_constraint_name(edges[e].conoid)),
											text);
					}
				broke = true;
			}
			if (!broke)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("foreign keys form a cycle that no nullable column breaks: %s",
								text),
						 errhint("Make one foreign key column of the cycle nullable, or fill these tables with rows of your own.")));
		}
	}
	return order;
}

/* fill_schema(rows, schemas, seed) */
Datum
sg_fill_schema(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SgSpi		spi;
	int32		rows;
	int32		seed;
	Datum		args[1];
	char		argnulls[1] = {'n'};
	Oid			argtypes[1] = {NAMEARRAYOID};
	int			n;
	Oid		   *relids;
	FillEdge   *edges;
	int			nedges;
	int		   *order;
	char	  **notes;
	List	   *nulled = NIL;
	MemoryContext outer = CurrentMemoryContext;

	sg_require_extension_current();
	fill_check_args(fcinfo, 0, 2);
	rows = PG_GETARG_INT32(0);
	seed = PG_GETARG_INT32(2);
	if (!PG_ARGISNULL(1))
	{
		sg_check_schemas(PG_GETARG_DATUM(1), "fill");
		args[0] = PG_GETARG_DATUM(1);
		argnulls[0] = ' ';
	}
	sg_init_materialized_srf(fcinfo);
	sg_spi_connect(&spi, false);

	/* the tables: not partitions (rows reach them through their parent) */
	if (SPI_execute_with_args("SELECT c.oid FROM pg_catalog.pg_class c "
							  "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
							  "WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog.\"char\"[]) "
							  "AND NOT c.relispartition "
							  "AND c.relpersistence OPERATOR(pg_catalog.<>) 't' "
							  "AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema," SG_SCHEMA_NAME "}'::pg_catalog.name[]) "
							  "AND n.nspname::pg_catalog.text OPERATOR(pg_catalog.!~) '^pg_(toast|temp_)' "
							  "AND ($1 IS NULL OR n.nspname OPERATOR(pg_catalog.=) ANY ($1)) "
							  "AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d "
							  " WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
							  " AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e') "
							  "ORDER BY n.nspname, c.relname",
							  1, argtypes, args, argnulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the tables to fill");
	n = (int) SPI_processed;
	relids = MemoryContextAlloc(outer, sizeof(Oid) * Max(n, 1));
	notes = MemoryContextAllocZero(outer, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;

		relids[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);

	/* foreign keys between them, self-references aside */
	if (SPI_execute("SELECT f.conrelid, f.confrelid, f.oid, "
					"NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a "
					" WHERE a.attrelid OPERATOR(pg_catalog.=) f.conrelid "
					" AND a.attnum OPERATOR(pg_catalog.=) ANY (f.conkey) AND a.attnotnull) "
					"FROM pg_catalog.pg_constraint f "
					"WHERE f.contype OPERATOR(pg_catalog.=) 'f' "
					"AND f.conparentid OPERATOR(pg_catalog.=) 0 "
					"AND f.conrelid OPERATOR(pg_catalog.<>) f.confrelid "
					"ORDER BY f.conname, f.oid", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the foreign keys");
	edges = MemoryContextAlloc(outer, sizeof(FillEdge) * Max(SPI_processed, 1));
	nedges = 0;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			from = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		Oid			to = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		FillEdge   *e = &edges[nedges];

		e->from = e->to = -1;
		for (int i = 0; i < n; i++)
		{
			if (relids[i] == from)
				e->from = i;
			if (relids[i] == to)
				e->to = i;
		}
		if (e->from < 0 || e->to < 0)
			continue;
		e->conoid = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
		e->nullable = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		e->broken = false;
		nedges++;
	}
	SPI_freetuptable(SPI_tuptable);

	{
		MemoryContext old = MemoryContextSwitchTo(outer);

		order = fill_order(relids, n, edges, nedges, &nulled, notes);
		MemoryContextSwitchTo(old);
	}

	for (int k = 0; k < n; k++)
	{
		int			i = order[k];
		FillResult	res = {0};

		initStringInfo(&res.note);
		if (notes[i])
			appendStringInfoString(&res.note, notes[i]);
		if (pg_class_aclcheck(relids[i], GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		{
			res.not_made = rows;
			fill_add_note(&res, "skipped: no INSERT privilege");
		}
		else
			fill_table(relids[i], rows, seed, nulled, &res);
		fill_emit(rsinfo, relids[i], &res);
	}
	sg_spi_finish(&spi);
	return (Datum) 0;
}
