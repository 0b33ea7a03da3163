#!/usr/bin/env bash
# Runs the WebGPU measurement (issue 14, item 5) on a machine with a GPU and no network, from
# what tasks/device/pack.sh put in .device/: the train step and batched decode on configs M and
# 0.6B (Qwen3-0.6B's shape) on onnxruntime's WebGPU provider, with the MatMul peak measured on
# the same provider. Writes every bench's output under $OUT (default .device/out).
#
#   bash tasks/device/run.sh [configs]     # configs default: M,0.6B
#   RUNS=1 BATCHES=1 PEAK_SIZE=512 bash tasks/device/run.sh S   # a quick check (e.g. on lavapipe)
set -uo pipefail
cd "$(dirname "$0")/../.."
configs=${1:-M,0.6B}
runs=${RUNS:-5} batches=${BATCHES:-1,8,32} peak=${PEAK_SIZE:-auto}
out=${OUT:-.device/out}
mkdir -p "$out"
work=$(mktemp -d)
log() { echo "$@" | tee -a "$out/run.log"; }

xz -dc .device/deno.xz > "$work/deno" && chmod +x "$work/deno"
[ -d node_modules ] || tar -xJf .device/node_modules.tar.xz
mkdir -p "$work/lib" && cp .device/libvulkan.so.1 "$work/lib/"
export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work}" DENO_DIR="$work/deno_dir"
deno=("$work/deno" run --node-modules-dir=manual --cached-only --allow-all)

log "== $(date -u +%FT%TZ) $(uname -m)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$out/run.log"
log "Vulkan ICDs: $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | tr '\n' ' ')"
# Whether the provider finds an adapter at all, before the long runs.
"${deno[@]}" tasks/bench.ts rollout --configs S --batches 1 --runs 1 --new 8 --ep webgpu \
  --peak-size 1024 > "$out/probe.txt" 2>&1
log "probe: rc $? ($(grep -m1 -E 'webgpu:|error' "$out/probe.txt"))"
"${deno[@]}" tasks/bench.ts model --configs "$configs" --ep webgpu --runs "$runs" \
  --peak-size "$peak" > "$out/bench_model.txt" 2>&1
log "bench model: rc $?"
"${deno[@]}" tasks/bench.ts rollout --configs "$configs" --batches "$batches" --runs "$runs" \
  --ep webgpu --peak-size "$peak" > "$out/bench_rollout.txt" 2>&1
log "bench rollout: rc $?"
grep -hE '^\{' "$out"/bench_*.txt | tee "$out/records.jsonl"
