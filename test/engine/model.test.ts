import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  buildBatch,
  disposeInputs,
  encodePrompt,
  maskedCrossEntropy,
  modelConfig,
  toModelInputs,
  Tokenizer,
  Transformer,
} from '../../src/engine/index.ts';
import type { RGBImage } from '../../src/tasks/types.ts';
import { useCpu } from './helpers.ts';

beforeAll(useCpu);

describe('model config', () => {
  it.each([
    [{ nHead: 5 }, 'nHead must divide dModel (got 5, 64)'],
    [{ nLayer: 0 }, 'nLayer must be a positive integer (got 0)'],
    [{ dModel: 12.5 }, 'dModel must be a positive integer (got 12.5)'],
    [{ patchSize: 5 }, 'patchSize must divide imageSize (got 5, 24)'],
  ])('bad config %j fails at construction: %s', (override, message) => {
    expect(() => modelConfig('nano', 100, override)).toThrow(message);
  });
  it('presets have the sizes of the issue', () => {
    expect(modelConfig('micro', 100)).toMatchObject({
      nLayer: 4,
      dModel: 128,
      nHead: 4,
      contextLength: 512,
      dMlp: 512,
    });
    expect(modelConfig('small', 100)).toMatchObject({ nLayer: 6, dModel: 256, nHead: 8, contextLength: 1024 });
  });
});

const tok = new Tokenizer(['a', 'b', 'c'], { nPatches: 4 });
const tiny = () =>
  modelConfig({ nLayer: 2, dModel: 8, nHead: 2, contextLength: 16 }, tok.size, {
    imageSize: 4,
    patchSize: 2,
    initStd: 0.3,
  });
const image = (k: number): RGBImage => ({
  width: 4,
  height: 4,
  data: Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + k * 11) % 256),
});

describe('Transformer', () => {
  it("left padding does not change a row's outputs (masks and positions are right)", async () => {
    const model = new Transformer({ ...tiny(), vocabSize: tok.size }, 1);
    const short = encodePrompt(tok, { text: 'a b ->', images: [] });
    const long = encodePrompt(tok, { text: 'c c a b c a ->', images: [] });
    const alone = buildBatch(tok, model.config, [short]);
    const both = buildBatch(tok, model.config, [long, short]);
    const read = async (hb: ReturnType<typeof buildBatch>, row: number) => {
      const inp = toModelInputs(hb);
      const out = tf.tidy(() => tf.slice(model.logitsAt(inp, hb.Tp - 1, 1), [row, 0, 0], [1, 1, -1]));
      disposeInputs(inp);
      const d = await out.data();
      out.dispose();
      return Array.from(d);
    };
    const a = await read(alone, 0);
    const b = await read(both, 1);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    model.dispose();
  });

  it('places image patches at <img> positions and exposes attention [B, H, T, T]', async () => {
    const model = new Transformer({ ...tiny(), vocabSize: tok.size }, 2);
    const p = encodePrompt(tok, { text: '<img> a ->', images: [image(0)] });
    const q = encodePrompt(tok, { text: '<img> a ->', images: [image(1)] });
    const hb = buildBatch(tok, model.config, [p, q]);
    const inp = toModelInputs(hb);
    const { logits, att, n } = tf.tidy(() => {
      const r = model.forward(inp, { collectAttention: true });
      return { logits: model.logits(r.hidden), att: r.attention as tf.Tensor4D[], n: r.attention?.length };
    });
    expect(n).toBe(2);
    expect(att[0].shape).toEqual([2, 2, hb.Tp, hb.Tp]);
    const d = await logits.data();
    const V = tok.size;
    const last = (row: number) => Array.from(d.slice((row * hb.Tp + hb.Tp - 1) * V, (row * hb.Tp + hb.Tp) * V));
    expect(Math.max(...last(0).map((v, i) => Math.abs(v - last(1)[i])))).toBeGreaterThan(1e-4); // the image matters
    tf.dispose([logits, ...att]);
    disposeInputs(inp);
    model.dispose();
  });

  it('rejects an image count that does not match the <img> markers', () => {
    expect(() => encodePrompt(tok, { text: '<img> <img> a', images: [image(0)] })).toThrow(
      /2 <img> markers but 1 images/,
    );
  });

  it('finite differences match the gradient of every parameter tensor (whole model, float32)', async () => {
    const model = new Transformer({ ...tiny(), vocabSize: tok.size }, 3);
    const prompts = [
      encodePrompt(tok, { text: '<img> a b ->', images: [image(2)] }),
      encodePrompt(tok, { text: 'c ->', images: [] }),
    ];
    const hb = buildBatch(tok, model.config, prompts, [
      [tok.id('a') as number, tok.eos],
      [tok.id('c') as number, tok.id('b') as number, tok.eos],
    ]);
    const inp = toModelInputs(hb);
    const targets = tf.tensor2d(hb.targets, [hb.B, hb.L], 'int32');
    const mask = tf.tensor2d(hb.targetMask, [hb.B, hb.L]);
    const lossFn = () => maskedCrossEntropy(model.logitsAt(inp, hb.Tp - 1, hb.L), targets, mask);
    const { value, grads } = tf.variableGrads(lossFn, model.variables());
    value.dispose();
    const evalLoss = async () => {
      const l = tf.tidy(lossFn);
      const v = (await l.data())[0];
      l.dispose();
      return v;
    };
    const eps = 1e-2;
    let seed = 10;
    let worst = 0;
    for (const [name, v] of model.params) {
      const variable = v as tf.Variable;
      const orig = tf.clone(variable);
      const dir = tf.tidy(() => {
        const r = tf.randomNormal(variable.shape, 0, 1, 'float32', seed++);
        return tf.div(r, tf.norm(r));
      }); // unit direction
      const analytic = (await tf.tidy(() => tf.sum(tf.mul(grads[variable.name], dir))).data())[0];
      variable.assign(tf.tidy(() => tf.add(orig, tf.mul(dir, eps))));
      const up = await evalLoss();
      variable.assign(tf.tidy(() => tf.sub(orig, tf.mul(dir, eps))));
      const down = await evalLoss();
      variable.assign(orig);
      const fd = (up - down) / (2 * eps);
      // float32 loss ~2: the difference quotient carries ~1e-5 absolute noise; O(eps^2) truncation.
      expect(Math.abs(fd - analytic), `${name}: fd ${fd} vs analytic ${analytic}`).toBeLessThan(
        1e-4 + 1e-2 * Math.abs(analytic),
      );
      worst = Math.max(worst, Math.abs(fd - analytic) / Math.max(1e-2, Math.abs(analytic)));
      tf.dispose([orig, dir]);
    }
    expect(worst).toBeLessThan(1e-2);
    tf.dispose(grads);
    tf.dispose([targets, mask]);
    disposeInputs(inp);
    model.dispose();
  });
});

describe('init', () => {
  it('is reproducible for every seed, 0 included (tfjs ignores a falsy seed)', async () => {
    const cfg = { ...tiny(), vocabSize: tok.size };
    for (const seed of [0, 1]) {
      const a = new Transformer(cfg, seed);
      const b = new Transformer(cfg, seed);
      for (const [name, t] of a.params)
        expect(Array.from(await t.data()), name).toEqual(Array.from(await (b.params.get(name) as tf.Tensor).data()));
      a.dispose();
      b.dispose();
    }
  });
});
