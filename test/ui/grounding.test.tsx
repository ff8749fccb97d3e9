import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { groundingScore, pairLayout, type ContextLayout, type PromptLayout } from '../../src/engine/grounding.ts';
import { Tokenizer } from '../../src/engine/tokenizer.ts';
import { domainVocabulary } from '../../src/runtime/domains.ts';
import { keepSpread } from '../../src/store/grounding.ts';
import { imageDomain } from '../../src/tasks/image/index.ts';
import type { Pair } from '../../src/tasks/types.ts';
import { HeatImage } from '../../src/ui/components/HeatImage.tsx';
import { HeatText } from '../../src/ui/components/HeatText.tsx';
import { displayHeat, heatRuns } from '../../src/ui/lib/heat.ts';
import { GroundingPairView } from '../../src/ui/panels/GroundingView.tsx';

const pair: Pair = {
  id: 'p',
  domain: 'trace',
  query: 'final d',
  answer: '5',
  negativeAnswer: '2',
  positive: 'd=2 ; d=5 ; b=4',
  negative: 'd=5 ; d=2 ; b=4',
  decisivePositive: [{ kind: 'text', start: 6, end: 9 }],
  decisiveNegative: [{ kind: 'text', start: 6, end: 9 }],
  hardness: 'hard',
  meta: {},
};
const tok = new Tokenizer(['d=2', 'd=5', 'b=4', ';', 'final', 'd', '5', '2']);

/** A reply as the worker sends it, with the attribution given per context token. */
function reply(layout: PromptLayout, perContext: number[][]) {
  const scores = new Array(layout.ids.length).fill(0);
  layout.contexts.forEach((c, k) =>
    c.positions.forEach((p, i) => {
      scores[p] = perContext[k][i] ?? 0;
    }),
  );
  const total = scores.reduce((a, b) => a + b, 0);
  const norm = scores.map((x) => x / total);
  return { contexts: layout.contexts, scores: norm, score: groundingScore(layout, norm), objective: 1.25 };
}

/** [text, heat] of every heat mark, in order. */
const marks = (html: string) =>
  [...html.matchAll(/<mark[^>]*data-heat="([\d.]+)"[^>]*>([^<]*)<\/mark>/g)].map((m) => [m[2], Number(m[1])] as const);
/** The texts inside each outlined decisive span. */
const outlined = (html: string) =>
  [...html.matchAll(/<span data-decisive="true"[^>]*>(.*?)<\/span><span>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));

