import { describe, expect, it } from 'vitest';
import {
  BENCH_VERSION,
  buildBenchmarkSuite,
  domains,
  formatItemPrompt,
  QUESTION_TYPES,
  verifyPair,
} from '../../src/tasks/index.ts';

describe('benchmark suite', () => {
  const suite = buildBenchmarkSuite({ size: 20, probeSize: 20 });

  it('has the five long-horizon sets, twelve visual sets and the selection probe', () => {
    expect(suite.version).toBe(BENCH_VERSION);
    expect(suite.sets.map((s) => s.name)).toEqual([
      'trace/id',
      'trace/hard',
      'trace/long',
      'document/long',
      'document/needle',
      ...QUESTION_TYPES.map((q) => `image/${q}`),
    ]);
    for (const s of suite.sets) expect(s.items).toHaveLength(20);
    expect(suite.probe).toHaveLength(20);
    expect(suite.probes.map((p) => p.name)).toContain('probe/selection');
  });

  it('is the same every time it is built', () => {
    expect(buildBenchmarkSuite({ size: 20, probeSize: 20 })).toEqual(suite);
  });

  it('trace/hard never rewards the shortcut; trace/long has 40+ steps', () => {
    const hard = suite.sets.find((s) => s.name === 'trace/hard')?.items ?? [];
    expect(hard.every((i) => i.shortcutAnswer !== i.answer)).toBe(true);
    const long = suite.sets.find((s) => s.name === 'trace/long')?.items ?? [];
    expect(long.every((i) => i.context.split(' ; ').length >= 40)).toBe(true);
  });

  it('ids are unique across the suite and items answer their own question', () => {
    const ids = suite.sets.flatMap((s) => s.items.map((i) => i.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of suite.sets) for (const it of s.items) expect(domains[s.domain].reward(it, it.answer)).toBe(1);
    for (const it of suite.sets[0].items) expect(formatItemPrompt(it).text.endsWith('->')).toBe(true);
  });

  it('probe pairs are hard and pass their verifier', () => {
    for (const p of suite.probes) {
      for (const pair of p.pairs) {
        expect(verifyPair(pair)).toEqual({ ok: true });
        expect(pair.hardness).toBe(p.name === 'probe/easy' ? 'easy' : 'hard');
      }
    }
  });

  it('benchmark seeds differ from one another and from small training seeds', () => {
    const seeds = [...suite.sets, ...suite.probes].map((s) => s.seed);
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(Math.min(...seeds)).toBeGreaterThan(1_000_000);
  });
});
