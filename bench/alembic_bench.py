#!/usr/bin/env python3
"""The planner operations of planner_bench.cpp, done by Alembic.

  alembic_bench.py MODE OUTDIR     (OUTDIR as written by gen_chain.py)
"""
import resource
import sys
import time

from alembic.config import Config
from alembic.script import ScriptDirectory

mode, out = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
script = ScriptDirectory.from_config(Config(out + "/alembic.ini"))
rmap = script.revision_map
heads = rmap.heads  # forces loading every revision file
t1 = time.perf_counter()
if mode == "heads":
    result = len(script.get_heads())
elif mode == "history":
    result = len(list(script.walk_revisions()))
elif mode == "upgrade":
    result = len(script._upgrade_revs("heads", ()))
elif mode == "downgrade":
    result = len(script._downgrade_revs("base", tuple(script.get_heads())))
elif mode == "current":
    result = len(script.get_all_current(tuple(script.get_heads()))) + len(script._upgrade_revs("heads", tuple(script.get_heads())))
else:
    sys.exit("unknown mode " + mode)
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print("load_ms=%.1f op_ms=%.1f total_ms=%.1f peak_mb=%.1f result=%d" % ((t1 - t0) * 1000, (t2 - t1) * 1000, (t2 - t0) * 1000, peak, result))
