#!/usr/bin/env bash
# On a machine with a CUDA GPU, PyTorch and transformers (and ./stage from scripts/stage_deps.sh,
# made on a Debian machine and copied over): builds llmedit's GPU bench against the wheel's
# LibTorch, then runs scripts/bench/gpu_vs_hf.py (llmedit vs transformers on a random
# Llama-3.2-1B-shaped model). Usage: scripts/bench/gpu_vs_hf.sh [--work DIR] [--repeats N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build-gpu}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
[ -d "$root/stage" ] || { echo "gpu_vs_hf.sh: $root/stage is missing; run scripts/stage_deps.sh first" >&2; exit 2; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DLLMEDIT_STAGED_DEPS="$root/stage" -DLLMEDIT_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_gpu_bench -j"$(nproc)" >/dev/null
python3 "$root/scripts/bench/gpu_vs_hf.py" --bench "$build/bench_gpu_bench" "$@"
