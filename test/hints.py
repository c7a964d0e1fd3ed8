#!/usr/bin/env python3
"""test/hints.py: every finding the regression suite raises, its HINT run as
printed in a copy of the state it was raised in.  Started by test/t_hints.sh,
which starts the cluster (csvlog, log_statement = all) and passes it in the
environment; see there for the method.  Python 3 standard library only.
"""
import csv
import glob
import io
import os
import re
import subprocess
import sys
import time

ROOT = os.environ["SG_ROOT"]
BINDIR = os.environ["SG_BINDIR"]
HOST = os.environ["SG_PGHOST"]
PORT = os.environ["SG_PGPORT"]
SCRATCH = os.environ["SCRATCH"]
CSVLOG = os.environ["SG_HINTS_CSVLOG"]
KNOWN = os.path.join(ROOT, "test", "hints_known_failures")

SG_ERROR = "SG001"      # ERRCODE_SG_VIOLATION: a finding at level error
SG_WARNING = "01SG0"    # ERRCODE_SG_WARNING: a finding at level warning
REGRESS_DB = "contrib_regression"

# The documented convention (doc/schema_guard.md, "Messages"): a HINT is SQL
# when it starts with an upper-case SQL command keyword, words otherwise.
SQL_COMMANDS = {
    "ABORT", "ALTER", "ANALYZE", "BEGIN", "CALL", "CHECKPOINT", "CLUSTER",
    "COMMENT", "COMMIT", "COPY", "CREATE", "DEALLOCATE", "DELETE", "DISCARD",
    "DO", "DROP", "END", "EXPLAIN", "GRANT", "IMPORT", "INSERT", "LOCK",
    "MERGE", "NOTIFY", "PREPARE", "REFRESH", "REINDEX", "RELEASE", "RESET",
    "REVOKE", "ROLLBACK", "SAVEPOINT", "SECURITY", "SELECT", "SET", "SHOW",
    "START", "TABLE", "TRUNCATE", "UPDATE", "VACUUM", "VALUES", "WITH",
}
# Keywords that start a statement in words (prose may name SET NOT NULL).
STATEMENT_KEYWORDS = ("ALTER|ANALYZE|CALL|CLUSTER|COMMENT|COPY|CREATE|DELETE|DROP|GRANT|INSERT|"
                      "LOCK|MERGE|REFRESH|REINDEX|REVOKE|SELECT|TRUNCATE|UPDATE|VACUUM")
SQL_TYPES = ("bigint|bigserial|boolean|bytea|char|character|date|double|int|integer|"
             "interval|json|jsonb|numeric|real|serial|smallint|text|time|timestamp|"
             "timestamptz|uuid|varchar")
OUTSIDE = "outside a transaction block"


def pg_regress_env():
    """What pg_regress sets for the psql it starts: its time zone is
    PST8PDT, or America/Los_Angeles on newer majors (read from the binary)."""
    tz = "PST8PDT"
    pgxs = subprocess.run([os.environ.get("PG_CONFIG", "pg_config"), "--pgxs"],
                          text=True, capture_output=True).stdout.strip()
    path = os.path.join(os.path.dirname(pgxs), "..", "test", "regress", "pg_regress")
    if os.path.exists(path) and b"America/Los_Angeles" in open(path, "rb").read():
        tz = "America/Los_Angeles"
    return {"PGTZ": tz, "PGDATESTYLE": "Postgres, MDY"}


PSQL_ENV = pg_regress_env()


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- psql, log

def psql(db, user, script, app, out, opts, env):
    args = [os.path.join(BINDIR, "psql"), "-X", "-q", "-h", HOST, "-p", PORT,
            "-U", user, "-d", db] + opts
    with open(out, "w") as fh:
        subprocess.run(args, input=script, text=True, stdout=fh, stderr=subprocess.STDOUT,
                       env=dict(os.environ, PGAPPNAME=app, **env), check=False)


