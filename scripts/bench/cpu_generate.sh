#!/usr/bin/env bash
# Builds and runs the CPU generation benchmark (see cpu_generate_bench.cpp): prefill and decode
# tokens/s of a ~25M-parameter random Llama in float32, bfloat16 and W8A8, batch 1 and 16, as
# ratios to float32. Usage: scripts/bench/cpu_generate.sh [prompt_tokens] [new_tokens] [repeats] [threads]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_cpu_generate_bench -j"$(nproc)" >/dev/null
"$build/bench_cpu_generate_bench" "$@"
