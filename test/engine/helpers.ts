/** Backend setup for the engine tests in Node: cpu always, wasm from node_modules, webgpu via Dawn (GLES) where it loads. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { initBackend } from '../../src/engine/backend.ts';
import { installNodeWebGPU } from '../../src/engine/node.ts';

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
 * Installs Dawn's WebGPU from the `webgpu` package (OpenGL ES through Mesa, compatibility mode)
 * and selects tfjs' webgpu backend through the engine's own initBackend (which self-tests it).
 * Returns undefined on success or the reason it is unavailable.
 */
export async function tryWebGPU(): Promise<string | undefined> {
  if (webgpuReason === null) webgpuReason = (await installNodeWebGPU('opengles')) ?? undefined;
  if (webgpuReason) return webgpuReason;
  try {
    const st = await initBackend({ order: ['webgpu'], webgpuFeatureLevel: 'compatibility' });
    return st.name === 'webgpu' ? undefined : `selected ${st.name}`;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Max |a - b| / max(1, |b|) over two arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}
