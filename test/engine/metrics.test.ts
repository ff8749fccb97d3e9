import { describe, expect, it } from 'vitest';
import { hostGrpoMetrics } from '../../src/engine/metrics.ts';
import type { ScoredRollouts } from '../../src/engine/sample.ts';

function rollouts(rewards: number[], G: number): ScoredRollouts {
  const N = rewards.length;
  return {
    groupSize: G,
    prompts: [],
    maxCompletionLength: 3,
    temperature: 1,
    completionIds: Array.from({ length: N }, (_, n) => (n % 2 ? [1, 2] : [1, 2, 3])),
    logp: Array.from({ length: N }, () => []),
    texts: new Array<string>(N).fill(''),
    ended: Array.from({ length: N }, (_, n) => n % 2 === 1),
    rewards,
  };
}

describe('host GRPO metrics', () => {
  it("reward_std is the Bessel std of all the batch's rewards (TRL), not the mean of the groups' stds", () => {
    // Rewards 1,0,0,0 | 1,1,1,1: mean 5/8; squares 5 x 0.375^2 + 3 x 0.625^2 = 1.875; / 7; sqrt = 0.517549...
    // (the mean of the groups' stds would be (0.5 + 0) / 2 = 0.25).
    const m = hostGrpoMetrics(rollouts([1, 0, 0, 0, 1, 1, 1, 1], 4));
    expect(m.reward_std).toBeCloseTo(Math.sqrt(1.875 / 7), 12);
    expect(m.reward).toBe(0.625);
    expect(m.frac_reward_zero_std).toBe(0.5);
    expect(m['completions/mean_length']).toBe(2.5);
    expect(m['completions/clipped_ratio']).toBe(0.5);
  });
});
