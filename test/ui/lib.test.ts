import { describe, expect, it } from 'vitest';
import { debiasedEma } from '../../src/ui/lib/ema.ts';
import { appendPoints, downsampleMinMax, emptySeries, seriesPoints } from '../../src/store/series.ts';
import { diffEditBudget, diffRanges, segments, trimRanges } from '../../src/ui/lib/textDiff.ts';
import { imageDiff } from '../../src/ui/lib/imageDiff.ts';
import { metricsToCsv, runFromFile, runToFile } from '../../src/ui/lib/exportData.ts';
import { differingKeys, legendLabels } from '../../src/ui/lib/configDiff.ts';
import { compare, summarize } from '../../src/ui/lib/stats.ts';
import { defaultRunConfig } from '../../src/store/configSpec.ts';
import { newRunEntry, withRollouts, withSelection } from '../../src/store/runs.ts';

describe('debiased EMA smoothing', () => {
  it('matches a hand-computed debiased EMA with weight 0.5', () => {
    // s1 = 0.5*1 = 0.5 -> /0.5 = 1; s2 = 0.25 + 0.5*3 = 1.75 -> /0.75 = 2.3333; s3 = 0.875 + 1 = 1.875 -> /0.875 = 2.142857
    const out = debiasedEma([1, 3, 2], 0.5);
    expect(out[0]).toBeCloseTo(1, 10);
    expect(out[1]).toBeCloseTo(7 / 3, 10);
    expect(out[2]).toBeCloseTo(1.875 / 0.875, 10);
  });
  it('weight 0 returns the data and a constant stays constant (no pull towards zero)', () => {
    expect(debiasedEma([4, 5, 6], 0)).toEqual([4, 5, 6]);
    for (const v of debiasedEma([2, 2, 2, 2], 0.9)) expect(v).toBeCloseTo(2, 10);
  });
  it('lets NaN through without advancing the average', () => {
    const out = debiasedEma([1, NaN, 3], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(7 / 3, 10);
  });
});

describe('min-max downsampling', () => {
  const pts = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: Math.sin(i / 10) }));
  pts[377] = { x: 377, y: 50 };
  pts[612] = { x: 612, y: -40 };
  it('keeps the extrema and caps the point count', () => {
    const d = downsampleMinMax(pts, 100);
    expect(d.length).toBeLessThanOrEqual(100);
    expect(d).toContainEqual({ x: 377, y: 50 });
    expect(d).toContainEqual({ x: 612, y: -40 });
    for (let i = 1; i < d.length; i++) expect(d[i].x).toBeGreaterThan(d[i - 1].x);
  });
  it('incremental appends equal one batch append', () => {
    let s = emptySeries(20);
    for (let i = 0; i < pts.length; i += 37) s = appendPoints(s, pts.slice(i, i + 37));
    expect(seriesPoints(s)).toEqual(seriesPoints(appendPoints(emptySeries(20), pts)));
    expect(seriesPoints(s).length).toBeLessThanOrEqual(40);
  });
  it('short series pass through unchanged', () => {
    expect(downsampleMinMax(pts.slice(0, 10), 100)).toEqual(pts.slice(0, 10));
  });
});

