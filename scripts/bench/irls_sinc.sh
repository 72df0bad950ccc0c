#!/usr/bin/env bash
# Robust regression on sinc (DESIGN.md §6): RMSE of LS-SVR, weighted LS-SVR, IRLS-LS-SVR, ELM and
# IRLS-ELM against the clean sinc at 0-40% outliers, 20 seeds each, as a mean ± std table.
# Builds bench_irls_sinc_bench first (in $LLMEDIT_BUILD_DIR, default build/); arguments go to it
# (--seeds N, --n N, --C X, --sigma X, --L N, --elm-C X, --scale X, --activation A, --weights W).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${LLMEDIT_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target bench_irls_sinc_bench -j "${JOBS:-2}" >/dev/null
"$build/bench_irls_sinc_bench" "$@"
