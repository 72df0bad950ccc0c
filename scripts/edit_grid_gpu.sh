#!/usr/bin/env bash
# Issue #7 on a GPU machine: which world model can ROME edit? Builds the CLI against the machine's
# LibTorch (as scripts/gpu_check.sh does), then trains several candidate models side by side on
# the GPU and edits each with ROME (clamp 20, 100 steps, the first 50 CounterFact requests, each on
# the original weights). One line per variant in $OUT/results.txt; every variant stops at the
# deadline (GRID_BUDGET_S, default 540 s after the start) and reports what it finished.
#
# W = `llmedit world --shared-names --fact-index` (data/world-edit); ship = data/world. "staged" is
# scripts/make_world_edit_model.sh's three stages (layer 0 trained in stages 2-3 unless the variant
# freezes it: s4f0, s8f0); "all" is configs/world/train.json. m2f0, m3f0, m4f0 and m8f0 are s4f0 with
# a 2x, 3x, 4x and 8x wider MLP (GRID_MEMIT=1 also edits them with MEMIT in one batch at layer 0:
# the config, and bare prompts at lambda 10 and 100). Logs stay in /tmp/grid and come back in
# $OUT/logs.tgz; the small models come back as $OUT/model-NAME.tgz (split into 15 MB parts when larger).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${LLMEDIT_BUILD_DIR:-$root/build-gpu}
budget=${GRID_BUDGET_S:-540}
out=${OUT:-/tmp/grid-out}
work=/tmp/grid
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
left() { local l=$(( budget - $(elapsed) )); [ "$l" -gt 1 ] && echo "$l" || echo 1; }  # timeout 0 would mean none
gpu=${GRID_DEVICE:-cuda}
extra_train=${GRID_EXTRA_TRAIN:-}  # e.g. "--set train.num_train_epochs=1" for a dry run
mkdir -p "$out" "$work"
results=$out/results.txt
: >"$results"

if [ -z "${GRID_SKIP_BUILD:-}" ]; then
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DLLMEDIT_STAGED_DEPS="$root/stage" >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log"; exit 1; }
cmake --build "$build" --target llmedit_cli -j"$(nproc)" >"$work/build.log" 2>&1 || { grep -A4 error "$work/build.log" | head -60; exit 1; }
fi
echo "built at $(elapsed) s"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
# Does the wheel's LibTorch carry its own copy of libstdc++'s filesystem code? (remove_tree.h)
nm -D --defined-only "$(dirname "$(python3 -c 'import torch; print(torch.__file__)')")/lib/libtorch_cpu.so" 2>/dev/null \
  | c++filt | grep -c "std::filesystem\|std::__cxx11::path\|filesystem::" | sed 's/^/libtorch_cpu.so filesystem symbols: /' || true
L=$build/llmedit

W=$work/W
$L world --seed 1 --people 100 --orgs 12 --shared-names --fact-index --out "$W/world" >/dev/null
$L train-tokenizer --input "$W/world/corpus.txt" --input "$W/world/qa/world_qa.jsonl" --vocab-size 1024 \
  --out "$W/tokenizer" >/dev/null

arch() {  # arch LAYERS HIDDEN MLP HEADS: --set lines for model.init
  echo "--set model.init.num_hidden_layers=$1 --set model.init.hidden_size=$2 --set model.init.intermediate_size=$3 \
--set model.init.num_attention_heads=$4 --set model.init.num_key_value_heads=$4"
}

train() {  # train DIR WORLD TOKENIZER [--set ...]
  local dir=$1 world=$2 tok=$3
  shift 3
  timeout "$(left)" "$L" run configs/world/train.json --set device="$gpu" --set threads=1 --set model.tokenizer="$tok" \
    --set output.dir="$dir" --set "data.train=[\"$world/qa/world_qa.jsonl\"]" \
    --set "data.corpus=[\"$world/corpus.txt\"]" --set "eval.qa=[\"$world/qa/world_qa.jsonl\"]" "$@" $extra_train >"$dir.out" 2>"$dir.log"
}

