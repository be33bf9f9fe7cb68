#!/usr/bin/env python3
"""Writes one linear revision chain for the server benchmark (bench/servers.sh)
three times over: as Strata .sql files, as an Alembic script directory, and
as the bare SQL bodies for the database's own client (the floor).

  gen_server_chain.py N OUTDIR [SEED]

Each revision: CREATE TABLE, CREATE INDEX, INSERT of 3 rows. The SQL is the
same for PostgreSQL and MariaDB, so one chain serves both dialects. SEED
(default 0) gives another chain of other ids (main vs analytics).

  OUTDIR/strata/versions/*.sql    Strata revisions (plain sections)
  OUTDIR/alembic/                 Alembic script directory (env.py, versions/*.py);
                                  the URL is set by bench/alembic_server_bench.py
  OUTDIR/floor.sql                the upgrade bodies only, in order, no
                                  version-table writes (psql -1 -f / mariadb <)
  OUTDIR/packed_pg.sql            the same, one request per revision (psql joins
  OUTDIR/packed_my.sql            statements on `\;`; mariadb sends what lies
                                  between DELIMITER marks as one multi-statement
                                  packet): the servers' own work, without the
                                  clients' round trips between statements
"""
import os
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
rng = random.Random(n * 7919 + seed * 104729 + 17)
strata_dir = os.path.join(out, "strata", "versions")
alembic_dir = os.path.join(out, "alembic")
os.makedirs(strata_dir, exist_ok=True)
os.makedirs(os.path.join(alembic_dir, "versions"), exist_ok=True)

ids = set()


def new_id():
    while True:
        i = "%012x" % rng.getrandbits(48)
        if i not in ids:
            ids.add(i)
            return i


def body(r):
    return [
        "CREATE TABLE t_%s (id INTEGER PRIMARY KEY, v VARCHAR(64) NOT NULL)" % r,
        "CREATE INDEX ix_%s ON t_%s (v)" % (r, r),
        "INSERT INTO t_%s (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')" % r,
    ]


revs = []
head = None
for _ in range(n):
    r = new_id()
    revs.append((r, head))
    head = r

floor = []
packed = []
for idx, (r, down) in enumerate(revs):
    stmts = body(r)
    floor += stmts
    packed.append(stmts)
    with open(os.path.join(strata_dir, "%s_r%d.sql" % (r, idx)), "w") as f:
        f.write("-- Revision ID: %s\n-- Revises: %s\n-- Message: r%d\n\n" % (r, down or "", idx))
        f.write("-- +upgrade\n" + "".join(s + ";\n" for s in stmts) + "\n")
        f.write("-- +downgrade\nDROP TABLE t_%s;\n" % r)
    with open(os.path.join(alembic_dir, "versions", "%s_r%d.py" % (r, idx)), "w") as f:
        f.write('"""r%d\n\nRevision ID: %s\n"""\nfrom alembic import op\n\n' % (idx, r))
        f.write("revision = %r\ndown_revision = %r\nbranch_labels = None\ndepends_on = None\n\n" % (r, down))
        f.write("def upgrade():\n" + "".join("    op.execute(%r)\n" % s for s in stmts) + "\n")
        f.write("def downgrade():\n    op.execute('DROP TABLE t_%s')\n" % r)

with open(os.path.join(alembic_dir, "env.py"), "w") as f:
    f.write("""from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
""")
with open(os.path.join(out, "alembic.ini"), "w") as f:
    f.write("[alembic]\nscript_location = %s\n" % alembic_dir)
with open(os.path.join(out, "floor.sql"), "w") as f:
    f.write("".join(s + ";\n" for s in floor))
with open(os.path.join(out, "packed_pg.sql"), "w") as f:
    f.write("".join(" \\;\n".join(st) + ";\n" for st in packed))
with open(os.path.join(out, "packed_my.sql"), "w") as f:
    f.write("DELIMITER //\n" + "".join(";\n".join(st) + "\n//\n" for st in packed))
with open(os.path.join(out, "head.txt"), "w") as f:
    f.write(head + "\n")
