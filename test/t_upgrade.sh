#!/bin/bash
# test/t_upgrade.sh: ALTER EXTENSION schema_guard UPDATE from 0.1.0 as
# released, script AND library (the code of commit 6776e68, built from
# `git archive` into a stage of its own, cached in $SG_CACHE/releases).
#
# With the 0.1.0 library preloaded: create 0.1.0 and state (exemptions, a
# contract, a snapshot, every setting of 0.1.0 per database, some per role
# and in postgresql.auto.conf).  Then swap in the current library (restart),
# check the window before the update (DDL goes through with a WARNING, a
# report function refuses with the update as its HINT), run the update, and
# check that the extension equals a fresh install of the current version in
# another database (test/extension_fingerprint.sql), that the state survived
# and still works, and that every setting reads as before.
#
# Every later schema change ships its upgrade script with the same test:
# add a RELEASES entry (version and commit) below.
#
# Run by test/run.sh (environment described there), or alone as root or as
# any non-root user: test/t_upgrade.sh
set -euo pipefail

cd "$(dirname "$0")/.."
. test/lib.sh

sg_test_script t_upgrade "$@"

# Released versions, oldest first: "version commit".
RELEASES=("0.1.0 6776e68")

failures=0
check() {
    if [ "$2" = "$3" ]; then echo "ok - $1"; else
        echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; failures=$((failures + 1)); fi
}
# check_match NAME TEXT EXTENDED-REGEX
check_match() {
    if grep -Eq -- "$3" <<<"$2"; then echo "ok - $1"; else
        echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected to match: $3"; failures=$((failures + 1)); fi
}

major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
CURRENT=$(sed -n "s/^default_version = '\(.*\)'/\1/p" schema_guard.control)

# The released library, compiled once per server build (cached), installed
# where the server under test finds it: a stage of its own for Debian's
# server (extension_destdir), or a private copy of any other server's tree
# (test/lib.sh, SG_SERVER).  Sets RELEASE_STAGE and RELEASE_BINDIR.
build_release() {
    local version=$1 commit=$2 dir key
    key=$({ "$PG_CONFIG" --version; "$PG_CONFIG" --configure; "$PG_CONFIG" --cflags; } | md5sum | cut -c1-12)
    dir=$SG_CACHE/releases/schema_guard-$version-$commit-$key
    if ! mkdir -p "$SG_CACHE/releases" 2>/dev/null || [ ! -w "$SG_CACHE/releases" ]; then
        dir=$SCRATCH/release-$version
    fi
    if [ ! -f "$dir/built" ]; then
        if ! git -c safe.directory='*' -C "$SG_ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
            echo "t_upgrade: commit $commit (release $version) is not in this clone (shallow?): run from a full git clone" >&2
            return 3
        fi
        rm -rf "$dir"
        mkdir -p "$dir/src"
        git -c safe.directory='*' -C "$SG_ROOT" archive "$commit" | tar -x -C "$dir/src"
        if ! make -C "$dir/src" -s -j2 PG_CONFIG="$PG_CONFIG" >"$dir/build.log" 2>&1; then
            echo "t_upgrade: release $version (commit $commit) does not build against PostgreSQL $major:" >&2
            tail -n 20 "$dir/build.log" >&2
            return 2
        fi
        touch "$dir/built"
    fi
    RELEASE_STAGE=$SCRATCH/stage-$version
    RELEASE_BINDIR=$SG_BINDIR
    rm -rf "$RELEASE_STAGE"
    if [ -n "${SG_SERVER:-}" ]; then
        cp -al "$SG_SERVER" "$RELEASE_STAGE" 2>/dev/null || cp -a "$SG_SERVER" "$RELEASE_STAGE"
        RELEASE_BINDIR=$RELEASE_STAGE/bin
        make -C "$dir/src" -s install PG_CONFIG="$RELEASE_BINDIR/pg_config" >/dev/null
    else
        make -C "$dir/src" -s install PG_CONFIG="$PG_CONFIG" DESTDIR="$RELEASE_STAGE" >/dev/null
    fi
}

DATA=$SCRATCH/data
LOG=$SCRATCH/server.log
trap 'sg_cluster_stop "$DATA"' EXIT

