import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { documentDomain, ENTITIES, mentions, readDocument, verifyPair } from '../../src/tasks/index.ts';
import type { Knobs } from '../../src/tasks/types.ts';
import { expectDiffersOnlyInside } from './helpers.ts';

const knobs = fc.record({
  facts: fc.integer({ min: 3, max: 10 }),
  relations: fc.integer({ min: 1, max: 2 }),
  filler: fc.integer({ min: 0, max: 20 }),
  position: fc.constantFrom('any', 'early', 'middle', 'late'),
  bare: fc.constantFrom(0, 0.5, 1),
});

describe('document items', () => {
  it("each item's stated answer is what the document says", () => {
    fc.assert(
      fc.property(fc.nat(), knobs, fc.boolean(), (seed, k, decoy) => {
        for (const it of documentDomain.items(seed, 8, { ...k, decoy }))
          expect(readDocument(it.context, it.query)).toBe(it.answer);
      }),
      { numRuns: 60 },
    );
  });

  it('the entities knob limits documents and easy pairs to the first N entities, never below the facts asked for', () => {
    const small = new Set(ENTITIES.slice(0, 3));
    const named = (text: string) =>
      text
        .split(/[\s.]+/)
        .map((w) => w.split(/[:@]/)[0])
        .filter((w) => (ENTITIES as readonly string[]).includes(w));
    for (const it of documentDomain.items(5, 40, { facts: 2, entities: 3, filler: 0 })) {
      for (const e of [...named(it.context), it.query.split(' ')[1]])
        expect(small.has(e as (typeof ENTITIES)[number]), `${e} in "${it.context}"`).toBe(true);
    }
    for (const p of documentDomain.pairs(5, 20, { facts: 2, entities: 3, filler: 0, hardness: 'easy' }).pairs) {
      for (const e of [...named(p.positive as string), ...named(p.negative as string)])
        expect(small.has(e as (typeof ENTITIES)[number])).toBe(true);
    }
    // Four facts from a pool of two: the pool grows to four rather than repeating an entity.
    for (const it of documentDomain.items(6, 10, { facts: 4, entities: 2, filler: 0 }))
      expect(new Set(named(it.context)).size).toBe(4);
    // The default is the whole pool (the benchmark suites, built with default knobs, are unchanged: test/tasks/bench.test.ts).
    expect(documentDomain.items(7, 5).map((x) => x.context)).toEqual(
      documentDomain.items(7, 5, { entities: 16 }).map((x) => x.context),
    );
  });

  it('bare: 1 writes every fact sentence as the fact unit alone, and the default changes nothing', () => {
    const isFact = (w: string) => /^[a-z]+[:@][a-z]+$/.test(w);
    const templateWords = new Set(['note', 'saw', 'says', 'log', 'seen', 'report']);
    for (const it of documentDomain.items(8, 30, { facts: 3, filler: 2, bare: 1 })) {
      const words = it.context.split(' ');
      expect(words.filter(isFact)).toHaveLength(3);
      expect(words.filter((w) => templateWords.has(w))).toEqual([]);
      expect(readDocument(it.context, it.query)).toBe(it.answer);
      const s = it.decisive[0];
      if (s.kind !== 'text') throw new Error('text span expected');
      expect(it.context.slice(s.start, s.end)).toBe(`${it.query.split(' ')[1]}:${it.answer}`);
    }
    for (const it of documentDomain.items(9, 30, { facts: 2, filler: 0, bare: 1 }))
      expect(it.context.split(' ').every(isFact)).toBe(true);
    for (const p of documentDomain.pairs(8, 20, { facts: 2, filler: 0, bare: 1, hardness: 'easy' }).pairs) {
      for (const c of [p.positive as string, p.negative as string]) expect(c.split(' ').every(isFact)).toBe(true);
    }
    expect(documentDomain.items(7, 5, { bare: 0 })).toEqual(documentDomain.items(7, 5));
    expect(documentDomain.pairs(7, 5, { bare: 0 })).toEqual(documentDomain.pairs(7, 5));
  });

  it('the decisive span is the sentence holding the fact unit', () => {
    for (const it of documentDomain.items(2, 30)) {
      const s = it.decisive[0];
      if (s.kind !== 'text') throw new Error('text span expected');
      const [, entity] = it.query.split(' ');
      expect(it.context.slice(s.start, s.end)).toContain(`${entity}:${it.answer}`);
    }
  });

  it('the needle variant buries a few facts in many filler sentences', () => {
    const [it] = documentDomain.items(1, 1, { facts: 3, filler: 60 });
    expect(it.context.split(' . ').length).toBeGreaterThanOrEqual(63);
    expect(readDocument(it.context, it.query)).toBe(it.answer);
  });

  it('the same seed gives the same data', () => {
    expect(documentDomain.items(4, 10)).toEqual(documentDomain.items(4, 10));
    expect(documentDomain.pairs(4, 10)).toEqual(documentDomain.pairs(4, 10));
  });
});

