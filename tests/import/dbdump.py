#!/usr/bin/python3
"""Print a normalised, deterministic dump of a database's schema and data.

Usage:
    /usr/bin/python3 dbdump.py URL [--exclude-table PATTERN ...]
                               [--no-default-excludes] [--strip-auto-increment]
                               [--schema-only | --data-only]

    URL is SQLAlchemy-style: sqlite:///relative.db, sqlite:////abs/path.db,
    postgresql://user:pw@host:port/db, mysql://user:pw@host:port/db
    (a `+driver` part such as postgresql+psycopg2:// or mysql+pymysql:// is accepted).

Two databases migrated by different tools (Alembic and Strata) should give
byte-identical output, so compare them with `diff`:

    dbdump.py sqlite:////tmp/alembic.db > a.txt
    dbdump.py sqlite:////tmp/strata.db  > b.txt
    diff -u a.txt b.txt

Output:
  1. the schema
     - SQLite: every sqlite_master entry with SQL, as `<type> <name>: <sql>`, sorted
       by type then name; whitespace collapsed (runs of blanks/newlines to one
       space, none after `(` or before `)`, `, ` after commas); in CREATE TABLE
       the table-constraint clauses (CONSTRAINT/PRIMARY KEY/UNIQUE/CHECK/FOREIGN
       KEY ...) are sorted after the columns, because Alembic's batch mode
       writes them in a different order on every run;
     - PostgreSQL: `pg_dump --schema-only --no-owner --no-privileges` (pg_dump from
       PATH, else the newest /usr/lib/postgresql/*/bin/pg_dump) without comments,
       SET / set_config lines, `\\restrict`/`\\unrestrict` lines and blank lines;
     - MariaDB/MySQL: `mariadb-dump --no-data --skip-comments --skip-dump-date`
       (or mysqldump) without `/*!40101 SET ...*/;` lines and the sandbox-mode
       line.  AUTO_INCREMENT=N table options are KEPT: they follow from the rows
       inserted, so the same data migrations give the same N.  Use
       --strip-auto-increment if a test knowingly inserts and deletes rows.
  2. PostgreSQL only: every sequence's last_value (pg_sequences), except
     sequences owned by excluded tables (also left out of the pg_dump part);
     SQLite: sqlite_sequence is not listed in the schema (it follows from
     AUTOINCREMENT), its rows for non-excluded tables are listed with the data;
  3. every table's rows (alembic_version included), tables sorted by name,
     columns in table order, rows rendered as literals and sorted.  Values:
     NULL, numbers as Python str(), strings/JSON as JSON strings, dates and
     times in ISO format, bytes as x'hex', PostgreSQL arrays and JSON as JSON
     with sorted keys.

Excluded tables (schema and data): fnmatch-style patterns on the bare table
name given with --exclude-table (repeatable).  By default the patterns
`*version_progress` and `*version_log` are also excluded: Strata keeps its run
bookkeeping in `<version_table>_progress` and `<version_table>_log`
(`alembic_version_progress`, `alembic_version_log`), which Alembic never has.
--no-default-excludes turns the defaults off.  Test projects must therefore
not name their own tables `*version_progress` / `*version_log`.

Exit status: 0 on success, 1 on any error (message on stderr).
"""

import argparse
import datetime
import decimal
import fnmatch
import glob
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from urllib.parse import unquote, urlsplit, parse_qs

DEFAULT_EXCLUDES = ["*version_progress", "*version_log"]


