/**
 * Cached decoding (prefill + one position per token) against the full forward it replaces, on cpu,
 * wasm and webgpu (where decode and the token choice run as fused kernels, fused-decode.ts); and
 * webgpu's sampling against cpu's on the same weights and seed.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  buildBatch,
  disposeInputs,
  encodePrompt,
  generate,
  modelConfig,
  toModelInputs,
  Tokenizer,
  Transformer,
} from '../../src/engine/index.ts';
import type { EncodedPrompt, Rollouts } from '../../src/engine/index.ts';
import { disposeKVCache } from '../../src/engine/model.ts';
import { decodeDense, fusedDecoding, setDecodeDense, setFusedDecoding } from '../../src/engine/kernels/fused-decode.ts';
import type { PromptText, RGBImage } from '../../src/tasks/types.ts';
import { tryWebGPU, useCpu, useWasm } from './helpers.ts';

/**
 * Dawn (GLES) as in the other webgpu tests, with the fused decode and sampling kernels on, and its
 * projections as a GPU runs them (rowDense) or as a CPU-emulated adapter does (blocked matMuls).
 */
const useWebGPU = (dense: 'fused' | 'composed') => async (): Promise<void> => {
  const why = await tryWebGPU();
  if (why) throw new Error(`webgpu unavailable here: ${why}`);
  setFusedDecoding(true);
  setDecodeDense(dense);
};

const tok = new Tokenizer(['a', 'b', 'c', 'd'], { nPatches: 4 });
const config = modelConfig({ nLayer: 2, dModel: 16, nHead: 2, contextLength: 32 }, tok.size, {
  imageSize: 4,
  patchSize: 2,
  initStd: 0.3,
});
const image = (k: number): RGBImage => ({
  width: 4,
  height: 4,
  data: Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + k * 11) % 256),
});

// Different lengths, so rows are left-padded by different amounts.
const textPrompts: PromptText[] = [
  { text: 'a b ->', images: [] },
  { text: 'c c a b d a ->', images: [] },
  { text: 'd ->', images: [] },
];
const imagePrompts: PromptText[] = [
  { text: '<img> a ->', images: [image(0)] },
  { text: 'b c <img> d a b ->', images: [image(1)] },
  { text: 'a ->', images: [] },
];

/** Full-forward logits at the L completion positions, teacher-forced with `completions` [N][L].  -> [N, L, V] */
async function fullLogits(
  model: Transformer,
  prompts: EncodedPrompt[],
  completions: number[][],
): Promise<Float32Array> {
  const hb = buildBatch(tok, model.config, prompts, completions);
  const inputs = toModelInputs(hb);
  const out = tf.tidy(() => model.logitsAt(inputs, hb.Tp - 1, hb.L));
  disposeInputs(inputs);
  const d = (await out.data()) as Float32Array;
  out.dispose();
  return d;
}

