/**
 * Result rows for the comparison view: from the page's finished runs (their final evaluation) or a
 * results.json; how each benchmark reads (an accuracy, a share of attribution, a loss); the chain
 * from the objective to the end task for two methods; and label places for the scatter.
 */
import { isTaskBenchmark, PROBE_BENCHMARK, type ResultRow } from '../../results/results.ts';
import { summarize, summarizePaired, type Summary } from '../../results/stats.ts';
import type { RunEntry } from '../../store/runs.ts';
import { parseResultsJson } from '../../config/file-schemas.ts';
import { RUN_FIELDS } from '../../config/fields.ts';

export { parseResultRows } from '../../results/results.ts';

/**
 * Has the run finished its evaluations? Done, and its last evaluation is at its last RL step (a
 * run stopped early, or one still training, has only intermediate or step-0 numbers).
 */
export function isFinished(r: Pick<RunEntry, 'state' | 'evals' | 'config'>): boolean {
  const last = r.evals[r.evals.length - 1];
  return r.state === 'done' && last !== undefined && last.step >= r.config.steps;
}

/**
 * Knobs that make two runs of one method different experiments (the lessons and the levers vary
 * these), with the short name a column label gives them.
 */
const VARIANT_KNOBS = [
  ['lambda', 'lambda'],
  ['caVariant', ''],
  ['caClip', 'clip'],
  ['pairShare', 'pairs'],
  ['pairBudget', 'budget'],
  ['budgetUnit', ''],
  ['modelSize', ''],
  ['steps', 'steps'],
  ['learningRate', 'lr'],
  ['groupSize', 'G'],
] as const satisfies readonly (readonly [keyof RunEntry['config'], string])[];

/**
 * Column labels for finished runs, as the experiments CLI tags its variants: the method, then
 * `-easy` or `-random` when a pair method trained on other than hard pairs, then each knob whose
 * value differs among the runs of that method (`contextrl-lambda0.5`). Runs of one method that
 * differ only by seed share a label, so their seeds make one column.
 */
export function variantLabels(configs: readonly RunEntry['config'][]): string[] {
  const byMethod = new Map<string, RunEntry['config'][]>();
  for (const c of configs) byMethod.set(c.method, [...(byMethod.get(c.method) ?? []), c]);
  return configs.map((c) => {
    const parts: string[] = [c.method];
    const hardness = c.pairHardness ?? 'hard';
    if (c.method !== 'grpo' && hardness !== 'hard') parts.push(hardness);
    const same = byMethod.get(c.method)!;
    for (const [key, short] of VARIANT_KNOBS) {
      const values = new Set(same.map((o) => JSON.stringify(o[key] ?? null)));
      if (values.size < 2 || c[key] === undefined) continue;
      // A named value (caVariant soft, budget on-top) is written only where it is not the default.
      if (short === '' && c[key] === RUN_FIELDS[key].default) continue;
      parts.push(`${short}${String(c[key])}`);
    }
    return parts.join('-');
  });
}

/**
 * Rows of the finished runs' final evaluations, and the names of the runs left out. Each row's
 * method is the run's variant label (variantLabels), so the hard, easy and random runs of a
 * lesson are three columns, not one.
 */
export function rowsFromRuns(runs: Pick<RunEntry, 'name' | 'state' | 'evals' | 'config'>[]): {
  rows: ResultRow[];
  pending: string[];
} {
  const rows: ResultRow[] = [];
  const pending: string[] = [];
  const finished = runs.filter((r) => {
    if (!isFinished(r)) pending.push(r.name);
    return isFinished(r);
  });
  const labels = variantLabels(finished.map((r) => r.config));
  finished.forEach((r, i) => {
    const last = r.evals[r.evals.length - 1];
    for (const [benchmark, accuracy] of Object.entries(last.accuracies))
      rows.push({ method: labels[i], seed: r.config.seed, benchmark, accuracy });
  });
  return { rows, pending };
}

/**
 * Parses the experiments CLI's results.json (an array of { method, seed, benchmark, accuracy }) with
 * the shared schema (src/config/file-schemas.ts); errors name the file, the row and the rule. The
 * panel parses files off the main thread (src/persist/parse-client.ts); this is the same check.
 */
