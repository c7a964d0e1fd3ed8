-- The schema_guard prefix is reserved: a misspelt setting is an error, not a
-- silent placeholder.  PostgreSQL 13 and 14 cannot reserve a prefix
-- (MarkGUCPrefixReserved is 15+; before it, EmitWarningsOnPlaceholders only
-- warns about placeholders that exist when the library loads), so there the
-- SET succeeds: expected/guard_reserved_prefix_1.out.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schema_guard;
RESET client_min_messages;
-- The library is loaded in this session (with or without preloading).
SELECT count(*) > 0 AS loaded FROM schema_guard.rules();
SET schema_guard.no_such_setting = 1;
SHOW schema_guard.no_such_setting;
