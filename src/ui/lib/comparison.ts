/** Result rows for the comparison view, from the page's runs (their latest evaluation) or a results.json. */
import { isTaskBenchmark, PROBE_BENCHMARK, type ResultRow } from '../../results/results.ts';
import type { RunEntry } from '../../store/runs.ts';
import { summarize } from '../../results/stats.ts';
import { parseResultsJson } from '../../config/file-schemas.ts';

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

/**
 * Parses the experiments CLI's results.json (an array of { method, seed, benchmark, accuracy }) with
 * the shared schema (src/config/file-schemas.ts); errors name the file, the row and the rule. The
 * panel parses files off the main thread (src/persist/parse-client.ts); this is the same check.
 */
export function parseResults(text: string, source = 'results.json'): ResultRow[] {
  return parseResultsJson(new TextEncoder().encode(text), source);
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
