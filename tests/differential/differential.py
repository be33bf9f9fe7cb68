#!/usr/bin/python3
"""Differential test: Strata vs Alembic 1.8 on random revision graphs.

For every seed a random revision graph is generated (random.Random(seed)),
written once as a Strata project (SQL revision files + alembic.toml) and once
as an Alembic script directory (Python revision modules + alembic.ini), and a
random sequence of upgrade / downgrade / stamp commands is run against both.
After every command the two SQLite databases are compared (outcome, rows of
alembic_version, m_% tables, order of applied revisions).

Usage:
    differential.py --strata BUILD/bin/strata --seeds 300 [--start 0] [--verbose]
    differential.py --strata BIN --seed 17          # one seed, full trace

Only the Python standard library, alembic (and its SQLAlchemy) and sqlite3 are
used.  Alembic runs in-process through alembic.config.Config and
alembic.command.  See README.md next to this file.
"""

import argparse
import collections
import io
import logging
import multiprocessing
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import traceback
import warnings

import allowlist  # intended differences from Alembic 1.8 (next to this file)

# --------------------------------------------------------------------------
# Graph generation
# --------------------------------------------------------------------------


class Rev(object):
    __slots__ = ("id", "down", "labels", "deps")

    def __init__(self, rid, down, labels, deps):
        self.id = rid
        self.down = list(down)  # parents, in Revises order
        self.labels = list(labels)
        self.deps = list(deps)

    def describe(self):
        s = "%s revises=%s" % (self.id, ",".join(self.down) or "<base>")
        if self.labels:
            s += " labels=%s" % ",".join(self.labels)
        if self.deps:
            s += " depends_on=%s" % ",".join(self.deps)
        return s


class Graph(object):
    def __init__(self, revs):
        self.revs = revs  # generation order
        self.by_id = dict((r.id, r) for r in revs)
        self.labels = [l for r in revs for l in r.labels]

    def ancestors(self, rid, include_deps=True):
        """All ancestors of rid (not rid itself)."""
        seen = set()
        todo = list(self.by_id[rid].down) + (
            list(self.by_id[rid].deps) if include_deps else [])
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            r = self.by_id[x]
            todo.extend(r.down)
            if include_deps:
                todo.extend(r.deps)
        return seen

    def children(self, rid):
        return [r.id for r in self.revs if rid in r.down]

    def describe(self, indent="    "):
        return "\n".join(indent + r.describe() for r in self.revs)


def _new_id(rng, taken):
    while True:
        rid = "%012x" % rng.getrandbits(48)
        if rid not in taken:
            return rid


def generate_graph(rng, labels_on=True, deps_on=True, corners=None):
    """corners: a second random.Random that, when given, sometimes makes a
    merge of parents linked by Depends On (one depends, directly or not, on
    another). It is a separate stream so that seeds whose graphs have no
    such pair keep the graphs they always had."""
    n = rng.randint(3, 25)
    revs = []
    by_id = {}
    taken = set()
    nbases = 0
    nlabels = 0

    def ancestors_of_parents(down, deps):
        seen = set()
        todo = list(down) + list(deps)
        while todo:
            x = todo.pop()
            if x in seen:
                continue
            seen.add(x)
            todo.extend(by_id[x].down)
            todo.extend(by_id[x].deps)
        return seen

    def heads():
        has_child = set(p for r in revs for p in r.down)
        return [r.id for r in revs if r.id not in has_child]

    for i in range(n):
        rid = _new_id(rng, taken)
        taken.add(rid)
        hs = heads()
        roll = rng.random()
        down = []
        if i == 0 or (nbases < 3 and roll < 0.10):
            down = []
        elif len(hs) >= 2 and roll < 0.32:
            # merge point: 2 (sometimes 3) heads, none an ancestor of another
            k = 3 if (len(hs) >= 3 and rng.random() < 0.2) else 2
            cand = hs[:]
            rng.shuffle(cand)
            chosen = []
            if corners is not None and deps_on and corners.random() < 0.5:
                # parents linked by Depends On: heads never revise one
                # another, but one may depend on another
                linked = [(a, b) for a in cand for b in cand
                          if a != b and a in ancestors_of_parents([b], [])]
                if linked:
                    chosen = list(corners.choice(linked))
                    cand = [c for c in cand if c not in chosen]
            for c in cand:
                if len(chosen) >= k:
                    break
                anc_c = ancestors_of_parents([c], [])
                ok = True
                for o in chosen:
                    if o in anc_c or c in ancestors_of_parents([o], []):
                        ok = False
                        break
                if ok:
                    chosen.append(c)
                if len(chosen) == k:
                    break
            down = chosen if len(chosen) >= 2 else [rng.choice(hs)]
        elif roll < 0.52:
            # branch point: a revision that already has a child (or any)
            with_child = sorted(set(p for r in revs for p in r.down))
            if with_child and rng.random() < 0.7:
                down = [rng.choice(with_child)]
            else:
                down = [rng.choice(revs).id]
        else:
            # linear continuation: usually the newest head
            if rng.random() < 0.6:
                newest = [r.id for r in reversed(revs) if r.id in hs]
                down = [newest[0]]
            else:
                down = [rng.choice(hs)]
        if not down:
            nbases += 1
        labels = []
        if rng.random() < 0.22:
            labels = ["br%d" % nlabels]
            nlabels += 1
        deps = []
        if revs and rng.random() < 0.18:
            anc = ancestors_of_parents(down, [])
            cand = [r.id for r in revs if r.id not in anc and r.id not in down]
            rng.shuffle(cand)
            for c in cand[: (2 if rng.random() < 0.2 else 1)]:
                # never depend on something already reachable, nor on a
                # descendant of a dependency already chosen (redundant)
                anc = ancestors_of_parents(down, deps)
                if c not in anc and not any(
                        d in ancestors_of_parents([c], []) for d in deps):
                    deps.append(c)
        r = Rev(rid, down, labels if labels_on else [],
                deps if deps_on else [])
        revs.append(r)
        by_id[rid] = r
    return Graph(revs)


