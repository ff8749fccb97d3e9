/**
 * Worker messages reach the store in batches: every message is queued and the queue is applied in
 * one task at most every `intervalMs`, so React renders once per batch instead of once per message
 * (a training step sends metrics, rollouts and progress; a fast run sends them many times a
 * second). A run's progress supersedes its earlier progress in the same batch. Messages a person
 * waits on (a run's state, the backend, errors, fallbacks, attributions) flush the queue at once,
 * in order, so Pause or a failure shows without delay.
 */
import type { FromWorker } from '../worker/protocol.ts';

const URGENT: ReadonlySet<FromWorker['type']> = new Set(['state', 'backend', 'error', 'fallback', 'attribution']);

export interface CoalesceOptions {
  /** At most one batch per this many ms (default 400: two or three renders a second). */
  intervalMs?: number;
  /** The first message of a quiet period waits this long for the rest of its step's messages (default 30). */
  gatherMs?: number;
  now?: () => number;
  setTimer?: (f: () => void, ms: number) => unknown;
}

/** Drops every progress message of a run that a later one in the same batch replaces. */
export function dropSupersededProgress(msgs: FromWorker[]): FromWorker[] {
  const last = new Map<string, number>();
  msgs.forEach((m, i) => {
    if (m.type === 'progress') last.set(m.runId, i);
  });
  return msgs.filter((m, i) => m.type !== 'progress' || last.get(m.runId) === i);
}

/** The flush of every live batcher: storage drains them before it writes (page hide, tests). */
const live = new Set<() => void>();

/** Applies every queued message now (before the page hides, or before storage is flushed). */
export function flushQueuedMessages(): void {
  for (const f of [...live]) f();
}

/** A listener that queues messages and hands them to `apply` in batches (in arrival order). */
export function coalesce(apply: (msg: FromWorker) => void, opts: CoalesceOptions = {}): (msg: FromWorker) => void {
  const interval = opts.intervalMs ?? 400;
  const gather = opts.gatherMs ?? 30;
  const now = opts.now ?? (() => performance.now());
  const setTimer = opts.setTimer ?? ((f: () => void, ms: number) => setTimeout(f, ms));
  let queue: FromWorker[] = [];
  let scheduled = false;
  let lastFlush = -Infinity;
  const flush = () => {
    if (!queue.length) return void (scheduled = false);
    scheduled = false;
    lastFlush = now();
    const batch = dropSupersededProgress(queue);
    queue = [];
    for (const m of batch) apply(m);
  };
  live.add(flush);
  return (msg: FromWorker) => {
    queue.push(msg);
    if (URGENT.has(msg.type)) return flush();
    if (scheduled) return;
    scheduled = true;
    setTimer(
      () => {
        if (scheduled) flush();
      },
      Math.max(gather, lastFlush + interval - now()),
    );
  };
}
