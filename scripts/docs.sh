#!/usr/bin/env bash
# Renders the C++ API documentation (the installed headers: cmake/public_header_closure.cmake;
# the front page is libllmedit/llmedit.h) to HTML with doxygen, into
# ${LLMEDIT_BUILD_DIR:-build}/docs/html. Doxygen is optional (apt-get install doxygen): without it
# this says so and exits 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v doxygen >/dev/null; then
  echo "scripts/docs.sh: doxygen is not installed (apt-get install doxygen); nothing rendered" >&2
  exit 1
fi
out=${LLMEDIT_BUILD_DIR:-$root/build}/docs
mkdir -p "$out"
inputs=""
while read -r header; do inputs+=" $root/$header"; done \
  < <(cmake -DLLMEDIT_SOURCE_DIR="$root" -P "$root/cmake/list_public_headers.cmake")
version=$(sed -n 's/^project(llmedit VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
doxygen - <<DOXYFILE
PROJECT_NAME = llmedit
PROJECT_NUMBER = $version
OUTPUT_DIRECTORY = $out
INPUT = $inputs
FULL_PATH_NAMES = YES
STRIP_FROM_PATH = $root
STRIP_FROM_INC_PATH = $root
EXTRACT_ALL = YES
HAVE_DOT = NO
GENERATE_LATEX = NO
QUIET = YES
WARN_IF_UNDOCUMENTED = NO
DOXYFILE
echo "$out/html/index.html"
