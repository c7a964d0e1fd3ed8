/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *		schema_fingerprint(), schema_diff() and data_fingerprint(): what a
 *		round trip compares (doc/schema_guard.md, "Fingerprints").
 *
 * A schema fingerprint describes objects by name and by the server's own
 * deparsers, never by OID, so that two databases built the same way give
 * equal documents.  It is one catalog query, run as the caller with the
 * extension's pinned settings (search_path pg_catalog, pg_temp: every user
 * object is printed schema-qualified).  The diff is one query over two such
 * documents.  A data fingerprint is one scan of the relation, as the caller,
 * with every row hashed as it arrives.
 *
 *-------------------------------------------------------------------------
 */
#include "schema_guard.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(sg_schema_fingerprint);
PG_FUNCTION_INFO_V1(sg_schema_diff);
PG_FUNCTION_INFO_V1(sg_data_fingerprint);

/*
 * The fingerprint query.  $1: the schemas (NULL: every schema but the
 * system's, temporary ones and the extension's own).  Objects are grouped
 * by type, each keyed by its identity; a table's columns, constraints,
 * indexes, triggers and policies are objects of their own that carry the
 * table and their name, so that schema_diff() can tell a rename.  Members
 * of extensions are left out (the extension and its version stand for
 * them), as are objects the server names after OIDs (internal triggers).
 * NULL properties are stripped: an absent key means "none" or "default".
 * ACLs are sorted, and NULL (the default) is spelled out with acldefault(),
 * so that a GRANT undone by a REVOKE reads as never done.
 */
