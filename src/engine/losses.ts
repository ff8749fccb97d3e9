/**
 * The training objectives of docs/METHOD.md as pure functions. None of them calls tf.tidy: they are
 * meant to run inside the caller's tidy / variableGrads, and every returned tensor is owned by
 * the caller ("caller disposes").
 * Shapes: N = sequences (prompts x G), T = completion length, V = vocabulary, P = pairs.
 */
import * as tf from '@tensorflow/tfjs';

import type { CaVariant, LossType, ScaleRewards } from '../config/fields.ts';
import { stdBessel } from '../results/stats.ts';

export type { CaVariant, LossType, ScaleRewards };

/**
 * GRPO advantages, as TRL computes them: A_i = (r_i - mean(group)) / (std + 1e-4).
 * rewards [N] ordered group by group (N = numPrompts * groupSize; groupSize = G in GRPO).
 * scale 'group': std over the group; 'batch': std over all N (mean still per group);
 * 'none': no division (Dr. GRPO). A group of size 1 has std 0 and advantage 0.
 */
export function computeAdvantages(rewards: number[], groupSize: number, scale: ScaleRewards): number[] {
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new Error(`groupSize must be a positive integer (got ${groupSize})`);
  if (rewards.length % groupSize !== 0)
    throw new Error(`rewards.length must be a multiple of groupSize (got ${rewards.length}, ${groupSize})`);
  const batchStd = stdBessel(rewards);
  const out: number[] = new Array(rewards.length);
  for (let g = 0; g < rewards.length; g += groupSize) {
    const group = rewards.slice(g, g + groupSize); // r_1..r_G
    const mean = group.reduce((a, b) => a + b, 0) / groupSize;
    const std = scale === 'group' ? stdBessel(group) : batchStd;
    for (let i = 0; i < groupSize; i++) {
      const a = group[i] - mean;
      out[g + i] = scale === 'none' ? a : a / (std + 1e-4);
    }
  }
  return out;
}

/** Per-group flags: true where all rewards of the group are equal (zero std, zero advantage). */
export function zeroStdGroups(rewards: number[], groupSize: number): boolean[] {
  const flags: boolean[] = [];
  for (let g = 0; g < rewards.length; g += groupSize) {
    const group = rewards.slice(g, g + groupSize);
    flags.push(group.every((r) => r === group[0]));
  }
  return flags;
}

export interface GrpoInputs {
  logp: tf.Tensor2D; // log pi_theta(o_t | q, o_<t)  [N, T]
  oldLogp: tf.Tensor2D; // log pi_old, constant  [N, T]
  refLogp?: tf.Tensor2D; // log pi_ref, constant  [N, T] (only when beta > 0)
  mask: tf.Tensor2D; // 1 on completion tokens (eos included), 0 on padding  [N, T]
  advantages: tf.Tensor1D | number[]; // A_i  [N]
  /**
   * Replicas (replicas.ts): every tensor above has a leading axis R ([R, N, T], advantages
   * [R, N]) and rows[r] of replica r's N rows are real (the rest are padding, mask 0); every
   * result is then one value per replica [R].
   */
  rows?: number[];
}

export interface GrpoOptions {
  epsLow: number;
  epsHigh: number;
  beta: number;
  lossType: LossType;
  /** Only used by dr_grpo: the denominator is N * maxCompletionLength. */
  maxCompletionLength: number;
}

export type GrpoLossResult = {
  loss: tf.Scalar;
  /** Masked mean of the k3 KL estimator (0 when there is no reference). */
  kl: tf.Scalar;
  /** Fraction of completion tokens with rho < 1 - epsLow and A < 0. */
  clipLow: tf.Scalar;
  /** Fraction with rho > 1 + epsHigh and A > 0. */
  clipHigh: tf.Scalar;
  /** clipLow or clipHigh. */
  clipRegion: tf.Scalar;
};

