/**
 * The comparison view's table: per method and benchmark, mean and 95% interval over seeds, and the
 * difference from grpo (paired over the seeds both have, with its own interval).
 * The statistics are the runtime's (src/results/stats.ts), so the page and the CLI agree.
 */
import { methodsOf, benchmarksOf, type ResultRow } from '../../results/results.ts';
import { summarize, summarizePaired, type Summary } from '../../results/stats.ts';

export type { ResultRow };
export { summarize };

export interface ComparisonCell extends Summary {
  /** mean(method) - mean(grpo) over paired seeds; null for grpo itself or without grpo. */
  diff: number | null;
  diffCi95: number;
}

function bySeed(rows: ResultRow[], method: string, benchmark: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) if (r.method === method && r.benchmark === benchmark) m.set(r.seed, r.accuracy);
  return m;
}

export function compare(
  rows: ResultRow[],
  baseline = 'grpo',
): { methods: string[]; benchmarks: string[]; cells: Record<string, Record<string, ComparisonCell>> } {
  const methods = methodsOf(rows);
  const benchmarks = benchmarksOf(rows);
  const cells: Record<string, Record<string, ComparisonCell>> = {};
  for (const m of methods) {
    cells[m] = {};
    for (const b of benchmarks) {
      const mine = bySeed(rows, m, b);
      const s = summarize([...mine.values()]);
      const base = bySeed(rows, baseline, b);
      const seeds = [...mine.keys()].filter((k) => base.has(k));
      let diff: number | null = null;
      let diffCi95 = NaN;
      if (m !== baseline && seeds.length > 0) {
        const p = summarizePaired(
          seeds.map((k) => mine.get(k)!),
          seeds.map((k) => base.get(k)!),
        );
        diff = p.mean;
        diffCi95 = p.ci95;
      }
      cells[m][b] = { ...s, diff, diffCi95 };
    }
  }
  return { methods, benchmarks, cells };
}
