import { readFileSync } from 'node:fs';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { parseResultRows, type ResultRow } from '../../src/results/results.ts';
import {
  chainLinks,
  excludesZero,
  formatSummary,
  placeLabels,
  probeVsTask,
  rowsFromRuns,
  variantLabels,
} from '../../src/ui/lib/comparison.ts';
import type { RunConfig } from '../../src/config/fields.ts';
import { defaultRunConfig } from '../../src/store/configSpec.ts';
import { ChainView, ComparisonTable, EXAMPLES } from '../../src/ui/panels/ComparisonView.tsx';

const row = (method: string, seed: number, benchmark: string, accuracy: number): ResultRow => ({
  method,
  seed,
  benchmark,
  accuracy,
});

/** Three seeds of grpo and contextrl with the given per-seed values. */
function rows(benchmark: string, grpo: number[], contextrl: number[]): ResultRow[] {
  return [
    ...grpo.map((v, s) => row('grpo', s, benchmark, v)),
    ...contextrl.map((v, s) => row('contextrl', s, benchmark, v)),
  ];
}

/** The class and text of every difference span. */
function diffs(html: string): { cls: string; text: string }[] {
  return [...html.matchAll(/<span class="(diff[^"]*)">([^<]*(?:<!-- -->[^<]*)*)<\/span>/g)].map((m) => ({
    cls: m[1],
    text: m[2].replace(/<!-- -->/g, '').trim(),
  }));
}

describe('comparison rules', () => {
  it('a difference is coloured only when its interval excludes 0', () => {
    expect(excludesZero(0.05, 0.1)).toBe(false);
    expect(excludesZero(-0.2, 0.1)).toBe(true);
    expect(excludesZero(0.2, NaN)).toBe(false); // n = 1: no interval, no claim
    // Differences +0.1, +0.3, -0.1: mean 0.1, sd 0.2, CI 4.303 * 0.2 / sqrt 3 = 0.497 crosses 0.
    const crossing = renderToStaticMarkup(
      <ComparisonTable rows={rows('trace/hard', [0.5, 0.5, 0.5], [0.6, 0.8, 0.4])} />,
    );
    expect(diffs(crossing)).toEqual([{ cls: 'diff', text: 'Δ +10.0 ± 49.7' }]);
    // Differences 0.1, 0.11, 0.12: mean 0.11, CI 4.303 * 0.01 / sqrt 3 = 0.0248 excludes 0.
    const clear = renderToStaticMarkup(
      <ComparisonTable rows={rows('trace/hard', [0.5, 0.5, 0.5], [0.6, 0.61, 0.62])} />,
    );
    expect(diffs(clear)).toEqual([{ cls: 'diff up', text: 'Δ +11.0 ± 2.5' }]);
  });

  it('a lower loss is the improvement; losses print in nats, shares as shares', () => {
    const html = renderToStaticMarkup(
      <ComparisonTable
        rows={[
          ...rows('probe/ca_loss', [0.69, 0.7, 0.71], [0.5, 0.52, 0.54]),
          ...rows('grounding/decisive_share', [0.25, 0.26, 0.27], [0.3, 0.31, 0.32]),
        ]}
      />,
    );
    expect(diffs(html).map((d) => d.cls)).toEqual(['diff up', 'diff up']);
    expect(html).toContain('0.520 ± 0.050'); // contextrl's loss: mean 0.52, sd 0.02, 4.303 * 0.02 / sqrt 3 = 0.0497
    expect(html).toContain('−0.180 ± 0.025'); // paired: -0.19, -0.18, -0.17
    expect(html).toMatch(/grounding\/decisive_share<span class="kind kind-share">share<\/span>/);
    expect(html).not.toMatch(/decisive_share<span[^>]*>accuracy/);
    expect(html).toContain('n = seeds with a value');
  });

  it('says n in the column heads; one seed has no interval', () => {
    const html = renderToStaticMarkup(
      <ComparisonTable rows={[row('grpo', 0, 'trace/hard', 0.5), row('contextrl', 0, 'trace/hard', 0.7)]} />,
    );
    const text = html.replace(/<!-- -->/g, '');
    expect(text).toContain('<th scope="col">grpo<span class="help"> n=1</span></th>');
    expect(text).toContain('<th scope="col">contextrl<span class="help"> n=1</span></th>');
    expect(diffs(html)).toEqual([{ cls: 'diff', text: 'Δ +20.0' }]);
    expect(formatSummary('trace/hard', { mean: 0.5, ci95: NaN })).toBe('50.0');
  });
});

