import { describe, expect, it } from 'vitest';
import { planBudget, stepCounts } from '../../src/runtime/budget.ts';

const base = { batchSize: 32, pairShare: 0.5, steps: 10, budgetUnit: 'examples' as const };

describe('the example budget', () => {
  it('inside: the pairs replace half the RL prompts; grpo gets them all', () => {
    const ctx = planBudget({ ...base, method: 'contextrl' }, 2);
    expect(ctx).toMatchObject({ itemsPerStep: 16, pairsPerStep: 16, totalItems: 160, totalPairs: 160 });
    expect(stepCounts(ctx, 'contextrl', 3)).toEqual({ items: 16, pairs: 16 });
    expect(planBudget({ ...base, method: 'grpo' }, 2)).toMatchObject({ itemsPerStep: 32, pairsPerStep: 0 });
  });

  it('on-top: every method gets all 32 RL prompts, the pairs come in addition', () => {
    const ctx = planBudget({ ...base, method: 'contextrl', pairBudget: 'on-top' }, 2);
    expect(ctx).toMatchObject({ itemsPerStep: 32, pairsPerStep: 16, totalItems: 320, totalPairs: 160 });
    expect(stepCounts(ctx, 'contextrl', 3)).toEqual({ items: 32, pairs: 16 });
    const sft = planBudget({ ...base, method: 'da-sft', pairBudget: 'on-top' }, 2);
    expect(sft).toMatchObject({ itemsPerStep: 32, daSftSteps: 5, totalPairs: 160 });
    expect(planBudget({ ...base, method: 'grpo', pairBudget: 'on-top' }, 2)).toMatchObject({
      itemsPerStep: 32,
      pairsPerStep: 0,
    });
  });

  it('tokens: a pair costs its prompt-length ratio, so fewer pairs fit', () => {
    const p = planBudget({ ...base, method: 'contextrl', budgetUnit: 'tokens', pairShare: 0.25 }, 2);
    expect(p).toMatchObject({ pairCost: 2, pairsPerStep: 4, itemsPerStep: 24 });
  });
});
