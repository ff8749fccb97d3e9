/**
 * Runs survive a reload, a crashed tab and a browser restart: every run's record, metric batches,
 * evaluations, selection records, the last step's rollouts and its latest checkpoint are written to
 * IndexedDB (src/persist/db.ts) as the worker streams them, each write one transaction, and read
 * back when the page opens, after a startup check that repairs records disagreeing with their data.
 * Restored and imported runs are "detached" (the worker holds no session for them): Resume reopens
 * them from their checkpoint (src/store/session.ts). Storage errors, a full quota included, are
 * reported next to the controls and never change what was stored before.
 */
import { encodeRunFile, type RunFile, type RunRecord } from '../persist/runFile.ts';
import { PersistError, RunStore, type RunWrite, type StoredRunData } from '../persist/db.ts';
import { mergeBatches, normalizeRun } from '../persist/repair.ts';
import type { FromWorker } from '../worker/protocol.ts';
import { appendMetrics, useMetricsStore } from './metrics.ts';
import {
  addRun,
  usedBackend,
  newRunEntry,
  setActiveRun,
  useRunsStore,
  withEval,
  withRollouts,
  withSelection,
  type RunEntry,
} from './runs.ts';
import { useBackendStore } from './backend.ts';
import { flushQueuedMessages } from './coalesce.ts';

let ready: Promise<RunStore | null> = Promise.resolve(null);
let hooked = false;
let report: (message: string) => void = () => undefined;
let lastReported = '';
/** Runs being deleted (their undo window is open): still written, not shown. */
const trashed = new Map<string, RunEntry>();
/** The latest checkpoint per run received in this page (big buffers: kept out of the store). */
const checkpoints = new Map<string, { step: number; buffer: ArrayBuffer }>();
/** totalSteps last written per run, so progress messages write only when it changes. */
const totals = new Map<string, number>();

let quotaReported = false;

/** Reports a storage failure: a full quota once (until a write succeeds again), others once per message. */
function fail(e: unknown): void {
  const quota = e instanceof PersistError && e.quota;
  if (quota && quotaReported) return;
  const message = `Saving runs failed: ${(e as Error).message ?? String(e)}`;
  if (message === lastReported) return;
  quotaReported ||= quota;
  lastReported = message;
  report(message);
}

const pending = new Set<Promise<unknown>>();

