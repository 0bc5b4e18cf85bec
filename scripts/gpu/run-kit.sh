#!/usr/bin/env bash
# Runs the GPU benchmark from the kit that scripts/gpu/make-kit.sh builds, on a linux-x64 machine
# with no network, Node or node_modules (an NVIDIA H100/H200 device machine, or here on llvmpipe).
#   bash .gpukit/run-kit.sh
# Writes $OUT/gpu-bench.log (everything printed) and $OUT/gpu-bench.json (summary).
# Environment:
#   OUT            output folder (default /tmp/kit-out)
#   KIT_SECONDS    timed seconds per configuration and backend (default 5)
#   KIT_PRESETS    default "criteo-kaggle terabyte";  KIT_BATCHES  default "2048 16384"
#   KIT_ROWS       rows per table (default 100000)
#   KIT_CPU        CPU path compared in the same run: wasm (default), cpu or none
#   KIT_NO_CUDA=1  skip nvidia-smi and the PyTorch CUDA reference (a machine without NVIDIA)
#   KIT_TORCH_STEPS  timed steps of each torch run (default 50)
#   KIT_PYTHON     the python with torch (default: the first of python3, /usr/bin/python3,
#                  /usr/local/bin/python3 that imports torch)
#   KIT_TORCH_DEVICE device of the torch runs (default cuda; cpu to try the kit on a machine without CUDA)
#   KIT_CONFIG_TIMEOUT  seconds allowed per node configuration (default 240)
#   KIT_DEADLINE   seconds the whole script may take (default 540): each step gets at most what is left
#                  minus 20 s, so the summary is always written before a 600 s device limit
set -uo pipefail
KIT=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/kit-out}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/kit-work.XXXXXX)
LOG="$OUT/gpu-bench.log"
: > "$LOG"
exec > >(tee -a "$LOG") 2>&1
SECONDS_PER=${KIT_SECONDS:-5}
PRESETS=${KIT_PRESETS:-criteo-kaggle terabyte}
BATCHES=${KIT_BATCHES:-2048 16384}
ROWS=${KIT_ROWS:-100000}
CPU=${KIT_CPU:-wasm}
TORCH_STEPS=${KIT_TORCH_STEPS:-50}
TORCH_DEVICE=${KIT_TORCH_DEVICE:-cuda}
# the first python that imports torch (a pyenv or venv python3 may come before the system one that has it)
PYTHON=${KIT_PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3 /usr/bin/python3 /usr/local/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import torch' >/dev/null 2>&1; then PYTHON=$candidate; break; fi
  done
  PYTHON=${PYTHON:-python3}
fi
CONFIG_TIMEOUT=${KIT_CONFIG_TIMEOUT:-240}
DEADLINE=${KIT_DEADLINE:-540}
START_TIME=$(date +%s)
budget() { # budget MAX -> seconds this step may take (0: none left)
  local left=$(( DEADLINE - ($(date +%s) - START_TIME) - 20 ))
  [ "$left" -lt 0 ] && left=0
  [ "$1" -lt "$left" ] && echo "$1" || echo "$left"
}
echo "== run-kit $(date -u +%FT%TZ) on $(uname -srm); kit $KIT; out $OUT"

unxz_to() { # file.xz -> destination (xz, else python3's lzma)
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

echo "== Vulkan loader"
if ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null; then
  echo "libvulkan.so.1 already installed: $(ldconfig -p | grep 'libvulkan.so.1' | head -1)"
else
  for f in "$KIT"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
  echo "unpacked $(ls "$KIT"/debs | tr '\n' ' ')"
fi
ICD_FOUND=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -z "$ICD_FOUND" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  echo "no NVIDIA ICD in the standard folders: VK_DRIVER_FILES=$VK_DRIVER_FILES"
fi
echo "Vulkan ICDs: ${VK_DRIVER_FILES:-$(ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | tr '\n' ' ')}"

echo "== node and dawn.node"
BIN=/tmp/kit-bin
mkdir -p "$BIN"
[ -x "$BIN/node" ] || { unxz_to "$KIT/node.xz" "$BIN/node" && chmod +x "$BIN/node"; }
[ -f "$BIN/dawn.node" ] || unxz_to "$KIT/dawn.node.xz" "$BIN/dawn.node"
NODE="$BIN/node"
"$NODE" --version || { echo "error: the kit's node does not run here"; }
export DLRM_DAWN_NODE="$BIN/dawn.node" DLRM_WASM_DIR="$KIT/wasm"

if [ -z "${KIT_NO_CUDA:-}" ]; then
  echo "== nvidia-smi -L"
  nvidia-smi -L || echo "(nvidia-smi failed)"
fi
if command -v vulkaninfo >/dev/null; then echo "== vulkaninfo --summary"; vulkaninfo --summary 2>&1 | head -40; fi

echo "== PyTorch reference (torch_dlrm.py bench)"
torch_args() { # preset name of this project -> torch_dlrm.py arguments
  case "$1" in
    criteo-kaggle) echo "--preset kaggle" ;;
    terabyte) echo "--preset kaggle --dim 128 --bot 13-512-256-128 --top 1024-1024-512-256-1" ;;
    course) echo "--preset course" ;;
    *) echo "" ;;
  esac
}
if [ -z "${KIT_NO_CUDA:-}" ] || [ "$TORCH_DEVICE" != cuda ]; then
  for preset in $PRESETS; do
    targs=$(torch_args "$preset")
    [ -n "$targs" ] || { echo "no torch preset for $preset"; continue; }
    for batch in $BATCHES; do
      echo "-- torch $preset batch $batch: $PYTHON torch_dlrm.py bench --device $TORCH_DEVICE --batch $batch $targs --table-rows $ROWS --steps $TORCH_STEPS"
      t=$(budget 120); [ "$t" -ge 10 ] || { echo "(skipped: deadline)"; continue; }
      PYTHONUNBUFFERED=1 timeout "$t" "$PYTHON" "$KIT/torch_dlrm.py" bench --device "$TORCH_DEVICE" --batch "$batch" $targs --table-rows "$ROWS" --steps "$TORCH_STEPS" \
        > "$WORK/torch-$preset-$batch.txt" 2>&1
      tail -3 "$WORK/torch-$preset-$batch.txt"
    done
  done
