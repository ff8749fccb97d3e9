#!/usr/bin/env bash
# Runs the packed benchmark (bench/gpu/pack.sh) on a GPU server: Dawn on the server's Vulkan
# driver, wasm on its CPU, and PyTorch (CUDA when present) as the reference. Extra arguments go
# to the benchmark, e.g. --json bench-gpu.json, --quick, --presets micro.
#   PYTHON=python3            the python with torch (default: python3 on PATH)
#   VK_ICD_FILENAMES=...      pick a Vulkan driver (default: the loader's own discovery)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
[ -x "$HERE/node" ] || { xz -dc "$HERE/node.xz" > "$HERE/node"; chmod +x "$HERE/node"; }
# The server's Vulkan loader if it has one, else the carried one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then export LD_LIBRARY_PATH="$HERE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
PY="${PYTHON:-$(command -v python3 || echo /usr/bin/python3)}"
cd "$HERE"
exec "$HERE/node" "$HERE/bench.mjs" --node webgpu-vulkan,wasm --chromium none --wasm-dir "$HERE/wasm/" --python "$PY" "$@"
