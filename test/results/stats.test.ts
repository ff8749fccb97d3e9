import { describe, expect, it } from 'vitest';
import { comparePaired, minDetectableDiff, tQuantile80, tQuantile975 } from '../../src/results/stats.ts';
import {
  benchmarksOf,
  endTaskOf,
  evalMetricName,
  isTaskBenchmark,
  parseResultRows,
  toConsoleTable,
  toMarkdown,
  type ResultRow,
} from '../../src/results/results.ts';

describe('minimum detectable difference', () => {
  it('is (t_0.975 + t_0.80) * std / sqrt(n) with n - 1 degrees of freedom (hand-computed)', () => {
    // differences 0.02, 0.04, 0.06: std 0.02, n 3 -> (4.303 + 1.061) * 0.02 / sqrt(3) = 0.0619381
    const c = comparePaired([0.52, 0.54, 0.56], [0.5, 0.5, 0.5]);
    expect(c.mean).toBeCloseTo(0.04, 12);
    expect(c.std).toBeCloseTo(0.02, 12);
    expect(c.ci95).toBeCloseTo((4.303 * 0.02) / Math.sqrt(3), 12);
    expect(c.mdd).toBeCloseTo(0.0619381, 6);
    // differences 1..5 points: std sqrt(2.5) points, n 5 -> (2.776 + 0.941) * 0.0158114 / sqrt(5) = 0.0262832
    expect(minDetectableDiff(Math.sqrt(2.5) / 100, 5)).toBeCloseTo(0.0262832, 6);
    expect(Number.isNaN(minDetectableDiff(0.1, 1))).toBe(true);
  });

  it('t quantiles: the table to df 30, the expansion beyond (scipy values)', () => {
    expect(tQuantile80(1)).toBe(1.376);
    expect(tQuantile80(4)).toBe(0.941);
    expect(tQuantile80(31)).toBeCloseTo(0.85337, 3);
    expect(tQuantile80(200)).toBeCloseTo(0.84342, 4);
    expect(tQuantile975(40)).toBeCloseTo(2.02108, 3);
    expect(() => tQuantile80(0)).toThrow('df must be >= 1 (got 0)');
  });
});

describe('result rows of the chain', () => {
  const rows: ResultRow[] = [];
  for (const seed of [0, 1, 2]) {
    for (const [m, hard, ca] of [
      ['grpo', 0.7, 0.69],
      ['contextrl', 0.7 + 0.01 * seed, 0.6 - 0.01 * seed],
    ] as const) {
      rows.push({ method: m, seed, benchmark: 'grounding/items_decisive_share', accuracy: 0.3 });
      rows.push({ method: m, seed, benchmark: 'probe/ca_loss', accuracy: ca });
      rows.push({ method: m, seed, benchmark: 'trace/hard', accuracy: hard });
      rows.push({ method: m, seed, benchmark: 'probe/selection_easy', accuracy: 0.8 });
      rows.push({ method: m, seed, benchmark: 'probe/selection', accuracy: 0.6 });
    }
  }

  it('orders end tasks first, then the probes and shares; the new rows are not end tasks', () => {
    expect(benchmarksOf(rows)).toEqual([
      'trace/hard',
      'probe/selection',
      'probe/selection_easy',
      'probe/ca_loss',
      'grounding/items_decisive_share',
    ]);
    expect(isTaskBenchmark('probe/selection_easy')).toBe(false);
    expect(isTaskBenchmark('grounding/items_decisive_share')).toBe(false);
    expect(endTaskOf(['trace/in-distribution', 'trace/hard'])).toBe('trace/hard');
    expect(endTaskOf(['document/in-distribution', 'document/needle'])).toBe('document/needle');
  });

  it('names metric rows: probe accuracies, the loss and shares as they are', () => {
    expect(evalMetricName('probe/selection')).toBe('probe/selection_accuracy');
    expect(evalMetricName('probe/selection_easy')).toBe('probe/selection_easy_accuracy');
    expect(evalMetricName('probe/ca_loss')).toBe('probe/ca_loss');
    expect(evalMetricName('grounding/items_decisive_share')).toBe('grounding/items_decisive_share');
    expect(evalMetricName('trace/hard')).toBe('eval/trace/hard/accuracy');
  });

  it('prints losses in nats and differences with their MDD, in markdown and on the console', () => {
    const md = toMarkdown(rows);
    // contextrl - grpo on trace/hard: 0, 1, 2 points -> +1.0 ± 2.5 (MDD (4.303 + 1.061) * 1 / sqrt 3 = 3.1)
    expect(md).toContain('| contextrl | +1.0 ± 2.5 (MDD 3.1) | +0.0 ± 0.0 (MDD 0.0) | +0.0 ± 0.0 (MDD 0.0) |');
    // ca_loss: 0.6, 0.59, 0.58 -> 0.590 ± 0.025; difference -0.100 ± 0.025 (MDD 0.031)
    expect(md).toContain('| 0.590 ± 0.025 |');
    expect(md).toContain('-0.100 ± 0.025 (MDD 0.031)');
    expect(md).toContain('probe/ca_loss in nats');
    const con = toConsoleTable(rows);
    expect(con).toMatch(/contextrl - grpo\s+\+1\.0 ± 2\.5 \(MDD 3\.1\)/);
  });

  it('reads loss rows above 1, and refuses negative ones naming the row', () => {
    const ok = '[{"method":"grpo","seed":0,"benchmark":"probe/ca_loss","accuracy":1.7}]';
    expect(parseResultRows(ok, 'F')[0].accuracy).toBe(1.7);
    expect(() =>
      parseResultRows('[{"method":"grpo","seed":0,"benchmark":"probe/ca_loss","accuracy":-1}]', 'F'),
    ).toThrow('F: row 0: accuracy of the loss row probe/ca_loss must be a finite number >= 0');
  });
});