else
  echo "(skipped: KIT_NO_CUDA set)"
fi

echo "== GPU benchmark (the WebGPU step without tfjs, tfjs webgpu on Dawn, forced) and the $CPU path, one configuration per process"
# smaller batches first: the cheap configurations are measured even if time runs out
for batch in $BATCHES; do
  for preset in $PRESETS; do
    t=$(budget "$CONFIG_TIMEOUT"); [ "$t" -ge 15 ] || { echo "-- $preset batch $batch: skipped (deadline)"; continue; }
    echo "-- node gpu-bench.mjs --presets $preset --batches $batch --seconds $SECONDS_PER --rows $ROWS --cpu $CPU (timeout ${t}s)"
    timeout "$t" "$NODE" "$KIT/gpu-bench.mjs" --presets "$preset" --batches "$batch" --seconds "$SECONDS_PER" \
      --rows "$ROWS" --cpu "$CPU" --min-steps 2 --warmup 2 --json "$WORK/node-$preset-$batch.json" 2>&1 \
      | grep -v 'artificially reduced' | grep -v '^adapter limits'
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || echo "(exit status $rc; 124 means it ran past ${t}s)"
  done
done

echo "== the WebGPU step alone with the other dense-kernel blocks (llvmpipe's 8x16 blocks on a hardware GPU), criteo-kaggle"
for batch in $BATCHES; do
  t=$(budget 120); [ "$t" -ge 15 ] || { echo "-- batch $batch: skipped (deadline)"; continue; }
  echo "-- node gpu-bench.mjs --presets criteo-kaggle --batches $batch --no-tfjs --no-device-tables --cpu none --blocking cpu-adapter"
  timeout "$t" "$NODE" "$KIT/gpu-bench.mjs" --presets criteo-kaggle --batches "$batch" --seconds "$SECONDS_PER" --rows "$ROWS" \
    --no-tfjs --no-device-tables --cpu none --blocking cpu-adapter --min-steps 2 --warmup 2 --json "$OUT/step-cpu-adapter-blocking-$batch.json" 2>&1 \
    | grep -v 'artificially reduced' | grep -v '^adapter limits'
done

