#!/usr/bin/env bash
# Editing benchmark on a ~25M-parameter Llama (d 512, 8 layers, ffn 1408): forward and key
# statistics throughput (edit_bench.cpp), then ROME (one request at a time) and MEMIT (one batch)
# seconds per edit through `llmedit run`, statistics excluded (computed first by llmedit stats).
# Usage: scripts/bench/edit.sh [requests]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build}
requests=${1:-10}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_edit_bench llmedit_cli -j"$(nproc)" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
"$build/bench_edit_bench" "$work/model" "$root"
"$build/llmedit" stats --model "$work/model" --layers 1,2 --corpus data/world/corpus.txt --samples 1000 \
  --stats-dir "$work/stats" >/dev/null
for method in rome memit; do
  mode=sequential_restore layers=[2]
  [ "$method" = memit ] && mode=batch layers=[1,2]
  "$build/llmedit" run configs/edit/world_$method.json --set model.path="$work/model" --set threads=0 \
    --set data.max_requests="$requests" --set edit.mode=$mode --set method.stats_dir="$work/stats" \
    --set method.layers=$layers --set eval.enabled=false --set output.dir="$work/run-$method" >/dev/null
  python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['edit']; print(f\"{sys.argv[2]}: {m['seconds_per_edit']:.2f} s per edit ({m['requests']} requests, {m['mode']})\")" \
    "$work/run-$method/metrics.json" "$method"
done
