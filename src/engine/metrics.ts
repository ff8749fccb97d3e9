/**
 * Step metrics under the names of docs/METHOD.md section 3 (TRL's): plain numbers for the runtime.
 * Device-side values are stacked into one tensor and read back once per step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ScoredRollouts } from './sample.ts';
import { stdBessel } from '../results/stats.ts';

export type StepMetrics = Record<string, number>;

/** Names the engine reports (device side: loss terms, kl, entropy, clip ratios, ca/*, grad_norm). */
export const METRIC_NAMES = [
  'reward',
  'reward_std',
  'kl',
  'entropy',
  'clip_ratio/low_mean',
  'clip_ratio/high_mean',
  'clip_ratio/region_mean',
  'completions/mean_length',
  'completions/clipped_ratio',
  'frac_reward_zero_std',
  'grad_norm',
  'loss/grpo',
  'loss/ca',
  'ca/margin_mean',
  'ca/clip_frac',
  'ca/accuracy',
] as const;

/** One readback of a packed [K] tensor into {name: value}; disposes the tensor. */
export async function readMetrics(names: string[], packed: tf.Tensor): Promise<StepMetrics> {
  const data = await packed.data();
  packed.dispose();
  const out: StepMetrics = {};
  names.forEach((n, i) => {
    out[n] = data[i];
  });
  return out;
}

/**
 * Metrics known on the host before the update: reward (mean), reward_std (the Bessel std of all
 * rewards in the batch, as TRL logs it since 0.27), frac_reward_zero_std, completions/mean_length (tokens, eos included),
 * completions/clipped_ratio (no eos within maxCompletionLength).
 */
export function hostGrpoMetrics(r: ScoredRollouts): StepMetrics {
  const N = r.rewards.length;
  const G = r.groupSize;
  const groups: number[][] = [];
  for (let g = 0; g < N; g += G) groups.push(r.rewards.slice(g, g + G));
  return {
    reward: r.rewards.reduce((a, b) => a + b, 0) / Math.max(1, N),
    reward_std: stdBessel(r.rewards),
    frac_reward_zero_std: groups.filter((g) => g.every((x) => x === g[0])).length / Math.max(1, groups.length),
    'completions/mean_length': r.completionIds.reduce((a, c) => a + c.length, 0) / Math.max(1, N),
    'completions/clipped_ratio': r.ended.filter((e) => !e).length / Math.max(1, N),
  };
}
