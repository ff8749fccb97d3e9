import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  decisiveShare,
  groundingScore,
  groundItems,
  groundPairs,
  itemLayout,
  meanShare,
  pairLayout,
  regionPatches,
  tokenCharRanges,
} from '../../src/engine/grounding.ts';
import { Tokenizer, type Transformer } from '../../src/engine/index.ts';
import { domainVocabulary, pairExample } from '../../src/runtime/domains.ts';
import { documentDomain } from '../../src/tasks/document/index.ts';
import { imageDomain } from '../../src/tasks/image/index.ts';
import { traceDomain } from '../../src/tasks/trace/index.ts';
import type { Pair, RGBImage, RLItem } from '../../src/tasks/types.ts';
import { useCpu } from './helpers.ts';
import { groundingTokenizer, oneTokenModel } from './grounding-model.ts';

const tok = groundingTokenizer();
let model: Transformer;
beforeAll(async () => {
  await useCpu();
  model = oneTokenModel(tok);
});
afterAll(() => model.dispose());

const item = (context: string, answer: string, start: number, end: number): RLItem => ({
  id: 'x',
  domain: 'trace',
  query: 'q',
  context,
  answer,
  decisive: [{ kind: 'text', start, end }],
  meta: {},
});

describe('grounding score', () => {
  it("is 1 when all the contexts' mass is on the span, 0 when none is, 0 without mass", () => {
    expect(decisiveShare([0, 0.5, 0.5, 0], [1, 2], [1, 2])).toBe(1);
    expect(decisiveShare([0, 0.5, 0.5, 0], [3], [1, 2, 3])).toBe(0);
    expect(decisiveShare([0, 0.2, 0.6, 0.2], [2], [1, 2, 3])).toBeCloseTo(0.6, 10);
    expect(decisiveShare([1, 0, 0], [1], [1, 2])).toBe(0);
    const layout = itemLayout(tok, item('f0 v2 f1', 'v2', 3, 5)); // bos [f0 v2 f1] | q ->
    const on = [0, 0, 1, 0, 0, 0, 0];
    const off = [0, 0.5, 0, 0.5, 0, 0, 0];
    expect(groundingScore(layout, on).share).toBe(1);
    expect(groundingScore(layout, off).share).toBe(0);
    expect(groundingScore(layout, [0.5, 0, 0.5, 0, 0, 0, 0]).contextMass).toBeCloseTo(0.5, 10);
  });

  it('on the one-token model: near 1 with the span on the value token, near 0 with it elsewhere (both methods)', async () => {
    const good = item('f0 f3 v2 f1 f4', 'v2', 6, 8);
    const bad = item('f0 f3 v2 f1 f4', 'v2', 0, 2);
    for (const method of ['grad-input', 'rollout'] as const) {
      const [g, b] = await groundItems(model, tok, [good, bad], method);
      expect(g.score.share).toBeGreaterThan(0.9);
      expect(b.score.share).toBeLessThan(0.05);
      expect(meanShare([g, b])).toBeCloseTo((g.score.share + b.score.share) / 2, 10);
    }
  });

  it('pairs: share over both contexts, per-context shares and masses; groundPairs leaks no tensors', async () => {
    const pair: Pair = {
      id: 'p1',
      domain: 'trace',
      query: 'q',
      answer: 'f5',
      negativeAnswer: 'f4',
      positive: 'f0 v2 f1',
      negative: 'f0 f2 f1',
      decisivePositive: [{ kind: 'text', start: 3, end: 5 }],
      decisiveNegative: [{ kind: 'text', start: 3, end: 5 }],
      hardness: 'hard',
      meta: {},
    };
    const l = pairLayout(tok, pair, true); // bos q f5 | A : [f0 v2 f1] | B : [f0 f2 f1] | which ->
    const scores = new Array(l.ids.length).fill(0);
    scores[l.contexts[0].positions[1]] = 0.3; // C+ decisive
    scores[l.contexts[1].positions[1]] = 0.1; // C- decisive
    scores[l.contexts[1].positions[0]] = 0.1; // C- elsewhere
    scores[1] = 0.5; // the query: outside the contexts
    const g = groundingScore(l, scores);
    expect(g.share).toBeCloseTo(0.8, 10);
    expect(g.contextMass).toBeCloseTo(0.5, 10);
    expect(g.contexts).toEqual([
      { role: 'positive', letter: 'A', share: 1, mass: expect.closeTo(0.6, 10) },
      { role: 'negative', letter: 'B', share: expect.closeTo(0.5, 10), mass: expect.closeTo(0.4, 10) },
    ]);
    const once = () => groundPairs(model, tok, [pair, { ...pair, id: 'p2' }], 0, 'rollout');
    await once();
    const before = tf.memory().numTensors;
    const [r] = await once();
    expect(tf.memory().numTensors).toBe(before);
    // The model attends to the value token wherever it is: C+'s decisive token here.
    expect(r.score.share).toBeGreaterThan(0.9);
  });
});

