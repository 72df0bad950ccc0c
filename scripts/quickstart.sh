#!/usr/bin/env bash
# Installs, builds and runs the quickstart. Until the default model ships, it shows the CLI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
"${LLMEDIT_BUILD_DIR:-$root/build}/llmedit" --help
