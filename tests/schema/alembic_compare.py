#!/usr/bin/python3
"""Differential test: `strata check` against Alembic's autogenerate.

For N seeded random pairs of SQLAlchemy MetaData (A, B) per dialect, a live
database is brought to A by a Strata revision (A's DDL as SQLAlchemy renders
it), then both `strata check --json` (desired schema: models_b.py, B) and
Alembic 1.8's `compare_metadata(MigrationContext, B)` look at that database.
Every change Alembic reports must be covered by one of Strata's changes;
Strata reporting more is allowed and counted. See README.md beside this file.

Needs Debian's python3-alembic (1.8.1) / python3-sqlalchemy (1.4.46), and for
the server dialects psycopg2 / pymysql and STRATA_TEST_PG_URL /
STRATA_TEST_MYSQL_URL (superuser: the test creates and drops cmp_* databases).
"""

import argparse
import collections
import concurrent.futures
import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sqlalchemy as sa  # noqa: E402
from alembic.autogenerate import compare_metadata  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402


# ---------------------------------------------------------------------------
# The allow-list: Alembic items that Strata rightly does not report. Each
# entry names the dialect (None: all), the reason, and match(item, result)
# where item is (op, table, object, alembic_diff) and result the pair's.
# ---------------------------------------------------------------------------
def _not_made(item, result):
    return tuple(item[:3]) not in result["truth"]


def _conn_default(item):
    d = item[3]
    arg = getattr(d[5], "arg", d[5])
    return getattr(arg, "text", arg)


def _col(result, table, col):
    for t in result["b"]["tables"]:
        if t["name"] == table:
            for c in t["columns"]:
                if c["name"] == col:
                    return c
    return None


def _meta_default(item):
    d = item[3]
    arg = getattr(d[6], "arg", d[6])
    return str(getattr(arg, "text", arg))


def _numeric_same(it, r):
    c = _col(r, it[1], it[2])
    if not c or c["type"][0] != "Numeric":
        return False
    try:
        db = float(str(_conn_default(it)).strip("'"))
        meta = float(_meta_default(it).strip("'"))
    except ValueError:
        return False
    # MariaDB stores the default converted to DECIMAL(p, s); 1.5 -> 2 at s=0
    # (round half away from zero, as the server does).
    import decimal
    q = decimal.Decimal(1).scaleb(-c["type"][2])
    return decimal.Decimal(str(db)) == decimal.Decimal(str(meta)).quantize(q, decimal.ROUND_HALF_UP)


ALLOW = [
    {
        "name": "mysql-numeric-default-scale",
        "dialect": "mysql",
        "reason": (
            "MariaDB stores a DECIMAL(p,s) column's default converted to the "
            "column's scale ('0' -> 0.0000, 1.5 -> 1.50, and 1.5 -> 2 when "
            "s=0); Alembic 1.8 compares the metadata's text with that: "
            "an unchanged default is reported as modify_default"),
        "match": lambda it, r: (it[0] == "modify_default" and _not_made(it, r)
                                and _numeric_same(it, r)),
    },
    {
        "name": "mysql-boolean-default",
        "dialect": "mysql",
        "reason": (
            "BOOL is TINYINT(1) on MariaDB: server_default=false()/true() "
            "reflects as 0/1, and Alembic 1.8's MySQL compare_server_default "
            "(integer branch) compares '0' with 'false'"),
        "match": lambda it, r: (
            it[0] == "modify_default" and _not_made(it, r)
            and (_col(r, it[1], it[2]) or {}).get("type") == ["Boolean"]
            and (str(_conn_default(it)).strip("'"), _meta_default(it).lower())
            in (("0", "false"), ("1", "true"))),
    },
    {
        "name": "mysql-quoted-literal-default",
        "dialect": "mysql",
        "reason": (
            "a plain-string server_default on a non-string column (Date "
            "'2020-01-01') is rendered for comparison without quotes, while "
            "MariaDB reflects the literal with its quotes; Alembic 1.8 strips "
            "them only for integer columns"),
        "match": lambda it, r: (
            it[0] == "modify_default" and _not_made(it, r)
            and str(_conn_default(it)) == "'%s'" % _meta_default(it)),
    },
    {
        "name": "sqlite-default-parentheses",
        "dialect": "sqlite",
        "reason": (
            "Alembic 1.8 SQLite: autogen_column_reflect wraps the reflected "
            "default in parentheses unless it is one digit or a non-empty "
            "quoted string (so '', 1.5, CURRENT_TIMESTAMP become ('') (1.5) "
            "(CURRENT_TIMESTAMP)), and compare_server_default strips "
            "parentheses from the metadata side only: an unchanged default "
            "is reported as modify_default"),
        "match": lambda it, r: (it[0] == "modify_default" and _not_made(it, r)
                                and str(_conn_default(it) or "").startswith("(")),
    },
]

DIALECTS = ["sqlite", "postgresql", "mysql"]
STRATA_TABLE = re.compile(r"^(alembic_version|.*_log|.*_progress)$")