describe('the chain from L_CA to the end task', () => {
  const all = [
    ...rows('probe/ca_loss', [0.69, 0.69, 0.69], [0.6, 0.59, 0.58]),
    ...rows('probe/selection', [0.5, 0.52, 0.54], [0.7, 0.72, 0.74]),
    ...rows('grounding/items_decisive_share', [0.2, 0.2, 0.2], [0.2, 0.21, 0.19]),
    ...rows('trace/hard', [0.7, 0.7, 0.7], [0.7, 0.71, 0.72]),
    ...rows('trace/in-distribution', [0.9, 0.9, 0.9], [0.8, 0.8, 0.8]),
  ];

  it('takes each link from its row and pairs B - A by seed', () => {
    const links = chainLinks(all, 'grpo', 'contextrl');
    expect(links.map((l) => l.benchmark)).toEqual([
      'probe/ca_loss',
      'probe/selection',
      'grounding/items_decisive_share',
      'trace/hard',
    ]);
    expect(links[0].diff!.mean).toBeCloseTo(-0.1, 10);
    expect(links[1].diff!.mean).toBeCloseTo(0.2, 10);
    expect(links[1].diff!.ci95).toBeCloseTo(0, 10);
    expect(links[3].a.mean).toBeCloseTo(0.7, 10);
    expect(links.every((l) => l.missing === undefined)).toBe(true);
  });

  it('shows a link as missing when its row is absent, and finds document/needle as the end task', () => {
    const doc = [
      ...rows('probe/selection', [0.5, 0.5, 0.5], [0.6, 0.6, 0.6]),
      ...rows('document/needle', [0.4, 0.4, 0.4], [0.5, 0.5, 0.5]),
    ];
    const links = chainLinks(doc, 'grpo', 'contextrl');
    expect(links.map((l) => l.missing)).toEqual([
      'no probe/ca_loss rows in these results',
      undefined,
      'no grounding/items_decisive_share rows in these results',
      undefined,
    ]);
    expect(links[3].benchmark).toBe('document/needle');
    const html = renderToStaticMarkup(<ChainView rows={doc} />);
    expect(html).toContain('Link missing: no probe/ca_loss rows in these results.');
    expect(html).toContain('Link missing: no grounding/items_decisive_share rows in these results.');
    expect(html).toContain('<span class="diff up">+10.0 ± 0.0</span>');
  });

  it('without grpo, compares B with another column (a lesson: hard minus easy pairs)', () => {
    const lesson = [row('contextrl', 0, 'probe/ca_loss', 0.68), row('contextrl-easy', 0, 'probe/ca_loss', 1.01)];
    const html = renderToStaticMarkup(<ChainView rows={lesson} />);
    const selected = [...html.matchAll(/<option value="([^"]+)" selected="">/g)].map((m) => m[1]);
    expect(selected).toEqual(['contextrl-easy', 'contextrl']);
    expect(html).toContain('<span class="diff">−0.330</span>'); // one seed: no interval, no colour
  });

  it('says which method has no value on a link', () => {
    const partial = [...all.filter((r) => !(r.benchmark === 'trace/hard' && r.method === 'grpo'))];
    expect(chainLinks(partial, 'grpo', 'contextrl')[3].missing).toBe('no trace/hard rows for grpo');
  });
});

describe('the measured ablations ship as examples', () => {
  it('every docs/results/*/results.json is offered and parses', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(expect.arrayContaining(['ablation-trace', 'document']));
    for (const name of Object.keys(EXAMPLES)) {
      const r = parseResultRows(readFileSync(`docs/results/${name}/results.json`, 'utf8'), name);
      expect(r.length).toBeGreaterThan(0);
    }
  });

  it("the scatter's labels never overlap, even on the trace ablation's close points", () => {
    const r = parseResultRows(readFileSync('docs/results/ablation-trace/results.json', 'utf8'), 'ablation-trace');
    const pts = probeVsTask(r).map((p) => ({ x: 40 + p.probe * 288, y: 10 + (1 - p.task) * 190, text: p.method }));
    const placed = placeLabels(pts, { width: 340, height: 230 });
    const boxes = placed.map((l, i) => {
      const w = pts[i].text.length * 6.2;
      const x0 = l.anchor === 'middle' ? l.x - w / 2 : l.anchor === 'start' ? l.x : l.x - w;
      return { x0, x1: x0 + w, y0: l.y - 9, y1: l.y + 3 };
    });
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1, `${pts[i].text} / ${pts[j].text}`).toBe(false);
      }
  });
});

describe("this page's finished runs as columns", () => {
  const done = (name: string, over: Partial<RunConfig>, hard: number) => ({
    name,
    state: 'done' as const,
    config: { ...defaultRunConfig(), steps: 10, ...over },
    evals: [{ step: 10, accuracies: { 'probe/selection': hard } }],
  });

  it("a lesson's hard, easy and random runs are three columns, seeds of one variant one column", () => {
    const { rows } = rowsFromRuns([
      done('a', { method: 'contextrl', seed: 0 }, 0.6),
      done('b', { method: 'contextrl', seed: 0, pairHardness: 'easy' }, 0.55),
      done('c', { method: 'contextrl', seed: 0, pairHardness: 'random' }, 0.5),
      done('d', { method: 'contextrl', seed: 1 }, 0.7),
      done('e', { method: 'grpo', seed: 0, pairHardness: 'easy' }, 0.4),
    ]);
    expect(rows.map((r) => [r.method, r.seed, r.accuracy])).toEqual([
      ['contextrl', 0, 0.6],
      ['contextrl-easy', 0, 0.55],
      ['contextrl-random', 0, 0.5],
      ['contextrl', 1, 0.7],
      ['grpo', 0, 0.4], // grpo trains on no pairs: its hardness is no variant
    ]);
  });

  it('names a knob only when it differs among the runs of one method', () => {
    const labels = variantLabels([
      { ...defaultRunConfig(), method: 'contextrl', lambda: 0.5 },
      { ...defaultRunConfig(), method: 'contextrl', lambda: 5 },
      { ...defaultRunConfig(), method: 'grpo', lambda: 0.5 },
      { ...defaultRunConfig(), method: 'contextrl', lambda: 5, caVariant: 'soft' },
    ]);
    expect(labels).toEqual(['contextrl-lambda0.5', 'contextrl-lambda5', 'grpo', 'contextrl-lambda5-soft']);
  });
});
