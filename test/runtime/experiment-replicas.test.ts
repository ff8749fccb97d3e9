/**
 * The experiment with the seeds as replicas gives the sequential experiment's results: the same
 * result rows and per-run metric rows (within 1e-5), with warm starts trained as replicas too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentPlan } from '../../src/runtime/experiment.ts';
import { runExperimentReplicas } from '../../src/runtime/experiment-replicas.ts';
import { Pretrainer } from '../../src/runtime/pretrain.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';
import type { PretrainSpec, Preset } from '../../src/config/presets.ts';
import type { ResultRow } from '../../src/results/results.ts';
import type { MetricRow } from '../../src/runtime/types.ts';
import { EASY_TRACE, tinyRun, useWasm } from './helpers.ts';

beforeAll(useWasm);

const spec: PretrainSpec = {
  name: 'test',
  domain: 'trace',
  modelSize: 'nano',
  model: { dModel: 32, nHead: 2, contextLength: 64 },
  batchSize: 8,
  learningRate: 3e-3,
  warmupSteps: 2,
  steps: 4,
  easyPairShare: 0.25,
  stages: [
    { name: 'one', untilStep: 2, knobs: EASY_TRACE },
    { name: 'two', knobs: EASY_TRACE, learningRate: 1e-3 },
  ],
  figureKnobs: EASY_TRACE,
};

async function collect(run: typeof runExperiment, plan: ExperimentPlan) {
  const metrics = new Map<string, MetricRow[]>();
  const progress: number[] = [];
  const rows = await run(
    plan,
    {
      progress: (done, total) => progress.push(done / total),
      result: () => undefined,
      metrics: (method, seed, m) => metrics.set(`${method} ${seed}`, m),
    },
    (s, seed) => Pretrainer.create(s, seed),
  );
  const key = (r: ResultRow) => `${r.method} ${r.seed} ${r.benchmark}`;
  return { rows: [...rows].sort((a, b) => key(a).localeCompare(key(b))), metrics, progress };
}

describe('runExperimentReplicas', () => {
  it('gives the results and metric rows of the sequential experiment, warm starts included', async () => {
    const config = parseRunConfig(tinyRun({ steps: 3, evalEvery: 0, warmStartSteps: 0 }));
    const plan: ExperimentPlan = {
      preset: { name: 'test' } as Preset,
      config,
      methods: ['grpo', 'contextrl'],
      seeds: [0, 1],
      warmStart: spec,
    };
    const seq = await collect(runExperiment, plan);
    const rep = await collect(runExperimentReplicas, plan);
    expect(rep.rows.map((r) => [r.method, r.seed, r.benchmark])).toEqual(
      seq.rows.map((r) => [r.method, r.seed, r.benchmark]),
    );
    rep.rows.forEach((r, i) => expect(r.accuracy).toBeCloseTo(seq.rows[i].accuracy, 6));
    expect([...rep.metrics.keys()].sort()).toEqual([...seq.metrics.keys()].sort());
    for (const [k, want] of seq.metrics) {
      const got = rep.metrics.get(k) as MetricRow[];
      expect(got.map((r) => Object.keys(r))).toEqual(want.map((r) => Object.keys(r)));
      got.forEach((row, i) =>
        Object.entries(want[i]).forEach(([name, v]) => {
          if (name !== 't') expect(Math.abs(row[name] - v), `${k} row ${i} ${name}`).toBeLessThan(1e-5);
        }),
      );
    }
    expect(rep.progress[rep.progress.length - 1]).toBe(1);
  }, 600_000);
});
