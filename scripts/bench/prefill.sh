#!/usr/bin/env bash
# Builds and runs the chunked-prefill benchmark (see prefill_bench.cpp).
# Usage: scripts/bench/prefill.sh [batch] [seq]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_prefill_bench -j"$(nproc)" >/dev/null
"$build/bench_prefill_bench" "$@"
