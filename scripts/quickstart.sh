#!/usr/bin/env bash
# Installs, builds and runs the quickstart (configs/quickstart.json, a pipeline): the shipped world
# model is evaluated, unlearned with ga_gdr, npo_gdr and relearn, and each result evaluated; the
# comparison table is in the run folder's summary.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
cd "$root"
run=$("${LLMEDIT_BUILD_DIR:-$root/build}/llmedit" run configs/quickstart.json)
echo "run folder: $run"
cat "$run/summary.md"