static const char *const sg_fingerprint_query =
"WITH ext AS (\n"
"  SELECT d.classid, d.objid FROM pg_depend d\n"
"   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'),\n"
"nsp AS (\n"
"  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n\n"
"   WHERE CASE WHEN $1 IS NULL\n"
"              THEN n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'\n"
"                   AND n.oid NOT IN (SELECT e.extnamespace FROM pg_extension e\n"
"                                      WHERE e.extname = 'schema_guard')\n"
"              ELSE n.nspname = ANY ($1) END\n"
"     AND n.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_namespace'::regclass)\n"
"     AND NOT (n.nspname ~ '^pg_(toast_)?temp_')),\n"
"usable AS (SELECT * FROM nsp WHERE has_schema_privilege(nsp.oid, 'USAGE')),\n"
"rel AS (\n"
"  SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relowner, c.relacl,\n"
"         c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,\n"
"         c.relispartition, c.relpartbound, c.relispopulated, c.oid::regclass::text AS ident\n"
"    FROM pg_class c JOIN usable n ON n.oid = c.relnamespace\n"
"   WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')\n"
"     AND c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_class'::regclass)),\n"
"objs(otype, ident, props) AS (\n"
"  SELECT 'schema', quote_ident(n.nspname), jsonb_build_object(\n"
"         'owner', pg_get_userbyid(n.nspowner),\n"
"         'acl', (SELECT jsonb_agg(a::text ORDER BY a::text)\n"
"                   FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) a),\n"
"         'comment', obj_description(n.oid, 'pg_namespace'))\n"
"    FROM usable n\n"
"  UNION ALL\n"
"  SELECT 'extension', quote_ident(e.extname), jsonb_build_object(\n"
"         'version', e.extversion, 'schema', quote_ident(n.nspname))\n"
"    FROM pg_extension e JOIN nsp n ON n.oid = e.extnamespace\n"
"  UNION ALL\n"
"  SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'view'\n"
"                        WHEN 'S' THEN 'sequence' ELSE 'table' END,\n"
"         c.ident, jsonb_build_object(\n"
"         'kind', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'\n"
"                   WHEN 'f' THEN 'foreign table' WHEN 'v' THEN 'view'\n"
"                   WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' END,\n"
"         'unlogged', CASE WHEN c.relpersistence = 'u' THEN true END,\n"
"         'owner', pg_get_userbyid(c.relowner),\n"
"         'acl', (SELECT jsonb_agg(a::text ORDER BY a::text)\n"
"                   FROM unnest(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's'\n"
"                                                             ELSE 'r' END::\"char\", c.relowner))) a),\n"
"         'comment', obj_description(c.oid, 'pg_class'),\n"
"         'options', (SELECT jsonb_agg(o ORDER BY o) FROM unnest(c.reloptions) o),\n"
"         'row_security', CASE WHEN c.relrowsecurity THEN true END,\n"
"         'force_row_security', CASE WHEN c.relforcerowsecurity THEN true END,\n"
"         'replica_identity', CASE WHEN c.relkind IN ('r', 'p') THEN\n"
"                               CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'\n"
"                               WHEN 'i' THEN 'index' END END,\n"
"         'partition_key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,\n"
"         'partition_of', CASE WHEN c.relispartition THEN\n"
"                           (SELECT i.inhparent::regclass::text FROM pg_inherits i\n"
"                             WHERE i.inhrelid = c.oid) END,\n"
"         'partition_bound', pg_get_expr(c.relpartbound, c.oid),\n"
"         'inherits', CASE WHEN NOT c.relispartition THEN\n"
"                       (SELECT jsonb_agg(i.inhparent::regclass::text ORDER BY i.inhseqno)\n"
"                          FROM pg_inherits i WHERE i.inhrelid = c.oid) END,\n"
"         'columns', CASE WHEN c.relkind IN ('r', 'p', 'f') THEN\n"
"                      coalesce((SELECT jsonb_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a\n"
"                                 WHERE a.attrelid = c.oid AND a.attnum > 0\n"
"                                   AND NOT a.attisdropped), '[]') END,\n"
"         'definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,\n"
"         'populated', CASE WHEN c.relkind = 'm' AND NOT c.relispopulated THEN false END)\n"
"         || CASE WHEN c.relkind <> 'S' THEN '{}' ELSE\n"
"           (SELECT jsonb_build_object(\n"
"                   'type', format_type(s.seqtypid, NULL), 'start', s.seqstart,\n"
"                   'increment', s.seqincrement, 'min', s.seqmin, 'max', s.seqmax,\n"
"                   'cache', s.seqcache, 'cycle', s.seqcycle,\n"
"                   'owned_by', (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)\n"
"                                  FROM pg_depend d JOIN pg_attribute a\n"
"                                    ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid\n"
"                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid\n"
"                                   AND d.refclassid = 'pg_class'::regclass\n"
"                                   AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')),\n"
"                   'last_value', CASE WHEN has_sequence_privilege(c.oid, 'SELECT, USAGE')\n"
"                                      THEN pg_sequence_last_value(c.oid) END,\n"
"                   'state_unreadable', CASE WHEN NOT has_sequence_privilege(c.oid, 'SELECT, USAGE')\n"
"                                            THEN 'no SELECT or USAGE privilege' END)\n"
"              FROM pg_sequence s WHERE s.seqrelid = c.oid) END\n"
"    FROM rel c\n"
"  UNION ALL\n"
"  SELECT 'column', c.ident || '.' || quote_ident(a.attname), jsonb_build_object(\n"
"         'table', c.ident, 'name', a.attname,\n"
"         'type', format_type(a.atttypid, a.atttypmod),\n"
"         'collation', CASE WHEN a.attcollation <> t.typcollation\n"
"                        THEN a.attcollation::regcollation::text END,\n"
"         'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,\n"
"         'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,\n"
"         'not_null', a.attnotnull,\n"
"         'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,\n"
"         'comment', col_description(c.oid, a.attnum),\n"
"         'acl', (SELECT jsonb_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) x))\n"
"    FROM rel c JOIN pg_attribute a ON a.attrelid = c.oid\n"
"    JOIN pg_type t ON t.oid = a.atttypid\n"
"    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum\n"
"   WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped\n"
"  UNION ALL\n"
"  SELECT 'constraint', quote_ident(k.conname) || ' on ' || c.ident, jsonb_build_object(\n"
"         'table', c.ident, 'name', k.conname,\n"
"         'kind', CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'\n"
"                   WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check'\n"
"                   WHEN 'x' THEN 'exclusion' END,\n"
"         'definition', pg_get_constraintdef(k.oid),\n"
"         'comment', obj_description(k.oid, 'pg_constraint'))\n"
"    FROM rel c JOIN pg_constraint k ON k.conrelid = c.oid\n"
"   WHERE k.contype IN ('p', 'u', 'f', 'c', 'x')\n"
"     AND NOT EXISTS (SELECT FROM pg_constraint p\n"
"                      WHERE p.oid = k.conparentid AND p.conrelid = k.conrelid)\n"
"  UNION ALL\n"
"  SELECT 'index', ic.oid::regclass::text, jsonb_build_object(\n"
"         'table', c.ident, 'name', ic.relname,\n"
"         'unique', CASE WHEN i.indisunique THEN true END,\n"
"         'only', CASE WHEN x.rest LIKE 'ONLY %' THEN true END,\n"
"         'definition', CASE WHEN left(x.rest2, length(c.ident) + 1) = c.ident || ' '\n"
"                         THEN substr(x.rest2, length(c.ident) + 2) ELSE x.def END,\n"
"         'valid', CASE WHEN NOT i.indisvalid THEN false END,\n"
"         'comment', obj_description(ic.oid, 'pg_class'))\n"
"    FROM rel c JOIN pg_index i ON i.indrelid = c.oid\n"
"    JOIN pg_class ic ON ic.oid = i.indexrelid,\n"
"    LATERAL (SELECT pg_get_indexdef(ic.oid) AS def) d0,\n"
"    LATERAL (SELECT d0.def, r.rest,\n"
"                    CASE WHEN r.rest LIKE 'ONLY %' THEN substr(r.rest, 6) ELSE r.rest END AS rest2\n"
"               FROM (SELECT substr(d0.def, length(format('CREATE %sINDEX %s ON ',\n"
"                              CASE WHEN i.indisunique THEN 'UNIQUE ' END,\n"
"                              quote_ident(ic.relname))) + 1) AS rest) r) x\n"
"  UNION ALL\n"
"  SELECT 'trigger', quote_ident(g.tgname) || ' on ' || c.ident, jsonb_build_object(\n"
"         'table', c.ident, 'name', g.tgname,\n"
"         'constraint_trigger', CASE WHEN g.tgconstraint <> 0 THEN true END,\n"
"         'definition', substr(pg_get_triggerdef(g.oid),\n"
"                              length(format('CREATE %sTRIGGER %s ',\n"
"                                            CASE WHEN g.tgconstraint <> 0 THEN 'CONSTRAINT ' END,\n"
"                                            quote_ident(g.tgname))) + 1),\n"
"         'enabled', CASE g.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'\n"
"                      WHEN 'A' THEN 'always' END,\n"
"         'comment', obj_description(g.oid, 'pg_trigger'))\n"
"    FROM rel c JOIN pg_trigger g ON g.tgrelid = c.oid\n"
"   WHERE NOT g.tgisinternal\n"
"  UNION ALL\n"
"  SELECT 'policy', quote_ident(p.polname) || ' on ' || c.ident, jsonb_build_object(\n"
"         'table', c.ident, 'name', p.polname,\n"
"         'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'\n"
"                      WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,\n"
"         'permissive', p.polpermissive,\n"
"         'roles', (SELECT jsonb_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END\n"
"                                    ORDER BY 1) FROM unnest(p.polroles) r),\n"
"         'using', pg_get_expr(p.polqual, p.polrelid),\n"
"         'check', pg_get_expr(p.polwithcheck, p.polrelid),\n"
"         'comment', obj_description(p.oid, 'pg_policy'))\n"
"    FROM rel c JOIN pg_policy p ON p.polrelid = c.oid\n"
"  UNION ALL\n"
"  SELECT 'function', p.oid::regprocedure::text, jsonb_build_object(\n"
"         'kind', CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure'\n"
"                   WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window function' END,\n"
"         'definition', CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,\n"
"         'result', CASE WHEN p.prokind = 'a' THEN pg_get_function_result(p.oid) END,\n"
"         'aggregate', (SELECT jsonb_build_object(\n"
"                         'transition', g.aggtransfn::regprocedure::text,\n"
"                         'state_type', format_type(g.aggtranstype, NULL),\n"
"                         'final', nullif(g.aggfinalfn, 0)::regprocedure::text,\n"
"                         'combine', nullif(g.aggcombinefn, 0)::regprocedure::text,\n"
"                         'initial', g.agginitval,\n"
"                         'sort_operator', nullif(g.aggsortop, 0)::regoperator::text)\n"
"                         FROM pg_aggregate g WHERE g.aggfnoid = p.oid),\n"
"         'owner', pg_get_userbyid(p.proowner),\n"
"         'acl', (SELECT jsonb_agg(a::text ORDER BY a::text)\n"
"                   FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a),\n"
"         'comment', obj_description(p.oid, 'pg_proc'))\n"
"    FROM pg_proc p JOIN usable n ON n.oid = p.pronamespace\n"
"   WHERE p.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_proc'::regclass)\n"
"  UNION ALL\n"
"  SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END,\n"
"         t.oid::regtype::text, jsonb_build_object(\n"
"         'kind', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite'\n"
"                   WHEN 'r' THEN 'range' WHEN 'b' THEN 'base' WHEN 'p' THEN 'pseudo' END,\n"
"         'labels', CASE WHEN t.typtype = 'e' THEN\n"
"                     coalesce((SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)\n"
"                                 FROM pg_enum e WHERE e.enumtypid = t.oid), '[]') END,\n"
"         'attributes', CASE WHEN t.typtype = 'c' THEN\n"
"                         (SELECT jsonb_agg(jsonb_build_array(a.attname,\n"
"                                 format_type(a.atttypid, a.atttypmod),\n"
"                                 nullif(a.attcollation, at.typcollation)::regcollation::text)\n"
"                                 ORDER BY a.attnum)\n"
"                            FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid\n"
"                           WHERE a.attrelid = t.typrelid AND a.attnum > 0\n"
"                             AND NOT a.attisdropped) END,\n"
"         'subtype', (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r\n"
"                      WHERE r.rngtypid = t.oid),\n"
"         'subtype_diff', (SELECT nullif(r.rngsubdiff, 0)::regprocedure::text FROM pg_range r\n"
"                           WHERE r.rngtypid = t.oid),\n"
"         'input', CASE WHEN t.typtype = 'b' THEN t.typinput::regprocedure::text END,\n"
"         'output', CASE WHEN t.typtype = 'b' THEN t.typoutput::regprocedure::text END,\n"
"         'type', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,\n"
"         'not_null', CASE WHEN t.typtype = 'd' THEN t.typnotnull END,\n"
"         'default', t.typdefault,\n"
"         'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <>\n"
"                             (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)\n"
"                        THEN t.typcollation::regcollation::text END,\n"
"         'constraints', CASE WHEN t.typtype = 'd' THEN\n"
"                          (SELECT jsonb_object_agg(k.conname, pg_get_constraintdef(k.oid))\n"
"                             FROM pg_constraint k\n"
"                            WHERE k.contypid = t.oid AND k.contype = 'c') END,\n"
"         'owner', pg_get_userbyid(t.typowner),\n"
"         'acl', (SELECT jsonb_agg(a::text ORDER BY a::text)\n"
"                   FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) a),\n"
"         'comment', obj_description(t.oid, 'pg_type'))\n"
"    FROM pg_type t JOIN usable n ON n.oid = t.typnamespace\n"
"   WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r')\n"
"     AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')\n"
"     AND t.oid NOT IN (SELECT a.typarray FROM pg_type a)\n"
"     AND t.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_type'::regclass)\n"
"     AND NOT EXISTS (SELECT FROM ext, pg_type ct JOIN pg_class cc ON cc.oid = ct.typrelid\n"
"                      WHERE ct.oid = t.oid AND ext.classid = 'pg_class'::regclass\n"
"                        AND ext.objid = cc.oid))\n"
"SELECT jsonb_build_object(\n"
"       'fingerprint', 'schema_guard', 'version', 1,\n"
"       'schemas', coalesce((SELECT jsonb_agg(nspname ORDER BY nspname) FROM usable), '[]'),\n"
"       'skipped_schemas', coalesce((SELECT jsonb_agg(nspname ORDER BY nspname) FROM nsp\n"
"                                     WHERE oid NOT IN (SELECT oid FROM usable)), '[]'),\n"
"       'objects', coalesce((SELECT jsonb_object_agg(otype, objs) FROM\n"
"                             (SELECT otype, jsonb_object_agg(ident, jsonb_strip_nulls(props)) AS objs\n"
"                                FROM objs GROUP BY otype) g), '{}'))";

