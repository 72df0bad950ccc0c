#!/usr/bin/env bash
# Regenerates the fact-editing world and model (issue #7): data/world-edit and
# data/models/world-tiny-edit, which configs/edit/ edit. world-tiny keeps its facts where ROME and
# MEMIT cannot reach them (README, "Fact editing"); this model has world-tiny's size and is
# trained so that each fact is recalled at the subject's last token, where they write.
#
# The world: `llmedit world --shared-names --fact-index`. People's names come from 20 first names
# and 25 surnames, so only the whole name identifies anyone and the model must compose it at the
# name's last token; facts.txt holds "<name> <value>." index entries, where the token after a name
# is the fact itself. Three stages, each configs/world/train.json with the overrides below:
#   1. facts.txt alone, 60 epochs from scratch: layer 0 learns to compose a name and the MLPs to
#      recall its facts right there;
#   2. every QA item and the corpus (the index entries included), 20 epochs, with layer 0 and
#      every MLP frozen: the later layers learn to read the facts at the name;
#   3. the same with only layer 0 frozen, 20 epochs at lr 1e-3, for what stage 2 could not fit.
# Keeping layer 0 as stage 1 left it is what makes ROME work (efficacy 0.96 at layer 0, 0.82 at
# layer 1; with layer 0 trained in every stage, 0.56 at layer 1): trained again, its attention
# copies the name to the prompt's last token and its MLP recalls the fact there, out of ROME's
# reach. 15-30 minutes on 2 cores; with THREADS=2 (the default) on the 2-core x86 machine it writes
# the shipped model.safetensors byte for byte (other thread counts may add up in another order).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
llmedit=${LLMEDIT:-${LLMEDIT_BUILD_DIR:-$root/build}/llmedit}
threads=${THREADS:-2}
world=data/world-edit
model=data/models/world-tiny-edit
work=${1:-runs/world-tiny-edit-$(date +%Y%m%d-%H%M%S)}  # kept: the tokenizer and each stage's run
mkdir -p "$work" data/models

"$llmedit" world --seed 1 --people 100 --orgs 12 --shared-names --fact-index --out "$world" >/dev/null
"$llmedit" train-tokenizer --input "$world/corpus.txt" --input "$world/qa/world_qa.jsonl" --vocab-size 1024 \
  --out "$work/tokenizer" >/dev/null
train() {  # train STAGE [--set ...]: configs/world/train.json on the edit world, with the stage's overrides
  local stage=$1
  shift
  "$llmedit" --log-level info run configs/world/train.json --set threads="$threads" --set output.dir="$work/$stage" \
    --set model.tokenizer="$work/tokenizer" --set "data.train=[\"$world/qa/world_qa.jsonl\"]" \
    --set "data.corpus=[\"$world/corpus.txt\"]" --set "eval.qa=[\"$world/qa/world_qa.jsonl\"]" "$@" >/dev/null
}
train stage1 --set 'data.train=[]' --set "data.corpus=[\"$world/facts.txt\"]" --set 'eval.qa=[]' \
  --set train.num_train_epochs=60
train stage2 --set model.init=null --set model.path="$work/stage1/model" --set 'train.freeze=["mlp.","layers.0."]' \
  --set 'eval.qa=[]'  # only stage 3's answers are kept
train stage3 --set model.init=null --set model.path="$work/stage2/model" --set 'train.freeze=["layers.0."]' \
  --set train.learning_rate=0.001
rm -rf "$model.new"
cp -r "$work/stage3/model" "$model.new"
cp "$work/stage3/metrics.json" "$model.new/training_metrics.json"
rm -rf "$model"
mv "$model.new" "$model"
du -sh "$model"
cat "$model/training_metrics.json"