describe('text diff of C+ and C-', () => {
  it('highlights exactly the decisive word', () => {
    const pos = 'The lamp is blue. The door is red.';
    const neg = 'The lamp is green. The door is red.';
    const d = diffRanges(pos, neg);
    const ra = trimRanges(pos, d.a);
    expect(ra.map((r) => pos.slice(r.start, r.end))).toEqual(['blue']);
    const segs = segments(pos, ra, [{ start: 12, end: 16 }]);
    expect(segs.filter((s) => s.decisive).map((s) => s.text)).toEqual(['blue']);
    expect(segs.filter((s) => s.changed).map((s) => s.text)).toEqual(['blue']);
    expect(segs.map((s) => s.text).join('')).toBe(pos);
  });
  it('two swapped lines are both marked changed in each context', () => {
    const pos = 'x=3\ny=1\nx=7\n';
    const neg = 'x=7\ny=1\nx=3\n';
    const d = diffRanges(pos, neg);
    expect(trimRanges(pos, d.a).map((r) => pos.slice(r.start, r.end))).toEqual(['3', '7']);
    expect(trimRanges(neg, d.b).map((r) => neg.slice(r.start, r.end))).toEqual(['7', '3']);
  });
  it('identical contexts have no changed ranges', () => {
    expect(diffRanges('a b c', 'a b c')).toEqual({ a: [], b: [] });
  });
  it('two changes 100 kB apart are found exactly (the common prefix and suffix are cut off first)', () => {
    const filler = Array.from({ length: 30_000 }, (_, i) => `w${i % 97}`).join(' ');
    const pos = `a=1 ${filler} z=5 end`;
    const neg = `a=2 ${filler} z=6 end`;
    expect(pos.length).toBeGreaterThan(100_000);
    const d = diffRanges(pos, neg);
    expect(d.coarse).toBeUndefined();
    expect(trimRanges(pos, d.a).map((r) => pos.slice(r.start, r.end))).toEqual(['1', '5']);
    expect(trimRanges(neg, d.b).map((r) => neg.slice(r.start, r.end))).toEqual(['2', '6']);
  });
  it('contexts that differ in more places than the edit budget get one coarse block, not a quadratic diff', () => {
    const words = (seed: number) => Array.from({ length: 5000 }, (_, i) => `w${(i * seed + seed) % 89}`).join(' ');
    const pos = `same start ${words(7)} same end`;
    const neg = `same start ${words(11)} same end`;
    expect(diffEditBudget(pos.length + neg.length)).toBeLessThan(5000);
    const d = diffRanges(pos, neg);
    expect(d.coarse).toBe(true);
    expect(d.a).toEqual([{ start: 'same start '.length, end: pos.length - ' same end'.length }]);
    expect(d.b).toEqual([{ start: 'same start '.length, end: neg.length - ' same end'.length }]);
    // The budget: between 32 and 300 edits, fewer for longer contexts.
    expect([diffEditBudget(10), diffEditBudget(1e5), diffEditBudget(1e9)]).toEqual([300, 150, 32]);
  });
  it('a pure insertion is one range on one side', () => {
    expect(diffRanges('a b', 'a x b')).toEqual({ a: [], b: [{ start: 2, end: 4 }] });
  });
  it('segments agree with a per-character reference on random ranges, and cover the text', () => {
    let seed = 1;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let trial = 0; trial < 200; trial++) {
      const text = 'abcdefghijklmnopqrstuvwxyz'.slice(0, 5 + rnd(20));
      const ranges = () =>
        Array.from({ length: rnd(5) }, () => {
          const s = rnd(text.length + 2) - 1;
          return { start: s, end: s + rnd(8) };
        });
      const changed = ranges();
      const decisive = ranges();
      const segs = segments(text, changed, decisive);
      expect(segs.map((x) => x.text).join('')).toBe(text);
      const inside = (rs: { start: number; end: number }[], i: number) => rs.some((r) => r.start <= i && i < r.end);
      for (const g of segs)
        for (let i = g.start; i < g.start + g.text.length; i++) {
          expect(g.changed).toBe(inside(changed, i));
          expect(g.decisive).toBe(inside(decisive, i));
        }
    }
  });
});

describe('image difference mask', () => {
  it('marks only the edited pixels and their bounding box', () => {
    const a = { width: 4, height: 3, data: new Uint8Array(36).fill(10) };
    const b = { width: 4, height: 3, data: new Uint8Array(36).fill(10) };
    b.data[(1 * 4 + 2) * 3] = 200; // pixel (2,1) red channel
    b.data[(2 * 4 + 3) * 3 + 2] = 0; // pixel (3,2) blue channel
    const d = imageDiff(a, b);
    expect(d.changed).toBe(2);
    expect(d.box).toEqual({ x: 2, y: 1, w: 2, h: 2 });
    expect([...d.mask].map((v, i) => (v ? i : -1)).filter((i) => i >= 0)).toEqual([6, 11]);
  });
});

