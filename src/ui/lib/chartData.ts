/** Chart data for the curves: metric order (docs/METHOD.md section 3), eval series, smoothing and overlay merge. */
import type { EvalRecord } from '../../runtime/types.ts';
import type { Point } from '../../store/series.ts';
import { debiasedEma } from './ema.ts';
import { evalMetricName } from '../../results/results.ts';

/** The order charts appear in (metrics of docs/METHOD.md section 3); names not listed follow, sorted. */
export const METRIC_ORDER = [
  'reward',
  'reward_std',
  'rewards/*',
  'probe/selection_accuracy',
  'probe/*',
  'grounding/*',
  'eval/*',
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
];

function rank(name: string): number {
  for (let i = 0; i < METRIC_ORDER.length; i++) {
    const p = METRIC_ORDER[i];
    if (p === name || (p.endsWith('/*') && name.startsWith(p.slice(0, -1)))) return i;
  }
  return METRIC_ORDER.length;
}

export function orderMetrics(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Benchmark key of an EvalRecord -> metric name (the runtime's metric rows use the same function). */
export { evalMetricName };

/** metric name -> points from evaluation records. */
export function evalSeries(evals: EvalRecord[]): Record<string, Point[]> {
  const out: Record<string, Point[]> = {};
  for (const e of evals)
    for (const [b, acc] of Object.entries(e.accuracies)) (out[evalMetricName(b)] ??= []).push({ x: e.step, y: acc });
  return out;
}

export interface ChartRow {
  x: number;
  [key: string]: number;
}

/**
 * Merges several runs' points into one row per x: `s<i>` is run i's smoothed value, `r<i>` its raw
 * value. Missing values are left out (lines connect across them).
 */
export function mergeRuns(series: Point[][], smoothing: number): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  series.forEach((pts, i) => {
    const smooth = debiasedEma(
      pts.map((p) => p.y),
      smoothing,
    );
    pts.forEach((p, j) => {
      const row = rows.get(p.x) ?? { x: p.x };
      row[`r${i}`] = p.y;
      row[`s${i}`] = smooth[j];
      rows.set(p.x, row);
    });
  });
  return [...rows.values()].sort((a, b) => a.x - b.x);
}
