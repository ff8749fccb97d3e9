import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/tasks/index.ts';

describe('Rng', () => {
  it('the same seed gives the same stream', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(Array.from({ length: 20 }, () => a.float())).toEqual(Array.from({ length: 20 }, () => b.float()));
  });

  it('neighbouring seeds give different streams', () => {
    expect(new Rng(0).float()).not.toBe(new Rng(1).float());
  });

  it('int stays in its inclusive range and covers it', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 6 }), (seed, lo, span) => {
        const r = new Rng(seed);
        const seen = new Set<number>();
        for (let i = 0; i < 200; i++) {
          const v = r.int(lo, lo + span);
          expect(v).toBeGreaterThanOrEqual(lo);
          expect(v).toBeLessThanOrEqual(lo + span);
          seen.add(v);
        }
        expect(seen.size).toBe(span + 1);
      }),
      { numRuns: 50 },
    );
  });

  it('shuffle is a permutation and leaves its input alone', () => {
    const xs = [1, 2, 3, 4, 5, 6];
    const s = new Rng(3).shuffle(xs);
    expect([...s].sort()).toEqual(xs);
    expect(xs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('fork depends on the label and the seed, not on draws made before', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    b.float();
    b.float();
    expect(a.fork('x').float()).toBe(b.fork('x').float());
    expect(a.fork('x').float()).not.toBe(a.fork('y').float());
  });

  it('float is roughly uniform', () => {
    const r = new Rng(11);
    let s = 0;
    for (let i = 0; i < 10000; i++) s += r.float();
    expect(s / 10000).toBeGreaterThan(0.48);
    expect(s / 10000).toBeLessThan(0.52);
  });
});

describe('Rng.weighted', () => {
  it('draws each entry about as often as its weight, and is reproducible', () => {
    const table = [
      ['a', 0.7],
      ['b', 0.2],
      ['c', 0.1],
    ] as const;
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 5000 }, () => r.weighted(table));
    };
    const xs = draw(3);
    const share = (v: string) => xs.filter((x) => x === v).length / xs.length;
    expect(share('a')).toBeGreaterThan(0.67);
    expect(share('a')).toBeLessThan(0.73);
    expect(share('c')).toBeGreaterThan(0.08);
    expect(share('c')).toBeLessThan(0.12);
    expect(draw(3)).toEqual(xs);
  });
});
