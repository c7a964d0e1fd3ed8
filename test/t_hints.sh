#!/bin/bash
# test/t_hints.sh: every HINT of every finding the regression suite raises
# runs as printed and satisfies its rule.
#
# Method (test/hints.py does the work):
#  1. One throwaway cluster, library preloaded, csvlog with log_statement =
#     all: the log names, per client session, every statement sent and every
#     finding (SQLSTATE SG001 or 01SG0) with its HINT.
#  2. sql/*.sql run in order in one database, contrib_regression, by psql as
#     pg_regress runs them (same settings; the output must match
#     expected/).  Before each file, CREATE DATABASE ... TEMPLATE keeps the
#     state the file starts from.
#  3. Each file's log is replayed once in a copy of that state: every
#     statement must raise the same findings and errors as in the run, else
#     the harness fails (the state is not reproduced).
#  4. Each finding: a new copy of the state, the statements before it
#     replayed (same sessions, settings, errors), then its HINT run exactly
#     as printed:
#     - raised by a statement: the HINT instead of the statement; in a
#       transaction block, the COMMIT follows; lines marked "outside a
#       transaction block" run before the block's BEGIN (or, if that fails,
#       the whole HINT after the transaction);
#     - raised at commit (COMMIT, PREPARE TRANSACTION, or an autocommit
#       statement of a rule with the commit moment): the HINT is added to the
#       transaction just before its commit, lines to be run outside a
#       transaction block before it begins.
#     The finding passes when every HINT statement succeeds and no finding of
#     the same rule on the same object (message without its evidence in
#     parentheses) is raised until the end, commit included.  A HINT in words
#     (not starting with an upper-case SQL command keyword) is not run; no
#     HINT may hold a placeholder ("...") or mix words and SQL.
#  5. A table: rule, file:line, result (ok, words, failed, still fires,
#     known failure), then the count and the time.  Known failures are
#     listed in test/hints_known_failures ("rule | file | statement |
#     reason"); any other failure or harness failure fails the script, and
#     a listed line that no longer fails is printed as a note.
#
# Run by test/run.sh, or alone: test/t_hints.sh [sql-file-name ...] (names
# limit the replays to those files; the earlier files still run).
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_hints "$@"

DATA=$SCRATCH/data
trap 'sg_cluster_stop "$DATA"' EXIT

CONF=$SCRATCH/hints.conf
cat >"$CONF" <<EOF
include '$SG_CONF_PRELOAD'
logging_collector = on
log_destination = 'csvlog'
log_directory = '$SCRATCH/log'
log_filename = 'server'
log_rotation_size = 0
log_rotation_age = 0
log_statement = 'all'
log_min_messages = warning
log_min_error_statement = panic
autovacuum = off
EOF
rm -rf "$SCRATCH/log"
mkdir -p "$SCRATCH/log"
sg_cluster_start "$DATA" "$CONF" "$SCRATCH/server.log"

SCRATCH=$SCRATCH SG_HINTS_CSVLOG=$SCRATCH/log/server.csv python3 test/hints.py "$@"
