/**
 * An experiment: for each seed, the base model (bundled, or warm-started here), evaluated as
 * method "base", then each method trained from that base with the same example budget and
 * evaluated at the end. Pure: the caller provides the base-model bytes and receives rows and
 * progress through callbacks (the CLI writes files and draws the progress bar).
 */
import type { Pretrainer } from './pretrain.ts';
import type { PretrainSpec, Preset } from '../config/presets.ts';
import { PROBE_BENCHMARK, type ResultRow } from '../results/results.ts';
import { RunSession } from './session.ts';
import type { EvalRecord, Method, MetricRow, RunConfig } from './types.ts';
import { withDefaults, type ResolvedRunConfig } from '../config/run-config.ts';

export interface ExperimentPlan {
  preset: Preset;
  config: ResolvedRunConfig;
  methods: Method[];
  seeds: number[];
  /** The bundled base model, if any (shared by all seeds: it was pretrained once). */
  baseModel?: ArrayBuffer;
  /** Warm-start spec when there is no bundled base model (one base per seed). */
  warmStart?: PretrainSpec;
}

export interface ExperimentCallbacks {
  /** Work units done / total, with a label. */
  progress(done: number, total: number, label: string): void;
  /** A finished evaluation (method 'base' for the base model). */
  result(rows: ResultRow[], ctx: { method: string; seed: number; record: EvalRecord }): void;
  /** An evaluation during a run (every evalEvery steps), before its final one. */
  evaluation?(method: string, seed: number, record: EvalRecord): void;
  /** Metric rows of one run (for per-run logs). */
  metrics?(method: string, seed: number, rows: MetricRow[]): void;
  log?(msg: string): void;
}

/** Evaluation benchmarks as result rows (probe as 'probe/selection'). */
export function recordToRows(method: string, seed: number, rec: EvalRecord): ResultRow[] {
  return Object.entries(rec.accuracies).map(([benchmark, accuracy]) => ({
    method,
    seed,
    benchmark: benchmark === PROBE_BENCHMARK ? PROBE_BENCHMARK : benchmark,
    accuracy,
  }));
}

export async function runExperiment(
  plan: ExperimentPlan,
  cb: ExperimentCallbacks,
  makePretrainer?: (spec: PretrainSpec, seed: number) => Pretrainer,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const configFor = (method: Method, seed: number): ResolvedRunConfig =>
    withDefaults({ ...plan.config, method, seed } as RunConfig);
  // Work units: warm-start steps + an evaluation (weighted as 10 units) per base, and each run's units + its final evaluation.
  const EVAL = 10;
  const probeSession = async (seed: number, base: ArrayBuffer | undefined) =>
    RunSession.create(configFor('grpo', seed), { baseModel: base, showGroups: 0 });
  const unitsPerRun = new Map<Method, number>();
  for (const m of plan.methods) {
    // Without a base model the session would count its own warm start; the experiment warm-starts once per seed instead.
    const c = configFor(m, plan.seeds[0]);
    const sess = await RunSession.create({ ...c, warmStartSteps: 0 }, { baseModel: plan.baseModel, showGroups: 0 });
    unitsPerRun.set(m, sess.totalUnits + EVAL);
    sess.dispose();
  }
  const warmUnits = plan.baseModel ? 0 : (plan.warmStart?.steps ?? 0);
  const total = plan.seeds.length * (warmUnits + EVAL + [...unitsPerRun.values()].reduce((a, b) => a + b, 0));
  let done = 0;
  const tick = (n: number, label: string) => {
    done += n;
    cb.progress(done, total, label);
  };
  cb.progress(0, total, 'starting');

  for (const seed of plan.seeds) {
    let base = plan.baseModel;
    if (!base) {
      if (!plan.warmStart || !makePretrainer) throw new Error('no base model and no warm-start spec');
      const p = makePretrainer(plan.warmStart, seed);
      while (p.step < plan.warmStart.steps) {
        await p.trainStep();
        tick(1, `warm start seed ${seed} (${p.step}/${plan.warmStart.steps})`);
      }
      base = await p.save(undefined, false);
      p.dispose();
    }
    const b = await probeSession(seed, base);
    const baseEval = await b.evaluate();
    b.dispose();
    const baseRows = recordToRows('base', seed, baseEval.record);
    rows.push(...baseRows);
    cb.result(baseRows, { method: 'base', seed, record: baseEval.record });
    tick(EVAL, `base seed ${seed}`);
    for (const method of plan.methods) {
      const s = await RunSession.create(configFor(method, seed), { baseModel: base, showGroups: 0 });
      const metricRows: MetricRow[] = [];
      let last: EvalRecord | undefined;
      while (!s.done) {
        const r = await s.stepOnce();
        metricRows.push(...r.rows);
        if (r.eval) {
          last = r.eval;
          if (!s.done) cb.evaluation?.(method, seed, r.eval);
        }
        tick(1, `${method} seed ${seed} (${s.unit}/${s.totalUnits})`);
      }
      s.dispose();
      if (!last) throw new Error(`${method} seed ${seed}: the run ended without an evaluation`);
      cb.metrics?.(method, seed, metricRows);
      const rr = recordToRows(method, seed, last);
      rows.push(...rr);
      cb.result(rr, { method, seed, record: last });
      tick(EVAL, `${method} seed ${seed} evaluated`);
    }
  }
  return rows;
}
