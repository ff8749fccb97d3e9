import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attribute, type AttributionMethod, type AttributionRequest } from '../../src/engine/attribution.ts';
import { modelConfig, Tokenizer, Transformer } from '../../src/engine/index.ts';
import { maxRelDiff, useCpu, useWasm } from './helpers.ts';
import { groundingTokenizer, oneTokenModel } from './grounding-model.ts';

const tok = groundingTokenizer();
let model: Transformer;
beforeAll(async () => {
  await useCpu();
  model = oneTokenModel(tok);
});
afterAll(() => model.dispose());

const prompt = (text: string) => ({ text, images: [] });
const request = (text: string, answer: string): AttributionRequest => ({
  prompt: prompt(text),
  target: { kind: 'answer', answer },
});
const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
const METHODS: AttributionMethod[] = ['grad-input', 'rollout'];

describe('attribution on a model whose answer depends on one token', () => {
  it('the constructed model answers with the value token whatever the fillers are', async () => {
    const [a, b] = await attribute(
      model,
      tok,
      [request('f0 f3 v2 f1 f4 | q ->', 'v2'), request('f5 f5 v2 f2 f0 | q ->', 'v2')],
      'grad-input',
    );
    expect(a.objective).toBeGreaterThan(-0.05); // log p(v2) close to 0
    expect(b.objective).toBeCloseTo(a.objective, 4);
  });

  it.each(METHODS)('%s: the value token gets most of the attribution over the context', async (method) => {
    const [r] = await attribute(model, tok, [request('f0 f3 v2 f1 f4 | q ->', 'v2')], method);
    // positions: bos f0 f3 v2 f1 f4 | q ->
    expect(r.ids.length).toBe(9);
    expect(r.scores.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    const context = r.scores.slice(1, 6);
    expect(argmax(context)).toBe(2);
    expect(context[2] / context.reduce((x, y) => x + y, 0)).toBeGreaterThan(0.9);
    // Outside the context only the answer position itself (`->`, through the residual stream) competes.
    expect(Math.max(...r.scores.slice(6, 8))).toBeLessThan(context[2]);
  });

  it('a contrast target (logit v2 - logit v3) and a batch with padding give the same picture', async () => {
    const reqs: AttributionRequest[] = [
      { prompt: prompt('v2 f1 | q ->'), target: { kind: 'contrast', positive: 'v2', negative: 'v3' } },
      request('f1 f2 f3 f4 f5 f0 v1 | q ->', 'v1'),
    ];
    const rs = await attribute(model, tok, reqs, 'grad-input');
    expect(rs[0].objective).toBeGreaterThan(3);
    expect(argmax(rs[0].scores.slice(1, 3))).toBe(0); // bos [v2 f1] | q ->
    expect(argmax(rs[1].scores.slice(1, 8))).toBe(6); // bos [f1 f2 f3 f4 f5 f0 v1] | q ->
    // Batched == alone (left padding does not leak into a row).
    const [alone] = await attribute(model, tok, [reqs[0]], 'grad-input');
    expect(maxRelDiff(alone.scores, rs[0].scores)).toBeLessThan(1e-4);
  });

  it('a flat objective gives all-zero scores, not NaN', async () => {
    const [r] = await attribute(
      model,
      tok,
      [{ prompt: prompt('f0 f1 | q ->'), target: { kind: 'contrast', positive: 'f2', negative: 'f2' } }],
      'grad-input',
    );
    expect(r.scores.every((x) => x === 0)).toBe(true);
  });

  it('rejects an unknown method and a multi-token contrast letter', async () => {
    await expect(attribute(model, tok, [request('v1 | q ->', 'v1')], 'saliency' as AttributionMethod)).rejects.toThrow(
      /grad-input, rollout/,
    );
    await expect(
      attribute(
        model,
        tok,
        [{ prompt: prompt('v1 | q ->'), target: { kind: 'contrast', positive: 'xy', negative: 'v1' } }],
        'grad-input',
      ),
    ).rejects.toThrow(/single token/);
  });

  it('no tensor leaks: numTensors is flat across calls (both methods, text and images)', async () => {
    const imgTok = new Tokenizer(['a', 'b'], { nPatches: 4 });
    const m = new Transformer(
      modelConfig({ nLayer: 2, dModel: 8, nHead: 2, contextLength: 32 }, imgTok.size, { imageSize: 4, patchSize: 2 }),
      3,
    );
    const img = { width: 4, height: 4, data: Uint8Array.from({ length: 48 }, (_, i) => (i * 31) % 256) };
    const reqs: AttributionRequest[] = [
      { prompt: { text: '<img> | a ->', images: [img] }, target: { kind: 'answer', answer: 'b a' } },
      {
        prompt: { text: 'a b <img> | which ->', images: [img] },
        target: { kind: 'contrast', positive: 'A', negative: 'B' },
      },
    ];
    const once = async () => {
      for (const method of METHODS) await attribute(m, imgTok, reqs, method);
    };
    await once();
    const before = tf.memory().numTensors;
    await once();
    await once();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

describe('attribution agrees across backends', () => {
  it('cpu and wasm give the same scores', async () => {
    const reqs = [request('f0 f3 v2 f1 f4 | q ->', 'v2'), request('f2 v0 | q ->', 'v0')];
    const run = async () => Promise.all(METHODS.map((m) => attribute(model, tok, reqs, m)));
    const onCpu = await run();
    await useWasm();
    const wasmModel = oneTokenModel(tok);
    try {
      const onWasm = await Promise.all(METHODS.map((m) => attribute(wasmModel, tok, reqs, m)));
      onCpu.forEach((rs, i) =>
        rs.forEach((r, j) => expect(maxRelDiff(onWasm[i][j].scores, r.scores)).toBeLessThan(1e-3)),
      );
    } finally {
      wasmModel.dispose();
      await useCpu();
    }
  });
});