/*
 * schema_guard.schema_fingerprint(schemas name[] DEFAULT NULL) RETURNS jsonb
 */
Datum
sg_schema_fingerprint(PG_FUNCTION_ARGS)
{
	SgSpi		spi;
	Oid			argtypes[1] = {NAMEARRAYOID};
	Datum		args[1];
	char		nulls[1];
	bool		isnull;
	Datum		result;

	args[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';
	sg_spi_connect(&spi, false);
	if (SPI_execute_with_args(sg_fingerprint_query, 1, argtypes, args, nulls,
							  true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the catalog for the schema fingerprint");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "the schema fingerprint query returned NULL");
	result = SPI_datumTransfer(result, false, -1);
	sg_spi_finish(&spi);
	PG_RETURN_DATUM(result);
}

/*
 * What is wrong with a document passed to schema_diff() as $1, or NULL when
 * it has the shape schema_fingerprint() gives: an object per type, an
 * object per identity, and the table and name of every sub-object (the
 * diff pairs renames by them).
 */
static const char *const sg_fingerprint_check_query =
"SELECT CASE\n"
"  WHEN jsonb_typeof($1) <> 'object' THEN 'It is a JSON ' || jsonb_typeof($1) || ', not an object.'\n"
"  WHEN $1->>'fingerprint' IS DISTINCT FROM 'schema_guard'\n"
"    THEN 'It has no key \"fingerprint\" with the value \"schema_guard\".'\n"
"  WHEN $1->'version' IS DISTINCT FROM '1'\n"
"    THEN 'Its \"version\" is ' || coalesce(($1->'version')::text, 'missing') || ', not 1.'\n"
"  WHEN jsonb_typeof($1->'objects') IS DISTINCT FROM 'object'\n"
"    THEN 'Its \"objects\" is not a JSON object.'\n"
"  ELSE (SELECT min(CASE\n"
"          WHEN jsonb_typeof(t.value) <> 'object'\n"
"            THEN format('Its objects of type \"%s\" are not a JSON object.', t.key)\n"
"          ELSE (SELECT min(CASE\n"
"                  WHEN jsonb_typeof(o.value) <> 'object'\n"
"                    THEN format('Its %s \"%s\" is not a JSON object.', t.key, o.key)\n"
"                  WHEN t.key IN ('column', 'constraint', 'index', 'trigger', 'policy')\n"
"                       AND (jsonb_typeof(o.value->'table') IS DISTINCT FROM 'string'\n"
"                            OR jsonb_typeof(o.value->'name') IS DISTINCT FROM 'string')\n"
"                    THEN format('Its %s \"%s\" has no \"table\" and \"name\" strings.', t.key, o.key)\n"
"                  WHEN t.key = 'table'\n"
"                       AND jsonb_typeof(o.value->'columns') IS DISTINCT FROM 'array'\n"
"                    THEN format('Its table \"%s\" has no \"columns\" array.', o.key)\n"
"                  END) FROM jsonb_each(t.value) o) END)\n"
"          FROM jsonb_each($1->'objects') t) END";

/*
 * The diff query over $1 (before) and $2 (after).  Renames come first:
 * a table missing from $2 whose columns (names, order and definitions) and
 * properties equal those of a table only in $2 was renamed, and its
 * sub-objects are compared under the new name; then any object only in $1
 * whose properties but the name equal those of an object of the same type
 * only in $2 (a column of the same table with the same definition, an
 * index with the same definition, ...), paired in identity order.  What is
 * left over is missing or extra, except the sub-objects of a missing or
 * extra table or view (its own row says it).  Objects in both differ by
 * property: one row per kind of change, with the properties that differ.
 * The column order compares the columns both sides have, renames
 * followed, so that a column dropped and added again at the end shows.
 */
static const char *const sg_diff_query =
"WITH fa AS (SELECT t.key AS otype, o.key AS ident, o.value AS props\n"
"              FROM jsonb_each($1->'objects') t, jsonb_each(t.value) o),\n"
"fb AS (SELECT t.key AS otype, o.key AS ident, o.value AS props\n"
"         FROM jsonb_each($2->'objects') t, jsonb_each(t.value) o),\n"
"sa AS (SELECT f.ident, f.props || jsonb_build_object('column_defs',\n"
"              (SELECT jsonb_object_agg(c.props->>'name', c.props - 'table' - 'name')\n"
"                 FROM fa c WHERE c.otype = 'column' AND c.props->>'table' = f.ident)) AS shape\n"
"         FROM fa f WHERE f.otype = 'table'\n"
"          AND NOT EXISTS (SELECT FROM fb WHERE fb.otype = 'table' AND fb.ident = f.ident)),\n"
"sb AS (SELECT f.ident, f.props || jsonb_build_object('column_defs',\n"
"              (SELECT jsonb_object_agg(c.props->>'name', c.props - 'table' - 'name')\n"
"                 FROM fb c WHERE c.otype = 'column' AND c.props->>'table' = f.ident)) AS shape\n"
"         FROM fb f WHERE f.otype = 'table'\n"
"          AND NOT EXISTS (SELECT FROM fa WHERE fa.otype = 'table' AND fa.ident = f.ident)),\n"
"tren AS (SELECT a.ident AS old, b.ident AS new\n"
"           FROM (SELECT *, row_number() OVER (PARTITION BY shape ORDER BY ident) AS r FROM sa) a\n"
"           JOIN (SELECT *, row_number() OVER (PARTITION BY shape ORDER BY ident) AS r FROM sb) b\n"
"             ON a.shape = b.shape AND a.r = b.r),\n"
"ma AS (SELECT f.otype,\n"
"              CASE WHEN m.new IS NULL THEN f.ident\n"
"                   WHEN f.otype = 'column' THEN m.new || '.' || quote_ident(f.props->>'name')\n"
"                   WHEN f.otype IN ('constraint', 'trigger', 'policy')\n"
"                     THEN quote_ident(f.props->>'name') || ' on ' || m.new\n"
"                   ELSE f.ident END AS ident,\n"
"              CASE WHEN m.new IS NULL THEN f.props\n"
"                   ELSE jsonb_set(f.props, '{table}', to_jsonb(m.new)) END AS props,\n"
"              f.props AS orig\n"
"         FROM fa f LEFT JOIN tren m ON f.otype <> 'table' AND f.props->>'table' = m.old),\n"
"oa AS (SELECT * FROM ma a WHERE a.otype <> 'table' OR a.ident NOT IN (SELECT old FROM tren)),\n"
"oa2 AS (SELECT * FROM oa a\n"
"         WHERE NOT EXISTS (SELECT FROM fb b WHERE b.otype = a.otype AND b.ident = a.ident)),\n"
"ob2 AS (SELECT * FROM fb b WHERE (b.otype <> 'table' OR b.ident NOT IN (SELECT new FROM tren))\n"
"           AND NOT EXISTS (SELECT FROM ma a WHERE a.otype = b.otype AND a.ident = b.ident)),\n"
"ren AS (SELECT 'table' AS otype, old AS ia, new AS ib, NULL::jsonb AS pa, NULL::jsonb AS pb\n"
"          FROM tren\n"
"        UNION ALL\n"
"        SELECT a.otype, a.ident, b.ident, a.props, b.props\n"
"          FROM (SELECT *, row_number() OVER (PARTITION BY otype, props - 'name' ORDER BY ident) AS r\n"
"                  FROM oa2 WHERE otype <> 'table') a\n"
"          JOIN (SELECT *, row_number() OVER (PARTITION BY otype, props - 'name' ORDER BY ident) AS r\n"
"                  FROM ob2 WHERE otype <> 'table') b\n"
"            ON a.otype = b.otype AND a.props - 'name' = b.props - 'name' AND a.r = b.r),\n"
"gone AS (SELECT ident FROM oa2 WHERE otype IN ('table', 'view')),\n"
"new AS (SELECT ident FROM ob2 WHERE otype IN ('table', 'view')),\n"
"keys AS (SELECT a.otype, a.ident, k,\n"
"                CASE WHEN k IN ('type', 'collation') THEN 'changed_type'\n"
"                     WHEN k = 'default' THEN 'changed_default'\n"
"                     WHEN k = 'not_null' THEN 'changed_nullability'\n"
"                     ELSE 'changed_definition' END AS kind,\n"
"                a.props->k AS va, b.props->k AS vb\n"
"           FROM ma a JOIN fb b ON b.otype = a.otype AND b.ident = a.ident,\n"
"                LATERAL (SELECT jsonb_object_keys(a.props) UNION\n"
"                         SELECT jsonb_object_keys(b.props)) ks(k)\n"
"          WHERE a.props->k IS DISTINCT FROM b.props->k\n"
"            AND NOT (a.otype = 'table' AND k = 'columns')),\n"
"colmap AS (SELECT pa->>'table' AS tbl, pa->>'name' AS old, pb->>'name' AS new\n"
"             FROM ren WHERE otype = 'column'),\n"
"ord AS (SELECT a.ident, a.props->'columns' AS ca, b.props->'columns' AS cb,\n"
"               (SELECT array_agg(coalesce(m.new, x.n) ORDER BY x.i)\n"
"                  FROM jsonb_array_elements_text(a.props->'columns') WITH ORDINALITY x(n, i)\n"
"                  LEFT JOIN colmap m ON m.tbl = a.ident AND m.old = x.n) AS la,\n"
"               (SELECT array_agg(y.n ORDER BY y.i)\n"
"                  FROM jsonb_array_elements_text(b.props->'columns') WITH ORDINALITY y(n, i)) AS lb\n"
"          FROM ma a JOIN fb b ON b.otype = 'table' AND b.ident = a.ident\n"
"         WHERE a.otype = 'table' AND a.props->'columns' IS DISTINCT FROM b.props->'columns'),\n"
"d(otype, ident, kind, before, after) AS (\n"
"  SELECT otype, ia, 'renamed', jsonb_build_object('identity', ia), jsonb_build_object('identity', ib)\n"
"    FROM ren\n"
"  UNION ALL\n"
"  SELECT otype, ident, 'missing', orig, NULL FROM oa2 a\n"
"   WHERE NOT EXISTS (SELECT FROM ren WHERE ren.otype = a.otype AND ren.ia = a.ident)\n"
"     AND (a.props->>'table' IS NULL OR a.props->>'table' NOT IN (SELECT ident FROM gone))\n"
"  UNION ALL\n"
"  SELECT otype, ident, 'extra', NULL, props FROM ob2 b\n"
"   WHERE NOT EXISTS (SELECT FROM ren WHERE ren.otype = b.otype AND ren.ib = b.ident)\n"
"     AND (b.props->>'table' IS NULL OR b.props->>'table' NOT IN (SELECT ident FROM new))\n"
"  UNION ALL\n"
"  SELECT otype, ident, kind, jsonb_object_agg(k, coalesce(va, 'null')),\n"
"         jsonb_object_agg(k, coalesce(vb, 'null'))\n"
"    FROM keys GROUP BY otype, ident, kind\n"
"  UNION ALL\n"
"  SELECT 'table', ident, 'reordered_columns', jsonb_build_object('columns', ca),\n"
"         jsonb_build_object('columns', cb)\n"
"    FROM ord\n"
"   WHERE ARRAY(SELECT n FROM unnest(la) WITH ORDINALITY u(n, i) WHERE n = ANY (lb) ORDER BY i)\n"
"      <> ARRAY(SELECT n FROM unnest(lb) WITH ORDINALITY u(n, i) WHERE n = ANY (la) ORDER BY i))\n"
"SELECT otype, ident, kind, before, after FROM d\n"
" ORDER BY otype COLLATE \"C\", ident COLLATE \"C\", kind COLLATE \"C\"";

static void
sg_check_fingerprint(Datum doc, const char *argname)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1] = {doc};
	bool		isnull;
	Datum		problem;

	if (SPI_execute_with_args(sg_fingerprint_check_query, 1, argtypes, args, NULL,
							  true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not check the fingerprint \"%s\"", argname);
	problem = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" is not a schema fingerprint", argname),
				 errdetail_internal("%s", TextDatumGetCString(problem)),
				 errhint("Pass documents that schema_guard.schema_fingerprint() returned.")));
}

