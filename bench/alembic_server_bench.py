#!/usr/bin/env python3
"""Alembic's `upgrade head` against a server, through its Python API, for
bench/servers.sh (as bench/alembic_bench.py does for SQLite).

  alembic_server_bench.py OUTDIR URL [OUTDIR URL ...]

OUTDIR as written by gen_server_chain.py; URL a SQLAlchemy URL of a fresh,
empty database (postgresql+psycopg2://..., mysql+pymysql://...). Several
pairs are upgraded one after the other (Alembic has no "both at once").
Prints total_ms: the command functions' wall time in this process, without
Python's start-up or the imports of alembic, sqlalchemy and the driver (which
favours Alembic). bench/servers.sh checks what the databases ended at.
"""
import io
import sys
import time

from alembic import command
from alembic.config import Config
import sqlalchemy  # noqa: F401  (imported before the clock starts)

pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
cfgs = []
for out, url in pairs:
    cfg = Config(out + "/alembic.ini", output_buffer=io.StringIO(), stdout=io.StringIO())
    cfg.set_main_option("sqlalchemy.url", url)
    cfgs.append(cfg)
# The drivers' imports happen on the first connect; do them before the clock.
for _, url in pairs:
    if url.startswith("postgresql"):
        import psycopg2  # noqa: F401
    else:
        import pymysql  # noqa: F401
t0 = time.perf_counter()
for cfg in cfgs:
    command.upgrade(cfg, "head")
t1 = time.perf_counter()
print("total_ms=%.1f" % ((t1 - t0) * 1000))
