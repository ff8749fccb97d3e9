/**
 * The per-stream loss terms a training step combines, on top of the pure losses in losses.ts.
 * Run inside the step's tf.variableGrads; every returned tensor belongs to the caller.
 */
import * as tf from '@tensorflow/tfjs';
import type { CaVariant, GrpoOptions } from './losses.ts';
import {
  contextSelectionLoss,
  grpoLoss,
  maskedMean,
  pairMean,
  stopGradient,
  tokenEntropy,
  tokenLogProbs,
} from './losses.ts';
import type { ModelInputs, Transformer } from './model.ts';

/** Completion tensors of a batch: targets (completion ids, int32) and mask, both [N, L]. */
export interface CompletionTensors {
  inputs: ModelInputs;
  Tp: number;
  L: number;
  targets: tf.Tensor2D;
  mask: tf.Tensor2D;
  /**
   * Replicas (replicas.ts): the batch holds R blocks of N rows, of which rows[r] are replica r's
   * (the rest padding, mask 0); the terms are then one value per replica [R].
   */
  rows?: number[];
}

/** [R * N, ...] -> [R, N, ...] for a batch of R replica blocks (unchanged without replicas). */
function perReplica<T extends tf.Tensor>(t: T, rows: number[] | undefined): T {
  return (rows ? tf.reshape(t, [rows.length, -1, ...t.shape.slice(1)]) : t) as T;
}

/** log pi(o_t) of the completion tokens under softmax(logits / temperature).  -> [N, L] */
export function completionLogProbs(model: Transformer, b: CompletionTensors, temperature: number): tf.Tensor2D {
  const logits = model.logitsAt(b.inputs, b.Tp - 1, b.L); // [N, L, V]
  const scaled = temperature > 0 && temperature !== 1 ? (tf.div(logits, temperature) as tf.Tensor3D) : logits;
  return tokenLogProbs(scaled, b.targets);
}

/** A loss and its named scalar metrics (loss/grpo, kl, entropy, clip_ratio/*, loss/ca, ca/*). */
export interface LossTerms {
  loss: tf.Scalar;
  metrics: [string, tf.Scalar][];
}
export type GrpoTerms = LossTerms;

/**
 * The GRPO term for one iteration. oldLogp undefined means num_iterations = 1: old = sg(new).
 * refLogp is given when beta > 0.  advantages [N].
 */
export function grpoTerm(
  model: Transformer,
  b: CompletionTensors,
  advantages: tf.Tensor1D,
  options: GrpoOptions & { temperature: number },
  oldLogp?: tf.Tensor2D,
  refLogp?: tf.Tensor2D,
): GrpoTerms {
  const logits = model.logitsAt(b.inputs, b.Tp - 1, b.L); // [N, L, V]
  const t = options.temperature;
  const scaled = t > 0 && t !== 1 ? (tf.div(logits, t) as tf.Tensor3D) : logits;
  const rows = b.rows;
  const logp = perReplica(tokenLogProbs(scaled, b.targets), rows); // [N, L]
  const mask = perReplica(b.mask, rows);
  const r = grpoLoss(
    {
      logp,
      oldLogp: oldLogp ? perReplica(oldLogp, rows) : stopGradient(logp),
      refLogp: refLogp && perReplica(refLogp, rows),
      mask,
      advantages: perReplica(advantages, rows),
      rows,
    },
    options,
  );
  const entropy = maskedMean(perReplica(tokenEntropy(scaled), rows), mask);
  return {
    loss: r.loss,
    metrics: [
      ['loss/grpo', r.loss],
      ['kl', r.kl],
      ['entropy', entropy],
      ['clip_ratio/low_mean', r.clipLow],
      ['clip_ratio/high_mean', r.clipHigh],
      ['clip_ratio/region_mean', r.clipRegion],
    ],
  };
}

