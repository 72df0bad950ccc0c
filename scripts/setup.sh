#!/usr/bin/env bash
# Installs the Debian packages llmedit builds and tests with. Idempotent: does nothing when all
# are present. Run as root (or with sudo available).
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev          # LibTorch 1.13 (CPU)
  libopenblas0-openmp   # without it LibTorch multiplies with the reference BLAS, ~20x slower
  libsentencepiece-dev nlohmann-json3-dev libspdlog-dev catch2 libcli11-dev libsqlite3-dev
  libcurl4-openssl-dev  # HTTPS client of the openai chat provider
  chromium              # tests only: renders report.html headless to a PNG (skipped when absent)
  clang libclang-rt-14-dev llvm-14  # tests only: the ASan/UBSan build and libFuzzer (README "Sanitizers")
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