describe('export', () => {
  it('CSV has one column per metric and empty cells for missing values', () => {
    const csv = metricsToCsv([
      { step: 1, t: 10, reward: 0.5, kl: 0.01 },
      { step: 2, t: 20, reward: 0.75 },
    ]);
    expect(csv).toBe('step,t,kl,reward\n1,10,0.01,0.5\n2,20,,0.75\n');
  });
  it('CSV cells that a spreadsheet would run as formulas are written as text; negative numbers stay numbers', () => {
    const csv = metricsToCsv([
      { step: 1, t: 0, '=HYPERLINK("http://x","y")': 1, '+1': 2, '-2+3': 3, '@SUM(A1)': 4, loss: -0.5 },
    ]);
    const [head, row] = csv.trim().split('\n');
    expect(head).toBe(`step,t,'+1,'-2+3,"'=HYPERLINK(""http://x"",""y"")",'@SUM(A1),loss`);
    expect(row).toBe('1,0,2,3,1,4,-0.5');
    expect(head.split(',').every((c) => !/^"?[=+\-@]/.test(c))).toBe(true);
  });
  it('a run round-trips through its file', () => {
    let run = newRunEntry('r1', 'test', defaultRunConfig(), 1);
    run = withRollouts(run, 3, [{ prompt: 'p', answer: 'a', tag: 'all-pass', completions: [] }]);
    run = withSelection(run, [
      { pairId: 'p1', step: 3, chosen: 'A', target: 'A', pA: 0.7, pB: 0.3, delta: 0.85, atClip: false },
    ]);
    const file = JSON.stringify(runToFile(run, [{ step: 3, t: 1, reward: 1 }]));
    const back = runFromFile(file);
    expect(back.run.selection).toEqual(run.selection);
    expect(back.run.rolloutSteps).toEqual([3]);
    expect(back.rows).toEqual([{ step: 3, t: 1, reward: 1 }]);
    expect(() => runFromFile('{"format":"x"}')).toThrow(/not a ContextRL Lab run file/);
  });
});

describe('legend from config differences', () => {
  it('names only the settings that differ', () => {
    const a = defaultRunConfig();
    const a2 = { ...a, method: 'contextrl' as const, lambda: 0.5 };
    const b = { ...a, method: 'grpo' as const, lambda: 0.1 };
    expect(differingKeys([a2, b])).toEqual(['lambda', 'method']);
    expect(legendLabels([a2, b], ['x', 'y'])).toEqual(['lambda=0.5, method=contextrl', 'lambda=0.1, method=grpo']);
    expect(legendLabels([a2], ['only'])).toEqual(['only']);
  });
});

describe('comparison statistics', () => {
  it('mean and t interval over three seeds; difference from grpo', () => {
    const s = summarize([1, 2, 3]);
    expect(s.mean).toBe(2);
    expect(s.ci95).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 6);
    const c = compare([
      { method: 'grpo', seed: 1, benchmark: 'b', accuracy: 0.5 },
      { method: 'grpo', seed: 2, benchmark: 'b', accuracy: 0.6 },
      { method: 'contextrl', seed: 1, benchmark: 'b', accuracy: 0.7 },
      { method: 'contextrl', seed: 2, benchmark: 'b', accuracy: 0.8 },
    ]);
    expect(c.methods).toEqual(['grpo', 'contextrl']);
    expect(c.cells.contextrl.b.diff).toBeCloseTo(0.2, 10);
    expect(c.cells.grpo.b.diff).toBeNull();
  });
});
