import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { METRIC_NAMES, Policy } from '../../src/engine/index.ts';
import type { Rollouts } from '../../src/engine/index.ts';
import { useCpu } from './helpers.ts';
import { copyItems, pairBatch, sftBatch, toyTokenizer } from './toy.ts';

beforeAll(useCpu);

const tok = toyTokenizer();
const small = { nLayer: 1, dModel: 16, nHead: 2, contextLength: 24 };
const score = (r: Rollouts, answers: string[]) => ({
  ...r,
  rewards: r.texts.map((t, i) => (t === answers[Math.floor(i / r.groupSize)] ? 1 : 0)),
});

async function snapshot(p: Policy): Promise<Float32Array[]> {
  return Promise.all(p.model.variables().map((v) => v.data() as Promise<Float32Array>));
}

describe('Policy steps', () => {
  it('parameters change after one step of each kind', async () => {
    for (const kind of ['sft', 'grpo', 'ca'] as const) {
      const p = new Policy(tok, { model: small, seed: 1, grpo: { beta: 0.01 } });
      const before = await snapshot(p);
      const items = copyItems(2, 4, 1);
      if (kind === 'sft') await p.sftStep(sftBatch(2, 4, 1));
      if (kind === 'ca') await p.caStep(pairBatch(2, 4));
      if (kind === 'grpo') {
        const r = await p.generate(
          items.map((x) => x.prompt),
          4,
          { maxCompletionLength: 3 },
        );
        await p.grpoStep({ ...r, rewards: [1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1] }, pairBatch(3, 4));
      }
      const after = await snapshot(p);
      const changed = before.filter((b, i) => b.some((v, j) => v !== after[i][j])).length;
      expect(changed, kind).toBeGreaterThan(before.length / 2);
      p.dispose();
    }
  });

  it('tf.memory().numTensors is flat over 20 steps of each loss', async () => {
    const empty = tf.memory().numTensors;
    const p = new Policy(tok, { model: small, seed: 2, grpo: { beta: 0.01, numIterations: 2 } });
    const items = copyItems(3, 4, 1);
    const run = {
      sft: () => p.sftStep(sftBatch(4, 4, 1)),
      ca: () => p.caStep(pairBatch(5, 4)),
      grpo: async () => {
        const r = await p.generate(
          items.map((x) => x.prompt),
          2,
          { maxCompletionLength: 3, topK: 4 },
        );
        return p.grpoStep(
          score(
            r,
            items.map((x) => x.answer),
          ),
          pairBatch(6, 2),
        );
      },
      score: () => p.scorePairs(pairBatch(7, 3)),
    };
    for (const [name, step] of Object.entries(run)) {
      await step();
      const start = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) await step();
      expect(tf.memory().numTensors, name).toBe(start);
    }
    const before = tf.memory().numTensors;
    const n = p.model.variables().length;
    p.dispose();
    // model (n) + Adam moments (2n) + the reference copy (n) all released by one dispose()
    expect(before - tf.memory().numTensors).toBe(4 * n);
    expect(tf.memory().numTensors).toBe(empty);
  });

  it('generate returns G completions per prompt with masks that stop at eos', async () => {
    const p = new Policy(tok, { model: small, seed: 3 });
    const r = await p.generate(
      [
        { text: 'copy w1 ->', images: [] },
        { text: 'copy w2 w3 w4 ->', images: [] },
      ],
      3,
      { maxCompletionLength: 5, seed: 9 },
    );
    expect(r.completionIds.length).toBe(6);
    r.completionIds.forEach((c, i) => {
      expect(c.length).toBeGreaterThan(0);
      expect(c.length).toBeLessThanOrEqual(5);
      expect(c.slice(0, -1)).not.toContain(tok.eos);
      expect(r.ended[i]).toBe(c[c.length - 1] === tok.eos);
      expect(r.logp[i].length).toBe(c.length);
      r.logp[i].forEach((lp) => expect(lp).toBeLessThanOrEqual(0));
    });
    const again = await p.generate(
      [
        { text: 'copy w1 ->', images: [] },
        { text: 'copy w2 w3 w4 ->', images: [] },
      ],
      3,
      { maxCompletionLength: 5, seed: 9 },
    );
    expect(again.completionIds).toEqual(r.completionIds); // seeded
    p.dispose();
  });

  it('a GRPO + L_CA step reports every metric of docs/METHOD.md section 3, finite', async () => {
    const p = new Policy(tok, { model: small, seed: 6, grpo: { beta: 0.01, numIterations: 2 } });
    const items = copyItems(8, 3, 1);
    const r = await p.generate(
      items.map((x) => x.prompt),
      4,
      { maxCompletionLength: 3 },
    );
    const m = await p.grpoStep({ ...r, rewards: [1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1] }, pairBatch(9, 4));
    for (const name of METRIC_NAMES) expect(Number.isFinite(m[name]), name).toBe(true);
    expect(m.frac_reward_zero_std).toBeCloseTo(1 / 3, 10);
    expect(m.reward).toBeCloseTo(7 / 12, 10);
    p.dispose();
  });

  it('dropZeroStd skips a batch whose groups all have equal rewards', async () => {
    const p = new Policy(tok, { model: small, seed: 7, grpo: { dropZeroStd: true, beta: 0 } });
    const items = copyItems(9, 2, 1);
    const r = await p.generate(
      items.map((x) => x.prompt),
      3,
      { maxCompletionLength: 3 },
    );
    const before = await snapshot(p);
    const m = await p.grpoStep({ ...r, rewards: [1, 1, 1, 0, 0, 0] });
    expect(m.skipped).toBe(1);
    expect(m.frac_reward_zero_std).toBe(1);
    expect(p.step).toBe(0);
    expect(await snapshot(p)).toEqual(before);
    p.dispose();
  });
});
