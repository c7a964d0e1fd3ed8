-- pgTAP: the JSONB shape functions, their declarations and their results.
BEGIN;
SET LOCAL schema_guard.mode = off;
SELECT plan(48);

-- Declarations: every function exists, runs as the caller and pins its
-- search_path.
SELECT has_function('schema_guard', f, f || ' exists')
  FROM unnest(ARRAY['jsonb_shape', 'jsonb_shape_summary', 'jsonb_infer_contract', 'jsonb_expect',
                    'jsonb_drift', 'jsonb_snapshot', 'jsonb_changes', 'jsonb_suggest',
                    'jsonb_workload_paths', 'jsonb_path_keys']) f;
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'schema_guard'::regnamespace AND p.proname LIKE 'jsonb\_%'
              AND (p.prosecdef OR NOT ('search_path=pg_catalog, pg_temp' = ANY (p.proconfig)))),
          0, 'every jsonb function is SECURITY INVOKER with search_path = pg_catalog, pg_temp');
SELECT has_table('schema_guard', 'jsonb_contracts', 'jsonb_contracts exists');
SELECT ok((SELECT extconfig @> ARRAY['schema_guard.jsonb_contracts'::regclass::oid,
                                     'schema_guard.jsonb_snapshots'::regclass::oid,
                                     'schema_guard.jsonb_snapshot_paths'::regclass::oid]
             FROM pg_extension WHERE extname = 'schema_guard'),
          'contracts and snapshots are dumped by pg_dump');
SELECT is(current_setting('schema_guard.jsonb_path_budget'), '10000', 'path budget default');
SELECT is(current_setting('schema_guard.jsonb_map_threshold'), '100', 'map threshold default');
SELECT is(current_setting('schema_guard.jsonb_max_depth'), '64', 'max depth default');

CREATE TABLE tap_docs (id int PRIMARY KEY, doc jsonb NULL, j json NULL);
INSERT INTO tap_docs VALUES
 (1, '{"a": 1, "t": ["x"], "o": {"k": true}}', '{"a": 1}'),
 (2, '{"a": 1.5, "t": [], "o": {"k": false}, "n": null}', '{"a": "s"}'),
 (3, '{"a": "s", "t": [[1]], "ids": {"2024-01-01": 1}}', NULL),
 (4, NULL, '[1]');

-- jsonb_shape: rows per (path, type) with document counts.
SELECT bag_eq(
    $$SELECT path, type, rows FROM schema_guard.jsonb_shape('tap_docs', 'doc')$$,
    $$VALUES ('$', 'object', 3::bigint), ('$.a', 'integer', 1), ('$.a', 'number', 1), ('$.a', 'string', 1),
             ('$.t', 'array', 3), ('$.t[*]', 'string', 1), ('$.t[*]', 'array', 1), ('$.t[*][*]', 'integer', 1),
             ('$.o', 'object', 2), ('$.o.k', 'boolean', 2), ('$.n', 'null', 1),
             ('$.ids', 'object', 1), ('$.ids.*', 'integer', 1)$$,
    'jsonb_shape: every path and type, counted per document');
SELECT is((SELECT presence FROM schema_guard.jsonb_shape('tap_docs', 'doc') WHERE path = '$.o'),
          2 / 3.0::float8, 'presence is the share of non-null documents');
SELECT is((SELECT array[min_length, max_length] FROM schema_guard.jsonb_shape('tap_docs', 'doc')
            WHERE path = '$.t'), '{0,1}'::bigint[], 'array length range');
SELECT is((SELECT depth FROM schema_guard.jsonb_shape('tap_docs', 'doc') WHERE path = '$.t[*][*]'),
          3, 'depth counts segments ($ is 0)');
SELECT isnt((SELECT note FROM schema_guard.jsonb_shape('tap_docs', 'doc') WHERE path = '$.ids.*'),
            NULL, 'a collapsed map says so');
