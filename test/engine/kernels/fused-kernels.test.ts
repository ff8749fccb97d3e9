/**
 * The fused webgpu kernels against the elementwise ops on cpu. Adam (src/engine/kernels/fused-adam.ts,
 * used by optim.ts): three steps with clipping active, weight decay on the matrix only, the
 * schedule's learning rate, no tensor leaks. GELU (src/engine/kernels/fused-gelu.ts, used by model.ts):
 * values and gradients from -30 to 30 (no overflow in tanh). LayerNorm (src/engine/kernels/fused-layernorm.ts,
 * used by model.ts): values and the gradients of x, g and b.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam, DEFAULT_OPTIMIZER } from '../../../src/engine/optim.ts';
import { gelu } from '../../../src/engine/model.ts';
import { fusedLayerNorm } from '../../../src/engine/kernels/fused-layernorm.ts';
import { fusedAttention, setFusedAttention } from '../../../src/engine/kernels/fused-attention.ts';
import {
  buildBatch,
  disposeInputs,
  encodePrompt,
  modelConfig,
  toModelInputs,
  Tokenizer,
  Transformer,
} from '../../../src/engine/index.ts';
import { maxRelDiff, tryWebGPU, useCpu } from '../helpers.ts';

const init = (n: number, a: number) => Array.from({ length: n }, (_, i) => Math.sin(i * a + 0.3));

async function threeSteps(): Promise<{ weights: Float32Array[]; moments: Float32Array[]; norms: number[] }> {
  const w = tf.variable(tf.tensor2d(init(12, 0.7), [3, 4]), true, 'fa_w');
  const b = tf.variable(tf.tensor1d(init(4, 1.3)), true, 'fa_b');
  const opt = new Adam([w, b], {
    ...DEFAULT_OPTIMIZER,
    lr: 0.05,
    weightDecay: 0.1,
    maxGradNorm: 0.5,
    schedule: { kind: 'cosine', warmupSteps: 2, totalSteps: 10 },
  });
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
  // The state round-trips: a second optimizer restored from it reports the same moments.
  const twin = new Adam([w, b], opt.config);
  twin.setState(st.m, st.v, opt.step);
  const st2 = twin.state();
  const again = await Promise.all([...st2.m, ...st2.v].map((t) => t.data() as Promise<Float32Array>));
  again.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(out.moments[i])));
  expect(st2.m.map((t) => t.shape)).toEqual([[3, 4], [4]]);
  tf.dispose([...st.m, ...st.v, ...st2.m, ...st2.v]);
  twin.dispose();
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

  it("GELU: one kernel each way gives the composed ops' values and gradients within 1e-5", async () => {
    const xs = Array.from({ length: 64 }, (_, i) => -30 + (60 * i) / 63).concat([-3, -1, -0.5, 0, 0.25, 1, 2.5]);
    const w = Array.from({ length: xs.length }, (_, i) => Math.cos(i));
    const f = async () => {
      const x = tf.tensor2d(xs, [1, xs.length]);
      const weights = tf.tensor2d(w, [1, w.length]);
      const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), weights)))([x]);
      const y = gelu(x);
      const out = {
        y: (await y.data()) as Float32Array,
        g: (await grads[0].data()) as Float32Array,
        v: (await value.data())[0],
      };
      tf.dispose([x, weights, value, grads[0], y]);
      return out;
    };
    await useCpu();
    const ref = await f();
    const why = await tryWebGPU();
    if (why) throw new Error(`webgpu unavailable here: ${why}`);
    const before = tf.memory().numTensors;
    const ours = await f();
    expect(tf.memory().numTensors).toBe(before);
    expect(ours.y.every(Number.isFinite) && ours.g.every(Number.isFinite)).toBe(true);
    expect(maxRelDiff(ours.y, ref.y)).toBeLessThan(1e-5);
    expect(maxRelDiff(ours.g, ref.g)).toBeLessThan(1e-5);
    expect(Math.abs(ours.v - ref.v)).toBeLessThan(1e-3);
    // Hand values: gelu(0) = 0, gelu'(0) = 0.5, gelu(-30) = 0, gelu(30) = 30.
    expect(ours.y[xs.indexOf(0)]).toBe(0);
    expect(ours.g[xs.indexOf(0)]).toBeCloseTo(0.5 * w[xs.indexOf(0)], 6);
    expect(ours.y[0]).toBeCloseTo(0, 6);
    expect(ours.y[63]).toBeCloseTo(30, 4);
  }, 120_000);

  it('LayerNorm: two kernels forward, four backward, equal to the composed ops and their gradients within 1e-5', async () => {
    const vals = (n: number, a: number, b: number, scale = 1) =>
      Array.from({ length: n }, (_, i) => Math.sin(i * a + b) * scale);
    const composed = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const f = async (ln: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor, R = 3) => {
      const x = tf.tensor3d(vals(R * 5 * 8, 0.37, 0.2, 3), [R, 5, 8]);
      const g = tf.tensor1d(vals(8, 1.1, 0.5));
      const b = tf.tensor1d(vals(8, 0.7, 0.1));
      const w = tf.tensor3d(vals(R * 5 * 8, 0.91, 0.4), [R, 5, 8]);
      const { value, grads } = tf.valueAndGrads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(ln(xx, gg, bb), w)),
      )([x, g, b]);
      const y = ln(x, g, b);
      const out = [
        await y.data(),
        ...(await Promise.all(grads.map((t) => t.data()))),
        await value.data(),
      ] as Float32Array[];
      tf.dispose([x, g, b, w, value, y, ...grads]);
      return out;
    };
    await useCpu();
    const ref = await f(composed);
    const ref7 = await f(composed, 7);
    const why = await tryWebGPU();
    if (why) throw new Error(`webgpu unavailable here: ${why}`);
    const before = tf.memory().numTensors;
    const fused = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => fusedLayerNorm(x, g, b, 1e-5);
    const ours = await f(fused);
    expect(tf.memory().numTensors).toBe(before);
    ['y', 'dx', 'dg', 'db', 'loss'].forEach((name, i) => expect(maxRelDiff(ours[i], ref[i]), name).toBeLessThan(1e-5));
    // Size-free kernels: another row count reuses every compiled pipeline (sizes are uniforms) and is
    // still exact; then the first size again.
    // (The test's own tf.sum may compile per size on a CPU adapter: count LayerNorm's pipelines only.)
    const pipelines = () =>
      Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache).filter((k) =>
        k.startsWith('ln_'),
      ).length;
    const compiled = pipelines();
    expect(compiled).toBe(6);
    const ours7 = await f(fused, 7);
    const again = await f(fused);
    expect(pipelines()).toBe(compiled);
    ['y', 'dx', 'dg', 'db', 'loss'].forEach((name, i) => {
      expect(maxRelDiff(ours7[i], ref7[i]), `${name} (7 rows)`).toBeLessThan(1e-5);
      expect(maxRelDiff(again[i], ref[i]), `${name} (3 rows again)`).toBeLessThan(1e-5);
    });
    // With g = 1 and b = 0 every row comes out with mean 0 and variance 1 (up to eps).
    const [x, one, zero] = [tf.tensor2d(vals(16, 0.5, 0.3, 2), [2, 8]), tf.ones([8]), tf.zeros([8])];
    const yt = fusedLayerNorm(x, one, zero, 1e-5);
    const y = (await yt.data()) as Float32Array;
    tf.dispose([x, one, zero, yt]);
    for (const row of [y.slice(0, 8), y.slice(8)]) {
      const m = row.reduce((a, v) => a + v, 0) / 8;
      expect(Math.abs(m)).toBeLessThan(1e-6);
      expect(row.reduce((a, v) => a + (v - m) ** 2, 0) / 8).toBeCloseTo(1, 4);
    }
  }, 120_000);

  it("attention: four kernels give the composed ops' hidden states and every parameter's gradient within 1e-4 (left padding included)", async () => {
    const tok = new Tokenizer(['a', 'b', 'c', 'd']);
    const config = modelConfig({ nLayer: 2, dModel: 16, nHead: 2, contextLength: 32 }, tok.size, { initStd: 0.3 });
    const prompts = ['a b c d a ->', 'c ->', 'd d a b ->'].map((text) => encodePrompt(tok, { text, images: [] }));
    const completions = prompts.map((_, n) => [6 + n, 7, 8 + n]);
    // One host batch for both backends (buildBatch pads prompts to a bucket on webgpu).
    await useCpu();
    const hb = buildBatch(tok, config, prompts, completions);
    const f = async () => {
      const model = new Transformer(config, 3);
      const inputs = toModelInputs(hb);
      const [B, T] = inputs.ids.shape;
      const w = tf.tensor3d(
        Array.from({ length: B * T * config.dModel }, (_, i) => Math.sin(i * 0.37)),
        [B, T, config.dModel],
      );
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(inputs).hidden, w)) as tf.Scalar);
      const hidden = tf.tidy(() => model.forward(inputs).hidden);
      const out = {
        loss: (await value.data())[0],
        hidden: (await hidden.data()) as Float32Array,
        grads: new Map<string, Float32Array>(),
      };
      for (const [name, g] of Object.entries(grads))
        out.grads.set(name.replace(/_\d+$/, ''), (await g.data()) as Float32Array);
      tf.dispose([value, hidden, w, ...Object.values(grads)]);
      disposeInputs(inputs);
      model.dispose();
      return out;
    };
    await useCpu();
    const ref = await f();
    const why = await tryWebGPU();
    if (why) throw new Error(`webgpu unavailable here: ${why}`);
    setFusedAttention(true);
    try {
      expect(fusedAttention()).toBe(true);
      const before = tf.memory().numTensors;
      const ours = await f();
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
      expect(maxRelDiff(ours.hidden, ref.hidden)).toBeLessThan(1e-4);
      expect(ours.grads.size).toBe(ref.grads.size);
      for (const [i, [name, g]] of [...ref.grads.entries()].entries()) {
        const o = [...ours.grads.values()][i];
        expect(maxRelDiff(o, g), name).toBeLessThan(1e-4);
      }
      // The QKV weights' gradient is not zero (the attention really passed gradients back).
      expect([...ours.grads.values()].some((g) => g.some((x) => Math.abs(x) > 1e-3))).toBe(true);
    } finally {
      setFusedAttention('auto');
    }
  }, 120_000);
});
