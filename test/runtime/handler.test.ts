import { beforeAll, describe, expect, it } from 'vitest';
import { installNodeWebGPU, nodeWasmDir } from '../../src/engine/node.ts';
import { unpackRunCheckpoint } from '../../src/runtime/run-checkpoint.ts';
import { createRunSession } from '../../src/runtime/session.ts';
import type { MetricRow, RunConfig } from '../../src/runtime/types.ts';
import { createHandler } from '../../src/worker/handler.ts';
import type { FromWorker } from '../../src/worker/protocol.ts';
import { tinyRun } from './helpers.ts';

const config = { ...tinyRun({ method: 'contextrl', steps: 6, evalEvery: 3, beta: 0.05 }), seed: 3 } as RunConfig;

function harness() {
  const msgs: FromWorker[] = [];
  const waiters: { pred: (m: FromWorker) => boolean; resolve: () => void }[] = [];
  const h = createHandler(
    (m) => {
      msgs.push(m);
      for (const w of waiters.splice(0)) {
        if (w.pred(m)) w.resolve();
        else waiters.push(w);
      }
    },
    {
      createSession: (req) => createRunSession(req.config, { checkpoint: req.checkpoint, backend: req.backend }),
      flushMs: 0,
    },
  );
  const until = (pred: (m: FromWorker) => boolean) =>
    new Promise<void>((resolve) => (msgs.some(pred) ? resolve() : waiters.push({ pred, resolve })));
  const rows = () =>
    msgs.flatMap((m) => (m.type === 'metrics' ? m.rows : [])).map(({ t: _t, ...r }) => r as Omit<MetricRow, 't'>);
  const lastCheckpoint = () =>
    [...msgs].reverse().find((m) => m.type === 'checkpoint') as Extract<FromWorker, { type: 'checkpoint' }>;
  return { h, msgs, until, rows, lastCheckpoint };
}

const weights = (b: ArrayBuffer) =>
  unpackRunCheckpoint(b)
    .tensors.filter((t) => t.name.startsWith('w/'))
    .map((t) => t.data);
const isState = (s: string) => (m: FromWorker) => m.type === 'state' && m.state === s;

describe('worker handler', () => {
  let uninterrupted: { rows: object[]; weights: Float32Array[] };

  beforeAll(async () => {
    const a = harness();
    await a.h.handle({
      type: 'init',
      backendOrder: ['wasm', 'cpu'],
      wasmPaths: {
        'tfjs-backend-wasm.wasm': `${nodeWasmDir()}tfjs-backend-wasm.wasm`,
        'tfjs-backend-wasm-simd.wasm': `${nodeWasmDir()}tfjs-backend-wasm-simd.wasm`,
        'tfjs-backend-wasm-threaded-simd.wasm': `${nodeWasmDir()}tfjs-backend-wasm-threaded-simd.wasm`,
      },
    });
    expect(a.msgs.find((m) => m.type === 'backend')).toBeTruthy();
    await a.h.handle({ type: 'start', runId: 'r1', config });
    await a.until(isState('done'));
    uninterrupted = { rows: a.rows(), weights: weights(a.lastCheckpoint().buffer) };
    expect(a.msgs.some((m) => m.type === 'eval')).toBe(true);
    expect(a.msgs.some((m) => m.type === 'selection')).toBe(true);
    expect(a.msgs.some((m) => m.type === 'rollouts')).toBe(true);
    expect(a.msgs.some((m) => m.type === 'progress')).toBe(true);
  }, 60_000);

  it('pause, single steps and resume give the same run as an uninterrupted one', async () => {
    const b = harness();
    await b.h.handle({ type: 'init', backendOrder: ['wasm', 'cpu'] });
    void b.h.handle({ type: 'start', runId: 'r2', config });
    await b.h.handle({ type: 'pause', runId: 'r2' });
    await b.until(isState('paused'));
    await b.h.handle({ type: 'step', runId: 'r2' });
    await b.h.handle({ type: 'step', runId: 'r2' });
    await b.h.handle({ type: 'resume', runId: 'r2' });
    await b.h.handle({ type: 'pause', runId: 'r2' });
    await b.h.handle({ type: 'resume', runId: 'r2' });
    await b.until(isState('done'));
    expect(b.rows()).toEqual(uninterrupted.rows);
    expect(weights(b.lastCheckpoint().buffer)).toEqual(uninterrupted.weights);
  }, 60_000);

  it('load a saved checkpoint and continue equals an uninterrupted run', async () => {
    const c = harness();
    await c.h.handle({ type: 'init', backendOrder: ['wasm', 'cpu'] });
    void c.h.handle({ type: 'start', runId: 'r3', config });
    await c.h.handle({ type: 'pause', runId: 'r3' });
    await c.h.handle({ type: 'step', runId: 'r3' });
    await c.h.handle({ type: 'save', runId: 'r3' });
    const saved = c.lastCheckpoint();
    await c.h.handle({ type: 'stop', runId: 'r3' });
    const before = c.rows();
    const d = harness();
    await d.h.handle({ type: 'init', backendOrder: ['wasm', 'cpu'] });
    await d.h.handle({ type: 'load', runId: 'r3', config, checkpoint: saved.buffer });
    await d.until(isState('paused'));
    await d.h.handle({ type: 'resume', runId: 'r3' });
    await d.until(isState('done'));
    expect([...before, ...d.rows()]).toEqual(uninterrupted.rows);
    expect(weights(d.lastCheckpoint().buffer)).toEqual(uninterrupted.weights);
  }, 60_000);

  it('rejects an invalid config with a message naming the field', async () => {
    const e = harness();
    await e.h.handle({ type: 'start', runId: 'bad', config: { ...config, groupSize: 1 } });
    const err = e.msgs.find((m) => m.type === 'error') as Extract<FromWorker, { type: 'error' }>;
    expect(err.message).toContain('groupSize must be an integer in [2, 64] (got 1)');
    expect(e.msgs.some(isState('error'))).toBe(true);
  });
});

