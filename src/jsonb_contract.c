/*-------------------------------------------------------------------------
 *
 * jsonb_contract.c
 *		JSONB contracts: jsonb_expect() validates and registers a documented
 *		shape (a JSON Schema subset), jsonb_drift() compares it with the
 *		shape actually stored.
 *
 * A contract is a JSON Schema.  "type", "properties", "required", "items",
 * "additionalProperties" and "enum" are checked; annotations ($schema,
 * title, description, ...) are ignored; any other keyword is accepted and
 * listed as not checked.  A malformed contract is rejected with the JSON
 * pointer of the problem.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"
#include "jsonb_shape.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(sg_jsonb_expect);
PG_FUNCTION_INFO_V1(sg_jsonb_unexpect);
PG_FUNCTION_INFO_V1(sg_jsonb_drift);
PG_FUNCTION_INFO_V1(sg_jsonb_contract_valid);

/* Keywords that describe and never constrain: nothing to check. */
static const char *const sg_annotations[] = {
	"$schema", "$id", "$comment", "title", "description", "default",
	"examples", "deprecated", "readOnly", "writeOnly", NULL
};

typedef struct SgParse
{
	List	   *unchecked;		/* "pointer/keyword" not checked */
} SgParse;

static SgContract *sg_parse_schema(SgParse *p, JsonbValue *v,
								   const char *pointer, const char *path);
static Oid	sg_relation_owner(Oid relid);

/* RFC 6901: "~" is "~0" and "/" is "~1". */
static char *
sg_pointer(const char *base, const char *token, int len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s/", base);
	for (int i = 0; i < len; i++)
	{
		if (token[i] == '~')
			appendStringInfoString(&buf, "~0");
		else if (token[i] == '/')
			appendStringInfoString(&buf, "~1");
		else
			appendStringInfoChar(&buf, token[i]);
	}
	return buf.data;
}

static void
sg_contract_error(const char *pointer, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid jsonb contract at %s", *pointer ? pointer : "the root"),
			 errdetail("%s", detail),
			 errhint("A contract is a JSON Schema; \"type\", \"properties\", \"required\", "
					 "\"items\", \"additionalProperties\" and \"enum\" are checked.")));
}

static const char *
sg_value_kind(JsonbValue *v)
{
	if (v->type == jbvBinary)
		return JsonContainerIsObject(v->val.binary.data) ? "an object" : "an array";
	switch (v->type)
	{
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		default:
			return "null";
	}
}

static int
sg_type_bit(const char *pointer, JsonbValue *v)
{
	if (v->type == jbvString)
		for (int t = 0; t < SG_JT_COUNT; t++)
			if (strlen(sg_json_type_names[t]) == (size_t) v->val.string.len &&
				memcmp(sg_json_type_names[t], v->val.string.val, v->val.string.len) == 0)
				return 1 << t;
	sg_contract_error(pointer,
					  psprintf("A type is one of \"object\", \"array\", \"string\", \"integer\", "
							   "\"number\", \"boolean\" or \"null\"; found %s%s%s.",
							   sg_value_kind(v),
							   v->type == jbvString ? " " : "",
							   v->type == jbvString ?
							   quote_literal_cstr(pnstrdup(v->val.string.val, v->val.string.len)) : ""));
	return 0;
}

/* Elements of an array container, as JsonbValues (containers as binary). */
static List *
sg_array_elements(JsonbValue *arr)
{
	JsonbIterator *it = JsonbIteratorInit(arr->val.binary.data);
	JsonbValue	v;
	JsonbIteratorToken tok;
	List	   *out = NIL;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
		{
			JsonbValue *copy = palloc(sizeof(JsonbValue));

			*copy = v;
			out = lappend(out, copy);
		}
	return out;
}

static bool
sg_is_array(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

static bool
sg_is_object(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static char *
sg_child_path(const char *path, const char *key, int keylen)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, path);
	sg_append_path_key(&buf, key, keylen);
	return buf.data;
}

