import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  computeAdvantages,
  contextSelectionLoss,
  daRlReward,
  grpoLoss,
  maskedCrossEntropy,
  stopGradient,
  zeroStdGroups,
} from '../../src/engine/index.ts';
import { useCpu } from './helpers.ts';

beforeAll(useCpu);

const s3 = Math.sqrt(1 / 3); // Bessel std of [1, 0, 0, 1]

describe('computeAdvantages', () => {
  const r = [1, 0, 0, 1, 1, 1, 1, 1];
  it('scale group: (r - group mean) / (group std + 1e-4)', () => {
    const a = 0.5 / (s3 + 1e-4);
    expect(computeAdvantages(r, 4, 'group')).toEqual([a, -a, -a, a, 0, 0, 0, 0].map((x) => expect.closeTo(x, 10)));
  });
  it('scale batch: group mean, batch std', () => {
    const std = Math.sqrt(1.5 / 7); // mean 0.75; 6 * 0.25^2 + 2 * 0.75^2 = 1.5
    const a = 0.5 / (std + 1e-4);
    expect(computeAdvantages(r, 4, 'batch')).toEqual([a, -a, -a, a, 0, 0, 0, 0].map((x) => expect.closeTo(x, 10)));
  });
  it('scale none: no division (Dr. GRPO)', () => {
    expect(computeAdvantages(r, 4, 'none')).toEqual([0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0]);
  });
  it('advantages are zero for a group with equal rewards', () => {
    for (const s of ['group', 'batch', 'none'] as const)
      expect(computeAdvantages([0.3, 0.3, 0.3], 3, s)).toEqual([0, 0, 0]);
    expect(zeroStdGroups(r, 4)).toEqual([false, true]);
  });
  it('rejects a batch that is not whole groups', () => {
    expect(() => computeAdvantages([1, 2, 3], 2, 'group')).toThrow(/multiple of groupSize/);
  });
});

describe('grpoLoss', () => {
  // ratio 1.5 with A > 0 (high clip), ratio 1, ratio 0.5 with A < 0 (low clip); one padded slot each.
  const make = () => {
    const oldLogp = tf.tensor2d([
      [-1, -2, -3],
      [-1, -2, -3],
    ]);
    const logp = tf.add(
      oldLogp,
      tf.tensor2d([
        [Math.log(1.5), 0, 0],
        [Math.log(0.5), 0, 0],
      ]),
    ) as tf.Tensor2D;
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 0, 0],
    ]);
    return { logp, oldLogp, mask, advantages: [1, -0.5] };
  };
  const opts = { epsLow: 0.2, epsHigh: 0.2, beta: 0, maxCompletionLength: 3 };
  // per token: -min(1.5 * 1, 1.2 * 1) = -1.2; -1; -min(0.5 * -0.5, 0.8 * -0.5) = 0.4
  it.each([
    ['grpo', (-2.2 / 2 + 0.4) / 2],
    ['dr_grpo', -1.8 / (2 * 3)],
    ['dapo', -1.8 / 3],
  ] as const)('loss_type %s equals the hand-computed value', async (lossType, expected) => {
    const r = tf.tidy(() => grpoLoss(make(), { ...opts, lossType }));
    expect((await r.loss.data())[0]).toBeCloseTo(expected, 5);
    tf.dispose(Object.values(r));
  });
  it('clip ratios count low (A < 0) and high (A > 0) clipped tokens over the mask', async () => {
    const r = tf.tidy(() => grpoLoss(make(), { ...opts, lossType: 'dapo' }));
    expect((await r.clipLow.data())[0]).toBeCloseTo(1 / 3, 6);
    expect((await r.clipHigh.data())[0]).toBeCloseTo(1 / 3, 6);
    expect((await r.clipRegion.data())[0]).toBeCloseTo(2 / 3, 6);
    tf.dispose(Object.values(r));
  });
  it('eps_high 0.28 (DAPO) clips less', async () => {
    const r = tf.tidy(() => grpoLoss(make(), { ...opts, epsHigh: 0.6, lossType: 'dapo' }));
    expect((await r.clipHigh.data())[0]).toBe(0);
    expect((await r.loss.data())[0]).toBeCloseTo((-1.5 - 1 + 0.4) / 3, 5);
    tf.dispose(Object.values(r));
  });
  it('adds beta * k3 KL to the reference', async () => {
    const k3 = (d: number) => Math.exp(d) - d - 1;
    const r = tf.tidy(() => {
      const inp = make();
      const refLogp = tf.add(
        inp.logp,
        tf.tensor2d([
          [0.5, 0, 9],
          [-0.5, 9, 9],
        ]),
      ) as tf.Tensor2D;
      return grpoLoss({ ...inp, refLogp }, { ...opts, beta: 0.1, lossType: 'dapo' });
    });
    const kl = (k3(0.5) + k3(-0.5)) / 3;
    expect((await r.kl.data())[0]).toBeCloseTo(kl, 6);
    expect((await r.loss.data())[0]).toBeCloseTo(-1.8 / 3 + 0.1 * kl, 5);
    tf.dispose(Object.values(r));
  });
  it('with rho = 1 the gradient w.r.t. logp is -A * mask / tokens (dapo)', async () => {
    const g = tf.tidy(() =>
      tf.grad(
        (lp: tf.Tensor) =>
          grpoLoss(
            {
              logp: lp as tf.Tensor2D,
              oldLogp: stopGradient(lp) as tf.Tensor2D,
              mask: tf.tensor2d([
                [1, 1, 0],
                [1, 0, 0],
              ]),
              advantages: [1, -0.5],
            },
            { ...opts, lossType: 'dapo' },
          ).loss,
      )(tf.zeros([2, 3])),
    );
    expect(Array.from(await g.data())).toEqual([-1 / 3, -1 / 3, 0, 0.5 / 3, 0, 0].map((x) => expect.closeTo(x, 6)));
    g.dispose();
  });
});

