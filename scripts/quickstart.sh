#!/usr/bin/env bash
# Installs, builds and runs the quickstart: the shipped world model answers its world's forget
# and retain questions; the run folder's metrics.json holds the knowledge accuracy per split.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
cd "$root"
run=$("${LLMEDIT_BUILD_DIR:-$root/build}/llmedit" run configs/quickstart.json)
echo "run folder: $run"
cat "$run/summary.md"
