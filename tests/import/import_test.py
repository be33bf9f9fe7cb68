#!/usr/bin/python3
"""`strata import alembic` against real Alembic, on real databases.

Usage:
    import_test.py --strata PATH/TO/strata [--project NAME ...] [--dialect D ...] [-v]

For every project under projects/ (project.json says its dialects, the
revisions that must be flagged for review, and where Alembic fails) and each
of its dialects:

 1. Alembic `upgrade heads` on database A.
 2. `strata import alembic` (dev_url: the test server) into a fresh folder;
    the revisions flagged for review must be exactly project.json's, and
    Strata must refuse to run before a person confirms them (the test then
    deletes the '-- Review:' lines, as a reviewer would).
 3. Strata `upgrade heads` on database B; the normalised dumps (schema, every
    row, alembic_version) of A and B must be equal.
 4. `downgrade base` on both; equal again.
 5. Hand-over: B upgraded by Strata is downgraded by Alembic, upgraded by
    Alembic, then downgraded and upgraded by Strata; equal to A at head.
 6. Switching mid-life: Alembic brings database C to a middle revision;
    Strata's `upgrade heads` then runs only the revisions after it.
 7. Re-import: new revisions are added, imported files (hand-edited or not)
    are left alone, --force rewrites them.

PostgreSQL and MySQL need STRATA_TEST_PG_URL / STRATA_TEST_MYSQL_URL (the
servers scripts/test.sh starts); the test creates and drops its databases.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
DUMP = os.path.join(HERE, "dbdump.py")
ALEMBIC = os.path.join(HERE, "alembic_run.py")
failures = []
checks = 0


def log(msg):
    print(msg, flush=True)


def check(cond, what, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(what + (("\n" + detail) if detail else ""))
        log("  FAIL: " + what + (("\n" + detail) if detail else ""))
    return cond


def run(args, env=None, cwd=None, expect=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run(args, env=full_env, cwd=cwd, capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        raise RuntimeError("%s exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s" %
                           (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


# ---------------------------------------------------------------- servers

class Server:
    """Creates and drops test databases on one dialect's server."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.tmp = tempfile.mkdtemp(prefix="strata-import-")
        self.created = []
        if dialect == "sqlite":
            self.admin = None
            return
        var = "STRATA_TEST_PG_URL" if dialect == "postgresql" else "STRATA_TEST_MYSQL_URL"
        self.admin = os.environ.get(var)
        if not self.admin:
            raise SystemExit("%s is not set: run the suite with scripts/test.sh, which starts the servers" % var)

    def sa_url(self, url):
        return url.replace("postgresql://", "postgresql+psycopg2://", 1).replace("mysql://", "mysql+pymysql://", 1)

    def dev_url(self):
        return self.admin

    def new(self, tag):
        """A new empty database; returns its (strata/alembic) URL."""
        name = "imp_%s_%s" % (tag, uuid.uuid4().hex[:10])
        if self.dialect == "sqlite":
            return "sqlite:///" + os.path.join(self.tmp, name + ".db")
        import sqlalchemy as sa
        eng = sa.create_engine(self.sa_url(self.admin), isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text("CREATE DATABASE " + name +
                              (" CHARACTER SET utf8mb4" if self.dialect == "mysql" else "")))
        eng.dispose()
        self.created.append(name)
        return self.admin.rsplit("/", 1)[0] + "/" + name

    def close(self):
        if self.dialect != "sqlite":
            import sqlalchemy as sa
            eng = sa.create_engine(self.sa_url(self.admin), isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                for name in self.created:
                    c.execute(sa.text("DROP DATABASE IF EXISTS " + name +
                                      (" WITH (FORCE)" if self.dialect == "postgresql" else "")))
            eng.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)


def no_new_scratch(server, before, wait=60):
    """True when no scratch database other than `before` remains. Other
    tests running at the same time have their own for a few seconds, so
    new ones are given `wait` seconds to go; this import's never would."""
    import time
    deadline = time.time() + wait
    while True:
        new = set(scratch_left(server)) - before
        if not new:
            return True
        if time.time() > deadline:
            log("  scratch databases left: %s" % sorted(new))
            return False
        time.sleep(1)


