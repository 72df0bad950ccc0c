#!/usr/bin/env bash
# The CTest entry of one fuzz target: replays the seed corpus and the kept regression inputs,
# then fuzzes for SECONDS. Any crash, leak, sanitizer report or hang (-timeout) fails the test
# and leaves the input under the work folder printed below.
set -euo pipefail
binary=$1 target=$2 seconds=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/llmedit-fuzz-$target-XXXXXX")
bash "$here/corpus.sh" "$target" "$work/corpus"
# The regression inputs first, one by one, so a failure names the file.
shopt -s nullglob
regressions=("$here/regressions/$target"/*)
if [ ${#regressions[@]} -gt 0 ]; then
  "$binary" -timeout=10 -rss_limit_mb=4096 "${regressions[@]}"
fi
source "$here/options.sh"
read -r -a options <<<"$(fuzz_options "$target" "$here")"
status=0
"$binary" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" "${options[@]}" \
  "$work/corpus" || status=$?
if [ $status -ne 0 ]; then
  echo "replay.sh: $target failed (exit $status); inputs kept in $work" >&2
  # CI keeps only its log: print each failing input (up to 64 KiB) so it can be replayed
  # elsewhere (base64 -d > input; fuzz_TARGET input).
  for artifact in "$work"/crash-* "$work"/oom-* "$work"/timeout-* "$work"/leak-*; do
    [ "$(stat -c %s "$artifact")" -le 65536 ] || continue
    echo "replay.sh: $(basename "$artifact"), base64:" >&2
    base64 -w 100 "$artifact" >&2
  done
  exit $status
fi
rm -rf "$work"