# --------------------------------------------------------------------------
# Command generation
# --------------------------------------------------------------------------

TARGET_WEIGHTS = [
    ("head", 10), ("heads", 12), ("base", 8), ("id", 14), ("partial", 6),
    ("+1", 6), ("+2", 3), ("-1", 8), ("-2", 3), ("rev+1", 4), ("rev-1", 4),
    ("label@head", 5), ("label@base", 3), ("label", 3), ("rev@head", 4),
]


def unique_prefix(graph, rid, rng):
    ids = [r.id for r in graph.revs]
    n = rng.randint(4, 8)
    while n < 12:
        p = rid[:n]
        if sum(1 for x in ids if x.startswith(p)) == 1:
            return p
        n += 1
    return rid


def gen_target(rng, graph):
    kinds = [(k, w) for k, w in TARGET_WEIGHTS
             if graph.labels or not k.startswith("label")]
    total = sum(w for _, w in kinds)
    x = rng.uniform(0, total)
    kind = kinds[-1][0]
    for k, w in kinds:
        x -= w
        if x <= 0:
            kind = k
            break
    rid = rng.choice(graph.revs).id
    if kind in ("head", "heads", "base", "+1", "+2", "-1", "-2"):
        return kind, kind
    if kind == "id":
        return rid, kind
    if kind == "partial":
        return unique_prefix(graph, rid, rng), kind
    if kind in ("rev+1", "rev-1"):
        r = rid if rng.random() < 0.7 else unique_prefix(graph, rid, rng)
        return r + kind[3:], kind
    if kind == "rev@head":
        return rid + "@head", kind
    label = rng.choice(graph.labels)
    if kind == "label@head":
        return label + "@head", kind
    if kind == "label@base":
        return label + "@base", kind
    return label, kind


def generate_commands(rng, graph):
    cmds = []
    for _ in range(rng.randint(6, 15)):
        r = rng.random()
        verb = "upgrade" if r < 0.52 else ("downgrade" if r < 0.92 else "stamp")
        target, kind = gen_target(rng, graph)
        cmds.append((verb, target, kind))
    return cmds


def corners_rng(seed, what="graph"):
    """A random stream of its own for the corner cases (dependency-linked
    merges, history ranges), so the main stream -- and with it most seeds'
    graphs and commands -- does not move when corners are added."""
    return random.Random("corners-%s-%d" % (what, seed))


def history_ranges(graph, rng):
    """history -r ranges whose lower end names a branch: every label's
    LABEL@base:heads and LABEL@head:, and REV@base:heads for a revision (an
    error on both sides unless the revision is on exactly one labelled
    branch)."""
    out = []
    for label in graph.labels:
        out.append("%s@base:heads" % label)
        out.append("%s@head:" % label)
    out.append("%s@base:heads" % rng.choice(graph.revs).id)
    return out


def newest_first(graph, order):
    """Is every revision listed before all of its ancestors?"""
    seen = set()
    for rid in order:
        if graph.ancestors(rid) & seen:
            return False
        seen.add(rid)
    return True


def history_order(text):
    """The revision ids of a history listing, in order."""
    out = []
    for line in text.splitlines():
        if " -> " in line:
            out.append(line.split(" -> ", 1)[1].split()[0].rstrip(","))
    return out


# --------------------------------------------------------------------------
# Writing the two projects
# --------------------------------------------------------------------------

