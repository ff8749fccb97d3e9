import { describe, expect, it } from 'vitest';
import { minePairs, reject } from '../../src/tasks/mine.ts';
import { Rng } from '../../src/tasks/rng.ts';
import type { Pair } from '../../src/tasks/types.ts';

const pair = (id: string, answer: string, negativeAnswer: string, negative = 'x=2'): Pair => ({
  id,
  domain: 'trace',
  query: 'final x',
  answer,
  negativeAnswer,
  positive: 'x=1',
  negative,
  decisivePositive: [],
  decisiveNegative: [],
  hardness: 'easy',
  meta: {},
});

describe('minePairs', () => {
  it('counts rejections per stage, sends proposals through the verifier, and stops at n', () => {
    const seen: number[] = [];
    const r = minePairs({
      rng: new Rng(1),
      n: 2,
      stages: ['a', 'b', 'verifier'],
      maxCandidates: 100,
      propose: (_r, c) => {
        seen.push(c);
        if (c === 0) return reject(0, 'template-mismatch');
        if (c === 1) return reject(1, 'equal-answers');
        if (c === 2) return { pair: pair('p2', '1', '1') }; // the verifier rejects: equal answers
        if (c === 3) return { pair: pair('p3', '1', '2', 'x=1') }; // identical contexts
        return { pair: pair(`p${c}`, '1', '2') };
      },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.pairs.map((p) => p.id)).toEqual(['p4', 'p5']);
    expect(r.funnel).toEqual({
      candidates: 6,
      stages: [
        { name: 'a', kept: 5 },
        { name: 'b', kept: 4 },
        { name: 'verifier', kept: 2 },
      ],
      rejections: { 'template-mismatch': 1, 'equal-answers': 2, 'identical-contexts': 1 },
      kept: 2,
    });
  });

  it('gives candidate c the stream rng.fork(c) and stops at maxCandidates', () => {
    const draws: number[] = [];
    const r = minePairs({
      rng: new Rng(7),
      n: 10,
      stages: ['verifier'],
      maxCandidates: 3,
      propose: (s) => {
        draws.push(s.float());
        return reject(0, 'equal-answers');
      },
    });
    expect(r.pairs).toEqual([]);
    expect(r.funnel.candidates).toBe(3);
    expect(draws).toEqual([0, 1, 2].map((c) => new Rng(7).fork(c).float()));
  });
});
