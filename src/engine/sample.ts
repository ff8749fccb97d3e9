/**
 * Batched autoregressive sampling of G completions per prompt (runs without gradients; the
 * update recomputes log-probs under the graph).
 *
 * KV cache (the default): one forward over the prompts [N, Tp] (prefill, images included) keeps
 * each layer's keys and values; each later step runs the model on one position per row (the
 * previous token), which attends to the prompt and to a fixed block of completion slots filled one
 * per step, the unfilled ones masked (Transformer.prefill / decode). Every step has the same
 * shapes, so WebGPU compiles each shader once. kvCache: false keeps the reference path: a full
 * forward over the fixed [N, Tp + maxCompletionLength] buffer per token (causal attention makes the
 * unfilled tail irrelevant); the tests check that both give the same logits and tokens.
 * The token is chosen on the device (Gumbel-max over temperature-scaled, top-k-masked logits; the
 * Gumbel noise comes from our seeded Rng, so every backend samples the same tokens); the only
 * readback per step is one "all finished" flag, and the tokens, log-probs and masks come back once.
 *
 * Log-probs: log softmax(logits / temperature) at the sampled token, without top-k truncation.
 * That is the policy the trainer differentiates (TRL divides logits by the temperature in the update
 * too); at temperature 1 it is the model's own distribution. temperature 0 = greedy, logp at T = 1.
 */
import * as tf from '@tensorflow/tfjs';
import { switchedOff } from './env.ts';
import type { PromptText } from '../tasks/types.ts';
import type { EncodedPrompt } from './batch.ts';
import { buildBatch, disposeInputs, encodePrompt, toModelInputs } from './batch.ts';
import type { KVCache, ModelInputs, Transformer } from './model.ts';
import { disposeKVCache } from './model.ts';
import { fusedDecoding, sampleStep, tokenOf } from './kernels/fused-decode.ts';
import { Rng } from '../tasks/rng.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface SampleOptions {
  maxCompletionLength: number;
  /** 1 = the model's distribution; 0 = greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: no truncation). */
  topK?: number;
  seed?: number;
  /**
   * Decode with the KV cache (default true). false: one full forward per token, the reference the
   * cache is tested against. The environment variable CONTEXTRL_KV_CACHE=0 (Node) changes the
   * default, for A/B timing of the benchmarks, which do not pass this option.
   */
  kvCache?: boolean;
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
  /** true where the completion ended with eos before maxCompletionLength. */
  ended: boolean[];
  maxCompletionLength: number;
  temperature: number;
}

/** Rollouts with one reward per completion (filled in by the runtime from the domain's reward). */
export interface ScoredRollouts extends Rollouts {
  rewards: number[]; // [N]
  /** A_i [N] when the caller computed them (computeAdvantages with the run's scaleRewards); else the update does. */
  advantages?: number[];
}

/** Adds -log(-log u) noise; u from the seeded Rng.  [N, V] */
function gumbelNoise(rng: Rng, N: number, V: number): tf.Tensor2D {
  const g = new Float32Array(N * V);
  for (let i = 0; i < g.length; i++) g[i] = -Math.log(-Math.log(rng.nextOpen()));
  return tf.tensor2d(g, [N, V]);
}

function kvCacheDefault(): boolean {
  return !switchedOff('CONTEXTRL_KV_CACHE');
}

/**
 * Next-token logits [N, V] for completion token i, given token i - 1 ([N] int32; undefined at
 * i = 0). Runs inside the caller's tidy; the state it carries to the next step is kept and owned by it.
 */
interface Decoder {
  logits(i: number, previous: tf.Tensor1D | undefined): tf.Tensor2D;
  dispose(): void;
}

/** Reference: a full forward over the fixed buffer [N, Tp + maxCompletionLength] per token. Takes inputs. */
function fullForwardDecoder(model: Transformer, inputs: ModelInputs, Tp: number): Decoder {
  const [N, T] = inputs.ids.shape;
  return {
    logits(i, previous) {
      if (previous) {
        const col = tf.oneHot(tf.tensor1d([Tp + i - 1], 'int32'), T); // [1, T]
        const ids = tf.keep(tf.add(inputs.ids, tf.mul(col, tf.expandDims(previous, 1))) as tf.Tensor2D); // [N, T]
        inputs.ids.dispose();
        inputs.ids = ids;
      }
      return tf.reshape(model.logitsAt(inputs, Tp - 1 + i, 1), [N, model.config.vocabSize]);
    },
    dispose: () => disposeInputs(inputs),
  };
}

