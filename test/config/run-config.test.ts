import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUN_CONFIG,
  diffFromDefaults,
  parseRunConfig,
  validateRunConfig,
  withDefaults,
} from '../../src/config/run-config.ts';
import { summarize, tQuantile975 } from '../../src/results/stats.ts';
import { mergeResults, parseResultRows, toCsv, toMarkdown, type ResultRow } from '../../src/results/results.ts';

function errors(input: unknown): string[] {
  const r = validateRunConfig(input);
  return r.ok ? [] : r.errors;
}

describe('run config validation', () => {
  it('accepts the defaults and fills a partial config', () => {
    expect(validateRunConfig({}).ok).toBe(true);
    expect(parseRunConfig({ steps: 5, evalEvery: 5 }).groupSize).toBe(DEFAULT_RUN_CONFIG.groupSize);
  });

  it.each([
    [{ groupSize: 1 }, 'groupSize must be an integer in [2, 64] (got 1)'],
    [{ groupSize: 2.5 }, 'groupSize must be an integer in [2, 64] (got 2.5)'],
    [{ learningRate: 0 }, 'learningRate must be > 0 (got 0)'],
    [{ pairShare: 1 }, 'pairShare must be in [0, 1) (got 1)'],
    [{ method: 'ppo' }, 'method must be one of grpo, da-sft, da-rl, contextrl (got "ppo")'],
    [{ epsLow: 1.5 }, 'epsLow must be in [0, 1) (got 1.5)'],
    [{ steps: '10' }, 'steps must be a number (got "10")'],
    [{ method: 'contextrl', pairShare: 0 }, 'pairShare must be > 0 for method contextrl (got 0)'],
    [{ method: 'contextrl', lambda: 0 }, 'lambda must be > 0 for method contextrl (got 0)'],
    [{ steps: 10, evalEvery: 20 }, 'evalEvery must be <= steps (got 20, 10)'],
    [{ stepz: 10 }, 'unknown config field: stepz'],
  ])('%j -> %s', (input, message) => {
    expect(errors(input)).toContain(message);
  });

  it('lists every problem in one thrown message', () => {
    expect(() => parseRunConfig({ groupSize: 0, temperature: -1 })).toThrow(
      /groupSize must be .*; temperature must be/,
    );
    expect(errors(null)).toEqual(['config must be an object']);
  });

  it('diffFromDefaults keeps only the changed fields', () => {
    expect(diffFromDefaults(withDefaults({ seed: 4, knobs: { depth: 1 } }))).toEqual({ seed: 4, knobs: { depth: 1 } });
  });
});

describe('statistics and result tables', () => {
  it('uses the t-distribution for the 95% CI', () => {
    expect(tQuantile975(2)).toBeCloseTo(4.303, 3);
    expect(tQuantile975(100)).toBeCloseTo(1.984, 3);
    const s = summarize([0.5, 0.6, 0.7]);
    expect(s.mean).toBeCloseTo(0.6, 10);
    expect(s.ci95).toBeCloseTo((4.303 * 0.1) / Math.sqrt(3), 6);
    expect(Number.isNaN(summarize([1]).ci95)).toBe(true);
  });

  it('writes csv and a markdown table with the difference from grpo', () => {
    const rows: ResultRow[] = [];
    for (const seed of [0, 1, 2]) {
      rows.push({ method: 'base', seed, benchmark: 'trace/hard', accuracy: 0.3 });
      rows.push({ method: 'grpo', seed, benchmark: 'trace/hard', accuracy: 0.4 + 0.01 * seed });
      rows.push({ method: 'contextrl', seed, benchmark: 'trace/hard', accuracy: 0.5 + 0.01 * seed });
      rows.push({ method: 'contextrl', seed, benchmark: 'probe/selection', accuracy: 0.9 });
    }
    expect(toCsv(rows).split('\n')[0]).toBe('method,seed,benchmark,accuracy');
    const md = toMarkdown(rows);
    expect(md).toContain('| method | trace/hard | probe/selection |');
    expect(md).toContain('| grpo | 41.0 ± 2.5 | – |');
    expect(md).toContain('| contextrl | +10.0 ± 0.0 (MDD 0.0) | – |');
  });

  it('merges experiments: repeated base rows once, a conflict is an error naming both files', () => {
    const a: ResultRow[] = [
      { method: 'base', seed: 2, benchmark: 'trace/hard', accuracy: 0.7 },
      { method: 'grpo', seed: 2, benchmark: 'trace/hard', accuracy: 0.72 },
    ];
    const b: ResultRow[] = [
      { method: 'base', seed: 2, benchmark: 'trace/hard', accuracy: 0.7 },
      { method: 'contextrl', seed: 2, benchmark: 'trace/hard', accuracy: 0.69 },
    ];
    const merged = mergeResults([
      { source: 'A', rows: a },
      { source: 'B', rows: b },
    ]);
    expect(merged).toEqual([a[0], a[1], b[1]]);
    expect(() =>
      mergeResults([
        { source: 'A', rows: a },
        { source: 'B', rows: [{ ...b[0], accuracy: 0.5 }] },
      ]),
    ).toThrow('conflicting rows for base seed 2 trace/hard: 0.7 in A, 0.5 in B');
  });

  it('reads results.json rows with errors that name the file and row', () => {
    expect(parseResultRows('[{"method":"grpo","seed":0,"benchmark":"b","accuracy":0.5}]', 'F')).toEqual([
      { method: 'grpo', seed: 0, benchmark: 'b', accuracy: 0.5 },
    ]);
    expect(() => parseResultRows('[{"method":"grpo","seed":0,"benchmark":"b","accuracy":50}]', 'F')).toThrow(
      'F: row 0: accuracy must be a number in [0, 1]',
    );
    expect(() => parseResultRows('[{"method":"grpo","seed":0.5,"benchmark":"b","accuracy":0.5}]', 'F')).toThrow(
      'F: row 0: seed must be an integer',
    );
    expect(() => parseResultRows('{"rows":[]}', 'F')).toThrow('F: expected an array of rows');
    expect(() => parseResultRows('[1,', 'F')).toThrow(/^F: not JSON/);
  });
});