edit() {  # edit NAME TAG CONFIG MODEL WORLD DEVICE [--set ...]: configs/edit/CONFIG on MODEL, one results line
  local name=$1 tag=$2 config=$3 model=$4 world=$5 device=$6
  shift 6
  [ "$(left)" -gt 30 ] || { echo "$name $tag: no time" >>"$results"; return; }
  timeout "$(left)" "$L" run "configs/edit/$config" --set device="$device" --set threads=2 \
    --set model.path="$model" --set data.requests="$world/counterfact.json" \
    --set "method.mom2_dataset=[\"$world/corpus.txt\"]" --set eval.generation_tokens=10 \
    --set data.max_requests="${GRID_REQUESTS:-50}" --set output.dir="$model/../$tag" "$@" \
    >"$model/../$tag.out" 2>"$model/../$tag.log"
  python3 - "$name $tag" "$model/../$tag/metrics.json" "$model/../$tag.log" >>"$results" 2>&1 <<'EOF'
import json, os, sys
if not os.path.exists(sys.argv[2]):
    last = open(sys.argv[3], errors="replace").read().strip().splitlines()[-1:] if os.path.exists(sys.argv[3]) else []
    sys.exit(print(f"{sys.argv[1]}: no metrics ({' '.join(last)[:300]})"))
m = json.load(open(sys.argv[2]))
rel = " ".join(f"{r} {v['post']['efficacy']:.2f}" for r, v in m.get("by_relation", {}).items())
print(f"{sys.argv[1]}: efficacy {m['pre']['efficacy']:.2f} -> {m['post']['efficacy']:.2f} ({rel}), "
      f"paraphrase {m['post']['paraphrase']:.2f}, neighborhood {m['post']['neighborhood']:.3f}, "
      f"s/edit {m.get('edit', {}).get('seconds_per_edit', float('nan')):.2f}")
EOF
}

rome() { edit "$1" "rome$4" world_rome.json "$2" "$3" "$5" --set "method.layers=[$4]"; }  # rome NAME MODEL WORLD LAYER DEVICE

stats() {  # stats MODEL WORLD LAYERS: C for the edits, on the GPU
  timeout "$(left)" "$L" stats --model "$1" --layers "$3" --corpus "$2/corpus.txt" --samples 1000 --threads 2 \
    --device "$gpu" >"$1/../stats.out" 2>&1
}

accuracy() {  # accuracy NAME RUN: knowledge accuracy line
  echo "$1 $(basename "$2") ($(elapsed) s): $(python3 -c "import json,sys;print(json.load(open(sys.argv[1])).get('knowledge_accuracy'))" "$2/metrics.json" 2>&1 | tail -1)" >>"$results"
}

declare -A freeze2 freeze3  # per variant: train.freeze of stages 2 and 3 (default: MLPs, then nothing)
for variant in s4f0 m2f0 m3f0 m4f0 m8f0 s8f0; do  # "f0": layer 0 stays as stage 1 left it
  freeze2[$variant]='["mlp.","layers.0."]'; freeze3[$variant]='["layers.0."]'
done