/*
 * schema_guard.schema_diff(a jsonb, b jsonb) RETURNS TABLE (object_type,
 * object_identity, kind, before, after)
 */
Datum
sg_schema_diff(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SgSpi		spi;
	Oid			argtypes[2] = {JSONBOID, JSONBOID};
	Datum		args[2];

	sg_init_materialized_srf(fcinfo);
	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(1);
	sg_spi_connect(&spi, false);
	sg_check_fingerprint(args[0], "a");
	sg_check_fingerprint(args[1], "b");
	if (SPI_execute_with_args(sg_diff_query, 2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not compare the fingerprints");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum		values[5];
		bool		nulls[5];

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < 5; c++)
			values[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
									  c + 1, &nulls[c]);
		/* the tuplestore copies the values */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	sg_spi_finish(&spi);
	return (Datum) 0;
}

/* ---- data_fingerprint() ---- */

/*
 * How a column's values are hashed: the bytes of the value itself for the
 * built-in types whose bytes name no object (fast, and independent of the
 * settings: a timestamptz hashes the same under any TimeZone), else the
 * text the type's output function gives under the pinned settings (enum
 * labels, not their OIDs; composite and user types).
 */
typedef enum SgHashHow
{
	SG_HASH_BYVAL,				/* the Datum itself */
	SG_HASH_FIXED,				/* typlen bytes behind the pointer */
	SG_HASH_VARLENA,			/* the detoasted bytes */
	SG_HASH_CSTRING,
	SG_HASH_TEXT				/* the output function's text */
} SgHashHow;

typedef struct SgFpColumn
{
	char	   *name;
	char	   *type;
	SgHashHow	how;
	int16		typlen;
	FmgrInfo	out;
	uint64		nulls;
	uint64		namehash;
	uint64		sum;			/* sum of the values' hashes, mod 2^64 */
} SgFpColumn;

typedef struct SgFpReceiver
{
	DestReceiver pub;
	int			ncols;
	SgFpColumn *cols;
	uint64		rows;
	uint64		rows_sum;		/* sum of the rows' hashes */
	MemoryContext rowcxt;
} SgFpReceiver;

/* Do the bytes of a value of this (base) type name objects by OID? */
static bool
sg_type_holds_oids(Oid typid)
{
	switch (typid)
	{
		case OIDOID:
		case OIDVECTOROID:
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGCLASSOID:
		case REGTYPEOID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGNAMESPACEOID:
		case REGROLEOID:
		case REGCOLLATIONOID:
		case XIDOID:
		case CIDOID:
		case TIDOID:
			return true;
		default:
			return false;
	}
}

static SgHashHow
sg_hash_how(Oid typid, int16 *typlen)
{
	Oid			base = getBaseType(typid);
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(base));
	Form_pg_type t;
	SgHashHow	how = SG_HASH_TEXT;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", base);
	t = (Form_pg_type) GETSTRUCT(tup);
	*typlen = t->typlen;
	if (base < FirstGenbkiObjectId && t->typtype == TYPTYPE_BASE &&
		!sg_type_holds_oids(base) &&
		(!OidIsValid(t->typelem) || t->typlen != -1 ||
		 (t->typelem < FirstGenbkiObjectId && get_typtype(t->typelem) == TYPTYPE_BASE &&
		  !sg_type_holds_oids(t->typelem))))
	{
		if (t->typbyval)
			how = SG_HASH_BYVAL;
		else if (t->typlen > 0)
			how = SG_HASH_FIXED;
		else if (t->typlen == -1)
			how = SG_HASH_VARLENA;
		else
			how = SG_HASH_CSTRING;
	}
	ReleaseSysCache(tup);
	return how;
}

