#!/usr/bin/env bash
# Regenerates the shipped default model from nothing: the world (data/world), a SentencePiece
# tokenizer trained on it, and a small Llama trained on its QA items and corpus
# (configs/world/train.json). Result: data/models/world-tiny. Takes about 15 minutes on 2 cores (see README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
llmedit=${LLMEDIT:-${LLMEDIT_BUILD_DIR:-$root/build}/llmedit}
world=data/world
model=data/models/world-tiny
work=runs/world-tiny-$(date +%Y%m%d-%H%M%S)  # kept: the training log and checkpoints
mkdir -p "$work" data/models

"$llmedit" world --seed 1 --people 100 --orgs 12 --out "$world"
# The tokenizer sees the corpus and every QA item, holdout included: it is vocabulary, not knowledge.
"$llmedit" train-tokenizer --input "$world/corpus.txt" --input "$world/qa/world_qa.jsonl" \
  --vocab-size 1024 --out "$work/tokenizer"
run=$("$llmedit" --log-level info run configs/world/train.json \
  --set model.tokenizer="$work/tokenizer" --set output.dir="$work/run")
rm -rf "$model.new"
cp -r "$run/model" "$model.new"
cp "$run/metrics.json" "$model.new/training_metrics.json"
rm -rf "$model"
mv "$model.new" "$model"
du -sh "$model"
cat "$model/training_metrics.json"
