/** cpu, wasm and webgpu (Dawn through the `webgpu` package, where it loads) agree over a few training steps. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Policy } from '../../src/engine/index.ts';
import type { Rollouts, ScoredRollouts } from '../../src/engine/index.ts';
import { maxRelDiff, tryWebGPU, useCpu, useWasm } from './helpers.ts';
import { copyItems, pairBatch, sftBatch, toyTokenizer } from './toy.ts';

const tok = toyTokenizer();
const model = { nLayer: 2, dModel: 16, nHead: 2, contextLength: 24 };
const items = copyItems(11, 4, 2);
const score = (r: Rollouts): ScoredRollouts => ({
  ...r,
  rewards: r.texts.map((t, i) => (t === items[Math.floor(i / r.groupSize)].answer ? 1 : t.length % 2)),
});

interface Trace {
  metrics: number[];
  weights: Float32Array;
  tokens: number[][];
}

/** SFT x2, L_CA x1, GRPO (+ lambda L_CA, beta > 0, 2 iterations) x2 on fixed rollouts, and one sampling call. */
async function run(fixed?: ScoredRollouts): Promise<{ trace: Trace; rollouts: ScoredRollouts }> {
  const p = new Policy(tok, { model, seed: 21, optimizer: { lr: 1e-2 }, grpo: { beta: 0.05, numIterations: 2 } });
  const metrics: number[] = [];
  for (let s = 0; s < 2; s++) metrics.push((await p.sftStep(sftBatch(s, 4, 2)))['loss/sft']);
  metrics.push((await p.caStep(pairBatch(3, 4)))['loss/ca']);
  const sampled = score(
    await p.generate(
      items.map((x) => x.prompt),
      3,
      { maxCompletionLength: 4, seed: 5 },
    ),
  );
  // maxCompletionLength above the sampled length: webgpu pads every update to maxCompletionLength slots (masked),
  // cpu and wasm use the longest completion; the results must not differ.
  const rollouts = { ...(fixed ?? sampled), maxCompletionLength: 7 };
  for (let s = 0; s < 2; s++) {
    const m = await p.grpoStep(rollouts, pairBatch(4 + s, 2));
    metrics.push(m['loss/grpo'], m.kl, m.entropy, m['loss/ca'], m.grad_norm);
  }
  const weights = (await tf
    .tidy(() => tf.concat(p.model.variables().map((v) => tf.reshape(v, [-1]))))
    .data()) as Float32Array;
  p.dispose();
  return { trace: { metrics, weights, tokens: sampled.completionIds }, rollouts };
}

describe('backends agree', () => {
  let reference: { trace: Trace; rollouts: ScoredRollouts } | undefined;
  const compare = (t: Trace) => {
    const ref = (reference as { trace: Trace }).trace;
    expect(t.tokens).toEqual(ref.tokens); // same seeded Gumbel noise, same argmax
    expect(maxRelDiff(t.metrics, ref.metrics)).toBeLessThan(1e-4);
    expect(maxRelDiff(t.weights, ref.weights)).toBeLessThan(1e-4);
    console.log(
      `max relative difference vs cpu: metrics ${maxRelDiff(t.metrics, ref.metrics).toExponential(1)}, weights ${maxRelDiff(t.weights, ref.weights).toExponential(1)}`,
    );
  };

  it('cpu reference run', async () => {
    await useCpu();
    reference = await run();
    expect(reference.trace.metrics.every(Number.isFinite)).toBe(true);
  });

  it('wasm matches cpu within 1e-4 over 5 steps', async () => {
    await useWasm();
    compare((await run(reference?.rollouts)).trace);
  });

  it('webgpu (Dawn, OpenGL ES compatibility mode) matches cpu within 1e-4', async () => {
    // Never a silent skip: .ci/run installs what Dawn needs, so an unavailable WebGPU is a failure.
    const why = await tryWebGPU();
    if (why)
      throw new Error(
        `webgpu unavailable here: ${why} (Dawn needs Mesa's OpenGL ES: apt-get install -y libegl-mesa0 libgl1-mesa-dri)`,
      );
    compare((await run(reference?.rollouts)).trace);
  }, 300_000);
});
