#!/usr/bin/env bash
# llmedit's greedy tokens for stories260K equal those of an independent port of llama2.c's run.c.
# Exit 77 (skipped) without the fixtures or python3.
set -euo pipefail
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
bin=${LLMEDIT_SHARED:-$here/../../../shared}/fixtures/models/stories260K/stories260K.bin
[ -f "$bin" ] || { echo "SKIPPED: fixture not found: $bin"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not found"; exit 77; }
expected=$(python3 "$here/llama2c_run.py" "$bin" 24 | tr -d '[] ')
got=$("$cli" generate --model "$bin" --ids 1 --max-new-tokens 24 --greedy)
echo "reference port: $expected"
echo "llmedit:        $got"
[ "$expected" = "$got" ]
