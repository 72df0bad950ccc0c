#!/usr/bin/env bash
# Builds and runs the forward / forward+backward throughput benchmark (see forward_bench.cpp).
# Usage: scripts/bench/forward.sh [batch] [seq]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_forward -j"$(nproc)" >/dev/null
"$build/bench_forward" "$@"
