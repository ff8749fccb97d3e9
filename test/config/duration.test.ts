/** How long a run takes here, from measured step times: hand-computed examples. */
import { describe, expect, it } from 'vitest';
import { estimateRunSeconds, formatEstimate, stepMsAt } from '../../src/config/duration.ts';

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

  it('a run is its steps, evaluations and probes in step-equivalents', () => {
    const c = {
      steps: 200,
      batchSize: 16,
      evalEvery: 50,
      method: 'contextrl' as const,
      pairShare: 0.15,
      probeEvery: 5,
    };
    // 200 steps + 5 evaluations (0, 50, 100, 150, 200) x 1.5 + 40 probes x 0.1 = 211.5 steps of 3.2 s.
    expect(estimateRunSeconds(c, costs)).toBeCloseTo(676.8, 6);
    // DA-SFT adds its supervised pass (pairShare x steps = 30 steps at a quarter), a warm start without
    // a base model its steps at a quarter.
    expect(estimateRunSeconds({ ...c, method: 'da-sft' }, costs)).toBeCloseTo((211.5 + 7.5) * 3.2, 6);
    expect(estimateRunSeconds({ ...c, warmStartSteps: 100 }, costs, { baseModel: false })).toBeCloseTo(
      (211.5 + 25) * 3.2,
      6,
    );
    expect(estimateRunSeconds(c, [])).toBeUndefined();
  });

  it('reads as seconds, minutes or hours', () => {
    expect(formatEstimate(42)).toBe('about 40 s');
    expect(formatEstimate(676.8)).toBe('about 11 min');
    expect(formatEstimate(3 * 3600)).toBe('about 3.0 h');
    expect(formatEstimate(undefined)).toBe('unknown until a step is timed');
  });
});