describe('contextSelectionLoss', () => {
  const delta = [0, 2, 7, -7];
  const sp = (x: number) => Math.log1p(Math.exp(x));
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  it('hard: value -log sigmoid(clip(delta)), gradient exactly 0 outside [-c, c]', async () => {
    const { value, grad: grads } = tf.tidy(() =>
      tf.valueAndGrad((d: tf.Tensor) => contextSelectionLoss(d as tf.Tensor1D, 5, 'hard'))(tf.tensor1d(delta)),
    );
    expect((await value.data())[0]).toBeCloseTo((sp(0) + sp(-2) + sp(-5) + sp(5)) / 4, 5);
    const g = Array.from(await grads.data());
    expect(g[0]).toBeCloseTo(-0.5 / 4, 6);
    expect(g[1]).toBeCloseTo(-sig(-2) / 4, 6);
    expect(g[2]).toBe(0); // confidently right: at the clamp
    expect(g[3]).toBe(0); // confidently wrong: also at the clamp (the trap docs/METHOD.md names)
    tf.dispose([value, grads]);
  });
  it('soft: c * tanh(delta / c) keeps a gradient outside', async () => {
    const { value, grad: grads } = tf.tidy(() =>
      tf.valueAndGrad((d: tf.Tensor) => contextSelectionLoss(d as tf.Tensor1D, 5, 'soft'))(tf.tensor1d(delta)),
    );
    const x = delta.map((d) => 5 * Math.tanh(d / 5));
    expect((await value.data())[0]).toBeCloseTo(x.reduce((a, v) => a + sp(-v), 0) / 4, 5);
    const g = Array.from(await grads.data());
    delta.forEach((d, i) => expect(g[i]).toBeCloseTo((-sig(-x[i]) * (1 - Math.tanh(d / 5) ** 2)) / 4, 6));
    expect(g[3]).toBeLessThan(-1e-3);
    tf.dispose([value, grads]);
  });
});

describe('maskedCrossEntropy and daRlReward', () => {
  it('cross-entropy averages -log p over masked tokens only', async () => {
    const v = tf.tidy(() =>
      maskedCrossEntropy(
        tf.tensor3d([
          [
            [0, 0],
            [5, 0],
          ],
        ]),
        tf.tensor2d([[0, 1]], [1, 2], 'int32'),
        tf.tensor2d([[1, 0]]),
      ),
    );
    expect((await v.data())[0]).toBeCloseTo(Math.log(2), 6);
    v.dispose();
  });
  it.each([
    ['A', 'A', 1],
    [' B <eos>', 'B', 1],
    ['A', 'B', 0],
    ['A B', 'A', 0],
    ['', 'A', 0],
  ] as const)('daRlReward(%j, %s) = %d', (c, l, r) => {
    expect(daRlReward(c, l)).toBe(r);
  });
});