SELECT bag_eq(
    $$SELECT path, type, rows FROM schema_guard.jsonb_shape('tap_docs', 'j')$$,
    $$VALUES ('$', 'object', 2::bigint), ('$', 'array', 1), ('$.a', 'integer', 1), ('$.a', 'string', 1),
             ('$[*]', 'integer', 1)$$,
    'json columns are read too');

-- jsonb_shape_summary.
SELECT results_eq(
    $$SELECT method, rows_scanned, null_documents, paths, budget_exhausted, depth_exhausted
        FROM schema_guard.jsonb_shape_summary('tap_docs', 'doc')$$,
    $$VALUES ('full', 4::bigint, 1::bigint, 10, false, false)$$,
    'jsonb_shape_summary: a full scan of 4 rows, one NULL');
SELECT ok((SELECT elapsed_ms > 0 AND elapsed_ms <= 1000 * extract(epoch FROM clock_timestamp() - statement_timestamp())
             FROM schema_guard.jsonb_shape_summary('tap_docs', 'doc')),
          'elapsed time is reported, in milliseconds, within the statement''s own time');
SELECT is((SELECT method FROM schema_guard.jsonb_shape_summary('tap_docs', 'doc', 50, 3)),
          'sampled', 'a sample says so');

-- jsonb_infer_contract.
SELECT is(schema_guard.jsonb_infer_contract('tap_docs', 'doc') -> 'properties' -> 'a' -> 'type',
          '["string", "number"]', 'integer and number infer as number');
SELECT is(schema_guard.jsonb_infer_contract('tap_docs', 'doc') -> 'required',
          '["a", "t"]', 'required: keys in every document');
SELECT is(schema_guard.jsonb_infer_contract('tap_docs', 'doc') #> '{properties,ids,additionalProperties}',
          '{"type": "integer"}', 'a map becomes additionalProperties');

-- jsonb_expect and jsonb_contracts.
SELECT lives_ok($$SELECT schema_guard.jsonb_expect('tap_docs', 'doc',
    '{"type": "object", "required": ["a", "z"], "properties": {"a": {"type": "integer"},
      "t": {"type": "array", "items": {"type": "string"}}, "o": {"type": "object"}, "gone": {},
      "n": {"type": "null"}}, "additionalProperties": false, "title": "T", "pattern": "x"}')$$,
    'jsonb_expect accepts a real-world schema');
SELECT is((SELECT unchecked_keywords FROM schema_guard.jsonb_contracts WHERE tbl = 'tap_docs'::regclass),
          '{/pattern}', 'jsonb_contracts lists the keywords not checked');
SELECT throws_ok($$SELECT schema_guard.jsonb_expect('tap_docs', 'doc', '{"properties": {"a": {"type": 1}}}')$$,
                 '22023', 'invalid jsonb contract at /properties/a/type', 'a malformed contract names its pointer');
SELECT throws_ok($$SELECT schema_guard.jsonb_expect('tap_docs', 'id', '{}')$$,
                 '42804', NULL, 'a column that is not json is refused');

-- jsonb_drift: every kind.
SELECT bag_eq(
    $$SELECT kind, path, rows FROM schema_guard.jsonb_drift('tap_docs', 'doc')$$,
    $$VALUES ('type_mismatch', '$.a', 1::bigint), ('type_mismatch', '$.a', 1), ('type_conflict', '$.a', 1),
             ('type_mismatch', '$.t[*]', 1), ('type_conflict', '$.t[*]', 1),
             ('undocumented_path', '$.ids', 1), ('undocumented_path', '$.o.k', 2),
             ('undocumented_path', '$.t[*][*]', 1),
             ('missing_required', '$.z', 3), ('never_present', '$.gone', 0)$$,
    'jsonb_drift: undocumented, mismatch, conflict, missing required, never present');
SELECT is((SELECT examples FROM schema_guard.jsonb_drift('tap_docs', 'doc') WHERE kind = 'missing_required'),
          '{1,2,3}', 'offending rows are named by primary key');
