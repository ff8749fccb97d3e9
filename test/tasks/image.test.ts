import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  answerQuestion,
  imageDomain,
  imageSimilarity,
  parseImage,
  QUESTION_TYPES,
  verifyPair,
  type RGBImage,
} from '../../src/tasks/index.ts';
import { expectDiffersOnlyInside } from './helpers.ts';
import { shows, swapEdit } from '../../src/tasks/image/pairs.ts';
import { Rng } from '../../src/tasks/rng.ts';

/** The answer computed from the pixels alone (the scene parsed back out of the image). */
const seen = (img: RGBImage, query: string) => {
  const scene = parseImage(img);
  return scene ? answerQuestion(scene, query) : null;
};

describe('image items', () => {
  it.each(QUESTION_TYPES)('%s: the stated answer is what the pixels show', (question) => {
    const items = imageDomain.items(7, 60, { question });
    for (const it of items) {
      expect(it.image?.width).toBe(24);
      expect(it.image?.data.length).toBe(24 * 24 * 3);
      expect(seen(it.image as RGBImage, it.query)).toBe(it.answer);
      expect(it.meta.question).toBe(question);
    }
    // More than one answer occurs, so no set is answerable by a constant.
    expect(new Set(items.map((i) => i.answer)).size).toBeGreaterThan(1);
  });

  it('the same seed gives the same data', () => {
    expect(imageDomain.items(3, 10)).toEqual(imageDomain.items(3, 10));
  });
});

describe('image pairs', () => {
  it('every kept edit pair passes its verifier, changes pixels only in the edited region, and the pixels give its answers', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom('any', ...QUESTION_TYPES),
        fc.integer({ min: 1, max: 5 }),
        (seed, question, objects) => {
          const { pairs } = imageDomain.pairs(seed, 4, { question, objects });
          expect(pairs).toHaveLength(4);
          for (const p of pairs) {
            expect(verifyPair(p)).toEqual({ ok: true });
            expectDiffersOnlyInside(p);
            expect(seen(p.positive as RGBImage, p.query)).toBe(p.answer);
            expect(seen(p.negative as RGBImage, p.query)).toBe(p.negativeAnswer);
            expect(p.answer).not.toBe(p.negativeAnswer);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('similarity pairs are at or above the threshold, pass the verifier, and answer differently', () => {
    for (const threshold of [0.85, 0.9]) {
      const { pairs, funnel } = imageDomain.pairs(11, 30, { method: 'similar', threshold });
      expect(pairs.length).toBe(30);
      expect(funnel.stages[0].name).toBe('question well-posed');
      for (const p of pairs) {
        expect(imageSimilarity(p.positive as RGBImage, p.negative as RGBImage)).toBeGreaterThanOrEqual(threshold);
        expect(verifyPair(p, { similarityThreshold: threshold })).toEqual({ ok: true });
        expectDiffersOnlyInside(p);
        expect(seen(p.negative as RGBImage, p.query)).toBe(p.negativeAnswer);
        expect(p.answer).not.toBe(p.negativeAnswer);
      }
    }
  });

  it('unrelated random scenes are rarely above the similarity threshold', () => {
    const items = imageDomain.items(5, 200);
    let above = 0;
    for (let i = 0; i + 1 < items.length; i += 2)
      if (imageSimilarity(items[i].image as RGBImage, items[i + 1].image as RGBImage) >= 0.85) above++;
    expect(above / 100).toBeLessThan(0.1);
  });

  it('the edit funnel reports the paper-style rejections', () => {
    const { funnel } = imageDomain.pairs(1, 50);
    expect(funnel.kept).toBe(50);
    expect(funnel.rejections['edit-changed-nothing']).toBeGreaterThan(0);
    expect(funnel.rejections['equal-answers']).toBeGreaterThan(0);
  });

  it('easy pairs answer the same question about an unrelated scene', () => {
    for (const p of imageDomain.pairs(2, 20, { hardness: 'easy' }).pairs) {
      expect(seen(p.negative as RGBImage, p.query)).toBe(p.negativeAnswer);
      expect(verifyPair(p)).toEqual({ ok: true });
    }
  });

  it("random pairs: C- is another item's scene that does not support the claim", () => {
    const { pairs } = imageDomain.pairs(3, 40, { hardness: 'random' });
    expect(pairs).toHaveLength(40);
    for (const p of pairs) {
      expect(p.meta.method).toBe('random');
      expect(verifyPair(p)).toEqual({ ok: true });
      expect(seen(p.positive as RGBImage, p.query)).toBe(p.answer);
      expect(seen(p.negative as RGBImage, p.query)).not.toBe(p.answer);
      expect(p.negativeAnswer).not.toBe(p.answer);
    }
  });

  it('matchPresence: hard pairs show each colour or shape answer in both scenes or neither (swaps among them)', () => {
    const { pairs, funnel } = imageDomain.pairs(4, 60, { question: 'any', objects: 3, matchPresence: true });
    expect(pairs).toHaveLength(60);
    let swaps = 0;
    for (const p of pairs) {
      expect(verifyPair(p)).toEqual({ ok: true });
      expectDiffersOnlyInside(p);
      expect(seen(p.positive as RGBImage, p.query)).toBe(p.answer);
      expect(seen(p.negative as RGBImage, p.query)).toBe(p.negativeAnswer);
      const a = parseImage(p.positive as RGBImage)!;
      const b = parseImage(p.negative as RGBImage)!;
      for (const w of [p.answer, p.negativeAnswer]) expect(shows(a, w), `${p.id} ${w}`).toBe(shows(b, w));
      if (String(p.meta.edit ?? '').startsWith('swap')) swaps++;
    }
    expect(swaps).toBeGreaterThan(5);
    expect(funnel.stages.map((s) => s.name)).toContain('answers shown in both or neither');
    expect(funnel.rejections['answer-leak']).toBeGreaterThan(0);
  });

  it("matchPresence: easy and random pairs never show the answer's colour or shape in C-", () => {
    for (const hardness of ['easy', 'random'] as const) {
      const { pairs } = imageDomain.pairs(5, 60, { matchPresence: true, hardness });
      expect(pairs).toHaveLength(60);
      for (const p of pairs) expect(shows(parseImage(p.negative as RGBImage)!, p.answer)).not.toBe(true);
    }
  });

  it('swapEdit trades one attribute between two objects and touches only their squares', () => {
    const scene = {
      objects: [
        { colour: 'red', kind: 'circle', size: 6, x: 1, y: 1 },
        { colour: 'blue', kind: 'square', size: 6, x: 14, y: 14 },
      ],
    } as const;
    for (let s = 0; s < 10; s++) {
      const sw = swapEdit(new Rng(s), { objects: scene.objects.map((o) => ({ ...o })) })!;
      const [a, b] = sw.scene.objects;
      if (sw.attr === 'colour') expect([a.colour, b.colour, a.kind]).toEqual(['blue', 'red', 'circle']);
      else expect([a.kind, b.kind, a.colour]).toEqual(['square', 'circle', 'red']);
      expect(sw.rects).toEqual([
        { x: 1, y: 1, w: 6, h: 6 },
        { x: 14, y: 14, w: 6, h: 6 },
      ]);
    }
  });
});