/** The same logits from prefill on the prompts, then one decode per completion token.  -> [N, L, V] */
async function cachedLogits(
  model: Transformer,
  prompts: EncodedPrompt[],
  completions: number[][],
): Promise<Float32Array> {
  const hb = buildBatch(tok, model.config, prompts, undefined, 0);
  const L = completions[0].length;
  const inputs = toModelInputs(hb);
  const { D, V } = { D: model.config.dModel, V: model.config.vocabSize };
  const steps: tf.Tensor[] = [];
  let cache = tf.tidy(() => {
    const r = model.prefill(inputs, L - 1);
    steps.push(tf.keep(model.logits(tf.slice(r.hidden, [0, hb.Tp - 1, 0], [hb.B, 1, D]))));
    return r.cache;
  });
  disposeInputs(inputs);
  for (let j = 0; j < L - 1; j++) {
    const ids = tf.tensor1d(
      completions.map((c) => c[j]),
      'int32',
    );
    const next = tf.tidy(() => {
      const r = model.decode(ids, cache);
      steps.push(tf.keep(tf.reshape(model.logits(tf.reshape(r.hidden, [hb.B, 1, D])), [hb.B, 1, V])));
      return r.cache;
    });
    ids.dispose();
    tf.dispose([...cache.keys, ...cache.values]);
    cache = next;
  }
  disposeKVCache(cache);
  const all = tf.concat(steps, 1); // [N, L, V]
  tf.dispose(steps);
  const d = (await all.data()) as Float32Array;
  all.dispose();
  return d;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

function expectSameRollouts(cached: Rollouts, full: Rollouts): void {
  expect(cached.completionIds).toEqual(full.completionIds);
  expect(cached.ended).toEqual(full.ended);
  expect(cached.texts).toEqual(full.texts);
  expect(maxAbsDiff(cached.logp.flat(), full.logp.flat())).toBeLessThan(1e-4);
}

describe.each([
  ['cpu', useCpu],
  ['wasm', useWasm],
  ['webgpu (GPU projections)', useWebGPU('fused')],
  ['webgpu (CPU-adapter projections)', useWebGPU('composed')],
])('KV cache on %s', (_name, use) => {
  it('prefill + decode logits equal the full forward at every completion position (text, left-padded)', async () => {
    await use();
    const model = new Transformer(config, 4);
    const prompts = textPrompts.map((p) => encodePrompt(tok, p));
    const completions = prompts.map((_, n) =>
      Array.from({ length: 7 }, (_, j) => 6 + ((n * 5 + j * 3) % (tok.size - 6))),
    );
    const full = await fullLogits(model, prompts, completions);
    const cached = await cachedLogits(model, prompts, completions);
    expect(cached.length).toBe(full.length);
    expect(maxAbsDiff(cached, full)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('prefill handles image patches: logits equal the full forward for image prompts', async () => {
    await use();
    const model = new Transformer(config, 5);
    const prompts = imagePrompts.map((p) => encodePrompt(tok, p));
    const completions = prompts.map((_, n) => Array.from({ length: 5 }, (_, j) => 6 + ((n + j * 2) % (tok.size - 6))));
    const full = await fullLogits(model, prompts, completions);
    const cached = await cachedLogits(model, prompts, completions);
    expect(maxAbsDiff(cached, full)).toBeLessThan(1e-4);
    // The image matters: the same prompt with the other image changes the logits.
    const swapped = await cachedLogits(
      model,
      [encodePrompt(tok, { ...imagePrompts[0], images: [image(3)] })],
      [completions[0]],
    );
    expect(maxAbsDiff(swapped, cached.slice(0, swapped.length))).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it.each([
    ['text', textPrompts],
    ['image', imagePrompts],
  ])(
    'generate with and without the cache samples the same tokens, log-probs within 1e-4 (%s prompts)',
    async (_kind, prompts) => {
      await use();
      const model = new Transformer(config, 6);
      for (const opts of [{ temperature: 1 }, { temperature: 0.7, topK: 3 }]) {
        const o = { maxCompletionLength: 8, seed: 11, ...opts };
        const cached = await generate(model, tok, prompts, 3, { ...o, kvCache: true });
        const full = await generate(model, tok, prompts, 3, { ...o, kvCache: false });
        expectSameRollouts(cached, full);
        expect(new Set(cached.completionIds.map((c) => c.join())).size).toBeGreaterThan(1); // really sampled
      }
      model.dispose();
    },
  );

  it('greedy decoding is identical with and without the cache', async () => {
    await use();
    const model = new Transformer(config, 7);
    const prompts = [...textPrompts, ...imagePrompts];
    const cached = await generate(model, tok, prompts, 1, { maxCompletionLength: 10, temperature: 0, kvCache: true });
    const full = await generate(model, tok, prompts, 1, { maxCompletionLength: 10, temperature: 0, kvCache: false });
    expectSameRollouts(cached, full);
    model.dispose();
  });

  it('generate with one new token needs no decode step', async () => {
    await use();
    const model = new Transformer(config, 8);
    const cached = await generate(model, tok, textPrompts, 2, { maxCompletionLength: 1, seed: 3, kvCache: true });
    const full = await generate(model, tok, textPrompts, 2, { maxCompletionLength: 1, seed: 3, kvCache: false });
    expectSameRollouts(cached, full);
    model.dispose();
  });

  it('tf.memory().numTensors is flat across repeated generate() calls (cached and not)', async () => {
    await use();
    const model = new Transformer(config, 9);
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) {
      for (const kvCache of [true, false]) {
        for (const topK of [4, 0]) {
          await generate(model, tok, imagePrompts, 2, { maxCompletionLength: 6, seed: r, topK, kvCache });
          expect(tf.memory().numTensors).toBe(before);
        }
      }
    }
    model.dispose();
  });

  it('rejects prompts that leave no room for maxCompletionLength, with or without the cache', async () => {
    await use();
    const model = new Transformer(config, 10);
    for (const kvCache of [true, false]) {
      await expect(
        generate(model, tok, [{ text: 'a b c d a b c d a b', images: [] }], 1, { maxCompletionLength: 30, kvCache }),
      ).rejects.toThrow(/exceeds contextLength 32/);
    }
    model.dispose();
  });
});

/** A model whose end-of-sequence logit is raised by a constant (about 4), so rows end at different steps. */
function eosProneModel(seed: number): Transformer {
  const model = new Transformer(config, seed);
  const D = config.dModel;
  const lnfB = model.params.get('lnf.b') as tf.Variable;
  const head = model.params.get('head.w') as tf.Variable;
  const ones = tf.ones([D]);
  const raised = tf.tidy(() => tf.add(head, tf.mul(tf.oneHot(tf.fill([D], tok.eos, 'int32'), config.vocabSize), 0.25)));
  lnfB.assign(ones);
  head.assign(raised);
  tf.dispose([ones, raised]);
  return model;
}

describe('sampling on webgpu (fused kernels) against cpu (composed ops)', () => {
  it.each([
    ['temperature 1', { temperature: 1 }],
    ['temperature 0.7', { temperature: 0.7 }],
    ['greedy', { temperature: 0 }],
  ])('same tokens, ends and log-probs within 1e-4 on the same weights and seed (%s)', async (_name, opts) => {
    const run = async () => {
      const model = eosProneModel(12);
      const r = await generate(model, tok, [...textPrompts, ...imagePrompts], 3, {
        maxCompletionLength: 8,
        seed: 5,
        ...opts,
      });
      model.dispose();
      return r;
    };
    await useCpu();
    const ref = await run();
    await useWebGPU('fused')();
    expect(fusedDecoding()).toBe(true);
    expect(decodeDense()).toBe('fused');
    const before = tf.memory().numTensors;
    const ours = await run();
    expect(tf.memory().numTensors).toBe(before);
    expectSameRollouts(ours, ref);
    // Rows ended at different steps, some not at all: the finished bookkeeping was exercised.
    const lengths = new Set(ref.completionIds.map((c) => c.length));
    expect(lengths.size).toBeGreaterThan(2);
    if (opts.temperature > 0) expect(ref.ended.some((e) => e) && ref.ended.some((e) => !e)).toBe(true);
  });

  it('by default a CPU-emulated adapter (llvmpipe here) gets the fused decode with blocked-matMul projections', async () => {
    await useWebGPU('fused')();
    setFusedDecoding('auto');
    setDecodeDense('auto');
    expect(fusedDecoding()).toBe(true);
    expect(decodeDense()).toBe('composed');
  });
});

describe('prompt-length buckets on webgpu', () => {
  it('pads prompts to a multiple of 16 (capped by the context) on webgpu, not on cpu, with the same next-token logits', async () => {
    const prompts = textPrompts.map((p) => encodePrompt(tok, p)); // longest: 8 tokens
    const longest = Math.max(...prompts.map((p) => p.ids.length));
    const logitsOn = async () => {
      const model = new Transformer(config, 4);
      const hb = buildBatch(tok, config, prompts);
      const inputs = toModelInputs(hb);
      const out = tf.tidy(() => model.logitsAt(inputs, hb.Tp - 1, 1));
      const d = (await out.data()) as Float32Array;
      tf.dispose(out);
      disposeInputs(inputs);
      model.dispose();
      return { Tp: hb.Tp, d };
    };
    await useCpu();
    const ref = await logitsOn();
    expect(ref.Tp).toBe(longest);
    await useWebGPU('fused')();
    const ours = await logitsOn();
    expect(ours.Tp).toBe(16);
    expect(maxAbsDiff(ours.d, ref.d)).toBeLessThan(1e-4);
    // Capped so that prompt + completion still fit the context (32), never below the longest prompt.
    expect(longest).toBe(8);
    expect(buildBatch(tok, config, prompts, undefined, 17).Tp).toBe(15);
    expect(buildBatch(tok, config, prompts, undefined, 24).Tp).toBe(8);
  });
});
