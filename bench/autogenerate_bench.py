#!/usr/bin/python3
"""`revision --autogenerate` on a 500-table SQLAlchemy model set: Strata
beside Alembic 1.8's own autogenerate, on SQLite and PostgreSQL.

    bench/autogenerate.sh [--tables 500] [--reps 3] [--dialect sqlite --dialect postgresql]

The model set (B) is A plus a few changes (new columns, a new index, a
changed nullability). Strata's chain holds A (one revision, SQLAlchemy's
DDL for the dialect); `strata revision --autogenerate` loads B through the
Python bridge into a scratch database, replays the chain on another,
introspects both, diffs and renders: the whole process, spawn to exit, is
timed. Alembic's `command.revision(autogenerate=True)` runs in-process
(imports done beforehand, as bench/run.sh does) against a database at A,
which it reflects. Medians of --reps runs. PostgreSQL needs
STRATA_TEST_PG_URL (a superuser URL; scripts/servers.sh start prints one).

Goals (issue 13): SQLite under 1 s, PostgreSQL under 3 s.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

TYPES = ["sa.Integer", "sa.BigInteger", "sa.String(80)", "sa.Text", "sa.Numeric(12, 2)", "sa.Boolean",
         "sa.DateTime", "sa.Date"]


def models_source(tables, changed):
    """SQLAlchemy models: `tables` tables of 8 columns, an index each, a
    foreign key every third table; `changed` adds what autogenerate finds."""
    out = ["import sqlalchemy as sa", "metadata = sa.MetaData()", ""]
    for t in range(tables):
        cols = ["sa.Column('id', sa.Integer, primary_key=True, autoincrement=False)"]
        for c in range(7):
            nullable = "True" if (c % 2 or (changed and t == 7 and c == 2)) else "False"
            cols.append("sa.Column('c%d', %s, nullable=%s)" % (c, TYPES[(t + c) % len(TYPES)], nullable))
        if t % 3 == 2:
            cols.append("sa.Column('parent_id', sa.Integer, sa.ForeignKey('t%04d.id'))" % (t - 1))
        if changed and t % 100 == 5:
            cols.append("sa.Column('added', sa.String(40))")
        extras = ["sa.Index('ix_t%04d_c0', 'c0')" % t]
        if changed and t == 11:
            extras.append("sa.Index('ix_t%04d_c1', 'c1')" % t)
        out.append("t%04d = sa.Table('t%04d', metadata,\n    %s)" % (t, t, ",\n    ".join(cols + extras)))
    return "\n".join(out) + "\n"


def ddl(models_dir, module, dialect):
    code = textwrap.dedent("""
        import sys; sys.path.insert(0, %r)
        import sqlalchemy as sa
        from %s import metadata
        urls = {'sqlite': 'sqlite://', 'postgresql': 'postgresql+psycopg2://'}
        out = []
        eng = sa.create_mock_engine(urls[%r], lambda sql, *a, **k: out.append(str(sql.compile(dialect=eng.dialect)).strip()))
        metadata.create_all(eng, checkfirst=False)
        print(';\\n'.join(out) + ';')
    """) % (models_dir, module, dialect)
    return subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, check=True).stdout


def sa_url(url):
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


def fresh_db(dialect, work, name):
    if dialect == "sqlite":
        return "sqlite:///" + os.path.join(work, name + ".db")
    import sqlalchemy as sa
    admin = os.environ["STRATA_TEST_PG_URL"]
    eng = sa.create_engine(sa_url(admin), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name))
        c.execute(sa.text("CREATE DATABASE %s" % name))
    eng.dispose()
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_db(dialect, name):
    if dialect == "sqlite":
        return
    import sqlalchemy as sa
    eng = sa.create_engine(sa_url(os.environ["STRATA_TEST_PG_URL"]), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name))
    eng.dispose()


def bench_strata(strata, dialect, work, models_dir, reps):
    proj = os.path.join(work, "strata-" + dialect)
    os.makedirs(os.path.join(proj, "migrations", "main"))
    shutil.copy(os.path.join(models_dir, "models_b.py"), proj)
    with open(os.path.join(proj, "migrations", "main", "a1_tables.sql"), "w") as f:
        f.write("-- Revision ID: a1\n-- Revises:\n-- Message: tables\n\n-- +upgrade %s\n%s\n-- +downgrade %s\n"
                % (dialect, ddl(models_dir, "models_a", dialect), dialect))
    url = "sqlite:///" + os.path.join(proj, "main.db") if dialect == "sqlite" else \
        os.environ["STRATA_TEST_PG_URL"].rsplit("/", 1)[0] + "/bench_never_created"
    dev = "" if dialect == "sqlite" else 'dev_url = "%s"\n' % os.environ["STRATA_TEST_PG_URL"]
    with open(os.path.join(proj, "alembic.toml"), "w") as f:
        f.write('[alembic]\nversion_locations = ["migrations/main"]\n[databases.main]\nurl = "%s"\n%s'
                'models = "models_b:metadata"\n' % (url, dev))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        p = subprocess.run([strata, "revision", "--autogenerate", "-m", "bench"], cwd=proj, capture_output=True,
                           text=True)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit("strata failed:\n" + p.stdout + p.stderr)
        detected = sum(1 for line in p.stdout.splitlines() if line.startswith("Detected"))
        for fn in os.listdir(os.path.join(proj, "migrations", "main")):
            if fn.endswith("_bench.sql"):
                os.remove(os.path.join(proj, "migrations", "main", fn))
    return statistics.median(times), detected


def bench_alembic(dialect, work, models_dir, reps):
    from alembic import command
    from alembic.config import Config
    import sqlalchemy as sa
    proj = os.path.join(work, "alembic-" + dialect)
    subprocess.run(["/usr/bin/python3", "-m", "alembic", "init", proj], capture_output=True, check=True)
    env = os.path.join(proj, "env.py")
    text = open(env).read().replace("target_metadata = None",
                                    "import sys; sys.path.insert(0, %r)\nfrom models_b import metadata as "
                                    "target_metadata" % models_dir)
    text = text.replace("context.configure(\n            connection=connection, target_metadata=target_metadata",
                        "context.configure(\n            connection=connection, target_metadata=target_metadata, "
                        "compare_type=True")
    open(env, "w").write(text)
    name = "bench_alembic_" + dialect
    url = fresh_db(dialect, work, name)
    cfg = Config()
    cfg.set_main_option("script_location", proj)
    cfg.set_main_option("sqlalchemy.url", sa_url(url).replace("%", "%%"))
    # The database at A (Alembic compares a live database at head).
    eng = sa.create_engine(sa_url(url))
    sys.path.insert(0, models_dir)
    import models_a
    models_a.metadata.create_all(eng)
    eng.dispose()
    import models_b  # noqa: F401  (imported before the clock, as env.py will)
    times = []
    for _ in range(reps):
        versions = os.path.join(proj, "versions")
        for fn in os.listdir(versions):
            os.remove(os.path.join(versions, fn))
        t0 = time.perf_counter()
        command.revision(cfg, message="bench", autogenerate=True)
        times.append(time.perf_counter() - t0)
    drop_db(dialect, name)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/bin/strata")
    ap.add_argument("--tables", type=int, default=500)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--dialect", action="append")
    args = ap.parse_args()
    dialects = args.dialect or (["sqlite", "postgresql"] if os.environ.get("STRATA_TEST_PG_URL") else ["sqlite"])
    strata = os.path.abspath(args.strata)
    work = tempfile.mkdtemp(prefix="strata-autogen-bench-")
    try:
        models_dir = os.path.join(work, "models")
        os.makedirs(models_dir)
        with open(os.path.join(models_dir, "models_a.py"), "w") as f:
            f.write(models_source(args.tables, False))
        with open(os.path.join(models_dir, "models_b.py"), "w") as f:
            f.write(models_source(args.tables, True))
        print("revision --autogenerate, %d tables, median of %d" % (args.tables, args.reps))
        print("| dialect | Strata | Alembic 1.8 | Alembic / Strata | goal | changes found |")
        print("|---|---|---|---|---|---|")
        for d in dialects:
            s, found = bench_strata(strata, d, work, models_dir, args.reps)
            a = bench_alembic(d, work, models_dir, args.reps)
            goal = 1.0 if d == "sqlite" else 3.0
            print("| %s | %.2f s | %.2f s | %.1fx | < %.0f s: %s | %d |" %
                  (d, s, a, a / s, goal, "met" if s < goal else "NOT met", found))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
