import { describe, expect, it } from 'vitest';
import { pairedItems, pairedSource } from '../../src/tasks/paired.ts';
import { evalSets } from '../../src/tasks/registry.ts';
import { documentDomain, readDocument } from '../../src/tasks/document/index.ts';
import { readTrace, traceDomain } from '../../src/tasks/trace/index.ts';
import { imageDomain } from '../../src/tasks/image/index.ts';

const TRACE = { depth: 'lookup', steps: 6, noise: 2, vars: 4 };

describe('paired items: a hard pair C+ and C- in one context', () => {
  it('traces: the later block decides; the first block gives the distractor answer', () => {
    const items = pairedItems(traceDomain, 11, 60, TRACE);
    const pairs = pairedSource(traceDomain, 11, 60, TRACE);
    expect(items).toHaveLength(60);
    let second = 0;
    for (const it of items) {
      const p = pairs.find((x) => x.id === it.meta.pair)!;
      const [first, last] = it.meta.positiveSecond ? [p.negative, p.positive] : [p.positive, p.negative];
      expect(it.context).toBe(`${first} ; ${last}`);
      expect(readTrace(it.context, it.query)).toBe(it.answer);
      expect(readTrace(last as string, it.query)).toBe(it.answer);
      expect(it.shortcutAnswer).toBe(readTrace(first as string, it.query));
      expect(it.shortcutAnswer).not.toBe(it.answer);
      // The decisive spans lie in the second block and hold the same text as in the pair's context.
      const offset = (first as string).length + 3;
      for (const s of it.decisive) {
        if (s.kind !== 'text') throw new Error('text span expected');
        expect(s.start).toBeGreaterThanOrEqual(offset);
        expect(it.context.slice(s.start, s.end)).toBe((last as string).slice(s.start - offset, s.end - offset));
      }
      if (it.meta.positiveSecond) second++;
    }
    // A seeded coin: both orders occur.
    expect(second).toBeGreaterThan(15);
    expect(second).toBeLessThan(45);
  });

  it('documents: the last matching fact decides', () => {
    for (const it of pairedItems(documentDomain, 12, 30, {})) {
      expect(readDocument(it.context, it.query)).toBe(it.answer);
      expect(it.shortcutAnswer).not.toBe(it.answer);
    }
  });

  it('is an extra evaluation set by name, for text domains only', () => {
    expect(evalSets(traceDomain, TRACE, 5).map((s) => s.name)).toEqual(['trace/in-distribution', 'trace/hard']);
    expect(evalSets(traceDomain, TRACE, 5, ['trace/paired']).map((s) => s.name)).toEqual([
      'trace/in-distribution',
      'trace/hard',
      'trace/paired',
    ]);
    expect(() => pairedItems(imageDomain, 1, 2, {})).toThrow(
      'paired items need a text domain (trace or document), not image',
    );
  });
});
