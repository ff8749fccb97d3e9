import { describe, expect, it } from 'vitest';
import {
  allVocabulary,
  domains,
  DOMAIN_NAMES,
  formatItemPrompt,
  formatPairPrompt,
  pairSideSeed,
  promptTokens,
} from '../../src/tasks/index.ts';

describe('prompt format', () => {
  it('an item prompt is `context | query ->` and the target is the answer', () => {
    const item = domains.trace.items(1, 1)[0];
    expect(formatItemPrompt(item)).toEqual({ text: `${item.context} | ${item.query} ->`, images: [] });
  });

  it('an image item prompt is `<img> | query ->` with the scene as its image', () => {
    const item = domains.image.items(1, 1)[0];
    const p = formatItemPrompt(item);
    expect(p.text).toBe(`<img> | ${item.query} ->`);
    expect(p.images).toEqual([item.image]);
  });

  it('a pair prompt shows query, answer and both options; the target is the letter of C+', () => {
    const pair = domains.trace.pairs(1, 1).pairs[0];
    const a = formatPairPrompt(pair, true);
    expect(a.prompt.text).toBe(`${pair.query} ${pair.answer} | A : ${pair.positive} | B : ${pair.negative} | which ->`);
    expect(a.target).toBe('A');
    const b = formatPairPrompt(pair, false);
    expect(b.prompt.text).toBe(`${pair.query} ${pair.answer} | A : ${pair.negative} | B : ${pair.positive} | which ->`);
    expect(b.target).toBe('B');
  });

  it('an image pair prompt has two <img> markers and the images in option order', () => {
    const pair = domains.image.pairs(1, 1).pairs[0];
    const p = formatPairPrompt(pair, false);
    expect(p.prompt.text).toBe(`${pair.query} ${pair.answer} | A : <img> | B : <img> | which ->`);
    expect(p.prompt.images).toEqual([pair.negative, pair.positive]);
  });

  it('pairSideSeed is a stable, roughly 50/50 draw per pair id', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `pair-${i}`);
    const first = ids.filter((id) => pairSideSeed(id)).length;
    expect(first).toBeGreaterThan(900);
    expect(first).toBeLessThan(1100);
    expect(ids.map((id) => pairSideSeed(id))).toEqual(ids.map((id) => pairSideSeed(id)));
  });

  it('every token of every prompt is single-space separated and in the vocabulary', () => {
    const vocab = new Set(allVocabulary());
    for (const w of ['A', 'B', '|', '->', ':', 'which', '<img>']) expect(vocab.has(w)).toBe(true);
    for (const name of DOMAIN_NAMES) {
      const d = domains[name];
      const texts = [
        ...d.items(5, 40).map((it) => formatItemPrompt(it).text),
        ...d.pairs(5, 20).pairs.map((p) => formatPairPrompt(p, pairSideSeed(p.id)).prompt.text),
        ...d.pairs(5, 10, { hardness: 'easy' }).pairs.map((p) => formatPairPrompt(p, true).prompt.text),
      ];
      for (const t of texts) {
        expect(t).not.toMatch(/\s\s|^\s|\s$|[\t\n\r]/);
        for (const tok of promptTokens(t)) expect(vocab.has(tok), `${name}: "${tok}" not in vocabulary`).toBe(true);
      }
    }
  });

  it('allVocabulary is sorted and unique', () => {
    const v = allVocabulary();
    expect([...new Set(v)].sort()).toEqual(v);
  });
});
