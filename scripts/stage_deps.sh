#!/usr/bin/env bash
# Stages what a build on a machine without Debian's packages needs (the GPU machine: only a
# CUDA PyTorch there) into ./stage (git-ignored): header-only libraries (nlohmann-json, CLI11,
# Catch2 v2 and its CMake test discovery, spdlog + fmt used header-only), libsentencepiece's,
# libcurl's and SQLite's headers and shared libraries, and, for the tests, the hf-tiny and stories260K fixtures.
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
# libcurl (the openai chat provider's HTTPS client) and the libraries it loads, except glibc's own
# (the build links with DT_RPATH to stage/lib, which reaches these too).
cp -r /usr/include/x86_64-linux-gnu/curl "$stage/include/"
cp -L /usr/lib/x86_64-linux-gnu/libcurl.so "$stage/lib/libcurl.so"
cp -L /usr/lib/x86_64-linux-gnu/libcurl.so.4 "$stage/lib/libcurl.so.4"  # its SONAME
ldd /usr/lib/x86_64-linux-gnu/libcurl.so | awk '$3 ~ /^\// {print $1, $3}' | while read -r name path; do
  case "$name" in libc.so*|libm.so*|libresolv.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*) continue ;; esac
  cp -L "$path" "$stage/lib/$name"
done
# SQLite (the run index).
cp /usr/include/sqlite3.h /usr/include/sqlite3ext.h "$stage/include/"
cp -L /usr/lib/x86_64-linux-gnu/libsqlite3.so "$stage/lib/libsqlite3.so"
cp -L /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 "$stage/lib/libsqlite3.so.0"
cp /usr/lib/cmake/Catch2/Catch.cmake /usr/lib/cmake/Catch2/CatchAddTests.cmake "$stage/cmake/"
if [ -d "$shared/fixtures" ]; then
  cp -r "$shared/fixtures/hf-tiny" "$shared/fixtures/models" "$stage/shared/fixtures/"
fi
du -sh "$stage"