# ---------------------------------------------------------------------------
# The random schema: a spec (plain data), rendered as SQLAlchemy source.
# spec = {"tables": [{"name", "columns": [{"name","type","nullable","default"}],
#          "pk": [cols], "uniques": [{"name","columns"}],
#          "indexes": [{"name","columns","unique"}],
#          "fks": [{"name","columns","ref_table","ref_columns"}]}]}
# ---------------------------------------------------------------------------

TYPES = ["Integer", "BigInteger", "String", "Text", "Numeric", "Boolean",
         "DateTime", "Date"]


def random_type(rng):
    t = rng.choice(TYPES)
    if t == "String":
        return ["String", rng.choice([10, 20, 50, 100, 200])]
    if t == "Numeric":
        p = rng.choice([8, 10, 12])
        return ["Numeric", p, rng.choice([0, 2, 4])]
    return [t]


def type_src(ty):
    if ty[0] == "String":
        return "sa.String(%d)" % ty[1]
    if ty[0] == "Numeric":
        return "sa.Numeric(%d, %d)" % (ty[1], ty[2])
    return "sa.%s()" % ty[0]


def random_default(rng, ty, dialect):
    """A server_default as SQLAlchemy source, or None."""
    t = ty[0]
    if t in ("Integer", "BigInteger"):
        return rng.choice(['sa.text("0")', 'sa.text("7")', '"5"'])
    if t == "String":
        return rng.choice(['"abc"', '""', 'sa.text("\'x\'")'])
    if t == "Numeric":
        return rng.choice(['sa.text("1.5")', '"0"'])
    if t == "Boolean":
        return rng.choice(["sa.false()", "sa.true()"])
    if t == "DateTime":
        return 'sa.text("CURRENT_TIMESTAMP")'
    if t == "Date":
        return '"2020-01-01"'
    return None  # Text: MySQL before 8.0.13 refuses a default


def indexable(col, dialect):
    # MySQL cannot index TEXT without a prefix length.
    return not (dialect == "mysql" and col["type"][0] == "Text")


def new_column(rng, name, dialect):
    ty = random_type(rng)
    col = {"name": name, "type": ty, "nullable": rng.random() < 0.6,
           "default": None}
    if rng.random() < 0.3:
        col["default"] = random_default(rng, ty, dialect)
    return col


def new_table(rng, spec, name, dialect):
    cols = [{"name": "id", "type": ["Integer"], "nullable": False,
             "default": None}]
    for i in range(rng.randint(1, 5)):
        cols.append(new_column(rng, "c%d" % i, dialect))
    t = {"name": name, "columns": cols, "pk": ["id"], "uniques": [],
         "indexes": [], "fks": []}
    for _ in range(rng.randint(0, 2)):
        add_index(rng, t, dialect)
    if rng.random() < 0.4:
        add_unique(rng, t, dialect)
    if rng.random() < 0.5:
        add_fk(rng, spec, t, dialect)
    return t


def fresh_name(rng, prefix, taken):
    while True:
        n = "%s_%d" % (prefix, rng.randint(0, 9999))
        if n not in taken:
            return n


def all_names(spec):
    out = set()
    for t in spec["tables"]:
        out.add(t["name"])
        for k in ("uniques", "indexes", "fks"):
            out.update(o["name"] for o in t[k])
    return out


def pick_cols(rng, t, dialect, n=None):
    cands = [c["name"] for c in t["columns"] if c["name"] != "id"
             and indexable(c, dialect)]
    if not cands:
        return None
    n = n or rng.choice([1, 1, 2])
    return rng.sample(cands, min(n, len(cands)))


def covered_by_unique(t, cols):
    sigs = [sorted(u["columns"]) for u in t["uniques"]] + \
        [sorted(i["columns"]) for i in t["indexes"]]
    return sorted(cols) in sigs


def add_index(rng, t, dialect, spec=None):
    cols = pick_cols(rng, t, dialect)
    if not cols or covered_by_unique(t, cols):
        return False
    t["indexes"].append({"name": fresh_name(rng, "ix_" + t["name"], all_names(spec) if spec else set(i["name"] for i in t["indexes"])),
                         "columns": cols, "unique": rng.random() < 0.3})
    return True


def add_unique(rng, t, dialect, spec=None):
    cols = pick_cols(rng, t, dialect)
    if not cols or covered_by_unique(t, cols):
        return False
    t["uniques"].append({"name": fresh_name(rng, "uq_" + t["name"], all_names(spec) if spec else set(u["name"] for u in t["uniques"])),
                         "columns": cols})
    return True