def query(sql, db="postgres"):
    """One value per row, through a strict psql (raises on failure)."""
    res = subprocess.run([os.path.join(BINDIR, "psql"), "-X", "-q", "-A", "-t",
                          "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", PORT,
                          "-U", "postgres", "-d", db, "-c", sql],
                         text=True, capture_output=True,
                         env=dict(os.environ, PGAPPNAME="sg_hints_admin"))
    if res.returncode != 0:
        raise RuntimeError("%s: %s" % (sql, res.stderr.strip()))
    return [l for l in res.stdout.split("\n") if l != ""]


class Entry:
    """One csvlog record (the columns are the same from PostgreSQL 13 on)."""
    __slots__ = ("user", "db", "session", "severity", "sqlstate", "message", "hint", "app")

    def __init__(self, row):
        (self.user, self.db, self.session, self.severity, self.sqlstate,
         self.message, self.hint, self.app) = (
            row[1], row[2], row[5], row[11], row[12], row[13], row[15], row[22])


class CsvLog:
    """The server's csvlog, read up to a marker statement each time."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.buf = b""
        self.nsync = 0
        self.by_app = {}

    def sync(self):
        """Read the log up to a marker statement sent now: everything logged
        before it is then in the file (one pipe to the logging collector)."""
        self.nsync += 1
        marker = b"sg_hints_sync %d'" % self.nsync
        query("SELECT 'sg_hints_sync %d'" % self.nsync)
        deadline = time.time() + 60
        while True:
            if os.path.exists(self.path):
                with open(self.path, "rb") as fh:
                    fh.seek(self.pos)
                    chunk = fh.read()
                self.pos += len(chunk)
                self.buf += chunk
            i = self.buf.find(marker)
            end = self.buf.find(b"\n", i) + 1 if i >= 0 else 0
            if end > 0:
                break
            if time.time() > deadline:
                raise RuntimeError("the server log never showed the marker " + marker.decode())
            time.sleep(0.05)
        done, self.buf = self.buf[:end], self.buf[end:]
        text = done.decode("utf-8", errors="replace")
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(row) > 22:
                e = Entry(row)
                self.by_app.setdefault(e.app, []).append(e)

    def take(self, app):
        return self.by_app.pop(app, [])


# ------------------------------------------------------ statements, findings

class Finding:
    def __init__(self, e):
        self.rule = e.message.split(":", 1)[0]
        self.message = e.message
        self.hint = e.hint

    def key(self):
        """Rule and object: the primary message without its evidence."""
        return (self.rule, re.sub(r"\s*\([^()]*\bnow\)", "", self.message))


class Stmt:
    def __init__(self, text, user, db, session):
        self.text, self.user, self.db, self.session = text, user, db, session
        self.error = None           # (sqlstate, message) of a non-finding error
        self.findings = []
        self.line = None            # line in the source file

    def outcome(self):
        return (self.error[0] if self.error else None,
                tuple(f.key() for f in self.findings))


def statements(entries):
    """The statements a client sent, in order, with what they raised."""
    out = []
    current = {}
    for e in entries:
        if e.severity == "LOG" and e.message.startswith("statement: "):
            st = Stmt(e.message[len("statement: "):], e.user, e.db, e.session)
            current[e.session] = st
            out.append(st)
            continue
        st = current.get(e.session)
        if st is None:
            continue
        if e.sqlstate in (SG_ERROR, SG_WARNING):
            st.findings.append(Finding(e))
            if e.sqlstate == SG_ERROR:
                st.error = (e.sqlstate, e.message)
        elif e.severity in ("ERROR", "FATAL", "PANIC"):
            st.error = (e.sqlstate, e.message)
    return out


def one_string(text):
    """A logged query string as psql must read it to send it again as one
    string: a semicolon between two statements (psql's \\;) becomes \\; again.
    Quotes, comments and dollar quotes are skipped; text holds no meta-command."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        m = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", text[i:]) if c == "$" else None
        if m and (i == 0 or not re.match(r"[\w$]", text[i - 1])):
            end = text.find(m.group(0), i + len(m.group(0)))
            end = n if end < 0 else end + len(m.group(0))
        elif c in "'\"":
            end = i + 1
            while end < n:
                if text[end] == c and text[end + 1:end + 2] == c:
                    end += 2
                elif text[end] == c:
                    end += 1
                    break
                else:
                    end += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i)
            end = n if end < 0 else end + 2
        elif c == ";" and re.sub(r"--[^\n]*|/\*.*?\*/", "", text[i + 1:], flags=re.S).strip():
            out.append("\\;")
            i += 1
            continue
        else:
            end = i + 1
        out.append(text[i:end])
        i = end
    return "".join(out)


