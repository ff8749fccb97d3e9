/**
 * Batched autoregressive sampling of G completions per prompt (runs without gradients; the
 * update recomputes log-probs under the graph, STYLE.md example 7).
 *
 * The sequence buffer has a fixed shape [N, Tp + maxNewTokens]: step i runs the model on the whole
 * buffer (causal attention makes the unfilled tail irrelevant) and writes token i at Tp + i. Fixed
 * shapes mean WebGPU compiles each shader once. There is no KV cache: each step costs a full forward.
 * The token is chosen on the device (Gumbel-max over temperature-scaled, top-k-masked logits; the
 * Gumbel noise comes from our seeded Rng, so every backend samples the same tokens); the only
 * readback per step is one "all finished" flag, and the tokens, log-probs and masks come back once.
 *
 * Log-probs: log softmax(logits / temperature) at the sampled token, without top-k truncation.
 * That is the policy the trainer differentiates (TRL divides logits by the temperature in the update
 * too); at temperature 1 it is the model's own distribution. temperature 0 = greedy, logp at T = 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { PromptText } from '../tasks/types.ts';
import type { EncodedPrompt } from './batch.ts';
import { buildBatch, disposeInputs, encodePrompt, toModelInputs } from './batch.ts';
import type { Transformer } from './model.ts';
import { Rng } from './rng.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface SampleOptions {
  maxNewTokens: number;
  /** 1 = the model's distribution; 0 = greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: no truncation). */
  topK?: number;
  seed?: number;
}

/** Host-side rollouts: plain arrays, safe to post to a worker. N = prompts.length * groupSize. */
export interface Rollouts {
  /** = G in GRPO; rows are grouped: prompt 0's G completions first. */
  groupSize: number;
  prompts: EncodedPrompt[]; // [P]
  completionIds: number[][]; // [N][len_n], eos included when the completion ended
  /** Sampling-time log-probs of each completion token: [N][len_n]. */
  logp: number[][];
  texts: string[]; // decoded completions, eos stripped  [N]
  /** true where the completion ended with eos before maxNewTokens. */
  ended: boolean[];
  maxNewTokens: number;
  temperature: number;
}

/** Rollouts with one reward per completion (filled in by the runtime from the domain's reward). */
export interface ScoredRollouts extends Rollouts {
  rewards: number[]; // [N]
}

/** Adds -log(-log u) noise; u from the seeded Rng.  [N, V] */
function gumbelNoise(rng: Rng, N: number, V: number): tf.Tensor2D {
  const g = new Float32Array(N * V);
  for (let i = 0; i < g.length; i++) g[i] = -Math.log(-Math.log(rng.nextOpen()));
  return tf.tensor2d(g, [N, V]);
}

export async function generate(
  model: Transformer,
  tok: Tokenizer,
  prompts: PromptText[],
  groupSize: number,
  options: SampleOptions,
): Promise<Rollouts> {
  const { maxNewTokens } = options;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer (got ${maxNewTokens})`);
  if (!(temperature >= 0)) throw new Error(`temperature must be >= 0 (got ${temperature})`);
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new Error(`groupSize must be a positive integer (got ${groupSize})`);
  const rng = new Rng(options.seed ?? 0);
  const V = model.config.vocabSize;
  const encoded = prompts.map((p) => encodePrompt(tok, p));
  const rows = encoded.flatMap((e) => Array.from({ length: groupSize }, () => e));
  const hb = buildBatch(tok, model.config, rows, undefined, maxNewTokens);
  const N = hb.B;
  const Tp = hb.Tp;
  const inputs = toModelInputs(hb);
  let finished = tf.zeros([N]) as tf.Tensor1D; // 1 once eos was emitted  [N]
  const steps: tf.Tensor[] = []; // per step: [3, N] = token, logp, mask
  try {
    for (let i = 0; i < maxNewTokens; i++) {
      const noise = temperature > 0 ? gumbelNoise(rng, N, V) : undefined;
      const [ids, step, fin] = tf.tidy(() => {
        const logits = tf.reshape(model.logitsAt(inputs, Tp - 1 + i, 1), [N, V]); // [N, V]
        const scaled = temperature > 0 ? tf.div(logits, temperature) : logits;
        const logpAll = tf.logSoftmax(scaled); // [N, V]
        let choiceLogits = scaled;
        if (topK > 0 && topK < V) {
          const kth = tf.min(tf.topk(scaled, topK).values, -1, true); // [N, 1]
          choiceLogits = tf.where(tf.less(scaled, kth), tf.fill([N, V], -1e9), scaled);
        }
        if (noise) choiceLogits = tf.add(choiceLogits, noise);
        const choice = tf.argMax(choiceLogits, -1) as tf.Tensor1D; // [N] int32
        const lp = tf.sum(tf.mul(logpAll, tf.oneHot(choice, V)), -1); // [N]
        const alive = tf.sub(1, finished); // [N]
        const token = tf.cast(tf.mul(tf.cast(choice, 'float32'), alive), 'int32'); // pad (0) after eos
        const newFinished = tf.maximum(finished, tf.mul(tf.cast(tf.equal(token, tok.eos), 'float32'), alive));
        const col = tf.oneHot(tf.tensor1d([Tp + i], 'int32'), Tp + maxNewTokens); // [1, T]
        const newIds = tf.add(inputs.ids, tf.mul(col, tf.expandDims(token, 1))) as tf.Tensor2D; // [N, T]
        return [newIds, tf.stack([tf.cast(token, 'float32'), tf.mul(lp, alive), alive]), newFinished];
      });
      noise?.dispose();
      inputs.ids.dispose();
      inputs.ids = ids;
      finished.dispose();
      finished = fin as tf.Tensor1D;
      steps.push(step);
      if (i < maxNewTokens - 1) {
        const allDone = tf.min(finished);
        const done = (await allDone.data())[0];
        allDone.dispose();
        if (done === 1) break;
      }
    }
    const packed = tf.stack(steps, 2); // [3, N, S]
    const data = await packed.data();
    packed.dispose();
    const S = steps.length;
    const completionIds: number[][] = [];
    const logp: number[][] = [];
    const ended: boolean[] = [];
    for (let n = 0; n < N; n++) {
      const ids: number[] = [];
      const lps: number[] = [];
      for (let s = 0; s < S; s++) {
        if (data[2 * N * S + n * S + s] === 0) break;
        ids.push(data[n * S + s]);
        lps.push(data[N * S + n * S + s]);
      }
      completionIds.push(ids);
      logp.push(lps);
      ended.push(ids.length > 0 && ids[ids.length - 1] === tok.eos);
    }
    return {
      groupSize,
      prompts: encoded,
      completionIds,
      logp,
      texts: completionIds.map((c) => tok.decode(c)),
      ended,
      maxNewTokens,
      temperature,
    };
  } finally {
    tf.dispose(steps);
    finished.dispose();
    disposeInputs(inputs);
  }
}