def scratch_left(server):
    """Scratch databases Strata left behind on the server (must be none)."""
    if server.dialect == "sqlite":
        return []
    import sqlalchemy as sa
    eng = sa.create_engine(server.sa_url(server.admin))
    q = ("SELECT datname FROM pg_database WHERE datname LIKE 'strata_scratch_%%'" if server.dialect == "postgresql"
         else "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'strata_scratch_%%'")
    with eng.connect() as c:
        names = [r[0] for r in c.execute(sa.text(q.replace("%%", "%")))]
    eng.dispose()
    return names


# ---------------------------------------------------------------- tools

def alembic(project_dir, urls, *command, expect=0):
    args = [PY, ALEMBIC, "--ini", os.path.join(project_dir, "alembic.ini")]
    for u in urls:
        args += ["--url", u]
    return run(args + list(command), cwd=project_dir, expect=expect)


def dump(url, data=True):
    """dbdump.py's dump. The version table's DDL is Strata's or Alembic's,
    whichever created it: SQLite keeps the text as written, and Strata
    quotes its identifiers, so its quotes are dropped here (its rows count)."""
    text = run([PY, DUMP, url] + ([] if data else ["--schema-only"]), expect=0).stdout
    return "\n".join(l.replace('"', "") if l.startswith("table alembic_version:") else l
                     for l in text.split("\n"))


class Strata:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.config = os.path.join(workdir, "alembic.toml")

    def __call__(self, *args, env=None, expect=None):
        return run([self.binary, "-c", self.config] + list(args), env=env, cwd=self.workdir, expect=expect)


def env_var(name):
    return "TEST_" + name.upper().replace("-", "_") + "_URL"


def url_env(project, urls):
    """The environment pin_urls' config reads the databases' URLs from."""
    names = project.get("multidb") or ["main"]
    return {env_var(n): u for n, u in zip(names, urls)}


def pin_urls(config, project):
    """Points the generated config's URLs at variables the test sets: the
    imported config holds the project's own URL (or its variable)."""
    with open(config) as f:
        text = f.read()
    for name in project.get("multidb") or ["main"]:
        text, n = re.subn(r'(\[databases\.%s\]\n(?:#.*\n)*)url = ".*"' % re.escape(name),
                          lambda m: m.group(1) + 'url = "${%s}"' % env_var(name), text)
        check(n == 1, "the imported config has [databases.%s] with a url" % name, text)
    with open(config, "w") as f:
        f.write(text)


def confirm_reviews(folder):
    """What a reviewer does after checking the SQL: delete the Review line."""
    n = 0
    for root, _, files in os.walk(folder):
        for fn in files:
            if not fn.endswith(".sql"):
                continue
            path = os.path.join(root, fn)
            with open(path) as f:
                lines = f.readlines()
            kept = [l for l in lines if not l.startswith("-- Review:")]
            if len(kept) != len(lines):
                n += 1
                with open(path, "w") as f:
                    f.writelines(kept)
    return n


def reviewed_ids(folder):
    out = set()
    for root, _, files in os.walk(folder):
        for fn in files:
            if fn.endswith(".sql"):
                text = open(os.path.join(root, fn)).read()
                if re.search(r"^-- Review:", text, re.M):
                    out.add(re.search(r"^-- Revision ID: (\S+)", text, re.M).group(1))
    return out


def revision_order(project_dir):
    """Revision ids parents first, as Alembic walks them."""
    code = ("import sys; from alembic.config import Config; from alembic.script import ScriptDirectory;"
            "s = ScriptDirectory.from_config(Config(sys.argv[1]));"
            "print(' '.join(r.revision for r in reversed(list(s.walk_revisions()))))")
    out = run([PY, "-c", code, os.path.join(project_dir, "alembic.ini")], cwd=project_dir, expect=0).stdout
    return out.split()


# ---------------------------------------------------------------- one case

