#!/usr/bin/env bash
# W8A8 accuracy on the shipped world model: quantizes data/models/world-tiny three ways with
# `llmedit quantize` (calibrated on the first 16 lines of data/world/corpus.txt), then reports
# perplexity on data/world/corpus.txt and 0-shot MC accuracy on data/world/mc for float32,
# bfloat16, plain W8A8 (absmax scales), W8A8 clipped without shadow, and W8A8 + shadow outliers
# (top 15% and all layers; per-tensor and per-channel weight scales).
# Usage: scripts/bench/quant_accuracy.sh [work_dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build}
work=${1:-$(mktemp -d)}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target llmedit_cli bench_quant_accuracy_bench -j"$(nproc)" >/dev/null
model=$root/data/models/world-tiny
corpus=$root/data/world/corpus.txt
quantize() { "$build/llmedit" quantize --model "$model" --calib "$corpus" --calib-samples 16 --out "$work/$1" "${@:2}" >/dev/null; }
quantize w8a8-absmax --clip-percentile 100 --shadow-fraction 0
quantize w8a8-clip --shadow-fraction 0
quantize w8a8-shadow --shadow-fraction 0.15
quantize w8a8-shadow-all --shadow-fraction 1
quantize w8a8-ch-shadow --weight-scale channel
"$build/bench_quant_accuracy_bench" "$corpus" "$root/data/world/mc" \
  "float32=$model" "bfloat16=$model@bfloat16" \
  "W8A8 (absmax scales, p100)=$work/w8a8-absmax" \
  "W8A8 (clip p99.9, no shadow)=$work/w8a8-clip" \
  "W8A8 + shadow outliers (clip p99.9, top 15%)=$work/w8a8-shadow" \
  "W8A8 + shadow outliers (clip p99.9, all layers)=$work/w8a8-shadow-all" \
  "W8A8 per-channel weights + shadow (top 15%)=$work/w8a8-ch-shadow"
