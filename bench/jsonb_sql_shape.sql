-- bench/jsonb_sql_shape.sql: what schema_guard.jsonb_shape() computes, in
-- plain SQL: a recursive walk with jsonb_each / jsonb_array_elements and
-- jsonb_typeof, documents counted per (path, type).  psql variable: tbl.
WITH RECURSIVE walk(id, path, value) AS (
    SELECT id, '$'::text, doc FROM :tbl WHERE doc IS NOT NULL
  UNION ALL
    SELECT w.id, w.path || c.step, c.value
      FROM walk w
      CROSS JOIN LATERAL (
          SELECT CASE WHEN e.key ~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN '.' || e.key
                      ELSE '.' || to_json(e.key)::text END AS step,
                 e.value
            FROM jsonb_each(CASE WHEN jsonb_typeof(w.value) = 'object' THEN w.value END) e
          UNION ALL
          SELECT '[*]', a.value
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(w.value) = 'array' THEN w.value END) a
      ) c
)
SELECT path, type, count(DISTINCT id) AS rows
  FROM (SELECT id, path,
               CASE WHEN jsonb_typeof(value) <> 'number' THEN jsonb_typeof(value)
                    WHEN min_scale(value::numeric) = 0 THEN 'integer'
                    ELSE 'number' END AS type
          FROM walk) t
 GROUP BY path, type
