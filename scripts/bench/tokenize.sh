#!/usr/bin/env bash
# Tokenizer speed: MB/s of encoding (one thread) for each tokenizer in
# ${LLMEDIT_SHARED:-../shared}/fixtures/tokenizers. Builds bench_tokenize_bench first.
#   BUILD_DIR (default build/)  MEGABYTES (default 4)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-$root/build}"
shared="${LLMEDIT_SHARED:-$root/../shared}"
fixtures="$shared/fixtures/tokenizers"
if [ ! -d "$fixtures" ]; then
  echo "tokenize.sh: $fixtures not found (set LLMEDIT_SHARED)" >&2
  exit 1
fi
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target bench_tokenize_bench -j "${JOBS:-2}"
"$build/bench_tokenize_bench" "$fixtures" "${MEGABYTES:-4}"