echo "== the WebGPU step alone with fp16 tables (half the table bytes, float32 arithmetic), criteo-kaggle"
for batch in $BATCHES; do
  t=$(budget 120); [ "$t" -ge 15 ] || { echo "-- batch $batch: skipped (deadline)"; continue; }
  echo "-- node gpu-bench.mjs --presets criteo-kaggle --batches $batch --no-tfjs --no-device-tables --cpu none --tables fp16"
  timeout "$t" "$NODE" "$KIT/gpu-bench.mjs" --presets criteo-kaggle --batches "$batch" --seconds "$SECONDS_PER" --rows "$ROWS" \
    --no-tfjs --no-device-tables --cpu none --tables fp16 --min-steps 2 --warmup 2 --json "$OUT/step-fp16-tables-$batch.json" 2>&1 \
    | grep -v 'artificially reduced' | grep -v '^adapter limits'
done

echo "== the WebGPU step on Criteo Kaggle's real table sizes (26 tables, 33.8M rows, 2.2 GB at d 16), batch 2048"
t=$(budget 240)
if [ "$t" -ge 40 ]; then
  timeout "$t" "$NODE" "$KIT/gpu-bench.mjs" --criteo-full --presets criteo-kaggle --batches 2048 --seconds "$SECONDS_PER" \
    --min-steps 3 --warmup 2 --json "$OUT/criteo-full.json" 2>&1 | grep -v 'artificially reduced' | grep -v '^adapter limits'
else
  echo "(skipped: deadline)"
fi

echo "== the same with fp16 tables (1.1 GB on the device), batch 2048"
t=$(budget 240)
if [ "$t" -ge 40 ]; then
  timeout "$t" "$NODE" "$KIT/gpu-bench.mjs" --criteo-full --tables fp16 --presets criteo-kaggle --batches 2048 --seconds "$SECONDS_PER" \
    --min-steps 3 --warmup 2 --json "$OUT/criteo-full-fp16.json" 2>&1 | grep -v 'artificially reduced' | grep -v '^adapter limits'
else
  echo "(skipped: deadline)"
fi

