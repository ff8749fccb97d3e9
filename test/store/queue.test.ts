/**
 * The ablation series of the Comparison panel (src/store/queue.ts) against the page's session and
 * an in-memory LabClient: methods x seeds in order, the next run starts when one finishes, a failed
 * or deleted run stops the series, Stop/Continue, a reload stops a running series at its run, and
 * the progress bar's fraction and time left.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/config/run-config.ts';
import { loadConfig, useConfigStore } from '../../src/store/config.ts';
import {
  QUEUE_KEY,
  ablationItems,
  bindQueue,
  clearQueue,
  continueQueue,
  queueProgress,
  restoreQueue,
  startQueue,
  stopQueue,
  useQueueStore,
  type RunQueue,
} from '../../src/store/queue.ts';
import { removeRun, useRunsStore } from '../../src/store/runs.ts';
import { connect, queueActions } from '../../src/store/session.ts';
import type { ToWorker } from '../../src/worker/protocol.ts';
import { FakeClient } from './fake-client.ts';

/** The page's localStorage (Node has none). */
class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string): string | null {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.m.set(k, String(v));
  }
  removeItem(k: string): void {
    this.m.delete(k);
  }
  clear(): void {
    this.m.clear();
  }
}
const localStorage = new MemoryStorage();
(globalThis as { localStorage?: unknown }).localStorage = localStorage;

const CONFIG = withDefaults({ seed: 7, steps: 20, evalEvery: 10, batchSize: 2, groupSize: 2 });
let off: Array<() => void> = [];
let c: FakeClient;

const starts = () => c.posted.filter((m) => m.type === 'start') as Extract<ToWorker, { type: 'start' }>[];
const q = () => useQueueStore.getState().queue!;

beforeEach(() => {
  localStorage.clear();
  useRunsStore.setState({ runs: {}, order: [], activeId: null, overlay: [] });
  useQueueStore.setState({ queue: null });
  loadConfig(CONFIG);
  c = new FakeClient();
  off = [connect(c), bindQueue(queueActions, null)];
});
afterEach(() => off.forEach((f) => f()));