def add_fk(rng, spec, t, dialect):
    """A foreign key from an Integer column of t to an earlier table's id
    (earlier: no cycles, so create_all needs no ALTER)."""
    idx = [i for i, x in enumerate(spec["tables"]) if x["name"] == t["name"]]
    earlier = spec["tables"][:idx[0]] if idx else list(spec["tables"])
    if not earlier:
        return False
    ref = rng.choice(earlier)
    used = set(c for f in t["fks"] for c in f["columns"])
    cands = [c["name"] for c in t["columns"] if c["type"] == ["Integer"]
             and c["name"] != "id" and c["name"] not in used]
    if not cands:
        name = "r%d" % rng.randint(0, 999)
        if any(c["name"] == name for c in t["columns"]):
            return False
        t["columns"].append({"name": name, "type": ["Integer"],
                             "nullable": True, "default": None})
        cands = [name]
    col = rng.choice(cands)
    t["fks"].append({"name": fresh_name(rng, "fk_" + t["name"], all_names(spec) | {t["name"]}),
                     "columns": [col], "ref_table": ref["name"],
                     "ref_columns": ["id"]})
    return True


def random_spec(rng, dialect):
    spec = {"tables": []}
    for i in range(rng.randint(1, 4)):
        spec["tables"].append(new_table(rng, spec, "t%d" % i, dialect))
    return spec


def table_refs(spec, name):
    return [t for t in spec["tables"] if t["name"] != name
            and any(f["ref_table"] == name for f in t["fks"])]


def col_used(t, name):
    return any(name in o["columns"] for k in ("uniques", "indexes", "fks")
               for o in t[k])


WIDEN_NARROW = {
    "Integer": [["BigInteger"], ["String", 20]],
    "BigInteger": [["Integer"]],
    "String": None,  # computed: other length, or Text
    "Text": [["String", 50]],
    "Numeric": None,
    "Boolean": [["Integer"]],
    "DateTime": [["Date"]],
    "Date": [["DateTime"]],
}


def other_type(rng, ty):
    if ty[0] == "String":
        return rng.choice([["String", rng.choice([n for n in (10, 20, 50, 100, 200) if n != ty[1]])], ["Text"]])
    if ty[0] == "Numeric":
        return rng.choice([["Numeric", ty[1] + 2, ty[2]], ["Numeric", ty[1], (ty[2] + 2) % 6]])
    return rng.choice(WIDEN_NARROW[ty[0]])


def mutate(rng, a, dialect):
    """B: A with 1-3 random changes. Returns (spec, [what was done])."""
    b = copy.deepcopy(a)
    done = []
    for _ in range(rng.randint(1, 3)):
        for _attempt in range(10):
            op = rng.choice(["add_table", "drop_table", "add_column",
                             "drop_column", "nullable", "type", "type",
                             "default", "add_index", "drop_index",
                             "add_unique", "drop_unique", "add_fk",
                             "drop_fk"])
            if op == "add_table":
                names = set(t["name"] for t in b["tables"])
                n = fresh_name(rng, "n", names)
                b["tables"].append(new_table(rng, b, n, dialect))
                done.append("add_table " + n)
                break
            if not b["tables"]:
                continue
            t = rng.choice(b["tables"])
            if op == "drop_table":
                if table_refs(b, t["name"]):
                    continue
                b["tables"].remove(t)
                done.append("drop_table " + t["name"])
                break
            cols = [c for c in t["columns"] if c["name"] != "id"]
            if op == "add_column":
                names = set(c["name"] for c in t["columns"])
                n = fresh_name(rng, "a", names)
                t["columns"].append(new_column(rng, n, dialect))
                done.append("add_column %s.%s" % (t["name"], n))
                break
            free = [c for c in cols if not col_used(t, c["name"])]
            if op == "drop_column" and free:
                c = rng.choice(free)
                t["columns"].remove(c)
                done.append("drop_column %s.%s" % (t["name"], c["name"]))
                break
            if op == "nullable" and cols:
                c = rng.choice(cols)
                c["nullable"] = not c["nullable"]
                done.append("nullable %s.%s" % (t["name"], c["name"]))
                break
            if op == "type" and free:
                c = rng.choice(free)
                ty = other_type(rng, c["type"])
                if c["default"] is not None:
                    c["default"] = random_default(rng, ty, dialect)
                c["type"] = ty
                done.append("type %s.%s -> %s" % (t["name"], c["name"], ty))
                break
            if op == "default" and cols:
                c = rng.choice(cols)
                if c["type"][0] == "Text":
                    continue
                old = c["default"]
                choices = [None] + [random_default(rng, c["type"], dialect)
                                    for _ in range(3)]
                choices = [d for d in choices if d != old]
                c["default"] = rng.choice(choices)
                done.append("default %s.%s %s -> %s" % (t["name"], c["name"], old, c["default"]))
                break
            if op == "add_index" and add_index(rng, t, dialect, b):
                done.append("add_index %s.%s" % (t["name"], t["indexes"][-1]["name"]))
                break
            if op == "drop_index" and t["indexes"]:
                i = rng.choice(t["indexes"])
                if dialect == "mysql" and any(f["columns"][0] == i["columns"][0] for f in t["fks"]):
                    continue  # MySQL: the index may be the FK's (cannot drop)
                t["indexes"].remove(i)
                done.append("drop_index " + i["name"])
                break
            if op == "add_unique" and add_unique(rng, t, dialect, b):
                done.append("add_unique %s.%s" % (t["name"], t["uniques"][-1]["name"]))
                break
            if op == "drop_unique" and t["uniques"]:
                u = rng.choice(t["uniques"])
                if dialect == "mysql" and any(f["columns"][0] == u["columns"][0] for f in t["fks"]):
                    continue
                t["uniques"].remove(u)
                done.append("drop_unique " + u["name"])
                break
            if op == "add_fk" and add_fk(rng, b, t, dialect):
                done.append("add_fk " + t["fks"][-1]["name"])
                break
            if op == "drop_fk" and t["fks"]:
                f = rng.choice(t["fks"])
                t["fks"].remove(f)
                done.append("drop_fk " + f["name"])
                break
    return b, done