# Server configs for a stage: the harness's own (test/lib.sh), other paths.
confs_for() {
    local stage=$1 dir=$2
    (
        SG_STAGE=$stage SG_CONF_PLAIN=$dir/plain.conf SG_CONF_PRELOAD=$dir/preload.conf
        sg_write_confs
    )
}

upgrade_from() {
    local version=$1 commit=$2 rc=0
    echo "# from $version (commit $commit) to $CURRENT"
    build_release "$version" "$commit" || rc=$?
    if [ "$rc" = 2 ] && [ "$major" != 15 ]; then
        # 0.1.0 was built and released for PostgreSQL 15 only.
        echo "ok - # SKIP release $version does not build on PostgreSQL $major: nothing to update from there"
        return 0
    fi
    if [ "$rc" = 3 ]; then
        # A shallow clone has no released code to build: say so, loudly.
        echo "ok - # SKIP release $version: its commit $commit is not in this clone"
        return 0
    fi
    [ "$rc" = 0 ] || { failures=$((failures + 1)); return 0; }
    confs_for "$RELEASE_STAGE" "$SCRATCH/conf-$version"
    SG_BINDIR=$RELEASE_BINDIR sg_cluster_start "$DATA" "$SCRATCH/conf-$version/preload.conf" "$LOG"

    sg_psql -d postgres -c "CREATE ROLE app LOGIN" -c "CREATE DATABASE upgraded" \
        -c "CREATE DATABASE fresh"
    PGOPTIONS='-c schema_guard.mode=off' sg_psql -d upgraded >/dev/null <<SQL
CREATE EXTENSION schema_guard VERSION '$version';
CREATE SCHEMA shop AUTHORIZATION app;
CREATE TABLE shop.customer (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customer,
                          note text, doc jsonb NOT NULL);
CREATE INDEX orders_note_idx ON shop.orders (note);
INSERT INTO shop.customer SELECT i, 'c' || i FROM generate_series(1, 20) i;
INSERT INTO shop.orders SELECT i, i % 20 + 1, NULL, jsonb_build_object('total', i, 'tags', jsonb_build_array('a'))
  FROM generate_series(1, 100) i;
SELECT schema_guard.exempt('implicit_nullable', 'shop.orders', 'legacy table');
SELECT schema_guard.exempt('fk_unindexed', 'orders_customer_id_fkey on shop.orders', 'small table');
SELECT schema_guard.exempt('json_not_jsonb', 'shop.orders.note', 'a column');
SELECT schema_guard.exempt('reindex_not_concurrent', 'shop', 'a schema');
SELECT schema_guard.exempt('implicit_nullable', 'shop.gone', 'a table dropped since');
SELECT schema_guard.jsonb_expect('shop.orders', 'doc',
    '{"type": "object", "required": ["total"], "properties": {"total": {"type": "integer"},
      "tags": {"type": "array", "items": {"type": "string"}}}}');
