-- pg_temp.sg_fingerprint(): every object of the extension schema_guard in
-- the current database, one row (kind, name, def) per object or property,
-- named without OIDs, so that two databases compare with EXCEPT or diff.
-- An updated extension must give exactly the rows of a fresh install.
-- Used by sql/exemptions_upgrade.sql and test/t_upgrade.sh: load it with
-- \i test/extension_fingerprint.sql from the top of the source tree.
CREATE FUNCTION pg_temp.sg_fingerprint() RETURNS TABLE (kind text, name text, def text)
LANGUAGE sql AS $fp$
    WITH ext AS (SELECT * FROM pg_extension WHERE extname = 'schema_guard')
    SELECT 'extension', e.extname::text,
           concat_ws(' | ', e.extversion, e.extrelocatable, e.extnamespace::regnamespace,
                     pg_get_userbyid(e.extowner), n.nspacl::text,
                     obj_description(e.extnamespace, 'pg_namespace'))
      FROM ext e JOIN pg_namespace n ON n.oid = e.extnamespace
    UNION ALL
    -- the members, as pg_depend records them
    SELECT 'member', pg_describe_object(d.classid, d.objid, d.objsubid), ''
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
    UNION ALL
    -- the tables pg_dump dumps, with their conditions (a set: the order of
    -- extconfig is that of the pg_extension_config_dump calls)
    SELECT 'dumped', c.cfg::regclass::text, coalesce(c.cond, '<null>')
      FROM ext, unnest(ext.extconfig, ext.extcondition) AS c(cfg, cond)
    UNION ALL
    SELECT 'relation', c.relname::text,
           concat_ws(' | ', c.relkind, c.relpersistence, c.relacl::text, c.reloptions::text,
                     c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
                     pg_get_userbyid(c.relowner),
                     CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END,
                     obj_description(c.oid, 'pg_class'))
      FROM pg_class c WHERE c.relnamespace = 'schema_guard'::regnamespace
    UNION ALL
    SELECT 'column', c.relname || '.' || a.attname,
           concat_ws(' | ', row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                     format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                     a.attgenerated, a.attcollation::regcollation,
                     pg_get_expr(d.adbin, d.adrelid), a.attacl::text,
                     col_description(c.oid, a.attnum))
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE c.relnamespace = 'schema_guard'::regnamespace
    UNION ALL
    SELECT 'sequence', s.seqrelid::regclass::text,
           concat_ws(' | ', s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
                     s.seqcache, s.seqcycle, owned.owner)
      FROM pg_sequence s
      LEFT JOIN LATERAL (SELECT string_agg(dc.refobjid::regclass || '.' || a.attname, ',') AS owner
                           FROM pg_depend dc
                           JOIN pg_attribute a ON a.attrelid = dc.refobjid AND a.attnum = dc.refobjsubid
                          WHERE dc.classid = 'pg_class'::regclass AND dc.objid = s.seqrelid
                            AND dc.deptype = 'a') owned ON true
     WHERE s.seqrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'schema_guard'::regnamespace)
    UNION ALL
    SELECT 'constraint', c.conrelid::regclass || ' ' || c.conname,
           concat_ws(' | ', pg_get_constraintdef(c.oid), c.convalidated,
                     obj_description(c.oid, 'pg_constraint'))
      FROM pg_constraint c WHERE c.connamespace = 'schema_guard'::regnamespace
    UNION ALL
    SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE c.relnamespace = 'schema_guard'::regnamespace
    UNION ALL
    SELECT 'policy', p.tablename || ' ' || p.policyname,
           concat_ws(' | ', p.permissive, p.roles::text, p.cmd, p.qual, p.with_check)
      FROM pg_policies p WHERE p.schemaname = 'schema_guard'
    UNION ALL
    SELECT 'trigger', t.tgrelid::regclass || ' ' || t.tgname,
           concat_ws(' | ', pg_get_triggerdef(t.oid), t.tgenabled)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'schema_guard'::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT 'rule', r.ev_class::regclass || ' ' || r.rulename, pg_get_ruledef(r.oid)
      FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
     WHERE c.relnamespace = 'schema_guard'::regnamespace AND r.rulename <> '_RETURN'
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text,
           concat_ws(' | ', pg_get_functiondef(p.oid), p.prosrc, p.probin, p.proconfig::text,
                     p.provolatile, p.proparallel, p.prosecdef, p.proleakproof, p.proisstrict,
                     p.procost, p.prorows, pg_get_userbyid(p.proowner), p.proacl::text,
                     obj_description(p.oid, 'pg_proc'))
      FROM pg_proc p WHERE p.pronamespace = 'schema_guard'::regnamespace
    UNION ALL
    SELECT 'type', t.typname::text,
           concat_ws(' | ', t.typtype, t.typrelid::regclass, t.typacl::text)
      FROM pg_type t WHERE t.typnamespace = 'schema_guard'::regnamespace
    UNION ALL
    SELECT 'event trigger', t.evtname::text,
           concat_ws(' | ', t.evtevent, t.evtenabled, t.evtfoid::regprocedure, t.evttags::text,
                     pg_get_userbyid(t.evtowner))
      FROM pg_event_trigger t
$fp$;