STRATA_TOML = """[alembic]
version_locations = ["versions"]

[databases.db]
url = "sqlite:///strata.db"
location = "versions"
"""

ALEMBIC_INI = """[alembic]
script_location = %(script)s
sqlalchemy.url = sqlite:///%(db)s
"""

ENV_PY = '''
from alembic import context
from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool

config = context.config
attrs = config.attributes
engine = create_engine(config.get_main_option("sqlalchemy.url"),
                       poolclass=NullPool)
transactional = attrs.get("transactional_sqlite", True)
if transactional:
    # SQLAlchemy's documented pysqlite recipe: real BEGIN so that DDL is
    # transactional (Strata runs a SQLite upgrade as one transaction).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")

trace = attrs.setdefault("trace", [])


def _on_apply(ctx, step, heads, run_args):
    if not step.is_stamp:
        trace.append(("upgrade" if step.is_upgrade else "downgrade",
                      step.up_revision_id))


try:
    with engine.connect() as connection:
        kw = {}
        if transactional:
            kw["transactional_ddl"] = True
        context.configure(connection=connection, target_metadata=None,
                          on_version_apply=_on_apply, **kw)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
'''

ALEMBIC_REV = '''"""rev %(id)s"""
from alembic import op
import sqlalchemy as sa

revision = %(id)r
down_revision = %(down)r
branch_labels = %(labels)r
depends_on = %(deps)r


def upgrade():
    op.create_table("m_%(id)s", sa.Column("x", sa.Integer))


def downgrade():
    op.drop_table("m_%(id)s")
'''


def write_strata(root, graph):
    os.makedirs(os.path.join(root, "versions"))
    with open(os.path.join(root, "alembic.toml"), "w") as f:
        f.write(STRATA_TOML)
    for r in graph.revs:
        lines = ["-- Revision ID: %s" % r.id,
                 "-- Revises: %s" % ", ".join(r.down),
                 "-- Message: rev %s" % r.id]
        if r.labels:
            lines.append("-- Branch Labels: %s" % ", ".join(r.labels))
        if r.deps:
            lines.append("-- Depends On: %s" % ", ".join(r.deps))
        lines += ["", "-- +upgrade", "CREATE TABLE m_%s (x INTEGER);" % r.id,
                  "", "-- +downgrade", "DROP TABLE m_%s;" % r.id, ""]
        with open(os.path.join(root, "versions", "%s_r.sql" % r.id), "w") as f:
            f.write("\n".join(lines))


def write_alembic(root, graph):
    script = os.path.join(root, "script")
    os.makedirs(os.path.join(script, "versions"))
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI % {"script": script,
                               "db": os.path.join(root, "alembic.db")})
    with open(os.path.join(script, "env.py"), "w") as f:
        f.write(ENV_PY)
    for r in graph.revs:
        if not r.down:
            down = None
        elif len(r.down) == 1:
            down = r.down[0]
        else:
            down = tuple(r.down)
        src = ALEMBIC_REV % {
            "id": r.id, "down": down,
            "labels": tuple(r.labels) if r.labels else None,
            "deps": (r.deps[0] if len(r.deps) == 1 else tuple(r.deps))
            if r.deps else None,
        }
        with open(os.path.join(script, "versions", "%s_r.py" % r.id), "w") as f:
            f.write(src)


# --------------------------------------------------------------------------
# Running the two tools
# --------------------------------------------------------------------------

# warned: the command warned that downgrade -N from several heads is
# ambiguous (Alembic: a UserWarning; Strata: "warning: ..." on stderr).
Outcome = collections.namedtuple("Outcome", "ok message order warned")
Outcome.__new__.__defaults__ = (False,)
AMBIGUOUS_WARNING = "downgrade -1 from multiple heads is ambiguous"

RUNNING_RE = re.compile(
    r"Running (upgrade|downgrade) ([0-9a-f, ]*?) ?-> ?([0-9a-f, ]*?)(?:,|$| \()")

_alembic_patched = False
# Exceptions that are Alembic bugs rather than refusals (CommandError,
# RevisionError) or database errors (sqlalchemy's OperationalError, ...).
INTERNAL_ERRORS = (AssertionError, KeyError, TypeError, AttributeError,
                   IndexError, ValueError, RecursionError)


def setup_alembic():
    """In-process Alembic: sorted version listing (Strata reads files in
    sorted order; os.listdir order is filesystem dependent), no noise."""
    global _alembic_patched
    if _alembic_patched:
        return
    from alembic.script import base as script_base
    script_base.Script._list_py_dir = classmethod(
        lambda cls, scriptdir, path: sorted(os.listdir(path)))
    warnings.simplefilter("ignore")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("alembic").propagate = False
    logging.getLogger("alembic").addHandler(logging.NullHandler())
    sys.dont_write_bytecode = True
    # Where Strata follows a later Alembic fix (or fixes an Alembic bug), the
    # oracle is corrected in that one place: see allowlist.py.
    allowlist.install()
    _alembic_patched = True


