/** Backend setup for the engine tests in Node: cpu always, wasm from node_modules, webgpu via Dawn (GLES) where it loads. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let wasmReady = false;
let webgpuReason: string | undefined | null = null; // null: not tried yet

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export async function useWasm(): Promise<void> {
  if (!wasmReady) {
    // setWasmPaths needs the directory with a trailing slash.
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmReady = true;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialize');
  await tf.ready();
}

/**
 * Installs Dawn's WebGPU from the `webgpu` package (OpenGL ES through Mesa, compatibility mode:
 * this machine has no Vulkan device Dawn accepts) and selects tfjs' webgpu backend.
 * Returns undefined on success or the reason it is unavailable.
 */
export async function tryWebGPU(): Promise<string | undefined> {
  if (webgpuReason === null) webgpuReason = await installWebGPU();
  if (webgpuReason) return webgpuReason;
  const ok = await tf.setBackend('webgpu').catch((e: Error) => e.message);
  if (ok !== true) return `tf.setBackend('webgpu') failed: ${String(ok)}`;
  await tf.ready();
  return undefined;
}

async function installWebGPU(): Promise<string | undefined> {
  try {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const mod = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create(['backend=opengles']);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    if (!adapter) return 'Dawn found no WebGPU adapter (tried OpenGL ES, compatibility mode)';
    const lim = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
      },
    });
    const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 1);
    return undefined;
  } catch (e) {
    return `the webgpu package could not load: ${(e as Error).message}`;
  }
}

/** Max |a - b| / max(1, |b|) over two arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}
