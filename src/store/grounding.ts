/**
 * The grounding slice: which checkpoints of each run the slider can visit, and the attribution
 * results the worker sent back. Checkpoint buffers stay outside the store (big), at most
 * MAX_CHECKPOINTS per run, thinned so the kept ones stay spread over training.
 */
import { create } from 'zustand';
import type { AttributionMethod } from '../engine/attribution.ts';
import type { Pair } from '../tasks/types.ts';
import type { AttributionReply } from '../worker/attribute.ts';
import type { LabClient } from '../worker/client-types.ts';
import type { FromWorker } from '../worker/protocol.ts';

export const MAX_CHECKPOINTS = 12;

export type AttributionEntry =
  { state: 'pending' } | { state: 'done'; reply: AttributionReply } | { state: 'error'; message: string };

export interface GroundingSlice {
  /** runId -> checkpoint units kept, ascending (the slider's stops). */
  checkpoints: Record<string, number[]>;
  /** resultKey -> attribution. */
  results: Record<string, AttributionEntry>;
  method: AttributionMethod;
}

export const useGroundingStore = create<GroundingSlice>(() => ({ checkpoints: {}, results: {}, method: 'grad-input' }));

const buffers = new Map<string, Map<number, ArrayBuffer>>();
let client: LabClient | null = null;

export function resultKey(runId: string, unit: number, pairId: string, method: AttributionMethod): string {
  return `${runId}|${unit}|${pairId}|${method}`;
}

/**
 * Adds `unit` to the kept steps; past `max`, drops the inner step whose neighbours are closest
 * together (the first and the latest always stay). Pure.
 */
export function keepSpread(steps: number[], unit: number, max: number): number[] {
  const out = [...new Set([...steps, unit])].sort((a, b) => a - b);
  while (out.length > Math.max(2, max)) {
    let best = 1;
    for (let i = 2; i < out.length - 1; i++) if (out[i + 1] - out[i - 1] < out[best + 1] - out[best - 1]) best = i;
    out.splice(best, 1);
  }
  return out;
}

export function setGroundingClient(c: LabClient | null): void {
  client = c;
}

export function setAttributionMethod(method: AttributionMethod): void {
  useGroundingStore.setState({ method });
}

export function recordCheckpoint(runId: string, unit: number, buffer: ArrayBuffer): void {
  const s = useGroundingStore.getState();
  const kept = keepSpread(s.checkpoints[runId] ?? [], unit, MAX_CHECKPOINTS);
  const bufs = buffers.get(runId) ?? new Map<number, ArrayBuffer>();
  bufs.set(unit, buffer);
  for (const k of [...bufs.keys()]) if (!kept.includes(k)) bufs.delete(k);
  buffers.set(runId, bufs);
  useGroundingStore.setState({ checkpoints: { ...s.checkpoints, [runId]: kept } });
}

/** Messages this slice cares about: checkpoints (kept for the slider) and attribution replies. */
export function handleGroundingMessage(msg: FromWorker): void {
  if (msg.type === 'checkpoint') recordCheckpoint(msg.runId, msg.step, msg.buffer);
  else if (msg.type === 'attribution') {
    const entry: AttributionEntry = msg.result
      ? { state: 'done', reply: msg.result }
      : { state: 'error', message: msg.error ?? 'attribution failed' };
    useGroundingStore.setState({ results: { ...useGroundingStore.getState().results, [msg.requestId]: entry } });
  }
}

/** Asks the runtime for the attribution of `pair` under the run's checkpoint at `unit` (once per key). */
export function requestAttribution(runId: string, unit: number, pair: Pair, method: AttributionMethod): void {
  const key = resultKey(runId, unit, pair.id, method);
  const s = useGroundingStore.getState();
  if (s.results[key]) return;
  const buffer = buffers.get(runId)?.get(unit);
  const set = (e: AttributionEntry) =>
    useGroundingStore.setState({ results: { ...useGroundingStore.getState().results, [key]: e } });
  if (!buffer)
    return set({ state: 'error', message: `no checkpoint of this run at unit ${unit} is kept in this page` });
  if (!client) return set({ state: 'error', message: 'the training runtime is not connected' });
  const copy = buffer.slice(0);
  set({ state: 'pending' });
  client.post({ type: 'attribute', requestId: key, runId, checkpoint: copy, pair, method }, [copy]);
}