class AlembicRunner(object):
    def __init__(self, root, transactional=True):
        self.root = root
        self.ini = os.path.join(root, "alembic.ini")
        self.db = os.path.join(root, "alembic.db")
        self.transactional = transactional

    def _config(self):
        from alembic.config import Config
        out = io.StringIO()
        cfg = Config(self.ini, stdout=out)
        cfg.attributes["transactional_sqlite"] = self.transactional
        cfg.attributes["trace"] = []
        return cfg, out

    def run(self, verb, target):
        from alembic import command
        cfg, _ = self._config()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            o = self._run(command, cfg, verb, target)
        warned = any(AMBIGUOUS_WARNING in str(w.message) for w in caught)
        return o._replace(warned=warned)

    def _run(self, command, cfg, verb, target):
        try:
            getattr(command, verb)(cfg, target)
        except Exception as e:  # CommandError, RevisionError, internal errors
            from alembic.util import CommandError
            from alembic.script.revision import RevisionError
            kind = type(e).__name__
            if not isinstance(e, (CommandError, RevisionError)) and \
                    isinstance(e, INTERNAL_ERRORS):
                kind = "alembic internal error: " + kind
            msg = str(e).strip().splitlines()
            return Outcome(False, "%s: %s" % (kind, msg[0] if msg else ""),
                           None)
        return Outcome(True, "", list(cfg.attributes["trace"]))

    def text(self, verb, *args):
        from alembic import command
        cfg, out = self._config()
        try:
            getattr(command, verb)(cfg, *args)
        except Exception as e:
            return None, "%s: %s" % (type(e).__name__, e)
        return out.getvalue(), None


class StrataRunner(object):
    def __init__(self, binary, root, cache_at_once=False):
        self.binary = binary
        self.root = root
        # With STRATA_CACHE_SETTLE=0 every command after the first takes
        # headers from the revision cache and reads only the bodies it runs:
        # that path is held to Alembic's answers too.
        self.env = dict(os.environ, STRATA_CACHE_SETTLE="0" if cache_at_once else "3")
        self.toml = os.path.join(root, "alembic.toml")
        self.db = os.path.join(root, "strata.db")

    def _exec(self, args):
        try:
            p = subprocess.run([self.binary, "-c", self.toml] + args,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=60,
                               cwd=self.root, env=self.env)
        except subprocess.TimeoutExpired:
            return None, "", "timeout"
        return p.returncode, p.stdout, p.stderr

    def run(self, verb, target):
        rc, out, err = self._exec([verb, target])
        if rc is None:
            return Outcome(False, "CRASH: timeout after 60 s", None)
        if rc == 0:
            order = []
            for line in out.splitlines():
                m = RUNNING_RE.search(line)
                if not m:
                    continue
                if m.group(1) == "upgrade":
                    order.append(("upgrade", m.group(3).strip()))
                else:
                    order.append(("downgrade", m.group(2).strip()))
            warned = any("warning: downgrade" in l and "is ambiguous" in l
                         for l in err.splitlines())
            return Outcome(True, "", order, warned)
        lines = [l for l in (err + out).strip().splitlines() if l.strip()]
        msg = " | ".join(lines[:3])
        if rc not in (1, 2):
            msg = "CRASH: exit status %s: %s" % (rc, msg)
        return Outcome(False, "rc=%d: %s" % (rc, msg), None)

    def text(self, verb, *args):
        rc, out, err = self._exec([verb] + list(args))
        if rc != 0:
            return None, "rc=%s: %s" % (rc, (err + out).strip())
        return out, None


