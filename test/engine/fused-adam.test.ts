/**
 * Adam's fused webgpu update (src/engine/fused-adam.ts, used by optim.ts on the webgpu backend)
 * against the elementwise update on cpu: three steps with clipping active, weight decay on the
 * matrix only, the schedule's learning rate; no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam, DEFAULT_OPTIMIZER } from '../../src/engine/optim.ts';
import { maxRelDiff, tryWebGPU, useCpu } from './helpers.ts';

const init = (n: number, a: number) => Array.from({ length: n }, (_, i) => Math.sin(i * a + 0.3));

async function threeSteps(): Promise<{ weights: Float32Array[]; moments: Float32Array[]; norms: number[] }> {
  const w = tf.variable(tf.tensor2d(init(12, 0.7), [3, 4]), true, 'fa_w');
  const b = tf.variable(tf.tensor1d(init(4, 1.3)), true, 'fa_b');
  const opt = new Adam([w, b], { ...DEFAULT_OPTIMIZER, lr: 0.05, weightDecay: 0.1, maxGradNorm: 0.5, schedule: { kind: 'cosine', warmupSteps: 2, totalSteps: 10 } });
  const norms: number[] = [];
  const before = tf.memory().numTensors;
  for (let s = 0; s < 3; s++) {
    const grads = { fa_w: tf.tensor2d(init(12, 0.3 + s), [3, 4]), fa_b: tf.tensor1d(init(4, 2.1 + s)) };
    const norm = opt.apply(grads);
    norms.push((await norm.data())[0]);
    tf.dispose([norm, grads.fa_w, grads.fa_b]);
    expect(tf.memory().numTensors).toBe(before);
  }
  const st = opt.state();
  const out = {
    weights: [(await w.data()) as Float32Array, (await b.data()) as Float32Array],
    moments: await Promise.all([...st.m, ...st.v].map((t) => t.data() as Promise<Float32Array>)),
    norms,
  };
  opt.dispose();
  tf.dispose([w, b]);
  return out;
}

describe('fused Adam on webgpu', () => {
  it('gives the elementwise update within 1e-6 over three clipped steps, with no leaks', async () => {
    await useCpu();
    const ref = await threeSteps();
    const why = await tryWebGPU();
    if (why) throw new Error(`webgpu unavailable here: ${why}`);
    const ours = await threeSteps();
    expect(maxRelDiff(ours.norms, ref.norms)).toBeLessThan(1e-6);
    ours.weights.forEach((x, i) => expect(maxRelDiff(x, ref.weights[i])).toBeLessThan(1e-6));
    ours.moments.forEach((x, i) => expect(maxRelDiff(x, ref.moments[i])).toBeLessThan(1e-6));
    // The step moved the weights (the comparison is not between two untouched copies).
    expect(maxRelDiff(ours.weights[0], init(12, 0.7))).toBeGreaterThan(1e-3);
  }, 120_000);
});
