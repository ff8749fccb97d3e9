/** Result rows for the comparison view, from the page's runs (their latest evaluation) or a results.json. */
import { isTaskBenchmark, PROBE_BENCHMARK, type ResultRow } from '../../results/results.ts';
import type { RunEntry } from '../../store/runs.ts';
import { summarize } from '../../results/stats.ts';

export function rowsFromRuns(runs: RunEntry[]): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const r of runs) {
    const last = r.evals[r.evals.length - 1];
    if (!last) continue;
    for (const [benchmark, accuracy] of Object.entries(last.accuracies))
      rows.push({ method: r.config.method, seed: r.config.seed, benchmark, accuracy });
  }
  return rows;
}

/** Parses the experiments CLI's results.json (an array of { method, seed, benchmark, accuracy }). */
export function parseResults(text: string): ResultRow[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error('results.json must be an array of { method, seed, benchmark, accuracy }');
  return data.map((r, i) => {
    const o = r as Partial<ResultRow>;
    if (
      typeof o.method !== 'string' ||
      typeof o.benchmark !== 'string' ||
      typeof o.seed !== 'number' ||
      typeof o.accuracy !== 'number'
    )
      throw new Error(`row ${i + 1} must have method, benchmark (strings), seed and accuracy (numbers)`);
    return { method: o.method, seed: o.seed, benchmark: o.benchmark, accuracy: o.accuracy };
  });
}

/** End-task benchmarks: not the probes and not diagnostics such as grounding/decisive_share. */
export function isEndTask(benchmark: string): boolean {
  return benchmark !== PROBE_BENCHMARK && !benchmark.startsWith('probe/') && !benchmark.startsWith('grounding/');
}

/** Per method: mean selection-probe accuracy against mean end-task accuracy (every other benchmark). The paper's Figure 5. */
export function probeVsTask(rows: ResultRow[]): { method: string; probe: number; task: number }[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  return methods
    .map((m) => {
      const mine = rows.filter((r) => r.method === m);
      const probe = summarize(mine.filter((r) => r.benchmark === PROBE_BENCHMARK).map((r) => r.accuracy)).mean;
      const task = summarize(mine.filter((r) => isTaskBenchmark(r.benchmark)).map((r) => r.accuracy)).mean;
      return { method: m, probe, task };
    })
    .filter((p) => Number.isFinite(p.probe) && Number.isFinite(p.task));
}