SELECT schema_guard.jsonb_snapshot('shop.orders', 'doc');
SQL

    # Every setting of the release, to a value other than its default:
    # per database; the mode and the first rule per role too; the first
    # knob in postgresql.auto.conf.
    local settings_sql="SELECT name, CASE vartype
            WHEN 'enum' THEN (SELECT v FROM unnest(enumvals) v WHERE v <> boot_val LIMIT 1)
            WHEN 'bool' THEN (NOT boot_val::bool)::text
            ELSE (CASE WHEN boot_val::numeric < max_val::numeric THEN boot_val::numeric + 1
                       ELSE boot_val::numeric - 1 END)::text END
        FROM pg_settings WHERE name LIKE 'schema_guard.%' ORDER BY name"
    local name value first_rule="" first_knob="" knob_value=""
    while IFS='|' read -r name value; do
        sg_psql -d postgres -c "ALTER DATABASE upgraded SET $name = '$value'"
        case $name in
        schema_guard.mode) sg_psql -d postgres -c "ALTER ROLE app IN DATABASE upgraded SET $name = 'off'" ;;
        schema_guard.rule.*) [ -n "$first_rule" ] || first_rule=$name ;;
        *) [ -n "$first_knob" ] || { first_knob=$name; knob_value=$((value + 1)); } ;;
        esac
    done < <(sg_psql -d upgraded -Atc "$settings_sql")
    sg_psql -d postgres -c "ALTER ROLE app IN DATABASE upgraded SET $first_rule = 'off'" \
        -c "ALTER SYSTEM SET $first_knob = $knob_value" -c "SELECT pg_reload_conf()" >/dev/null
    local settings_query="SELECT name || '=' || setting FROM pg_settings
        WHERE name LIKE 'schema_guard.%' AND name = ANY (:'names') ORDER BY name"
    local names
    names="{$(sg_psql -d upgraded -Atc "SELECT string_agg(name, ',') FROM pg_settings WHERE name LIKE 'schema_guard.%'")}"
    local settings_before settings_app_before
    # 0.2.0 renamed the rule levels schema_guard.rule.<id> to schema_guard.<id>
    # (its update script moves the settings): compare under the new names.
    local renamed='s/^schema_guard\.rule\./schema_guard./'
    settings_before=$(sg_psql -d upgraded -At -v names="$names" <<<"$settings_query" | sed "$renamed" | LC_ALL=C sort)
    settings_app_before=$("$SG_BINDIR/psql" -X -At -h "$SG_PGHOST" -p "$SG_PGPORT" -U app -d upgraded \
        -v names="$names" <<<"$settings_query" | sed "$renamed" | LC_ALL=C sort)

    local state="SELECT 'exemption', rule, object, reason, exempted_by, exempted_at::text
          FROM schema_guard.exemptions
        UNION ALL SELECT 'contract', tbl::text, col, contract::text, registered_by, registered_at::text
          FROM schema_guard.jsonb_contracts
        UNION ALL SELECT 'snapshot', s.tbl::text, s.col, s.method || ' ' || s.rows_scanned, s.taken_by,
                         s.taken_at::text FROM schema_guard.jsonb_snapshots s
        UNION ALL SELECT 'path', p.path, p.type, p.rows || ' ' || p.presence || ' ' || p.ratio, '', ''
          FROM schema_guard.jsonb_snapshot_paths p
        ORDER BY 1, 2, 3, 4"
    local state_before
    state_before=$(sg_psql -d upgraded -At <<<"$state")

    # Swap in the current library, as a package upgrade and a restart do.
    "$RELEASE_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    sed -i "s|^include '.*'$|include '$SG_CONF_PRELOAD'|" "$DATA/postgresql.conf"
    "$SG_BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w start >/dev/null

    # The window before the update: DDL is not blocked, reports refuse.
    local out
    out=$(PGOPTIONS='-c schema_guard.mode=enforce' sg_psql -d upgraded \
        -c "CREATE INDEX customer_name_idx ON shop.customer (name)" 2>&1) || rc=$?
    check "before the update, DDL the guard would refuse goes through" "$rc" "0"
    check_match "...with a WARNING that names both versions" "$out" \
        "WARNING:  extension \"schema_guard\" is at version \"$version\" but its loaded library is version \"$CURRENT\""
    rc=0
    out=$(sg_psql -d upgraded -c "SELECT count(*) FROM schema_guard.rules()" 2>&1) || rc=$?
    check "before the update, a report function refuses" "$rc" "1"
    check_match "...with the update as its HINT" "$out" \
        "HINT:  ALTER EXTENSION schema_guard UPDATE TO '$CURRENT';"

    # The update, as the HINT says: no WARNING about versions, one about the
    # exemption whose table is gone.
    out=$(sg_psql -d upgraded -c "ALTER EXTENSION schema_guard UPDATE TO '$CURRENT'" 2>&1)
    # (The session also warns at connection of the settings under 0.1.0's
    # names, which the library of 0.2.0 rejects until the update renames them.)
    check "ALTER EXTENSION schema_guard UPDATE gives no WARNING about versions" \
        "$(grep -c 'loaded library' <<<"$out" || true)" "0"
    check "...but one of the exemption whose object is gone" \
        "$(grep -v -e '^WARNING:  invalid configuration parameter name "schema_guard\.rule\.' \
            -e '^DETAIL:  "schema_guard" is a reserved prefix\.$' <<<"$out")" \
        'WARNING:  exemption of rule "implicit_nullable" on shop.gone dropped: relation "shop.gone" does not exist'
    check "the extension is at $CURRENT" \
        "$(sg_psql -d upgraded -Atc "SELECT extversion FROM pg_extension WHERE extname = 'schema_guard'")" \
        "$CURRENT"

    # Updated equals fresh.
    sg_psql -d fresh -c "CREATE EXTENSION schema_guard"
    local fp="\\i test/extension_fingerprint.sql