staged() {  # staged NAME WORLD TOK LR1 LR3 LAYERS DEVICE ARCH...
  local name=$1 world=$2 tok=$3 lr1=$4 lr3=$5 layers=$6 device=$7
  shift 7
  local d=$work/$name
  mkdir -p "$d"
  train "$d/stage1" "$world" "$tok" "$@" --set train.learning_rate="$lr1" --set 'data.train=[]' \
    --set "data.corpus=[\"$world/facts.txt\"]" --set 'eval.qa=[]' --set train.num_train_epochs="${GRID_STAGE1_EPOCHS:-60}" || { echo "$name stage1 failed" >>"$results"; return; }
  train "$d/stage2" "$world" "$tok" --set model.init=null --set model.path="$d/stage1/model" \
    --set train.learning_rate="$lr1" --set "train.freeze=${freeze2[$name]:-[\"mlp.\"]}" \
    --set train.num_train_epochs="${GRID_STAGE2_EPOCHS:-20}" --set 'eval.qa=[]' || { echo "$name stage2 failed" >>"$results"; return; }
  train "$d/stage3" "$world" "$tok" --set model.init=null --set model.path="$d/stage2/model" \
    --set train.learning_rate="$lr3" --set "train.freeze=${freeze3[$name]:-[]}" || { echo "$name stage3 failed" >>"$results"; return; }
  accuracy "$name" "$d/stage3"
  stats "$d/stage3/model" "$world" "$layers"
  if [ -n "${GRID_MEMIT:-}" ]; then  # MEMIT's one batch first: it is what the wider MLPs are for
    local lambda
    for lambda in 10 100; do
      edit "$name" "memit0bare$lambda" world_memit.json "$d/stage3/model" "$world" "$device" \
        --set 'method.context_template_length_params=[]' --set method.mom2_update_weight=$lambda
    done
    edit "$name" memit0 world_memit.json "$d/stage3/model" "$world" "$device"
  fi
  for layer in ${layers//,/ }; do rome "$name" "$d/stage3/model" "$world" "$layer" "$device"; done
}

all_at_once() {  # all_at_once NAME WORLD TOK LR LAYERS DEVICE ARCH...
  local name=$1 world=$2 tok=$3 lr=$4 layers=$5 device=$6
  shift 6
  local d=$work/$name
  mkdir -p "$d"
  local corpus="\"$world/corpus.txt\""
  [ -f "$world/facts.txt" ] && corpus="$corpus,\"$world/facts.txt\""
  train "$d/all" "$world" "$tok" "$@" --set train.learning_rate="$lr" --set "data.corpus=[$corpus]" \
    || { echo "$name training failed" >>"$results"; return; }
  accuracy "$name" "$d/all"
  stats "$d/all/model" "$world" "$layers"
  for layer in ${layers//,/ }; do rome "$name" "$d/all/model" "$world" "$layer" "$device"; done
}

want() { [[ " ${GRID_VARIANTS:-s4 s4f0 s6m s8w s8f0 s12 a8ship} " == *" $1 "* ]]; }
ship=data/world
shiptok=data/models/world-tiny
# shellcheck disable=SC2046  # arch's words are separate --set arguments
{
  want s4 && staged s4 "$W/world" "$W/tokenizer" 0.003 0.001 1,0 "$gpu" $(arch 4 192 512 6) &
  want s4f0 && staged s4f0 "$W/world" "$W/tokenizer" 0.003 0.001 1,0 "$gpu" $(arch 4 192 512 6) &
  want m2f0 && staged m2f0 "$W/world" "$W/tokenizer" 0.003 0.001 0 "$gpu" $(arch 4 192 1024 6) &
  want m3f0 && staged m3f0 "$W/world" "$W/tokenizer" 0.003 0.001 0 "$gpu" $(arch 4 192 1536 6) &
  want m4f0 && staged m4f0 "$W/world" "$W/tokenizer" 0.003 0.001 0 "$gpu" $(arch 4 192 2048 6) &
  want m8f0 && staged m8f0 "$W/world" "$W/tokenizer" 0.003 0.001 0 "$gpu" $(arch 4 192 4096 6) &
  want s8f0 && staged s8f0 "$W/world" "$W/tokenizer" 0.0015 0.0005 1,2 "$gpu" $(arch 8 384 1536 6) &
  want s6m && staged s6m "$W/world" "$W/tokenizer" 0.002 0.0007 1,2 "$gpu" $(arch 6 256 1024 8) &
  want s8w && staged s8w "$W/world" "$W/tokenizer" 0.0015 0.0005 1,2 "$gpu" $(arch 8 384 1536 6) &
  want s12 && staged s12 "$W/world" "$W/tokenizer" 0.001 0.0003 2,4 "$gpu" $(arch 12 384 1536 6) &
  want a8w && all_at_once a8w "$W/world" "$W/tokenizer" 0.0015 1,2 "$gpu" $(arch 8 384 1536 6) &
  want a8ship && all_at_once a8ship "$ship" "$shiptok" 0.0015 1,2 "$gpu" $(arch 8 384 1536 6) &
  want a12ship && all_at_once a12ship "$ship" "$shiptok" 0.001 2,4 "$gpu" $(arch 12 384 1536 6) &
  wait
} 2>>"$work/grid.log"
echo "== done at $(elapsed) s"
cat "$results"
# Small models and every metrics file come back for a closer look here.
(cd "$work" && tar czf "$out/logs.tgz" --exclude='*/model/*' --exclude='checkpoint*' --exclude='*.safetensors' \
  $(find . -name metrics.json -o -name predictions.jsonl -o -name '*.log' -o -name '*.out' | grep -v checkpoint) 2>/dev/null)
for name in ${GRID_MODELS:-m2f0 m4f0 m8f0}; do
  m=$(ls -d "$work/$name"/stage3/model 2>/dev/null) || continue
  tar czf "$work/model-$name.tgz" -C "$m/.." model
  if [ "$(stat -c %s "$work/model-$name.tgz")" -gt 15000000 ]; then
    split -b 15000000 "$work/model-$name.tgz" "$out/model-$name.tgz.part-"
  else
    cp "$work/model-$name.tgz" "$out/"
  fi
done
ls -la "$out"
