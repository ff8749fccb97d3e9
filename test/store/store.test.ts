import { describe, expect, it } from 'vitest';
import { handleMessage } from '../../src/store/session.ts';
import { addRun, newRunEntry, useRunsStore } from '../../src/store/runs.ts';
import { useMetricsStore, withRows } from '../../src/store/metrics.ts';
import { seriesPoints } from '../../src/store/series.ts';
import { useBackendStore } from '../../src/store/backend.ts';
import { defaultRunConfig } from '../../src/store/configSpec.ts';
import { accuracyOverTime, flipCount, hardestByDelta, mostFlipping, recordAt } from '../../src/ui/lib/selection.ts';
import { filterPairs, pairFacets, pairLookup } from '../../src/ui/lib/pairFilter.ts';
import { DEFAULT_FILTERS } from '../../src/store/inspector.ts';
import { evalSeries, mergeRuns, orderMetrics } from '../../src/ui/lib/chartData.ts';
import { probeVsTask, rowsFromRuns } from '../../src/ui/lib/comparison.ts';
import type { SelectionRecord } from '../../src/runtime/types.ts';
import type { Pair } from '../../src/tasks/types.ts';

const sel = (pairId: string, step: number, right: boolean, delta: number): SelectionRecord => ({
  pairId,
  step,
  chosen: right ? 'A' : 'B',
  target: 'A',
  pA: right ? 0.7 : 0.3,
  pB: right ? 0.3 : 0.7,
  delta,
  atClip: Math.abs(delta) >= 5,
});

describe('runtime messages become store state', () => {
  it('routes state, progress, metrics, rollouts, selection, eval and backend messages', () => {
    addRun(newRunEntry('r1', 'one', defaultRunConfig(), 0));
    handleMessage({ type: 'state', runId: 'r1', state: 'running' });
    handleMessage({
      type: 'progress',
      runId: 'r1',
      progress: { step: 2, totalSteps: 10, phase: 'rl', stepsPerSec: 1.5, etaSec: 5.3 },
    });
    handleMessage({
      type: 'metrics',
      runId: 'r1',
      rows: [
        { step: 1, t: 1, reward: 0.25 },
        { step: 2, t: 2, reward: 0.5, kl: 0.01 },
      ],
    });
    handleMessage({
      type: 'rollouts',
      runId: 'r1',
      step: 2,
      groups: [{ prompt: 'p', answer: 'a', tag: 'all-fail', completions: [] }],
    });
    handleMessage({ type: 'selection', runId: 'r1', records: [sel('p1', 2, true, 1)] });
    handleMessage({
      type: 'eval',
      runId: 'r1',
      record: { step: 2, accuracies: { 'trace/hard': 0.4, 'probe/selection': 0.55 } },
    });
    handleMessage({ type: 'fallback', runId: 'r1', from: 'webgpu', to: 'wasm', reason: 'device lost' });
    const r = useRunsStore.getState().runs.r1;
    expect(r.state).toBe('running');
    expect(r.progress?.step).toBe(2);
    expect(r.rolloutSteps).toEqual([2]);
    expect(r.selection.p1).toHaveLength(1);
    expect(r.evals[0].accuracies['trace/hard']).toBe(0.4);
    expect(r.backend).toBe('wasm');
    expect(useBackendStore.getState().fallbackNotice).toBe('Moved from webgpu to wasm: device lost');
    const m = useMetricsStore.getState().byRun.r1;
    expect(m.names).toEqual(['reward', 'kl']);
    expect(seriesPoints(m.series.reward)).toEqual([
      { x: 1, y: 0.25 },
      { x: 2, y: 0.5 },
    ]);
    expect(m.rows).toHaveLength(2);
    // The worker-crash fallback (non-fatal) stays in the banner after the run's next state replaces its message.
    handleMessage({ type: 'error', runId: 'r1', message: 'Training moved to the main thread: x.', fatal: false });
    handleMessage({ type: 'state', runId: 'r1', state: 'running' });
    expect(useRunsStore.getState().runs.r1.message).toBeUndefined();
    expect(useRunsStore.getState().runs.r1.state).toBe('running');
    expect(useBackendStore.getState().fallbackNotice).toBe('Training moved to the main thread: x.');
    handleMessage({ type: 'error', runId: 'r1', message: 'boom', fatal: true });
    expect(useRunsStore.getState().runs.r1.state).toBe('error');
    expect(useRunsStore.getState().runs.r1.message).toBe('boom');
    expect(useBackendStore.getState().fallbackNotice).toBe('Training moved to the main thread: x.');
  });
  it('a resume from a checkpoint replaces the steps after it instead of drawing them twice', () => {
    let m = withRows(
      undefined,
      [-1, 0, 1, 2, 3, 4].map((step) => ({ step, t: step, reward: step })),
    );
    m = withRows(m, [
      { step: 3, t: 9, reward: 30 },
      { step: 4, t: 10, reward: 40 },
      { step: 5, t: 11, reward: 50 },
    ]);
    expect(m.rows.map((r) => r.step)).toEqual([-1, 0, 1, 2, 3, 4, 5]);
    expect(seriesPoints(m.series.reward)).toEqual([-1, 0, 1, 2, 30, 40, 50].map((y, i) => ({ x: i - 1, y })));
    m = withRows(m, [{ step: 6, t: 12, reward: 60 }]); // plain appends stay appends
    expect(m.rows).toHaveLength(8);
  });
  it('metrics stay downsampled over a long run while rows keep everything', () => {
    let m = withRows(undefined, []);
    for (let s = 0; s < 5000; s += 50)
      m = withRows(
        m,
        Array.from({ length: 50 }, (_, i) => ({
          step: s + i,
          t: s + i,
          reward: s + i === 4321 ? 99 : Math.sin(s + i),
        })),
      );
    expect(m.rows).toHaveLength(5000);
    const pts = seriesPoints(m.series.reward);
    expect(pts.length).toBeLessThanOrEqual(800);
    expect(pts).toContainEqual({ x: 4321, y: 99 });
  });
});

