/**
 * The page's side of the training runtime: one LabClient, subscribed once; its messages become
 * store state (handleMessage), and the controls' actions become protocol messages.
 */
import { create } from 'zustand';
import type { LabClient } from '../worker/client-types.ts';
import type { FromWorker } from '../worker/protocol.ts';
import { setBackendStatus, setFallbackNotice } from './backend.ts';
import { coalesce } from './coalesce.ts';
import { isConfigValid, useConfigStore } from './config.ts';
import { handleGroundingMessage, setGroundingClient } from './grounding.ts';
import { appendMetrics, clearMetrics } from './metrics.ts';
import { forgetRun, persistMessage } from './persistence.ts';
import {
  addRun,
  newRunEntry,
  removeRun,
  updateRun,
  useRunsStore,
  withEval,
  withRollouts,
  withSelection,
} from './runs.ts';

let client: LabClient | null = null;
let unsubscribe: (() => void) | null = null;
let counter = 0;
/** Latest checkpoint per run: kept out of the store (big buffers), for exporting a run as a file. */
const checkpoints = new Map<string, { step: number; buffer: ArrayBuffer }>();

export function latestCheckpoint(runId: string): { step: number; buffer: ArrayBuffer } | undefined {
  return checkpoints.get(runId);
}

/** Connection state and errors that concern no run in particular (shown near the controls). */
export const useSessionStore = create<{
  connected: boolean;
  where: 'worker' | 'main-thread' | null;
  lastError: string | null;
}>(() => ({ connected: false, where: null, lastError: null }));

export function connect(c: LabClient): () => void {
  unsubscribe?.();
  client = c;
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
  persistMessage(msg); // after the store has it, so the saved summary is current
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
      checkpoints.set(msg.runId, { step: msg.step, buffer: msg.buffer });
      return;
    case 'fallback':
      setFallbackNotice(`Moved from ${msg.from} to ${msg.to}: ${msg.reason}`);
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

function activeRun() {
  const s = useRunsStore.getState();
  return s.activeId ? s.runs[s.activeId] : undefined;
}

/** Why Start is not possible right now, or null. */
export function startBlocker(): string | null {
  if (!client) return 'The training runtime is not connected yet.';
  if (!isConfigValid()) return 'Fix the highlighted settings first.';
  return null;
}

/** Starts a new run from the current config, or resumes the active paused one. Returns the run id. */
export function startRun(): string | null {
  const r = activeRun();
  // A restored or imported run has no worker session: Start begins a new run instead of resuming it.
  if (r && r.state === 'paused' && client && !r.imported) {
    client.post({ type: 'resume', runId: r.id });
    return r.id;
  }
  if (r && (r.state === 'running' || r.state === 'warming')) return r.id;
  if (startBlocker() || !client) return null;
  const config = structuredClone(useConfigStore.getState().config);
  counter += 1;
  const id = `run-${Date.now().toString(36)}-${counter}`;
  const sameName = useRunsStore.getState().order.length + 1;
  addRun({
    ...newRunEntry(id, `#${sameName} ${config.method} · seed ${config.seed}`, config, Date.now()),
    state: 'warming',
  });
  client.post({ type: 'start', runId: id, config });
  return id;
}

export function pauseRun(): void {
  const r = activeRun();
  if (r && client && (r.state === 'running' || r.state === 'warming')) client.post({ type: 'pause', runId: r.id });
}

/** One optimizer step: on a paused run, or starts a new run paused after its first step. */
export function stepRun(): void {
  if (!client) return;
  const r = activeRun();
  if (r && r.state === 'paused' && !r.imported) {
    client.post({ type: 'step', runId: r.id });
    return;
  }
  if (r && (r.state === 'running' || r.state === 'warming')) return;
  const id = startRun();
  if (id) {
    client.post({ type: 'pause', runId: id });
    client.post({ type: 'step', runId: id });
  }
}

/** Stops the active run and forgets it, so the next Start is a clean slate. */
export function resetRun(): void {
  const r = activeRun();
  if (!r) return;
  if (client && r.state !== 'done' && r.state !== 'error' && !r.imported) client.post({ type: 'stop', runId: r.id });
  removeRun(r.id);
  clearMetrics(r.id);
  forgetRun(r.id);
  checkpoints.delete(r.id);
}

export function evaluateRun(): void {
  const r = activeRun();
  if (r && client) client.post({ type: 'evaluate', runId: r.id });
}