def models_source(spec):
    out = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    for t in spec["tables"]:
        out.append("sa.Table(")
        out.append("    %r, metadata," % t["name"])
        for c in t["columns"]:
            extra = ""
            if c["default"] is not None:
                extra += ", server_default=%s" % c["default"]
            if c["name"] in t["pk"]:
                extra += ", primary_key=True, autoincrement=False"
            out.append("    sa.Column(%r, %s, nullable=%r%s)," % (
                c["name"], type_src(c["type"]), c["nullable"], extra))
        for u in t["uniques"]:
            out.append("    sa.UniqueConstraint(%s, name=%r)," % (
                ", ".join(repr(x) for x in u["columns"]), u["name"]))
        for f in t["fks"]:
            out.append("    sa.ForeignKeyConstraint(%r, %r, name=%r)," % (
                f["columns"], ["%s.%s" % (f["ref_table"], x) for x in f["ref_columns"]], f["name"]))
        for i in t["indexes"]:
            out.append("    sa.Index(%r, %s, unique=%r)," % (
                i["name"], ", ".join(repr(x) for x in i["columns"]), i["unique"]))
        out.append(")")
        out.append("")
    return "\n".join(out)


def metadata_of(source):
    ns = {}
    exec(compile(source, "<models>", "exec"), ns)
    return ns["metadata"]


def ddl_of(metadata, dialect):
    out = []
    eng = None

    def executor(sql, *multiparams, **params):
        out.append(str(sql.compile(dialect=eng.dialect)).strip() + ";")

    eng = sa.create_mock_engine(dialect + "://", executor)
    metadata.create_all(eng, checkfirst=False)
    return "\n\n".join(out)


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------

def server_url(dialect):
    var = {"postgresql": "STRATA_TEST_PG_URL", "mysql": "STRATA_TEST_MYSQL_URL"}[dialect]
    url = os.environ.get(var)
    if not url:
        raise SystemExit("%s is not set (source /tmp/servers.env)" % var)
    return url


def with_db(url, db):
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + db, p.query, p.fragment))


def sa_url(url):
    scheme, rest = url.split("://", 1)
    scheme = {"postgresql": "postgresql+psycopg2", "postgres": "postgresql+psycopg2",
              "mysql": "mysql+pymysql"}.get(scheme, scheme)
    return scheme + "://" + rest


_admin = {}


def admin(dialect):
    if dialect not in _admin:
        _admin[dialect] = sa.create_engine(sa_url(server_url(dialect)),
                                           isolation_level="AUTOCOMMIT",
                                           poolclass=sa.pool.NullPool)
    return _admin[dialect]


def create_db(dialect, name):
    with admin(dialect).connect() as c:
        c.execute(sa.text("DROP DATABASE IF EXISTS %s" % name))
        c.execute(sa.text("CREATE DATABASE %s" % name))


def drop_db(dialect, name):
    with admin(dialect).connect() as c:
        if dialect == "postgresql":
            c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": name})
        c.execute(sa.text("DROP DATABASE IF EXISTS %s" % name))


# ---------------------------------------------------------------------------
# The two sides as comparable items: (op, table, object)
# ---------------------------------------------------------------------------

def cols_key(cols):
    return "(" + ",".join(sorted(cols)) + ")"


def alembic_items(diffs):
    items = []
    for d in diffs:
        if isinstance(d, list):  # modify_* on one column, grouped
            for m in d:
                items.append((m[0], m[2], m[3], m))
            continue
        op = d[0]
        if op in ("add_table", "remove_table"):
            items.append((op, d[1].name, "", d))
        elif op in ("add_column", "remove_column"):
            items.append((op, d[2], d[3].name, d))
        elif op in ("add_index", "remove_index"):
            items.append((op, d[1].table.name, d[1].name, d))
        elif op in ("add_constraint", "remove_constraint"):
            c = d[1]
            items.append((op, c.table.name, cols_key(x.name for x in c.columns), d))
        elif op in ("add_fk", "remove_fk"):
            c = d[1]
            items.append((op, c.parent.name, cols_key(x.parent.name for x in c.elements), d))
        else:
            items.append((op, "?", repr(d), d))
    return items