static SgContract *
sg_parse_schema(SgParse *p, JsonbValue *v, const char *pointer, const char *path)
{
	SgContract *c = palloc0(sizeof(SgContract));
	JsonbIterator *it;
	JsonbValue	k,
				val;
	JsonbIteratorToken tok;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	c->path = pstrdup(path);
	if (v->type == jbvBool)
	{
		c->allows_nothing = !v->val.boolean;
		c->any_below = v->val.boolean;
		return c;
	}
	if (!sg_is_object(v))
		sg_contract_error(pointer, psprintf("A schema is an object or a boolean; found %s.",
											sg_value_kind(v)));

	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *kw;
		char	   *kp;
		bool		annotation = false;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);
		kw = pnstrdup(k.val.string.val, k.val.string.len);
		kp = sg_pointer(pointer, k.val.string.val, k.val.string.len);

		if (strcmp(kw, "type") == 0)
		{
			if (sg_is_array(&val))
			{
				ListCell   *lc;
				int			i = 0;

				foreach(lc, sg_array_elements(&val))
					c->types |= sg_type_bit(psprintf("%s/%d", kp, i++), lfirst(lc));
				if (i == 0)
					sg_contract_error(kp, "\"type\" lists no type.");
			}
			else
				c->types = sg_type_bit(kp, &val);
		}
		else if (strcmp(kw, "properties") == 0)
		{
			JsonbIterator *pit;
			JsonbValue	pk,
						pv;
			int			n = 0;

			if (!sg_is_object(&val))
				sg_contract_error(kp, psprintf("\"properties\" is an object of schemas; found %s.",
											   sg_value_kind(&val)));
			c->nproperties = JsonContainerSize(val.val.binary.data);
			c->prop_names = palloc(sizeof(char *) * Max(c->nproperties, 1));
			c->prop_lens = palloc(sizeof(int) * Max(c->nproperties, 1));
			c->prop_schemas = palloc(sizeof(SgContract *) * Max(c->nproperties, 1));
			pit = JsonbIteratorInit(val.val.binary.data);
			while ((tok = JsonbIteratorNext(&pit, &pk, true)) != WJB_DONE)
			{
				if (tok != WJB_KEY)
					continue;
				JsonbIteratorNext(&pit, &pv, true);
				c->prop_names[n] = pnstrdup(pk.val.string.val, pk.val.string.len);
				c->prop_lens[n] = pk.val.string.len;
				c->prop_schemas[n] =
					sg_parse_schema(p, &pv,
									sg_pointer(kp, pk.val.string.val, pk.val.string.len),
									sg_child_path(path, pk.val.string.val, pk.val.string.len));
				n++;
			}
		}
		else if (strcmp(kw, "required") == 0)
		{
			ListCell   *lc;
			int			i = 0;
			List	   *elems;

			if (!sg_is_array(&val))
				sg_contract_error(kp, psprintf("\"required\" is an array of key names; found %s.",
											   sg_value_kind(&val)));
			elems = sg_array_elements(&val);
			c->nrequired = list_length(elems);
			c->required = palloc(sizeof(char *) * Max(c->nrequired, 1));
			c->required_lens = palloc(sizeof(int) * Max(c->nrequired, 1));
			foreach(lc, elems)
			{
				JsonbValue *e = lfirst(lc);

				if (e->type != jbvString)
					sg_contract_error(psprintf("%s/%d", kp, i),
									  psprintf("A required key name is a string; found %s.",
											   sg_value_kind(e)));
				/* JSON Schema wants them unique; a repeat would count twice. */
				for (int j = 0; j < i; j++)
					if (c->required_lens[j] == e->val.string.len &&
						memcmp(c->required[j], e->val.string.val, e->val.string.len) == 0)
						sg_contract_error(psprintf("%s/%d", kp, i),
										  "The key names of \"required\" must be unique.");
				c->required[i] = pnstrdup(e->val.string.val, e->val.string.len);
				c->required_lens[i] = e->val.string.len;
				i++;
			}
		}
		else if (strcmp(kw, "items") == 0)
		{
			if (sg_is_array(&val))
				p->unchecked = lappend(p->unchecked,
									   psprintf("%s (tuple form)", kp));
			else
				c->items = sg_parse_schema(p, &val, kp, psprintf("%s[*]", path));
		}
		else if (strcmp(kw, "additionalProperties") == 0)
		{
			if (val.type == jbvBool)
			{
				c->additional_false = !val.val.boolean;
				c->additional_any = val.val.boolean;
			}
			else
				c->additional = sg_parse_schema(p, &val, kp, psprintf("%s.*", path));
		}
		else if (strcmp(kw, "enum") == 0)
		{
			ListCell   *lc;

			if (!sg_is_array(&val))
				sg_contract_error(kp, psprintf("\"enum\" is an array of values; found %s.",
											   sg_value_kind(&val)));
			c->enum_values = JsonbValueToJsonb(&val);
			foreach(lc, sg_array_elements(&val))
				if (((JsonbValue *) lfirst(lc))->type == jbvBinary)
			{
				p->unchecked = lappend(p->unchecked,
									   psprintf("%s (objects and arrays)", kp));
				break;
			}
		}
		else
		{
			for (int i = 0; sg_annotations[i]; i++)
				annotation |= strcmp(kw, sg_annotations[i]) == 0;
			if (!annotation && strncmp(kw, "x-", 2) != 0)
				p->unchecked = lappend(p->unchecked, kp);
		}
	}

	c->missing_docs = palloc0(sizeof(int64) * Max(c->nrequired, 1));
	c->missing_last_doc = palloc0(sizeof(int64) * Max(c->nrequired, 1));
	c->nmissing_examples = palloc0(sizeof(int) * Max(c->nrequired, 1));
	c->missing_examples = palloc0(sizeof(char **) * Max(c->nrequired, 1));
	for (int i = 0; i < c->nrequired; i++)
		c->missing_examples[i] = palloc0(sizeof(char *) * SG_MAX_EXAMPLES);
	return c;
}

/* Parse a contract; *unchecked receives the pointers of unchecked keywords. */
SgContract *
sg_contract_parse(Jsonb *contract, List **unchecked)
{
	SgParse		p = {NIL};
	JsonbValue	root;
	SgContract *c;

	if (JB_ROOT_IS_SCALAR(contract))
	{
		JsonbExtractScalar(&contract->root, &root);
	}
	else
	{
		root.type = jbvBinary;
		root.val.binary.data = &contract->root;
		root.val.binary.len = VARSIZE(contract) - VARHDRSZ;
	}
	if (root.type != jbvBool && !sg_is_object(&root))
		sg_contract_error("", psprintf("A contract is a JSON Schema object or a boolean; found %s.",
									   sg_value_kind(&root)));
	c = sg_parse_schema(&p, &root, "", "$");
	*unchecked = p.unchecked;
	return c;
}

/* Documents anything: below the boolean schema true. */
static SgContract sg_any_contract = {.path = "",.any_below = true};

/* The schema that documents a child path, or NULL when none does. */
SgContract *
sg_contract_child(SgContract *parent, SgEdge edge, const char *key, int keylen)
{
	if (parent == NULL || parent->allows_nothing)
		return NULL;
	if (parent->any_below)
		return &sg_any_contract;
	if (edge == SG_EDGE_ELEM)
		return parent->items;
	if (edge == SG_EDGE_KEY)
		for (int i = 0; i < parent->nproperties; i++)
			if (parent->prop_lens[i] == keylen &&
				memcmp(parent->prop_names[i], key, keylen) == 0)
				return parent->prop_schemas[i];
	if (parent->additional)
		return parent->additional;
	return parent->additional_any ? &sg_any_contract : NULL;
}

int
sg_contract_required_index(SgContract *parent, const char *key, int keylen)
{
	if (parent == NULL)
		return -1;
	for (int i = 0; i < parent->nrequired; i++)
		if (parent->required_lens[i] == keylen &&
			memcmp(parent->required[i], key, keylen) == 0)
			return i;
	return -1;
}

/* Keys named by the contract are never collapsed into ".*". */
bool
sg_contract_documents_key(SgContract *parent, const char *key, int keylen)
{
	for (int i = 0; i < parent->nproperties; i++)
		if (parent->prop_lens[i] == keylen &&
			memcmp(parent->prop_names[i], key, keylen) == 0)
			return true;
	return sg_contract_required_index(parent, key, keylen) >= 0;
}

