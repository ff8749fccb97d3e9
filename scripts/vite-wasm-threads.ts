/**
 * Vite plugin: lets tfjs's multithreaded wasm build run from a minified bundle.
 *
 * tfjs-backend-wasm starts its pthread workers from `factory.toString()` (the Emscripten module
 * factory as source text), so the factory must not refer to anything outside itself. It does:
 * `_scriptDir`, a variable of the enclosing closure, which it reads behind a `typeof` guard. A
 * minifier knows the variable is declared, drops the guard and renames it, and every pthread
 * worker then dies with "ReferenceError: e is not defined". Keeping the value on globalThis
 * instead makes the factory self-contained (in a worker the property is simply undefined).
 */
import type { Plugin } from 'vite';

/** Response headers that make a page cross-origin isolated (SharedArrayBuffer, so wasm threads). */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

const FILE = /tfjs-backend-wasm-threaded-simd\.js$/;
const NAME = 'globalThis.__tfjsWasmScriptDir';

export function rewriteScriptDir(code: string): string {
  const out = code.replace(/var _scriptDir = /, `${NAME} = `).replace(/\b_scriptDir\b/g, NAME);
  if (out === code)
    throw new Error('vite-wasm-threads: _scriptDir not found in the threaded tfjs wasm factory (tfjs changed?)');
  return out;
}

export function wasmThreads(): Plugin {
  return {
    name: 'contextrl:wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      return FILE.test(id.split('?')[0]) ? { code: rewriteScriptDir(code), map: null } : undefined;
    },
  };
}