def first_word(text):
    m = re.match(r"\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)(?:\s+([A-Za-z]+))?", text)
    return (m.group(1).upper(), (m.group(2) or "").upper()) if m else ("", "")


def opens_block(st):
    w = first_word(st.text)
    return w[0] in ("BEGIN", "START") and w[1] != "ATOMIC"


def ends_block(st):
    """COMMIT, END, ROLLBACK (not TO), ABORT, PREPARE TRANSACTION."""
    w = first_word(st.text)
    if w[0] in ("COMMIT", "END") and w[1] != "PREPARED":
        return True
    if w[0] in ("ROLLBACK", "ABORT") and w[1] not in ("TO", "PREPARED"):
        return True
    return w[0] == "PREPARE" and w[1] == "TRANSACTION"


def is_commit(st):
    w = first_word(st.text)
    return (w[0] in ("COMMIT", "END") and w[1] != "PREPARED") or \
        (w[0] == "PREPARE" and w[1] == "TRANSACTION")


def block_starts(stmts):
    """For each statement, the index of the BEGIN of the transaction block it
    runs in (None in autocommit).  A session change ends a block."""
    res = []
    begin = None
    prev_session = None
    for i, st in enumerate(stmts):
        if st.session != prev_session:
            begin = None
        prev_session = st.session
        res.append(None if begin is None and opens_block(st) else begin)
        # A query string may hold several statements (psql's \;).
        for part in one_string(st.text).split("\\;"):
            part = Stmt(part, st.user, st.db, st.session)
            if begin is None and opens_block(part):
                begin = i
            elif begin is not None and ends_block(part):
                begin = None
    return res


def locate(stmts, path):
    """The source line of each statement: its text found in the file, in
    order (psql sends what it read, comments and variables aside)."""
    src = open(path, encoding="utf-8").read()
    pos = 0
    for st in stmts:
        probe = st.text.strip().rstrip(";").strip()
        i = src.find(probe, pos) if probe else -1
        if i < 0:
            probe = probe.split("\n")[0][:60]
            i = src.find(probe, pos) if probe else -1
        if i >= 0:
            st.line = src.count("\n", 0, i) + 1
            pos = i + len(probe)


# ------------------------------------------------------------------- HINTs

def classify(hint):
    """'sql' or 'words' by the convention, and the problems with it."""
    problems = []
    if "..." in hint or "\u2026" in hint:
        problems.append("has a placeholder (...)")
    m = re.match(r"\s*([A-Z]+)\b", hint)
    if m and m.group(1) in SQL_COMMANDS:
        for line in hint.split("\n"):
            code = re.sub(r"--.*", "", line).strip()
            if code == "":
                continue
            m2 = re.match(r"([A-Z]+)\b", code)
            if not (m2 and m2.group(1) in SQL_COMMANDS):
                problems.append("mixes words and SQL: %r" % line.strip())
        return "sql", problems
    # Words hold no SQL: no statement (a command keyword up to a semicolon,
    # or after a colon) and no column definition after a colon.
    if re.search(r"\b(%s)\b[^;]*;" % STATEMENT_KEYWORDS, hint) or \
            re.search(r":\s+(%s)\b" % STATEMENT_KEYWORDS, hint) or \
            re.search(r":\s+(\"[^\"]+\"|\w+)\s+(%s)\b" % SQL_TYPES, hint):
        problems.append("mixes words and SQL")
    return "words", problems