static bool
sg_scalar_equal(JsonbValue *a, JsonbValue *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case jbvNull:
			return true;
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		case jbvNumeric:
			return DatumGetBool(DirectFunctionCall2(numeric_eq,
													NumericGetDatum(a->val.numeric),
													NumericGetDatum(b->val.numeric)));
		default:
			return false;
	}
}

/* Is the scalar v one of the schema's "enum" values? */
bool
sg_contract_enum_allows(SgContract *schema, JsonbValue *v)
{
	JsonbIterator *it = JsonbIteratorInit(&schema->enum_values->root);
	JsonbValue	e;
	JsonbIteratorToken tok;
	bool		containers = false;

	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (e.type == jbvBinary)
			containers = true;
		else if (sg_scalar_equal(&e, v))
			return true;
	}
	/* enums of objects or arrays are listed as not checked */
	return containers;
}

void
sg_contract_reset_counters(SgContract *c)
{
	if (c == NULL || c == &sg_any_contract)
		return;
	check_stack_depth();
	for (int i = 0; i < c->nrequired; i++)
	{
		c->missing_docs[i] = 0;
		c->missing_last_doc[i] = 0;
		c->nmissing_examples[i] = 0;
	}
	c->enum_docs = c->enum_last_doc = 0;
	c->nenum_examples = 0;
	for (int i = 0; i < c->nproperties; i++)
		sg_contract_reset_counters(c->prop_schemas[i]);
	sg_contract_reset_counters(c->items);
	sg_contract_reset_counters(c->additional);
}

static void
sg_types_text(StringInfo buf, int mask)
{
	int			k = 0;

	if (mask == 0)
	{
		appendStringInfoString(buf, "any");
		return;
	}
	for (int t = 0; t < SG_JT_COUNT; t++)
		if (mask & (1 << t))
			appendStringInfo(buf, "%s%s", k++ ? ", " : "", sg_json_type_names[t]);
}

static bool
sg_type_allowed(SgContract *c, int t)
{
	if (c->allows_nothing)
		return false;
	return c->types == 0 || (c->types & (1 << t)) ||
		(t == SG_JT_INTEGER && (c->types & (1 << SG_JT_NUMBER)));
}

/*
 * jsonb_expect(tbl regclass, col name, contract jsonb): validate and
 * register (or replace) the documented shape of a column.
 */