def case(strata_bin, project_dir, project, dialect, servers, verbose):
    name = os.path.basename(project_dir)
    server = servers[dialect] if not project.get("multidb") else None
    multidb = project.get("multidb")
    log("== %s on %s" % (name, dialect if not multidb else "+".join(dialect)))
    work = tempfile.mkdtemp(prefix="strata-import-%s-" % name)
    try:
        # A separate copy of the project, so the test never writes into the tree.
        proj = os.path.join(work, "project")
        shutil.copytree(project_dir, proj, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
        out = os.path.join(work, "strata")
        os.makedirs(out)
        strata = Strata(strata_bin, out)
        dialects = list(dialect) if multidb else [dialect]
        engine_servers = [servers[d] for d in dialects]

        def new_dbs(tag):
            return [s.new(tag) for s in engine_servers]

        def alembic_urls(urls):
            return ([n + "=" + u for n, u in zip(multidb, urls)] if multidb else urls)

        def dumps(urls):
            return "\n".join(dump(u, project.get("compare_data", True)) for u in urls)

        # Strata makes a downgrade across databases name each one.
        base_targets = [n + "=base" for n in multidb] if multidb else ["base"]
        a = new_dbs("a")
        b = new_dbs("b")
        if not project.get("fails_at"):
            alembic(proj, alembic_urls(a), "upgrade", "heads")
        # --- import
        args = ["import", "alembic", "--ini", os.path.join(proj, "alembic.ini")]
        if multidb:
            args += ["--dialect", ",".join("%s=%s" % (n, d) for n, d in zip(multidb, dialects))]
        else:
            args += ["--dialect", dialect]
        for d in set(dialects):
            if d != "sqlite":
                args += ["--dev-url", servers[d].dev_url()]
        scratch_before = {s.dialect: set(scratch_left(s)) for s in engine_servers}
        p = strata(*args)
        if verbose:
            log(p.stdout + p.stderr)
        expected_review = set(project.get("review", {}))
        folders = [os.path.join(out, "migrations", n) for n in (multidb or ["main"])]
        got_review = set().union(*(reviewed_ids(f) for f in folders))
        if project.get("fails_at"):
            bad = project["fails_at"]
            order = project["revisions"]
            written = {re.search(r"^-- Revision ID: (\S+)", open(os.path.join(folders[0], f)).read(), re.M).group(1)
                       for f in os.listdir(folders[0]) if f.endswith(".sql")}
            check(p.returncode == 3, "%s: import of a failing chain exits 3 (got %d)" % (name, p.returncode), p.stderr)
            check(bad in p.stdout and "fails under Alembic itself" in p.stdout and "OperationalError" in p.stdout,
                  "%s: the summary names the failing revision with Alembic's error" % name, p.stdout)
            check(written == set(order[:order.index(bad)]),
                  "%s: the revisions before the failing one are written, it and those after it are not (%s)" %
                  (name, sorted(written)), p.stdout)
            check(re.search(r"not imported because of those:\n\s+%s .*builds on %s" % (order[order.index(bad) + 1], bad),
                            p.stdout) is not None,
                  "%s: the summary lists what came after the failure" % name, p.stdout)
            pin_urls(strata.config, project)
            env = url_env(project, b)
            strata("upgrade", "heads", env=env, expect=0)
            check(strata("current", env=env, expect=0).stdout.split()[:1] == [order[order.index(bad) - 1]],
                  "%s: the imported part of the chain runs" % name)
            strata("downgrade", "base", env=env, expect=0)
            return
        check(p.returncode == (3 if expected_review else 0),
              "%s/%s: import exits %d (got %d)" % (name, dialect, 3 if expected_review else 0, p.returncode),
              p.stdout + p.stderr)
        check(got_review == expected_review, "%s/%s: revisions flagged for review %s, expected %s" %
              (name, dialect, sorted(got_review), sorted(expected_review)), p.stdout)
        for s in set(engine_servers):
            check(no_new_scratch(s, scratch_before[s.dialect]),
                  "%s: no scratch database left on the %s server" % (name, s.dialect))
        for secret in ("strata-test-pw",):
            check(secret not in p.stdout + p.stderr, "%s: no password in the import's output" % name)
        pin_urls(strata.config, project)
        env = url_env(project, b)
        if expected_review:
            r = strata("upgrade", "heads", env=env)
            check(r.returncode == 2 and "nothing was changed" in r.stderr and
                  all(("revision %s awaits review" % rid) in r.stderr for rid in expected_review),
                  "%s: Strata refuses the revisions awaiting review, naming each" % name, r.stdout + r.stderr)
            confirm_reviews(os.path.join(out, "migrations"))
        # --- same result as Alembic
        strata("upgrade", "heads", env=env, expect=0)
        da, db_ = dumps(a), dumps(b)
        check(da == db_, "%s/%s: Alembic and Strata give the same database at head" % (name, dialect),
              diff(da, db_))
        check(strata("current", env=env, expect=0).stdout.split() and
              alembic(proj, alembic_urls(b), "current").returncode == 0,
              "%s/%s: both tools read the version table" % (name, dialect))
        # --- downgrade base
        alembic(proj, alembic_urls(a), "downgrade", "base")
        strata("downgrade", *base_targets, env=env, expect=0)
        da, db_ = dumps(a), dumps(b)
        check(da == db_, "%s/%s: the same after downgrade base" % (name, dialect), diff(da, db_))
        # --- hand-over: Strata -> Alembic -> Strata
        strata("upgrade", "heads", env=env, expect=0)
        alembic(proj, alembic_urls(b), "downgrade", "base")
        alembic(proj, alembic_urls(b), "upgrade", "heads")
        alembic(proj, alembic_urls(a), "upgrade", "heads")
        da, db_ = dumps(a), dumps(b)
        check(da == db_, "%s/%s: Alembic continues a database Strata migrated" % (name, dialect), diff(da, db_))
        strata("downgrade", *base_targets, env=env, expect=0)
        strata("upgrade", "heads", env=env, expect=0)
        db_ = dumps(b)
        check(da == db_, "%s/%s: Strata continues a database Alembic migrated" % (name, dialect), diff(da, db_))
        if multidb:
            return
        # --- switching mid-life
        order = revision_order(proj)
        middle = order[len(order) // 2 - 1]
        c = new_dbs("c")
        alembic(proj, alembic_urls(c), "upgrade", middle)
        r = strata("upgrade", "heads", env=url_env(project, c), expect=0)
        ran = re.findall(r"Running upgrade .*?-> (\w+)", r.stdout + r.stderr)
        applied_before = alembic_applied(proj, alembic_urls(c), order, middle)
        check(not (set(ran) & applied_before) and set(ran) == set(order) - applied_before,
              "%s/%s: after Alembic brought the database to %s, Strata runs only the later revisions "
              "(ran %s)" % (name, dialect, middle, ran), r.stdout + r.stderr)
        check(dumps(c) == da, "%s/%s: the database switched mid-life ends like Alembic's" % (name, dialect))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def alembic_applied(proj, urls, order, middle):
    """Revisions at or below `middle` (what `alembic upgrade middle` ran)."""
    code = ("import sys; from alembic.config import Config; from alembic.script import ScriptDirectory;"
            "s = ScriptDirectory.from_config(Config(sys.argv[1]));"
            "print(' '.join(r.revision for r in s.iterate_revisions(sys.argv[2], 'base')))")
    out = run([PY, "-c", code, os.path.join(proj, "alembic.ini"), middle], cwd=proj, expect=0).stdout
    return set(out.split())


def diff(a, b):
    import difflib
    return "".join(list(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "alembic", "strata"))[:60])


# ---------------------------------------------------------------- re-import

def reimport_case(strata_bin, project_dir):
    """New revisions are added; imported (hand-edited) files stay; --force rewrites."""
    log("== re-import (%s)" % os.path.basename(project_dir))
    work = tempfile.mkdtemp(prefix="strata-reimport-")
    try:
        proj = os.path.join(work, "project")
        shutil.copytree(project_dir, proj, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
        order = revision_order(proj)
        last = order[-1]
        # Hide the newest revision, import, then bring it back.
        hidden = None
        for root, _, files in os.walk(proj):
            for fn in files:
                if fn.endswith(".py") and re.search(r"^revision\s*=\s*['\"]%s['\"]" % last,
                                                    open(os.path.join(root, fn)).read(), re.M):
                    hidden = os.path.join(root, fn)
        os.rename(hidden, hidden + ".hidden")
        out = os.path.join(work, "strata")
        os.makedirs(out)
        strata = Strata(strata_bin, out)
        args = ["import", "alembic", "--ini", os.path.join(proj, "alembic.ini"), "--dialect", "sqlite"]
        strata(*args, expect=0)
        folder = os.path.join(out, "migrations", "main")
        first = sorted(os.listdir(folder))
        check(len([f for f in first if f.endswith(".sql")]) == len(order) - 1,
              "re-import: the first import wrote %d files" % (len(order) - 1))
        edited = os.path.join(folder, [f for f in first if f.endswith(".sql")][0])
        with open(edited, "a") as f:
            f.write("-- edited by hand\n")
        config_before = open(strata.config).read()
        os.rename(hidden + ".hidden", hidden)
        p = strata(*args, expect=0)
        second = sorted(os.listdir(folder))
        check(len([f for f in second if f.endswith(".sql")]) == len(order),
              "re-import adds the new revision", p.stdout)
        check("-- edited by hand" in open(edited).read(), "re-import leaves an imported, hand-edited file alone")
        check("already imported" in p.stdout, "re-import says what it left alone", p.stdout)
        check(open(strata.config).read() == config_before, "re-import leaves alembic.toml alone")
        # The Alembic project changes a revision nobody edited on the Strata side.
        untouched = [f for f in second if f.endswith(".sql") and os.path.join(folder, f) != edited][0]
        untouched_id = re.search(r"^-- Revision ID: (\S+)", open(os.path.join(folder, untouched)).read(), re.M).group(1)
        py = [os.path.join(r, f) for r, _, fs in os.walk(proj) for f in fs if f.endswith(".py") and
              re.search(r"^revision\s*=\s*['\"]%s['\"]" % untouched_id, open(os.path.join(r, f)).read(), re.M)][0]
        with open(py, "a") as f:
            f.write("\n\n_upgrade_before = upgrade\n\ndef upgrade():\n    _upgrade_before()\n"
                    "    op.execute(\"CREATE TABLE added_later (id INTEGER)\")\n")
        before = open(os.path.join(folder, untouched)).read()
        p = strata(*(args + ["--json"]))
        report = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
        statuses = {r["id"]: r["status"] for d in report.get("databases", []) for r in d["revisions"]}
        check(p.returncode == 3 and statuses.get(untouched_id) == "changed",
              "re-import after the .py changed: reported as changed (exit 3), --json gives the statuses",
              p.stdout + p.stderr)
        check(statuses.get(last) == "kept" and report.get("exit_code") == 3, "--json: the others are kept", p.stdout)
        check(open(os.path.join(folder, untouched)).read() == before, "a changed revision is not rewritten without --force")
        p = strata(*(args + ["--force"]))
        check(p.returncode == 0 and "CREATE TABLE added_later" in open(os.path.join(folder, untouched)).read(),
              "--force rewrites a changed revision", p.stdout + p.stderr)
        check("-- edited by hand" not in open(edited).read() and
              "-- edited by hand" in open(edited + ".orig").read() and ".orig" in p.stdout,
              "--force over a hand-edited file keeps the edited one as .orig and says so", p.stdout)
        p = strata(*(args + ["--to", os.path.join(out, "elsewhere")]))
        check(p.returncode == 2 and "already has [databases.main]" in p.stderr,
              "--to a folder other than the configured location is refused", p.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def errors_case(strata_bin, project_dir):
    log("== errors")
    work = tempfile.mkdtemp(prefix="strata-import-err-")
    try:
        strata = Strata(strata_bin, work)
        ini = os.path.join(project_dir, "alembic.ini")
        p = strata("import", "alembic", "--ini", ini, "--dialect", "sqlite",
                   env={"STRATA_PYTHON": "/nonexistent/python3"})
        check(p.returncode == 2 and "python3-alembic" in p.stderr,
              "missing Python: exit 2 naming the package", p.stderr)
        p = strata("import", "alembic", "--ini", os.path.join(work, "nope.ini"), "--dialect", "sqlite")
        check(p.returncode == 2 and "nope.ini" in p.stderr, "missing ini: exit 2 naming it", p.stderr)
        p = strata("import", "alembic", "--ini", ini, "--dialect", "oracle")
        check(p.returncode == 2 and "oracle" in p.stderr, "unknown dialect: exit 2", p.stderr)
        p = strata("import", "alembic", "--ini", ini, "--dialect", "sqlite3")
        check(p.returncode == 2 and "did you mean 'sqlite'" in p.stderr, "a misspelt dialect gets a did-you-mean", p.stderr)
        p = strata("import", "alembic", "--ini", ini, "--dialect", "postgresql")
        check(p.returncode == 2 and "dev_url" in p.stderr, "a server dialect without dev_url: exit 2", p.stderr)
        p = strata("import", "flyway")
        check(p.returncode == 2, "import of something else: exit 2", p.stderr)
        check(not os.path.exists(os.path.join(work, "migrations")), "nothing written on errors")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def skeleton(dest):
    """An Alembic project without revisions (runtime_values' ini and env.py)."""
    src = os.path.join(HERE, "projects", "runtime_values")
    os.makedirs(os.path.join(dest, "migrations", "versions"))
    shutil.copy(os.path.join(src, "alembic.ini"), dest)
    for f in ("env.py", "script.py.mako"):
        shutil.copy(os.path.join(src, "migrations", f), os.path.join(dest, "migrations"))


def revision_py(dest, rev, down, body="op.execute('CREATE TABLE t_%s (id INTEGER)')"):
    name = re.sub(r"\W", "_", rev)
    with open(os.path.join(dest, "migrations", "versions", name + ".py"), "w") as f:
        f.write('"""%s\n\nRevision ID: %s\n"""\nfrom alembic import op\n\nrevision = %r\ndown_revision = %r\n'
                'branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    %s\n\n\ndef downgrade():\n'
                '    op.execute("DROP TABLE t_%s")\n' % (rev, rev, rev, down, body % name, name))


def odd_ids_case(strata_bin):
    """An id Alembic accepts but Strata cannot take is reported, and so is
    everything built on it; the rest imports and runs."""
    log("== ids Strata cannot take")
    work = tempfile.mkdtemp(prefix="strata-import-ids-")
    try:
        proj = os.path.join(work, "project")
        skeleton(proj)
        revision_py(proj, "first0001", None)
        revision_py(proj, "hotfix.2026", "first0001")
        revision_py(proj, "after_hotfix", "hotfix.2026")
        out = os.path.join(work, "strata")
        os.makedirs(out)
        strata = Strata(strata_bin, out)
        p = strata("import", "alembic", "--ini", os.path.join(proj, "alembic.ini"), "--dialect", "sqlite", "--json")
        report = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
        statuses = {r["id"]: r["status"] for d in report.get("databases", []) for r in d["revisions"]}
        check(p.returncode == 3 and statuses == {"first0001": "written", "hotfix.2026": "failed",
                                                 "after_hotfix": "not_reached"},
              "an id Strata cannot take: it and what builds on it are reported, not written", p.stdout + p.stderr)
        check(sorted(os.listdir(os.path.join(out, "migrations", "main"))) == ["first0001_first0001.sql"],
              "only the importable revision is written", str(os.listdir(os.path.join(out, "migrations", "main"))))
        env = {"DATABASE_URL": "sqlite:///" + os.path.join(work, "db.sqlite")}
        strata("upgrade", "heads", env=env, expect=0)
        check(strata("current", env=env, expect=0).stdout.split()[:1] == ["first0001"], "the imported part runs")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# How env.py reads its URL -> the url alembic.toml gets: no default when
# Alembic fails with the variable unset (or when the import cannot tell).
ENV_URL_VARIANTS = [
    ("subscript", 'return os.environ["DATABASE_URL"]', None, "without a default"),
    ("get", 'return os.environ.get("DATABASE_URL")', None, "without a default"),
    ("getenv", 'return os.getenv("DATABASE_URL")', None, "without a default"),
    ("get-default", 'return os.environ.get("DATABASE_URL", config.get_main_option("sqlalchemy.url"))', "ini", ""),
    # relative to the ini's folder, where Alembic runs
    ("getenv-literal", 'return os.getenv("DATABASE_URL", "sqlite:///fallback.db")', "/project/fallback.db", ""),
    ("or", 'return os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")', "ini", ""),
    ("guard", 'if "DATABASE_URL" in os.environ:\n        return os.environ["DATABASE_URL"]\n'
              '    return config.get_main_option("sqlalchemy.url")', "ini", ""),
    ("try", 'try:\n        return os.environ["DATABASE_URL"]\n    except KeyError:\n'
            '        return config.get_main_option("sqlalchemy.url")', None, "cannot tell"),
]


def env_url_case(strata_bin):
    log("== the url env.py reads")
    for tag, body, fallback, note in ENV_URL_VARIANTS:
        work = tempfile.mkdtemp(prefix="strata-import-env-")
        try:
            proj = os.path.join(work, "project")
            skeleton(proj)
            revision_py(proj, "first0001", None)
            env_py = os.path.join(proj, "migrations", "env.py")
            with open(env_py) as f:
                text = f.read()
            old = 'return os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")'
            with open(env_py, "w") as f:
                f.write(text.replace(old, body))
            out = os.path.join(work, "strata")
            os.makedirs(out)
            strata = Strata(strata_bin, out)
            p = strata("import", "alembic", "--ini", os.path.join(proj, "alembic.ini"), "--dialect", "sqlite",
                       "--json")
            report = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
            notes = " ".join(n for d in report.get("databases", []) for n in d.get("config_notes", []))
            check(p.returncode == 0, "%s: the import completes (exit 0)" % tag, p.stdout + p.stderr)
            with open(strata.config) as f:
                config = f.read()
            url = re.search(r'^url = "(.*)"$', config, re.M)
            url = url.group(1) if url else ""
            if fallback is None:
                check(url == "${DATABASE_URL}", "%s: url without a default" % tag, config)
            elif fallback == "ini":
                check(url.startswith("${DATABASE_URL:-sqlite:///") and url.endswith("/app.db}"),
                      "%s: url with the ini's URL as default" % tag, config)
            else:
                check(url.startswith("${DATABASE_URL:-sqlite:////") and url.endswith(fallback + "}"),
                      "%s: url with env.py's default" % tag, config)
            check((note in notes) if note else notes == "", "%s: the import says what it decided" % tag, notes)
            if fallback is None:
                env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
                c = subprocess.run([strata_bin, "-c", strata.config, "current"], cwd=out, env=env,
                                   capture_output=True, text=True)
                line = config.splitlines().index('url = "${DATABASE_URL}"') + 1
                check(c.returncode == 2 and "DATABASE_URL" in c.stderr and
                      "alembic.toml:%d" % line in c.stderr and "not set" in c.stderr,
                      "%s: DATABASE_URL unset is an error naming it, the file and the line" % tag, c.stderr)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def dev_url_case(strata_bin, servers):
    """--dev-url is written into the database's section: ${VAR} as given,
    a literal password never."""
    log("== --dev-url in the written config")
    admin = servers["postgresql"].dev_url()
    for given, env in (("${STRATA_IMPORT_DEV_URL}", {"STRATA_IMPORT_DEV_URL": admin}), (admin, {})):
        work = tempfile.mkdtemp(prefix="strata-import-dev-")
        try:
            proj = os.path.join(work, "project")
            skeleton(proj)
            revision_py(proj, "first0001", None)
            out = os.path.join(work, "strata")
            os.makedirs(out)
            strata = Strata(strata_bin, out)
            p = strata("import", "alembic", "--ini", os.path.join(proj, "alembic.ini"), "--dialect",
                       "postgresql", "--dev-url", given, env=env)
            with open(strata.config) as f:
                config = f.read()
            check(p.returncode == 0, "--dev-url %s: the import completes" % given[:2], p.stdout + p.stderr)
            check("strata-test-pw" not in config and (urllib.parse.urlsplit(admin).password or "-") not in config,
                  "--dev-url %s: no password in the config" % given[:2], config)
            if given.startswith("${"):
                check('\ndev_url = "${STRATA_IMPORT_DEV_URL}"' in config, "--dev-url ${VAR}: written as given", config)
                loaded = strata("heads", env=env)
                check(loaded.returncode == 0, "the written config loads", loaded.stderr)
            else:
                check("\ndev_url" not in config and "# dev_url = " in config and "has a password" in p.stdout,
                      "--dev-url with a password: a masked comment, and the output says why", config + p.stdout)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def interrupt_case(strata_bin, servers):
    """Ctrl-C while Alembic runs: exit 130, the scratch databases dropped,
    no temporary folder and no Python process left."""
    import signal
    import time
    log("== interrupted import")
    work = tempfile.mkdtemp(prefix="strata-import-int-")
    try:
        proj = os.path.join(work, "project")
        skeleton(proj)
        revision_py(proj, "slow0001", None, body="__import__('time').sleep(60); op.execute('CREATE TABLE t_%s (id INTEGER)')")
        out = os.path.join(work, "strata")
        tmp = os.path.join(work, "tmp")
        os.makedirs(out)
        os.makedirs(tmp)
        for dialect in ("sqlite", "postgresql"):
            args = [strata_bin, "-c", os.path.join(out, "alembic.toml"), "import", "alembic", "--ini",
                    os.path.join(proj, "alembic.ini"), "--dialect", dialect]
            if dialect != "sqlite":
                args += ["--dev-url", servers[dialect].dev_url()]
            before_int = set(scratch_left(servers[dialect])) if dialect != "sqlite" else set()
            child = subprocess.Popen(args, cwd=out, env=dict(os.environ, TMPDIR=tmp),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(4)
            child.send_signal(signal.SIGINT)
            try:
                _, err = child.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                _, err = child.communicate()
            check(child.returncode == 130 and "interrupted" in err,
                  "%s: SIGINT during the import exits 130 (got %s)" % (dialect, child.returncode), err)
            check(os.listdir(tmp) == [], "%s: no temporary folder left" % dialect, str(os.listdir(tmp)))
            left = run(["pgrep", "-f", proj]).stdout.strip()
            check(left == "", "%s: no Python process left" % dialect, left)
            if dialect != "sqlite":
                check(no_new_scratch(servers[dialect], before_int), "%s: the scratch database is dropped" % dialect)
            check(not os.path.exists(os.path.join(out, "migrations")), "%s: nothing written" % dialect)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--project", action="append")
    ap.add_argument("--dialect", action="append")
    ap.add_argument("--misc", action="store_true", help="also the error and re-import cases")
    ap.add_argument("--no-projects", action="store_true")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    strata_bin = os.path.abspath(args.strata)
    projects_dir = os.path.join(HERE, "projects")
    names = [] if args.no_projects else (args.project or sorted(os.listdir(projects_dir)))
    servers = {}
    total = 0
    try:
        for name in names:
            pdir = os.path.join(projects_dir, name)
            project = json.load(open(os.path.join(pdir, "project.json")))
            combos = project["dialects"]
            if project.get("multidb"):
                combos = [[c[n] for n in project["multidb"]] for c in project["combinations"]]
            for combo in combos:
                dialects = combo if isinstance(combo, list) else [combo]
                # A multidb combination runs with its first engine's dialect.
                if args.dialect and dialects[0] not in args.dialect:
                    continue
                for d in dialects:
                    if d not in servers:
                        servers[d] = Server(d)
                try:
                    case(strata_bin, pdir, project, tuple(dialects) if project.get("multidb") else dialects[0],
                         servers, args.v)
                except Exception as exc:  # a tool failed outright
                    check(False, "%s on %s: %s" % (name, "+".join(dialects), exc))
                total += 1
        if args.misc:
            if "postgresql" not in servers:
                servers["postgresql"] = Server("postgresql")
            odd_ids_case(strata_bin)
            env_url_case(strata_bin)
            dev_url_case(strata_bin, servers)
            interrupt_case(strata_bin, servers)
            errors_case(strata_bin, os.path.join(projects_dir, "basic"))
            reimport_case(strata_bin, os.path.join(projects_dir, "basic"))
    finally:
        for s in servers.values():
            s.close()
    log("%d project/dialect cases, %d checks, %d failures" % (total, checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