/** Prefill on the prompts [N, Tp] at step 0, then one cached position per step. Takes inputs. */
function cachedDecoder(model: Transformer, inputs: ModelInputs, slots: number): Decoder {
  const [N, Tp] = inputs.ids.shape;
  const D = model.config.dModel;
  let cache: KVCache | undefined;
  let prompt: ModelInputs | undefined = inputs;
  return {
    logits(_i, previous) {
      let hidden: tf.Tensor; // [N, 1, D]
      let next: KVCache;
      if (!cache) {
        const r = model.prefill(prompt as ModelInputs, slots);
        hidden = tf.slice(r.hidden, [0, Tp - 1, 0], [N, 1, D]);
        next = r.cache;
        disposeInputs(prompt as ModelInputs);
        prompt = undefined;
      } else {
        const r = model.decode(previous as tf.Tensor1D, cache);
        hidden = tf.reshape(r.hidden, [N, 1, D]);
        next = r.cache;
        tf.dispose([...cache.keys, ...cache.values]); // replaced; the prompt tensors carry over
      }
      cache = next;
      for (const t of [
        ...next.promptKeys,
        ...next.promptValues,
        next.promptBias,
        ...next.keys,
        ...next.values,
        next.nextPosition,
      ])
        tf.keep(t);
      return tf.reshape(model.logits(hidden as tf.Tensor3D), [N, model.config.vocabSize]);
    },
    dispose() {
      if (cache) disposeKVCache(cache);
      if (prompt) disposeInputs(prompt);
    },
  };
}

function checkOptions(options: SampleOptions, groupSize: number): void {
  const { maxCompletionLength } = options;
  if (!Number.isInteger(maxCompletionLength) || maxCompletionLength < 1)
    throw new Error(`maxCompletionLength must be a positive integer (got ${maxCompletionLength})`);
  if (!((options.temperature ?? 1) >= 0)) throw new Error(`temperature must be >= 0 (got ${options.temperature})`);
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new Error(`groupSize must be a positive integer (got ${groupSize})`);
}

export async function generate(
  model: Transformer,
  tok: Tokenizer,
  prompts: PromptText[],
  groupSize: number,
  options: SampleOptions,
): Promise<Rollouts> {
  checkOptions(options, groupSize);
  const rng = Rng.warmed(options.seed ?? 0);
  const encoded = prompts.map((p) => encodePrompt(tok, p));
  const rows = encoded.flatMap((e) => Array.from({ length: groupSize }, () => e));
  const out = await sampleRows(model, tok, rows, options, (N, V) => gumbelNoise(rng, N, V));
  return {
    groupSize,
    prompts: encoded,
    ...out,
    texts: out.completionIds.map((c) => tok.decode(c)),
    maxCompletionLength: options.maxCompletionLength,
    temperature: options.temperature ?? 1,
  };
}

/** One replica's sampling request: its prompts and its seed (replicas.ts). */
export interface ReplicaSampleRequest {
  prompts: PromptText[];
  seed?: number;
}

/**
 * generate() for R replicas of a replica model at once: requests[r] (undefined: replica r sits
 * this one out) gives replica r's prompts and seed. Every replica's rows form one block (blocks
 * padded to the longest with finished rows) and its Gumbel noise comes from its own Rng, so
 * replica r samples exactly the tokens generate() would with replica r's weights.
 */
export async function generateReplicas(
  model: Transformer,
  tok: Tokenizer,
  requests: (ReplicaSampleRequest | undefined)[],
  groupSize: number,
  options: SampleOptions,
): Promise<(Rollouts | undefined)[]> {
  checkOptions(options, groupSize);
  const R = model.replicas;
  if (R === undefined || requests.length !== R)
    throw new Error(`generateReplicas needs a replica model and one request per replica (got ${requests.length})`);
  const encoded = requests.map((q) => (q ? q.prompts.map((p) => encodePrompt(tok, p)) : []));
  const counts = encoded.map((e) => e.length * groupSize);
  const N = Math.max(1, ...counts); // rows per replica block
  const filler = encoded.flat()[0];
  if (!filler) return requests.map(() => undefined);
  const rows: EncodedPrompt[] = [];
  const dead: boolean[] = [];
  encoded.forEach((e, r) => {
    for (const p of e) for (let g = 0; g < groupSize; g++) rows.push(p);
    for (let n = counts[r]; n < N; n++) rows.push(filler);
    for (let n = 0; n < N; n++) dead.push(n >= counts[r]);
  });
  const rngs = requests.map((q) => Rng.warmed(q?.seed ?? 0));
  const noise = (_rows: number, V: number) => {
    const g = new Float32Array(R * N * V);
    rngs.forEach((rng, r) => {
      for (let i = r * N * V; i < (r * N + counts[r]) * V; i++) g[i] = -Math.log(-Math.log(rng.nextOpen()));
    });
    return tf.tensor2d(g, [R * N, V]);
  };
  const out = await sampleRows(model, tok, rows, options, noise, dead);
  return requests.map((q, r) => {
    if (!q) return undefined;
    const pick = <T>(xs: T[]) => xs.slice(r * N, r * N + counts[r]);
    const completionIds = pick(out.completionIds);
    return {
      groupSize,
      prompts: encoded[r],
      completionIds,
      logp: pick(out.logp),
      texts: completionIds.map((c) => tok.decode(c)),
      ended: pick(out.ended),
      maxCompletionLength: options.maxCompletionLength,
      temperature: options.temperature ?? 1,
    };
  });
}

