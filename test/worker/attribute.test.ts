import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { parseRunConfig } from '../../src/config/run-config.ts';
import { createRunSession } from '../../src/runtime/session.ts';
import type { RunConfig } from '../../src/runtime/types.ts';
import { traceDomain } from '../../src/tasks/trace/index.ts';
import { disposeAttributionCache } from '../../src/worker/attribute.ts';
import { createHandler } from '../../src/worker/handler.ts';
import type { FromWorker } from '../../src/worker/protocol.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const TINY: Partial<RunConfig> = {
  domain: 'trace',
  preset: 'test',
  knobs: { depth: 'lookup', vars: 2, steps: 3, noise: 0, shortcut: 0.5 },
  steps: 2,
  evalEvery: 0,
  batchSize: 2,
  groupSize: 2,
  maxCompletionLength: 2,
  evalItems: 2,
  probePairs: 2,
  warmupSteps: 0,
  warmStartSteps: 1,
  pairShare: 0.3,
};

describe('attribute / attribution messages', () => {
  it("the handler answers an attribute request from a run checkpoint with the pair's grounding, and an error without touching the run", async () => {
    const session = await createRunSession(parseRunConfig(TINY as RunConfig), { backend: 'cpu' });
    await session.stepOnce(); // the warm-start unit
    const checkpoint = await session.save();
    session.dispose();
    const out: FromWorker[] = [];
    const h = createHandler((m) => out.push(m), { createSession: () => Promise.reject(new Error('unused')) });
    await h.handle({ type: 'init', backendOrder: ['cpu'] });
    const pair = traceDomain.pairs(5, 1, { hardness: 'hard' }).pairs[0];
    await h.handle({ type: 'attribute', requestId: 'r1', runId: 'run-1', checkpoint, pair, method: 'rollout' });
    await h.handle({
      type: 'attribute',
      requestId: 'r2',
      runId: 'run-1',
      checkpoint: new ArrayBuffer(8),
      pair,
      method: 'grad-input',
    });
    const replies = out.filter((m) => m.type === 'attribution');
    expect(replies.length).toBe(2);
    const [ok, bad] = replies;
    if (ok.type !== 'attribution' || bad.type !== 'attribution') throw new Error('unreachable');
    expect(ok.error).toBeUndefined();
    expect(ok.result?.pairId).toBe(pair.id);
    expect(ok.result?.unit).toBe(1);
    expect(ok.result?.rlStep).toBeLessThanOrEqual(0);
    expect(ok.result?.contexts.map((c) => c.role)).toEqual(['positive', 'negative']);
    expect(ok.result?.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(ok.result?.score.share).toBeGreaterThanOrEqual(0);
    expect(bad.result).toBeUndefined();
    expect(bad.error).toMatch(/checkpoint/);
    expect(out.some((m) => m.type === 'error' || m.type === 'state')).toBe(false);
    disposeAttributionCache();
    await h.dispose();
  });
});
