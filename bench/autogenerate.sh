#!/usr/bin/env bash
# `revision --autogenerate` on a 500-table model set beside Alembic's own
# autogenerate (bench/autogenerate_bench.py), SQLite and, with
# STRATA_TEST_PG_URL set (scripts/servers.sh start prints it), PostgreSQL.
#   bench/autogenerate.sh [--tables N] [--reps N] [--dialect D ...]
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/autogenerate_bench.py --strata "${STRATA_BIN:-build/bin/strata}" "$@"
