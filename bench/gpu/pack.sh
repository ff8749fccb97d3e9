#!/usr/bin/env bash
# Packs `npm run bench` for a GPU server that has no Node, no browser and no package registry:
# one bundled entry point (esbuild), this machine's Node binary (xz), Dawn's dawn.node (the `webgpu`
# package), the tfjs .wasm files, bench/torch_ref.py and run.sh, in one tarball well under 64 MB.
#
#   bench/gpu/pack.sh [OUT_DIR]        # default out/gpu-pack; writes OUT_DIR.tar.gz too
#   # on the server:  tar xzf gpu-pack.tar.gz && gpu-pack/run.sh --json bench-gpu.json
#
# Test it here on SwiftShader:  out/gpu-pack/run.sh --quick --presets nano --node webgpu-vulkan --no-torch
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-out/gpu-pack}"
rm -rf "$OUT" "$OUT.tar.gz"
mkdir -p "$OUT/node_modules/webgpu/dist/linux-x64" "$OUT/wasm" "$OUT/lib"

# 1. One ESM bundle. The tfjs wasm glue calls require('fs'): give the bundle a real require.
#    vite and playwright-core (the Chromium rows) and webgpu (a native addon) stay external.
npx esbuild src/cli/bench.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$OUT/bench.mjs" --log-level=warning \
  --external:webgpu --external:vite --external:playwright-core \
  --banner:js="import { createRequire as __crlCreateRequire } from 'node:module'; import { fileURLToPath as __crlToPath } from 'node:url'; const require = __crlCreateRequire(import.meta.url); const __filename = __crlToPath(import.meta.url); const __dirname = __crlToPath(new URL('.', import.meta.url));"

# 2. Node itself (xz: ~100 MB -> ~25 MB), unpacked by run.sh on first use.
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$OUT/node.xz"

# 3. Dawn for Node (linux-x64 only) and the Vulkan loader, used only if the server lacks one.
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$OUT/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$OUT/node_modules/webgpu/dist/linux-x64/"
cp -L /usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$OUT/lib/" 2>/dev/null || true

# 4. The wasm backend's binaries (wasm is the baseline on the same machine) and the PyTorch reference.
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$OUT/wasm/"
cp bench/torch_ref.py "$OUT/"
cp bench/gpu/run.sh bench/gpu/adapter.mjs "$OUT/"
chmod +x "$OUT/run.sh"

tar czf "$OUT.tar.gz" -C "$(dirname "$OUT")" "$(basename "$OUT")"
echo "packed $OUT ($(du -sh "$OUT" | cut -f1) unpacked) and $OUT.tar.gz ($(du -h "$OUT.tar.gz" | cut -f1))"
