import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendLabel, wasmThreadsWanted } from '../../src/engine/backend.ts';
import { rewriteScriptDir } from '../../scripts/vite-wasm-threads.ts';

const require = createRequire(import.meta.url);
const factoryFile = path.join(
  path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'wasm-out/tfjs-backend-wasm-threaded-simd.js',
);

describe('wasm threads', () => {
  it('rewrites the threaded factory so its source text runs outside its closure', () => {
    const code = readFileSync(factoryFile, 'utf8');
    expect(code).toMatch(/typeof _scriptDir !== "undefined" && _scriptDir/);
    const out = rewriteScriptDir(code);
    expect(out).not.toMatch(/\b_scriptDir\b/);
    expect(out).toContain('typeof globalThis.__tfjsWasmScriptDir !== "undefined" && globalThis.__tfjsWasmScriptDir');
    // What tfjs hands each pthread worker is the inner factory's text; after the rewrite it has no
    // free variable of the closure, so evaluating the outer module in a fresh scope still works.
    const factory = new Function('module', 'exports', `${out}\nreturn WasmBackendModuleThreadedSimd;`)(
      undefined,
      undefined,
    ) as (m?: object) => unknown;
    expect(factory.toString()).not.toMatch(/\b_scriptDir\b/);
  });

  it('refuses a factory it does not recognise instead of passing it through', () => {
    expect(() => rewriteScriptDir('var X = function () {};')).toThrow(/_scriptDir not found/);
  });

  it('threads: one per logical core up to 4, only on a cross-origin-isolated page', () => {
    const page = (isolated: boolean, cores?: number) => ({
      crossOriginIsolated: isolated,
      navigator: { hardwareConcurrency: cores },
    });
    expect(wasmThreadsWanted(false, page(true, 8))).toBe(1);
    expect(wasmThreadsWanted(true, page(false, 8))).toBe(1);
    expect(wasmThreadsWanted(true, page(true, 2))).toBe(2);
    expect(wasmThreadsWanted(true, page(true, 16))).toBe(4);
    expect(wasmThreadsWanted(true, page(true, undefined))).toBe(1);
    expect(wasmThreadsWanted(true, {})).toBe(1); // Node: no crossOriginIsolated
  });

  it('the badge says how many threads wasm runs', () => {
    const st = {
      name: 'wasm' as const,
      skipped: [{ name: 'webgpu' as const, reason: 'no adapter' }],
      selfTest: { ok: true, maxRelDiff: 0, ms: 1 },
    };
    expect(backendLabel({ ...st, wasmThreads: 2 })).toBe('wasm (2 threads): WebGPU unavailable: no adapter');
    expect(backendLabel({ ...st, wasmThreads: 1 })).toBe('wasm: WebGPU unavailable: no adapter');
  });
});