def db_state(path):
    if not os.path.exists(path):
        return frozenset(), frozenset()
    con = sqlite3.connect(path)
    try:
        tables = set(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table'"))
        rows = frozenset()
        if "alembic_version" in tables:
            rows = frozenset(r[0] for r in con.execute(
                "SELECT version_num FROM alembic_version"))
        return rows, frozenset(t for t in tables if t.startswith("m_"))
    finally:
        con.close()


# --------------------------------------------------------------------------
# Parsing heads / history output (same format for both tools)
# --------------------------------------------------------------------------

def parse_heads(text):
    return sorted(set(l.split()[0] for l in text.splitlines() if l.strip()))


def parse_history(text):
    """-> {rev: {"edge": "downs -> rev", "deps", "labels", "flags", "raw"}}.

    Merge parents are compared as a sorted list, and "(a, b) -> c" is
    accepted as well as Alembic's "a, b -> c" (the exact text is compared
    separately, as "history-format")."""
    revs = {}
    for line in text.splitlines():
        line = line.strip()
        if " -> " not in line:
            continue
        left, right = line.split(" -> ", 1)
        deps = ""
        m = re.match(r"^(.*?) \(([^()]*)\)$", left)
        if m:
            left, deps = m.group(1), m.group(2)
        left = left.strip()
        if left.startswith("(") and left.endswith(")"):
            left = left[1:-1]
        downs = ", ".join(sorted(x.strip() for x in left.split(",")))
        rev = right.split()[0].rstrip(",")
        rest = re.sub(r", rev [0-9a-f]+$", "", right[len(rev):])
        labels, flags = [], []

        def _sort_group(m):
            # Alembic keeps branch labels in a set: the order inside
            # "(br1, br0)" follows PYTHONHASHSEED, so it is not compared.
            return "(%s)" % ", ".join(sorted(x.strip()
                                             for x in m.group(1).split(",")))
        line = line[: len(line) - len(right)] + rev + re.sub(
            r"\(([^)]*,[^)]*)\)", _sort_group, right[len(rev):], count=1)
        for a in re.findall(r"\(([^)]*)\)", rest):
            if a in ("head", "effective head", "branchpoint", "mergepoint",
                     "current"):
                flags.append(a)
            else:
                labels.extend(x.strip() for x in a.split(","))
        revs[rev] = {
            "edge": "%s -> %s" % (downs, rev),
            "deps": sorted(x.strip() for x in deps.split(",") if x.strip()),
            "labels": sorted(labels), "flags": sorted(flags), "raw": line}
    return revs


def parse_branches(text):
    """branches output -> {branch point: sorted children} (child order is a
    Python set's in Alembic, so only membership is compared)."""
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^\s+-> (\S+)", line)
        if m and current is not None:
            out[current].append(m.group(1))
        elif line.strip():
            current = line.split()[0]
            out[current] = []
    return {k: sorted(v) for k, v in out.items()}


def compare_history(a_txt, s_txt):
    """-> list of (category, text) for the differences."""
    ah, sh = parse_history(a_txt), parse_history(s_txt)
    out = []
    ae = set(v["edge"] for v in ah.values())
    se = set(v["edge"] for v in sh.values())
    if ae != se:
        out.append(("history", "edges only in alembic: %s\n"
                    "          only in strata:  %s" % (
                        sorted(ae - se), sorted(se - ae))))
    common = sorted(set(ah) & set(sh))
    for field, cat in (("labels", "history-labels"),
                       ("flags", "history-flags"), ("deps", "history-deps")):
        diff = ["%s: alembic %s, strata %s" % (r, ah[r][field], sh[r][field])
                for r in common if ah[r][field] != sh[r][field]]
        if diff:
            out.append((cat, "\n          ".join(diff)))
    fmt = ["alembic: %s\n          strata:  %s" % (ah[r]["raw"], sh[r]["raw"])
           for r in common
           if ah[r]["raw"] != sh[r]["raw"] and all(
               ah[r][f] == sh[r][f] for f in ("edge", "labels", "flags",
                                               "deps"))]
    if fmt:
        out.append(("history-format", "\n          ".join(fmt)))
    return out


# --------------------------------------------------------------------------
# One seed
# --------------------------------------------------------------------------

def fmt_outcome(o, state):
    rows, tables = state
    s = "ok" if o.ok else "ERROR (%s)" % o.message
    s += "\n        alembic_version: %s" % (sorted(rows) or "[]")
    s += "\n        m_ tables: %s" % (sorted(tables) or "[]")
    if o.ok and o.order is not None:
        s += "\n        order: %s" % (
            ", ".join("%s %s" % (d[0][:2], d[1]) for d in o.order) or "-")
    return s


def run_seed(args):
    seed, strata_bin, keep, transactional, verbose, labels_on, deps_on = args
    setup_alembic()
    rng = random.Random(seed)
    graph = generate_graph(rng, labels_on, deps_on, corners_rng(seed))
    cmds = generate_commands(rng, graph)
    tmp = tempfile.mkdtemp(prefix="strata-diff-%d-" % seed)
    mismatches = []  # (category, detail dict)
    allowed = collections.Counter()  # allow-list entry -> commands it changed
    allowlist.take_hits()
    log = []
    try:
        sroot = os.path.join(tmp, "strata")
        aroot = os.path.join(tmp, "alembic")
        write_strata(sroot, graph)
        write_alembic(aroot, graph)
        st = StrataRunner(strata_bin, sroot, cache_at_once=seed % 2 == 1)
        al = AlembicRunner(aroot, transactional)

        # heads / history, before any command
        for verb in ("heads", "history", "branches"):
            s_txt, s_err = st.text(verb)
            a_txt, a_err = al.text(verb)
            if (s_txt is None) != (a_txt is None):
                mismatches.append(("load-" + verb, {
                    "text": "%s: strata %s / alembic %s" % (
                        verb, s_err or "ok", a_err or "ok")}))
                continue
            if s_txt is None:
                continue
            if verb == "heads":
                sh, ah = parse_heads(s_txt), parse_heads(a_txt)
                if sh != ah:
                    mismatches.append(("heads", {"text": (
                        "heads: alembic %s\n          strata  %s" % (ah, sh))}))
            elif verb == "branches":
                sb, ab = parse_branches(s_txt), parse_branches(a_txt)
                if sb != ab:
                    mismatches.append(("branches", {"text": (
                        "branches: alembic %s\n          strata  %s" % (ab, sb))}))
            else:
                for cat, txt in compare_history(a_txt, s_txt):
                    mismatches.append((cat, {"text": txt}))

        # history -r with a lower end that names a branch (LABEL@base,
        # LABEL@head, REV@base): only that branch's heads are listed
        for rng_range in history_ranges(graph, corners_rng(seed, "ranges")):
            s_txt, s_err = st.text("history", "-r", rng_range)
            a_txt, a_err = al.text("history", rng_range)
            if (s_txt is None) != (a_txt is None):
                mismatches.append(("history-range", {"text": (
                    "history -r %s: strata %s / alembic %s" % (
                        rng_range, s_err or "ok", a_err or "ok"))}))
            elif s_txt is not None and (
                    sorted(history_order(s_txt)) !=
                    sorted(history_order(a_txt)) or
                    not newest_first(graph, history_order(s_txt))):
                # Alembic keeps the scoped heads in a set of Revision
                # objects (hashed by address), so its order between
                # branches varies from run to run: compare the revisions,
                # and that Strata lists each before its ancestors.
                mismatches.append(("history-range", {"text": (
                    "history -r %s:\n          alembic %s\n          strata  %s"
                    % (rng_range, history_order(a_txt),
                       history_order(s_txt)))}))

        for i, (verb, target, kind) in enumerate(cmds):
            so = st.run(verb, target)
            ao = al.run(verb, target)
            for name in allowlist.take_hits():
                allowed[name] += 1
            if ao.warned:
                allowed["(checked: both warn on downgrade -N from several heads)"] += 1
            sstate = db_state(st.db)
            astate = db_state(al.db)
            log.append("%s %s" % (verb, target))
            if verbose:
                log.append("      alembic: " + fmt_outcome(ao, astate))
                log.append("      strata:  " + fmt_outcome(so, sstate))
            cat = None
            if so.message.startswith("rc=") and "CRASH" in so.message:
                cat = "strata-crash"
            elif so.ok != ao.ok:
                if ao.ok:
                    cat = "strata-error/alembic-ok"
                elif ao.message.startswith("alembic internal error"):
                    cat = "strata-ok/alembic-internal-error"
                else:
                    cat = "strata-ok/alembic-error"
            elif sstate[0] != astate[0]:
                cat = "state-version" if so.ok else "state-version-after-error"
            elif sstate[1] != astate[1]:
                cat = "state-tables" if so.ok else "state-tables-after-error"
            detail = {
                "step": i, "verb": verb, "target": target, "kind": kind,
                "asig": signature(ao, astate), "ssig": signature(so, sstate),
                "job": [seed, i, labels_on, deps_on, transactional],
                "commands": [c[0] + " " + c[1] for c in cmds[: i + 1]],
                "alembic": fmt_outcome(ao, astate),
                "strata": fmt_outcome(so, sstate),
            }
            if cat:
                mismatches.append((cat, detail))
                break  # the databases diverged; later steps are meaningless
            if so.ok and verb != "stamp" and so.order != ao.order:
                mismatches.append(("order", detail))
            if so.ok and ao.ok and so.warned != ao.warned:
                # Alembic warns that downgrade -N from several heads is
                # ambiguous; Strata must say so too (and only then)
                mismatches.append(("warning", dict(detail, alembic=(
                    fmt_outcome(ao, astate) + "\n        warned: %s" %
                    ao.warned), strata=(fmt_outcome(so, sstate) +
                                        "\n        warned: %s" % so.warned))))
    except Exception:
        mismatches.append(("harness-exception",
                           {"text": traceback.format_exc()}))
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"seed": seed, "graph": graph.describe(), "nrevs": len(graph.revs),
            "commands": [c[0] + " " + c[1] for c in cmds],
            "mismatches": mismatches, "log": log, "allowed": dict(allowed),
            "dir": tmp if keep else None}


