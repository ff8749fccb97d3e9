import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { SelectionRecord } from '../../src/runtime/types.ts';
import type { Pair } from '../../src/tasks/types.ts';
import { TextCompare } from '../../src/ui/components/TextCompare.tsx';
import { SelectionReadout } from '../../src/ui/components/SelectionReadout.tsx';
import { FunnelView } from '../../src/ui/components/FunnelView.tsx';
import { PairView } from '../../src/ui/components/PairView.tsx';
import { ComparisonTable } from '../../src/ui/panels/ComparisonView.tsx';
import { GroupView, groupsNote, nearestStep } from '../../src/ui/panels/RolloutViewer.tsx';

/** The texts of all <mark> elements carrying `attr`. */
function marked(html: string, attr: string): string[] {
  return [...html.matchAll(new RegExp(`<mark[^>]*${attr}="true"[^>]*>([^<]*)</mark>`, 'g'))].map((m) => m[1]);
}

const rec = (o: Partial<SelectionRecord>): SelectionRecord => ({
  pairId: 'p1',
  step: 10,
  chosen: 'B',
  target: 'B',
  pA: 0.2,
  pB: 0.8,
  delta: 1.386,
  atClip: false,
  ...o,
});

describe('TextCompare', () => {
  const pos = 'run x=3 | log ok | x=7 | done';
  const neg = 'run x=3 | log ok | x=9 | done';
  const at = pos.indexOf('7');
  it('marks exactly the decisive span as changed and decisive in both contexts', () => {
    const html = renderToStaticMarkup(
      <TextCompare
        positive={pos}
        negative={neg}
        decisivePositive={[{ kind: 'text', start: at, end: at + 1 }]}
        decisiveNegative={[{ kind: 'text', start: at, end: at + 1 }]}
      />,
    );
    expect(marked(html, 'data-changed')).toEqual(['7', '9']);
    expect(marked(html, 'data-decisive')).toEqual(['7', '9']);
  });
  it('renders user text as text, never as HTML', () => {
    const html = renderToStaticMarkup(
      <TextCompare
        positive={'<img src=x onerror=alert(1)> a'}
        negative={'<img src=x onerror=alert(1)> b'}
        decisivePositive={[]}
        decisiveNegative={[]}
      />,
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('SelectionReadout', () => {
  it('shows the chosen letter, whether it is C+, both probabilities and the margin', () => {
    const html = renderToStaticMarkup(<SelectionReadout rec={rec({})} history={[rec({})]} clip={5} />);
    expect(html).toContain('data-chosen="B"');
    expect(html).toMatch(/aria-label="Chosen context"[^>]*>B = C\+ \(right\)</);
    expect(html).toMatch(/aria-label="P\(A\)">20\.0%</);
    expect(html).toMatch(/aria-label="P\(B\)">80\.0%</);
    expect(html).toMatch(/aria-label="Margin" data-delta="1.386">1\.39</);
    expect(html).toMatch(/aria-label="At clip">no</);
  });
  it('reads the choice between the two letters (sigma of Delta) apart from the mass the letters get at all', () => {
    // The two letters get 0.102% of the next-token probability, 50:1 for A: P(A | A or B) = 50/51.
    const r = rec({ chosen: 'A', target: 'B', pA: 0.001, pB: 0.00002, delta: Math.log(0.00002 / 0.001) });
    const html = renderToStaticMarkup(<SelectionReadout rec={r} history={[r]} clip={5} />);
    expect(html).toMatch(/aria-label="P\(A\)">98\.0%</);
    expect(html).toMatch(/aria-label="P\(B\)">2\.0%</);
    expect(html).toMatch(/aria-label="Mass on the two letters" data-mass="0.00102">0\.10%/);
    expect(html).toContain('low: other tokens get the rest');
  });
  it('a confidently wrong choice at the clip says so', () => {
    const r = rec({ chosen: 'A', target: 'B', pA: 0.995, pB: 0.005, delta: -5.3, atClip: true });
    const html = renderToStaticMarkup(<SelectionReadout rec={r} history={[rec({ step: 5 }), r]} clip={5} />);
    expect(html).toMatch(/>A = C− \(wrong\)</);
    expect(html).toMatch(/aria-label="Margin" data-delta="-5.3">-5\.3</);
    expect(html).toContain('confidently wrong');
    expect(html).toContain('aria-label="Margin over training"');
  });
});

describe('PairView and FunnelView', () => {
  const pair: Pair = {
    id: 't1',
    domain: 'document',
    query: 'color lamp',
    answer: 'blue',
    negativeAnswer: 'green',
    positive: 'the lamp is blue . the door is red .',
    negative: 'the lamp is green . the door is red .',
    decisivePositive: [{ kind: 'text', start: 12, end: 16 }],
    decisiveNegative: [{ kind: 'text', start: 12, end: 17 }],
    hardness: 'hard',
    meta: { benchmark: 'probe/document' },
  };
  it('shows the query, both answers, the verdict and the decisive words', () => {
    const html = renderToStaticMarkup(<PairView pair={pair} />);
    expect(html).toContain('color lamp');
    expect(html).toMatch(/Answer C\+ supports<\/dt><dd>blue</);
    expect(html).toMatch(/Answer C− supports<\/dt><dd>green</);
    expect(html).toContain('aria-label="Verifier verdict"');
    expect(marked(html, 'data-decisive')).toEqual(['blue', 'green']);
  });
  it('lists the funnel stages and rejections', () => {
    const html = renderToStaticMarkup(
      <FunnelView
        funnel={{
          candidates: 10,
          stages: [{ name: 'same template', kept: 8 }],
          rejections: { 'answer-leak': 3 },
          kept: 5,
        }}
      />,
    );
    expect(html).toContain('5 of 10 candidates kept (50.0%)');
    expect(html).toContain('rejected: answer-leak</th><td>3');
  });
});

describe('ComparisonTable', () => {
  it('shows mean ± interval and the paired difference from grpo', () => {
    const rows = [1, 2, 3].flatMap((seed) => [
      { method: 'grpo', seed, benchmark: 'trace/hard', accuracy: 0.5 + seed / 100 },
      { method: 'contextrl', seed, benchmark: 'trace/hard', accuracy: 0.6 + seed / 100 },
    ]);
    const html = renderToStaticMarkup(<ComparisonTable rows={rows} />);
    expect(html).toContain('52.0 ± 2.5'); // mean 0.52, sd 0.01, t(2) = 4.303: 4.303 * 0.01 / sqrt(3) = 0.0248
    expect(html.replace(/<!-- -->/g, '')).toContain('Δ +10.0 ± 0.0'); // paired differences are all 0.1: interval 0, shown as ± 0.0
  });
});

describe('RolloutViewer pieces', () => {
  it('GroupView shows each completion with reward, advantage and per-token log p', () => {
    const html = renderToStaticMarkup(
      <GroupView
        index={0}
        g={{
          prompt: 'q',
          answer: '7',
          tag: 'mixed',
          completions: [
            { text: '7', tokens: ['7'], logp: [-0.1], reward: 1, advantage: 0.87 },
            { text: '3', tokens: ['3'], logp: [-2.3], reward: 0, advantage: -0.87 },
          ],
        }}
      />,
    );
    expect(html).toContain('class="tag mixed">mixed');
    expect(html).toContain('title="log p = -0.1"');
    expect(html).toContain('+0.87');
    expect(html).toContain('−0.87');
  });
  it('says why 4 groups show when a step has 16 prompts: the first few groups, pairs go to L_CA', () => {
    const base = { shown: 4, groupSize: 8, promptsPerStep: 16, items: 14, pairs: 2 };
    expect(groupsNote({ ...base, method: 'contextrl' })).toBe(
      'The first 4 of this step’s 14 groups. A group is one prompt with its G = 8 sampled completions; prompts per ' +
        'step (16) counts item prompts and pairs. This step: 14 items, each sampled as a group, and 2 pairs, scored ' +
        'by L_CA, not sampled.',
    );
    expect(groupsNote({ ...base, method: 'da-rl' })).toMatch(
      /^The first 4 of this step’s 16 groups\..*sampled as groups too \(da-rl\)\.$/,
    );
    expect(groupsNote({ ...base, method: 'grpo', items: undefined, pairs: undefined })).toMatch(
      /^The first 4 groups\./,
    );
  });
  it('the scrubber snaps to the nearest step with rollouts at or before it', () => {
    expect(nearestStep([2, 4, 8], null)).toBe(8);
    expect(nearestStep([2, 4, 8], 5)).toBe(4);
    expect(nearestStep([2, 4, 8], 1)).toBe(2);
    expect(nearestStep([], 3)).toBeUndefined();
  });
});