def lit(v):
    """Render one value as a deterministic literal."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, decimal.Decimal)):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "x'%s'" % bytes(v).hex()
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return "'%s'" % v.isoformat()
    if isinstance(v, datetime.timedelta):
        return "'%s'" % v
    if isinstance(v, uuid.UUID):
        return "'%s'" % v
    if isinstance(v, (dict, list, tuple)):
        return "json:" + json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return json.dumps(str(v), ensure_ascii=False)


def excluded(name, patterns):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def norm_sqlite_sql(sql):
    s = re.sub(r"\s+", " ", sql).strip()
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"\s+\)", ")", s)
    s = re.sub(r"\s*,\s*", ", ", s)
    return s


def split_top_level(body):
    """Split a CREATE TABLE body on commas outside parentheses and quotes."""
    items, depth, cur, quote = [], 0, [], None
    for ch in body:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return items


CONSTRAINT_START = re.compile(r"^(CONSTRAINT|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY)\b", re.I)


def sort_table_constraints(sql):
    """Columns keep their order; table constraints are sorted.

    Alembic's batch mode (SQLite "move and copy") rebuilds a table from
    SQLAlchemy's Table.constraints, a set: the order of the constraint clauses
    in the new CREATE TABLE differs from run to run (it follows object ids).
    The order has no meaning, so it is normalised here.
    """
    m = re.match(r"^(CREATE TABLE [^(]+\()(.*)(\)[^)]*)$", sql, re.S)
    if not m:
        return sql
    items = split_top_level(m.group(2))
    cols = [i for i in items if not CONSTRAINT_START.match(i)]
    cons = sorted(i for i in items if CONSTRAINT_START.match(i))
    return m.group(1) + ", ".join(cols + cons) + m.group(3)


def rows_block(out, title, columns, rows):
    out.append("-- data %s (%s)" % (title, ", ".join(columns)))
    rendered = sorted("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)
    out.extend(rendered)


# ---------------------------------------------------------------- SQLite
def dump_sqlite(url, patterns, opts):
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        raise SystemExit("dbdump: sqlite URL needs a file path: %s" % url)
    if not os.path.exists(path):
        raise SystemExit("dbdump: no such sqlite file: %s" % path)
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    out = ["-- dialect: sqlite"]
    order = {"table": 0, "index": 1, "view": 2, "trigger": 3}
    objs = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
    ).fetchall()
    # sqlite_sequence exists as soon as any table uses AUTOINCREMENT (maybe only
    # an excluded one): its schema line is left out, its rows are filtered below
    objs = [o for o in objs if not excluded(o[2], patterns) and o[1] != "sqlite_sequence"]
    objs.sort(key=lambda o: (order.get(o[0], 9), o[1]))
    if not opts.data_only:
        out.append("-- schema")
        for typ, name, _tbl, sql in objs:
            sql = norm_sqlite_sql(sql)
            if typ == "table":
                sql = sort_table_constraints(sql)
            out.append("%s %s: %s" % (typ, name, sql))
    if not opts.schema_only:
        tables = sorted(o[1] for o in objs if o[0] == "table")
        for t in tables:
            q = '"%s"' % t.replace('"', '""')
            cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % q)]
            rows = con.execute("SELECT * FROM %s" % q).fetchall()
            rows_block(out, t, cols, rows)
        has_seq = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").fetchone()
        if has_seq:
            rows = [r for r in con.execute("SELECT name, seq FROM sqlite_sequence")
                    if not excluded(r[0], patterns)]
            if rows:
                rows_block(out, "sqlite_sequence", ["name", "seq"], rows)
    con.close()
    return out


# ------------------------------------------------------------ PostgreSQL
def find_pg_dump():
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "pg_dump")
        if os.access(p, os.X_OK):
            return p
    cands = glob.glob("/usr/lib/postgresql/*/bin/pg_dump")
    if not cands:
        raise SystemExit("dbdump: pg_dump not found (install postgresql-client)")

    def ver(p):
        m = re.search(r"/postgresql/(\d+)", p)
        return int(m.group(1)) if m else 0

    return max(cands, key=ver)


def pg_libpq_url(url):
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def dump_postgresql(url, patterns, opts):
    import sqlalchemy as sa

    libpq = pg_libpq_url(url)
    eng = sa.create_engine(re.sub(r"^postgresql://", "postgresql+psycopg2://", libpq))
    out = ["-- dialect: postgresql"]
    with eng.connect() as conn:
        tables = conn.execute(sa.text(
            "SELECT n.nspname, c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
            "ORDER BY n.nspname, c.relname")).fetchall()
        skip = [(s, t) for s, t in tables if excluded(t, patterns)]
        keep = [(s, t) for s, t in tables if not excluded(t, patterns)]
        seqs = conn.execute(sa.text(
            "SELECT s.schemaname, s.sequencename, s.last_value, "
            "(SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid "
            "  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
            "  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) "
            "FROM pg_sequences s JOIN pg_namespace n ON n.nspname = s.schemaname "
            "JOIN pg_class c ON c.relname = s.sequencename AND c.relnamespace = n.oid "
            "ORDER BY 1, 2")).fetchall()
        # a sequence is excluded with its owning table (serial/identity) or by name
        skip_seqs = [(sc, nm) for sc, nm, _l, owner in seqs
                     if excluded(nm, patterns) or (owner and excluded(owner, patterns))]
        if not opts.data_only:
            cmd = [find_pg_dump(), "--schema-only", "--no-owner", "--no-privileges"]
            for s, t in skip:
                cmd.append('--exclude-table=%s.%s' % (quote_pg_pattern(s), quote_pg_pattern(t)))
            for s, t in skip_seqs:
                cmd.append('--exclude-table=%s.%s' % (quote_pg_pattern(s), quote_pg_pattern(t)))
            cmd += ["-d", libpq]
            res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if res.returncode != 0:
                raise SystemExit("dbdump: pg_dump failed: %s" % res.stderr.strip())
            out.append("-- schema")
            for line in res.stdout.splitlines():
                if not line.strip() or line.startswith("--"):
                    continue
                if line.startswith("SET ") or line.startswith("SELECT pg_catalog.set_config("):
                    continue
                if line.startswith("\\restrict") or line.startswith("\\unrestrict"):
                    continue
                out.append(line.rstrip())
        if not opts.schema_only:
            for schema, name, last, owner in seqs:
                if excluded(name, patterns) or (owner and excluded(owner, patterns)):
                    continue
                out.append("-- sequence %s.%s last_value=%s" % (schema, name, lit(last)))
            for s, t in keep:
                cols = [r[0] for r in conn.execute(sa.text(
                    "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :s AND c.relname = :t AND a.attnum > 0 AND NOT a.attisdropped "
                    "ORDER BY a.attnum"), {"s": s, "t": t})]
                qn = '"%s"."%s"' % (s.replace('"', '""'), t.replace('"', '""'))
                rows = conn.execute(sa.text("SELECT * FROM %s" % qn)).fetchall()
                rows_block(out, "%s.%s" % (s, t), cols, rows)
    eng.dispose()
    return out


def quote_pg_pattern(name):
    # pg_dump patterns: quote to take the name literally
    return '"%s"' % name.replace('"', '""')


# --------------------------------------------------------------- MariaDB
def mysql_parts(url):
    u = urlsplit(re.sub(r"^(mysql|mariadb)(\+\w+)?://", "mysql://", url))
    db = u.path.lstrip("/")
    q = parse_qs(u.query)
    return {
        "user": unquote(u.username or ""),
        "password": unquote(u.password) if u.password is not None else None,
        "host": u.hostname or "127.0.0.1",
        "port": u.port or 3306,
        "db": db,
        "socket": q.get("unix_socket", [None])[0],
    }


def find_mysqldump():
    for name in ("mariadb-dump", "mysqldump"):
        for d in os.environ.get("PATH", "").split(os.pathsep):
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                return p
    raise SystemExit("dbdump: mariadb-dump/mysqldump not found (install mariadb-client)")


def dump_mysql(url, patterns, opts):
    import sqlalchemy as sa

    p = mysql_parts(url)
    if not p["db"]:
        raise SystemExit("dbdump: mysql URL needs a database name: %s" % url)
    sa_url = re.sub(r"^(mysql|mariadb)(\+\w+)?://", "mysql+pymysql://", url)
    if "charset=" not in sa_url:
        sa_url += ("&" if "?" in sa_url else "?") + "charset=utf8mb4"
    eng = sa.create_engine(sa_url)
    out = ["-- dialect: mysql"]
    with eng.connect() as conn:
        tables = [r[0] for r in conn.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :db "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"), {"db": p["db"]})]
        skip = [t for t in tables if excluded(t, patterns)]
        keep = [t for t in tables if not excluded(t, patterns)]
        if not opts.data_only:
            with tempfile.NamedTemporaryFile("w", prefix="dbdump-", suffix=".cnf", delete=False) as f:
                cnf = f.name
                os.chmod(cnf, 0o600)
                f.write("[client]\n")
                f.write("user=%s\n" % p["user"])
                if p["password"] is not None:
                    f.write('password="%s"\n' % p["password"].replace("\\", "\\\\").replace('"', '\\"'))
                if p["socket"]:
                    f.write("socket=%s\n" % p["socket"])
                else:
                    f.write("host=%s\nport=%s\nprotocol=TCP\n" % (p["host"], p["port"]))
            try:
                cmd = [find_mysqldump(), "--defaults-extra-file=%s" % cnf, "--no-data",
                       "--skip-comments", "--skip-dump-date", "--skip-add-drop-table",
                       "--skip-set-charset", "--single-transaction"]
                for t in skip:
                    cmd.append("--ignore-table=%s.%s" % (p["db"], t))
                cmd.append(p["db"])
                res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            finally:
                os.unlink(cnf)
            if res.returncode != 0:
                raise SystemExit("dbdump: mariadb-dump failed: %s" % res.stderr.strip())
            out.append("-- schema")
            for line in res.stdout.splitlines():
                s = line.strip()
                if not s:
                    continue
                if re.match(r"^/\*!\d+ SET .*\*/;$", s) or s.startswith("/*M!999999"):
                    continue
                if opts.strip_auto_increment:
                    line = re.sub(r" AUTO_INCREMENT=\d+", "", line)
                out.append(line.rstrip())
        if not opts.schema_only:
            for t in keep:
                cols = [r[0] for r in conn.execute(sa.text(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = :db "
                    "AND table_name = :t ORDER BY ordinal_position"), {"db": p["db"], "t": t})]
                rows = conn.execute(sa.text("SELECT * FROM `%s`" % t.replace("`", "``"))).fetchall()
                rows_block(out, t, cols, rows)
    eng.dispose()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="dbdump.py", description=__doc__.split("\n")[0])
    ap.add_argument("url")
    ap.add_argument("--exclude-table", action="append", default=[], metavar="PATTERN")
    ap.add_argument("--no-default-excludes", action="store_true")
    ap.add_argument("--strip-auto-increment", action="store_true")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--schema-only", action="store_true")
    g.add_argument("--data-only", action="store_true")
    opts = ap.parse_args(argv)
    patterns = list(opts.exclude_table)
    if not opts.no_default_excludes:
        patterns += DEFAULT_EXCLUDES
    url = opts.url
    try:
        if url.startswith("sqlite"):
            out = dump_sqlite(url, patterns, opts)
        elif url.startswith("postgres"):
            out = dump_postgresql(url, patterns, opts)
        elif url.startswith("mysql") or url.startswith("mariadb"):
            out = dump_mysql(url, patterns, opts)
        else:
            print("dbdump: unsupported URL: %s" % url, file=sys.stderr)
            return 1
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 1
    except Exception as e:
        print("dbdump: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
