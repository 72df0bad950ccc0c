#!/usr/bin/env bash
# Assembles the seed corpus of one fuzz target into OUT_DIR: the repo's hand-written seeds
# (fuzz/seeds/TARGET), the kept crash inputs (fuzz/regressions/TARGET), the repo's data/ files of
# that format and the fixtures in ${LLMEDIT_SHARED:-../shared} (read in place, copied only into
# OUT_DIR, which lives outside the repo). Files over 1 MiB are left out: they slow every mutation.
set -euo pipefail
target=$1 out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${LLMEDIT_SHARED:-$root/../shared}
mkdir -p "$out"
sources=("$root/fuzz/seeds/$target" "$root/fuzz/regressions/$target")
case $target in
  safetensors) sources+=("$shared/fixtures/hf-tiny"); pattern='*.safetensors' ;;
  tokenizer) sources+=("$shared/fixtures/tokenizers"); pattern='tokenizer.json' ;;
  config) sources+=("$shared/fixtures/hf-tiny" "$root/data/models"); pattern='config.json' ;;
  mc_csv) sources+=("$shared/data/arcmmlu" "$root/data/world/mc"); pattern='*.csv' ;;
  atoke) sources+=("$shared/data/atoke-example" "$root/data/world/atoke"); pattern='*.json' ;;
  qa_dataset) sources+=("$shared/data/knowundo-privacy" "$root/data/world/knowundo" "$root/data/world/qa"
                        "$root/data/world/tofu"); pattern='*.json*' ;;
  *) echo "corpus.sh: unknown target '$target'" >&2; exit 2 ;;
esac
n=0
for dir in "${sources[@]}"; do
  [ -d "$dir" ] || continue
  # Seeds and regressions are taken whatever their name; fixtures only by the format's pattern.
  name_filter=(-name "$pattern")
  case $dir in "$root/fuzz/"*) name_filter=() ;; esac
  while IFS= read -r -d '' file; do
    # Named by content so that the same file reached twice is one seed.
    cp "$file" "$out/$(sha1sum "$file" | cut -c1-40)"
    n=$((n + 1))
  done < <(find "$dir" -type f "${name_filter[@]}" -size -1025k ! -name '.*' ! -name README.md -print0)
done
echo "corpus.sh: $target: $n seed files into $out"
