#!/usr/bin/env bash
# Builds .gpukit/: everything the GPU benchmark needs on a machine with a GPU but without network,
# Node or node_modules (see scripts/gpu/README.md). Run from anywhere inside the checkout:
#   bash scripts/gpu/make-kit.sh
# Inputs (override with environment variables):
#   NODE_XZ   xz-compressed linux-x64 Node binary (default /tmp/gpukit/node.xz; else the local node, compressed)
#   DAWN_XZ   xz-compressed dawn.node (default /tmp/gpukit/dawn.node.xz; else node_modules/webgpu's, compressed)
#   TORCH_SCRIPT  the PyTorch reference (default ../shared/peer/torch_dlrm.py beside the checkout)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KIT="$ROOT/.gpukit"
NODE_XZ=${NODE_XZ:-/tmp/gpukit/node.xz}
DAWN_XZ=${DAWN_XZ:-/tmp/gpukit/dawn.node.xz}
TORCH_SCRIPT=${TORCH_SCRIPT:-$ROOT/../shared/peer/torch_dlrm.py}
MAX_BYTES=$((60 * 1024 * 1024))

[ "$(uname -m)" = x86_64 ] || echo "warning: building on $(uname -m); the kit's native parts must be linux-x64" >&2
rm -rf "$KIT"
mkdir -p "$KIT/debs" "$KIT/wasm"
cd "$ROOT"

echo "== bundle (rolldown): src-main/engine/gpu/kit-main.ts -> gpu-bench.mjs"
# tfjs-core, -backend-cpu, -backend-webgpu and -backend-wasm are inlined; dawn.node is loaded at run
# time from DLRM_DAWN_NODE, the wasm binaries from DLRM_WASM_DIR. The banner gives the ESM bundle the
# require/__dirname that the wasm backend's Emscripten loader uses under Node.
BANNER="import { createRequire as __kitRequire } from 'node:module'; import { fileURLToPath as __kitPath } from 'node:url'; import { dirname as __kitDir } from 'node:path'; const require = __kitRequire(import.meta.url); const __filename = __kitPath(import.meta.url); const __dirname = __kitDir(__filename);"
npx rolldown src-main/engine/gpu/kit-main.ts --platform node --format esm --no-code-splitting --minify \
  --banner "$BANNER" -o "$KIT/gpu-bench.mjs" >/dev/null
if grep -q "tfjs-node" "$KIT/gpu-bench.mjs" && grep -q "require(\"@tensorflow/tfjs-node" "$KIT/gpu-bench.mjs"; then
  echo "note: the bundle mentions tfjs-node (loaded only if present; it is not in the kit)"
fi

echo "== tfjs wasm binaries"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm \
   node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm "$KIT/wasm/"

echo "== dawn.node (xz)"
if [ -f "$DAWN_XZ" ]; then cp "$DAWN_XZ" "$KIT/dawn.node.xz"
else xz -T0 -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$KIT/dawn.node.xz"; fi

echo "== node (xz)"
if [ -f "$NODE_XZ" ]; then cp "$NODE_XZ" "$KIT/node.xz"
else
  echo "no $NODE_XZ: compressing the local node $(node --version) (slow)" >&2
  xz -T0 -9 -c "$(command -v node)" > "$KIT/node.xz"
fi

echo "== Vulkan/GL loader debs (Debian bookworm amd64)"
LISTS=/tmp/gpukit-apt-lists
mkdir -p "$LISTS/partial"
APT_OPTS=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$LISTS")
apt-get "${APT_OPTS[@]}" update >/dev/null
(cd "$KIT/debs" && apt-get "${APT_OPTS[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
ls "$KIT/debs"/libvulkan1_*.deb >/dev/null

echo "== PyTorch reference and the device script"
cp "$TORCH_SCRIPT" "$KIT/torch_dlrm.py"
cp "$ROOT/scripts/gpu/run-kit.sh" "$KIT/run-kit.sh"
chmod +x "$KIT/run-kit.sh"

SIZE=$(du -sb "$KIT" | cut -f1)
echo "== .gpukit: $((SIZE / 1024 / 1024)) MiB"
ls -la "$KIT"
if [ "$SIZE" -gt "$MAX_BYTES" ]; then echo "error: the kit is over 60 MiB" >&2; exit 1; fi
grep -qxF '/.gpukit/' "$ROOT/.git/info/exclude" 2>/dev/null || echo "remember: add /.gpukit/ to .git/info/exclude (and name .gpukit in the device call's carry)"
