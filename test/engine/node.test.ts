import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forwardStderr, isNativeNoise, quietTfjs } from '../../src/engine/node.ts';

describe('quiet command-line output', () => {
  afterEach(() => vi.restoreAllMocks());

  it("quietTfjs drops tfjs's Node banner and keeps every other warning", () => {
    const seen: unknown[][] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => void seen.push(args);
    try {
      quietTfjs();
      console.warn(
        '\n============================\nHi, looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend',
      );
      console.warn('Initialization of backend wasm failed');
    } finally {
      console.warn = original;
    }
    expect(seen).toEqual([['Initialization of backend wasm failed']]);
  });

  it("isNativeNoise matches Dawn's lowered-limit warnings only", () => {
    expect(
      isNativeNoise(
        'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.',
      ),
    ).toBe(true);
    expect(isNativeNoise('Warning: something else')).toBe(false);
    expect(isNativeNoise('webgpu-gles nano sft rep 2/2: 317 ms')).toBe(false);
  });

  it('forwardStderr passes every other line through, split across chunks', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    const s = new PassThrough();
    forwardStderr(s);
    s.write('first line\nWarning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16\nsec');
    s.end('ond line\n');
    await new Promise((r) => s.on('end', r));
    expect(out.join('')).toBe('first line\nsecond line\n');
  });
});
