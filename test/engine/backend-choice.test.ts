import { describe, expect, it } from 'vitest';
import { chooseBackend, speedupText } from '../../src/engine/backend-choice.ts';

describe('choosing the backend by a timed step', () => {
  it('SwiftShader: behind at 1 prompt and further behind at 4, wasm is kept and says by how much', () => {
    const first = chooseBackend([{ batch: 1, webgpuMs: 1220, wasmMs: 705 }], { fullBatch: 16 });
    expect(first).toMatchObject({ name: 'webgpu', measureAt: 4 });
    const d = chooseBackend(
      [
        { batch: 1, webgpuMs: 1220, wasmMs: 705 },
        { batch: 4, webgpuMs: 4080, wasmMs: 600 },
      ],
      { fullBatch: 16 },
    );
    expect(d.name).toBe('wasm');
    expect(d.speedup).toBeCloseTo(6.8, 10);
    expect(d.measureAt).toBeUndefined();
    expect(d.reason).toBe('wasm took 600 ms per step, WebGPU 4.1 s (at 4 prompts per step; 1.7x at 1)');
    expect(speedupText(d, 'WebGPU on SwiftShader')).toBe('6.8x faster than WebGPU on SwiftShader here');
  });

  it('a GPU faster at the first batch is kept at once', () => {
    const d = chooseBackend([{ batch: 1, webgpuMs: 40, wasmMs: 300 }], { fullBatch: 16 });
    expect(d.name).toBe('webgpu');
    expect(d.measureAt).toBeUndefined();
    expect(d.speedup).toBeCloseTo(7.5, 10);
    expect(speedupText(d, 'wasm')).toBe('7.5x faster than wasm here');
  });

  it('a GPU within 10% of wasm is kept (one short timing is noisy)', () => {
    expect(chooseBackend([{ batch: 1, webgpuMs: 320, wasmMs: 300 }], { fullBatch: 16 }).name).toBe('webgpu');
    // At the full batch already, clearly slower: skipped.
    expect(chooseBackend([{ batch: 2, webgpuMs: 340, wasmMs: 300 }], { fullBatch: 2 }).name).toBe('wasm');
  });

  it('one slow measurement below the full batch never skips a GPU: the second is always taken', () => {
    const d = chooseBackend([{ batch: 1, webgpuMs: 600, wasmMs: 300 }], { fullBatch: 16, maxBatch: 1 });
    expect(d).toMatchObject({ name: 'webgpu', measureAt: 4 });
  });

  it('a GPU behind at a small batch but ahead at a larger one is kept', () => {
    // Dispatch overhead: 1 prompt takes a real GPU longer than wasm, 4 prompts do not.
    const d = chooseBackend(
      [
        { batch: 1, webgpuMs: 600, wasmMs: 300 },
        { batch: 4, webgpuMs: 650, wasmMs: 1200 },
      ],
      { fullBatch: 16 },
    );
    expect(d.name).toBe('webgpu');
    expect(d.measureAt).toBeUndefined();
  });

  it('skips a GPU adapter only when it stays slower as the batch grows', () => {
    const d = chooseBackend(
      [
        { batch: 1, webgpuMs: 600, wasmMs: 300 },
        { batch: 4, webgpuMs: 2300, wasmMs: 1200 },
      ],
      { fullBatch: 16 },
    );
    expect(d.name).toBe('wasm');
    expect(d.speedup).toBeCloseTo(2300 / 1200, 10);
  });

  it('a GPU closing the gap is measured further, and kept when the budget ends before the full batch', () => {
    const closing = [
      { batch: 1, webgpuMs: 900, wasmMs: 300 },
      { batch: 4, webgpuMs: 1800, wasmMs: 1200 },
    ];
    expect(chooseBackend(closing, { fullBatch: 64 })).toMatchObject({ name: 'webgpu', measureAt: 16 });
    const d = chooseBackend(closing, { fullBatch: 64, maxBatch: 4 });
    expect(d.name).toBe('webgpu');
    expect(d.measureAt).toBeUndefined();
    expect(d.reason).toContain('catching up');
    // Closing but still behind at the full batch: skipped.
    expect(chooseBackend(closing, { fullBatch: 4 }).name).toBe('wasm');
  });

  it('a software adapter closing the gap is still skipped when behind at the second batch', () => {
    // SwiftShader here: 2.0x at 1 prompt, 1.3x at 4, about 10x at the full 16.
    const t = [
      { batch: 1, webgpuMs: 2490, wasmMs: 1220 },
      { batch: 4, webgpuMs: 3820, wasmMs: 2940 },
    ];
    expect(chooseBackend(t, { fullBatch: 16, maxBatch: 4 }).name).toBe('webgpu'); // a GPU gets the benefit of the doubt
    // Even level with wasm at 1 prompt, a software adapter is timed at 4 before it may be kept.
    const level = [{ batch: 1, webgpuMs: 700, wasmMs: 700 }];
    expect(chooseBackend(level, { fullBatch: 16 }).measureAt).toBeUndefined();
    expect(chooseBackend(level, { fullBatch: 16, softwareAdapter: true })).toMatchObject({ measureAt: 4 });
    const d = chooseBackend(t, { fullBatch: 16, maxBatch: 4, softwareAdapter: true });
    expect(d.name).toBe('wasm');
    expect(d.speedup).toBeCloseTo(3820 / 2940, 10);
  });

  it('a GPU that could not be timed loses; wasm that could not be timed leaves WebGPU', () => {
    expect(chooseBackend([], { fullBatch: 16 }).name).toBe('wasm');
    expect(chooseBackend([{ batch: 1, webgpuMs: 500, wasmMs: NaN }], { fullBatch: 16 }).name).toBe('webgpu');
  });
});
