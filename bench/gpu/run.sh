#!/usr/bin/env bash
# Runs the packed benchmark (bench/gpu/pack.sh) on a GPU server: Dawn on the server's Vulkan
# driver, wasm on its CPU, and PyTorch (CUDA when present) as the reference. Extra arguments go
# to the benchmark, e.g. --json bench-gpu.json, --quick, --presets micro.
#   PYTHON=python3            the python with torch (default: python3 on PATH)
#   VK_ICD_FILENAMES=...      pick a Vulkan driver (default: the loader's own discovery; if that
#                             finds only a software adapter, the first NVIDIA/AMD/Intel ICD file found)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
[ -x "$HERE/node" ] || { xz -dc "$HERE/node.xz" > "$HERE/node"; chmod +x "$HERE/node"; }
# The server's Vulkan loader if it has one, else the carried one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then export LD_LIBRARY_PATH="$HERE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
PY="${PYTHON:-$(command -v python3 || echo /usr/bin/python3)}"
cd "$HERE"
# Which adapter does Dawn see? A software one (SwiftShader, llvmpipe) or none: try the GPU vendors'
# ICD files one by one (VK_ICD_FILENAMES wins over the loader's search).
soft() { echo "$1" | grep -qiE '"ok":false|swiftshader|llvmpipe|lavapipe|"fallback":true'; }
A="$("$HERE/node" "$HERE/adapter.mjs")"
echo "adapter: $A"
if [ -z "${VK_ICD_FILENAMES:-}" ] && soft "$A"; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/nvidia*.json /etc/vulkan/icd.d/nvidia*.json \
             /usr/share/vulkan/icd.d/radeon*.json /usr/share/vulkan/icd.d/intel*.json; do
    [ -f "$icd" ] || continue
    B="$(VK_ICD_FILENAMES="$icd" "$HERE/node" "$HERE/adapter.mjs")"
    echo "adapter with $icd: $B"
    if ! soft "$B"; then export VK_ICD_FILENAMES="$icd"; break; fi
  done
fi
exec "$HERE/node" "$HERE/bench.mjs" --node webgpu-vulkan,wasm --chromium none --wasm-dir "$HERE/wasm/" --python "$PY" "$@"