/**
 * sum(x * mask) / max(sum(mask), 1): a scalar; for replicas (x and mask [R, N, T], replicas.ts)
 * one value per replica [R] (typed Scalar either way).
 */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const axes = x.rank === 3 ? [1, 2] : undefined;
  return tf.div(tf.sum(tf.mul(x, mask), axes), tf.maximum(tf.sum(mask, axes), 1)) as tf.Scalar;
}

/**
 * The GRPO loss of docs/METHOD.md section 2 (TRL's GRPOTrainer._compute_loss):
 * per token  -min(rho * A, clip(rho, 1 - epsLow, 1 + epsHigh) * A) + beta * k3,
 * rho = exp(logp - oldLogp), k3 = exp(ref - logp) - (ref - logp) - 1, aggregated by lossType:
 * grpo = mean over each sequence's tokens then over sequences; dr_grpo = sum / (N * maxCompletionLength);
 * dapo = sum / number of completion tokens. Caller disposes every returned tensor.
 */
export function grpoLoss(inputs: GrpoInputs, options: GrpoOptions): GrpoLossResult {
  const { logp, oldLogp, refLogp, mask } = inputs;
  const { epsLow, epsHigh, beta, lossType } = options;
  const replicas = logp.rank === 3;
  const N = logp.shape[replicas ? 1 : 0];
  // Sums over each sequence's tokens, and over a replica's tokens (all of them without replicas).
  const seqAxis = replicas ? 2 : 1;
  const allAxes = replicas ? [1, 2] : undefined;
  const adv = Array.isArray(inputs.advantages) ? tf.tensor1d(inputs.advantages) : inputs.advantages;
  const A = tf.expandDims(adv, -1); // [N, 1]
  const rho = tf.exp(tf.sub(logp, oldLogp)); // coef_1  [N, T]
  const rhoClipped = tf.clipByValue(rho, 1 - epsLow, 1 + epsHigh); // coef_2  [N, T]
  let perToken = tf.neg(tf.minimum(tf.mul(rho, A), tf.mul(rhoClipped, A))); // [N, T]
  let kl: tf.Scalar = replicas ? (tf.zeros([logp.shape[0]]) as tf.Scalar) : tf.scalar(0);
  if (beta !== 0) {
    if (!refLogp) throw new Error('grpoLoss: beta > 0 needs refLogp');
    const d = tf.sub(refLogp, logp); // [N, T]
    const k3 = tf.sub(tf.sub(tf.exp(d), d), 1); // [N, T]
    perToken = tf.add(perToken, tf.mul(k3, beta));
    kl = maskedMean(k3, mask);
  }
  const masked = tf.mul(perToken, mask); // [N, T]
  let loss: tf.Scalar;
  // Padding rows (replicas with fewer rows) add 0 to the sums; the means divide by the real rows.
  const rows = inputs.rows;
  const padded = rows !== undefined && rows.some((n) => n !== N);
  if (lossType === 'grpo') {
    const perSeq = tf.div(tf.sum(masked, seqAxis), tf.maximum(tf.sum(mask, seqAxis), 1)); // [N]
    const real = padded && tf.tensor1d(rows.map((r) => Math.max(1, r)));
    loss = (real ? tf.div(tf.sum(perSeq, -1), real) : tf.mean(perSeq, -1)) as tf.Scalar;
  } else if (lossType === 'dr_grpo') {
    const n = padded
      ? tf.tensor1d(rows.map((r) => Math.max(1, r) * options.maxCompletionLength))
      : N * options.maxCompletionLength;
    loss = tf.div(tf.sum(masked, allAxes), n) as tf.Scalar;
  } else if (lossType === 'dapo') {
    loss = tf.div(tf.sum(masked, allAxes), tf.maximum(tf.sum(mask, allAxes), 1)) as tf.Scalar;
  } else {
    throw new Error(`unknown lossType "${String(lossType)}" (expected grpo, dr_grpo or dapo)`);
  }
  const low = tf.cast(tf.logicalAnd(tf.less(rho, 1 - epsLow), tf.less(A, 0)), 'float32'); // [N, T]
  const high = tf.cast(tf.logicalAnd(tf.greater(rho, 1 + epsHigh), tf.greater(A, 0)), 'float32'); // [N, T]
  const region = tf.maximum(low, high);
  return {
    loss,
    kl,
    clipLow: maskedMean(low, mask),
    clipHigh: maskedMean(high, mask),
    clipRegion: maskedMean(region, mask),
  };
}

