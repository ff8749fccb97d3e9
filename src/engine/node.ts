/**
 * Node-only helpers for the CLI and tests: where the wasm binaries live, and installing the
 * `webgpu` package (Dawn) as navigator.gpu. Not imported by the app.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { BACKENDS, type BackendName } from '../config/fields.ts';

const require = createRequire(import.meta.url);

/** Directory of tfjs-backend-wasm's .wasm files, with the trailing slash setWasmPaths needs. */
export function nodeWasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

/**
 * Makes Dawn's WebGPU available as globalThis.navigator.gpu. backend: 'vulkan' (SwiftShader or a
 * real driver via VK_ICD_FILENAMES) or 'opengles' (llvmpipe; use featureLevel 'compatibility').
 * Returns an error message instead of throwing when Dawn cannot load.
 */
export async function installNodeWebGPU(backend: 'vulkan' | 'opengles' = 'vulkan'): Promise<string | undefined> {
  try {
    if (backend === 'vulkan' && !process.env.VK_ICD_FILENAMES) {
      const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
      const fs = await import('node:fs');
      if (fs.existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
    }
    if (backend === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
    const mod = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([`backend=${backend}`]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return undefined;
  } catch (e) {
    return (e as Error).message ?? String(e);
  }
}

/** Parses a backend list like "wasm,cpu" from the CLI. */
export function parseBackendList(s: string): BackendName[] {
  const names = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(BACKENDS as readonly string[]).includes(n))
      throw new Error(`unknown backend "${n}" (expected ${BACKENDS.join(', ')})`);
  return names as BackendName[];
}
