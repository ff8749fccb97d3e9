/** Test helpers for storage: run records, a well-formed run checkpoint, and write faults on IndexedDB. */
import { withDefaults } from '../../src/config/run-config.ts';
import type { RunRecord } from '../../src/persist/runFile.ts';
import { packRunCheckpoint, type RunCheckpointMeta } from '../../src/runtime/run-checkpoint.ts';
import type { RunConfig } from '../../src/runtime/types.ts';

export function record(id: string, over: Partial<RunRecord> = {}, config: Partial<RunConfig> = {}): RunRecord {
  return {
    id,
    name: `run ${id}`,
    config: withDefaults({ seed: 3, steps: 40, evalEvery: 10, ...config }),
    createdAt: 1,
    state: 'running',
    step: 0,
    backend: 'wasm',
    totalSteps: 40,
    ...over,
  };
}

/** A run checkpoint with a valid header (no real weights) saved at `unit`. */
export function runCheckpoint(unit: number, config: Partial<RunConfig> = {}): ArrayBuffer {
  const meta: RunCheckpointMeta = {
    format: 1,
    kind: 'run',
    config: withDefaults({ seed: 3, steps: 40, evalEvery: 10, ...config }),
    modelConfig: {
      vocabSize: 16,
      nLayer: 1,
      dModel: 8,
      nHead: 2,
      contextLength: 16,
      dMlp: 32,
      imageSize: 24,
      patchSize: 4,
      layerNormEps: 1e-5,
      initStd: 0.02,
    },
    vocabulary: ['a', 'b'],
    unit,
    warmUnits: 0,
    optimizerStep: unit,
    optimizerPhase: 'rl',
    hasOptimizer: true,
    hasReference: false,
    tokenRatio: 1.5,
    elapsedMs: 10 * unit,
    savedAt: 0,
  };
  return packRunCheckpoint({
    meta,
    model: new Uint8Array([unit & 255, 1, 2, 3]).buffer,
    tensors: [{ name: 'm/0', shape: [2], data: new Float32Array([unit, -unit]) }],
  });
}

/** Metric rows for steps a..b (inclusive). */
export function rows(a: number, b: number, tag = 0): { step: number; t: number; reward: number }[] {
  const out = [];
  for (let s = a; s <= b; s++) out.push({ step: s, t: s * 10, reward: s / 100 + tag });
  return out;
}

const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

type Method = (...a: unknown[]) => unknown;

/**
 * Makes IndexedDB writes (put, and cursor updates) throw once `allow` of them have gone through:
 * a fault halfway through a transaction. Returns the function that undoes it.
 */
export function failWritesAfter(allow: number, error: () => Error = quotaError): () => void {
  const store = IDBObjectStore.prototype as unknown as { put: Method };
  const cursor = IDBCursor.prototype as unknown as { update: Method };
  const put = store.put;
  const update = cursor.update;
  let n = 0;
  store.put = function (this: unknown, ...a: unknown[]) {
    if (++n > allow) throw error();
    return put.apply(this, a);
  };
  cursor.update = function (this: unknown, ...a: unknown[]) {
    if (++n > allow) throw error();
    return update.apply(this, a);
  };
  return () => {
    store.put = put;
    cursor.update = update;
  };
}

function sizeOf(v: unknown): number {
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (Array.isArray(v)) return v.reduce((a: number, x) => a + sizeOf(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((a: number, x) => a + sizeOf(x), 16);
  return typeof v === 'string' ? v.length * 2 : 8;
}

/**
 * A storage quota of `bytes` for everything put from now on (a rough size of each value): a put
 * past it throws QuotaExceededError as a full browser profile does. Returns the undo function.
 */
export function fillQuotaAt(bytes: number): { used: () => number; restore: () => void } {
  const store = IDBObjectStore.prototype as unknown as { put: Method };
  const put = store.put;
  let used = 0;
  store.put = function (this: unknown, ...a: unknown[]) {
    const size = sizeOf(a[0]);
    if (used + size > bytes) throw quotaError();
    used += size;
    return put.apply(this, a);
  };
  return { used: () => used, restore: () => (store.put = put) };
}
