/**
 * Experiment results: one row per (method, seed, benchmark), and the three views the experiments
 * CLI writes: results.json (the rows), results.csv and results.md (mean ± 95% CI per method and
 * benchmark, and the paired difference from grpo). Pure string building; the CLI writes files.
 */
import { METHODS } from '../config/fields.ts';
import { summarize, summarizePaired } from './stats.ts';

export interface ResultRow {
  /** 'base' for the warm-start model, else a Method. */
  method: string;
  seed: number;
  /** A benchmark name, or 'probe/selection' for the selection probe. */
  benchmark: string;
  /** Fraction correct, 0..1. */
  accuracy: number;
}

export const PROBE_BENCHMARK = 'probe/selection';
/** Mean decisive share of the attribution on the probe pairs (src/engine/grounding.ts): a share, not an end task. */
export const GROUNDING_BENCHMARK = 'grounding/decisive_share';

/** End-task benchmarks: everything but the selection probe and the grounding share. */
export function isTaskBenchmark(b: string): boolean {
  return b !== PROBE_BENCHMARK && b !== GROUNDING_BENCHMARK;
}
const METHOD_ORDER: string[] = ['base', ...METHODS];

function ordered(values: string[], order: string[]): string[] {
  const uniq = [...new Set(values)];
  return uniq.sort((a, b) => {
    const ia = order.indexOf(a),
      ib = order.indexOf(b);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib) || a.localeCompare(b);
  });
}

export function methodsOf(rows: ResultRow[]): string[] {
  return ordered(
    rows.map((r) => r.method),
    METHOD_ORDER,
  );
}

/** Benchmarks in first-seen order with the probe, then the grounding share, last. */
export function benchmarksOf(rows: ResultRow[]): string[] {
  const b = [...new Set(rows.map((r) => r.benchmark))];
  return [
    ...b.filter(isTaskBenchmark),
    ...b.filter((x) => x === PROBE_BENCHMARK),
    ...b.filter((x) => x === GROUNDING_BENCHMARK),
  ];
}

/** Accuracies of one method on one benchmark, by seed (sorted by seed). */
export function accuraciesBySeed(rows: ResultRow[], method: string, benchmark: string): Map<number, number> {
  const m = new Map<number, number>();
  rows
    .filter((r) => r.method === method && r.benchmark === benchmark)
    .sort((a, b) => a.seed - b.seed)
    .forEach((r) => m.set(r.seed, r.accuracy));
  return m;
}

/**
 * Parses one results.json (an array of rows); errors name the source and the row: "F: row 3:
 * accuracy must be a number in [0, 1]".
 */
export function parseResultRows(json: string, source: string): ResultRow[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(data))
    throw new Error(`${source}: expected an array of rows { method, seed, benchmark, accuracy }`);
  return data.map((r: Record<string, unknown>, i) => {
    const where = `${source}: row ${i}`;
    if (typeof r !== 'object' || r === null) throw new Error(`${where}: not an object`);
    if (typeof r.method !== 'string' || !r.method) throw new Error(`${where}: method must be a non-empty string`);
    if (!Number.isInteger(r.seed)) throw new Error(`${where}: seed must be an integer`);
    if (typeof r.benchmark !== 'string' || !r.benchmark)
      throw new Error(`${where}: benchmark must be a non-empty string`);
    if (typeof r.accuracy !== 'number' || !(r.accuracy >= 0 && r.accuracy <= 1))
      throw new Error(`${where}: accuracy must be a number in [0, 1]`);
    return { method: r.method, seed: r.seed as number, benchmark: r.benchmark, accuracy: r.accuracy };
  });
}

/**
 * The union of several experiments' rows (e.g. one directory per seed or method). A (method,
 * seed, benchmark) that appears more than once must have the same accuracy everywhere (the base
 * model's rows repeat in every run of a seed); a conflict is an error naming both sources.
 */
export function mergeResults(sets: { source: string; rows: ResultRow[] }[]): ResultRow[] {
  const seen = new Map<string, { row: ResultRow; source: string }>();
  const out: ResultRow[] = [];
  for (const { source, rows } of sets) {
    for (const row of rows) {
      const key = `${row.method}\u0000${row.seed}\u0000${row.benchmark}`;
      const prev = seen.get(key);
      if (!prev) {
        seen.set(key, { row, source });
        out.push(row);
      } else if (prev.row.accuracy !== row.accuracy) {
        throw new Error(
          `conflicting rows for ${row.method} seed ${row.seed} ${row.benchmark}: ${prev.row.accuracy} in ${prev.source}, ${row.accuracy} in ${source}`,
        );
      }
    }
  }
  return out;
}

export function toCsv(rows: ResultRow[]): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return (
    [
      'method,seed,benchmark,accuracy',
      ...rows.map((r) => `${esc(r.method)},${r.seed},${esc(r.benchmark)},${r.accuracy}`),
    ].join('\n') + '\n'
  );
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');
function cell(xs: number[]): string {
  const s = summarize(xs);
  if (s.n === 0) return '–';
  return Number.isFinite(s.ci95) ? `${pct(s.mean)} ± ${pct(s.ci95)}` : pct(s.mean);
}
function diffCell(a: Map<number, number>, b: Map<number, number>): string {
  const seeds = [...a.keys()].filter((s) => b.has(s));
  if (seeds.length === 0) return '–';
  const s = summarizePaired(
    seeds.map((k) => a.get(k)!),
    seeds.map((k) => b.get(k)!),
  );
  const sign = s.mean >= 0 ? '+' : '';
  return Number.isFinite(s.ci95) ? `${sign}${pct(s.mean)} ± ${pct(s.ci95)}` : `${sign}${pct(s.mean)}`;
}

/** The mean ± CI table (percent) as a Markdown string; `title` and `notes` go above it. */
export function toMarkdown(rows: ResultRow[], opts: { title?: string; notes?: string[] } = {}): string {
  const methods = methodsOf(rows);
  const benches = benchmarksOf(rows);
  const seeds = [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
  const head = `| method | ${benches.join(' | ')} |`;
  const rule = `|---|${benches.map(() => '---').join('|')}|`;
  const lines: string[] = [];
  if (opts.title) lines.push(`# ${opts.title}`, '');
  for (const n of opts.notes ?? []) lines.push(n);
  if (opts.notes?.length) lines.push('');
  lines.push(
    `Accuracy in percent, mean ± 95% CI (t-distribution) over ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')}).`,
    '',
  );
  lines.push(head, rule);
  for (const m of methods)
    lines.push(`| ${m} | ${benches.map((b) => cell([...accuraciesBySeed(rows, m, b).values()])).join(' | ')} |`);
  if (methods.includes('grpo')) {
    lines.push('', 'Difference from grpo (paired by seed), percentage points:', '', head, rule);
    for (const m of methods.filter((x) => x !== 'grpo'))
      lines.push(
        `| ${m} | ${benches.map((b) => diffCell(accuraciesBySeed(rows, m, b), accuraciesBySeed(rows, 'grpo', b))).join(' | ')} |`,
      );
  }
  return lines.join('\n') + '\n';
}

/** A compact fixed-width table for the terminal (the same numbers as the Markdown). */
export function toConsoleTable(rows: ResultRow[]): string {
  const methods = methodsOf(rows);
  const benches = benchmarksOf(rows);
  const cells = [
    ['method', ...benches],
    ...methods.map((m) => [m, ...benches.map((b) => cell([...accuraciesBySeed(rows, m, b).values()]))]),
  ];
  const widths = cells[0].map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r) => r.map((c, j) => c.padEnd(widths[j])).join('  ')).join('\n') + '\n';
}
