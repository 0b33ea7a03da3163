#!/usr/bin/env bash
# Packs what a GPU machine with no network needs to run the kit's WebGPU benches into .device/
# (git-ignored), to carry there with the working tree: Deno (xz), a node_modules without the
# packages the benches never load and without onnxruntime-node's other platforms (xz), and
# Debian's Vulkan loader (libvulkan1). The carry limit is 64 MiB; this prints the total.
#
#   bash tasks/device/pack.sh        # then, on the device: bash tasks/device/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.device
rm -rf "$out" && mkdir -p "$out"

deno_bin=$(readlink -f "$(command -v deno)")
xz -T0 -6 -c "$deno_bin" > "$out/deno.xz"

# Packages no bench imports (the notebook, figure, grading and bridge ones), and binaries for
# other platforms: deno runs with --node-modules-dir=manual there, so nothing is fetched.
tar -cf - \
  --exclude='node_modules/.deno/typescript@*' --exclude='node_modules/typescript' \
  --exclude='node_modules/.deno/openai@*' --exclude='node_modules/openai' \
  --exclude='node_modules/.deno/playwright-core@*' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/.deno/plotly.js-dist-min@*' --exclude='node_modules/plotly.js-dist-min' \
  --exclude='node_modules/.deno/parquet-wasm@*' --exclude='node_modules/parquet-wasm' \
  --exclude='node_modules/.deno/@cortex-js+*' --exclude='node_modules/@cortex-js' \
  --exclude='node_modules/.deno/wabt@*' --exclude='node_modules/wabt' \
  --exclude='*/bin/napi-v6/win32' --exclude='*/bin/napi-v6/darwin' \
  --exclude='*/bin/napi-v6/linux/arm64' --exclude='*providers_cuda*' \
  --exclude='*providers_tensorrt*' \
  node_modules | xz -T0 -6 > "$out/node_modules.tar.xz"

# The Vulkan loader (the device's NVIDIA driver brings the ICD, not always the loader).
loader=$(ls /usr/lib/x86_64-linux-gnu/libvulkan.so.1.* 2>/dev/null | head -n 1 || true)
if [ -z "$loader" ]; then
  echo "no Vulkan loader here: apt-get install libvulkan1, then pack again" >&2
  exit 1
fi
cp "$loader" "$out/libvulkan.so.1"

du -b "$out"/* | awk '{ s += $1; printf "%8.1f MiB  %s\n", $1 / 1048576, $2 } END { printf "%8.1f MiB  total (carry limit 64)\n", s / 1048576 }'
