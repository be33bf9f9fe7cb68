#!/usr/bin/env python3
"""Writes one revision chain twice: as Strata .sql files and as an Alembic
script directory, so both tools can be measured on the same graph.

  gen_chain.py N SHAPE OUTDIR      SHAPE: linear | branchy

branchy: every 100 revisions a branch point whose two lines are merged
again (1% branch points, 1% merge points). Each revision creates a table.
"""
import os
import random
import sys

n, shape, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(n * 7 + (1 if shape == "branchy" else 0))
strata_dir = os.path.join(out, "strata", "versions")
alembic_dir = os.path.join(out, "alembic")
os.makedirs(strata_dir, exist_ok=True)
os.makedirs(os.path.join(alembic_dir, "versions"), exist_ok=True)

revs = []  # (id, downs)
ids = set()


def new_id():
    while True:
        i = "%012x" % rng.getrandbits(48)
        if i not in ids:
            ids.add(i)
            return i


head = None
k = 0
while len(revs) < n:
    if shape == "branchy" and k % 100 == 99 and head is not None and len(revs) + 3 <= n:
        a, b, m = new_id(), new_id(), new_id()
        revs += [(a, [head]), (b, [head]), (m, [a, b])]
        head = m
        k += 3
        continue
    r = new_id()
    revs.append((r, [head] if head else []))
    head = r
    k += 1

for idx, (r, downs) in enumerate(revs):
    with open(os.path.join(strata_dir, "%s_r%d.sql" % (r, idx)), "w") as f:
        f.write("-- Revision ID: %s\n-- Revises: %s\n-- Message: r%d\n\n" % (r, ", ".join(downs), idx))
        f.write("-- +upgrade\nCREATE TABLE t_%s (id INTEGER PRIMARY KEY, v TEXT);\n\n" % r)
        f.write("-- +downgrade\nDROP TABLE t_%s;\n" % r)
    down = "None" if not downs else (repr(downs[0]) if len(downs) == 1 else repr(tuple(downs)))
    with open(os.path.join(alembic_dir, "versions", "%s_r%d.py" % (r, idx)), "w") as f:
        f.write('"""r%d\n\nRevision ID: %s\n"""\nfrom alembic import op\n\n' % (idx, r))
        f.write("revision = %r\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\n\n" % (r, down))
        f.write("def upgrade():\n    op.execute('CREATE TABLE t_%s (id INTEGER PRIMARY KEY, v TEXT)')\n\n" % r)
        f.write("def downgrade():\n    op.execute('DROP TABLE t_%s')\n" % r)

with open(os.path.join(out, "strata", "alembic.toml"), "w") as f:
    f.write('[alembic]\nversion_locations = ["versions"]\n\n[databases.versions]\nurl = "sqlite:///strata.db"\n')
with open(os.path.join(alembic_dir, "env.py"), "w") as f:
    f.write("""from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
""")
with open(os.path.join(out, "alembic.ini"), "w") as f:
    f.write("[alembic]\nscript_location = %s\nsqlalchemy.url = sqlite:///%s\n" % (alembic_dir, os.path.join(out, "alembic.db")))
# The same work for the sqlite3 shell: every upgrade and version-table
# write in one transaction (the physical floor).
with open(os.path.join(out, "floor.sql"), "w") as f:
    f.write("BEGIN;\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));\n")
    rows = set()
    for r, downs in revs:
        f.write("CREATE TABLE t_%s (id INTEGER PRIMARY KEY, v TEXT);\n" % r)
        present = [d for d in downs if d in rows]
        if not present:
            f.write("INSERT INTO alembic_version (version_num) VALUES ('%s');\n" % r)
        else:
            for d in present[:-1]:
                f.write("DELETE FROM alembic_version WHERE alembic_version.version_num = '%s';\n" % d)
                rows.discard(d)
            f.write("UPDATE alembic_version SET version_num='%s' WHERE alembic_version.version_num = '%s';\n" % (r, present[-1]))
            rows.discard(present[-1])
        rows.add(r)
    f.write("COMMIT;\n")
