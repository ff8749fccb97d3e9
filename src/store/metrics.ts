/**
 * The metrics slice: per run, the raw rows (for export; capped) and one min-max downsampled
 * series per metric name (for charts), appended as batches stream in.
 */
import { create } from 'zustand';
import type { MetricRow } from '../runtime/types.ts';
import { appendPoints, emptySeries, type Point, type Series } from './series.ts';

/** Raw rows kept per run for export; beyond this the oldest are dropped (the series keep the whole run). */
export const MAX_RAW_ROWS = 50_000;

export interface RunMetrics {
  rows: MetricRow[];
  series: Record<string, Series>;
  /** Metric names seen so far, in order of first appearance. */
  names: string[];
}

export interface MetricsSlice {
  byRun: Record<string, RunMetrics>;
}

export const useMetricsStore = create<MetricsSlice>(() => ({ byRun: {} }));

const BOOKKEEPING = new Set(['step', 't']);

/** Pure: a RunMetrics with `rows` appended. */
export function withRows(m: RunMetrics | undefined, rows: MetricRow[]): RunMetrics {
  // Steps only grow within a run (warm-start steps count up to 0, RL steps from 1), so a row at or
  // before the last one is a resume from a checkpoint (the fallback after a worker crash): the
  // re-run steps replace the ones after the checkpoint instead of being drawn twice.
  const last = m?.rows.at(-1)?.step;
  if (m && rows.length && typeof last === 'number' && rows[0].step <= last) {
    return withRows(undefined, [...m.rows.filter((r) => r.step < rows[0].step), ...rows]);
  }
  const prev = m ?? { rows: [], series: {}, names: [] };
  const names = prev.names.slice();
  const pending: Record<string, Point[]> = {};
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (BOOKKEEPING.has(k)) continue;
      const y = r[k];
      if (typeof y !== 'number') continue;
      if (!prev.series[k] && !pending[k]) names.push(k);
      (pending[k] ??= []).push({ x: r.step, y });
    }
  }
  const series = { ...prev.series };
  for (const k of Object.keys(pending)) series[k] = appendPoints(series[k] ?? emptySeries(), pending[k]);
  let all = prev.rows.concat(rows);
  if (all.length > MAX_RAW_ROWS) all = all.slice(all.length - MAX_RAW_ROWS);
  return { rows: all, series, names };
}

export function appendMetrics(runId: string, rows: MetricRow[]): void {
  if (rows.length === 0) return;
  const byRun = useMetricsStore.getState().byRun;
  useMetricsStore.setState({ byRun: { ...byRun, [runId]: withRows(byRun[runId], rows) } });
}

export function clearMetrics(runId: string): void {
  const byRun = { ...useMetricsStore.getState().byRun };
  delete byRun[runId];
  useMetricsStore.setState({ byRun });
}
