/**
 * The chain over training: per method, the mean over seeds of each evaluation metric at each
 * evaluated RL step, from the per-run metric rows the experiments CLI writes (runs/<method>-seed<S>.jsonl).
 * Pure string building, like results.ts.
 */
import { summarize } from './stats.ts';

/** One run's metric rows: step plus metric name -> value (only evaluation steps carry eval metrics). */
export interface RunCurve {
  method: string;
  seed: number;
  rows: { step: number; [metric: string]: number }[];
}

/** The chain's metric-row names in order (results.ts evalMetricName of the chain's benchmarks). */
export const CHAIN_METRICS = [
  'probe/ca_loss',
  'probe/selection_accuracy',
  'probe/selection_easy_accuracy',
  'grounding/items_decisive_share',
];

/** Parses a runs/<method>-seed<S>.jsonl file name: the method (tag included) and the seed. */
export function parseRunFileName(name: string): { method: string; seed: number } | undefined {
  const m = /^(.+)-seed(\d+)\.jsonl$/.exec(name);
  return m ? { method: m[1], seed: Number(m[2]) } : undefined;
}

/** Mean ± 95% CI (t) over seeds of `metric` at each step where some run of `method` logged it. */
export function curveOf(
  runs: RunCurve[],
  method: string,
  metric: string,
): { step: number; n: number; mean: number; ci95: number }[] {
  const bySteps = new Map<number, number[]>();
  for (const r of runs.filter((x) => x.method === method))
    for (const row of r.rows)
      if (typeof row[metric] === 'number' && row.step > 0) {
        const xs = bySteps.get(row.step) ?? [];
        xs.push(row[metric]);
        bySteps.set(row.step, xs);
      }
  return [...bySteps.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, xs]) => {
      const s = summarize(xs);
      return { step, n: s.n, mean: s.mean, ci95: s.ci95 };
    });
}

/** Training metrics (logged every step) averaged per window of RL steps: the curve without evaluation cost. */
export const TRAINING_METRICS = ['loss/ca', 'ca/accuracy', 'rewards/answer/mean'];

type Point = { step: number; n: number; mean: number; ci95: number };

/** Per run, the mean of `metric` over RL steps (w*(k-1), w*k], then mean ± CI over seeds per window (labelled by w*k). */
export function windowCurve(runs: RunCurve[], method: string, metric: string, window: number): Point[] {
  const perRun = runs
    .filter((x) => x.method === method)
    .map((r) => {
      const sums = new Map<number, { s: number; n: number }>();
      for (const row of r.rows)
        if (row.step > 0 && typeof row[metric] === 'number') {
          const end = Math.ceil(row.step / window) * window;
          const a = sums.get(end) ?? { s: 0, n: 0 };
          a.s += row[metric];
          a.n++;
          sums.set(end, a);
        }
      return sums;
    });
  const ends = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return ends.map((step) => {
    const s = summarize(perRun.flatMap((m) => (m.has(step) ? [m.get(step)!.s / m.get(step)!.n] : [])));
    return { step, n: s.n, mean: s.mean, ci95: s.ci95 };
  });
}

function table(
  title: string,
  curves: { m: string; c: Point[] }[],
  f: (x: number) => string,
  col: (s: number) => string,
) {
  const steps = [...new Set(curves.flatMap((x) => x.c.map((p) => p.step)))].sort((a, b) => a - b);
  const lines = [
    title,
    '',
    `| method (seeds) | ${steps.map(col).join(' | ')} |`,
    `|---|${steps.map(() => '---:').join('|')}|`,
  ];
  for (const { m, c } of curves) {
    const n = Math.max(...c.map((p) => p.n));
    const cells = steps.map((s) => {
      const p = c.find((x) => x.step === s);
      if (!p) return '–';
      return Number.isFinite(p.ci95) ? `${f(p.mean)} ± ${f(p.ci95)}` : f(p.mean);
    });
    lines.push(`| ${m} (${n}) | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

/**
 * One Markdown table per metric: methods as rows, evaluated steps as columns (percent; losses in
 * nats); by default the chain's metrics and every end-task set found, then the training metrics
 * per window of `window` RL steps.
 */
export function curvesMarkdown(runs: RunCurve[], metrics?: string[], window = 100): string {
  const methods = [...new Set(runs.map((r) => r.method))].sort();
  const found = [...new Set(runs.flatMap((r) => r.rows.flatMap((row) => Object.keys(row))))];
  const evalNames = found.filter((k) => k.startsWith('eval/')).sort();
  const lines: string[] = [];
  for (const metric of metrics ?? [...CHAIN_METRICS, 'grounding/decisive_share', ...evalNames]) {
    const curves = methods.map((m) => ({ m, c: curveOf(runs, m, metric) })).filter((x) => x.c.length);
    if (!curves.length) continue;
    const loss = metric.endsWith('_loss');
    const f = (x: number) => (!Number.isFinite(x) ? 'n/a' : loss ? x.toFixed(3) : (100 * x).toFixed(1));
    const title = `### ${metric}${loss ? ' (nats)' : ' (percent)'} at each evaluation, mean ± 95% CI over seeds`;
    lines.push(...table(title, curves, f, (s) => `step ${s}`));
  }
  for (const metric of metrics ? [] : TRAINING_METRICS) {
    const curves = methods.map((m) => ({ m, c: windowCurve(runs, m, metric, window) })).filter((x) => x.c.length);
    if (!curves.length) continue;
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
    const title = `### ${metric} (training batches), mean per ${window} RL steps, mean ± 95% CI over seeds`;
    lines.push(...table(title, curves, f, (s) => `${s - window + 1}-${s}`));
  }
  return lines.join('\n');
}
