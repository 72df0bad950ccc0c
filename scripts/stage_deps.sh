#!/usr/bin/env bash
# Stages what a build on a machine without Debian's packages needs (the GPU machine: only a
# CUDA PyTorch there) into ./stage (git-ignored): header-only libraries (nlohmann-json, CLI11,
# Catch2 v2 and its CMake test discovery, spdlog + fmt used header-only), libsentencepiece's
# headers and shared library, and, for the tests, the hf-tiny and stories260K fixtures.
# Build there with -DLLMEDIT_STAGED_DEPS=$PWD/stage (see scripts/gpu_check.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$root/stage
shared=${LLMEDIT_SHARED:-$root/../shared}
rm -rf "$stage"
mkdir -p "$stage/include" "$stage/lib" "$stage/cmake" "$stage/shared/fixtures"
cp -r /usr/include/nlohmann /usr/include/CLI /usr/include/catch2 /usr/include/spdlog /usr/include/fmt "$stage/include/"
cp /usr/include/sentencepiece_processor.h /usr/include/sentencepiece_trainer.h "$stage/include/"
for lib in sentencepiece sentencepiece_train; do
  cp -L /usr/lib/x86_64-linux-gnu/lib$lib.so "$stage/lib/lib$lib.so"
  cp -L /usr/lib/x86_64-linux-gnu/lib$lib.so.0 "$stage/lib/lib$lib.so.0"  # the SONAME the module asks for
done
cp /usr/lib/cmake/Catch2/Catch.cmake /usr/lib/cmake/Catch2/CatchAddTests.cmake "$stage/cmake/"
if [ -d "$shared/fixtures" ]; then
  cp -r "$shared/fixtures/hf-tiny" "$shared/fixtures/models" "$stage/shared/fixtures/"
fi
du -sh "$stage"