/* murmur3's 64-bit finalizer: spreads a value over all 64 bits */
static inline uint64
sg_mix64(uint64 h)
{
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64
sg_hash_value(SgFpColumn *col, Datum d)
{
	switch (col->how)
	{
		case SG_HASH_BYVAL:
			/* offset: the finalizer maps 0 to 0, which a sum would not see */
			return sg_mix64((uint64) d + UINT64CONST(0x9e3779b97f4a7c15));
		case SG_HASH_FIXED:
			return hash_bytes_extended((const unsigned char *) DatumGetPointer(d),
									   col->typlen, 0);
		case SG_HASH_VARLENA:
			{
				struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));

				return hash_bytes_extended((const unsigned char *) VARDATA_ANY(v),
										   VARSIZE_ANY_EXHDR(v), 0);
			}
		case SG_HASH_CSTRING:
			{
				const char *s = DatumGetCString(d);

				return hash_bytes_extended((const unsigned char *) s, strlen(s), 0);
			}
		case SG_HASH_TEXT:
			{
				char	   *s = OutputFunctionCall(&col->out, d);

				return hash_bytes_extended((const unsigned char *) s, strlen(s), 0);
			}
	}
	return 0;					/* keep the compiler quiet */
}

static bool
sg_fp_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SgFpReceiver *r = (SgFpReceiver *) self;
	MemoryContext old;
	uint64		row = 0;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(r->rowcxt);
	for (int i = 0; i < r->ncols; i++)
	{
		SgFpColumn *col = &r->cols[i];
		uint64		h;

		if (slot->tts_isnull[i])
		{
			col->nulls++;
			/* a NULL still takes its place in the row */
			h = UINT64CONST(0x5bd1e9955bd1e995);
		}
		else
		{
			h = sg_hash_value(col, slot->tts_values[i]);
			col->sum += h;
		}
		/* the column's name, not its position, goes with the value */
		row += sg_mix64(h ^ col->namehash);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	r->rows++;
	r->rows_sum += sg_mix64(row);
	return true;
}

