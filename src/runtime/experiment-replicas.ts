/**
 * runExperiment with the seeds as replicas of one batched model (engine/replicas.ts): the seeds'
 * warm starts train together (Pretrainer.trainReplicas), the base models are evaluated together,
 * then each method's runs over all seeds are one ReplicaSession. Every run draws its data and noise
 * from its own (seed, unit), so each (method, seed)'s rows and result equal the sequential
 * experiment's (test/runtime/experiment-replicas.test.ts); only the order of the callbacks differs:
 * every seed's base first, then method by method.
 */
import type { PretrainSpec } from '../config/presets.ts';
import { withDefaults, type ResolvedRunConfig } from '../config/run-config.ts';
import type { ResultRow } from '../results/results.ts';
import { recordToRows, type ExperimentCallbacks, type ExperimentPlan } from './experiment.ts';
import { Pretrainer } from './pretrain.ts';
import { ReplicaSession } from './replica-session.ts';
import { RunSession } from './session.ts';
import type { EvalRecord, Method, MetricRow, RunConfig } from './types.ts';

/** Work units as runExperiment counts them: an evaluation weighs 10. */
const EVAL = 10;

export async function runExperimentReplicas(
  plan: ExperimentPlan,
  cb: ExperimentCallbacks,
  makePretrainer?: (spec: PretrainSpec, seed: number) => Pretrainer,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const { seeds } = plan;
  const configFor = (method: Method, seed: number): ResolvedRunConfig =>
    withDefaults({ ...plan.config, method, seed } as RunConfig);
  const unitsPerRun = new Map<Method, number>();
  for (const m of plan.methods) {
    const sess = await RunSession.create(
      { ...configFor(m, seeds[0]), warmStartSteps: 0 },
      { baseModel: plan.baseModel, showGroups: 0 },
    );
    unitsPerRun.set(m, sess.totalUnits + EVAL);
    sess.dispose();
  }
  const warmUnits = plan.baseModel ? 0 : (plan.warmStart?.steps ?? 0);
  const total = seeds.length * (warmUnits + EVAL + [...unitsPerRun.values()].reduce((a, b) => a + b, 0));
  let done = 0;
  const tick = (n: number, label: string) => {
    done += n;
    cb.progress(done, total, label);
  };
  cb.progress(0, total, 'starting');
  const seedList = seeds.join(', ');

  let bases: (ArrayBuffer | undefined)[] = seeds.map(() => plan.baseModel);
  if (!plan.baseModel) {
    const spec = plan.warmStart;
    if (!spec || !makePretrainer) throw new Error('no base model and no warm-start spec');
    const pts = seeds.map((seed) => makePretrainer(spec, seed));
    try {
      await Pretrainer.trainReplicas(pts, spec.steps - pts[0].step, (i) =>
        tick(seeds.length, `warm start seeds ${seedList} (${i + 1}/${spec.steps})`),
      );
      bases = await Promise.all(pts.map((p) => p.save(undefined, false)));
    } finally {
      pts.forEach((p) => p.dispose());
    }
  }
  const options = bases.map((baseModel) => ({ baseModel, showGroups: 0 }));

  const probe = await ReplicaSession.create(
    seeds.map((seed) => configFor('grpo', seed)),
    options,
  );
  const baseEvals = await probe.evaluate();
  probe.dispose();
  seeds.forEach((seed, r) => {
    const record = (baseEvals[r] as { record: EvalRecord }).record;
    const baseRows = recordToRows('base', seed, record);
    rows.push(...baseRows);
    cb.result(baseRows, { method: 'base', seed, record });
    tick(EVAL, `base seed ${seed}`);
  });

  for (const method of plan.methods) {
    const rs = await ReplicaSession.create(
      seeds.map((seed) => configFor(method, seed)),
      options,
    );
    const metricRows: MetricRow[][] = seeds.map(() => []);
    const last: (EvalRecord | undefined)[] = seeds.map(() => undefined);
    try {
      while (!rs.done) {
        const reports = await rs.stepOnce();
        reports.forEach((rep, r) => {
          if (!rep) return;
          metricRows[r].push(...rep.rows);
          if (rep.eval) last[r] = rep.eval;
        });
        const s = rs.sessions[0];
        tick(reports.filter(Boolean).length, `${method} seeds ${seedList} (${s.unit}/${s.totalUnits})`);
      }
    } finally {
      rs.dispose();
    }
    seeds.forEach((seed, r) => {
      const record = last[r];
      if (!record) throw new Error(`${method} seed ${seed}: the run ended without an evaluation`);
      cb.metrics?.(method, seed, metricRows[r]);
      const rr = recordToRows(method, seed, record);
      rows.push(...rr);
      cb.result(rr, { method, seed, record });
      tick(EVAL, `${method} seed ${seed} evaluated`);
    });
  }
  return rows;
}
