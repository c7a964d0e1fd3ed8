/* schema_guard--0.1.0--0.2.0.sql: upgrade from 0.1.0 */

\echo Use "ALTER EXTENSION schema_guard UPDATE TO '0.2.0'" to load this file. \quit

-- Every change to schema_guard--0.2.0.sql is repeated here, in order, so
-- that an updated 0.1.0 installation equals a fresh 0.2.0 one.