/** Pair tensors: prompts only (answer position Tp - 1) and the C+ / C- letter ids [P]. */
export interface PairTensors {
  inputs: ModelInputs;
  Tp: number;
  positiveId: tf.Tensor1D; // int32 [P]
  negativeId: tf.Tensor1D; // int32 [P]
  /** Replicas: R blocks of P pairs, pairs[r] of them replica r's (the rest padding); pairMask [R, P]. */
  pairs?: number[];
  pairMask?: tf.Tensor2D;
}

/** Teacher-forced pair scores: delta = logit(C+ letter) - logit(C- letter) [P], and logits [P, V]. */
export function pairDelta(model: Transformer, p: PairTensors): { delta: tf.Tensor1D; logits: tf.Tensor2D } {
  const V = model.config.vocabSize;
  const P = p.positiveId.shape[0];
  const logits = tf.reshape(model.logitsAt(p.inputs, p.Tp - 1, 1), [P, V]) as tf.Tensor2D; // [P, V]
  const pos = tf.sum(tf.mul(logits, tf.oneHot(p.positiveId, V)), -1);
  const neg = tf.sum(tf.mul(logits, tf.oneHot(p.negativeId, V)), -1);
  return { delta: tf.sub(pos, neg) as tf.Tensor1D, logits };
}

/** L_CA with its metrics: loss/ca, ca/margin_mean, ca/clip_frac (|delta| > c), ca/accuracy (delta > 0). */
export function caTerm(model: Transformer, p: PairTensors, c: number, variant: CaVariant): GrpoTerms {
  const delta = perReplica(pairDelta(model, p).delta, p.pairs); // [P]
  const m = p.pairMask;
  const loss = contextSelectionLoss(delta, c, variant, m);
  return {
    loss,
    metrics: [
      ['loss/ca', loss],
      ['ca/margin_mean', pairMean(delta, m)],
      ['ca/clip_frac', pairMean(tf.cast(tf.greater(tf.abs(delta), c), 'float32'), m)],
      ['ca/accuracy', pairMean(tf.cast(tf.greater(delta, 0), 'float32'), m)],
    ],
  };
}

/** The RL stream of a step: completions, their advantages [N] and the GRPO options. */
export interface RlStream {
  batch: CompletionTensors;
  advantages: tf.Tensor1D;
  options: GrpoOptions & { temperature: number };
  /** Undefined: num_iterations = 1 (old = sg(new)). */
  oldLogp?: tf.Tensor2D;
  /** Given when beta > 0. */
  refLogp?: tf.Tensor2D;
}

/** The pair stream of a step: the pairs and L_CA's weight, clip and variant. */
export interface PairStream {
  pairs: PairTensors;
  /** Replicas: one weight per replica [R]. */
  lambda: number | tf.Tensor1D;
  caClip: number;
  caVariant: CaVariant;
}

/**
 * The paper's objective in one place: L = L_GRPO + lambda * L_CA, one loss for one optimizer
 * step. Either stream may be absent: no pairs (grpo, da-rl) leaves L_GRPO; no completions (every
 * group dropped by dropZeroStd) leaves lambda * L_CA. The metrics keep L_CA unweighted (loss/ca).
 */
export function contextRlLoss(model: Transformer, rl?: RlStream, pairs?: PairStream): LossTerms {
  const g = rl ? grpoTerm(model, rl.batch, rl.advantages, rl.options, rl.oldLogp, rl.refLogp) : undefined;
  const ca = pairs ? caTerm(model, pairs.pairs, pairs.caClip, pairs.caVariant) : undefined;
  const weighted = ca ? (tf.mul(ca.loss, pairs!.lambda) as tf.Scalar) : undefined;
  if (!g && !weighted) throw new Error('contextRlLoss needs completions or pairs');
  const loss = g && weighted ? (tf.add(g.loss, weighted) as tf.Scalar) : (g?.loss ?? weighted)!;
  return { loss, metrics: [...(g?.metrics ?? []), ...(ca?.metrics ?? [])] };
}