describe('mapping decisive spans to prompt positions', () => {
  it('token char ranges follow the tokenizer: words whole, unknown words per character, <img> per patch', () => {
    const t = new Tokenizer(['c=7', 'q'], { nPatches: 4 });
    const text = 'c=7 xy <img> q';
    const r = tokenCharRanges(t, text);
    expect(r.map((x) => text.slice(x.start, x.end))).toEqual([
      'c=7',
      'x',
      'y',
      '<img>',
      '<img>',
      '<img>',
      '<img>',
      'q',
    ]);
  });

  it('text pair: C+ and C- tokens and their decisive tokens, on either side', () => {
    const pair: Pair = {
      id: 'p',
      domain: 'trace',
      query: 'q',
      answer: 'v2',
      negativeAnswer: 'v3',
      positive: 'f0 v2 f1',
      negative: 'f0 v3 f1',
      decisivePositive: [{ kind: 'text', start: 3, end: 5 }],
      decisiveNegative: [{ kind: 'text', start: 3, end: 5 }],
      hardness: 'hard',
      meta: {},
    };
    for (const positiveFirst of [true, false]) {
      const l = pairLayout(tok, pair, positiveFirst);
      const words = (ps: number[]) => ps.map((p) => tok.tokens[l.ids[p]]);
      const [pos, neg] = l.contexts;
      expect(words(pos.positions)).toEqual(['f0', 'v2', 'f1']);
      expect(words(neg.positions)).toEqual(['f0', 'v3', 'f1']);
      expect(pos.decisive).toEqual([1]);
      expect(neg.decisive).toEqual([1]);
      expect(pos.letter).toBe(positiveFirst ? 'A' : 'B');
      expect(l.target).toEqual({ kind: 'contrast', positive: pos.letter, negative: neg.letter });
      expect(pos.positions[0] < neg.positions[0]).toBe(positiveFirst);
    }
  });

  it('real trace and document pairs and items: decisive tokens cover exactly the decisive spans', () => {
    const check = (
      text: string,
      c: { charRanges?: { start: number; end: number }[]; decisive: number[] },
      spans: Pair['decisivePositive'],
    ) => {
      const ranges = c.charRanges ?? [];
      expect(ranges.map((r) => text.slice(r.start, r.end)).join('')).toBe(text.replace(/\s+/g, ''));
      const text_ = spans.flatMap((s) => (s.kind === 'text' ? [s] : []));
      const dec = new Set(c.decisive);
      ranges.forEach((r, i) => expect(dec.has(i)).toBe(text_.some((s) => r.start < s.end && r.end > s.start)));
      expect(dec.size).toBeGreaterThan(0);
    };
    for (const d of [traceDomain, documentDomain]) {
      const t = new Tokenizer(domainVocabulary(d));
      for (const p of d.pairs(3, 4, { hardness: 'hard' }).pairs) {
        const l = pairLayout(t, p, false);
        check(p.positive as string, l.contexts[0], p.decisivePositive);
        check(p.negative as string, l.contexts[1], p.decisiveNegative);
      }
      for (const it of d.items(5, 3, {})) check(it.context, itemLayout(t, it).contexts[0], it.decisive);
    }
  });

  it('pixel rectangles map to the patches they overlap', () => {
    // 24x24 image, 4x4 patches, 6 per side: x 8..13, y 1..6 -> columns 2..3, rows 0..1
    expect(regionPatches({ x: 8, y: 1, w: 6, h: 6 }, 6, 4)).toEqual([2, 3, 8, 9]);
    expect(regionPatches({ x: 0, y: 0, w: 4, h: 4 }, 6, 4)).toEqual([0]);
    expect(regionPatches({ x: 23, y: 23, w: 1, h: 1 }, 6, 4)).toEqual([35]);
  });

  it("image pair: each image's patches are its own run of <img> positions, C+ first or second", () => {
    const t = new Tokenizer(domainVocabulary(imageDomain), { nPatches: 36 });
    const p = imageDomain.pairs(1, 1, {}).pairs[0];
    for (const positiveFirst of [true, false]) {
      const l = pairLayout(t, p, positiveFirst);
      const [pos, neg] = l.contexts;
      expect(pos.positions.length).toBe(36);
      expect(pos.positions.every((q) => l.ids[q] === t.img)).toBe(true);
      expect(pos.positions[0] < neg.positions[0]).toBe(positiveFirst);
      expect(neg.positions[0] - pos.positions[35] === 1 || pos.positions[0] - neg.positions[35] === 1).toBe(false); // separated by `| B :`
      const r = p.decisivePositive[0];
      if (r.kind === 'region') expect(pos.decisive).toEqual(regionPatches(r, 6, (p.positive as RGBImage).width / 6));
      expect(pos.patchesPerSide).toBe(6);
    }
  });
});