describe('worker handler on WebGPU (Dawn, OpenGL ES)', () => {
  it("compiles each phase's shaders before its first step, counting them up to the total", async () => {
    const why = await installNodeWebGPU('opengles');
    if (why) throw new Error(`webgpu unavailable here: ${why}`);
    const w = harness();
    await w.h.handle({ type: 'init', backendOrder: ['webgpu'] });
    const status = (w.msgs.find((m) => m.type === 'backend') as Extract<FromWorker, { type: 'backend' }>).status;
    expect(status.name).toBe('webgpu');
    await w.h.handle({ type: 'start', runId: 'g1', config: { ...config, steps: 2, evalEvery: 0 } as RunConfig });
    await w.until(isState('done'));
    const progress = w.msgs.flatMap((m) => (m.type === 'progress' ? [m.progress] : []));
    const warmups = progress.filter((p) => p.phase === 'shader-warmup');
    // tinyRun has 3 warm-start steps, then 2 RL steps: one warm-up each, at the phase's first step.
    expect([...new Set(warmups.map((p) => `${p.compiling}@${p.step}`))]).toEqual(['warm-start@0', 'rl@3']);
    for (const phase of ['warm-start', 'rl']) {
      const mine = warmups.filter((p) => p.compiling === phase);
      // First the announcement, then counts that climb to a positive total.
      expect(mine[0].shadersTotal).toBeUndefined();
      const counts = mine.slice(1).map((p) => [p.shadersDone, p.shadersTotal] as [number, number]);
      expect(counts.length).toBeGreaterThanOrEqual(2);
      const total = counts[0][1];
      expect(total).toBeGreaterThan(10);
      expect(counts[0][0]).toBe(0);
      expect(counts.at(-1)).toEqual([total, total]);
      expect(counts.every(([d, t], i) => t === total && (i === 0 || d > counts[i - 1][0]))).toBe(true);
    }
    // ... all before the first RL step's own report (step 4).
    const afterFirstRl = progress.findIndex((p) => p.step === 4);
    expect(afterFirstRl).toBeGreaterThan(0);
    expect(progress.indexOf(warmups.at(-1)!)).toBeLessThan(afterFirstRl);
  }, 120_000);
});
