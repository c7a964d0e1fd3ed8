/* schema_guard--0.1.0--0.2.0.sql: upgrade from 0.1.0 */

\echo Use "ALTER EXTENSION schema_guard UPDATE TO '0.2.0'" to load this file. \quit

-- Every change to schema_guard--0.2.0.sql is repeated here, in order, so
-- that an updated 0.1.0 installation equals a fresh 0.2.0 one.

-- Every function runs under pinned settings, whatever the caller set (the
-- list of sg_pinned_settings in src/report.c; the event triggers keep the
-- user's search_path); helpers that only read are PARALLEL SAFE.
ALTER FUNCTION schema_guard.rules()
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.exempt(text, text, text)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.unexempt(text, text)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.ddl_command_start()
    SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.ddl_command_end()
    SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.table_rewrite()
    SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.sql_drop()
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_shape(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_shape_summary(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_infer_contract(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_contract_valid(jsonb)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_expect(regclass, name, jsonb)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_drift(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_snapshot(regclass, name, float8, int)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.can_read_column(regclass, name)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex PARALLEL SAFE;
ALTER FUNCTION schema_guard.owns_table(regclass)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex PARALLEL SAFE;
ALTER FUNCTION schema_guard.jsonb_changes(regclass, name, timestamptz, float8)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_workload_paths(regclass, name, regclass)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
ALTER FUNCTION schema_guard.jsonb_path_keys(text)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex PARALLEL SAFE;
ALTER FUNCTION schema_guard.jsonb_suggest(regclass, name, float8, regclass)
    SET search_path = pg_catalog, pg_temp SET row_security = on
    SET standard_conforming_strings = on SET quote_all_identifiers = off
    SET array_nulls = on SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres
    SET extra_float_digits = 1 SET bytea_output = hex;