export function parseResults(text: string, source = 'results.json'): ResultRow[] {
  return parseResultsJson(new TextEncoder().encode(text), source);
}

export type BenchmarkKind = 'accuracy' | 'share' | 'loss';

/** How a benchmark's number reads: grounding/* is a share of attribution, *_loss a loss in nats, the rest accuracies. */
export function benchmarkKind(b: string): BenchmarkKind {
  if (b.endsWith('_loss')) return 'loss';
  if (b.startsWith('grounding/')) return 'share';
  return 'accuracy';
}

/** A value as the benchmark reads: percent for accuracies and shares, nats (3 decimals) for losses. */
export function formatValue(b: string, v: number, signed = false): string {
  if (!Number.isFinite(v)) return '–';
  const sign = v < 0 ? '−' : signed && v > 0 ? '+' : '';
  const a = Math.abs(v);
  return benchmarkKind(b) === 'loss' ? `${sign}${a.toFixed(3)}` : `${sign}${(a * 100).toFixed(1)}`;
}

/** Mean ± interval in the benchmark's unit (the interval alone when n < 2 has none). */
export function formatSummary(b: string, s: Pick<Summary, 'mean' | 'ci95'>, signed = false): string {
  const m = formatValue(b, s.mean, signed);
  return Number.isFinite(s.ci95) ? `${m} ± ${formatValue(b, s.ci95)}` : m;
}

/** Does the difference's 95% interval exclude 0? (Without an interval, n < 2, it cannot say.) */
export function excludesZero(diff: number, ci95: number): boolean {
  return Number.isFinite(diff) && Number.isFinite(ci95) && Math.abs(diff) > ci95;
}

/** +1 when a positive difference is an improvement, -1 when lower is better (losses). */
export function goodDirection(b: string): 1 | -1 {
  return benchmarkKind(b) === 'loss' ? -1 : 1;
}

/** Per method: mean selection-probe accuracy against mean end-task accuracy. The paper's Figure 5. */
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

/** End-task benchmarks: not the probes and not diagnostics such as grounding/decisive_share. */
export function isEndTask(benchmark: string): boolean {
  return !benchmark.startsWith('probe/') && !benchmark.startsWith('grounding/');
}

/** The hard end task among `benchmarks`: `<domain>/hard`, else `document/needle`. */
export function hardEndTask(benchmarks: readonly string[]): string | undefined {
  return benchmarks.find((b) => isEndTask(b) && b.endsWith('/hard')) ?? benchmarks.find((b) => b === 'document/needle');
}

export interface ChainLink {
  id: 'ca' | 'probe' | 'looks' | 'task';
  title: string;
  /** What the link measures, in a few words. */
  what: string;
  /** The benchmark row, or undefined when the results have none. */
  benchmark?: string;
  a: Summary;
  b: Summary;
  /** b - a over the seeds both have (null without shared seeds). */
  diff: Summary | null;
  /** Why the link is missing, when it is. */
  missing?: string;
}

const CHAIN: { id: ChainLink['id']; title: string; what: string; benchmark: (bs: string[]) => string | undefined }[] = [
  {
    id: 'ca',
    title: 'L_CA',
    what: 'selection loss on held-out hard pairs (nats, lower is better)',
    benchmark: (bs) => bs.find((b) => b === 'probe/ca_loss'),
  },
  {
    id: 'probe',
    title: 'Hard-pair probe',
    what: 'picks C+ over C− on held-out hard pairs',
    benchmark: (bs) => bs.find((b) => b === PROBE_BENCHMARK),
  },
  {
    id: 'looks',
    title: 'Looks at the evidence',
    what: 'share of attribution on the decisive span of end-task items',
    benchmark: (bs) => bs.find((b) => b === 'grounding/items_decisive_share'),
  },
  {
    id: 'task',
    title: 'Hard-item accuracy',
    what: 'the end task without the shortcut',
    benchmark: (bs) => hardEndTask(bs),
  },
];

const CHAIN_ROW_NAMES: Record<ChainLink['id'], string> = {
  ca: 'probe/ca_loss',
  probe: PROBE_BENCHMARK,
  looks: 'grounding/items_decisive_share',
  task: '<domain>/hard or document/needle',
};