RX = {
    "create_table": re.compile(r"^create table (\S+)$"),
    "drop_table": re.compile(r"^drop table (\S+)$"),
    "add_column": re.compile(r"^add column (\S+)\.(\S+) "),
    "drop_column": re.compile(r"^drop column (\S+)\.(\S+)$"),
    "alter_column": re.compile(r"^alter column (\S+)\.(\S+): "),
    "create_index": re.compile(r"^create index (\S+) on (\S+)$"),
    "drop_index": re.compile(r"^drop index (\S+) on (\S+)$"),
    "add_unique": re.compile(r"^add unique (\S*) on (\S+) \((.*?)\)"),
    "drop_unique": re.compile(r"^drop unique (\S*) on (\S+) \((.*?)\)"),
    "add_foreign_key": re.compile(r"^add foreign key (\S*) on (\S+) \((.*?)\)"),
    "drop_foreign_key": re.compile(r"^drop foreign key (\S*) on (\S+) \((.*?)\)"),
}


def bare(table):
    return table.split(".")[-1]


def strata_items(changes):
    """Strata's changes as (kind, table, object, change-text)."""
    out = []
    for ch in changes:
        k, text = ch["kind"], ch["change"]
        m = RX.get(k) and RX[k].match(text)
        if not m:
            out.append((k, bare(ch["table"]), text, text))
            continue
        g = m.groups()
        if k in ("create_table", "drop_table"):
            out.append((k, bare(g[0]), "", text))
        elif k in ("add_column", "drop_column", "alter_column"):
            out.append((k, bare(g[0]), g[1], text))
        elif k in ("create_index", "drop_index"):
            out.append((k, bare(g[1]), g[0], text))
        else:
            cols = [x.strip() for x in g[2].split(",")]
            out.append((k, bare(g[1]), cols_key(cols), text))
            if g[0] and g[0] != "(unnamed)":
                out.append((k + "#name", bare(g[1]), g[0], text))
    return out


COVER = {
    "add_table": ["create_table"],
    "remove_table": ["drop_table"],
    "add_column": ["add_column"],
    "remove_column": ["drop_column"],
    "modify_nullable": ["alter_column"],
    "modify_type": ["alter_column"],
    "modify_default": ["alter_column"],
    "add_index": ["create_index"],
    "remove_index": ["drop_index"],
    "add_constraint": ["add_unique"],
    "remove_constraint": ["drop_unique"],
    "add_fk": ["add_foreign_key"],
    "remove_fk": ["drop_foreign_key"],
}
# A unique index on MySQL is a unique constraint (and the reverse): Alembic
# and Strata may file the same object under either.
COVER_ALT = {
    "add_index": ["add_unique"], "remove_index": ["drop_unique"],
    "add_constraint": ["create_index"], "remove_constraint": ["drop_index"],
}


def covering(item, s_items):
    op, table, obj = item[0], item[1], item[2]
    for s in s_items:
        if s[1] != table:
            continue
        if s[0] == "create_table" and op.startswith("add_"):
            return s  # a new table brings its columns, indexes and keys
        if s[0] == "drop_table" and op.startswith("remove_"):
            return s
        if s[0] in COVER.get(op, []) and s[2] == obj:
            return s
    # The same object under the other spelling (unique index <-> constraint),
    # matched by name or columns.
    for s in s_items:
        if s[1] == table and s[0].split("#")[0] in COVER_ALT.get(op, []):
            if s[2] == obj or s[3].find(" %s " % obj) >= 0:
                return s
    return None


def which_strata_used(a_items, s_items):
    used = set()
    # Alembic reports a new table (with its foreign keys) as one add_table;
    # Strata as create_table then add_foreign_key: the same change.
    whole = set((it[1], it[0]) for it in a_items if it[0] in ("add_table", "remove_table"))
    for s in s_items:
        if (s[1], "add_table") in whole and s[0] in ("create_table", "add_foreign_key", "create_index", "add_unique"):
            used.add(s[3])
        if (s[1], "remove_table") in whole and s[0].startswith("drop_"):
            used.add(s[3])
    for it in a_items:
        s = covering(it, s_items)
        if s is not None:
            used.add(s[3])
    return used


# ---------------------------------------------------------------------------
# One pair
# ---------------------------------------------------------------------------

def run(cmd, cwd, timeout=120):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and STRATA_TABLE.match(name or ""):
        return False
    return True


