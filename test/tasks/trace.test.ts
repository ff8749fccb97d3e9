import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mentions, readTrace, traceDomain, verifyPair } from '../../src/tasks/index.ts';
import { expectDiffersOnlyInside } from './helpers.ts';

const depth = fc.constantFrom('lookup', 'compare', 'chain');
const knobs = fc.record({
  depth,
  steps: fc.integer({ min: 2, max: 12 }),
  noise: fc.integer({ min: 0, max: 4 }),
  vars: fc.integer({ min: 2, max: 5 }),
  position: fc.constantFrom('any', 'early', 'middle', 'late'),
});

describe('trace items', () => {
  it("each item's stated answer is what the trace executes to", () => {
    fc.assert(
      fc.property(fc.nat(), knobs, fc.double({ min: 0, max: 1, noNaN: true }), (seed, k, shortcut) => {
        for (const it of traceDomain.items(seed, 8, { ...k, shortcut })) {
          expect(readTrace(it.context, it.query)).toBe(it.answer);
          expect(it.answer).toMatch(/^[0-9]$/);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the default context is short and the long knob gives 40+ steps', () => {
    const short = traceDomain.items(3, 200);
    expect(Math.max(...short.map((i) => i.context.split(' ').length))).toBeLessThan(60);
    const long = traceDomain.items(3, 5, { steps: 40, noise: 8 });
    for (const it of long) expect(it.context.split(' ; ').length).toBeGreaterThanOrEqual(48);
  });

  it('the shortcut rate sets how often the first assignment is the answer', () => {
    for (const rate of [0, 0.8]) {
      for (const d of ['lookup', 'compare', 'chain']) {
        const items = traceDomain.items(9, 400, { shortcut: rate, depth: d });
        const share = items.filter((i) => i.shortcutAnswer === i.answer).length / items.length;
        expect(Math.abs(share - rate), `${d} at ${rate}`).toBeLessThan(0.08);
      }
    }
  });

  it('the decisive span holds the decisive line', () => {
    for (const it of traceDomain.items(4, 50)) {
      const s = it.decisive[0];
      if (s.kind !== 'text') throw new Error('text span expected');
      expect(it.context.slice(s.start, s.end)).toBe(`${it.query.split(' ')[1]}=${it.answer}`);
    }
  });

  it('reward is exact match after trim', () => {
    const it = traceDomain.items(1, 1)[0];
    expect(traceDomain.reward(it, ` ${it.answer} `)).toBe(1);
    expect(traceDomain.reward(it, `${it.answer}0`)).toBe(0);
  });

  it('the same seed gives the same data', () => {
    expect(traceDomain.items(12, 20)).toEqual(traceDomain.items(12, 20));
    expect(traceDomain.pairs(12, 20)).toEqual(traceDomain.pairs(12, 20));
    expect(traceDomain.items(12, 5)).not.toEqual(traceDomain.items(13, 5));
  });
});

describe('trace pairs', () => {
  it('every kept hard pair passes its verifier, differs only inside the decisive spans, and executes to its answers', () => {
    fc.assert(
      fc.property(fc.nat(), knobs, (seed, k) => {
        const { pairs, funnel } = traceDomain.pairs(seed, 6, k);
        expect(pairs.length).toBe(6);
        expect(funnel.kept).toBe(6);
        for (const p of pairs) {
          expect(verifyPair(p)).toEqual({ ok: true });
          expectDiffersOnlyInside(p);
          expect(readTrace(p.positive as string, p.query)).toBe(p.answer);
          expect(readTrace(p.negative as string, p.query)).toBe(p.negativeAnswer);
          expect(p.answer).not.toBe(p.negativeAnswer);
          for (const a of [p.answer, p.negativeAnswer])
            expect(mentions(p.positive as string, a)).toBe(mentions(p.negative as string, a));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('at lookup depth the two assignments of the queried variable trade places', () => {
    for (const p of traceDomain.pairs(2, 20).pairs) {
      const q = p.query.split(' ')[1];
      const own = (t: string) => t.split(' ').filter((w) => w.startsWith(`${q}=`));
      expect(own(p.negative as string)).toEqual([...own(p.positive as string)].reverse());
      expect([...(p.positive as string).split(' ')].sort()).toEqual([...(p.negative as string).split(' ')].sort());
    }
  });

  it('at compare depth exactly one condition flips', () => {
    for (const p of traceDomain.pairs(2, 20, { depth: 'compare' }).pairs) {
      const a = (p.positive as string).split(' ');
      const b = (p.negative as string).split(' ');
      const diff = a.map((t, i) => [t, b[i]]).filter(([x, y]) => x !== y);
      expect(diff).toHaveLength(1);
      expect(diff[0][0].replace('<', '>')).toBe(diff[0][1].replace('<', '>'));
    }
  });

  it('the funnel adds up', () => {
    const { funnel } = traceDomain.pairs(5, 100);
    const rejected = Object.values(funnel.rejections).reduce((a, b) => (a ?? 0) + (b ?? 0), 0);
    expect(funnel.candidates).toBe(funnel.kept + (rejected ?? 0));
    expect(funnel.stages.map((s) => s.kept)).toEqual([...funnel.stages.map((s) => s.kept)].sort((a, b) => b - a));
    expect(funnel.stages[funnel.stages.length - 1].kept).toBe(100);
  });

  it('easy pairs are different programs with different answers', () => {
    const { pairs } = traceDomain.pairs(3, 20, { hardness: 'easy' });
    for (const p of pairs) {
      expect(p.hardness).toBe('easy');
      expect(verifyPair(p)).toEqual({ ok: true });
      expect(readTrace(p.negative as string, p.query)).toBe(p.negativeAnswer);
      expect(p.answer).not.toBe(p.negativeAnswer);
    }
  });

  it("easy pairs: the queried variable never takes the answer's value in C- (finding the fact decides)", () => {
    const { pairs, funnel } = traceDomain.pairs(4, 200, { hardness: 'easy', vars: 3, steps: 6, noise: 2 });
    expect(pairs).toHaveLength(200);
    for (const p of pairs) {
      const fact = `${p.query.split(' ')[1]}=${p.answer}`;
      expect((p.positive as string).split(' ')).toContain(fact);
      expect((p.negative as string).split(' ')).not.toContain(fact);
    }
    expect(funnel.stages.map((s) => s.name)).toContain('answer fact absent from C-');
    expect(funnel.rejections['answer-fact-in-negative'] ?? 0).toBeGreaterThan(0);
  });

  it('random pairs: C- is an unrelated item whose trace does not support the claim', () => {
    const { pairs, funnel } = traceDomain.pairs(5, 200, { hardness: 'random' });
    expect(pairs).toHaveLength(200);
    let otherQuery = 0;
    for (const p of pairs) {
      expect(p.meta.method).toBe('random');
      expect(verifyPair(p)).toEqual({ ok: true });
      // The claim "final q = answer" holds in C+ only; negativeAnswer is q's final value in C-.
      expect(readTrace(p.positive as string, p.query)).toBe(p.answer);
      expect(readTrace(p.negative as string, p.query)).toBe(p.negativeAnswer);
      expect(p.negativeAnswer).not.toBe(p.answer);
      expect((p.negative as string).split(' ')).not.toContain(`${p.query.split(' ')[1]}=${p.answer}`);
      if (p.meta.negativeQuery !== p.query) otherQuery++;
    }
    // Unrelated: most negatives were generated for another question (4 variables: ~3 in 4).
    expect(otherQuery).toBeGreaterThan(100);
    expect(funnel.stages.map((s) => s.name)).toEqual([
      'another item',
      'claim false in C-',
      'answer fact absent from C-',
      'verifier',
    ]);
  });
});