def split_hint(hint):
    """(lines to run outside a transaction block, the other lines)."""
    outside, inside = [], []
    for line in hint.split("\n"):
        (outside if OUTSIDE in line else inside).append(line)
    return "\n".join(outside), "\n".join(inside)


# ------------------------------------------------------------------ replay

class Replay:
    """A script of segments, each ended by a marker statement:
    ('replay', [Stmt]) statements of the original, that must do what they did;
    ('hint', text) the HINT's lines, that must succeed;
    ('after', [Stmt]) original statements run after a HINT moved before them;
    ('tail', text) statements closing the transaction."""

    def __init__(self, stmts):
        self.stmts = stmts
        self.segments = []

    def add(self, kind, body):
        if body:
            self.segments.append((kind, body))

    def script(self, dbmap):
        out = []
        session = self.stmts[0].session if self.stmts else None
        for n, (kind, body) in enumerate(self.segments):
            if isinstance(body, str):
                # A last statement without its semicolon is ended here.
                out.append(body if re.search(r";\s*(--[^\n]*)?$", body.rstrip())
                           else body + "\n;")
            else:
                for st in body:
                    if st.session != session:
                        out.append('\\c "%s" "%s"' % (dbmap(st.db), st.user))
                        session = st.session
                    t = one_string(st.text)
                    out.append(t if t.rstrip().endswith(";") else t + "\n;")
            out.append("SELECT 'sg_hints_segment %d';" % n)
        return "\n".join(out) + "\n"


def run_replay(ctx, rep, app, snap):
    rdb = "sg_hints_" + re.sub(r"\W", "_", app)
    query('CREATE DATABASE "%s" TEMPLATE "%s"' % (rdb, snap))
    first = next((st for st in rep.stmts), None)
    user = first.user if first else "postgres"

    def dbmap(db):
        return rdb if db == ctx.db else db

    base = os.path.join(SCRATCH, "out", app.replace("/", "_"))
    script = rep.script(dbmap)
    with open(base + ".sql", "w", encoding="utf-8") as fh:
        fh.write(script)
    psql(rdb, user, script, app, base + ".out", ["-a"], ctx.env)
    cleanup(ctx, rdb)
    ctx.log.sync()
    got = statements(ctx.log.take(app))
    # Split at the markers.
    parts, cur = [], []
    for st in got:
        if re.fullmatch(r"SELECT 'sg_hints_segment \d+';", st.text.strip()):
            parts.append(cur)
            cur = []
        else:
            cur.append(st)
    return parts


def cleanup(ctx, rdb):
    """Drop what a replay left in the cluster: prepared transactions, its
    databases, roles it created."""
    try:
        cleanup1(ctx, rdb)
    except RuntimeError as e:
        ctx.harness.append("cleanup after %s: %s" % (rdb, e))


def cleanup1(ctx, rdb):
    for gid, db in (l.split("|") for l in query(
            "SELECT gid, database FROM pg_prepared_xacts")):
        query("ROLLBACK PREPARED '%s'" % gid.replace("'", "''"), db)
    for db in query("SELECT datname FROM pg_database WHERE NOT datistemplate"):
        if db not in ctx.dbs and db != rdb:
            query('DROP DATABASE "%s" WITH (FORCE)' % db)
    query('DROP DATABASE "%s" WITH (FORCE)' % rdb)
    for role in query("SELECT rolname FROM pg_roles"):
        if role not in ctx.roles:
            query('DROP ROLE "%s"' % role.replace('"', '""'))


def same(orig, got):
    """Does a replayed run of statements do what the original did?"""
    if len(orig) != len(got):
        return "%d statements replayed, %d logged" % (len(orig), len(got))
    for a, b in zip(orig, got):
        if a.outcome() != b.outcome():
            return "statement at line %s %r: %s then, %s now" % (
                a.line, a.text[:60], a.outcome(), b.outcome())
    return None