SELECT is((SELECT level FROM schema_guard.jsonb_drift('tap_docs', 'doc') WHERE path = '$.ids'),
          'error', 'additionalProperties false makes an undocumented key an error');
SELECT is((SELECT count(*)::int FROM schema_guard.jsonb_drift() WHERE object_identity LIKE 'public.tap_docs.doc %'),
          10, 'jsonb_drift() covers every contracted column');

-- Snapshots and changes.
SELECT schema_guard.jsonb_snapshot('tap_docs', 'doc') AS tap_snap1 \gset
SELECT is((SELECT tbl FROM schema_guard.jsonb_snapshots WHERE id = :tap_snap1),
          'tap_docs'::regclass, 'jsonb_snapshot returns the id of the snapshot it stored');
UPDATE tap_docs SET doc = doc || '{"added": 1}' WHERE id = 1;
SELECT schema_guard.jsonb_snapshot('tap_docs', 'doc') AS tap_snap2 \gset
SELECT ok(:tap_snap2 > :tap_snap1, 'a second snapshot, newer');
SELECT results_eq(
    $$SELECT change, path, old_rows, new_rows FROM schema_guard.jsonb_changes('tap_docs', 'doc')
       WHERE type IS NOT NULL$$,
    $$VALUES ('path_added', '$.added', NULL::bigint, 1::bigint)$$,
    'jsonb_changes: the path added, with both numbers');
SELECT throws_ok($$SELECT * FROM schema_guard.jsonb_changes('tap_docs', 'j')$$,
                 'P0002', NULL, 'no snapshot: a clear error');

-- Suggestions.
SELECT is((SELECT fix FROM schema_guard.jsonb_suggest('tap_docs', 'doc') WHERE kind = 'check' AND path = '$.o.k'),
          'ALTER TABLE public.tap_docs ADD CONSTRAINT tap_docs_doc_o_k_type CHECK (pg_catalog.jsonb_typeof((doc OPERATOR(pg_catalog.#>) ''{o,k}'')) = ''boolean'') NOT VALID; ALTER TABLE public.tap_docs VALIDATE CONSTRAINT tap_docs_doc_o_k_type;',
          'a CHECK for a stable path, NOT VALID then validated');
SELECT is((SELECT count(*)::int FROM schema_guard.jsonb_suggest('tap_docs', 'doc', 0.6) WHERE kind = 'promote'),
          1, 'promote needs one scalar type in enough documents ($.o.k)');
CREATE TEMP TABLE tap_workload (query text, calls bigint);
INSERT INTO tap_workload VALUES ('SELECT 1 FROM tap_docs WHERE doc->''o''->>''k'' = $1', 12);
SELECT is((SELECT fix FROM schema_guard.jsonb_suggest('tap_docs', 'doc', workload => 'tap_workload') WHERE kind = 'index'),
          'CREATE INDEX CONCURRENTLY ON public.tap_docs ((doc OPERATOR(pg_catalog.#>>) ''{o,k}''));', 'an expression index for a path queries read');
SELECT is(schema_guard.jsonb_path_keys('$.a."b c"[*]'), NULL, 'paths through arrays have no keys');
SELECT is(schema_guard.jsonb_path_keys('$.a."b \"c"'), '{a,"b \"c"}', 'quoted keys decode');

-- Hostile arguments.
SELECT throws_ok($$SELECT * FROM schema_guard.jsonb_shape('tap_docs', 'doc', 0)$$, '22023', NULL, 'sample_percent 0');
SELECT throws_ok($$SELECT * FROM schema_guard.jsonb_shape('tap_docs', NULL)$$, '22004', NULL, 'NULL column');
SELECT throws_ok($$SELECT * FROM schema_guard.jsonb_shape('tap_docs', 'nope')$$, '42703', NULL, 'unknown column');

SELECT * FROM finish();
ROLLBACK;
