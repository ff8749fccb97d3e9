/**
 * A series of runs trained one after another with one progress bar: the ablation the Comparison
 * panel starts (methods x seeds from the form's settings). Each run is an ordinary run of the runs
 * list (curves, checkpoints, Comparison rows); the queue only starts the next when one finishes.
 *
 * The queue survives a reload (localStorage): a series that was training comes back stopped at the
 * run it had reached, and Continue resumes that run from its checkpoint, then goes on. A run that
 * fails stops the series with its message.
 *
 * The page's worker trains one model at a time, so the runs go one after another (the experiments
 * CLI trains a method's seeds as replicas of one batched model: `npm run experiment -- --seeds N`).
 */
import { z } from 'zod';
import { create } from 'zustand';
import type { RunConfig } from '../config/fields.ts';
import { METHODS, type Method } from '../config/fields.ts';
import type { RunEntry } from './runs.ts';
import { useRunsStore } from './runs.ts';

export interface QueuedRun {
  label: string;
  config: RunConfig;
}

export interface RunQueue {
  title: string;
  items: QueuedRun[];
  /** The run id each started item got, in order. */
  runIds: string[];
  /** The item training now (or the next to start); items.length when all are done. */
  index: number;
  state: 'running' | 'stopped' | 'done';
  /** Wall seconds of each finished item, for the time left. */
  seconds: number[];
  /** When the current item started (ms since the epoch). */
  itemStartedAt: number;
  message?: string;
}

export const QUEUE_KEY = 'contextrl.queue.v1';
/** The most runs one series may hold (4 methods x 5 seeds, with room). */
export const MAX_QUEUE = 40;

export const useQueueStore = create<{ queue: RunQueue | null }>(() => ({ queue: null }));

/** What the queue does to start a run and to resume one; the session's, set by bindQueue. */
export interface QueueActions {
  /** Starts a new run with this config; returns its id or a reason it could not start. */
  start(config: RunConfig): { id: string } | { error: string };
  /** Resumes a stopped run (from its checkpoint); false when it cannot. */
  resume(runId: string): boolean;
  pause(runId: string): void;
}
let actions: QueueActions | null = null;

/** The runs of an ablation: every method for every seed from the form's seed on, seed by seed. */
export function ablationItems(config: RunConfig, methods: readonly Method[], seeds: number): QueuedRun[] {
  const out: QueuedRun[] = [];
  for (let s = 0; s < seeds; s++)
    for (const method of METHODS.filter((m) => methods.includes(m))) {
      const seed = config.seed + s;
      out.push({ label: `${method} · seed ${seed}`, config: { ...structuredClone(config), method, seed } });
    }
  return out;
}

function save(queue: RunQueue | null): void {
  try {
    if (queue) globalThis.localStorage?.setItem(QUEUE_KEY, JSON.stringify(queue));
    else globalThis.localStorage?.removeItem(QUEUE_KEY);
  } catch {
    // A full or unavailable storage loses only the series' bookkeeping; its runs are stored apart.
  }
}

function set(queue: RunQueue | null): void {
  useQueueStore.setState({ queue });
  save(queue);
}

/** True while a run is being started (starting one updates the runs store, which `follow` watches). */
let starting = false;

/** Calls the session without following the store updates it makes (no re-entry). */
function guarded<T>(f: () => T): T {
  starting = true;
  try {
    return f();
  } finally {
    starting = false;
  }
}

function startItem(q: RunQueue): RunQueue {
  if (!actions) return { ...q, state: 'stopped', message: 'The training runtime is not connected yet.' };
  const item = q.items[q.index];
  const a = actions;
  const r = guarded(() => a.start(item.config));
  if ('error' in r)
    return { ...q, state: 'stopped', message: `Run ${q.index + 1} (${item.label}) could not start: ${r.error}` };
  const runIds = q.runIds.slice(0, q.index);
  runIds[q.index] = r.id;
  return { ...q, runIds, state: 'running', itemStartedAt: Date.now(), message: undefined };
}

/** Starts a series; refused (with the reason) while another is running or the list is empty or too long. */
export function startQueue(title: string, items: QueuedRun[]): string | null {
  if (useQueueStore.getState().queue?.state === 'running') return 'A series is already training: stop it first.';
  if (items.length === 0) return 'Pick at least one method.';
  if (items.length > MAX_QUEUE) return `${items.length} runs is more than the ${MAX_QUEUE} a series may hold.`;
  set(startItem({ title, items, runIds: [], index: 0, state: 'running', seconds: [], itemStartedAt: Date.now() }));
  return useQueueStore.getState().queue?.message ?? null;
}

/** Stops the series after pausing its current run; Continue picks it up again. */
export function stopQueue(): void {
  const q = useQueueStore.getState().queue;
  if (!q || q.state !== 'running') return;
  const id = q.runIds[q.index];
  if (id) actions?.pause(id);
  set({ ...q, state: 'stopped', message: `Stopped at run ${q.index + 1} of ${q.items.length}.` });
}

