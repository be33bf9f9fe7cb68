#!/usr/bin/env bash
# Installs what is missing, builds Strata, and upgrades both example
# databases (main and analytics, SQLite files under var/) to head.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p var
build/bin/strata upgrade head
echo
build/bin/strata current