Datum
sg_jsonb_expect(PG_FUNCTION_ARGS)
{
	SgSpi		spi;
	Oid			relid;
	Name		col;
	Jsonb	   *contract;
	List	   *unchecked = NIL;
	ArrayBuildState *astate = NULL;
	ListCell   *lc;
	StringInfoData list;
	Oid			argtypes[5] = {OIDOID, NAMEOID, JSONBOID, TEXTARRAYOID, NAMEOID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	NameData	caller;

	sg_require_extension_current();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table, column and contract must not be NULL"),
				 errhint("To remove a contract, call schema_guard.jsonb_unexpect().")));
	relid = PG_GETARG_OID(0);
	col = PG_GETARG_NAME(1);
	contract = PG_GETARG_JSONB_P(2);
	(void) sg_jsonb_column(relid, col, false);
	sg_jsonb_refuse_temporary(relid, false);
	if (!has_privs_of_role(GetUserId(), sg_relation_owner(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be a member of the owner of \"%s\" to register its jsonb contract",
						get_rel_name(relid)),
				 errhint("Ask the table owner to call schema_guard.jsonb_expect().")));
	(void) sg_contract_parse(contract, &unchecked);

	initStringInfo(&list);
	foreach(lc, unchecked)
	{
		astate = accumArrayResult(astate, CStringGetTextDatum(lfirst(lc)), false,
								  TEXTOID, CurrentMemoryContext);
		appendStringInfo(&list, "%s%s", list.len ? ", " : "", (char *) lfirst(lc));
	}

	args[0] = ObjectIdGetDatum(relid);
	args[1] = NameGetDatum(col);
	args[2] = JsonbPGetDatum(contract);
	if (astate)
		args[3] = makeArrayResult(astate, CurrentMemoryContext);
	else
		args[3] = PointerGetDatum(construct_empty_array(TEXTOID));

	namestrcpy(&caller, GetUserNameFromId(GetUserId(), false));
	args[4] = NameGetDatum(&caller);

	/*
	 * Only this function writes contracts, as the extension owner, in the
	 * caller's name: no other role may write (or so lock) the table.
	 */
	sg_spi_connect(&spi, true);
	if (SPI_execute_with_args("INSERT INTO schema_guard.jsonb_contracts AS c "
							  "(tbl, col, contract, unchecked_keywords, registered_by) "
							  "VALUES ($1::pg_catalog.regclass, $2, $3, $4, $5) "
							  "ON CONFLICT (tbl, col) DO UPDATE SET "
							  "contract = EXCLUDED.contract, "
							  "unchecked_keywords = EXCLUDED.unchecked_keywords, "
							  "registered_at = pg_catalog.now(), "
							  "registered_by = EXCLUDED.registered_by",
							  5, argtypes, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not register the contract");
	sg_spi_finish(&spi);

	if (unchecked != NIL)
		ereport(NOTICE,
				(errmsg("contract keywords not checked by schema_guard: %s", list.data),
				 errdetail("Only \"type\", \"properties\", \"required\", \"items\", "
						   "\"additionalProperties\" and \"enum\" are compared with the data.")));
	PG_RETURN_VOID();
}

/*
 * jsonb_unexpect(tbl regclass, col name): remove the contract of a column,
 * for members of the table owner's role (as jsonb_expect() registers it).
 * Returns whether there was one.  The column need not exist any more.
 */
Datum
sg_jsonb_unexpect(PG_FUNCTION_ARGS)
{
	SgSpi		spi;
	Oid			relid = PG_GETARG_OID(0);
	Oid			argtypes[2] = {OIDOID, NAMEOID};
	Datum		args[2];
	bool		found;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!has_privs_of_role(GetUserId(), sg_relation_owner(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be a member of the owner of \"%s\" to remove its jsonb contract",
						get_rel_name(relid)),
				 errhint("Ask the table owner to call schema_guard.jsonb_unexpect().")));
	args[0] = ObjectIdGetDatum(relid);
	args[1] = PG_GETARG_DATUM(1);
	sg_spi_connect(&spi, true);
	if (SPI_execute_with_args("DELETE FROM schema_guard.jsonb_contracts "
							  "WHERE tbl OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "AND col OPERATOR(pg_catalog.=) $2",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not remove the contract");
	found = SPI_processed > 0;
	sg_spi_finish(&spi);
	PG_RETURN_BOOL(found);
}

/*
 * jsonb_contract_valid(contract jsonb): true, or the error that
 * jsonb_expect() would raise, with the JSON pointer of the problem.  The
 * CHECK constraint of schema_guard.jsonb_contracts, so that rows written
 * without jsonb_expect() are valid too.  The one function that does not
 * check the extension's version: it is immutable, reads nothing but its
 * argument (the same in every version), and rows of that table must stay
 * writable and restorable while an update is pending.
 */
Datum
sg_jsonb_contract_valid(PG_FUNCTION_ARGS)
{
	List	   *unchecked = NIL;

	(void) sg_contract_parse(PG_GETARG_JSONB_P(0), &unchecked);
	PG_RETURN_BOOL(true);
}

static Oid
sg_relation_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * One drift finding, handed to the column's emitter: a row of jsonb_drift(),
 * or an audit finding (sg_jsonb_drift_findings).
 */
typedef struct SgDriftRow
{
	const char *kind;
	const char *level;
	const char *path;
	const char *expected;
	const char *observed;
	int64		rows;
	char	  **examples;
	int			nexamples;
	const char *message;
	const char *detail;
	const char *fix;
} SgDriftRow;

typedef struct SgDrift SgDrift;
typedef void (*SgDriftEmit) (SgDrift *d, const SgDriftRow *row);

/* Drift of one column. */
struct SgDrift
{
	SgDriftEmit emit;
	void	   *arg;			/* the emitter's */
	SgShapeScan *s;
	char	   *column;			/* public.t.doc */
	char	   *rel;			/* public.t */
	char	   *colref;			/* doc or doc::jsonb */
	char	   *row_key_expr;
	int32	   *below;			/* undocumented paths below each node */
};

/*
 * Our path as a strict-mode jsonpath that cannot fail: lax mode would
 * unwrap arrays (so a filter on "array" never matches) and plain strict
 * mode raises, so each step first checks that it can be taken.
 */
static char *
sg_strict_jsonpath(const char *path)
{
	StringInfoData buf;
	const char *p = path + 1;	/* after "$" */

	initStringInfo(&buf);
	appendStringInfoString(&buf, "strict $");
	while (*p)
	{
		if (strncmp(p, "[*]", 3) == 0)
		{
			appendStringInfoString(&buf, " ? (@.type() == \"array\")[*]");
			p += 3;
		}
		else if (strncmp(p, ".*", 2) == 0)
		{
			appendStringInfoString(&buf, " ? (@.type() == \"object\").*");
			p += 2;
		}
		else
		{
			const char *start = ++p;	/* after "." */

			if (*p == '"')
			{
				for (p++; *p && *p != '"'; p++)
					if (*p == '\\' && p[1])
						p++;
				if (*p)
					p++;
			}
			else
				while (*p && *p != '.' && *p != '[')
					p++;
			appendStringInfo(&buf, " ? (exists(@.%.*s)).%.*s",
							 (int) (p - start), start, (int) (p - start), start);
		}
	}
	return buf.data;
}

/*
 * A ready query that lists the offending rows, by their key, or by their
 * documents when the caller may not read a key.
 */
static char *
sg_drift_fix(SgDrift *d, const char *path, const char *filter)
{
	char	   *sp = sg_strict_jsonpath(path);
	char	   *jp = filter ? psprintf("%s ? (%s)", sp, filter) : sp;

	return psprintf("SELECT %s FROM %s WHERE %s @? %s;",
					d->row_key_expr ? d->row_key_expr : d->colref,
					d->rel, d->colref, quote_literal_cstr(jp));
}

static const char *
sg_type_filter(int t)
{
	switch (t)
	{
		case SG_JT_INTEGER:
			return "@.type() == \"number\" && @ == @.floor()";
		case SG_JT_NUMBER:
			return "@.type() == \"number\" && @ != @.floor()";
		default:
			return psprintf("@.type() == \"%s\"", sg_json_type_names[t]);
	}
}

static void
sg_drift_emit(SgDrift *d, const char *kind, const char *level, const char *path,
			  const char *expected, const char *observed, int64 rows,
			  char **examples, int nexamples,
			  const char *message, const char *fix)
{
	SgDriftRow	row;
	StringInfoData detail;

	initStringInfo(&detail);
	appendStringInfo(&detail, "%lld of %lld documents",
					 (long long) rows, (long long) d->s->documents);
	if (d->s->sampled)
		appendStringInfo(&detail, " in a %g%% %ssample (seed %d)",
						 d->s->sample_percent, d->s->block_sample ? "block " : "",
						 d->s->seed);
	appendStringInfoChar(&detail, '.');
	if (expected)
		appendStringInfo(&detail, " Expected: %s.", expected);
	if (observed)
		appendStringInfo(&detail, " Observed: %s.", observed);
	if (nexamples > 0)
	{
		appendStringInfo(&detail, " Rows by %s:", d->s->row_key_label);
		for (int i = 0; i < nexamples; i++)
			appendStringInfo(&detail, "%s %s", i ? "," : "", examples[i]);
		appendStringInfoChar(&detail, '.');
	}
	row.kind = kind;
	row.level = level;
	row.path = path;
	row.expected = expected;
	row.observed = observed;
	row.rows = rows;
	row.examples = examples;
	row.nexamples = nexamples;
	row.message = message;
	row.detail = detail.data;
	row.fix = fix;
	d->emit(d, &row);
}

/* jsonb_drift()'s emitter: a row of its result. */
static void
sg_drift_put_row(SgDrift *d, const SgDriftRow *row)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) d->arg;
	Datum		values[13];
	bool		nulls[13] = {0};
	ArrayBuildState *astate = NULL;

	for (int i = 0; i < row->nexamples; i++)
		astate = accumArrayResult(astate, CStringGetTextDatum(row->examples[i]), false,
								  TEXTOID, CurrentMemoryContext);
	values[0] = CStringGetTextDatum("jsonb_drift");
	values[1] = CStringGetTextDatum(row->level);
	values[2] = CStringGetTextDatum("jsonb path");
	values[3] = CStringGetTextDatum(psprintf("%s %s", d->column, row->path));
	values[4] = CStringGetTextDatum(row->message);
	values[5] = CStringGetTextDatum(row->detail);
	values[6] = row->fix ? CStringGetTextDatum(row->fix) : (Datum) 0;
	nulls[6] = (row->fix == NULL);
	values[7] = CStringGetTextDatum(row->kind);
	values[8] = CStringGetTextDatum(row->path);
	values[9] = row->expected ? CStringGetTextDatum(row->expected) : (Datum) 0;
	nulls[9] = (row->expected == NULL);
	values[10] = row->observed ? CStringGetTextDatum(row->observed) : (Datum) 0;
	nulls[10] = (row->observed == NULL);
	values[11] = Int64GetDatum(row->rows);
	values[12] = astate ? makeArrayResult(astate, CurrentMemoryContext) :
		PointerGetDatum(construct_empty_array(TEXTOID));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* "string 120, integer 3": the types held at a node, with their documents. */
