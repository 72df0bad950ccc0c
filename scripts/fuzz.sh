#!/usr/bin/env bash
# A longer fuzzing campaign of one target: scripts/fuzz.sh TARGET SECONDS [extra libFuzzer args]
# TARGET: safetensors, tokenizer, config, mc_csv, atoke or qa_dataset. Builds the fuzz target
# with clang, ASan and UBSan in the sanitizer build (build-sanitize, as scripts/sanitize_tests.sh,
# or $LLMEDIT_FUZZ_BUILD_DIR) when needed, keeps the growing corpus in that folder
# (fuzz-corpus/TARGET) and crash inputs in fuzz-artifacts/TARGET.
# A crash found here belongs in fuzz/regressions/TARGET once the parser is fixed.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LLMEDIT_FUZZ_BUILD_DIR:-$root/build-sanitize}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLLMEDIT_PARSERS_ONLY=ON -DLLMEDIT_FUZZ=ON -DLLMEDIT_SANITIZE=address,undefined
fi
cmake --build "$build" --target "fuzz_$target" -j"$(nproc)"
corpus=$build/fuzz-corpus/$target artifacts=$build/fuzz-artifacts/$target
mkdir -p "$corpus" "$artifacts"
bash "$root/fuzz/corpus.sh" "$target" "$build/fuzz-seeds/$target"
source "$root/fuzz/options.sh"
read -r -a options <<<"$(fuzz_options "$target" "$root/fuzz")"
# New inputs go to the first folder (the campaign's corpus); the seeds are only read.
exec "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "${options[@]}" "$@" "$corpus" "$build/fuzz-seeds/$target"
