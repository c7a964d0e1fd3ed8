-- bench/jsonb_gen.sql: :rows nested order documents, ~0.5-1.5 kB each; every
-- 20th carries ~5 kB of notes and is stored out of line (TOAST).
-- Deterministic: setseed() fixes random().
SELECT setseed(0.42);
DROP TABLE IF EXISTS :tbl;
CREATE TABLE :tbl (id bigint PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO :tbl
SELECT i,
       jsonb_build_object(
         'id', i,
         'kind', (ARRAY['order', 'refund', 'quote', 'invoice', 'return'])[1 + i % 5],
         'created_at', '2024-01-01'::timestamptz + i * interval '1 minute',
         'amount', CASE WHEN i % 3 = 0 THEN (i % 1000)::numeric ELSE round((random() * 1000)::numeric, 2) END,
         'currency', 'EUR',
         'customer', jsonb_build_object(
             'id', i % 100000, 'name', md5(i::text), 'email', md5(i::text) || '@example.com',
             'vip', i % 17 = 0, 'tags', to_jsonb(ARRAY['t' || i % 7, 't' || i % 11]),
             'address', jsonb_build_object(
                 'street', md5((i * 7)::text), 'city', 'City ' || i % 500,
                 'zip', lpad((i % 99999)::text, 5, '0'),
                 'geo', jsonb_build_object('lat', 45 + random(), 'lon', 5 + random()))),
         'items', (SELECT jsonb_agg(jsonb_build_object(
                              'sku', substr(md5((i * 10 + k)::text), 1, 12), 'qty', 1 + k % 4,
                              'price', round((random() * 100)::numeric, 2),
                              'attrs', jsonb_build_object('color', (ARRAY['red', 'blue', 'green'])[1 + k % 3],
                                                          'size', k % 5)))
                     FROM generate_series(1, 1 + i % 4) k),
         'flags', jsonb_build_object('gift', i % 2 = 0,
                                     'priority', CASE WHEN i % 10 = 0 THEN NULL ELSE i % 3 END))
       || CASE WHEN i % 20 = 0
               THEN jsonb_build_object('notes', (SELECT string_agg(md5((i * 100 + n)::text), ' ')
                                                   FROM generate_series(1, 150) n))
               ELSE '{}' END
       || CASE WHEN i % 7 = 0 THEN '{"coupon": {"code": "X", "pct": 10}}'::jsonb ELSE '{}' END
  FROM generate_series(1, :rows) i;
VACUUM ANALYZE :tbl;
