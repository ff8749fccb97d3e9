/**
 * The consistency rules of a stored run, as one pure function used by the startup check
 * (RunStore.check) and by imports: what the data says wins over what the record says, and every
 * change is said in words. Steps: the record counts units of work (warm-start + DA-SFT + RL, the
 * progress line's step); metric rows and evaluations count RL steps (warm-start rows at or below 0),
 * so a row's unit is its step plus (totalSteps - config.steps).
 */
import type { EvalRecord, MetricRow } from '../runtime/types.ts';
import { checkRunCheckpoint, type RunRecord } from './runFile.ts';

export interface NormalizedRun {
  record: RunRecord;
  /** The metric rows in step order, each step once (a later batch wins: a replay after a resume). */
  metrics: MetricRow[];
  /** The rows differ from the stored batches (they must be rewritten). */
  rowsChanged: boolean;
  /** Steps of evaluations to drop (past the run's end). */
  droppedEvals: number[];
  /** The record said running or warming: the page or the browser went away during training. */
  interrupted: boolean;
  notes: string[];
  /** Anything to write back. */
  changed: boolean;
}

/** Merges batches in order: a batch whose first step is at or before stored rows replaces them. */
export function mergeBatches(batches: MetricRow[][]): { rows: MetricRow[]; merged: boolean } {
  let rows: MetricRow[] = [];
  let merged = false;
  for (const b of batches) {
    if (!b.length) continue;
    const last = rows[rows.length - 1];
    if (last && b[0].step <= last.step) {
      rows = rows.filter((r) => r.step < b[0].step);
      merged = true;
    }
    rows = rows.concat(b);
  }
  // Within a batch steps only grow; anything else is damage: keep the last row of each step.
  const sorted = rows.every((r, i) => i === 0 || r.step > rows[i - 1].step);
  if (!sorted) {
    const byStep = new Map<number, MetricRow>();
    for (const r of rows) byStep.set(r.step, r);
    rows = [...byStep.values()].sort((a, b) => a.step - b.step);
    merged = true;
  }
  return { rows, merged };
}

export function normalizeRun(
  record: RunRecord,
  batches: MetricRow[][],
  evals: EvalRecord[],
  checkpoint: { step: number; buffer: ArrayBuffer } | undefined,
): NormalizedRun {
  const notes: string[] = [];
  const r: RunRecord = { ...record };
  const steps = r.config.steps;
  const m = mergeBatches(batches);
  let rows = m.rows;
  // Units before RL: known from the runtime's total, else from the first row (the first unit's
  // row has step 1 - offset), else none.
  const offset = r.totalSteps !== undefined ? r.totalSteps - steps : rows.length ? Math.max(0, 1 - rows[0].step) : 0;
  if (r.totalSteps === undefined && rows.length) r.totalSteps = steps + offset;
  const total = r.totalSteps ?? steps;
  let rowsChanged = m.merged;
  const past = rows.filter((row) => row.step + offset > total);
  if (past.length) {
    rows = rows.filter((row) => row.step + offset <= total);
    rowsChanged = true;
    notes.push(`dropped ${past.length} metric row(s) past the run's last step ${steps}`);
  }
  const droppedEvals = evals.filter((e) => e.step > steps).map((e) => e.step);
  if (droppedEvals.length) notes.push(`dropped ${droppedEvals.length} evaluation(s) past the run's last step`);

  const lastUnit = rows.length ? rows[rows.length - 1].step + offset : 0;
  if (lastUnit > r.step) {
    notes.push(`the record said step ${r.step}, its metrics reach step ${lastUnit}: now step ${lastUnit}`);
    r.step = lastUnit;
  }
  if (checkpoint) {
    if (checkpoint.step > r.step) {
      notes.push(
        `its checkpoint (step ${checkpoint.step}) is newer than the record (step ${r.step}): now step ${checkpoint.step}`,
      );
      r.step = checkpoint.step;
    }
    if (r.checkpointStep !== checkpoint.step) r.checkpointStep = checkpoint.step;
    try {
      checkRunCheckpoint(checkpoint.buffer, checkpoint.step, 'stored checkpoint');
      if (r.checkpointDamaged !== undefined) delete r.checkpointDamaged;
    } catch (e) {
      const why = (e as Error).message.replace(/^stored checkpoint[^:]*: /, '');
      if (r.checkpointDamaged !== why) {
        r.checkpointDamaged = why;
        notes.push(`its checkpoint at step ${checkpoint.step} is damaged (${why}): Resume trains again from the start`);
      }
    }
  } else if (r.checkpointStep !== undefined) {
    notes.push(`its record mentions a checkpoint at step ${r.checkpointStep} that is not stored`);
    delete r.checkpointStep;
  }
  const interrupted = r.state === 'running' || r.state === 'warming';
  if (interrupted) r.state = 'paused';
  const changed = rowsChanged || droppedEvals.length > 0 || JSON.stringify(r) !== JSON.stringify(record);
  return { record: r, metrics: rows, rowsChanged, droppedEvals, interrupted, notes, changed };
}