describe('GroundingPairView', () => {
  const layout = pairLayout(tok, pair, false); // C+ is option B
  it('puts the strongest heat on the token the attribution chose, and outlines the decisive span in C+ and C−', () => {
    // C+ tokens: d=2 ; d=5 ; b=4 -> the mass on d=5 (index 2); C-: a little on d=5 (index 0).
    const html = renderToStaticMarkup(
      <GroundingPairView
        pair={pair}
        reply={reply(layout, [
          [0, 0, 6, 0, 1],
          [1, 0, 2, 0, 0],
        ])}
      />,
    );
    const m = marks(html);
    expect(m.map(([t]) => t)).toEqual(['d=2', ';', 'd=5', ';', 'b=4', 'd=5', ';', 'd=2', ';', 'b=4']);
    const hottest = m.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(hottest).toEqual(['d=5', 1]);
    expect(m[7]).toEqual(['d=2', Number((2 / 6).toFixed(3))]); // shared scale across C+ and C-
    expect(outlined(html)).toEqual(['d=5', 'd=2']);
    // Score: C+ decisive 6 of C+ 7; C- decisive 2 of 3 -> (6 + 2) / 10.
    expect(html).toContain('aria-label="Decisive share">80.0%');
    expect(html).toContain('(option B,');
    expect(html).toMatch(/C\+ heat map[\s\S]*C− heat map/);
  });

  it("shows how the pair's share follows from C+ and C−: their mass times their own share, summed", () => {
    // C+ holds 7 of 10 units (6 on its span), C− 3 (2 on its span): 0.7 x 6/7 + 0.3 x 2/3 = 0.8.
    const html = renderToStaticMarkup(
      <GroundingPairView
        pair={pair}
        reply={reply(layout, [
          [0, 0, 6, 0, 1],
          [1, 0, 2, 0, 0],
        ])}
      />,
    ).replace(/<!-- -->/g, '');
    expect(html).toContain('aria-label="How the decisive share is made">80.0% = 70.0% × 85.7% + 30.0% × 66.7%');
  });
  it('is 0% when no mass is on the span, 100% when all is', () => {
    const none = renderToStaticMarkup(
      <GroundingPairView
        pair={pair}
        reply={reply(layout, [
          [1, 0, 0, 0, 1],
          [0, 0, 0, 0, 3],
        ])}
      />,
    );
    expect(none).toContain('aria-label="Decisive share">0.0%');
    const all = renderToStaticMarkup(
      <GroundingPairView
        pair={pair}
        reply={reply(layout, [
          [0, 0, 1, 0, 0],
          [0, 0, 1, 0, 0],
        ])}
      />,
    );
    expect(all).toContain('aria-label="Decisive share">100.0%');
  });

  it('image pairs: heat rects per patch, the decisive patches flagged and the region outlined', () => {
    const itok = new Tokenizer(domainVocabulary(imageDomain));
    const ip = imageDomain.pairs(1, 1, {}).pairs[0];
    const l = pairLayout(itok, ip, true);
    const c = l.contexts[0];
    const heat = c.positions.map((_, i) => (i === c.decisive[0] ? 1 : 0.1));
    const html = renderToStaticMarkup(
      <HeatImage
        image={ip.positive as never}
        heat={heat}
        perSide={6}
        decisive={c.decisive}
        regions={ip.decisivePositive}
        label="C+ heat map"
      />,
    );
    const rects = [...html.matchAll(/<rect data-patch="(\d+)" data-heat="([\d.]+)"( data-decisive="true")?/g)];
    expect(rects.length).toBe(36);
    expect(rects.filter((r) => r[3]).map((r) => Number(r[1]))).toEqual(c.decisive);
    expect(rects.find((r) => r[2] === '1.000')?.[1]).toBe(String(c.decisive[0]));
    expect(html).toMatch(/<rect data-region="decisive"/);
    expect(html).toContain('data:image/png;base64,');
  });
});

describe('heat helpers', () => {
  it('heatRuns groups decisive tokens (and the space between them) into one outlined run', () => {
    const text = 'a bb c d';
    const ranges = [
      { start: 0, end: 1 },
      { start: 2, end: 4 },
      { start: 5, end: 6 },
      { start: 7, end: 8 },
    ];
    const runs = heatRuns(text, ranges, [0, 1, 0.5, 0], [1, 2]);
    expect(runs.map((r) => [r.decisive, r.segments.map((s) => s.text).join('')])).toEqual([
      [false, 'a '],
      [true, 'bb c'],
      [false, ' d'],
    ]);
    const html = renderToStaticMarkup(
      <HeatText text={text} ranges={ranges} heat={[0, 1, 0.5, 0]} decisive={[1, 2]} label="t" />,
    );
    expect(html).toContain('aria-label="decisive span"');
  });

  it('displayHeat scales C+ and C− together and is 0 without mass', () => {
    const ctx = (positions: number[]): ContextLayout => ({ role: 'positive', kind: 'text', positions, decisive: [] });
    expect(displayHeat([ctx([1, 2]), ctx([3])], [0, 0.1, 0.4, 0.2])).toEqual([[0.25, 1], [0.5]]);
    expect(displayHeat([ctx([1])], [0, 0])).toEqual([[0]]);
  });

  it("keepSpread caps the slider's checkpoints, keeping the first and the latest spread out", () => {
    let kept: number[] = [];
    for (let u = 25; u <= 1000; u += 25) kept = keepSpread(kept, u, 6);
    expect(kept.length).toBe(6);
    expect(kept[0]).toBe(25);
    expect(kept[5]).toBe(1000);
    const gaps = kept.slice(1).map((x, i) => x - kept[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4 * Math.min(...gaps));
  });
});
