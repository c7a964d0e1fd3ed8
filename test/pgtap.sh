#!/bin/bash
# test/pgtap.sh FILE...: pgTAP tests with pg_prove against a throwaway
# cluster with the preload config, in a database where pgtap and
# schema_guard are created.  Run by test/run.sh (as postgres, staged).
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

DATA=$SG_BUILD/pgtap/data
mkdir -p "$SG_BUILD/pgtap"
trap 'sg_cluster_stop "$DATA"' EXIT
sg_cluster_start "$DATA" "$SG_CONF_PRELOAD" "$SG_BUILD/pgtap/server.log"
sg_psql -d postgres -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION schema_guard"
PGHOST=$SG_PGHOST PGPORT=$SG_PGPORT PGUSER=postgres PGDATABASE=postgres PATH=$SG_BINDIR:$PATH \
    pg_prove "$@"