describe('selection views', () => {
  const s = {
    p1: [sel('p1', 1, true, 1), sel('p1', 2, false, -1), sel('p1', 3, true, 2), sel('p1', 4, false, -0.5)],
    p2: [sel('p2', 1, false, -3), sel('p2', 2, false, -6)],
    p3: [sel('p3', 1, true, 4), sel('p3', 2, true, 5)],
  };
  it('accuracy over time, flips, hardest distractors, record at a step', () => {
    expect(accuracyOverTime(s)).toEqual([
      { step: 1, accuracy: 2 / 3, n: 3 },
      { step: 2, accuracy: 1 / 3, n: 3 },
      { step: 3, accuracy: 1, n: 1 },
      { step: 4, accuracy: 0, n: 1 },
    ]);
    expect(flipCount(s.p1)).toBe(3);
    expect(hardestByDelta(s).map((d) => d.pairId)).toEqual(['p2', 'p1', 'p3']);
    expect(mostFlipping(s).map((d) => [d.pairId, d.flips])).toEqual([['p1', 3]]);
    expect(recordAt(s.p1, 2.5)?.step).toBe(2);
    expect(recordAt(s.p1, null)?.step).toBe(4);
  });
  it('filters pairs by hardness and by whether the model got them right', () => {
    const mk = (id: string, hardness: 'easy' | 'hard'): Pair => ({
      id,
      domain: 'trace',
      query: 'q',
      answer: 'a',
      negativeAnswer: 'b',
      positive: 'x',
      negative: 'y',
      decisivePositive: [],
      decisiveNegative: [],
      hardness,
      meta: {},
    });
    const pairs = [mk('p1', 'hard'), mk('p2', 'hard'), mk('p3', 'easy'), mk('p4', 'easy')];
    expect(filterPairs(pairs, { ...DEFAULT_FILTERS, outcome: 'wrong' }, s).map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(filterPairs(pairs, { ...DEFAULT_FILTERS, outcome: 'unseen' }, s).map((p) => p.id)).toEqual(['p4']);
    expect(filterPairs(pairs, { ...DEFAULT_FILTERS, hardness: 'easy', outcome: 'right' }, s).map((p) => p.id)).toEqual([
      'p3',
    ]);
    expect(filterPairs(pairs, DEFAULT_FILTERS, s)).toBe(pairs); // no filter: the set itself, not a copy
    const tagged = [
      { ...pairs[0], meta: { benchmark: 'trace/hard' } },
      { ...pairs[1], domain: 'document' as const, meta: { split: 'needle' } },
      { ...pairs[2], meta: { benchmark: 'trace/hard' } },
      pairs[3],
    ];
    expect(pairFacets(tagged)).toEqual({ domains: ['trace', 'document'], benchmarks: ['trace/hard', 'needle'] });
  });

  it('looks pairs up by id: a probe pair wins over a source, a later source over an earlier one', () => {
    const mk = (id: string, query: string): Pair => ({
      id,
      domain: 'trace',
      query,
      answer: 'a',
      negativeAnswer: 'b',
      positive: 'x',
      negative: 'y',
      decisivePositive: [],
      decisiveNegative: [],
      hardness: 'hard',
      meta: {},
    });
    const early = { pairs: [mk('a', 'early a'), mk('b', 'early b')] };
    const late = { pairs: [mk('b', 'late b'), mk('c', 'late c')] };
    const look = pairLookup([early, late], [undefined, [mk('c', 'probe c')]]);
    expect(look.get('a')?.query).toBe('early a');
    expect(look.get('b')?.query).toBe('late b');
    expect(look.get('c')?.query).toBe('probe c');
    expect(look.get('zz')).toBeUndefined();
    expect(look.first()?.query).toBe('early a');
    expect(pairLookup([{ pairs: [] }], [[mk('p', 'probe p')]]).first()?.query).toBe('probe p');
    expect(pairLookup([], []).first()).toBeUndefined();
  });
});

describe('chart data', () => {
  it('orders metrics as docs/METHOD.md section 3 and merges runs by step', () => {
    expect(orderMetrics(['kl', 'zzz', 'eval/trace/hard/accuracy', 'reward', 'rewards/exact/mean'])).toEqual([
      'reward',
      'rewards/exact/mean',
      'eval/trace/hard/accuracy',
      'kl',
      'zzz',
    ]);
    expect(evalSeries([{ step: 5, accuracies: { 'probe/selection': 0.6 } }])).toEqual({
      'probe/selection_accuracy': [{ x: 5, y: 0.6 }],
    });
    expect(
      mergeRuns(
        [
          [
            { x: 1, y: 2 },
            { x: 2, y: 4 },
          ],
          [{ x: 2, y: 1 }],
        ],
        0,
      ),
    ).toEqual([
      { x: 1, r0: 2, s0: 2 },
      { x: 2, r0: 4, s0: 4, r1: 1, s1: 1 },
    ]);
  });
  it("comparison rows come from finished runs' final evaluations; the scatter pairs probe with task accuracy", () => {
    const a = {
      ...newRunEntry('a', 'a', { ...defaultRunConfig(), method: 'grpo', steps: 9 }, 0),
      state: 'done' as const,
      evals: [
        { step: 1, accuracies: { x: 0 } as Record<string, number> },
        { step: 9, accuracies: { 'trace/hard': 0.4, 'probe/selection': 0.5, 'grounding/decisive_share': 0.9 } },
      ],
    };
    // Still training: its step-0 numbers are the base model's, not contextrl's.
    const b = {
      ...newRunEntry('b', 'b', { ...defaultRunConfig(), method: 'contextrl', steps: 9 }, 0),
      state: 'running' as const,
      evals: [{ step: 0, accuracies: { 'trace/hard': 0.7, 'probe/selection': 0.6 } }],
    };
    // Stopped early: done, but its last evaluation is not at its last step.
    const c = { ...b, id: 'c', name: 'c', state: 'done' as const };
    const { rows, pending } = rowsFromRuns([a, b, c]);
    expect(pending).toEqual(['b', 'c']);
    expect(rows.map((r) => r.benchmark)).toEqual(['trace/hard', 'probe/selection', 'grounding/decisive_share']);
    expect(probeVsTask(rows)).toEqual([{ method: 'grpo', probe: 0.5, task: 0.4 }]);
  });
});

describe("the lab's own defaults over a preset", () => {
  it('scores the probe every LAB_PROBE_EVERY steps unless the preset states its own cadence', async () => {
    const { presetConfig, LAB_PROBE_EVERY } = await import('../../src/store/configSpec.ts');
    const { PRESETS } = await import('../../src/config/presets.ts');
    expect(LAB_PROBE_EVERY).toBe(5);
    for (const p of Object.values(PRESETS))
      expect(presetConfig(p.name).probeEvery, p.name).toBe(p.stated.probeEvery ?? LAB_PROBE_EVERY);
    expect(presetConfig('trace-default').probeEvery).toBe(5);
  });
});
