/**
 * The page's side of the training runtime: one LabClient, subscribed once; its messages become
 * store state (handleMessage), and the controls' actions become protocol messages.
 *
 * A run's lifecycle: Start opens a new run; Pause asks for a stop after the current step (the
 * worker then posts a checkpoint); Resume continues a paused run, and a run the worker holds no
 * session for (restored after a reload, imported, or replaced in the worker by another run) is
 * first reopened from its latest checkpoint ('start' with the checkpoint), saying how many steps
 * after the checkpoint are trained again. Changing the settings of a paused run and pressing Start
 * forks a new run and keeps the old one. Reset sets the active run aside (paused, kept) for a clean
 * Start; Delete hides a run at once and can be undone for UNDO_MS before it is removed for good.
 */
import { create } from 'zustand';
import type { RunConfig } from '../config/fields.ts';
import { validateRunConfig } from '../config/run-config.ts';
import type { LabClient } from '../worker/client-types.ts';
import type { FromWorker } from '../worker/protocol.ts';
import { setBackendStatus, setFallbackNotice } from './backend.ts';
import { coalesce } from './coalesce.ts';
import { isConfigValid, loadConfig, useConfigStore } from './config.ts';
import { handleGroundingMessage, setGroundingClient } from './grounding.ts';
import { appendMetrics, clearMetrics, useMetricsStore, type RunMetrics } from './metrics.ts';
import {
  forgetRun,
  loadCheckpoint,
  persistMessage,
  persistNewRun,
  rememberCheckpoint,
  trashRun,
  untrashRun,
} from './persistence.ts';
import {
  addRun,
  newRunEntry,
  removeRun,
  setActiveRun,
  updateRun,
  useRunsStore,
  withEval,
  withRollouts,
  withSelection,
  type RunEntry,
} from './runs.ts';

export { latestCheckpoint } from './persistence.ts';

/** How long a deleted run can be brought back. */
export const UNDO_MS = 15_000;

let client: LabClient | null = null;
let unsubscribe: (() => void) | null = null;
let counter = 0;
/** The run the runtime holds a session for (one at a time), or null. */
let attachedId: string | null = null;

/** Connection state and errors that concern no run in particular (shown near the controls). */
export const useSessionStore = create<{
  connected: boolean;
  where: 'worker' | 'main-thread' | null;
  lastError: string | null;
  /** What the startup storage check repaired, said once. */
  storageNotice: string | null;
  /** The run deleted last, while its deletion can be undone. */
  undo: { runId: string; name: string } | null;
}>(() => ({ connected: false, where: null, lastError: null, storageNotice: null, undo: null }));

export function connect(c: LabClient): () => void {
  unsubscribe?.();
  client = c;
  attachedId = null;
  // Batched: a few store updates (and so renders) a second however fast the run streams.
  unsubscribe = c.subscribe(coalesce(handleMessage));
  setGroundingClient(c);
  useSessionStore.setState({ connected: true, where: c.where });
  return () => {
    unsubscribe?.();
    unsubscribe = null;
    client = null;
    useSessionStore.setState({ connected: false });
  };
}

export function handleMessage(msg: FromWorker): void {
  applyMessage(msg);
  persistMessage(msg); // after the store has it, so the saved record is current
}

function applyMessage(msg: FromWorker): void {
  handleGroundingMessage(msg); // checkpoints for the grounding slider, attribution replies
  switch (msg.type) {
    case 'backend':
      setBackendStatus(msg.status);
      return;
    case 'state':
      updateRun(msg.runId, (r) => ({
        ...r,
        state: msg.state,
        message: msg.message ?? (msg.state === 'error' ? r.message : undefined),
      }));
      return;
    case 'progress':
      updateRun(msg.runId, (r) => ({ ...r, progress: msg.progress }));
      return;
    case 'metrics':
      appendMetrics(msg.runId, msg.rows);
      return;
    case 'rollouts':
      updateRun(msg.runId, (r) => withRollouts(r, msg.step, msg.groups));
      return;
    case 'selection':
      updateRun(msg.runId, (r) => withSelection(r, msg.records));
      return;
    case 'eval':
      updateRun(msg.runId, (r) => withEval(r, msg.record));
      return;
    case 'checkpoint':
      rememberCheckpoint(msg.runId, msg.step, msg.buffer);
      updateRun(msg.runId, (r) => ({ ...r, checkpointStep: msg.step, checkpointDamaged: undefined }));
      return;
    case 'fallback':
      setFallbackNotice(msg.message ?? `Moved from ${msg.from} to ${msg.to}: ${msg.reason}`);
      if (msg.runId) updateRun(msg.runId, (r) => ({ ...r, backend: msg.to }));
      return;
    case 'error':
      // Non-fatal errors say where training went (the client's worker-crash fallback): keep that in
      // the page banner, since the run's own message is replaced by its next state.
      if (!msg.fatal) setFallbackNotice(msg.message);
      if (msg.runId)
        updateRun(msg.runId, (r) => ({ ...r, message: msg.message, state: msg.fatal ? 'error' : r.state }));
      else useSessionStore.setState({ lastError: msg.message });
      return;
  }
}

