import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isBackendFailure } from '../../src/engine/backend.ts';
import type { BackendManager } from '../../src/worker/backend-manager.ts';
import type { FromWorker } from '../../src/worker/protocol.ts';
import { ActiveRun, type SessionRequest } from '../../src/worker/run-loop.ts';
import type { RunSessionLike } from '../../src/runtime/session-types.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';

/** A session of `total` units whose stepOnce throws `fail(unit)` when that returns an error. */
function fakeSession(
  total: number,
  fail: (unit: number) => Error | undefined,
  start = 0,
  row: (unit: number) => Record<string, number> = (u) => ({ reward: u }),
): RunSessionLike {
  let unit = start;
  return {
    get unit() {
      return unit;
    },
    totalUnits: total,
    get done() {
      return unit >= total;
    },
    backend: 'webgpu',
    get rlStep() {
      return unit;
    },
    progress: () => ({ step: unit, totalSteps: total, phase: 'rl', stepsPerSec: 1, etaSec: 0 }),
    async stepOnce() {
      const e = fail(unit);
      if (e) throw e;
      unit += 1;
      return { rows: [{ step: unit, t: 0, ...row(unit) }] };
    },
    evaluate: async () => ({ record: { step: unit, accuracies: {} }, selection: [] }),
    save: async () => new Float32Array([unit]).buffer,
    dispose: () => undefined,
  };
}

function harness(fail: (unit: number) => Error | undefined, row?: (unit: number) => Record<string, number>) {
  const msgs: FromWorker[] = [];
  const calls: string[] = [];
  const backend = {
    name: 'webgpu',
    canFallBack: (e: unknown) => backend.name === 'webgpu' && isBackendFailure(e),
    fallBack: async () => {
      calls.push('fallBack');
      backend.name = 'wasm';
      return 'webgpu';
    },
  } as unknown as BackendManager;
  const requests: SessionRequest[] = [];
  const run = new ActiveRun('r', parseRunConfig({ steps: 6, evalEvery: 0 }), fakeSession(6, fail, 0, row), undefined, {
    post: (m) => msgs.push(m),
    backend,
    createSession: async (req) => {
      requests.push(req);
      const from = req.checkpoint ? new Float32Array(req.checkpoint)[0] : 0;
      return fakeSession(6, () => undefined, from);
    },
    baseUrl: () => undefined,
    checkpointEvery: 2,
    flushMs: 0,
  });
  const finished = () =>
    new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (!run.running) {
          clearInterval(t);
          resolve();
        }
      }, 1);
    });
  return { msgs, calls, run, requests, finished };
}

beforeAll(async () => {
  await tf.setBackend('cpu'); // the loop reads tf.memory() for the progress line
});

