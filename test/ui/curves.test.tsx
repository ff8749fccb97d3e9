import fc from 'fast-check';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LineChart } from '../../src/ui/components/LineChart.tsx';
import { CHART_GROUPS, groupMetrics, metricInfo } from '../../src/ui/lib/chartGroups.ts';
import { niceAxis, tickLabels } from '../../src/ui/lib/ticks.ts';

/** METHOD.md section 7's names as the runtime writes them, plus the evaluation rows. */
const SECTION_7 = [
  'reward',
  'reward_std',
  'rewards/answer/mean',
  'kl',
  'entropy',
  'clip_ratio/low_mean',
  'clip_ratio/high_mean',
  'clip_ratio/region_mean',
  'completions/mean_length',
  'completions/clipped_ratio',
  'frac_reward_zero_std',
  'grad_norm',
  'loss/grpo',
  'loss/ca',
  'ca/margin_mean',
  'ca/clip_frac',
  'ca/accuracy',
  'eval/trace/in-distribution/accuracy',
  'eval/trace/hard/accuracy',
  'probe/selection_accuracy',
  'probe/ca_loss',
  'grounding/decisive_share',
  'grounding/items_decisive_share',
];

describe('axis ticks', () => {
  it('a narrow range around 2 gets distinct labels, not "2 2 2 2"', () => {
    const a = niceAxis(2.0001, 2.0004, 4);
    const labels = tickLabels(a.ticks);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual(['2.0001', '2.0002', '2.0003', '2.0004']);
  });

  it('hand-picked ranges: 0.7..1 in steps of 0.1, fractions in percent, steps as integers', () => {
    expect(niceAxis(0.71, 0.98, 4).ticks).toEqual([0.7, 0.8, 0.9, 1]);
    expect(tickLabels([0.7, 0.8, 0.9, 1])).toEqual(['0.7', '0.8', '0.9', '1.0']);
    expect(tickLabels(niceAxis(0, 1, 4).ticks, true)).toEqual(['0%', '25%', '50%', '75%', '100%']);
    expect(niceAxis(1, 7, 3, true).ticks).toEqual([0, 2, 4, 6, 8]);
  });

  it('a flat series gets a band around its value', () => {
    const a = niceAxis(3, 3);
    expect(a.domain[0]).toBeLessThan(3);
    expect(a.domain[1]).toBeGreaterThan(3);
    expect(new Set(tickLabels(a.ticks)).size).toBe(a.ticks.length);
  });

  it('for any range the ticks cover it, are increasing and their labels never repeat', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (lo, span) => {
          const a = niceAxis(lo, lo + span, 4);
          // Float noise within a millionth of a step is not a range to cover.
          expect(a.domain[0]).toBeLessThanOrEqual(lo + 1e-6 * a.step);
          expect(a.domain[1]).toBeGreaterThanOrEqual(lo + span - 1e-6 * a.step);
          expect(a.ticks.length).toBeGreaterThanOrEqual(2);
          expect(a.ticks.length).toBeLessThanOrEqual(12);
          for (let i = 1; i < a.ticks.length; i++) expect(a.ticks[i]).toBeGreaterThan(a.ticks[i - 1]);
          const labels = tickLabels(a.ticks);
          expect(new Set(labels).size).toBe(labels.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('chart groups', () => {
  it('the story comes first: reward, the selection probe, L_CA and its margin, the evaluation accuracies', () => {
    const groups = groupMetrics(SECTION_7);
    expect(groups[0].group.id).toBe('story');
    expect(groups[0].names).toEqual([
      'reward',
      'probe/selection_accuracy',
      'loss/ca',
      'ca/margin_mean',
      'eval/trace/hard/accuracy',
      'eval/trace/in-distribution/accuracy',
    ]);
    expect(CHART_GROUPS.filter((g) => g.open).map((g) => g.id)).toEqual(['story']);
  });

  it('every metric lands in exactly one group', () => {
    const names = [...SECTION_7, 'something/new'];
    const placed = groupMetrics(names).flatMap((g) => g.names);
    expect(placed.sort()).toEqual([...names].sort());
  });

  it('every section-7 metric has a plain title and a line on what healthy looks like', () => {
    for (const n of SECTION_7) {
      const info = metricInfo(n);
      expect(info.title, n).not.toBe(n);
      expect(info.explain, n).toMatch(/healthy|chance|coin flip|0 is no preference|says little/i);
    }
    expect(metricInfo('eval/document/needle/accuracy').title).toBe('Accuracy: document/needle');
  });
});

describe('LineChart', () => {
  it('draws each run as one path, its y labels distinct, and a dashed guide', () => {
    const html = renderToStaticMarkup(
      <LineChart
        label="Selection probe over steps"
        series={[
          [
            { x: 0, y: 0.5 },
            { x: 10, y: 0.6 },
            { x: 20, y: 0.7 },
          ],
          [
            { x: 0, y: 0.5 },
            { x: 10, y: 0.55 },
          ],
        ]}
        colors={['#111', '#222']}
        names={['a', 'b']}
        smoothing={0}
        step={10}
        fraction
        guide={{ y: 0.5, label: 'chance' }}
      />,
    );
    expect(html.match(/<path /g)?.length).toBe(2);
    const yLabels = [...html.matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(yLabels).toEqual(['0%', '25%', '50%', '75%', '100%', 'chance']);
    expect(html).toContain('stroke-dasharray="4 3"');
  });
});