/** Continues a stopped series: resumes its current run (from its checkpoint) or starts it. */
export function continueQueue(): void {
  let q = useQueueStore.getState().queue;
  if (!q || q.state !== 'stopped' || !actions) return;
  // A run counted as finished whose end the page did not get to store (it closed as the run
  // finished) comes back unfinished: train it to its end first.
  const runs = useRunsStore.getState().runs;
  const behind = q.runIds.findIndex((rid, i) => i < q!.index && runs[rid] && runs[rid].state !== 'done');
  if (behind >= 0) q = { ...q, index: behind, seconds: q.seconds.slice(0, behind) };
  runItem(q);
}

/** Trains the current item: its run goes on where it stopped (or is done), else a new run starts. */
function runItem(q: RunQueue): void {
  const id = q.runIds[q.index];
  const run = id ? useRunsStore.getState().runs[id] : undefined;
  if (run?.state === 'done') return advance(q);
  if (run && guarded(() => actions?.resume(run.id))) {
    set({ ...q, state: 'running', itemStartedAt: Date.now(), message: undefined });
    return;
  }
  set(startItem(q));
}

/** Forgets the series (its runs stay in the runs list). */
export function clearQueue(): void {
  const q = useQueueStore.getState().queue;
  if (q?.state === 'running') stopQueue();
  set(null);
}

function advance(q: RunQueue): void {
  const seconds = [...q.seconds, Math.max(0, (Date.now() - q.itemStartedAt) / 1000)];
  const next: RunQueue = { ...q, seconds, index: q.index + 1 };
  if (next.index >= q.items.length) {
    set({ ...next, state: 'done', message: undefined });
    return;
  }
  runItem(next);
}

/** Follows the runs store: the current run finished (next one), failed (stop) or is gone. */
function follow(): void {
  const q = useQueueStore.getState().queue;
  if (starting || !q || q.state !== 'running') return;
  const id = q.runIds[q.index];
  if (!id) return;
  const run = useRunsStore.getState().runs[id];
  if (!run) {
    set({ ...q, state: 'stopped', message: `Run ${q.index + 1} (${q.items[q.index].label}) was deleted.` });
    return;
  }
  if (run.state === 'done') advance(q);
  else if (run.state === 'error')
    set({
      ...q,
      state: 'stopped',
      message: `Run ${q.index + 1} (${q.items[q.index].label}) failed: ${run.message ?? 'no message'}`,
    });
}

const runQueueSchema = z.object({
  title: z.string().max(200),
  items: z.array(z.object({ label: z.string().max(200), config: z.record(z.string(), z.unknown()) })).max(MAX_QUEUE),
  runIds: z.array(z.string().max(200)).max(MAX_QUEUE),
  index: z.number().int().min(0),
  state: z.enum(['running', 'stopped', 'done']),
  seconds: z.array(z.number().min(0)).max(MAX_QUEUE),
  itemStartedAt: z.number(),
  message: z.string().max(2000).optional(),
});

/**
 * The stored series at page start: a series that was training is stopped at the run it reached
 * (that run comes back paused), with a note. A stored value that does not parse is dropped.
 */
export function restoreQueue(raw: string | null): RunQueue | null {
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const r = runQueueSchema.safeParse(parsed);
  if (!r.success || r.data.index > r.data.items.length) return null;
  const q = r.data as unknown as RunQueue;
  if (q.state !== 'running') return q;
  return {
    ...q,
    state: 'stopped',
    message: `The page closed during run ${q.index + 1} of ${q.items.length}; Continue resumes it from its checkpoint and goes on.`,
  };
}

/**
 * Connects the queue to the session (how to start, resume and pause runs), restores a stored
 * series and follows the runs store. Returns the unsubscribe.
 */
export function bindQueue(
  a: QueueActions,
  stored: string | null = globalThis.localStorage?.getItem(QUEUE_KEY) ?? null,
) {
  actions = a;
  if (!useQueueStore.getState().queue) {
    const q = restoreQueue(stored);
    if (q) set(q);
  }
  const off = useRunsStore.subscribe(follow);
  return () => {
    off();
    actions = null;
  };
}

/** The series' progress: the fraction done and the seconds left (undefined until there is a rate). */
export function queueProgress(
  q: RunQueue,
  current: Pick<RunEntry, 'progress'> | undefined,
  now = Date.now(),
): { fraction: number; secondsLeft: number | undefined } {
  const n = q.items.length;
  if (q.index >= n) return { fraction: 1, secondsLeft: 0 };
  const p = current?.progress;
  const within = p && p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  const fraction = (q.index + within) / n;
  const rest = n - q.index - 1; // items after the current one
  const perRun = q.seconds.length
    ? q.seconds.reduce((a, b) => a + b, 0) / q.seconds.length
    : p && p.etaSec > 0 && q.state === 'running'
      ? (now - q.itemStartedAt) / 1000 + p.etaSec
      : undefined;
  if (perRun === undefined) return { fraction, secondsLeft: undefined };
  const currentLeft = p && p.etaSec >= 0 && q.state === 'running' ? p.etaSec : perRun * (1 - within);
  return { fraction, secondsLeft: currentLeft + rest * perRun };
}