static char *
sg_observed_types(SgShapeNode *node)
{
	StringInfoData buf;
	int			k = 0;

	initStringInfo(&buf);
	for (int t = 0; t < SG_JT_COUNT; t++)
		if (node->types[t].rows > 0)
			appendStringInfo(&buf, "%s%s in %lld", k++ ? ", " : "",
							 sg_json_type_names[t], (long long) node->types[t].rows);
	return buf.data;
}

/* Findings about the paths the data holds. */
static void
sg_drift_node(SgDrift *d, int32 n, const char *path)
{
	SgShapeScan *s = d->s;
	SgShapeNode *node = &s->nodes[n];
	SgContract *c = node->contract;
	SgContract *pc = node->parent >= 0 ? s->nodes[node->parent].contract : NULL;
	int			mask = sg_shape_node_types(node);
	int			folded = mask;
	int			ntypes = 0;
	bool		all_allowed = c != NULL;
	int			major = -1;

	if (node->docs == 0)
		return;
	/* a number path that is sometimes integral holds one type */
	if (folded & (1 << SG_JT_NUMBER))
		folded &= ~(1 << SG_JT_INTEGER);
	for (int t = 0; t < SG_JT_COUNT; t++)
	{
		if (!(mask & (1 << t)))
			continue;
		ntypes += (folded >> t) & 1;
		if (c == NULL || !sg_type_allowed(c, t))
			all_allowed = false;
	}
	/* the most common type; integer and number weigh together when folded */
	for (int t = 0, best = -1; t < SG_JT_COUNT; t++)
	{
		int64		w = node->types[t].rows;

		if (!(mask & (1 << t)))
			continue;
		if (folded != mask && (t == SG_JT_INTEGER || t == SG_JT_NUMBER))
			w = node->types[SG_JT_INTEGER].rows + node->types[SG_JT_NUMBER].rows;
		if (w > best)
		{
			best = w;
			major = t;
		}
	}

	if (c == NULL && pc != NULL)
	{
		char	   *ex[SG_MAX_EXAMPLES];
		int			nex = 0;
		bool		strict = pc->additional_false &&
		(node->edge == SG_EDGE_KEY || node->edge == SG_EDGE_MAP);

		for (int t = 0; t < SG_JT_COUNT; t++)
			for (int i = 0; i < node->ex->n[t]; i++)
			{
				bool		dup = false;

				for (int j = 0; j < nex; j++)
					dup |= strcmp(ex[j], node->ex->row[t][i]) == 0;
				if (!dup && nex < SG_MAX_EXAMPLES)
					ex[nex++] = node->ex->row[t][i];
			}
		sg_drift_emit(d, "undocumented_path", strict ? "error" : "warning", path,
					  NULL,
					  d->below[n] > 0 ?
					  psprintf("%s; %d %s below it", sg_observed_types(node), d->below[n],
							   d->below[n] == 1 ? "path" : "paths") :
					  sg_observed_types(node),
					  node->docs, ex, nex,
					  psprintf("path %s of %s is not in its contract%s", path, d->column,
							   strict ? ", which forbids additional properties" : ""),
					  sg_drift_fix(d, path, NULL));
	}
	if (c != NULL)
	{
		for (int t = 0; t < SG_JT_COUNT; t++)
		{
			StringInfoData exp;

			if (!(mask & (1 << t)) || sg_type_allowed(c, t))
				continue;
			initStringInfo(&exp);
			if (c->allows_nothing)
				appendStringInfoString(&exp, "nothing (the contract's schema is false)");
			else
				sg_types_text(&exp, c->types);
			sg_drift_emit(d, "type_mismatch", "error", path, exp.data,
						  sg_json_type_names[t], node->types[t].rows,
						  node->ex->row[t], node->ex->n[t],
						  psprintf("path %s of %s holds %s where its contract says %s",
								   path, d->column, sg_json_type_names[t], exp.data),
						  sg_drift_fix(d, path, sg_type_filter(t)));
		}
	}
	if (ntypes > 1 && !all_allowed)
	{
		int64		minority = 0;
		int			minor = -1;
		StringInfoData exp;

		/* integer and number are one family when the path holds both */
		int			family = (1 << major);

		if (folded != mask && (family & ((1 << SG_JT_INTEGER) | (1 << SG_JT_NUMBER))))
			family = (1 << SG_JT_INTEGER) | (1 << SG_JT_NUMBER);
		for (int t = 0; t < SG_JT_COUNT; t++)
			if (!(family & (1 << t)) && node->types[t].rows > 0)
			{
				minority += node->types[t].rows;
				if (minor < 0 || node->types[t].rows > node->types[minor].rows)
					minor = t;
			}
		initStringInfo(&exp);
		if (c)
			sg_types_text(&exp, c->types);
		sg_drift_emit(d, "type_conflict", "warning", path, c ? exp.data : NULL,
					  sg_observed_types(node), minority,
					  node->ex->row[minor], node->ex->n[minor],
					  psprintf("path %s of %s holds %d types; most documents have %s",
							   path, d->column, ntypes, sg_json_type_names[major]),
					  sg_drift_fix(d, path, sg_type_filter(minor)));
	}
}

