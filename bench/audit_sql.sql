-- bench/audit_sql.sql: the audit's catalog checks written as catalog SQL,
-- the way the popular audit tools write them (pgx/postgres-checkup's
-- unindexed foreign keys, pg-index-health's duplicated and intersected
-- indexes, PgHero's invalid and unused indexes, NOT VALID constraints,
-- sequence headroom), one UNION query: the baseline bench/run.sh times
-- schema_guard.audit() against.  Not a reference implementation: the same
-- amount of catalog work, with the tools' known shortcuts.
WITH fk AS (
    SELECT c.conrelid, c.conname, c.conkey
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.conparentid = 0
       AND c.connamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema', 'schema_guard')
), idx AS (
    SELECT i.indexrelid, i.indrelid, i.indisunique, i.indisprimary, i.indisvalid,
           i.indkey::int2[] AS keys, i.indclass::oid[] AS classes,
           i.indcollation::oid[] AS colls, i.indexprs::text AS exprs,
           i.indpred::text AS pred, c.relam
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'schema_guard')
       AND n.nspname NOT LIKE 'pg_toast%'
)
SELECT 'fk_unindexed' AS rule, fk.conrelid::regclass::text || '.' || fk.conname AS object
  FROM fk
 WHERE NOT EXISTS (SELECT FROM idx
                    WHERE idx.indrelid = fk.conrelid AND idx.indisvalid AND idx.pred IS NULL
                      AND (idx.keys[0:cardinality(fk.conkey) - 1]) @> fk.conkey
                      AND (idx.keys[0:cardinality(fk.conkey) - 1]) <@ fk.conkey)
UNION ALL
SELECT 'index_duplicate', b.indexrelid::regclass::text
  FROM idx a JOIN idx b ON a.indrelid = b.indrelid AND a.indexrelid < b.indexrelid
   AND a.relam = b.relam AND a.keys = b.keys AND a.classes = b.classes AND a.colls = b.colls
   AND a.exprs IS NOT DISTINCT FROM b.exprs AND a.pred IS NOT DISTINCT FROM b.pred
   AND a.indisunique = b.indisunique
UNION ALL
SELECT 'index_redundant', a.indexrelid::regclass::text
  FROM idx a JOIN idx b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
   AND a.relam = b.relam AND NOT a.indisunique AND NOT a.indisprimary
   AND cardinality(a.keys) < cardinality(b.keys)
   AND b.keys[0:cardinality(a.keys) - 1] = a.keys
   AND b.classes[0:cardinality(a.classes) - 1] = a.classes
   AND a.pred IS NOT DISTINCT FROM b.pred
UNION ALL
SELECT 'index_invalid', indexrelid::regclass::text FROM idx WHERE NOT indisvalid
UNION ALL
SELECT 'index_unused', idx.indexrelid::regclass::text
  FROM idx JOIN pg_stat_user_indexes s ON s.indexrelid = idx.indexrelid
 WHERE s.idx_scan = 0 AND NOT idx.indisunique AND idx.exprs IS NULL
UNION ALL
SELECT 'constraint_not_validated', conrelid::regclass::text || '.' || conname
  FROM pg_constraint WHERE NOT convalidated AND contype IN ('c', 'f')
UNION ALL
SELECT 'sequence_near_exhaustion', s.schemaname || '.' || s.sequencename
  FROM pg_sequences s
 WHERE NOT s.cycle AND s.last_value IS NOT NULL
   AND s.last_value::numeric / s.max_value >= 0.8;
