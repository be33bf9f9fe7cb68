#!/usr/bin/env python3
"""Writes one revision of N statements (a data revision: a table and N
INSERTs of ~120 bytes each) as a Strata project, and the same SQL for the
sqlite3 shell, so both can be timed on it.

  gen_statements.py N OUTDIR [transactional|nontransactional]

OUTDIR/strata/  alembic.toml + versions/<rev>.sql (upgrade -> strata.db)
OUTDIR/floor.sql  the same statements and version-table write, one transaction
"""
import os
import sys

n, out = int(sys.argv[1]), sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "transactional"
versions = os.path.join(out, "strata", "versions")
os.makedirs(versions, exist_ok=True)
rev = "a0b1c2d3e4f5"

stmts = ["CREATE TABLE data_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT, amount REAL);"]
for i in range(n - 1):
    stmts.append("INSERT INTO data_rows (id, name, note, amount) VALUES (%d, 'name-%d', "
                 "'a note; with a semicolon and ''quotes'' -- not a comment', %d.25);" % (i, i, i))
body = "\n".join(stmts) + "\n"

with open(os.path.join(versions, rev + "_data.sql"), "w") as f:
    f.write("-- Revision ID: %s\n-- Revises:\n-- Message: data\n" % rev)
    if mode == "nontransactional":
        f.write("-- Transactional: false\n")
    f.write("\n-- +upgrade\n")
    f.write(body)
    f.write("\n-- +downgrade\nDROP TABLE data_rows;\n")
with open(os.path.join(out, "strata", "alembic.toml"), "w") as f:
    f.write('[alembic]\nversion_locations = ["versions"]\n\n[databases.versions]\nurl = "sqlite:///strata.db"\n')
with open(os.path.join(out, "floor.sql"), "w") as f:
    f.write("BEGIN;\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));\n")
    f.write(body)
    f.write("INSERT INTO alembic_version (version_num) VALUES ('%s');\nCOMMIT;\n" % rev)
