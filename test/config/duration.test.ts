/** How long a run takes here, from measured step times: hand-computed examples. */
import { describe, expect, it } from 'vitest';
import { estimateRunSeconds, evalSetCount, formatEstimate, probeCount, stepMsAt } from '../../src/config/duration.ts';

describe('run duration estimates', () => {
  const costs = [
    { batch: 1, ms: 700 },
    { batch: 4, ms: 1200 },
  ];

  it('step time is linear through the last two measured batches', () => {
    // slope (1200 - 700) / 3 per prompt: at 16 prompts 1200 + 12 * 500 / 3 = 3200 ms.
    expect(stepMsAt(costs, 16)).toBeCloseTo(3200, 9);
    // Below the largest batch measured: never under its share of that step.
    expect(stepMsAt(costs, 2)).toBeCloseTo(Math.max(600, 1200 - 2 * (500 / 3)), 9);
    expect(stepMsAt([{ batch: 2, ms: 500 }], 8)).toBe(2000); // one point: proportional
    expect(stepMsAt([], 8)).toBeUndefined();
  });

  it('a run is its steps, plus evaluations and probes costed by their size', () => {
    const c = {
      steps: 200,
      batchSize: 16,
      evalEvery: 50,
      method: 'contextrl' as const,
      pairShare: 0.15,
      probeEvery: 5,
      groupSize: 8,
      evalItems: 64,
      probePairs: 64,
      domain: 'trace' as const,
    };
    // A step of 16 prompts is 3200 ms, 25 ms a sequence (16 x 8). An evaluation answers 64 items of
    // in-distribution and hard traces and 64 probe pairs: 1.3 x 25 x 192 = 6240 ms, at steps 0, 50,
    // 100, 150 and 200. A probe alone: 0.7 x 25 x 64 = 1120 ms, at 36 of the 40 fifth steps (not
    // at 50, 100, 150, 200). 640 s + 31.2 s + 40.32 s.
    expect(estimateRunSeconds(c, costs)).toBeCloseTo(711.52, 6);
    // DA-SFT adds its supervised pass (pairShare x steps = 30 steps at a quarter), a warm start without
    // a base model its steps at a quarter.
    expect(estimateRunSeconds({ ...c, method: 'da-sft' }, costs)).toBeCloseTo(711.52 + 24, 6);
    expect(estimateRunSeconds({ ...c, warmStartSteps: 100 }, costs, { baseModel: false })).toBeCloseTo(711.52 + 80, 6);
    // Images answer one set; an opt-in paired set is one more.
    expect(evalSetCount({ domain: 'image' })).toBe(1);
    expect(evalSetCount({ domain: 'trace', benchmarks: ['trace/paired'] })).toBe(3);
    expect(estimateRunSeconds(c, [])).toBeUndefined();
  });

  it('a step timed with another G is scaled by sequences per step', () => {
    // Timed at G = 4: 16 prompts of G = 8 are the sequences of 32 prompts of G = 4.
    const timed = costs.map((x) => ({ ...x, group: 4 }));
    const c = { steps: 10, batchSize: 16, evalEvery: 0, method: 'grpo' as const, pairShare: 0, groupSize: 8 };
    const step = 1200 + (28 * 500) / 3;
    const evalMs = 1.3 * (step / 128) * (64 * 2 + 64);
    expect(estimateRunSeconds(c, timed)).toBeCloseTo((10 * step + evalMs) / 1000, 6);
  });

  it('counts the steps that score the probe alone', () => {
    expect(probeCount(100, 5, 50)).toBe(18); // 20 fifth steps, 50 and 100 evaluate
    expect(probeCount(100, 5, 30)).toBe(16); // 30, 60, 90 evaluate, and the last step
    expect(probeCount(10, 3, 0)).toBe(3);
    expect(probeCount(9, 3, 0)).toBe(2); // step 9 is the last: it evaluates
    expect(probeCount(100, 0, 50)).toBe(0);
  });

  it('reads as seconds, minutes or hours', () => {
    expect(formatEstimate(42)).toBe('about 40 s');
    expect(formatEstimate(711.52)).toBe('about 12 min');
    expect(formatEstimate(3 * 3600)).toBe('about 3.0 h');
    expect(formatEstimate(undefined)).toBe('unknown until a step is timed');
  });
});