/**
 * L_CA of docs/METHOD.md section 4, averaged over pairs. delta [P] = logit(C+ letter) - logit(C- letter).
 * hard: -log sigmoid(clip(delta, -c, c)), gradient exactly 0 where |delta| > c;
 * soft: -log sigmoid(c * tanh(delta / c)). Computed as softplus(-x) (docs/BACKENDS.md: logSigmoid's
 * gradient breaks on cpu). Returns a scalar (replicas: delta [R, P], one value per replica over
 * the pairs of pairMask, pairMean); caller disposes.
 */
export function contextSelectionLoss(
  delta: tf.Tensor1D,
  c: number,
  variant: CaVariant,
  pairMask?: tf.Tensor,
): tf.Scalar {
  if (!(c > 0)) throw new Error(`c must be > 0 (got ${c})`);
  const x = variant === 'hard' ? tf.clipByValue(delta, -c, c) : tf.mul(tf.tanh(tf.div(delta, c)), c); // [P]
  return pairMean(tf.softplus(tf.neg(x)), pairMask);
}

/**
 * The mean over pairs: of x [P] a scalar; for replicas (x [R, P]) one value per replica [R], over
 * the pairs where pairMask [R, P] is 1 (replicas with fewer pairs are padded; none: 0).
 */
export function pairMean(x: tf.Tensor, pairMask?: tf.Tensor): tf.Scalar {
  if (!pairMask) return tf.mean(x, -1) as tf.Scalar;
  return tf.div(tf.sum(tf.mul(x, pairMask), -1), tf.maximum(tf.sum(pairMask, -1), 1)) as tf.Scalar;
}

/**
 * log pi(ids_t) from logits: logits [N, T, V], ids [N, T] int32 -> [N, T]. One-hot instead of
 * gather so the gradient exists on every backend.
 */
export function tokenLogProbs(logits: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor2D {
  const V = logits.shape[2];
  return tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(ids, V)), -1) as tf.Tensor2D;
}

/** Per-token entropy of softmax(logits): logits [N, T, V] -> [N, T]. */
export function tokenEntropy(logits: tf.Tensor3D): tf.Tensor2D {
  const logP = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), -1)) as tf.Tensor2D;
}

/**
 * Supervised next-token cross-entropy (warm start, DA-SFT), mean over masked tokens.
 * logits [B, T, V] predict targets [B, T] (already shifted); mask [B, T] is 1 where the loss counts.
 * With `replicas` = R, the rows are R blocks (one per replica) and the result is [R].
 */
export function maskedCrossEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  mask: tf.Tensor2D,
  replicas?: number,
): tf.Scalar {
  const nll = tf.neg(tokenLogProbs(logits, targets)); // [B, T]
  if (replicas === undefined) return maskedMean(nll, mask);
  // Replicas (replicas.ts): R blocks of rows, one mean per replica [R].
  return maskedMean(tf.reshape(nll, [replicas, -1, nll.shape[1]]), tf.reshape(mask, [replicas, -1, mask.shape[1]]));
}

/**
 * The DA-RL baseline's reward: the pair prompt goes into the RL stream as a sampled binary choice,
 * reward 1 if the completion (trimmed, eos stripped) is exactly the C+ letter, else 0.
 */
export function daRlReward(completion: string, positiveLetter: 'A' | 'B'): number {
  const text = completion.replace(/<eos>/g, '').trim();
  return text === positiveLetter ? 1 : 0;
}

/**
 * Identity with zero gradient (tfjs has no stop_gradient): logp_old = sg(logp_new) when
 * num_iterations = 1, so rho = 1 in value but still carries the gradient through logp_new.
 */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(x: T) => T;