static void
sg_fp_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
sg_fp_shutdown(DestReceiver *self)
{
}

static void
sg_fp_destroy(DestReceiver *self)
{
}

/* A string as a key or a value; pushJsonbValue() keeps the pointer. */
static void
sg_push_string(JsonbParseState **state, JsonbIteratorToken token, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	(void) pushJsonbValue(state, token, &v);
}

static void
sg_push_count(JsonbParseState **state, uint64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric,
														Int64GetDatum((int64) n)));
	(void) pushJsonbValue(state, WJB_VALUE, &v);
}

static void
sg_push_bool(JsonbParseState **state, bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	(void) pushJsonbValue(state, WJB_VALUE, &v);
}

static void
sg_push_hash(JsonbParseState **state, uint64 h)
{
	sg_push_string(state, WJB_VALUE, psprintf("%016llx", (unsigned long long) h));
}

/*
 * schema_guard.data_fingerprint(rel regclass) RETURNS jsonb
 *
 * One scan as the caller: privileges and row-level security apply.  The
 * columns the caller may not read are left out and named; when row-level
 * security filters the scan, the document says that it covers only the
 * visible rows.  Memory is bounded by the columns, not the rows.
 */
Datum
sg_data_fingerprint(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	TupleDesc	desc;
	char	   *relident;
	bool		table_readable;
	bool		rls;
	SgFpReceiver r;
	List	   *skipped = NIL;
	StringInfoData q;
	SgSpi		spi;
	SPIPlanPtr	plan;
	int			rc;
	JsonbParseState *state = NULL;
	JsonbValue *res;
	ListCell   *lc;

	/* the privilege first: no lock wait for a caller who may read nothing */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", sg_relation_identity(relid)),
				 errhint("A data fingerprint runs as the caller, who needs SELECT on the table or on some of its columns.")));
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		rel->rd_rel->relkind != RELKIND_MATVIEW &&
		rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE)
	{
		char	   *name = pstrdup(RelationGetRelationName(rel));

		relation_close(rel, AccessShareLock);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, materialized view or foreign table", name),
				 errhint("A data fingerprint reads the rows of a table.")));
	}
	relident = sg_relation_identity(relid);
	table_readable = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
	rls = check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = sg_fp_receive;
	r.pub.rStartup = sg_fp_startup;
	r.pub.rShutdown = sg_fp_shutdown;
	r.pub.rDestroy = sg_fp_destroy;
	r.pub.mydest = DestNone;
	desc = RelationGetDescr(rel);
	r.cols = palloc0(sizeof(SgFpColumn) * Max(desc->natts, 1));
	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		SgFpColumn *col;

		if (att->attisdropped)
			continue;
		if (!table_readable &&
			pg_attribute_aclcheck(relid, att->attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		{
			skipped = lappend(skipped, pstrdup(NameStr(att->attname)));
			continue;
		}
		col = &r.cols[r.ncols];
		col->name = pstrdup(NameStr(att->attname));
		col->type = format_type_with_typemod(att->atttypid, att->atttypmod);
		col->namehash = hash_bytes_extended((const unsigned char *) col->name,
											strlen(col->name), 0);
		col->how = sg_hash_how(att->atttypid, &col->typlen);
		if (col->how == SG_HASH_TEXT)
		{
			Oid			outfn;
			bool		varlena;

			getTypeOutputInfo(att->atttypid, &outfn, &varlena);
			fmgr_info(outfn, &col->out);
		}
		appendStringInfo(&q, "%s%s", r.ncols ? ", " : "", quote_identifier(col->name));
		r.ncols++;
	}
	relation_close(rel, NoLock);
	appendStringInfo(&q, " FROM %s", relident);

	r.rowcxt = AllocSetContextCreate(CurrentMemoryContext,
									 "schema_guard data fingerprint row",
									 ALLOCSET_DEFAULT_SIZES);
	sg_spi_connect(&spi, false);
	plan = SPI_prepare(q.data, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", q.data,
			 SPI_result_code_string(SPI_result));
	rc = sg_spi_execute_into(plan, (DestReceiver *) &r);
	/* a SELECT into a DestReceiver of our own reports SPI_OK_UTILITY */
	if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
		elog(ERROR, "could not read %s: %s", relident, SPI_result_code_string(rc));
	sg_spi_finish(&spi);
	MemoryContextDelete(r.rowcxt);

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	sg_push_string(&state, WJB_KEY, "fingerprint");
	sg_push_string(&state, WJB_VALUE, "schema_guard data");
	sg_push_string(&state, WJB_KEY, "relation");
	sg_push_string(&state, WJB_VALUE, relident);
	sg_push_string(&state, WJB_KEY, "rows");
	sg_push_count(&state, r.rows);
	sg_push_string(&state, WJB_KEY, "rows_hash");
	sg_push_hash(&state, r.rows_sum);
	sg_push_string(&state, WJB_KEY, "visible_rows_only");
	sg_push_bool(&state, rls);
	sg_push_string(&state, WJB_KEY, "columns");
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < r.ncols; i++)
	{
		SgFpColumn *col = &r.cols[i];

		sg_push_string(&state, WJB_KEY, col->name);
		(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		sg_push_string(&state, WJB_KEY, "position");
		sg_push_count(&state, i + 1);
		sg_push_string(&state, WJB_KEY, "type");
		sg_push_string(&state, WJB_VALUE, col->type);
		sg_push_string(&state, WJB_KEY, "nulls");
		sg_push_count(&state, col->nulls);
		sg_push_string(&state, WJB_KEY, "hash");
		sg_push_hash(&state, col->sum);
		sg_push_string(&state, WJB_KEY, "hash_of");
		sg_push_string(&state, WJB_VALUE, col->how == SG_HASH_TEXT ? "text" : "binary");
		(void) pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	sg_push_string(&state, WJB_KEY, "skipped_columns");
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	foreach(lc, skipped)
	{
		sg_push_string(&state, WJB_KEY, (char *) lfirst(lc));
		sg_push_string(&state, WJB_VALUE, "no SELECT privilege");
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	PG_RETURN_POINTER(JsonbValueToJsonb(res));
}