def judge(f, kinds, parts):
    """The result of one HINT replay: (status, text)."""
    if len(parts) != len(kinds):
        return "failed", "the replay ended early (%d of %d segments)" % (len(parts), len(kinds))
    notes = []
    for (kind, body), got in zip(kinds, parts):
        if kind == "replay":
            d = same(body, got)
            if d:
                return "harness", "the replay does not reproduce the state: " + d
            continue
        for st in got:
            hit = [g for g in st.findings if g.key() == f.key()]
            if hit:
                return "still fires", "%s: %s" % (st.text.strip()[:80], hit[0].message)
        if kind == "hint":
            for st in got:
                if st.error:
                    return "failed", "%s -> %s: %s" % (
                        st.text.strip()[:100], st.error[0], st.error[1])
        elif kind == "after":
            for a, b in zip(body, got):
                if b.error and not a.error:
                    return "failed", "after the HINT, %r fails: %s" % (
                        a.text.strip()[:60], b.error[1])
        for st in got:
            for g in st.findings:
                notes.append(g.rule)
            if kind == "tail" and st.error and st.error[0] != SG_ERROR:
                notes.append(st.error[1])
    return "ok", ("also raised: " + ", ".join(sorted(set(notes)))) if notes else ""


def plans(f, stmts, k, begins, commit_rule):
    """Replays for finding f of statement k, best first: each is (label,
    Replay).  Statement-time: the HINT instead of the statement.  Commit-time:
    the HINT added to the transaction before its commit.  Lines to be run
    outside a transaction block go before the transaction (or after it; for a
    commit-time finding, after its commit)."""
    st = stmts[k]
    b = begins[k]
    outside, inside = split_hint(f.hint)
    res = []
    if is_commit(st) and b is not None:
        rep = Replay(stmts)
        rep.add("replay", stmts[:b])
        rep.add("hint", outside)
        rep.add("after", stmts[b:k])
        rep.add("hint", inside)
        rep.add("tail", st.text)
        res.append(("before commit", rep))
        if outside:
            # a VALIDATE in its own transaction: after this one commits
            rep = Replay(stmts)
            rep.add("replay", stmts[:k])
            rep.add("hint", inside)
            rep.add("tail", st.text)
            rep.add("hint", outside)
            res.append(("before commit, outside lines after it", rep))
        return res
    if commit_rule and b is None:
        rep = Replay(stmts)
        rep.add("replay", stmts[:k])
        rep.add("hint", outside)
        rep.add("after", [Stmt("BEGIN;", st.user, st.db, st.session)] + [st])
        rep.add("hint", inside)
        rep.add("tail", "COMMIT;")
        res.append(("at commit", rep))
    if b is None:
        rep = Replay(stmts)
        rep.add("replay", stmts[:k])
        rep.add("hint", f.hint)
        res.append(("instead", rep))
        return res
    if outside:
        rep = Replay(stmts)
        rep.add("replay", stmts[:b])
        rep.add("hint", outside)
        rep.add("after", stmts[b:k])
        rep.add("hint", inside)
        rep.add("tail", "COMMIT;")
        res.append(("instead, outside lines before the transaction", rep))
        rep = Replay(stmts)
        rep.add("replay", stmts[:k])
        rep.add("tail", "COMMIT;")
        rep.add("hint", f.hint)
        res.append(("instead, after the transaction", rep))
    else:
        rep = Replay(stmts)
        rep.add("replay", stmts[:k])
        rep.add("hint", f.hint)
        rep.add("tail", "COMMIT;")
        res.append(("instead, in the transaction", rep))
    return res


# -------------------------------------------------------------------- main

class Ctx:
    pass