function activeRun(): RunEntry | undefined {
  const s = useRunsStore.getState();
  return s.activeId ? s.runs[s.activeId] : undefined;
}

const isLive = (r: RunEntry | undefined) => r?.state === 'running' || r?.state === 'warming';

/** Marks `id` as the run the runtime holds (the worker drops any other when it opens a run). */
function attach(id: string): void {
  if (attachedId && attachedId !== id) updateRun(attachedId, (r) => ({ ...r, detached: true }));
  attachedId = id;
  updateRun(id, (r) => ({ ...r, detached: false }));
}

/** Settings that tell two configs apart (the backend is a preference of the page, not of the run). */
export function changedSettings(a: RunConfig, b: RunConfig): string[] {
  const va = validateRunConfig(a);
  const vb = validateRunConfig(b);
  const x = (va.ok ? va.config : a) as unknown as Record<string, unknown>;
  const y = (vb.ok ? vb.config : b) as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (k === 'backend') continue;
    if (k === 'knobs') {
      const kx = (x.knobs ?? {}) as Record<string, unknown>;
      const ky = (y.knobs ?? {}) as Record<string, unknown>;
      for (const n of new Set([...Object.keys(kx), ...Object.keys(ky)]))
        if (JSON.stringify(kx[n]) !== JSON.stringify(ky[n])) out.push(`knobs.${n}`);
    } else if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) out.push(k);
  }
  return out.sort();
}

/** The settings in the form that differ from a paused run's (Start then forks a new run). */
export function formDiffersFrom(r: RunEntry): string[] {
  return changedSettings(r.config, useConfigStore.getState().config);
}

/** Why Start is not possible right now, or null. */
export function startBlocker(): string | null {
  if (!client) return 'The training runtime is not connected yet.';
  if (!isConfigValid()) {
    const keys = Object.keys(useConfigStore.getState().errors).map((k) => (k === '_form' ? 'the form' : k));
    return `Fix the highlighted settings first: ${keys.join(', ')}.`;
  }
  return null;
}

/** A new run from the form's config (a fork of `parent` when given); returns its id. */
function newRun(c: LabClient, parent?: RunEntry): string {
  const config = structuredClone(useConfigStore.getState().config);
  counter += 1;
  const id = `run-${Date.now().toString(36)}-${counter}`;
  const n = useRunsStore.getState().order.length + 1;
  const changed = parent ? changedSettings(parent.config, config) : [];
  const entry: RunEntry = {
    ...newRunEntry(id, `#${n} ${config.method} · seed ${config.seed}`, config, Date.now()),
    state: 'warming',
    parentId: parent?.id,
    notice: parent
      ? `A new run with changed settings (${changed.join(', ')}); “${parent.name}” stays paused in the runs list.`
      : undefined,
  };
  addRun(entry);
  persistNewRun(entry);
  attach(id);
  c.post({ type: 'start', runId: id, config });
  return id;
}

/**
 * Reopens a run the runtime does not hold from its latest checkpoint (or from the start when it
 * has none), then resumes it or runs one step. Says how many steps are trained again.
 */
async function reopen(r: RunEntry, then: 'resume' | 'step'): Promise<void> {
  const c = client;
  if (!c) return;
  updateRun(r.id, (x) => ({ ...x, state: 'warming', notice: 'Opening the run from its latest checkpoint…' }));
  let ck = await loadCheckpoint(r.id);
  if (r.checkpointDamaged) ck = undefined;
  if (client !== c || !useRunsStore.getState().runs[r.id]) return;
  const from = ck?.step ?? 0;
  const reached = Math.max(r.progress?.step ?? 0, from);
  const replay = reached - from;
  const steps = `${replay} step${replay === 1 ? '' : 's'}`;
  const notice = ck
    ? `Resumed from the checkpoint at step ${from}` +
      (replay > 0
        ? `: the ${steps} after it ${replay === 1 ? 'was' : 'were'} trained again (a run is deterministic, so they come out the same).`
        : ', where it stopped: nothing was replayed.')
    : `No usable checkpoint${r.checkpointDamaged ? ` (${r.checkpointDamaged})` : ''}: the run trains again from the start` +
      (replay > 0 ? ` (${steps} replayed).` : '.');
  attach(r.id);
  updateRun(r.id, (x) => ({ ...x, notice }));
  const buffer = ck?.buffer.slice(0);
  if (then === 'resume') {
    c.post({ type: 'start', runId: r.id, config: r.config, checkpoint: buffer });
  } else if (buffer) {
    c.post({ type: 'load', runId: r.id, config: r.config, checkpoint: buffer });
    c.post({ type: 'step', runId: r.id });
  } else {
    c.post({ type: 'start', runId: r.id, config: r.config });
    c.post({ type: 'pause', runId: r.id });
  }
}

function continueRun(r: RunEntry, then: 'resume' | 'step'): void {
  if (!client) return;
  if (attachedId === r.id && !r.detached) client.post({ type: then, runId: r.id });
  else void reopen(r, then);
}

