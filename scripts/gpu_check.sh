#!/usr/bin/env bash
# On a machine with a CUDA PyTorch 2.x (and ./stage from scripts/stage_deps.sh): builds llmedit
# against the wheel's LibTorch and runs the tests. Prints the build time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
build=$root/build-gpu
start=$(date +%s)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DLLMEDIT_STAGED_DEPS="$root/stage" 2>&1 | grep -E -A3 "Error|Generating done"
cmake --build "$build" -j"$(nproc)" 2>&1 | grep -E "error|warning:|Linking" || true
echo "build: $(( $(date +%s) - start )) s"
export LLMEDIT_SHARED=$root/stage/shared
cd "$build" && ctest -j8 2>&1 | tail -15