def signature(o, state):
    """JSON-able summary of one command's outcome, for comparing runs."""
    return [bool(o.ok), sorted(state[0]), sorted(state[1]),
            [list(x) for x in o.order] if (o.ok and o.order is not None)
            else None]


def replay_alembic(job):
    """Alembic only: rerun the seed's commands up to step `upto` and return
    the signature of that step (used under other PYTHONHASHSEEDs)."""
    seed, upto, labels_on, deps_on, transactional = job
    setup_alembic()
    rng = random.Random(seed)
    graph = generate_graph(rng, labels_on, deps_on, corners_rng(seed))
    cmds = generate_commands(rng, graph)
    tmp = tempfile.mkdtemp(prefix="strata-diff-replay-%d-" % seed)
    try:
        write_alembic(tmp, graph)
        al = AlembicRunner(tmp, transactional)
        sig = None
        for verb, target, _ in cmds[: upto + 1]:
            o = al.run(verb, target)
            sig = signature(o, db_state(al.db))
        return sig
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


REPLAY_HASH_SEEDS = [str(i) for i in range(1, 17)]


def alembic_variants(flagged, jobs_file):
    """Rerun Alembic for every flagged mismatch under PYTHONHASHSEED 1..16
    (separate processes, two at a time).  A mismatch leaves the rounds as
    soon as Strata's result has been seen among Alembic's.  Returns, per
    mismatch, the list of Alembic signatures seen."""
    import json
    out = [[] for _ in flagged]
    pending = list(range(len(flagged)))
    seeds = list(REPLAY_HASH_SEEDS)
    while pending and seeds:
        batch, seeds = seeds[:2], seeds[2:]
        with open(jobs_file, "w") as f:
            json.dump([flagged[i]["job"] for i in pending], f)
        procs = [subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--replay-alembic",
             jobs_file], env=dict(os.environ, PYTHONHASHSEED=hs),
            stdout=subprocess.PIPE, universal_newlines=True) for hs in batch]
        for p in procs:
            data, _ = p.communicate()
            try:
                sigs = json.loads(data)
            except ValueError:
                continue
            for i, sg in zip(pending, sigs):
                out[i].append(sg)
        pending = [i for i in pending if flagged[i]["ssig"] not in out[i]]
    return out


