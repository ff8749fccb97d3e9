/**
 * Where the model looks: per-token attribution over a prompt for a given answer, by
 *   - gradient x input on the input embeddings x0 = embed(ids, positions, patches):
 *       a_t = | sum_d x0[t, d] * d objective / d x0[t, d] |
 *   - attention rollout (Abnar & Zuidema 2020): per layer A' = 0.5 * mean_heads(A) + 0.5 * I,
 *       r = q @ A'_L @ ... @ A'_1, q the answer positions' rows; a_t = r[t].
 * The objective is sum log p(answer tokens | prompt), teacher forced, or for a pair prompt the
 * L_CA margin Delta = logit(C+ letter) - logit(C- letter) at the answer position.
 * Image patches sit at `<img>` positions, so a patch's attribution is its position's score
 * (grounding.ts maps positions to patches). Works on every backend: the gradient is taken w.r.t.
 * x0, never through the one-hot embedding matmul, and everything is read back with `await data()`.
 */
import * as tf from '@tensorflow/tfjs';
import type { PromptText } from '../tasks/types.ts';
import { buildBatch, disposeInputs, encodePrompt, toModelInputs } from './batch.ts';
import type { Transformer } from './model.ts';
import type { Tokenizer } from './tokenizer.ts';

import { ATTRIBUTION_LABELS, ATTRIBUTION_METHODS, type AttributionMethod } from '../config/names.ts';

export { ATTRIBUTION_LABELS, ATTRIBUTION_METHODS };
export type { AttributionMethod };

/** What the attribution explains. */
export type AttributionTarget =
  /** sum log p(answer tokens | prompt), teacher forced (no eos). */
  | { kind: 'answer'; answer: string }
  /** logit(positive) - logit(negative) for the next token after the prompt (Delta of L_CA for pair prompts). */
  | { kind: 'contrast'; positive: string; negative: string };

export interface AttributionRequest {
  prompt: PromptText;
  target: AttributionTarget;
}

export interface Attribution {
  method: AttributionMethod;
  /** The prompt as the model reads it, bos first (no padding).  [Tp] */
  ids: number[];
  /** Non-negative, summing to 1 over the prompt's positions (all 0 when the objective is flat there).  [Tp] */
  scores: number[];
  /** The objective's value: sum log p(answer), or Delta. */
  objective: number;
}

function tokenId(tok: Tokenizer, word: string): number {
  const ids = tok.encode(word);
  if (ids.length !== 1) throw new Error(`contrast target "${word}" must be a single token (got ${ids.length})`);
  return ids[0];
}

/**
 * Attribution for each request, in batches of `batchSize` (rows never interact, so the gradient
 * of the batch's summed objective holds every row's own gradient).
 */
export async function attribute(
  model: Transformer,
  tok: Tokenizer,
  requests: AttributionRequest[],
  method: AttributionMethod,
  opts: { batchSize?: number } = {},
): Promise<Attribution[]> {
  if (!ATTRIBUTION_METHODS.includes(method))
    throw new Error(`attribution method must be one of ${ATTRIBUTION_METHODS.join(', ')} (got ${String(method)})`);
  const bs = Math.max(1, opts.batchSize ?? 32);
  const out: Attribution[] = [];
  for (let s = 0; s < requests.length; s += bs)
    out.push(...(await attributeBatch(model, tok, requests.slice(s, s + bs), method)));
  return out;
}