echo "== summary -> $OUT/gpu-bench.json"
"$NODE" - "$WORK" "$OUT/gpu-bench.json" "$PRESETS" "$BATCHES" "$TORCH_DEVICE" <<'JS'
const fs = require('node:fs');
const [work, outFile, presetList, batchList, torchDevice] = process.argv.slice(2);
const summary = { date: new Date().toISOString(), gpu: null, adapter: null, cpu: null, torchDevice, rows: [] };
for (const preset of presetList.split(/\s+/).filter(Boolean)) {
  for (const batch of batchList.split(/\s+/).filter(Boolean).map(Number)) {
    const row = { preset, batchSize: batch, stepSamplesPerSec: null, stepOverTfjs: null, stepOverTorch: null, stepKernels: null, webgpuSamplesPerSec: null, webgpuDeviceTablesSamplesPerSec: null, cpuSamplesPerSec: null,
      torchSamplesPerSec: null, webgpuOverCpu: null, webgpuOverTorch: null, deviceTablesOverTorch: null,
      webgpuPhasesMs: null, deviceTablesPhasesMs: null, transferMs: null, memory: null, errors: [], torchLine: null };
    const nodeFile = `${work}/node-${preset}-${batch}.json`;
    if (fs.existsSync(nodeFile)) {
      const j = JSON.parse(fs.readFileSync(nodeFile, 'utf8'));
      if (j.error) row.errors.push(j.error);
      const r = j.result;
      if (r) {
        summary.gpu = r.gpuDetail; summary.adapter = r.adapter; summary.cpu = r.cpuDetail;
        const x = r.rows[0];
        summary.stepDevice = r.stepDevice;
        if (x.step) {
          row.stepSamplesPerSec = x.step.samplesPerSec;
          row.stepOverTfjs = x.stepOverTfjs;
          row.stepKernels = x.step.kernels;
        }
        if (x.gpu) {
          row.webgpuSamplesPerSec = x.gpu.samplesPerSec;
          row.webgpuPhasesMs = { pool: x.gpu.poolMs, deviceAndRead: x.gpu.deviceMs, hostUpdates: x.gpu.updateMs };
          row.transferMs = x.gpu.transferMs;
          row.memory = { tensors: [x.gpu.tensorsBefore, x.gpu.tensorsAfter], gpuBytes: [x.gpu.gpuBytesBefore, x.gpu.gpuBytesAfter] };
        }
        if (x.gpuDeviceTables) {
          row.webgpuDeviceTablesSamplesPerSec = x.gpuDeviceTables.samplesPerSec;
          row.deviceTablesPhasesMs = { hostIndexWork: x.gpuDeviceTables.poolMs, deviceAndRead: x.gpuDeviceTables.deviceMs };
        }
        if (x.cpu) row.cpuSamplesPerSec = x.cpu.samplesPerSec;
        row.webgpuOverCpu = x.ratio;
        for (const e of [x.stepError, x.gpuError, x.gpuDeviceTablesError, x.cpuError]) if (e && !row.errors.includes(e)) row.errors.push(e);
      }
    } else row.errors.push('no result (timed out or crashed: see gpu-bench.log)');
    const torchFile = `${work}/torch-${preset}-${batch}.txt`; // torch_dlrm.py bench output
    if (fs.existsSync(torchFile)) {
      const text = fs.readFileSync(torchFile, 'utf8');
      const m = /samples_per_s=([0-9.]+)/.exec(text);
      row.torchSamplesPerSec = m ? Number(m[1]) : null;
      row.torchLine = text.split('\n').find((l) => l.startsWith('torch=')) ?? text.trim().split('\n').pop() ?? null;
      if (m && row.webgpuSamplesPerSec) row.webgpuOverTorch = row.webgpuSamplesPerSec / row.torchSamplesPerSec;
      if (m && row.stepSamplesPerSec) row.stepOverTorch = row.stepSamplesPerSec / row.torchSamplesPerSec;
      if (m && row.webgpuDeviceTablesSamplesPerSec) row.deviceTablesOverTorch = row.webgpuDeviceTablesSamplesPerSec / row.torchSamplesPerSec;
    }
    summary.rows.push(row);
  }
}
fs.writeFileSync(outFile, JSON.stringify(summary, null, 2));
const fmt = (v) => (v == null ? 'n/a' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
console.log(`gpu: ${summary.gpu}; step device: ${summary.stepDevice}; cpu: ${summary.cpu}; torch on ${torchDevice}`);
console.log('"step" is the WebGPU step without tfjs (gpu/dlrm-step); "webgpu" the tfjs WebGPU path with host tables');
console.log('preset          batch    step/s  step/torch  step/tfjs  webgpu/s  webgpu-devtab/s   cpu/s   torch/s  webgpu/cpu  webgpu/torch  devtab/torch');
for (const r of summary.rows) {
  console.log(`${r.preset.padEnd(15)} ${String(r.batchSize).padStart(5)} ${fmt(r.stepSamplesPerSec).padStart(9)} ${fmt(r.stepOverTorch).padStart(11)} ${fmt(r.stepOverTfjs).padStart(10)} ` +
    `${fmt(r.webgpuSamplesPerSec).padStart(9)} ${fmt(r.webgpuDeviceTablesSamplesPerSec).padStart(16)} ` +
    `${fmt(r.cpuSamplesPerSec).padStart(7)} ${fmt(r.torchSamplesPerSec).padStart(9)} ${fmt(r.webgpuOverCpu).padStart(11)} ${fmt(r.webgpuOverTorch).padStart(13)} ` +
    `${fmt(r.deviceTablesOverTorch).padStart(13)}${r.errors.length ? `  (${r.errors.join('; ')})` : ''}`);
}
for (const r of summary.rows) {
  if (r.stepKernels) {
    const total = r.stepKernels.reduce((a, k) => a + k.ms, 0);
    console.log(`step kernels ${r.preset} batch ${r.batchSize} (one step, ${total.toFixed(2)} ms): ` +
      [...r.stepKernels].sort((a, b) => b.ms - a.ms).map((k) => `${k.name} ${k.ms.toFixed(3)}`).join(', '));
  }
}
JS
rm -rf "$WORK"
echo "== done $(date -u +%FT%TZ) after $(( $(date +%s) - START_TIME )) s"
sleep 1 # let tee finish writing the log