describe('the run loop and the backend fallback', () => {
  it('a GPU failure moves the run to wasm and resumes it from the last checkpoint', async () => {
    const h = harness((u) =>
      u === 3 ? new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost") : undefined,
    );
    h.run.start(() => true);
    await h.finished();
    expect(h.calls).toEqual(['fallBack']);
    const fb = h.msgs.find((m) => m.type === 'fallback') as Extract<FromWorker, { type: 'fallback' }>;
    expect(fb).toMatchObject({ from: 'webgpu', to: 'wasm' });
    expect(fb.reason).toContain('mapAsync');
    // The checkpoint of unit 2 is where the new session starts.
    expect(h.requests.map((r) => (r.checkpoint ? new Float32Array(r.checkpoint)[0] : -1))).toEqual([2]);
    expect(h.run.state).toBe('done');
    expect(fb.message).toBe(
      'The GPU stopped working (the WebGPU device was lost) after step 3. Training moved to wasm and continues ' +
        'from its checkpoint at step 2 (step 3 runs again).',
    );
    expect(fb).toMatchObject({ atStep: 3, resumedFrom: 2 });
  });

  it('a device lost before the first checkpoint says that the run starts again from the beginning', async () => {
    const h = harness((u) => (u === 1 ? new Error('WebGPU device was lost') : undefined));
    h.run.start(() => true);
    await h.finished();
    const fb = h.msgs.find((m) => m.type === 'fallback') as Extract<FromWorker, { type: 'fallback' }>;
    expect(fb.message).toBe(
      'The GPU stopped working (the WebGPU device was lost) after step 1. Training moved to wasm and starts ' +
        'again from the beginning: no checkpoint had been saved yet.',
    );
    expect(h.run.state).toBe('done');
  });

  it("a checkpoint's readback on a lost device is a backend failure too: the run moves, it does not stop", async () => {
    const h = harness(() => undefined);
    let saves = 0;
    const s = h.run.session;
    const save = s.save.bind(s);
    s.save = async () => {
      saves += 1;
      if (saves === 2) throw new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost");
      return save();
    };
    h.run.start(() => true);
    await h.finished();
    expect(h.calls).toEqual(['fallBack']);
    expect(h.requests.map((r) => (r.checkpoint ? new Float32Array(r.checkpoint)[0] : -1))).toEqual([2]);
    expect(h.msgs.some((m) => m.type === 'error')).toBe(false);
    expect(h.run.state).toBe('done');
  });

  it('a programming error is not a backend failure: the run stops with its message, no fallback', async () => {
    const h = harness((u) =>
      u === 3 ? new TypeError("Cannot read properties of undefined (reading 'accuracies')") : undefined,
    );
    h.run.start(() => true);
    await h.finished();
    expect(h.calls).toEqual([]);
    expect(h.msgs.some((m) => m.type === 'fallback')).toBe(false);
    const err = h.msgs.find((m) => m.type === 'error') as Extract<FromWorker, { type: 'error' }>;
    expect(err.message).toBe("Cannot read properties of undefined (reading 'accuracies')");
    expect(h.run.state).toBe('error');
  });
});

describe('the non-finite guard', () => {
  it.each([
    ['loss/grpo', NaN],
    ['grad_norm', Infinity],
    ['kl', -Infinity],
  ])('pauses at the first step whose %s is %s, names it, and keeps the last good checkpoint', async (metric, bad) => {
    // Checkpoints every 2 units; the step that reports unit 4 is the first bad one.
    const h = harness(
      () => undefined,
      (u) => ({ reward: 0.5, [metric]: u >= 4 ? bad : 0.1, 'loss/ca': 0.2 }),
    );
    h.run.start(() => true);
    await h.finished();
    expect(h.run.state).toBe('paused');
    expect(h.run.session.unit).toBe(4); // stopped right there, not at the end (6)
    const states = h.msgs.filter((m) => m.type === 'state') as Extract<FromWorker, { type: 'state' }>[];
    const last = states[states.length - 1];
    expect(last.state).toBe('paused');
    expect(last.message).toMatch(new RegExp(`^Paused at step 4: ${metric} is ${bad} \\(not a finite number\\)`));
    expect(last.message).toContain('the last one is from step 2');
    // The checkpoints posted are those of units 2 only: nothing of the bad weights.
    const cks = h.msgs.filter((m) => m.type === 'checkpoint') as Extract<FromWorker, { type: 'checkpoint' }>[];
    expect(cks.map((c) => c.step)).toEqual([2]);
    // The bad row itself reached the page (the curve shows where it broke).
    const rows = h.msgs.flatMap((m) => (m.type === 'metrics' ? m.rows : []));
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4]);
  });

  it('finite metrics never pause; other metrics may be NaN (an empty benchmark)', async () => {
    const h = harness(
      () => undefined,
      () => ({ 'loss/grpo': 0.3, grad_norm: 1, 'eval/probe': NaN }),
    );
    h.run.start(() => true);
    await h.finished();
    expect(h.run.state).toBe('done');
  });
});

describe('isBackendFailure', () => {
  it.each([
    ["Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost", true],
    ['WebGPU device was lost', true],
    ['GPU out of memory', true],
    ["Cannot read properties of undefined (reading 'x')", false],
    ['rewards has 3 entries, expected 4 (one per completion)', false],
  ])('%s -> %s', (message, expected) => {
    expect(isBackendFailure(new Error(message))).toBe(expected);
  });
  it('an OperationError (what a lost device rejects with) is one', () => {
    const e = new Error('The operation failed');
    e.name = 'OperationError';
    expect(isBackendFailure(e)).toBe(true);
  });
});