async function attributeBatch(
  model: Transformer,
  tok: Tokenizer,
  reqs: AttributionRequest[],
  method: AttributionMethod,
): Promise<Attribution[]> {
  const V = model.config.vocabSize;
  const prompts = reqs.map((r) => encodePrompt(tok, r.prompt));
  const answers = reqs.map((r) => (r.target.kind === 'answer' ? tok.encode(r.target.answer) : []));
  const hb = buildBatch(tok, model.config, prompts, answers);
  const { B, Tp, L } = hb;
  const T = Tp + L;
  const Lq = Math.max(1, L); // logits rows Tp-1 .. Tp-2+Lq predict the answer (or the letter)
  // Host-side objective weights: objective_b = sum(wLogp * log_softmax(logits)) + sum(wLogit * logits).
  const wLogp = new Float32Array(B * Lq * V);
  const wLogit = new Float32Array(B * Lq * V);
  // Rollout query rows: uniform over the positions that predict answer tokens.  [B, T]
  const query = new Float32Array(B * T);
  reqs.forEach((r, b) => {
    if (r.target.kind === 'contrast') {
      wLogit[b * Lq * V + tokenId(tok, r.target.positive)] += 1;
      wLogit[b * Lq * V + tokenId(tok, r.target.negative)] -= 1;
      query[b * T + Tp - 1] = 1;
      return;
    }
    const a = answers[b];
    a.forEach((id, i) => {
      wLogp[(b * Lq + i) * V + id] = 1;
    });
    const n = Math.max(1, a.length);
    for (let i = 0; i < n; i++) query[b * T + Tp - 1 + i] = 1 / n;
  });
  const inputs = toModelInputs(hb);
  const keyMask = inputs.keyMask;
  let packed: tf.Tensor | undefined;
  let kept: tf.Tensor1D | undefined; // tf.keep'd inside tf.grad: survives every tidy, disposed below
  try {
    packed = tf.tidy(() => {
      const wp = tf.tensor3d(wLogp, [B, Lq, V]);
      const wl = tf.tensor3d(wLogit, [B, Lq, V]);
      const objectiveOf = (hidden: tf.Tensor3D): tf.Tensor1D => {
        const logits = model.logits(tf.slice(hidden, [0, Tp - 1, 0], [B, Lq, hidden.shape[2]])); // [B, Lq, V]
        const lp = tf.logSoftmax(logits, -1);
        return tf.add(tf.sum(tf.mul(lp, wp), [1, 2]), tf.sum(tf.mul(logits, wl), [1, 2])) as tf.Tensor1D; // [B]
      };
      const x0 = model.embed(inputs); // [B, T, D]
      let raw: tf.Tensor2D; // [B, T]
      let objective: tf.Tensor1D; // [B]
      if (method === 'grad-input') {
        const g = tf.grad((x: tf.Tensor) => {
          const o = objectiveOf(model.forwardEmbeddings(x as tf.Tensor3D, keyMask).hidden);
          kept = tf.keep(o);
          return tf.sum(o);
        })(x0); // [B, T, D]
        objective = kept as unknown as tf.Tensor1D;
        raw = tf.abs(tf.sum(tf.mul(g, x0), -1)) as tf.Tensor2D;
      } else {
        const { hidden, attention } = model.forwardEmbeddings(x0, keyMask, { collectAttention: true });
        objective = objectiveOf(hidden);
        const eye = tf.eye(T);
        let r: tf.Tensor = tf.tensor3d(query, [B, 1, T]); // [B, 1, T]
        for (let l = (attention ?? []).length - 1; l >= 0; l--) {
          const a = tf.add(tf.mul(tf.mean((attention as tf.Tensor4D[])[l], 1), 0.5), tf.mul(eye, 0.5)); // [B, T, T]
          r = tf.matMul(r, a);
        }
        raw = tf.reshape(r, [B, T]) as tf.Tensor2D;
      }
      // Prompt positions only, padding zeroed.
      const scores = tf.mul(tf.slice(raw, [0, 0], [B, Tp]), tf.slice(keyMask, [0, 0], [B, Tp])); // [B, Tp]
      return tf.concat([tf.reshape(scores, [-1]), objective]);
    });
    const d = await packed.data();
    return reqs.map((_, b) => {
      const n = prompts[b].ids.length;
      const row = Array.from(d.subarray(b * Tp + Tp - n, (b + 1) * Tp));
      const sum = row.reduce((x, y) => x + y, 0);
      return {
        method,
        ids: prompts[b].ids,
        scores: sum > 0 && Number.isFinite(sum) ? row.map((x) => x / sum) : row.map(() => 0),
        objective: d[B * Tp + b],
      };
    });
  } finally {
    packed?.dispose();
    kept?.dispose();
    disposeInputs(inputs);
  }
}
