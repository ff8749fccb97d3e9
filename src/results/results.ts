/**
 * Experiment results: one row per (method, seed, benchmark), and the three views the experiments
 * CLI writes: results.json (the rows), results.csv and results.md (mean ± 95% CI per method and
 * benchmark, and the paired difference from grpo). Pure string building; the CLI writes files.
 */
import { METHODS } from '../config/fields.ts';
import { comparePaired, summarize } from './stats.ts';

export interface ResultRow {
  /** 'base' for the warm-start model, else a Method. */
  method: string;
  seed: number;
  /** A benchmark name, or 'probe/selection' for the selection probe. */
  benchmark: string;
  /** Fraction correct, 0..1; for a loss benchmark (name ending in `_loss`) the mean loss, >= 0. */
  accuracy: number;
}

/** Selection accuracy on the held-out hard pairs (the probe). */
export const PROBE_BENCHMARK = 'probe/selection';
/** Selection accuracy on held-out easy pairs (format competence; the hardness experiments' second probe). */
export const PROBE_EASY_BENCHMARK = 'probe/selection_easy';
/** Mean L_CA (hard clip at the run's caClip) on the held-out hard probe pairs, in nats: a loss, not a fraction. */
export const CA_LOSS_BENCHMARK = 'probe/ca_loss';
/** Mean decisive share of the attribution on the probe pairs (src/engine/grounding.ts): a share, not an end task. */
export const GROUNDING_BENCHMARK = 'grounding/decisive_share';
/** Mean decisive share on single-context hard end-task items (a capped subset; src/runtime/evaluate.ts). */
export const ITEMS_GROUNDING_BENCHMARK = 'grounding/items_decisive_share';

/**
 * The chain from the objective to the end task, link by link (the Comparison panel's chain view):
 * L_CA -> hard-pair probe -> decisive share on end-task items -> hard-item accuracy (`<domain>/hard`
 * or `document/needle`, see endTaskOf). Benchmarks beside it: the easy probe and the pairs' share.
 */
export const CHAIN_BENCHMARKS = [CA_LOSS_BENCHMARK, PROBE_BENCHMARK, ITEMS_GROUNDING_BENCHMARK] as const;

/** A loss row (mean loss, not a fraction): shown as a number, not in percent. */
export function isLossBenchmark(b: string): boolean {
  return b.endsWith('_loss');
}

/** End-task benchmarks: everything but the probes (probe/*) and the grounding shares (grounding/*). */
export function isTaskBenchmark(b: string): boolean {
  return !b.startsWith('probe/') && !b.startsWith('grounding/');
}

/** The hard end task of a set of benchmarks: `<domain>/hard`, else `document/needle`, else undefined. */
export function endTaskOf(benchmarks: readonly string[]): string | undefined {
  return (
    benchmarks.find((b) => isTaskBenchmark(b) && b.endsWith('/hard')) ?? benchmarks.find((b) => b === 'document/needle')
  );
}