def report(res, out):
    w = out.write
    w("=" * 72 + "\n")
    mm = res["mismatches"]
    note = ""
    if mm and all(d.get("tolerated") for _, d in mm):
        note = (" (not counted as a failure: Alembic's own result depends on "
                "PYTHONHASHSEED and Strata's is one of them)")
    w("seed %d: %d mismatch(es)%s\n" % (res["seed"], len(mm), note))
    w("  graph (%d revisions, generation order):\n" % res["nrevs"])
    w(res["graph"] + "\n")
    for cat, d in res["mismatches"]:
        w("  [%s]\n" % cat)
        if "text" in d:
            w("          " + d["text"].rstrip() + "\n")
            continue
        w("    commands:\n")
        for c in d["commands"]:
            w("      %s\n" % c)
        w("    target kind: %s\n" % d["kind"])
        w("    alembic: %s\n" % d["alembic"])
        w("    strata:  %s\n" % d["strata"])
        for v in d.get("variants", []):
            w("    alembic under another PYTHONHASHSEED: %s\n" % (
                "ok" if v[0] else "ERROR") + "        alembic_version: %s"
              "\n        m_ tables: %s\n        order: %s\n" % (
                  v[1], v[2], ", ".join("%s %s" % (x[0][:2], x[1])
                                         for x in (v[3] or [])) or "-"))
    if res.get("dir"):
        w("  kept: %s\n" % res["dir"])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--replay-alembic"]:
        import json
        with open(argv[1]) as f:
            jobs = json.load(f)
        json.dump([replay_alembic(j) for j in jobs], sys.stdout)
        return 0
    python = sys.executable
    try:
        import alembic  # noqa: F401
    except ImportError:
        # e.g. a pyenv python3 first on PATH: use Debian's, which has it
        if os.path.exists("/usr/bin/python3") and \
                os.path.realpath(python) != os.path.realpath("/usr/bin/python3"):
            python = "/usr/bin/python3"
        else:
            sys.exit("differential.py: the alembic package is not importable")
    if os.environ.get("PYTHONHASHSEED") != "0" or python != sys.executable:
        # Alembic iterates over sets of revision ids in places, so its
        # choices can depend on the string hash seed: pin it.
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(python, [python, os.path.abspath(__file__)] + argv, env)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("strata_pos", nargs="?", help="strata binary")
    ap.add_argument("--strata", help="strata binary (or $STRATA_BIN)")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--seed", type=int, help="run exactly this seed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", action="store_true",
                    help="print every seed's graph and each command's result")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary projects (path is printed)")
    ap.add_argument("--alembic-sqlite-nontransactional", action="store_true",
                    help="run Alembic with its stock SQLite behaviour "
                         "(a transaction per revision) instead of one "
                         "transaction per command like Strata")
    ap.add_argument("--no-labels", action="store_true",
                    help="generate no branch labels (the graphs' shapes and "
                         "ids stay the same; the commands change)")
    ap.add_argument("--no-depends", action="store_true",
                    help="generate no Depends On")
    ap.add_argument("--summary", action="store_true", default=True,
                    help="print a table of mismatch kinds at the end "
                         "(the default)")
    ap.add_argument("--no-summary", dest="summary", action="store_false")
    ap.add_argument("--no-hash-check", action="store_true",
                    help="do not rerun Alembic under other PYTHONHASHSEEDs "
                         "to find where Alembic's own result is unstable")
    a = ap.parse_args(argv)
    binary = a.strata or a.strata_pos or os.environ.get("STRATA_BIN")
    if not binary:
        ap.error("give the strata binary: --strata BIN or STRATA_BIN=...")
    binary = os.path.abspath(binary)
    if not os.access(binary, os.X_OK):
        ap.error("not executable: %s" % binary)
    seeds = [a.seed] if a.seed is not None else \
        list(range(a.start, a.start + a.seeds))
    work = [(s, binary, a.keep, not a.alembic_sqlite_nontransactional,
             a.verbose, not a.no_labels, not a.no_depends) for s in seeds]
    if a.jobs > 1 and len(seeds) > 1:
        pool = multiprocessing.Pool(a.jobs)
        results = pool.imap(run_seed, work, chunksize=4)
    else:
        pool = None
        results = map(run_seed, work)
    results = list(results)
    if pool:
        pool.close()
        pool.join()

    # Where Alembic disagrees with Strata on a command, rerun Alembic under
    # other hash seeds (see alembic_variants): if Alembic's own result
    # changes, the mismatch is
    # tagged "~alembic-unstable"; if Strata's result equals one of
    # Alembic's variants it is not counted as a failure.
    flagged = [d for res in results for _, d in res["mismatches"]
               if "job" in d]
    if flagged and not a.no_hash_check:
        tmpf = tempfile.mktemp(prefix="strata-diff-jobs-", suffix=".json")
        try:
            variants = alembic_variants(flagged, tmpf)
        finally:
            if os.path.exists(tmpf):
                os.unlink(tmpf)
        for d, vs in zip(flagged, variants):
            others = []
            for v in vs:
                if v != d["asig"] and v not in others:
                    others.append(v)
            if others:
                d["variants"] = others
                d["tolerated"] = d["ssig"] in others

    passed = failed = tolerated = 0
    kinds = collections.OrderedDict()
    for res in results:
        mm = res["mismatches"]
        for i, (cat, d) in enumerate(mm):
            if "variants" in d:
                mm[i] = (cat + ("~alembic-unstable(strata=variant)"
                                if d["tolerated"] else "~alembic-unstable"),
                         d)
        real = [m for m in mm if not m[1].get("tolerated")]
        if real:
            failed += 1
            report(res, sys.stdout)
        else:
            passed += 1
            if mm:
                tolerated += 1
            if a.verbose or mm:
                report(res, sys.stdout)
        if a.verbose:
            sys.stdout.write("  trace:\n")
            for l in res["log"]:
                sys.stdout.write("    %s\n" % l)
        for cat, d in mm:
            key = (cat, d.get("verb", ""), d.get("kind", ""))
            kinds.setdefault(key, []).append((res["nrevs"], res["seed"]))
        sys.stdout.flush()
    if a.summary and kinds:
        print("=" * 72)
        print("mismatch kinds (category, verb, target kind): count, "
              "smallest seeds")
        for key, lst in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
            small = ", ".join("%d(%d revs)" % (s, n) for n, s in sorted(lst)[:3])
            print("  %-34s %-9s %-10s %4d  %s" % (key + (len(lst), small)))
    allowed = collections.OrderedDict((e["name"], []) for e in allowlist.ENTRIES)
    allowed["(checked: both warn on downgrade -N from several heads)"] = []
    for res in results:
        for name, n in sorted(res.get("allowed", {}).items()):
            allowed.setdefault(name, []).append((res["seed"], n))
    print("=" * 72)
    print("intended differences from Alembic 1.8 (allowlist.py): commands "
          "where the corrected oracle differed from 1.8, seeds")
    for name, lst in allowed.items():
        print("  %-40s %4d  %s" % (name, sum(n for _, n in lst), ", ".join(
            str(sd) for sd, _ in lst[:6]) + (" ..." if len(lst) > 6 else "")))
    if tolerated:
        print("(%d passing seeds differ from Alembic only where Alembic's own "
              "result depends on PYTHONHASHSEED and Strata matches one of "
              "Alembic's results)" % tolerated)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
