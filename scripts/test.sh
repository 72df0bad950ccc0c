#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test with CTest.
# Tests that need ../shared (or $LLMEDIT_SHARED) are reported as skipped when it is absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
(cd "${LLMEDIT_BUILD_DIR:-$root/build}" && ctest --output-on-failure -j"$(nproc)")
# Second build: the input parsers and their tests with ASan + UBSan (clang), and each fuzz
# target's seed and regression replay plus a few seconds of fuzzing (README "Sanitizers").
# LLMEDIT_SANITIZE_TESTS=0 skips it.
if [ "${LLMEDIT_SANITIZE_TESTS:-1}" != 0 ]; then
  bash "$root/scripts/sanitize_tests.sh"
fi
