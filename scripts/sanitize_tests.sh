#!/usr/bin/env bash
# The sanitizer build CI runs after the main one: the input parsers (safetensors, config.json,
# tokenizers, run configs, CSV and JSON datasets), their unit tests and the fuzz targets, built
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer into ./build-sanitize (or
# $LLMEDIT_SANITIZE_BUILD_DIR), then CTest: the tests, and each fuzz target replaying its seeds
# and kept crash inputs and fuzzing for LLMEDIT_FUZZ_SECONDS (default 8) seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LLMEDIT_SANITIZE_BUILD_DIR:-$root/build-sanitize}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLLMEDIT_PARSERS_ONLY=ON -DLLMEDIT_FUZZ=ON -DLLMEDIT_SANITIZE=address,undefined
fi
cmake "$build" -DLLMEDIT_FUZZ_SECONDS="${LLMEDIT_FUZZ_SECONDS:-8}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