function bySeed(rows: ResultRow[], method: string, benchmark: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) if (r.method === method && r.benchmark === benchmark) m.set(r.seed, r.accuracy);
  return m;
}

/**
 * The chain for methods a and b: L_CA (probe/ca_loss) -> hard-pair probe (probe/selection) ->
 * where the model looks on end-task items (grounding/items_decisive_share) -> hard-item accuracy.
 * A link whose row is absent, or has no value for a method, says so instead of a number.
 */
export function chainLinks(rows: ResultRow[], a: string, b: string): ChainLink[] {
  const benchmarks = [...new Set(rows.map((r) => r.benchmark))];
  return CHAIN.map((c) => {
    const benchmark = c.benchmark(benchmarks);
    const empty = summarize([]);
    if (!benchmark)
      return {
        id: c.id,
        title: c.title,
        what: c.what,
        a: empty,
        b: empty,
        diff: null,
        missing: `no ${CHAIN_ROW_NAMES[c.id]} rows in these results`,
      };
    const ma = bySeed(rows, a, benchmark);
    const mb = bySeed(rows, b, benchmark);
    const seeds = [...mb.keys()].filter((s) => ma.has(s));
    const without = [a, b].filter((m, i) => (i === 0 ? ma : mb).size === 0);
    return {
      id: c.id,
      title: c.title,
      what: c.what,
      benchmark,
      a: summarize([...ma.values()]),
      b: summarize([...mb.values()]),
      diff: seeds.length
        ? summarizePaired(
            seeds.map((s) => mb.get(s)!),
            seeds.map((s) => ma.get(s)!),
          )
        : null,
      missing: without.length ? `no ${benchmark} rows for ${without.join(' and ')}` : undefined,
    };
  });
}

export interface PlacedLabel {
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  /** Placed away from its point: draw a line to it. */
  leader?: boolean;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Label positions beside scatter points (pixels) so that no two labels overlap: each label tries
 * above, below, right and left of its point, then further out, and takes the first free place.
 * Text is estimated at `charW` pixels a character and `lineH` high.
 */
export function placeLabels(
  points: { x: number; y: number; text: string }[],
  opts: { charW?: number; lineH?: number; width: number; height: number; obstacles?: Box[] },
): PlacedLabel[] {
  const cw = opts.charW ?? 6.2;
  const lh = opts.lineH ?? 12;
  const boxes: Box[] = [
    ...(opts.obstacles ?? []),
    ...points.map((p) => ({ x0: p.x - 4, y0: p.y - 4, x1: p.x + 4, y1: p.y + 4 })),
  ];
  const overlaps = (b: Box) => boxes.some((o) => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1);
  const inside = (b: Box) => b.x0 >= 0 && b.y0 >= 0 && b.x1 <= opts.width && b.y1 <= opts.height;
  return points.map((p) => {
    const w = p.text.length * cw;
    let chosen: (PlacedLabel & { box: Box }) | undefined;
    for (let ring = 1; ring <= 6 && !chosen; ring++) {
      const d = 5 + (ring - 1) * lh;
      const tries: PlacedLabel[] = [
        { x: p.x, y: p.y - d, anchor: 'middle' },
        { x: p.x, y: p.y + d + lh - 3, anchor: 'middle' },
        { x: p.x + d, y: p.y + 4, anchor: 'start' },
        { x: p.x - d, y: p.y + 4, anchor: 'end' },
      ];
      for (const t of tries) {
        const x0 = t.anchor === 'middle' ? t.x - w / 2 : t.anchor === 'start' ? t.x : t.x - w;
        const box = { x0, y0: t.y - lh + 3, x1: x0 + w, y1: t.y + 3 };
        if (!overlaps(box) && inside(box)) {
          chosen = { ...t, box, leader: ring > 1 };
          break;
        }
      }
    }
    if (!chosen) return { x: p.x, y: p.y - 5, anchor: 'middle' };
    boxes.push(chosen.box);
    return { x: chosen.x, y: chosen.y, anchor: chosen.anchor, leader: chosen.leader };
  });
}