/* Findings about what the contract documents. */
static void
sg_drift_contract(SgDrift *d, SgContract *c, int32 n)
{
	SgShapeScan *s = d->s;

	if (c == NULL || c == &sg_any_contract)
		return;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	for (int i = 0; i < c->nrequired; i++)
	{
		char	   *path = sg_child_path(c->path, c->required[i], c->required_lens[i]);
		StringInfoData key;

		if (c->missing_docs[i] == 0)
			continue;
		initStringInfo(&key);
		escape_json(&key, c->required[i]);
		sg_drift_emit(d, "missing_required", "error", path, "present", "absent",
					  c->missing_docs[i], c->missing_examples[i], c->nmissing_examples[i],
					  psprintf("required key %s is missing from objects at %s of %s",
							   key.data, c->path, d->column),
					  sg_drift_fix(d, c->path,
								   psprintf("@.type() == \"object\" && !exists(@.keyvalue() ? (@.key == %s))", key.data)));
	}
	if (c->enum_docs > 0)
		sg_drift_emit(d, "enum_mismatch", "error", c->path,
					  JsonbToCString(NULL, &c->enum_values->root, VARSIZE(c->enum_values)),
					  "another value", c->enum_docs, c->enum_examples, c->nenum_examples,
					  psprintf("path %s of %s holds values outside its contract's enum",
							   c->path, d->column),
					  NULL);
	for (int i = 0; i < c->nproperties; i++)
	{
		int32		child = n >= 0 && s->nodes[n].docs > 0 ?
		sg_shape_find_child(s, n, c->prop_names[i], c->prop_lens[i]) : -1;
		SgContract *pc = c->prop_schemas[i];

		/*
		 * Absent, unless the depth limit or the path budget refused children
		 * of this node: then nobody knows.
		 */
		if (child < 0 && n >= 0 && s->nodes[n].docs > 0 && !s->nodes[n].children_lost)
		{
			char	   *observed = s->sampled ?
			psprintf("absent; at most %.2g%% of documents at 95%% confidence",
					 100 * sg_unseen_bound(s->documents)) : "absent";

			sg_drift_emit(d, "never_present", "info", pc->path, "documented", observed,
						  0, NULL, 0,
						  psprintf("documented path %s of %s is never present",
								   pc->path, d->column),
						  NULL);
		}
		sg_drift_contract(d, pc, child);
	}
	sg_drift_contract(d, c->items, n >= 0 ? s->nodes[n].elem_child : -1);
	sg_drift_contract(d, c->additional, n >= 0 ? s->nodes[n].map_child : -1);
}

typedef struct SgPathOrder
{
	char	   *path;
	int32		node;
} SgPathOrder;

static int
sg_path_order_cmp(const void *a, const void *b)
{
	return strcmp(((const SgPathOrder *) a)->path, ((const SgPathOrder *) b)->path);
}

/*
 * Compare the column's data, or a sample of it, with its contract; every
 * finding goes to emit.  The one check of jsonb_drift() and the audit.
 */
static void
sg_drift_column(SgDriftEmit emit, void *arg, Oid relid, AttrNumber attnum,
				Jsonb *contract, bool sampled, double sample_percent, int32 seed,
				bool block_sample)
{
	SgShapeScan s;
	SgDrift		d;
	List	   *unchecked;
	SgPathOrder *order;
	bool		is_json = getBaseType(get_atttype(relid, attnum)) == JSONOID;

	memset(&s, 0, sizeof(s));
	s.relid = relid;
	s.attnum = attnum;
	s.sampled = sampled;
	s.sample_percent = sampled ? sample_percent : 100;
	s.seed = seed;
	s.block_sample = block_sample;
	s.want_row_keys = true;
	s.contract = sg_contract_parse(contract, &unchecked);
	sg_shape_scan(&s);

	d.emit = emit;
	d.arg = arg;
	d.s = &s;
	d.column = sg_column_identity(relid, attnum);
	d.rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid));
	d.colref = psprintf("%s%s", quote_identifier(get_attname(relid, attnum, false)),
						is_json ? "::pg_catalog.jsonb" : "");
	d.row_key_expr = s.row_key_expr;
	d.below = palloc0(sizeof(int32) * s.nnodes);
	/* children come after their parents in the node array */
	for (int32 i = s.nnodes - 1; i > 0; i--)
		if (s.nodes[i].contract == NULL)
			d.below[s.nodes[i].parent] += 1 + d.below[i];

	order = palloc(sizeof(SgPathOrder) * s.nnodes);
	for (int32 i = 0; i < s.nnodes; i++)
	{
		order[i].path = sg_shape_path(&s, i);
		order[i].node = i;
	}
	qsort(order, s.nnodes, sizeof(SgPathOrder), sg_path_order_cmp);
	for (int32 i = 0; i < s.nnodes; i++)
		sg_drift_node(&d, order[i].node, order[i].path);
	sg_drift_contract(&d, s.contract, 0);
	MemoryContextDelete(s.cxt);
}

/*
 * jsonb_drift(tbl, col, sample_percent, seed): findings for one contracted
 * column, every contracted column of a table, or every contract.
 */