/**
 * Starts a new run from the current config, resumes the active paused run when the form holds its
 * settings, or forks a new run when they were changed. Returns the run id.
 */
export function startRun(): string | null {
  const r = activeRun();
  if (r && isLive(r)) return r.id;
  if (r && (r.state === 'paused' || r.state === 'idle') && client && formDiffersFrom(r).length === 0) {
    continueRun(r, 'resume');
    return r.id;
  }
  if (startBlocker() || !client) return null;
  return newRun(client, r && (r.state === 'paused' || r.state === 'idle') ? r : undefined);
}

/**
 * What the run queue (src/store/queue.ts) needs: a new run with exactly this config (shown in the
 * form), resuming a stopped run by id (made active), pausing one by id.
 */
export const queueActions = {
  start(config: RunConfig): { id: string } | { error: string } {
    loadConfig(config);
    const blocked = startBlocker();
    if (blocked || !client) return { error: blocked ?? 'The training runtime is not connected yet.' };
    const r = activeRun();
    if (r && isLive(r)) return { error: `“${r.name}” is training: pause it first.` };
    return { id: newRun(client) };
  },
  resume(runId: string): boolean {
    const r = useRunsStore.getState().runs[runId];
    if (!r || !client || (r.state !== 'paused' && r.state !== 'idle')) return false;
    setActiveRun(runId);
    loadConfig(r.config);
    continueRun(r, 'resume');
    return true;
  },
  pause(runId: string): void {
    const r = useRunsStore.getState().runs[runId];
    if (r && client && isLive(r)) client.post({ type: 'pause', runId });
  },
};

export function pauseRun(): void {
  const r = activeRun();
  if (r && client && isLive(r)) client.post({ type: 'pause', runId: r.id });
}

/** One optimizer step: on a paused run, or starts a new run paused after its first step. */
export function stepRun(): void {
  if (!client) return;
  const r = activeRun();
  if (r && r.state === 'paused' && formDiffersFrom(r).length === 0) {
    continueRun(r, 'step');
    return;
  }
  if (r && isLive(r)) return;
  const id = startRun();
  if (id) {
    client.post({ type: 'pause', runId: id });
    client.post({ type: 'step', runId: id });
  }
}

/** Loads a run's settings into the form (so Start resumes it rather than forking). */
export function applyRunSettings(runId: string): void {
  const r = useRunsStore.getState().runs[runId];
  if (r) loadConfig(r.config);
}

/** Sets the active run aside for a clean Start: a training run is paused; nothing is deleted. */
export function resetRun(): void {
  const r = activeRun();
  if (!r) return;
  if (client && isLive(r) && attachedId === r.id) client.post({ type: 'pause', runId: r.id });
  setActiveRun(null);
}

const trash = new Map<string, { entry: RunEntry; metrics?: RunMetrics; timer: ReturnType<typeof setTimeout> }>();

function purge(runId: string): void {
  const t = trash.get(runId);
  if (!t) return;
  clearTimeout(t.timer);
  trash.delete(runId);
  if (attachedId === runId) {
    client?.post({ type: 'stop', runId });
    attachedId = null;
  }
  forgetRun(runId);
  if (useSessionStore.getState().undo?.runId === runId) useSessionStore.setState({ undo: null });
}

/**
 * Deletes a run: it leaves the page at once (a training run is paused first) and is removed from
 * storage after UNDO_MS unless undoDelete() brings it back. One deletion can be undone at a time.
 */
export function deleteRun(runId: string): void {
  const r = useRunsStore.getState().runs[runId];
  if (!r) return;
  for (const id of [...trash.keys()]) purge(id);
  if (client && isLive(r) && attachedId === runId) client.post({ type: 'pause', runId });
  const metrics = useMetricsStore.getState().byRun[runId];
  trash.set(runId, { entry: r, metrics, timer: setTimeout(() => purge(runId), UNDO_MS) });
  trashRun(r);
  removeRun(runId);
  clearMetrics(runId);
  useSessionStore.setState({ undo: { runId, name: r.name } });
}

/** Brings back the run deleted last, as it was (a run that was training comes back paused). */
export function undoDelete(): void {
  const u = useSessionStore.getState().undo;
  if (!u) return;
  const t = trash.get(u.runId);
  useSessionStore.setState({ undo: null });
  if (!t) return;
  clearTimeout(t.timer);
  trash.delete(u.runId);
  untrashRun(u.runId);
  const e = t.entry;
  addRun({ ...e, state: isLive(e) ? 'paused' : e.state });
  if (t.metrics) useMetricsStore.setState({ byRun: { ...useMetricsStore.getState().byRun, [u.runId]: t.metrics } });
}

/** Removes a deleted run for good now (the undo bar's close button). */
export function dismissUndo(): void {
  const u = useSessionStore.getState().undo;
  if (u) purge(u.runId);
}

export function evaluateRun(): void {
  const r = activeRun();
  if (r && client && attachedId === r.id && !r.detached) client.post({ type: 'evaluate', runId: r.id });
}