SELECT kind || ' ' || name || ': ' || def FROM pg_temp.sg_fingerprint() ORDER BY kind, name, def;"
    sg_psql -d upgraded -At <<<"$fp" >"$SCRATCH/updated.fp"
    sg_psql -d fresh -At <<<"$fp" >"$SCRATCH/fresh.fp"
    local n
    n=$(wc -l <"$SCRATCH/fresh.fp")
    check "the fingerprint covers the extension: $n rows, more than 150" "$([ "$n" -gt 150 ] && echo yes)" "yes"
    check "...among them the members pg_depend records" \
        "$(grep -c '^member function schema_guard.rules()' "$SCRATCH/fresh.fp")" "1"
    local d
    d=$(diff -u "$SCRATCH/fresh.fp" "$SCRATCH/updated.fp" || true)
    check "the updated extension equals a fresh $CURRENT install (diff fresh updated)" "$d" ""

    # The state survived and works.
    check "exemptions, contracts and snapshots survived" \
        "$(sg_psql -d upgraded -At <<<"$state" | grep -v '^exemption|implicit_nullable|shop.gone|')" \
        "$(grep -v '^exemption|implicit_nullable|shop.gone|' <<<"$state_before")"
    check "the exemption of a table dropped before the update is gone" \
        "$(sg_psql -d upgraded -Atc "SELECT count(*) FROM schema_guard.exemptions WHERE object = 'shop.gone'")" "0"
    rc=0
    local enforce='-c schema_guard.mode=enforce -c schema_guard.implicit_nullable=error'
    out=$(PGOPTIONS=$enforce sg_psql -d upgraded -c "ALTER TABLE shop.orders ADD COLUMN remark text" 2>&1) || rc=$?
    check "an exemption of $version still exempts ($out)" "$rc" "0"
    rc=0
    out=$(PGOPTIONS=$enforce sg_psql -d upgraded -c "ALTER TABLE shop.customer ADD COLUMN remark text" 2>&1) || rc=$?
    check_match "...and only its object" "$out" "ERROR:  implicit_nullable: "
    check "the contract of $version judges the data" \
        "$(sg_psql -d upgraded -Atc "SELECT coalesce(string_agg(kind || ' ' || path || ' ' || observed, ', '), 'none') FROM schema_guard.jsonb_drift('shop.orders', 'doc')")" "none"
    sg_psql -d upgraded -c "UPDATE shop.orders SET doc = doc || '{\"extra\": true}' WHERE id <= 50" \
        -c "SELECT schema_guard.jsonb_snapshot('shop.orders', 'doc')" >/dev/null
    check "...and finds what changed since" \
        "$(sg_psql -d upgraded -Atc "SELECT string_agg(kind || ' ' || path, ', ') FROM schema_guard.jsonb_drift('shop.orders', 'doc')")" \
        'undocumented_path $.extra'
    check "the snapshot of $version is compared with a new one" \
        "$(sg_psql -d upgraded -Atc "SELECT string_agg(path, ',') FROM schema_guard.jsonb_changes('shop.orders', 'doc')")" \
        '$.extra'

    # Every setting reads as before, without a WARNING at connection.
    names=$(sed 's/schema_guard\.rule\./schema_guard./g' <<<"$names")
    out=$(sg_psql -d upgraded -At -v names="$names" <<<"$settings_query" 2>&1 | LC_ALL=C sort)
    check "the settings of $version, per database and in postgresql.auto.conf, read as before" \
        "$out" "$settings_before"
    out=$("$SG_BINDIR/psql" -X -At -h "$SG_PGHOST" -p "$SG_PGPORT" -U app -d upgraded \
        -v names="$names" <<<"$settings_query" 2>&1 | LC_ALL=C sort)
    check "...and per role" "$out" "$settings_app_before"
    check_match "...where the role's settings differ from the database's" "$out" "^schema_guard.mode=off$"
    sg_cluster_stop "$DATA"
}

for release in "${RELEASES[@]}"; do
    upgrade_from $release
done

if [ "$failures" -gt 0 ]; then
    echo "t_upgrade: $failures check(s) failed"
    exit 1
fi
echo "t_upgrade: all checks passed"