describe('grounding/decisive_share over training', () => {
  it('evaluation logs the mean share over the probe set as an eval entry and a metric', async () => {
    const { Policy } = await import('../../src/engine/policy.ts');
    const { evaluatePolicy, evalMetrics } = await import('../../src/runtime/evaluate.ts');
    const t = new Tokenizer(domainVocabulary(traceDomain));
    const policy = new Policy(t, { model: { nLayer: 1, dModel: 16, nHead: 2, contextLength: 128 }, seed: 1 });
    try {
      const probe = traceDomain.pairs(80_001, 4, { hardness: 'hard' }).pairs;
      const r = await evaluatePolicy(policy, [], probe, { step: 3, maxCompletionLength: 2, seed: 0, caClip: 5 });
      const share = r.record.accuracies['grounding/decisive_share'];
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThan(1);
      expect(share).toBeCloseTo(meanShare(await groundPairs(policy.model, t, probe, 0, 'grad-input')), 6);
      expect(evalMetrics(r.record)).toMatchObject({
        'grounding/decisive_share': share,
        'probe/selection_accuracy': expect.any(Number),
      });
    } finally {
      policy.dispose();
    }
  });

  it('the chain rows: L_CA from the probe margins, the easy probe, and the share on hard end-task items', async () => {
    const { Policy } = await import('../../src/engine/policy.ts');
    const { evaluatePolicy, evalMetrics, groundingItems, meanCaLoss } = await import('../../src/runtime/evaluate.ts');
    const { evalSets } = await import('../../src/runtime/domains.ts');
    const t = new Tokenizer(domainVocabulary(traceDomain));
    const policy = new Policy(t, { model: { nLayer: 1, dModel: 16, nHead: 2, contextLength: 128 }, seed: 1 });
    try {
      const knobs = { steps: 3, vars: 2, noise: 0 };
      const sets = evalSets(traceDomain, knobs, 6);
      const items = groundingItems(sets, 4);
      // The hard set (no shortcut cue), capped.
      expect(items).toEqual(sets.find((s) => s.name === 'trace/hard')!.items.slice(0, 4));
      const probe = traceDomain.pairs(80_001, 4, { ...knobs, hardness: 'hard' }).pairs;
      const easy = traceDomain.pairs(80_002, 6, { ...knobs, hardness: 'easy' }).pairs;
      const r = await evaluatePolicy(policy, sets, probe, {
        step: 1,
        maxCompletionLength: 2,
        seed: 0,
        caClip: 0.001,
        easyProbe: easy,
        groundingItems: items,
      });
      const a = r.record.accuracies;
      // With c -> 0 every pair's clipped margin is ~0: L_CA = ln 2.
      expect(a['probe/ca_loss']).toBeCloseTo(Math.LN2, 3);
      const margins = r.selection.map((x) => x.delta);
      expect(a['probe/ca_loss']).toBeCloseTo(meanCaLoss(margins, 0.001), 10);
      const sc = await policy.scorePairs(easy.map((p) => pairExample(p, 0)));
      expect(a['probe/selection_easy']).toBe(sc.accuracy);
      const share = meanShare(await groundItems(policy.model, t, items, 'grad-input'));
      expect(share).toBeGreaterThan(0);
      expect(a['grounding/items_decisive_share']).toBeCloseTo(share, 6);
      expect(evalMetrics(r.record)).toMatchObject({
        'probe/ca_loss': a['probe/ca_loss'],
        'probe/selection_easy_accuracy': a['probe/selection_easy'],
        'grounding/items_decisive_share': a['grounding/items_decisive_share'],
        'eval/trace/hard/accuracy': expect.any(Number),
      });
    } finally {
      policy.dispose();
    }
  });

  it('meanCaLoss is the hard-clipped softplus(-Delta) (hand-computed)', async () => {
    const { meanCaLoss } = await import('../../src/runtime/evaluate.ts');
    // softplus(0) = 0.693147, softplus(-5) = 0.0067153, softplus(5) = 5.0067153 (|Delta| = 10 clipped to 5)
    expect(meanCaLoss([0, 10, -10], 5)).toBeCloseTo((0.693147 + 0.0067153 + 5.0067153) / 3, 6);
    expect(meanCaLoss([2], 1)).toBeCloseTo(Math.log1p(Math.exp(-1)), 12);
    expect(Number.isNaN(meanCaLoss([], 5))).toBe(true);
  });

  it('experiment results list grounding/decisive_share after the probe, and keep it out of the end task', async () => {
    const { benchmarksOf, isTaskBenchmark, toMarkdown } = await import('../../src/results/results.ts');
    const rows = ['grpo', 'contextrl'].flatMap((method) =>
      [1, 2].flatMap((seed) => [
        { method, seed, benchmark: 'grounding/decisive_share', accuracy: 0.2 + seed / 100 },
        { method, seed, benchmark: 'probe/selection', accuracy: 0.5 },
        { method, seed, benchmark: 'trace/hard', accuracy: 0.3 },
      ]),
    );
    expect(benchmarksOf(rows)).toEqual(['trace/hard', 'probe/selection', 'grounding/decisive_share']);
    expect(isTaskBenchmark('grounding/decisive_share')).toBe(false);
    expect(toMarkdown(rows)).toMatch(/\| contextrl \| 30\.0 ± 0\.0 \| 50\.0 ± 0\.0 \| 21\.5 ± [\d.]+ \|/);
  });
});
