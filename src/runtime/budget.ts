/**
 * The same total example budget across methods (docs/METHOD.md section 5).
 * Every RL step has a budget of `batchSize` prompt-equivalents. A share `pairShare` of it goes to
 * contrastive pairs; with budgetUnit 'tokens' a pair costs (pair prompt tokens / item prompt tokens)
 * prompt-equivalents (pair prompts are about twice as long), so fewer pairs fit.
 *   grpo       B item prompts per step (the pairs' share replaced by more RL prompts)
 *   contextrl  (1 - p) B item prompts + n_p pairs on the separate L_CA stream
 *   da-rl      (1 - p) B item prompts + n_p pair prompts in the RL stream (binary choice)
 *   da-sft     the same pairs, all of them first, as supervised letter targets in batches of B;
 *              then (1 - p) B item prompts per step
 * With pairBudget 'on-top' the pairs come in addition: every method gets all B item prompts per
 * step and contextrl, da-rl and da-sft the same pairs on top (their runs then cost more; the
 * comparison holds the RL prompts equal instead of the example budget).
 * Fractional counts are spread over steps by cumulative rounding, so the totals are exact.
 */
import type { ResolvedRunConfig } from '../config/run-config.ts';

export interface StepCounts {
  items: number;
  pairs: number;
}

export interface BudgetPlan {
  /** Prompt-equivalents one pair costs (1 with budgetUnit 'examples'). */
  pairCost: number;
  /** Pairs per RL step on average (fractional). */
  pairsPerStep: number;
  /** Item prompts per RL step on average (fractional). */
  itemsPerStep: number;
  /** DA-SFT warm-up steps (da-sft only) and its batch size in pairs. */
  daSftSteps: number;
  daSftBatch: number;
  /** Pairs seen in the whole run (DA-SFT: in the warm-up). */
  totalPairs: number;
  totalItems: number;
}

/** floor(rate * (s + 1)) - floor(rate * s): integer counts that sum exactly to floor(rate * S). */
function spread(rate: number, s: number): number {
  const eps = 1e-9;
  return Math.floor(rate * (s + 1) + eps) - Math.floor(rate * s + eps);
}

export function planBudget(
  c: Pick<ResolvedRunConfig, 'method' | 'batchSize' | 'pairShare' | 'steps' | 'budgetUnit'> & {
    pairBudget?: ResolvedRunConfig['pairBudget'];
  },
  tokenRatio: number,
): BudgetPlan {
  const B = c.batchSize;
  const p = c.method === 'grpo' ? 0 : c.pairShare;
  const pairCost = c.budgetUnit === 'tokens' ? Math.max(1, tokenRatio) : 1;
  const pairsPerStep = (p * B) / pairCost;
  const itemsPerStep = c.pairBudget === 'on-top' ? B : (1 - p) * B;
  const totalPairs = Math.floor(pairsPerStep * c.steps + 1e-9);
  const totalItems = Math.floor(itemsPerStep * c.steps + 1e-9);
  const daSftBatch = B;
  const daSftSteps = c.method === 'da-sft' ? Math.ceil(totalPairs / daSftBatch) : 0;
  return { pairCost, pairsPerStep, itemsPerStep, daSftSteps, daSftBatch, totalPairs, totalItems };
}

/** Items and pairs of RL step s (0-based). da-sft's pairs are in its warm-up, so its RL steps get none. */
export function stepCounts(plan: BudgetPlan, method: ResolvedRunConfig['method'], s: number): StepCounts {
  const items = Math.max(1, spread(plan.itemsPerStep, s));
  const pairs = method === 'contextrl' || method === 'da-rl' ? spread(plan.pairsPerStep, s) : 0;
  return { items, pairs };
}

/** Pairs in DA-SFT warm-up step k (the last batch may be short). */
export function daSftCount(plan: BudgetPlan, k: number): number {
  return Math.max(0, Math.min(plan.daSftBatch, plan.totalPairs - k * plan.daSftBatch));
}

/** A 32-bit seed for (run seed, stream name, index): every unit of work draws its own data and noise. */
export function unitSeed(seed: number, stream: string, index: number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  const s = `${stream}#${index}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % 2147483647;
}
