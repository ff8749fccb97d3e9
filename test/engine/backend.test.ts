import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { backendLabel, initBackend } from '../../src/engine/backend.ts';
import { installNodeWebGPU, nodeWasmDir } from '../../src/engine/node.ts';

describe('backend selection', () => {
  it('skips webgpu with a reason when there is no navigator.gpu, then runs wasm and passes its self-test', async () => {
    const hadNavigator = 'navigator' in globalThis && (globalThis as any).navigator?.gpu;
    if (hadNavigator) return; // another test installed Dawn; covered below
    const st = await initBackend({ order: ['webgpu', 'wasm', 'cpu'], wasmPaths: nodeWasmDir() });
    expect(st.name).toBe('wasm');
    expect(st.skipped).toEqual([{ name: 'webgpu', reason: 'no navigator.gpu' }]);
    expect(st.selfTest.ok).toBe(true);
    expect(st.selfTest.maxRelDiff).toBeLessThan(1e-4);
    expect(st.label).toBe('wasm: WebGPU unavailable: no navigator.gpu');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('labels a WebGPU fallback adapter and a compatibility adapter readably', () => {
    const adapter = {
      vendor: 'google',
      architecture: 'swiftshader',
      description: 'SwiftShader Device (Subzero)',
      isFallbackAdapter: true,
      featureLevel: 'core' as const,
    };
    expect(backendLabel({ name: 'webgpu', adapter, skipped: [], selfTest: { ok: true, maxRelDiff: 0, ms: 1 } })).toBe(
      'WebGPU · SwiftShader (fallback adapter)',
    );
    expect(
      backendLabel({
        name: 'webgpu',
        adapter: {
          ...adapter,
          description: 'llvmpipe',
          vendor: 'mesa',
          architecture: '',
          isFallbackAdapter: false,
          featureLevel: 'compatibility',
        },
        skipped: [],
        selfTest: { ok: true, maxRelDiff: 0, ms: 1 },
      }),
    ).toBe('WebGPU · llvmpipe (compatibility mode)');
    expect(
      backendLabel({
        name: 'cpu',
        skipped: [
          { name: 'webgpu', reason: 'no adapter' },
          { name: 'wasm', reason: 'initialization failed' },
        ],
        selfTest: { ok: true, maxRelDiff: 0, ms: 1 },
      }),
    ).toBe('cpu: WebGPU unavailable: no adapter; wasm unavailable: initialization failed');
  });

  it('selects webgpu in Node through Dawn (SwiftShader Vulkan) and its self-test agrees with cpu', async () => {
    const err = await installNodeWebGPU('vulkan');
    if (err)
      throw new Error(
        `Dawn could not load: ${err} (install libvulkan1 and chromium, whose SwiftShader Vulkan driver Dawn uses: apt-get install -y libvulkan1 chromium)`,
      );
    const st = await initBackend({ order: ['webgpu', 'cpu'] });
    expect(st.skipped).toEqual([]);
    expect(st.name).toBe('webgpu');
    expect(st.selfTest.ok).toBe(true);
    expect(st.label).toMatch(/^WebGPU · /);
  });
});
