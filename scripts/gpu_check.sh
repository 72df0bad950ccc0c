#!/usr/bin/env bash
# The GPU session's one script (issue #11), for a machine with a CUDA PyTorch 2.x and transformers,
# and ./stage from scripts/stage_deps.sh (made on a Debian machine, carried over):
#   1. builds llmedit against the wheel's LibTorch (CUDA);
#   2. scripts/bench/gpu_vs_hf.py: llmedit's logits against transformers', then the timing table;
#   3. one ROME edit run through the CLI with device cuda and again with device cpu (metrics side by side);
#   4. builds the tests and runs them on the CPU, against this newer LibTorch.
# LLMEDIT_GPU_STEPS picks steps 2-4 (default "bench cli tests"); steps 3 and 4 are skipped once less
# time is left than they need, out of LLMEDIT_GPU_BUDGET_S (default 540 s). Logs go to build-gpu/logs, and as logs.tgz to $OUT when set (the device tool's folder).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LLMEDIT_BUILD_DIR:-$root/build-gpu}
logs=$build/logs
budget=${LLMEDIT_GPU_BUDGET_S:-540}
start=$(date +%s)
rm -rf "$logs" && mkdir -p "$logs"
[ -n "${OUT:-}" ] && trap 'tar czf "$OUT/logs.tgz" -C "$build" logs' EXIT
elapsed() { echo $(( $(date +%s) - start )); }
step() { echo "== $* (at $(elapsed) s)"; }
time_left_over() { [ $(( budget - $(elapsed) )) -gt "$1" ]; }
steps=" ${LLMEDIT_GPU_STEPS:-bench cli tests} "
wanted() { [[ "$steps" == *" $1 "* ]]; }

[ -d "$root/stage" ] || { echo "gpu_check.sh: $root/stage is missing; run scripts/stage_deps.sh first" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)'
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
jobs=$(nproc)
if command -v ninja >/dev/null; then generator=(-G Ninja); keep_going=(-k 0); else generator=(); keep_going=(-k); fi

step configure
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DLLMEDIT_STAGED_DEPS="$root/stage" >"$logs/configure.log" 2>&1 || { tail -40 "$logs/configure.log"; exit 1; }
step build the CLI and the GPU bench
if ! cmake --build "$build" --target bench_gpu_bench llmedit_cli -j"$jobs" -- "${keep_going[@]}" >"$logs/build.log" 2>&1; then
  grep -E -A4 "error|Error" "$logs/build.log" | head -120
  exit 1
fi

if wanted bench; then
  step gpu_vs_hf
  PYTHONUNBUFFERED=1 python3 "$root/scripts/bench/gpu_vs_hf.py" --bench "$build/bench_gpu_bench" --work /tmp/gpu-vs-hf \
    2>&1 | grep -v Warning | tee "$logs/gpu_vs_hf.txt"
  rm -rf /tmp/gpu-vs-hf
fi

if wanted cli && time_left_over 120; then
  step ROME through the CLI, cuda and cpu
  for device in cuda cpu; do
    "$build/llmedit" run "$root/configs/edit/world_rome.json" --set device=$device --set threads=0 \
      --set data.max_requests=10 --set method.mom2_adjustment=false --set name=gpu-check-$device \
      >"$logs/edit-$device.out" 2>"$logs/edit-$device.log"
    echo "$device: exit $?, $(grep -m1 -i "s/edit\|error" "$logs/edit-$device.log")"
    folder=$(tail -1 "$logs/edit-$device.out")
    [ -f "$folder/metrics.json" ] && cp "$folder/metrics.json" "$logs/edit-metrics-$device.json"
  done
  python3 - "$logs" <<'EOF'
import json, os, sys
def flat(d, p=""):
    for k, v in d.items():
        if isinstance(v, dict): yield from flat(v, p + k + ".")
        elif isinstance(v, (int, float)): yield p + k, v
paths = [os.path.join(sys.argv[1], f"edit-metrics-{d}.json") for d in ("cuda", "cpu")]
if all(os.path.exists(p) for p in paths):
    cuda, cpu = (dict(flat(json.load(open(p)))) for p in paths)
    for k in sorted(cuda):
        if k in cpu and "second" not in k: print(f"  {k}: cuda {cuda[k]:.4g}  cpu {cpu[k]:.4g}")
EOF
fi

if wanted tests && time_left_over 150; then
  step build the tests
  if cmake --build "$build" --target llmedit_tests -j"$jobs" -- "${keep_going[@]}" >"$logs/build-tests.log" 2>&1; then
    step tests on the CPU
    (cd "$build" && CUDA_VISIBLE_DEVICES= LLMEDIT_SHARED="$root/stage/shared" \
      timeout $(( budget - $(elapsed) - 10 )) ctest -j8 --timeout 120 >"$logs/ctest.log" 2>&1)
    grep -E "tests passed|Failed|\*\*\*" "$logs/ctest.log" | head -40
    # The first failure's own output (Catch2 names the signal and the last passed assertion).
    first=$(grep -m1 -E 'Test +#[0-9]+: .*\*\*\*(Exception|Failed)' "$logs/ctest.log" | sed -E 's/.*Test +#([0-9]+):.*/\1/')
    [ -n "$first" ] && (cd "$build" && CUDA_VISIBLE_DEVICES= LLMEDIT_SHARED="$root/stage/shared" \
      timeout 60 ctest -I "$first,$first" --output-on-failure 2>&1 | tail -40)
  else
    grep -E -A4 "error|Error" "$logs/build-tests.log" | head -60
  fi
fi
step done