function track(p: Promise<unknown>): void {
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

/** Runs `f` on the database once it is open (in call order, so transactions keep their order). */
function withDb(f: (db: RunStore) => Promise<unknown>): void {
  track(
    ready
      .then((db) => (db ? f(db) : undefined))
      .then(() => (quotaReported = false))
      .catch(fail),
  );
}

export function recordOf(r: RunEntry): RunRecord {
  const rec: RunRecord = {
    id: r.id,
    name: r.name,
    config: r.config,
    createdAt: r.createdAt,
    state: r.state,
    step: r.progress?.step ?? 0,
    backend: usedBackend(r, useBackendStore.getState().status?.name),
    totalSteps: r.progress?.totalSteps,
    parentId: r.parentId,
    importedFrom: r.importedFrom,
    checkpointStep: r.checkpointStep,
  };
  for (const k of Object.keys(rec) as (keyof RunRecord)[]) if (rec[k] === undefined) delete rec[k];
  return rec;
}

/** A page entry for stored (or imported) run data: detached, with its evaluations, selection and rollouts. */
export function entryFromData(d: StoredRunData, notice?: string): RunEntry {
  const s = d.record;
  let entry: RunEntry = {
    ...newRunEntry(s.id, s.name, s.config, s.createdAt),
    state: s.state === 'running' || s.state === 'warming' ? 'paused' : s.state,
    backend: s.backend,
    detached: true,
    imported: s.importedFrom !== undefined,
    importedFrom: s.importedFrom,
    parentId: s.parentId,
    checkpointStep: s.checkpointStep,
    checkpointDamaged: s.checkpointDamaged,
    notice,
  };
  for (const e of d.evals) entry = withEval(entry, e);
  if (d.selection.length) entry = withSelection(entry, d.selection);
  if (d.rollouts) entry = withRollouts(entry, d.rollouts.step, d.rollouts.groups);
  const total = s.totalSteps ?? s.config.steps;
  if (s.step || s.totalSteps !== undefined)
    entry = {
      ...entry,
      progress: {
        step: s.step,
        totalSteps: total,
        phase: s.step < total - s.config.steps ? 'warm-start' : 'rl',
        stepsPerSec: 0,
        etaSec: NaN,
      },
    };
  return entry;
}

/** What the page says about a run restored after the page went away during training. */
export function interruptedNotice(step: number, checkpointStep: number | undefined): string {
  if (checkpointStep === undefined)
    return `Training stopped at step ${step} when the page closed. No checkpoint was stored yet: Resume trains it again from the start.`;
  const lost = step - checkpointStep;
  return (
    `Training stopped at step ${step} when the page closed. Resume continues from the checkpoint at step ${checkpointStep}` +
    (lost > 0 ? ` and trains the ${lost} step${lost === 1 ? '' : 's'} after it again.` : '.')
  );
}

/**
 * Opens the database, checks and repairs it, and restores saved runs into the store; never throws.
 * `onNotice` hears what the check repaired (once, in words).
 */
export function startPersistence(
  onError: (message: string) => void,
  onNotice: (message: string) => void = () => undefined,
): Promise<void> {
  report = onError;
  lastReported = '';
  quotaReported = false;
  // A page opens once; tests open several on one module.
  gathered.clear();
  inflight.clear();
  held.clear();
  trashed.clear();
  checkpoints.clear();
  totals.clear();
  if (typeof addEventListener === 'function' && !hooked) {
    hooked = true;
    // Hiding or closing the page: write what was gathered (IndexedDB finishes started transactions).
    addEventListener('pagehide', writePending);
    addEventListener('visibilitychange', () => {
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') writePending();
    });
  }
  let resolveReady!: (db: RunStore | null) => void;
  ready = new Promise((r) => (resolveReady = r));
  return (async () => {
    let db: RunStore | null = null;
    try {
      db = await RunStore.open();
      const { runs, orphans } = await db.check();
      const known = useRunsStore.getState().runs;
      let newest: string | undefined;
      const repaired: string[] = [];
      for (const c of [...runs].reverse()) {
        if (known[c.record.id]) continue;
        const data = await db.getRunData(c.record.id);
        if (!data) continue;
        const notice = c.interrupted ? interruptedNotice(c.record.step, c.record.checkpointStep) : undefined;
        const entry = entryFromData({ ...data, record: c.record }, notice);
        addRun(entry, false);
        appendMetrics(entry.id, data.metrics);
        if (c.record.totalSteps !== undefined) totals.set(entry.id, c.record.totalSteps);
        if (c.notes.length) repaired.push(`“${c.record.name}”: ${c.notes.join('; ')}`);
        newest = entry.id;
      }
      if (orphans.length) repaired.push(`removed records of ${orphans.length} deleted run(s)`);
      if (repaired.length) onNotice(`The storage check repaired saved runs: ${repaired.join(' · ')}.`);
      if (newest && !useRunsStore.getState().activeId) setActiveRun(newest);
    } catch (e) {
      db = null;
      fail(e);
    } finally {
      resolveReady(db);
    }
  })();
}

/** The run an incoming message is about, when its records are kept (shown or awaiting an undo). */
function knownRun(runId: string): RunEntry | undefined {
  return useRunsStore.getState().runs[runId] ?? trashed.get(runId);
}

/** Keeps the latest checkpoint of a run in memory (for Resume and export before storage answers). */
export function rememberCheckpoint(runId: string, step: number, buffer: ArrayBuffer): void {
  checkpoints.set(runId, { step, buffer });
}

/** The latest checkpoint received in this page, if any. */
export function latestCheckpoint(runId: string): { step: number; buffer: ArrayBuffer } | undefined {
  return checkpoints.get(runId);
}

/** The run's latest checkpoint: the one received in this page, else the stored one. */
export async function loadCheckpoint(runId: string): Promise<{ step: number; buffer: ArrayBuffer } | undefined> {
  const mem = checkpoints.get(runId);
  const db = await ready;
  if (!db) return mem;
  try {
    const stored = await db.getCheckpoint(runId);
    return stored && (!mem || stored.step >= mem.step) ? stored : mem;
  } catch (e) {
    fail(e);
    return mem;
  }
}

/** Stores a new run's record before its first message arrives. */
export function persistNewRun(entry: RunEntry): void {
  withDb((db) => db.saveRun(recordOf(entry)));
}

/** How long messages of a run are gathered before they are written (one transaction per run). */
export const WRITE_EVERY_MS = 1000;
const gathered = new Map<string, RunWrite>();
let writeTimer: ReturnType<typeof setTimeout> | undefined;

/** Runs with a write in flight: the next waits for it, so a run's writes land in order. */
const inflight = new Set<string>();
/** Runs whose write was refused for a full quota: tried again after RETRY_MS, with what came since. */
const held = new Set<string>();

/** Writes what was gathered for one run (or all runs), now: one transaction per run. */
function writeNow(runId?: string, retrying = false): void {
  for (const id of runId === undefined ? [...gathered.keys()] : [runId]) {
    if (inflight.has(id) || (held.has(id) && !retrying)) continue;
    const w = gathered.get(id);
    if (!w) continue;
    gathered.delete(id);
    held.delete(id);
    inflight.add(id);
    track(
      ready
        .then((db) => (db ? db.writeRun(id, w) : false))
        .then(
          () => {
            inflight.delete(id);
            quotaReported = false;
            if (gathered.has(id)) writeNow(id);
          },
          (e: unknown) => {
            inflight.delete(id);
            // A full quota: nothing of this write landed. Keep it ahead of what comes next, so the
            // stored run never skips steps (a later, smaller write must not land past a gap).
            if (e instanceof PersistError && e.quota && knownRun(id)) keepForRetry(id, w);
            else if (gathered.has(id)) writeNow(id);
            fail(e);
          },
        ),
    );
  }
  if (gathered.size === held.size && writeTimer !== undefined) {
    clearTimeout(writeTimer);
    writeTimer = undefined;
  }
}

/** Older data `a` followed by newer `b`, as one write. */
export function mergeWrites(a: RunWrite, b: RunWrite): RunWrite {
  const rows = a.rows?.length ? (b.rows?.length ? mergeBatches([a.rows, b.rows]).rows : a.rows) : b.rows;
  const newer = new Set((b.evals ?? []).map((e) => e.step));
  return {
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    rows,
    evals: [...(a.evals ?? []).filter((e) => !newer.has(e.step)), ...(b.evals ?? [])],
    selection: [...(a.selection ?? []), ...(b.selection ?? [])],
  };
}

/** How long a write refused for a full quota waits before it is tried again (with what came since). */
export const RETRY_MS = 10_000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function keepForRetry(runId: string, w: RunWrite): void {
  const later = gathered.get(runId);
  gathered.set(runId, later ? mergeWrites(w, later) : w);
  held.add(runId);
  retryTimer ??= setTimeout(() => {
    retryTimer = undefined;
    for (const id of [...held]) writeNow(id, true);
  }, RETRY_MS);
}

/**
 * Gathers one message's data for its run. Metric rows, evaluations, selection records and
 * rollouts wait up to WRITE_EVERY_MS, so a training run costs the page about one transaction a
 * second; a checkpoint or a state change writes at once (with what was gathered before it).
 */
function gather(runId: string, f: (w: RunWrite) => void, now: boolean): void {
  const w = gathered.get(runId) ?? {};
  f(w);
  gathered.set(runId, w);
  if (now) writeNow(runId);
  else
    writeTimer ??= setTimeout(() => {
      writeTimer = undefined;
      writeNow();
    }, WRITE_EVERY_MS);
}

/** Mirrors one worker message into IndexedDB (after the store has applied it). */
export function persistMessage(msg: FromWorker): void {
  if (!('runId' in msg) || !msg.runId) return;
  const runId = msg.runId;
  const run = knownRun(runId);
  if (!run) return;
  switch (msg.type) {
    case 'metrics':
      return gather(
        runId,
        (w) => {
          w.rows = w.rows?.length ? mergeBatches([w.rows, msg.rows]).rows : msg.rows.slice();
          if (run.progress?.totalSteps !== undefined) w.totalSteps = run.progress.totalSteps;
        },
        false,
      );
    case 'progress':
      if (totals.get(runId) === msg.progress.totalSteps) return;
      totals.set(runId, msg.progress.totalSteps);
      return gather(runId, (w) => (w.totalSteps = msg.progress.totalSteps), false);
    case 'eval':
      return gather(
        runId,
        (w) => (w.evals = [...(w.evals ?? []).filter((e) => e.step !== msg.record.step), msg.record]),
        false,
      );
    case 'selection':
      return gather(runId, (w) => (w.selection = [...(w.selection ?? []), ...msg.records]), false);
    case 'rollouts':
      return gather(runId, (w) => (w.rollouts = { step: msg.step, groups: msg.groups }), false);
    case 'checkpoint':
      return gather(runId, (w) => (w.checkpoint = { step: msg.step, buffer: msg.buffer }), true);
    case 'state': {
      // A run the page shows but storage lacks is stored whole; a deleted run is never brought back.
      const create = useRunsStore.getState().runs[runId] ? recordOf(run) : undefined;
      return gather(
        runId,
        (w) => {
          w.state = msg.state;
          w.backend = run.backend ?? w.backend;
          w.create = create;
        },
        msg.state !== 'running' && msg.state !== 'warming',
      );
    }
    case 'fallback':
      return gather(runId, (w) => (w.backend = msg.to), true);
    default:
      return;
  }
}

/** Writes everything gathered now (the page is being hidden or closed: best effort). */
export function writePending(): void {
  flushQueuedMessages();
  writeNow();
}

/** Marks a run deleted (hidden, undoable until purged); its later messages are still stored. */
export function trashRun(entry: RunEntry): void {
  trashed.set(entry.id, entry);
  withDb((db) => db.updateRun(entry.id, { deletedAt: Date.now() }));
}

/** Undoes trashRun. */
export function untrashRun(runId: string): RunEntry | undefined {
  const e = trashed.get(runId);
  trashed.delete(runId);
  withDb((db) => db.updateRun(runId, { deletedAt: undefined }));
  return e;
}

/** Deletes a run and everything stored for it, for good. */
export function forgetRun(runId: string): void {
  gathered.delete(runId);
  held.delete(runId);
  trashed.delete(runId);
  checkpoints.delete(runId);
  totals.delete(runId);
  withDb((db) => db.deleteRun(runId));
}

let importCounter = 0;

/**
 * Adds a decoded run file as a new run with its own identity (never an existing run's id, so a
 * live run is never touched) and stores it like any other run, in one transaction. Returns the
 * new run's id; a storage failure leaves the run on the page and says so.
 */
export async function importRun(input: RunFile): Promise<string> {
  let file = input;
  const runs = useRunsStore.getState().runs;
  let id: string;
  do id = `run-${Date.now().toString(36)}-i${++importCounter}`;
  while (runs[id] || trashed.has(id));
  const s = file.summary;
  // The file's record is checked against its own data as stored runs are (metrics past the step...).
  const fixed = normalizeRun(
    {
      ...s,
      id,
      name: `${s.name} (imported)`,
      importedFrom: s.importedFrom ?? s.id,
      checkpointStep: file.checkpoint?.step,
    },
    [file.metrics],
    file.evals,
    file.checkpoint,
  );
  const record = fixed.record;
  if (record.checkpointStep === undefined) delete record.checkpointStep;
  file = { ...file, metrics: fixed.metrics, evals: file.evals.filter((e) => !fixed.droppedEvals.includes(e.step)) };
  const notice = fixed.notes.length ? `Imported; its records were repaired: ${fixed.notes.join('; ')}.` : undefined;
  const entry = entryFromData({ record, ...file }, notice);
  addRun(entry);
  appendMetrics(id, file.metrics);
  if (file.checkpoint) rememberCheckpoint(id, file.checkpoint.step, file.checkpoint.buffer);
  if (record.totalSteps !== undefined) totals.set(id, record.totalSteps);
  const db = await ready;
  if (db) {
    try {
      await db.importRunFile(file, record);
    } catch (e) {
      fail(e);
    }
  }
  return id;
}

/** A run as the page holds it (metric rows capped at MAX_RAW_ROWS; the last step's rollouts). */
export function runFileFromPage(runId: string): RunFile | undefined {
  const r = useRunsStore.getState().runs[runId];
  if (!r) return undefined;
  const last = r.rolloutSteps[r.rolloutSteps.length - 1];
  return {
    summary: recordOf(r),
    metrics: useMetricsStore.getState().byRun[runId]?.rows ?? [],
    evals: r.evals,
    selection: Object.values(r.selection)
      .flat()
      .sort((a, b) => a.step - b.step),
    rollouts: last === undefined ? null : { step: last, groups: r.rollouts[last] },
    checkpoint: checkpoints.get(runId),
  };
}

/** A run as a file: from storage when it is there (complete), else from the page. */
export async function exportRunFile(runId: string): Promise<ArrayBuffer | undefined> {
  await flushPersistence();
  const db = await ready;
  if (db) {
    try {
      if (await db.getRun(runId)) return await db.exportRun(runId);
    } catch (e) {
      fail(e);
    }
  }
  const f = runFileFromPage(runId);
  return f ? encodeRunFile(f) : undefined;
}

/** Writes what was gathered and resolves once every write so far has finished (tests, exports). */
export async function flushPersistence(): Promise<void> {
  flushQueuedMessages(); // messages still waiting for their render batch are written too
  writeNow();
  await ready;
  while (pending.size) await Promise.all([...pending]);
}