describe('document pairs', () => {
  it('every kept pair passes its verifier, differs only in the decisive sentence, and reads to its answers', () => {
    fc.assert(
      fc.property(fc.nat(), knobs, (seed, k) => {
        const { pairs } = documentDomain.pairs(seed, 5, k);
        expect(pairs).toHaveLength(5);
        for (const p of pairs) {
          expect(verifyPair(p)).toEqual({ ok: true });
          expectDiffersOnlyInside(p);
          expect(readDocument(p.positive as string, p.query)).toBe(p.answer);
          expect(readDocument(p.negative as string, p.query)).toBe(p.negativeAnswer);
          expect(p.answer).not.toBe(p.negativeAnswer);
          for (const a of [p.answer, p.negativeAnswer]) {
            expect(mentions(p.positive as string, a)).toBe(true);
            expect(mentions(p.negative as string, a)).toBe(true);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a hard pair holds the same entities and values in both contexts, so counting the answer word does not pick C+', () => {
    // The decisive value trades places with another entity's value (C+ `lamp:red cup:blue`, C- `lamp:blue cup:red`).
    // An edit to a value held elsewhere would leave C+ with one more copy of the answer word in every pair.
    const words = (c: string) =>
      c
        .split(' ')
        .flatMap((t) => (/[:@]/.test(t) ? [t.split(/[:@]/)[0], t.slice(t.search(/[:@]/))] : [t]))
        .sort()
        .join(' ');
    const settings: Knobs[] = [{}, { facts: 3, filler: 1 }, { facts: 6, relations: 2, filler: 4 }];
    for (const k of settings) {
      for (const p of documentDomain.pairs(80_001, 40, k).pairs)
        expect(words(p.negative as string), p.id).toBe(words(p.positive as string));
    }
  });

  it('easy pairs ask the same question of another document', () => {
    for (const p of documentDomain.pairs(3, 20, { hardness: 'easy' }).pairs) {
      expect(readDocument(p.negative as string, p.query)).toBe(p.negativeAnswer);
      expect(verifyPair(p)).toEqual({ ok: true });
    }
  });

  it('random pairs: C- is an unrelated document that does not state the claimed fact', () => {
    const { pairs } = documentDomain.pairs(6, 100, { hardness: 'random' });
    expect(pairs).toHaveLength(100);
    let otherEntity = 0;
    for (const p of pairs) {
      expect(p.meta.method).toBe('random');
      expect(verifyPair(p)).toEqual({ ok: true });
      expect(readDocument(p.positive as string, p.query)).toBe(p.answer);
      expect(readDocument(p.negative as string, p.query)).not.toBe(p.answer);
      expect(p.negativeAnswer).not.toBe(p.answer);
      if (p.meta.negativeQuery !== p.query) otherEntity++;
    }
    expect(otherEntity).toBeGreaterThan(90);
  });
});

describe('evaluation sets at the ends of the knobs', () => {
  it("the needle set's filler stays within the knob's range (filler 51..200 used to throw)", async () => {
    const { evalSets, getDomain } = await import('../../src/tasks/registry.ts');
    const sets = evalSets(getDomain('document'), { filler: 200 }, 3);
    expect(sets.map((s) => s.name)).toContain('document/needle');
    expect(sets.every((s) => s.items.length === 3)).toBe(true);
  });
});