def one_pair(args, dialect, index, seed):
    rng = random.Random("%s-%s-%d" % (seed, dialect, index))
    a = random_spec(rng, dialect)
    b, done = mutate(rng, a, dialect)
    src_a, src_b = models_source(a), models_source(b)
    md_a, md_b = metadata_of(src_a), metadata_of(src_b)
    ddl = ddl_of(md_a, dialect)

    work = tempfile.mkdtemp(prefix="cmp_%s_%d_" % (dialect, index))
    dbname = "cmp_%d_%s_%d" % (os.getpid(), dialect[:2], index)
    result = {"dialect": dialect, "index": index, "done": done, "dir": work,
              "a": a, "b": b, "truth": truth_items(a, b),
              "error": None, "alembic": [], "strata": []}
    try:
        if dialect == "sqlite":
            url = "sqlite:///" + os.path.join(work, "main.db")
            dev = ""
        else:
            create_db(dialect, dbname)
            url = with_db(server_url(dialect), dbname)
            dev = 'dev_url = "%s"\n' % server_url(dialect)
        os.makedirs(os.path.join(work, "migrations", "main"))
        with open(os.path.join(work, "alembic.toml"), "w") as f:
            f.write('[alembic]\nversion_locations = ["migrations/main"]\n\n'
                    '[databases.main]\nurl = "%s"\n%smodels = "models_b:metadata"\n'
                    'python = "%s"\n' % (url, dev, sys.executable))
        with open(os.path.join(work, "migrations", "main", "a1_a.sql"), "w") as f:
            f.write("-- Revision ID: a1\n-- Revises:\n\n-- +upgrade %s\n%s\n\n-- +downgrade\n"
                    % (dialect, ddl))
        with open(os.path.join(work, "models_b.py"), "w") as f:
            f.write(src_b + "\n")
        with open(os.path.join(work, "models_a.py"), "w") as f:
            f.write(src_a + "\n")
        with open(os.path.join(work, "mutations.txt"), "w") as f:
            f.write("\n".join(done) + "\n")

        env = dict(os.environ, STRATA_NO_CACHE="1")
        p = subprocess.run([args.strata, "upgrade", "head"], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            result["error"] = "strata upgrade failed: " + p.stderr.strip()
            return result
        p = subprocess.run([args.strata, "check", "--json"], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode not in (0, 1):
            result["error"] = "strata check exit %d: %s" % (p.returncode, p.stderr.strip())
            return result
        doc = json.loads(p.stdout)
        changes = [c for d in doc["databases"] for c in d["changes"]]
        result["strata"] = strata_items(changes)
        result["strata_raw"] = changes

        def alembic(compare_server_default):
            eng = sa.create_engine(sa_url(url), poolclass=sa.pool.NullPool)
            try:
                with eng.connect() as conn:
                    ctx = MigrationContext.configure(conn, opts={
                        "compare_type": True,
                        "compare_server_default": compare_server_default,
                        "include_object": include_object})
                    return compare_metadata(ctx, md_b)
            finally:
                eng.dispose()
        try:
            diffs = alembic(True)
        except sa.exc.DBAPIError as e:
            # Alembic 1.8 on PostgreSQL compares defaults by running
            # "SELECT <db default> = <metadata default>" on the server; when
            # a column's type changed along with its default the two are of
            # different types and the query fails (SELECT false = '5'). The
            # pair is compared again without server defaults.
            if dialect != "postgresql":
                raise
            result["alembic_crash"] = str(e.orig).splitlines()[0] + ": " + \
                str(getattr(e, "statement", "")).strip()
            diffs = alembic(False)
        result["alembic"] = alembic_items(diffs)
        return result
    except Exception as e:  # noqa: BLE001
        result["error"] = "%s: %s" % (type(e).__name__, e)
        return result
    finally:
        if dialect != "sqlite":
            try:
                drop_db(dialect, dbname)
            except Exception:  # noqa: BLE001
                pass


# ---------------------------------------------------------------------------
# Ground truth: what the generator changed between A and B, in the same
# items. It tells an Alembic false positive (not in the truth) from a change
# Strata missed (in the truth), and classifies Strata-only items.
# ---------------------------------------------------------------------------

def truth_items(a, b):
    out = set()
    ta = {t["name"]: t for t in a["tables"]}
    tb = {t["name"]: t for t in b["tables"]}
    for n in tb.keys() - ta.keys():
        out.add(("add_table", n, ""))
    for n in ta.keys() - tb.keys():
        out.add(("remove_table", n, ""))
    for n in ta.keys() & tb.keys():
        x, y = ta[n], tb[n]
        cx = {c["name"]: c for c in x["columns"]}
        cy = {c["name"]: c for c in y["columns"]}
        for c in cy.keys() - cx.keys():
            out.add(("add_column", n, c))
        for c in cx.keys() - cy.keys():
            out.add(("remove_column", n, c))
        for c in cx.keys() & cy.keys():
            if cx[c]["nullable"] != cy[c]["nullable"]:
                out.add(("modify_nullable", n, c))
            if cx[c]["type"] != cy[c]["type"]:
                out.add(("modify_type", n, c))
            if cx[c]["default"] != cy[c]["default"]:
                out.add(("modify_default", n, c))
        for key, add, rem, obj in (
                ("indexes", "add_index", "remove_index", lambda o: o["name"]),
                ("uniques", "add_constraint", "remove_constraint", lambda o: cols_key(o["columns"])),
                ("fks", "add_fk", "remove_fk", lambda o: cols_key(o["columns"]))):
            ox = set(obj(o) for o in x[key])
            oy = set(obj(o) for o in y[key])
            for o in oy - ox:
                out.add((add, n, o))
            for o in ox - oy:
                out.add((rem, n, o))
    return out


S_TO_TRUTH = {"create_table": ["add_table"], "drop_table": ["remove_table"],
              "add_column": ["add_column"], "drop_column": ["remove_column"],
              "alter_column": ["modify_nullable", "modify_type", "modify_default"],
              "create_index": ["add_index", "add_constraint"],
              "drop_index": ["remove_index", "remove_constraint"],
              "add_unique": ["add_constraint", "add_index"],
              "drop_unique": ["remove_constraint", "remove_index"],
              "add_foreign_key": ["add_fk"], "drop_foreign_key": ["remove_fk"]}


def in_truth(s, truth, result):
    """Is Strata's item s a change the generator made?"""
    tables_new = set(t for op, t, _ in truth if op == "add_table")
    tables_gone = set(t for op, t, _ in truth if op == "remove_table")
    if s[1] in tables_new or s[1] in tables_gone:
        return True
    for op in S_TO_TRUTH.get(s[0], []):
        for t in truth:
            if t[0] == op and t[1] == s[1]:
                if t[2] == s[2] or s[0] in ("create_table", "drop_table"):
                    return True
                if op in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
                    # by name or by columns, whichever the truth uses
                    if t[2] in s[3] or s[2] == t[2]:
                        return True
    return False


def spurious_note(s, s_items, result):
    """Why Strata reports a change the generator did not make (known kinds)."""
    fks = set(f["name"] for spec in (result["a"], result["b"]) for t in spec["tables"]
              for f in t["fks"] if t["name"] == s[1])
    if result["dialect"] == "mysql" and s[0] in ("create_index", "drop_index") and s[2] in fks:
        if s[0] == "create_index":
            return ("mysql-implicit-fk-index: MariaDB created index %s for the new foreign key "
                    "in the desired schema; redundant but harmless" % s[2])
        dropped = any(x[0] == "drop_foreign_key#name" and x[2] == s[2] for x in s_items)
        if dropped:
            return ("mysql-implicit-fk-index: the foreign key goes and MariaDB's index "
                    "for it stays behind; dropping it is right")
        return ("mysql-implicit-fk-index: the foreign key %s stays and the chain's database keeps "
                "the index MariaDB made for it before another index came to cover it; the "
                "desired schema, created in one go, never had it. Dropping it is right: "
                "the covering index serves the foreign key" % s[2])
    return "unknown"


def same_unique(x, t):
    """Alembic's add/remove_index for the truth's unique constraint (MySQL)."""
    alt = {"add_constraint": "add_index", "remove_constraint": "remove_index"}
    if alt.get(t[0]) != x[0] or x[1] != t[1]:
        return False
    idx = x[3][1]
    # (a dropped unique index comes back from Alembic with unique=False)
    return cols_key(c.name for c in idx.columns) == t[2]


def default_text(d):
    if d is None:
        return None
    arg = getattr(d, "arg", d)
    if hasattr(arg, "text"):
        return "text(%r)" % arg.text
    if isinstance(arg, str):
        return repr(arg)
    try:
        return "%s" % arg
    except Exception:  # noqa: BLE001
        return repr(arg)


def describe_alembic(item):
    d = item[3]
    if isinstance(d, tuple) and d and str(d[0]).startswith("modify_"):
        if d[0] == "modify_default":
            return "%s %s.%s: db %s -> models %s" % (d[0], d[2], d[3], default_text(d[5]), default_text(d[6]))
        return "%s %s.%s: db %r -> models %r" % (d[0], d[2], d[3], d[5], d[6])
    return "%s %s %s" % (item[0], item[1], item[2])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=40, help="pairs per dialect (default 40)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--dialect", action="append", choices=DIALECTS,
                    help="repeatable; default all three")
    ap.add_argument("--strata", default=os.environ.get("STRATA_BIN", os.path.join(
        HERE, "..", "..", "build-me", "bin", "strata")))
    ap.add_argument("-j", "--jobs", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep every project folder")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--strict", action="store_true",
                    help="also fail on a Strata change the generator did not make")
    args = ap.parse_args()
    args.strata = os.path.abspath(args.strata)
    dialects = args.dialect or DIALECTS

    t0 = time.time()
    failed = False
    for dialect in dialects:
        jobs = [(dialect, i) for i in range(args.pairs)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            results = list(ex.map(lambda j: one_pair(args, j[0], j[1], args.seed), jobs))
        n_alembic = n_cov = 0
        allowed = collections.defaultdict(list)      # allow entry -> [desc]
        misses, unexplained, spurious, errors = [], [], [], []
        strata_only = collections.Counter()          # kind -> count (real changes)
        n_truth = 0
        truth_missed = []                            # generator's changes Strata missed
        spurious_kinds = collections.Counter()
        alembic_missed = collections.Counter()       # op -> generator's changes Alembic missed
        for r in results:
            keep = args.keep
            if r["error"]:
                errors.append("pair %d: %s (%s)" % (r["index"], r["error"], r["dir"]))
                keep = True
            a_items, s_items = r["alembic"], r["strata"]
            for it in a_items:
                n_alembic += 1
                if covering(it, s_items) is not None:
                    n_cov += 1
                    continue
                reason = None
                for entry in ALLOW:
                    if entry["dialect"] in (None, dialect) and entry["match"](it, r):
                        reason = entry["name"]
                        break
                desc = "pair %d: %s  [mutations: %s] (%s)" % (
                    r["index"], describe_alembic(it), "; ".join(r["done"]), r["dir"])
                if reason:
                    allowed[reason].append(desc)
                elif tuple(it[:3]) in r["truth"]:
                    misses.append(desc)
                    keep = True
                else:
                    unexplained.append(desc)
                    keep = True
            if not r["error"]:
                for t in sorted(r["truth"]):
                    n_truth += 1
                    fake = (t[0], t[1], t[2], None)
                    if covering(fake, s_items) is None:
                        truth_missed.append("pair %d: %s %s %s  [mutations: %s] (%s)" % (
                            r["index"], t[0], t[1], t[2], "; ".join(r["done"]), r["dir"]))
                        keep = True
                    if not any(tuple(x[:3]) == t or same_unique(x, t) for x in a_items) and not (
                            t[0] not in ("add_table", "remove_table")
                            and any(x[0] in ("add_table", "remove_table") and x[1] == t[1] for x in a_items)):
                        alembic_missed[t[0]] += 1
                        if args.verbose:
                            print("  alembic-missed %s pair %d: %s %s %s" % (dialect, r["index"], *t))
            used = which_strata_used(a_items, s_items)
            for s in s_items:
                if "#" in s[0] or s[3] in used:
                    continue
                if in_truth(s, r["truth"], r):
                    strata_only[s[0]] += 1
                    if args.verbose:
                        print("  strata-only %s pair %d: %s" % (dialect, r["index"], s[3]))
                else:
                    note = spurious_note(s, s_items, r)
                    spurious_kinds[note.split(":")[0]] += 1
                    spurious.append("pair %d: %s  <%s>  [mutations: %s] (%s)" % (
                        r["index"], s[3], note, "; ".join(r["done"]), r["dir"]))
                    keep = True
            if not keep:
                shutil.rmtree(r["dir"], ignore_errors=True)
        n_allowed = sum(len(v) for v in allowed.values())
        n_unc = n_allowed + len(misses) + len(unexplained)
        print("%s: pairs %d, Alembic items %d, covered %d, not covered %d "
              "(Alembic false positives, allowed %d; Strata misses %d; unexplained %d), "
              "Strata-only %d real + %d not made by the generator, errors %d" % (
                  dialect, len(results), n_alembic, n_cov, n_unc, n_allowed,
                  len(misses), len(unexplained), sum(strata_only.values()),
                  len(spurious), len(errors)))
        for name, descs in sorted(allowed.items()):
            entry = [e for e in ALLOW if e["name"] == name][0]
            print("  allowed %-34s %3d  %s" % (name, len(descs), entry["reason"]))
            if args.verbose:
                for d in descs:
                    print("      " + d)
        if strata_only:
            print("  Strata-only (real changes Alembic did not report as such): " +
                  ", ".join("%s %d" % kv for kv in sorted(strata_only.items())))
        print("  generator's changes %d: Strata missed %d, Alembic missed %d%s" % (
            n_truth, len(truth_missed), sum(alembic_missed.values()),
            (" (" + ", ".join("%s %d" % kv for kv in sorted(alembic_missed.items())) + ")")
            if alembic_missed else ""))
        for m in misses:
            print("  STRATA MISS " + m)
        for m in truth_missed:
            print("  STRATA MISS (generator's change) " + m)
        for m in unexplained:
            print("  UNEXPLAINED (Alembic item not in the generator's changes) " + m)
        if spurious_kinds:
            print("  Strata-only, not made by the generator: " +
                  ", ".join("%s %d" % kv for kv in sorted(spurious_kinds.items())))
        for m in spurious:
            print("  STRATA SPURIOUS (not a change the generator made) " + m)
        crashes = [r for r in results if r.get("alembic_crash")]
        if crashes:
            print("  Alembic crashed comparing server defaults in %d pair(s), compared "
                  "again without them (PostgreSQL's SELECT <db default> = <model default> "
                  "fails when the type changed with the default): %s" % (
                      len(crashes), "; ".join("pair %d: %s" % (r["index"], r["alembic_crash"])
                                              for r in crashes)))
        for e in errors:
            print("  ERROR " + e)
        if misses or truth_missed or unexplained or errors or (spurious and args.strict):
            failed = True
    print("%.1f s" % (time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
