#!/usr/bin/env python3
"""What `strata <op>` does in bench/run.sh, done by Alembic in-process.

  alembic_bench.py OP OUTDIR     (OUTDIR as written by gen_chain.py)

OP: heads | history | upgrade (base:heads --sql) | downgrade (heads:base
--sql) | current (on a database stamped at head). Prints wall ms and peak MB.
"""
import io
import resource
import sys
import time

from alembic import command
from alembic.config import Config

op, out = sys.argv[1], sys.argv[2]
# Output (and offline SQL) go to buffers, not the terminal.
cfg = Config(out + "/alembic.ini", output_buffer=io.StringIO(), stdout=io.StringIO())
t0 = time.perf_counter()
if op == "heads":
    command.heads(cfg)
elif op == "history":
    command.history(cfg)
elif op == "upgrade":
    command.upgrade(cfg, "base:heads", sql=True)
elif op == "downgrade":
    command.downgrade(cfg, "heads:base", sql=True)
elif op == "current":
    command.current(cfg)
elif op == "stamp":
    command.stamp(cfg, "heads")
else:
    sys.exit("unknown op " + op)
t1 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print("total_ms=%.1f peak_mb=%.1f" % ((t1 - t0) * 1000, peak))
