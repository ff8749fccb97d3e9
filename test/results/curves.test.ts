import { describe, expect, it } from 'vitest';
import { curveOf, curvesMarkdown, parseRunFileName, windowCurve, type RunCurve } from '../../src/results/curves.ts';

const run = (method: string, seed: number, probe: number[], ca: number[]): RunCurve => ({
  method,
  seed,
  rows: ca.map((v, i) => ({
    step: i + 1,
    t: 0,
    'loss/ca': v,
    ...(i % 2 === 1 ? { 'probe/selection_accuracy': probe[(i - 1) / 2] } : {}),
  })),
});

describe('curves over training', () => {
  const runs = [
    run('contextrl', 0, [0.5, 0.7], [0.7, 0.7, 0.6, 0.5]),
    run('contextrl', 1, [0.6, 0.9], [0.7, 0.7, 0.5, 0.3]),
    run('contextrl-easy', 0, [0.5, 0.5], [0.6, 0.4, 0.2, 0.1]),
  ];

  it('averages an evaluation metric over seeds at each evaluated step', () => {
    expect(curveOf(runs, 'contextrl', 'probe/selection_accuracy')).toEqual([
      { step: 2, n: 2, mean: 0.55, ci95: expect.closeTo((12.706 * Math.SQRT1_2 * 0.1) / Math.SQRT2, 6) },
      { step: 4, n: 2, mean: 0.8, ci95: expect.closeTo((12.706 * Math.SQRT1_2 * 0.2) / Math.SQRT2, 6) },
    ]);
  });

  it('averages a training metric per window, per run first', () => {
    // seed 0: (0.7+0.7)/2 = 0.7, (0.6+0.5)/2 = 0.55; seed 1: 0.7, 0.4 -> 0.7, 0.475
    const c = windowCurve(runs, 'contextrl', 'loss/ca', 2);
    expect(c.map((p) => [p.step, p.n, Number(p.mean.toFixed(6))])).toEqual([
      [2, 2, 0.7],
      [4, 2, 0.475],
    ]);
  });

  it('writes one table per metric with the seeds per method', () => {
    const md = curvesMarkdown(runs, undefined, 2);
    expect(md).toContain('| method (seeds) | step 2 | step 4 |');
    expect(md).toContain('| contextrl-easy (1) | 50.0 | 50.0 |');
    expect(md).toContain('### loss/ca (training batches), mean per 2 RL steps');
    expect(md).toContain('| method (seeds) | 1-2 | 3-4 |');
    expect(md).toContain('| contextrl-easy (1) | 0.500 | 0.150 |');
  });

  it('reads a run file name: the method with its tag, and the seed', () => {
    expect(parseRunFileName('contextrl-easy-seed12.jsonl')).toEqual({ method: 'contextrl-easy', seed: 12 });
    expect(parseRunFileName('da-sft-seed0.jsonl')).toEqual({ method: 'da-sft', seed: 0 });
    expect(parseRunFileName('notes.txt')).toBeUndefined();
  });
});
