/** Metrics and runs as files: CSV (one row per step, one column per metric), JSON, and a run bundle. */
import type { MetricRow } from '../../runtime/types.ts';
import type { RunEntry } from '../../store/runs.ts';

/**
 * One text cell. A cell that begins with =, +, -, @ (or a tab or CR) is a formula to a spreadsheet,
 * so a metric name from a crafted run file could run one: such cells get a leading apostrophe
 * (OWASP's advice), which spreadsheets show as text. Numbers are written as numbers, not through here.
 */
export function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** CSV with columns step, t, then every metric name (sorted); a missing value is an empty cell. */
export function metricsToCsv(rows: MetricRow[]): string {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (k !== 'step' && k !== 't') names.add(k);
  const cols = ['step', 't', ...[...names].sort()];
  const lines = [cols.map(csvCell).join(',')];
  for (const r of rows)
    lines.push(cols.map((c) => (typeof r[c] === 'number' && Number.isFinite(r[c]) ? String(r[c]) : '')).join(','));
  return lines.join('\n') + '\n';
}

export const RUN_FILE_FORMAT = 'contextrl-lab/run@1';

export interface RunFile {
  format: typeof RUN_FILE_FORMAT;
  run: Omit<RunEntry, 'rollouts' | 'rolloutSteps'> & { rollouts?: RunEntry['rollouts'] };
  rows: MetricRow[];
}

/** A run as one JSON document (config, state, evaluations, selection records, metric rows; the last rollouts). */
export function runToFile(run: RunEntry, rows: MetricRow[]): RunFile {
  const lastStep = run.rolloutSteps[run.rolloutSteps.length - 1];
  const { rollouts: _r, rolloutSteps: _s, ...rest } = run;
  return {
    format: RUN_FILE_FORMAT,
    run: { ...rest, rollouts: lastStep === undefined ? undefined : { [lastStep]: run.rollouts[lastStep] } },
    rows,
  };
}

/** Parses a run file; throws a message naming what is wrong. */
export function runFromFile(text: string): { run: RunEntry; rows: MetricRow[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`, { cause: e });
  }
  const f = data as Partial<RunFile>;
  if (!f || f.format !== RUN_FILE_FORMAT)
    throw new Error(`not a ContextRL Lab run file (format should be "${RUN_FILE_FORMAT}")`);
  if (!f.run || typeof f.run.id !== 'string' || !f.run.config) throw new Error('run file lacks run.id or run.config');
  if (!Array.isArray(f.rows)) throw new Error('run file lacks rows');
  const rollouts = f.run.rollouts ?? {};
  const run: RunEntry = {
    ...f.run,
    evals: f.run.evals ?? [],
    selection: f.run.selection ?? {},
    selectionSteps: f.run.selectionSteps ?? [],
    rollouts,
    rolloutSteps: Object.keys(rollouts)
      .map(Number)
      .sort((a, b) => a - b),
    imported: true,
    state: f.run.state === 'running' || f.run.state === 'warming' ? 'paused' : f.run.state,
  };
  return { run, rows: f.rows };
}

/** Triggers a browser download of `content` (string or Blob). */
export function download(name: string, content: string | Blob, type = 'application/octet-stream'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Safe file name stem from a run name. */
export function fileStem(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}