describe('ablation series', () => {
  it('orders the runs seed by seed, methods in the lab order, seeds counting up from the form', () => {
    const items = ablationItems(CONFIG, ['contextrl', 'grpo'], 2);
    expect(items.map((i) => i.label)).toEqual([
      'grpo · seed 7',
      'contextrl · seed 7',
      'grpo · seed 8',
      'contextrl · seed 8',
    ]);
    expect(items[3].config).toMatchObject({ method: 'contextrl', seed: 8, steps: 20 });
    expect(ablationItems(CONFIG, [], 3)).toEqual([]);
  });

  it('starts the next run when one finishes and ends done after the last', () => {
    expect(startQueue('t', ablationItems(CONFIG, ['grpo', 'da-rl'], 1))).toBeNull();
    expect(starts().map((s) => [s.config.method, s.config.seed])).toEqual([['grpo', 7]]);
    const first = q().runIds[0];
    c.emit({ type: 'state', runId: first, state: 'running' });
    expect(starts()).toHaveLength(1); // still training
    c.emit({ type: 'state', runId: first, state: 'done' });
    expect(starts().map((s) => [s.config.method, s.config.seed])).toEqual([
      ['grpo', 7],
      ['da-rl', 7],
    ]);
    expect(q()).toMatchObject({ index: 1, state: 'running' });
    expect(q().seconds).toHaveLength(1);
    c.emit({ type: 'state', runId: q().runIds[1], state: 'done' });
    expect(q()).toMatchObject({ index: 2, state: 'done' });
    expect(starts()).toHaveLength(2);
    expect(useConfigStore.getState().config.method).toBe('da-rl'); // the form shows the run training last
  });

  it('stops on a failed run with its message, and on a deleted one', () => {
    startQueue('t', ablationItems(CONFIG, ['grpo', 'contextrl'], 1));
    c.emit({ type: 'error', runId: q().runIds[0], message: 'WebGPU device lost', fatal: true });
    expect(q().state).toBe('stopped');
    expect(q().message).toBe('Run 1 (grpo · seed 7) failed: WebGPU device lost');
    expect(starts()).toHaveLength(1);
    clearQueue();
    startQueue('t', ablationItems(CONFIG, ['grpo'], 2));
    removeRun(q().runIds[0]);
    expect(q().message).toBe('Run 1 (grpo · seed 7) was deleted.');
  });

  it('refuses a second series and a run while another is training', () => {
    startQueue('t', ablationItems(CONFIG, ['grpo'], 2));
    expect(startQueue('u', ablationItems(CONFIG, ['grpo'], 1))).toBe('A series is already training: stop it first.');
    stopQueue();
    clearQueue();
    // the run the series left training (paused only when the worker says so) blocks a new start
    const live = useRunsStore.getState().order.at(-1)!;
    c.emit({ type: 'state', runId: live, state: 'running' });
    expect(startQueue('u', ablationItems(CONFIG, ['grpo'], 1))).toMatch(
      /could not start: .* is training: pause it first\./,
    );
    expect(useQueueStore.getState().queue?.state).toBe('stopped');
  });

  it('Stop pauses the current run; Continue resumes that same run, then goes on', () => {
    startQueue('t', ablationItems(CONFIG, ['grpo'], 2));
    const id = q().runIds[0];
    c.emit({ type: 'state', runId: id, state: 'running' });
    stopQueue();
    expect(c.posted.at(-1)).toEqual({ type: 'pause', runId: id });
    expect(q()).toMatchObject({ state: 'stopped', message: 'Stopped at run 1 of 2.' });
    c.emit({ type: 'state', runId: id, state: 'paused' });
    continueQueue();
    expect(c.posted.at(-1)).toEqual({ type: 'resume', runId: id });
    expect(q().state).toBe('running');
    c.emit({ type: 'state', runId: id, state: 'done' });
    expect(starts().map((s) => s.config.seed)).toEqual([7, 8]);
  });

  it('Continue first finishes a run the page counted as done but whose end was not stored', async () => {
    startQueue('t', ablationItems(CONFIG, ['grpo'], 3));
    const first = q().runIds[0];
    c.emit({ type: 'state', runId: first, state: 'done' });
    expect(q().index).toBe(1);
    stopQueue();
    // the reload brought run 1 back paused (its 'done' was still being written when the page closed)
    c.emit({ type: 'state', runId: first, state: 'paused' });
    c.emit({ type: 'state', runId: q().runIds[1], state: 'paused' });
    continueQueue();
    expect(q()).toMatchObject({ index: 0, state: 'running', seconds: [] });
    await new Promise((r) => setTimeout(r, 0)); // the page reopens run 1 (it no longer holds it)
    expect(c.posted.at(-1)).toMatchObject({ type: 'start', runId: first });
    c.emit({ type: 'state', runId: first, state: 'done' });
    // then run 2 goes on (it is not started anew), and run 3 is new
    expect(q().index).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(c.posted.at(-1)).toMatchObject({ type: 'start', runId: q().runIds[1] });
    expect(starts()).toHaveLength(4); // runs 1 and 2 opened, run 1 reopened, run 2 reopened
    c.emit({ type: 'state', runId: q().runIds[1], state: 'done' });
    expect(starts()).toHaveLength(5);
    expect(q().runIds).toHaveLength(3);
  });

  it('a series that was training when the page closed comes back stopped at its run; junk is dropped', () => {
    startQueue('t', ablationItems(CONFIG, ['grpo', 'contextrl'], 1));
    const stored = localStorage.getItem(QUEUE_KEY);
    const back = restoreQueue(stored)!;
    expect(back.state).toBe('stopped');
    expect(back.index).toBe(0);
    expect(back.runIds).toEqual(q().runIds);
    expect(back.message).toBe(
      'The page closed during run 1 of 2; Continue resumes it from its checkpoint and goes on.',
    );
    expect(restoreQueue('{"title":1}')).toBeNull();
    expect(restoreQueue('not json')).toBeNull();
    expect(restoreQueue(JSON.stringify({ ...back, index: 9 }))).toBeNull();
    clearQueue();
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
  });

  it('progress: the fraction over all runs, the time left from finished runs or the current ETA', () => {
    const items = ablationItems(CONFIG, ['grpo'], 4);
    const base: RunQueue = {
      title: 't',
      items,
      runIds: [],
      index: 1,
      state: 'running',
      seconds: [100],
      itemStartedAt: 0,
    };
    const cur = { progress: { step: 5, totalSteps: 20, phase: 'rl' as const, stepsPerSec: 1, etaSec: 60 } };
    // run 2 of 4 a quarter done: (1 + 0.25) / 4; 60 s left in it plus two more at 100 s each
    expect(queueProgress(base, cur, 0)).toEqual({ fraction: 0.3125, secondsLeft: 260 });
    // no finished run yet: a run takes its elapsed time plus its ETA (40 s + 60 s)
    expect(queueProgress({ ...base, index: 0, seconds: [] }, cur, 40_000)).toEqual({
      fraction: 0.0625,
      secondsLeft: 360,
    });
    // stopped: no ETA from a paused run, the rest of it at the finished runs' pace
    expect(queueProgress({ ...base, state: 'stopped' }, cur, 0)).toEqual({ fraction: 0.3125, secondsLeft: 275 });
    expect(queueProgress({ ...base, index: 4, state: 'done' }, undefined)).toEqual({ fraction: 1, secondsLeft: 0 });
    expect(queueProgress({ ...base, index: 0, seconds: [] }, undefined).secondsLeft).toBeUndefined();
  });
});
