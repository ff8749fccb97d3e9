import { describe, expect, it } from 'vitest';
import { domains, render, verifyPair, type Pair, type RejectionReason } from '../../src/tasks/index.ts';

const scene = render({
  objects: [
    { colour: 'red', kind: 'square', size: 6, x: 2, y: 2 },
    { colour: 'blue', kind: 'circle', size: 6, x: 14, y: 14 },
  ],
});
const edited = render({
  objects: [
    { colour: 'green', kind: 'square', size: 6, x: 2, y: 2 },
    { colour: 'blue', kind: 'circle', size: 6, x: 14, y: 14 },
  ],
});
const far = render({
  objects: [
    { colour: 'red', kind: 'square', size: 6, x: 2, y: 2 },
    { colour: 'blue', kind: 'circle', size: 6, x: 4, y: 16 },
  ],
});
const region = { kind: 'region' as const, x: 2, y: 2, w: 6, h: 6 };

/** A text pair: `c=3 ; b=1 ; c=7` vs `c=7 ; b=1 ; c=3` (the lookup swap), spans on the two c tokens. */
function textPair(over: Partial<Pair> = {}): Pair {
  return {
    id: 't',
    domain: 'trace',
    query: 'final c',
    answer: '7',
    negativeAnswer: '3',
    positive: 'c=3 ; b=1 ; c=7',
    negative: 'c=7 ; b=1 ; c=3',
    decisivePositive: [
      { kind: 'text', start: 0, end: 3 },
      { kind: 'text', start: 12, end: 15 },
    ],
    decisiveNegative: [
      { kind: 'text', start: 0, end: 3 },
      { kind: 'text', start: 12, end: 15 },
    ],
    hardness: 'hard',
    meta: {},
    ...over,
  };
}

function imagePair(over: Partial<Pair> = {}): Pair {
  return {
    id: 'i',
    domain: 'image',
    query: 'colour of square',
    answer: 'red',
    negativeAnswer: 'green',
    positive: scene,
    negative: edited,
    decisivePositive: [region],
    decisiveNegative: [region],
    hardness: 'hard',
    meta: { method: 'edit' },
    ...over,
  };
}

const cases: [string, Pair, RejectionReason | null][] = [
  ['a clean lookup swap', textPair(), null],
  ['a clean image edit', imagePair(), null],
  ['text identical', textPair({ negative: 'c=3 ; b=1 ; c=7' }), 'identical-contexts'],
  ['image identical', imagePair({ negative: scene }), 'identical-contexts'],
  ['answers equal', textPair({ negativeAnswer: '7' }), 'equal-answers'],
  ['image answers equal', imagePair({ negativeAnswer: 'red' }), 'equal-answers'],
  ['an extra token', textPair({ negative: 'c=7 ; b=1 ; c=3 ok' }), 'formatting-differs'],
  ['a separator moved', textPair({ negative: 'c=7 ; b=1 . c=3' }), 'formatting-differs'],
  ['double space', textPair({ negative: 'c=7  b=1 ; c=3' }), 'formatting-differs'],
  ['lengths differ', textPair({ negative: 'c=7 ; bbbbbbbb=1 ; c=3' }), 'length-disparity'],
  ['differs outside the spans', textPair({ negative: 'c=7 ; b=2 ; c=3' }), 'differs-outside-decisive'],
  [
    'image differs outside the region',
    imagePair({ negative: far, negativeAnswer: 'green' }),
    'differs-outside-decisive',
  ],
  [
    'image sizes differ',
    imagePair({ negative: { width: 2, height: 2, data: new Uint8Array(12) } }),
    'formatting-differs',
  ],
  ['text against an image', textPair({ negative: scene }), 'formatting-differs'],
  ['the answer only in C+', textPair({ positive: 'c=3 ; b=1 ; c=7', negative: 'c=5 ; b=1 ; c=3' }), 'answer-leak'],
  [
    'similarity below threshold',
    imagePair({
      negative: far,
      decisivePositive: [{ kind: 'region', x: 0, y: 0, w: 24, h: 24 }],
      decisiveNegative: [],
      meta: { method: 'similar' },
    }),
    'similarity-below-threshold',
  ],
  ['an easy pair may differ anywhere', textPair({ negative: 'x y z', hardness: 'easy' }), null],
];

describe('verifyPair', () => {
  it.each(cases)('%s', (_, pair, reason) => {
    const v = verifyPair(pair);
    if (reason === null) expect(v).toEqual({ ok: true });
    else expect(v).toMatchObject({ ok: false, reason });
  });

  it('the length threshold is a parameter', () => {
    const p = textPair({ negative: 'c=7 ; bb=1 ; c=3' });
    expect(verifyPair(p, { maxLengthRatio: 0.01 })).toMatchObject({ reason: 'length-disparity' });
    expect(verifyPair(p, { maxLengthRatio: 0.2 })).toMatchObject({ reason: 'differs-outside-decisive' });
  });

  it('every builder reports its funnel with stage counts', () => {
    for (const d of Object.values(domains)) {
      const { funnel } = d.pairs(1, 10);
      expect(funnel.kept).toBe(10);
      expect(funnel.candidates).toBeGreaterThanOrEqual(10);
      expect(funnel.stages.length).toBeGreaterThan(2);
    }
  });
});
