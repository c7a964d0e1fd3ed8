#!/bin/bash
# test/t_config_file.sh: every schema_guard setting can be written where a
# superuser writes settings: postgresql.conf, ALTER SYSTEM (which writes
# postgresql.auto.conf), ALTER DATABASE/ROLE ... SET.  postgresql.conf holds
# only names with one dot, so a setting named schema_guard.rule.<id> (as in
# 0.1.0) stopped the server from starting; the server must start, reload and
# restart with them.
#
# Run by test/run.sh, or alone: test/t_config_file.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_config_file "$@"

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
expect() {
    local what=$1 want=$2 got=$3
    if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what: got '$got', want '$want'"; fi
}

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SCRATCH/server.log"
"$SG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
# Every rule's level and the mode, in postgresql.conf.
{
    echo "schema_guard.mode = warn"
    echo "schema_guard.fk_unindexed = off"
} >>"$DATA/postgresql.conf"
"$SG_BINDIR/pg_ctl" -D "$DATA" -l "$SCRATCH/server.log" -w -t 60 start >/dev/null
expect "postgresql.conf sets the mode" warn "$(sg_psql -d postgres -Atc 'SHOW schema_guard.mode')"
expect "postgresql.conf sets a rule's level" off "$(sg_psql -d postgres -Atc 'SHOW schema_guard.fk_unindexed')"

# Every rule, through ALTER SYSTEM, then a reload and a restart.
rules=$(sg_psql -d postgres -Atc "CREATE EXTENSION schema_guard; SELECT rule FROM schema_guard.rules() ORDER BY 1")
for r in $rules; do
    sg_psql -d postgres -c "ALTER SYSTEM SET schema_guard.$r = warning"
done
# Two -c options: psql before 15 prints only the last result of one -c.
reloaded=$(sg_psql -d postgres -At -c "SELECT pg_reload_conf()" -c "SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL")
expect "postgresql.auto.conf parses after ALTER SYSTEM" "t
0" "$reloaded"
"$SG_BINDIR/pg_ctl" -D "$DATA" -l "$SCRATCH/server.log" -w -t 60 restart >/dev/null &&
    ok "the server restarts with every rule set by ALTER SYSTEM" ||
    not_ok "the server does not restart: $(tail -n 3 "$SCRATCH/server.log")"
expect "every rule is at the level ALTER SYSTEM gave it" "$(echo "$rules" | wc -l)" \
    "$(sg_psql -d postgres -Atc "SELECT count(*) FROM schema_guard.rules() WHERE level = 'warning'")"

# Per database and per role.
sg_psql -d postgres -c "ALTER DATABASE postgres SET schema_guard.table_rewrite = off" \
    -c "CREATE ROLE cfg_role LOGIN" -c "ALTER ROLE cfg_role SET schema_guard.implicit_nullable = off"
expect "ALTER DATABASE ... SET applies" off "$(sg_psql -d postgres -Atc 'SHOW schema_guard.table_rewrite')"
expect "ALTER ROLE ... SET applies" off \
    "$("$SG_BINDIR/psql" -X -h "$SG_PGHOST" -p "$SG_PGPORT" -U cfg_role -d postgres -Atc 'SHOW schema_guard.implicit_nullable')"

echo "$failures failure(s)"
[ "$failures" = 0 ]