def load_known():
    """test/hints_known_failures: "rule | file | statement | reason" lines;
    the statement is the first line of the offending statement as written,
    so that the entry survives lines added above it."""
    known = {}
    for line in open(KNOWN, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|", 3)]
        if len(parts) != 4:
            raise SystemExit("%s: not \"rule | file | statement | reason\": %s" % (KNOWN, line))
        known[tuple(parts[:3])] = parts[3]
    return known


def statement_key(stmts, k, begins):
    """The first line of statement k; for a COMMIT, the first statement of
    its transaction and the COMMIT ("CREATE TABLE x (...); ... COMMIT;")."""
    def first(st):
        return " ".join(st.text.strip().split("\n")[0].split())
    b = begins[k]
    if is_commit(stmts[k]) and b is not None and b + 1 < k:
        return "%s ... %s" % (first(stmts[b + 1]), first(stmts[k]))
    return first(stmts[k])


# The suites whose files are replayed: files, the database they run in one
# after the other, how it is made, how psql runs them (as pg_regress and
# pg_prove do), and where the expected output is.
SUITES = [
    {"files": "sql/*.sql", "db": REGRESS_DB,
     "setup": ["CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
               % REGRESS_DB] +
              ["ALTER DATABASE %s SET %s" % (REGRESS_DB, s) for s in (
                  "lc_messages TO 'C'", "lc_monetary TO 'C'", "lc_numeric TO 'C'",
                  "lc_time TO 'C'", "bytea_output TO 'hex'",
                  "timezone_abbreviations TO 'Default'")],
     "env": PSQL_ENV, "opts": ["-a", "-v", "HIDE_TABLEAM=on", "-v", "HIDE_TOAST_COMPRESSION=on"],
     "expected": "expected"},
    {"files": "test/pgtap/*.sql", "db": "sg_hints_pgtap",
     "setup": ["CREATE DATABASE sg_hints_pgtap",
               ("sg_hints_pgtap", "CREATE EXTENSION pgtap; CREATE EXTENSION schema_guard")],
     "env": {}, "opts": ["-A", "-t", "-v", "ON_ERROR_STOP=1"], "expected": None},
]


def main():
    start = time.time()
    ctx = Ctx()
    ctx.log = CsvLog(CSVLOG)
    ctx.harness = []
    os.makedirs(os.path.join(SCRATCH, "out"), exist_ok=True)
    only = sys.argv[1:]
    ctx.rules = set(query("CREATE EXTENSION schema_guard; SELECT rule FROM schema_guard.rules()",
                          "template1"))
    ctx.commit_rules = set(query(
        "SELECT rule FROM schema_guard.rules() WHERE 'commit' = ANY (moments)", "template1"))
    query("DROP EXTENSION schema_guard", "template1")
    ctx.known = load_known()
    ctx.known_status = {}
    ctx.unlisted = []
    rows = []
    for suite in SUITES:
        for step in suite["setup"]:
            if isinstance(step, tuple):
                query(step[1], step[0])
            else:
                query(step)
        for path in sorted(glob.glob(os.path.join(ROOT, suite["files"]))):
            run_file(ctx, suite, path, only, rows)
    report(rows, ctx, only, time.time() - start)


def run_file(ctx, suite, path, only, rows):
    """Run one file in the suite's database as the suite does, then replay
    each of its findings from a copy of the state it started from."""
    rel = os.path.relpath(path, ROOT)
    name = os.path.basename(path)[:-4]
    tag = re.sub(r"\W", "_", rel[:-4])
    snap = "sg_hints_snap"
    ctx.db = suite["db"]
    query('CREATE DATABASE "%s" TEMPLATE "%s"' % (snap, ctx.db))
    ctx.dbs = set(query("SELECT datname FROM pg_database"))
    ctx.roles = set(query("SELECT rolname FROM pg_roles"))
    ctx.env = suite["env"]
    out = os.path.join(SCRATCH, "out", tag + ".out")
    psql(ctx.db, "postgres", open(path, encoding="utf-8").read(), "capture/" + tag,
         out=out, opts=suite["opts"], env=ctx.env)
    ctx.log.sync()
    orig = statements(ctx.log.take("capture/" + tag))
    locate(orig, path)
    if suite["expected"] and not diff_ok(os.path.join(ROOT, suite["expected"], name), out):
        ctx.harness.append("%s: the run differs from %s/%s.out (see %s)"
                           % (rel, suite["expected"], name, out))
    findings = [(k, f) for k, st in enumerate(orig) for f in st.findings]
    if findings and (not only or name in only):
        # Does a replay of the log reproduce the file?  Every finding and
        # every error, statement by statement.
        rep = Replay(orig)
        rep.add("replay", orig)
        parts = run_replay(ctx, rep, "control/" + tag, snap)
        d = same(orig, parts[0]) if parts else "nothing replayed"
        if d:
            ctx.harness.append("%s: a replay of the log does not reproduce the run: %s" % (rel, d))
        begins = block_starts(orig)
        for n, (k, f) in enumerate(findings):
            where = "%s:%s" % (rel, orig[k].line or "#%d" % (k + 1))
            rows.append(run_finding(ctx, f, orig, k, begins, where, "hint/%s/%d" % (tag, n), snap))
    query('DROP DATABASE "%s"' % snap)


def run_finding(ctx, f, orig, k, begins, where, app, snap):
    if f.rule not in ctx.rules:
        ctx.harness.append("%s: %s is not a rule id: %s" % (where, f.rule, f.message))
    kind, problems = classify(f.hint or "")
    if not f.hint:
        status, text = "failed", "no HINT"
    elif problems:
        status, text = "failed", "; ".join(problems)
    elif kind == "words":
        status, text = "words", ""
    else:
        status, text = None, None
        for label, rep in plans(f, orig, k, begins, f.rule in ctx.commit_rules):
            parts = run_replay(ctx, rep, app, snap)
            s, t = judge(f, rep.segments, parts)
            if status is None or (status != "ok" and s == "ok"):
                status, text = s, ("%s: %s" % (label, t)).rstrip(": ")
            if s == "ok":
                break
    key = (f.rule, where.rsplit(":", 1)[0], statement_key(orig, k, begins))
    if key in ctx.known:
        if status not in ("ok", "words"):
            text = "%s [known: %s]" % (text, ctx.known[key])
            status = "known failure"
        if ctx.known_status.get(key) != "known failure":
            ctx.known_status[key] = status
    if status not in ("ok", "words", "known failure"):
        ctx.unlisted.append(" | ".join(key))
    return (f.rule, where, status, text, f.hint or "")


def diff_ok(expected, out):
    """Is the output one of the expected files (blanks aside, as pg_regress's
    diff -w)?"""
    got = open(out, encoding="utf-8", errors="replace").read()
    for exp in sorted(glob.glob(expected + ".out") + glob.glob(expected + "_[0-9].out")):
        want = open(exp, encoding="utf-8", errors="replace").read()
        if re.sub(r"[ \t]+", "", want) == re.sub(r"[ \t]+", "", got):
            return True
    return False


def report(rows, ctx, only, secs):
    w = max([len(r[1]) for r in rows] + [5])
    log("%-26s %-*s %-13s %s" % ("rule", w, "where", "result", "detail"))
    counts = {}
    for rule, where, status, text, hint in rows:
        counts[status] = counts.get(status, 0) + 1
        log("%-26s %-*s %-13s %s" % (rule, w, where, status, text))
        if status not in ("ok", "words"):
            for line in hint.split("\n"):
                log("%26s HINT| %s" % ("", line))
    for h in ctx.harness:
        log("harness failure: " + h)
    # A listed failure that passes now, or that no statement matches any
    # more, is said (remove its line), not failed: fixes land in parallel.
    failing = {key for key, status in ctx.known_status.items() if status == "known failure"}
    for key in ctx.known:
        if key not in failing and not only:
            log("note: listed in %s but not failing (remove it): %s" % (
                os.path.relpath(KNOWN, ROOT), " | ".join(key)))
    for line in ctx.unlisted:
        log("failing, not listed in %s: %s | <reason>" % (os.path.relpath(KNOWN, ROOT), line))
    bad = sum(v for k, v in counts.items() if k not in ("ok", "words", "known failure"))
    log("%d findings: %s; %d harness failures; %.0f s" % (
        len(rows), ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())),
        len(ctx.harness), secs))
    sys.exit(1 if bad or ctx.harness else 0)


if __name__ == "__main__":
    main()
