/**
 * Runs survive a reload: every run's summary, metric batches, evaluations and latest checkpoint
 * are written to IndexedDB (src/persist/db.ts) as the worker streams them, and read back when the
 * page opens. Restored runs are shown as they were saved (paused runs can be exported, compared
 * and inspected); a storage error such as a full quota is reported next to the controls, once.
 */
import type { RunSummary } from '../runtime/types.ts';
import { RunStore } from '../persist/db.ts';
import type { FromWorker } from '../worker/protocol.ts';
import { appendMetrics } from './metrics.ts';
import { useBackendStore } from './backend.ts';
import { addRun, newRunEntry, setActiveRun, usedBackend, useRunsStore, withEval, type RunEntry } from './runs.ts';

let db: RunStore | null = null;
let report: (message: string) => void = () => undefined;
let reported = false;

function fail(e: unknown): void {
  if (reported) return;
  reported = true;
  report(`Saving runs failed: ${(e as Error).message ?? String(e)}`);
}

function summaryOf(r: RunEntry): RunSummary {
  return {
    id: r.id,
    name: r.name,
    config: r.config,
    createdAt: r.createdAt,
    state: r.state,
    step: r.progress?.step ?? 0,
    backend: usedBackend(r, useBackendStore.getState().status?.name),
  };
}

/** Opens the database and restores saved runs into the store; never throws. */
export async function startPersistence(onError: (message: string) => void): Promise<void> {
  report = onError;
  try {
    db = await RunStore.open();
    const known = useRunsStore.getState().runs;
    let newest: string | undefined;
    for (const s of (await db.listRuns()).reverse()) {
      if (known[s.id]) continue;
      const [metrics, evals] = await Promise.all([db.getMetrics(s.id), db.getEvals(s.id)]);
      // A run that was training when the page closed is paused now: its worker is gone.
      const state = s.state === 'running' || s.state === 'warming' ? 'paused' : s.state;
      let entry: RunEntry = {
        ...newRunEntry(s.id, s.name, s.config, s.createdAt),
        state,
        backend: s.backend,
        imported: true,
      };
      for (const e of evals) entry = withEval(entry, e);
      if (s.step)
        entry = {
          ...entry,
          progress: { step: s.step, totalSteps: s.config.steps, phase: 'rl', stepsPerSec: 0, etaSec: 0 },
        };
      addRun(entry, false);
      appendMetrics(s.id, metrics);
      newest = s.id;
    }
    if (newest && !useRunsStore.getState().activeId) setActiveRun(newest);
  } catch (e) {
    db = null;
    fail(e);
  }
}

/** Mirrors one worker message into IndexedDB (after the store has applied it). */
export function persistMessage(msg: FromWorker): void {
  if (!db || !('runId' in msg) || !msg.runId) return;
  const store = db;
  const run = useRunsStore.getState().runs[msg.runId];
  if (!run || run.imported) return;
  const done = (p: Promise<void>) => {
    p.catch(fail);
  };
  switch (msg.type) {
    case 'metrics':
      done(store.appendMetrics(msg.runId, msg.rows));
      return;
    case 'eval':
      done(store.saveEval(msg.runId, msg.record));
      return;
    case 'checkpoint':
      done(store.saveCheckpoint(msg.runId, msg.step, msg.buffer));
      return;
    case 'state':
      done(store.saveRun(summaryOf(run)));
      return;
    default:
      return;
  }
}

/** Forgets a run in IndexedDB too (Reset). */
export function forgetRun(runId: string): void {
  db?.deleteRun(runId).catch(fail);
}