Datum
sg_jsonb_drift(PG_FUNCTION_ARGS)
{
	SgSpi		spi;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		sampled = !PG_ARGISNULL(2);
	double		pct = sampled ? PG_GETARG_FLOAT8(2) : 100;
	Oid			argtypes[2] = {OIDOID, NAMEOID};
	Datum		args[2];
	char		nulls[2];
	MemoryContext outer = CurrentMemoryContext;
	int			ncontracts;
	Oid		   *relids;
	char	  **cols;
	Jsonb	  **contracts;

	sg_require_extension_current();
	sg_check_sample_percent(!sampled, pct);
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed must not be NULL"),
				 errhint("Any integer makes the sample repeatable; the default is 0.")));
	if (PG_ARGISNULL(0) && !PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a column needs its table"),
				 errhint("Pass the table too, or neither for every contracted column.")));
	if (!PG_ARGISNULL(0) &&
		!SearchSysCacheExists1(RELOID, PG_GETARG_DATUM(0)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", PG_GETARG_OID(0))));
	if (!PG_ARGISNULL(1))
		(void) sg_jsonb_column(PG_GETARG_OID(0), PG_GETARG_NAME(1), true);
	sg_init_materialized_srf(fcinfo);

	args[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	args[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';
	nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';
	sg_spi_connect(&spi, false);
	if (SPI_execute_with_args("SELECT tbl::pg_catalog.oid, col, contract "
							  "FROM schema_guard.jsonb_contracts "
							  "WHERE ($1 IS NULL OR tbl::pg_catalog.oid = $1) "
							  "AND ($2 IS NULL OR col = $2) "
							  "ORDER BY tbl::pg_catalog.text, col",
							  2, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read schema_guard.jsonb_contracts");
	ncontracts = (int) SPI_processed;
	relids = MemoryContextAlloc(outer, sizeof(Oid) * Max(ncontracts, 1));
	cols = MemoryContextAlloc(outer, sizeof(char *) * Max(ncontracts, 1));
	contracts = MemoryContextAlloc(outer, sizeof(Jsonb *) * Max(ncontracts, 1));
	for (int i = 0; i < ncontracts; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old;

		relids[i] = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		old = MemoryContextSwitchTo(outer);
		cols[i] = SPI_getvalue(tup, desc, 2);
		contracts[i] = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
	}
	sg_spi_finish(&spi);

	if (ncontracts == 0 && !PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no jsonb contract is registered for %s%s%s",
						DatumGetCString(DirectFunctionCall1(regclassout, PG_GETARG_DATUM(0))),
						PG_ARGISNULL(1) ? "" : ".",
						PG_ARGISNULL(1) ? "" : NameStr(*PG_GETARG_NAME(1))),
				 errhint("Register the documented shape with schema_guard.jsonb_expect(); "
						 "schema_guard.jsonb_infer_contract() drafts one from the data.")));

	for (int i = 0; i < ncontracts; i++)
	{
		AttrNumber	attnum;
		NameData	colname;

		AttrNumber	found;
		Oid			basetype = InvalidOid;

		/*
		 * Asked for every contract, one column that cannot be read any more
		 * must not hide the others: say why and go on.
		 */
		found = SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relids[i]))
			? get_attnum(relids[i], cols[i]) : InvalidAttrNumber;
		if (found != InvalidAttrNumber)
			basetype = getBaseType(get_atttype(relids[i], found));
		if (basetype != JSONBOID && basetype != JSONOID)
		{
			char	   *relname = get_rel_name(relids[i]) ? sg_relation_identity(relids[i]) : NULL;

			ereport(WARNING,
					(errcode(found == InvalidAttrNumber ? ERRCODE_UNDEFINED_COLUMN
							 : ERRCODE_DATATYPE_MISMATCH),
					 errmsg("skipping the contract of %s.%s: %s",
							relname ? relname : psprintf("%u", relids[i]),
							quote_identifier(cols[i]),
							found == InvalidAttrNumber ? "the column no longer exists"
							: "the column is no longer json or jsonb"),
					 errhint("SELECT schema_guard.jsonb_unexpect(%s, %s);",
							 quote_literal_cstr(relname ? relname : psprintf("%u", relids[i])),
							 quote_literal_cstr(cols[i]))));
			continue;
		}
		namestrcpy(&colname, cols[i]);
		attnum = sg_jsonb_column(relids[i], &colname, true);
		sg_drift_column(sg_drift_put_row, rsinfo, relids[i], attnum, contracts[i],
						sampled, pct, PG_GETARG_INT32(3), false);
	}
	return (Datum) 0;
}

/*
 * Contracts and snapshots name their column: follow ALTER TABLE ... RENAME
 * COLUMN, on the table and on its partitions and inheritance children,
 * which the rename always reaches (PostgreSQL refuses ONLY for a column
 * that children inherit).  Called at ddl_command_end whatever
 * schema_guard.mode is.  (tbl is a regclass and follows table renames by
 * itself.)
 */
void
sg_jsonb_column_renamed(Oid relid, const char *oldname, const char *newname)
{
	SgSpi		spi;
	Oid			argtypes[3] = {OIDARRAYOID, NAMEOID, NAMEOID};
	Datum		args[3];
	NameData	oldn,
				newn;
	List	   *rels = find_all_inheritors(relid, NoLock, NULL);
	Datum	   *oids = palloc(sizeof(Datum) * list_length(rels));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, rels)
		oids[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	namestrcpy(&oldn, oldname);
	namestrcpy(&newn, newname);
	args[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true,
											  TYPALIGN_INT));
	args[1] = NameGetDatum(&oldn);
	args[2] = NameGetDatum(&newn);

	/*
	 * The renamer owns the table but may not write snapshots: this runs as
	 * the extension owner (with pinned settings; every operator is qualified
	 * all the same).
	 */
	sg_spi_connect(&spi, true);
	if (SPI_execute_with_args("UPDATE schema_guard.jsonb_contracts SET col = $3 "
							  "WHERE tbl::pg_catalog.oid OPERATOR(pg_catalog.=) ANY ($1) "
							  "AND col OPERATOR(pg_catalog.=) $2",
							  3, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE ||
		SPI_execute_with_args("UPDATE schema_guard.jsonb_snapshots SET col = $3 "
							  "WHERE tbl::pg_catalog.oid OPERATOR(pg_catalog.=) ANY ($1) "
							  "AND col OPERATOR(pg_catalog.=) $2",
							  3, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not follow the rename of column \"%s\"", oldname);
	sg_spi_finish(&spi);
}

/*
 * Contracts and snapshots die with their table or column.  Called at
 * sql_drop, as the extension owner.
 */
void
sg_jsonb_forget_dropped(void)
{
	SgSpi		spi;
	static const char *const tables[] = {
		"schema_guard.jsonb_contracts", "schema_guard.jsonb_snapshots"
	};

	sg_spi_connect(&spi, true);
	for (int i = 0; i < lengthof(tables); i++)
		if (SPI_execute(psprintf("DELETE FROM %s x "
								 "USING pg_catalog.pg_event_trigger_dropped_objects() d "
								 "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								 "AND d.objid = x.tbl::pg_catalog.oid "
								 "AND (d.objsubid = 0 OR d.address_names[3] = x.col)",
								 tables[i]),
						false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not forget the jsonb contracts of dropped objects");
	sg_spi_finish(&spi);
}

/* The audit's emitter of drift: findings of rule jsonb_drift. */
typedef struct SgDriftAudit
{
	List	   *findings;
	SgSample   *sample;
	bool		rls;			/* row-level security hides rows */
} SgDriftAudit;

static void
sg_drift_add_finding(SgDrift *d, const SgDriftRow *row)
{
	SgDriftAudit *a = (SgDriftAudit *) d->arg;
	SgFinding  *finding;
	StringInfoData ev;

	/* that no document seen has a path says nothing of those hidden */
	if (a->rls && strcmp(row->kind, "never_present") == 0)
		return;
	finding = palloc0(sizeof(SgFinding));
	finding->rule = SG_RULE_JSONB_DRIFT;
	finding->relid = d->s->relid;
	finding->object_type = "jsonb path";
	finding->object_identity = psprintf("%s %s", d->column, row->path);
	finding->message = pstrdup(row->message);
	finding->detail = pstrdup(row->detail);
	finding->fix = row->fix ? pstrdup(row->fix) : NULL;
	initStringInfo(&ev);
	appendStringInfoString(&ev, "{\"kind\": ");
	escape_json(&ev, row->kind);
	appendStringInfoString(&ev, ", \"drift_level\": ");
	escape_json(&ev, row->level);
	appendStringInfoString(&ev, ", \"path\": ");
	escape_json(&ev, row->path);
	if (row->expected)
	{
		appendStringInfoString(&ev, ", \"expected\": ");
		escape_json(&ev, row->expected);
	}
	if (row->observed)
	{
		appendStringInfoString(&ev, ", \"observed\": ");
		escape_json(&ev, row->observed);
	}
	appendStringInfo(&ev, ", \"documents_with_it\": %lld, \"documents\": %lld, \"rows_read\": %lld, "
					 "\"sampled\": %s, \"rls\": %s",
					 (long long) row->rows, (long long) d->s->documents,
					 (long long) d->s->rows_scanned, a->sample->sampled ? "true" : "false",
					 a->rls ? "true" : "false");
	sg_sample_evidence(&ev, a->sample);
	appendStringInfoString(&ev, ", \"examples\": [");
	for (int i = 0; i < row->nexamples; i++)
	{
		if (i)
			appendStringInfoString(&ev, ", ");
		escape_json(&ev, row->examples[i]);
	}
	appendStringInfoString(&ev, "]}");
	finding->evidence = ev.data;
	a->findings = lappend(a->findings, finding);
}

/*
 * jsonb_drift in the audit: every contracted column of the table (those
 * the caller may read: the contracts' policy shows no other), compared
 * with its contract by jsonb_drift()'s own check, over the data rules'
 * sample.  The level of each kind of drift in jsonb_drift() is in the
 * evidence; the audit reports at the rule's level.
 */
List *
sg_jsonb_drift_audit(Relation rel, SgAudit *audit)
{
	Oid			relid = RelationGetRelid(rel);
	char		relkind = rel->rd_rel->relkind;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	SgSpi		spi;
	int			ncontracts;
	char	  **cols;
	Jsonb	  **contracts;
	MemoryContext outer = CurrentMemoryContext;
	SgSample	sample;
	SgDriftAudit a = {0};
	char	   *why;
	SgAuditSkip skip;

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_MATVIEW)
		return NIL;
	args[0] = ObjectIdGetDatum(relid);
	sg_spi_connect(&spi, false);
	if (SPI_execute_with_args("SELECT col, contract FROM schema_guard.jsonb_contracts "
							  "WHERE tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
							  "ORDER BY col",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read schema_guard.jsonb_contracts");
	ncontracts = (int) SPI_processed;
	cols = MemoryContextAlloc(outer, sizeof(char *) * Max(ncontracts, 1));
	contracts = MemoryContextAlloc(outer, sizeof(Jsonb *) * Max(ncontracts, 1));
	for (int i = 0; i < ncontracts; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(outer);

		cols[i] = SPI_getvalue(tup, desc, 1);
		contracts[i] = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		MemoryContextSwitchTo(old);
	}
	sg_spi_finish(&spi);
	if (ncontracts == 0)
		return NIL;

	why = sg_data_sample(rel, audit, &sample, &skip);
	if (why != NULL)
		return list_make1(sg_audit_skipped(SG_RULE_JSONB_DRIFT, rel,
										   relkind == RELKIND_PARTITIONED_TABLE ? "partitioned table" :
										   relkind == RELKIND_MATVIEW ? "materialized view" : "table",
										   sg_relation_identity(relid), NULL, skip, why));
	a.sample = &sample;
	a.rls = check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED;
	for (int i = 0; i < ncontracts; i++)
	{
		AttrNumber	attnum = get_attnum(relid, cols[i]);
		Oid			basetype = attnum > 0 ? getBaseType(get_atttype(relid, attnum)) : InvalidOid;

		CHECK_FOR_INTERRUPTS();
		if (basetype != JSONBOID && basetype != JSONOID)
		{
			a.findings = lappend(a.findings,
								 sg_audit_skipped(SG_RULE_JSONB_DRIFT, rel, "column",
												  psprintf("%s.%s", sg_relation_identity(relid),
														   quote_identifier(cols[i])),
												  cols[i], SG_SKIP_UNREADABLE,
												  attnum > 0 ? "the column of its contract is no longer json or jsonb"
												  : "the column of its contract no longer exists"));
			continue;
		}
		sg_drift_column(sg_drift_add_finding, &a, relid, attnum, contracts[i],
						sample.sampled, sample.percent, sample.seed, true);
	}
	return a.findings;
}
