-- jsonb_shape() against the same counts computed in plain SQL, on 3,000
-- random documents built to exercise the walk's shortcuts: objects that
-- repeat the keys of the one before them (or nearly: one key more, one
-- less, the same bytes split into other keys), keys of 1 to 40 bytes and
-- non-ASCII ones, strings whose length in characters differs from their
-- bytes, integers written as 2.0 or 1e2, arrays of objects, arrays of
-- arrays.  Every (path, type, rows, min_length, max_length) must agree.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
SET schema_guard.mode = off;
CREATE SCHEMA jdiff;
SET search_path = jdiff, public;
SELECT setseed(0.17);

CREATE TABLE keys (n int PRIMARY KEY, k text NOT NULL);
INSERT INTO keys VALUES (0, 'a'), (1, 'ab'), (2, 'b'), (3, 'abc'), (4, 'c'),
  (5, 'name'), (6, 'created_at'), (7, 'customer_id'), (8, 'très_long_nom_de_clé'),
  (9, 'a_key_of_exactly_16'), (10, 'forty_bytes_of_key_name_for_the_3rd_load'),
  (11, 'ключ'), (12, 'x'), (13, 'xy'), (14, 'z');

-- A random value, nested up to depth d.
CREATE FUNCTION rnd_value(d int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r float8 := random();
    o jsonb := '{}';
    a jsonb := '[]';
    -- most objects start with the same key, the others anywhere
    first_key int := CASE WHEN random() < 0.7 THEN 0 ELSE floor(random() * 15)::int END;
BEGIN
    IF d <= 0 OR r < 0.45 THEN
        RETURN (ARRAY['1', '2.0', '1e2', '-7', '3.25', '0.5', 'true', 'null', '"s"',
                      '"été"', '"日本語のテキスト"', '""', '"a longer ascii string"'])
               [1 + floor(random() * 13)::int]::jsonb;
    ELSIF r < 0.85 THEN
        -- mostly the same few keys in a row, sometimes one more or one less
        FOR i IN first_key .. first_key + 2 + floor(random() * 2)::int LOOP
            o := o || jsonb_build_object((SELECT k FROM keys WHERE n = i % 15),
                                         rnd_value(d - 1));
        END LOOP;
        RETURN o;
    ELSE
        FOR i IN 1 .. floor(random() * 4)::int LOOP
            a := a || jsonb_build_array(rnd_value(d - 1));
        END LOOP;
        RETURN a;
    END IF;
END $$;

CREATE TABLE docs (id int PRIMARY KEY, doc jsonb);
INSERT INTO docs SELECT g, CASE WHEN g % 97 = 0 THEN NULL ELSE rnd_value(3) END
  FROM generate_series(1, 3000) g;
-- The same key bytes split differently, next to each other.
INSERT INTO docs VALUES (3001, '{"o": {"ab": 1, "c": "x"}}'), (3002, '{"o": {"a": 1, "bc": "x"}}'),
                        (3003, '{"o": {"abc": 1}}'), (3004, '{"o": {"ab": 1, "c": "x"}}');

CREATE TABLE from_sql AS
WITH RECURSIVE walk(id, path, value) AS (
    SELECT id, '$'::text, doc FROM docs WHERE doc IS NOT NULL
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
SELECT path, type, count(DISTINCT id) AS rows, min(len) AS min_length, max(len) AS max_length
  FROM (SELECT id, path,
               CASE WHEN jsonb_typeof(value) <> 'number' THEN jsonb_typeof(value)
                    WHEN min_scale(value::numeric) = 0 THEN 'integer'
                    ELSE 'number' END AS type,
               CASE jsonb_typeof(value) WHEN 'string' THEN char_length(value #>> '{}')
                                        WHEN 'array' THEN jsonb_array_length(value) END AS len
          FROM walk) t
 GROUP BY path, type;

CREATE TABLE from_c AS
SELECT path, type, rows, min_length::int AS min_length, max_length::int AS max_length
  FROM schema_guard.jsonb_shape('docs', 'doc');

-- (How many paths there are depends on random(), whose generator changed in
-- PostgreSQL 15; only a lower bound is checked.)
SELECT (SELECT count(*) FROM from_sql) > 3000 AS many_paths,
       (SELECT count(*) FROM (TABLE from_sql EXCEPT TABLE from_c) x) AS only_in_sql,
       (SELECT count(*) FROM (TABLE from_c EXCEPT TABLE from_sql) x) AS only_in_c,
       (SELECT count(*) FROM from_sql WHERE path LIKE '%ключ%' OR path LIKE '%très%') > 0
         AS has_non_ascii_keys,
       (SELECT count(*) FROM from_sql WHERE type = 'string' AND min_length <> max_length) > 0
         AS has_string_ranges;

DROP SCHEMA jdiff CASCADE;