/** The metric-row name of an evaluation benchmark: probe/selection -> probe/selection_accuracy, a set -> eval/<set>/accuracy. */
export function evalMetricName(benchmark: string): string {
  if (benchmark.startsWith('grounding/')) return benchmark;
  if (benchmark.startsWith('probe/')) return isLossBenchmark(benchmark) ? benchmark : `${benchmark}_accuracy`;
  return `eval/${benchmark}/accuracy`;
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

const DIAGNOSTIC_ORDER = [
  PROBE_BENCHMARK,
  PROBE_EASY_BENCHMARK,
  CA_LOSS_BENCHMARK,
  GROUNDING_BENCHMARK,
  ITEMS_GROUNDING_BENCHMARK,
];

/** End tasks in first-seen order, then the probes and the grounding shares (known ones first, in the order above). */
export function benchmarksOf(rows: ResultRow[]): string[] {
  const b = [...new Set(rows.map((r) => r.benchmark))];
  return [
    ...b.filter(isTaskBenchmark),
    ...ordered(
      b.filter((x) => !isTaskBenchmark(x)),
      DIAGNOSTIC_ORDER,
    ),
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
    if (isLossBenchmark(r.benchmark)) {
      if (typeof r.accuracy !== 'number' || !(r.accuracy >= 0 && Number.isFinite(r.accuracy)))
        throw new Error(`${where}: accuracy of the loss row ${r.benchmark} must be a finite number >= 0`);
    } else if (typeof r.accuracy !== 'number' || !(r.accuracy >= 0 && r.accuracy <= 1))
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
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
/** Percent for fractions, plain (3 decimals) for losses. */
const fmtFor = (b: string) => (isLossBenchmark(b) ? num : pct);

function cell(xs: number[], b = ''): string {
  const f = fmtFor(b);
  const s = summarize(xs);
  if (s.n === 0) return '–';
  return Number.isFinite(s.ci95) ? `${f(s.mean)} ± ${f(s.ci95)}` : f(s.mean);
}

/** Paired difference a - b over shared seeds: `+d ± ci (MDD m)`; MDD at 80% power, alpha 0.05 (stats.ts). */
function diffCell(a: Map<number, number>, b: Map<number, number>, bench = ''): string {
  const f = fmtFor(bench);
  const seeds = [...a.keys()].filter((s) => b.has(s));
  if (seeds.length === 0) return '–';
  const s = comparePaired(
    seeds.map((k) => a.get(k)!),
    seeds.map((k) => b.get(k)!),
  );
  const sign = s.mean >= 0 ? '+' : '';
  return Number.isFinite(s.ci95) ? `${sign}${f(s.mean)} ± ${f(s.ci95)} (MDD ${f(s.mdd)})` : `${sign}${f(s.mean)}`;
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
  const losses = benches.filter(isLossBenchmark);
  lines.push(
    `Accuracy in percent, mean ± 95% CI (t-distribution) over ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')})` +
      (losses.length ? `; ${losses.join(', ')} in nats (a loss, lower is better).` : '.'),
    '',
  );
  lines.push(head, rule);
  for (const m of methods)
    lines.push(`| ${m} | ${benches.map((b) => cell([...accuraciesBySeed(rows, m, b).values()], b)).join(' | ')} |`);
  const ref = referenceMethod(methods);
  if (ref) {
    lines.push(
      '',
      `Difference from ${ref} (paired by seed), percentage points (losses in nats): mean ± 95% CI (MDD: the minimum detectable difference at 80% power, alpha 0.05, from the paired std and the number of seeds):`,
      '',
      head,
      rule,
    );
    for (const m of methods.filter((x) => x !== ref))
      lines.push(
        `| ${m} | ${benches.map((b) => diffCell(accuraciesBySeed(rows, m, b), accuraciesBySeed(rows, ref, b), b)).join(' | ')} |`,
      );
  }
  return lines.join('\n') + '\n';
}

/** The method differences are taken from: grpo when present (the paper's baseline). */
function referenceMethod(methods: string[]): string | undefined {
  return methods.includes('grpo') ? 'grpo' : undefined;
}

/** A compact fixed-width table for the terminal (the same numbers as the Markdown). */
export function toConsoleTable(rows: ResultRow[]): string {
  const methods = methodsOf(rows);
  const benches = benchmarksOf(rows);
  const cells = [
    ['method', ...benches],
    ...methods.map((m) => [m, ...benches.map((b) => cell([...accuraciesBySeed(rows, m, b).values()], b))]),
  ];
  const ref = referenceMethod(methods);
  if (ref)
    for (const m of methods.filter((x) => x !== ref))
      cells.push([
        `${m} - ${ref}`,
        ...benches.map((b) => diffCell(accuraciesBySeed(rows, m, b), accuraciesBySeed(rows, ref, b), b)),
      ]);
  const widths = cells[0].map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r) => r.map((c, j) => c.padEnd(widths[j])).join('  ')).join('\n') + '\n';
}
