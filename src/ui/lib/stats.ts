/** Small statistics for the comparison view: mean and a t-based 95% interval over seeds. */

const T95 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086];

export interface Summary { n: number; mean: number; /** half-width of the 95% interval; NaN for one seed */ ci: number }

export function summarize(xs: number[]): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, ci: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, ci: NaN };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const t = T95[n - 1] ?? 1.96;
  return { n, mean, ci: (t * sd) / Math.sqrt(n) };
}

export interface ResultRow { method: string; seed: number; benchmark: string; accuracy: number }

export interface ComparisonCell extends Summary { diff: number | null }

/** method -> benchmark -> summary, with the difference of means from grpo where grpo has that benchmark. */
export function compare(rows: ResultRow[], baseline = 'grpo'): { methods: string[]; benchmarks: string[]; cells: Record<string, Record<string, ComparisonCell>> } {
  const by: Record<string, Record<string, number[]>> = {};
  for (const r of rows) ((by[r.method] ??= {})[r.benchmark] ??= []).push(r.accuracy);
  const order = ['base', 'grpo', 'da-sft', 'da-rl', 'contextrl'];
  const methods = Object.keys(by).sort((a, b) => (order.indexOf(a) + 99 * +(order.indexOf(a) < 0)) - (order.indexOf(b) + 99 * +(order.indexOf(b) < 0)) || a.localeCompare(b));
  const benchmarks = [...new Set(rows.map((r) => r.benchmark))].sort();
  const cells: Record<string, Record<string, ComparisonCell>> = {};
  for (const m of methods) {
    cells[m] = {};
    for (const b of benchmarks) {
      const s = summarize(by[m][b] ?? []);
      const base = by[baseline]?.[b];
      cells[m][b] = { ...s, diff: base && base.length && m !== baseline && s.n ? s.mean - summarize(base).mean : null };
    }
  }
  return { methods, benchmarks, cells };
}
