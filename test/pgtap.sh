#!/bin/bash
# test/pgtap.sh FILE...: pgTAP tests with pg_prove against a throwaway
# cluster with the preload config, in a database where pgtap and
# schema_guard are created, in that order.  test/pgtap/assertions.sql (the
# assertions for a project's own suites) runs a second time in a database
# where schema_guard came first and pgtap after it, in a schema of its own.
# Run by test/run.sh (as postgres, staged).
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

DATA=$SG_BUILD/pgtap/data
mkdir -p "$SG_BUILD/pgtap"
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SG_BUILD/pgtap/server.log"
sg_psql -d postgres -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION schema_guard"
sg_psql -d postgres -c "CREATE DATABASE pgtap_after" >/dev/null
sg_psql -d pgtap_after -c "CREATE EXTENSION schema_guard" -c "CREATE SCHEMA tap" \
    -c "CREATE EXTENSION pgtap SCHEMA tap"
export PGHOST=$SG_PGHOST PGPORT=$SG_PGPORT PGUSER=postgres PATH=$SG_BINDIR:$PATH
rc=0
PGDATABASE=postgres pg_prove "$@" || rc=$?
for f in "$@"; do
    if [ "$(basename "$f")" = assertions.sql ]; then
        echo "# $f again: pgtap created after schema_guard, in schema tap"
        PGDATABASE=pgtap_after PGOPTIONS="-c search_path=public,tap" pg_prove "$f" || rc=$?
    fi
done
exit $rc