/**
 * The sampling loop over rows [N] (one prompt each): tokens, log-probs and ended flags per row.
 * noise(N, V): this step's Gumbel noise [N, V] (temperature > 0). dead[n]: row n is padding,
 * finished from the start (no tokens).
 */
async function sampleRows(
  model: Transformer,
  tok: Tokenizer,
  rows: EncodedPrompt[],
  options: SampleOptions,
  noiseOf: (N: number, V: number) => tf.Tensor2D,
  dead?: boolean[],
): Promise<Pick<Rollouts, 'completionIds' | 'logp' | 'ended'>> {
  const { maxCompletionLength } = options;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const V = model.config.vocabSize;
  const useCache = options.kvCache ?? kvCacheDefault();
  // The cached path uploads the prompts only ([N, Tp]); the reference the whole buffer.
  const hb = buildBatch(tok, model.config, rows, undefined, useCache ? 0 : maxCompletionLength);
  const N = hb.B;
  const Tp = hb.Tp;
  const C = model.config.contextLength;
  if (Tp + maxCompletionLength > C)
    throw new Error(`prompt (${Tp} tokens) + completion (${maxCompletionLength}) exceeds contextLength ${C}`);
  // The last token is never fed back, so the cache needs maxCompletionLength - 1 completion slots.
  const decoder = useCache
    ? cachedDecoder(model, toModelInputs(hb), Math.max(1, maxCompletionLength - 1))
    : fullForwardDecoder(model, toModelInputs(hb), Tp);
  // WebGPU: the token choice in one kernel (fused-decode.ts; top-k keeps the composed ops), and the
  // "all finished" flag of step i is awaited only after step i + 1 is queued, so the host never
  // waits on an idle device (at most one step more than needed, whose rows are all dead).
  const webgpu = tf.getBackend() === 'webgpu';
  // Replica models decode with the composed kernels (the fused ones want one set of weights).
  const fused = model.replicas === undefined && fusedDecoding() && !(topK > 0 && topK < V);
  let finished = (
    fused ? tf.zeros([4, N]) : dead ? tf.tensor1d(dead.map((d) => (d ? 1 : 0))) : tf.zeros([N])
  ) as tf.Tensor; // generic: 1 once eos was emitted [N]; fused: the last step's [4, N]
  let token: tf.Tensor1D | undefined; // the last step's tokens  [N] int32
  const steps: tf.Tensor[] = []; // per step: [3 or 4, N] = token, logp, mask (, finished)
  let pending: Promise<number> | undefined; // the previous step's "all finished" flag
  try {
    for (let i = 0; i < maxCompletionLength; i++) {
      const noise = temperature > 0 ? noiseOf(N, V) : undefined;
      const [next, step, fin] = tf.tidy(() => {
        const logits = decoder.logits(i, token); // [N, V]
        if (fused) {
          const st = sampleStep(logits, noise, finished, temperature, tok.eos); // [4, N]
          return [tokenOf(st), st, st];
        }
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
        const picked = tf.cast(tf.mul(tf.cast(choice, 'float32'), alive), 'int32') as tf.Tensor1D; // pad (0) after eos
        const newFinished = tf.maximum(finished, tf.mul(tf.cast(tf.equal(picked, tok.eos), 'float32'), alive));
        return [picked, tf.stack([tf.cast(picked, 'float32'), tf.mul(lp, alive), alive]), newFinished];
      });
      noise?.dispose();
      token?.dispose();
      token = next as tf.Tensor1D;
      if (fused) {
        if (steps.length === 0) finished.dispose(); // the zeros; later ones are in steps
        finished = step;
      } else {
        finished.dispose();
        finished = fin;
      }
      steps.push(step);
      if (i < maxCompletionLength - 1) {
        const allDone = tf.tidy(() => tf.min(fused ? tf.slice(finished, [3, 0], [1, N]) : finished));
        const flag = allDone
          .data()
          .then((d) => d[0])
          .finally(() => allDone.dispose());
        const done = webgpu ? await pending : await flag;
        pending = webgpu ? flag : undefined;
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
    return { completionIds, logp, ended };
  } finally {
    await pending?.catch(() => undefined); // its tensor is disposed once read
    tf.dispose(steps);
    if (!steps.includes(finished)) finished.dispose();
    token?.dispose();
    decoder.dispose();
  }
}
