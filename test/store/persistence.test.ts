/**
 * A run's lifecycle on the page, against fake-indexeddb and an in-memory LabClient: runs survive a
 * reload with their step, curves, evaluations, selection, rollouts and checkpoint; Resume reopens
 * them from the checkpoint and says how many steps are trained again; changed settings fork a new
 * run; Reset keeps the run; Delete can be undone; an import gets its own identity and is stored.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, setField } from '../../src/store/config.ts';
import { useMetricsStore } from '../../src/store/metrics.ts';
import { RETRY_MS, flushPersistence, importRun, startPersistence } from '../../src/store/persistence.ts';
import { setActiveRun, useRunsStore } from '../../src/store/runs.ts';
import {
  UNDO_MS,
  connect,
  deleteRun,
  resetRun,
  startRun,
  stepRun,
  undoDelete,
  useSessionStore,
} from '../../src/store/session.ts';
import { RunStore } from '../../src/persist/db.ts';
import { decodeRunFile, encodeRunFile } from '../../src/persist/runFile.ts';
import { withDefaults } from '../../src/config/run-config.ts';
import type { ToWorker } from '../../src/worker/protocol.ts';
import { FakeClient } from './fake-client.ts';
import { fillQuotaAt, rows, runCheckpoint } from '../persist/helpers.ts';

const CONFIG = withDefaults({ seed: 3, steps: 40, evalEvery: 10, batchSize: 2, groupSize: 2 });
let disconnect: () => void = () => undefined;
let errors: string[] = [];
let notices: string[] = [];

/** A fresh page: empty stores, a new client, persistence opened on the same database. */
async function openPage(): Promise<FakeClient> {
  disconnect();
  useRunsStore.setState({ runs: {}, order: [], activeId: null, overlay: [] });
  useMetricsStore.setState({ byRun: {} });
  useSessionStore.setState({ lastError: null, storageNotice: null, undo: null });
  loadConfig(CONFIG);
  const c = new FakeClient();
  disconnect = connect(c);
  await startPersistence(
    (m) => errors.push(m),
    (m) => notices.push(m),
  );
  return c;
}

/** The worker trains steps a..b of run `id`: progress and metrics, a checkpoint every 25 units. */
function train(c: FakeClient, id: string, a: number, b: number): void {
  c.emit({ type: 'state', runId: id, state: 'running' });
  for (let s = a; s <= b; s++) {
    c.emit({
      type: 'progress',
      runId: id,
      progress: { step: s, totalSteps: 40, phase: 'rl', stepsPerSec: 1, etaSec: 1 },
    });
    if (s % 10 === 0) {
      c.emit({ type: 'eval', runId: id, record: { step: s, accuracies: { 'probe/selection': s / 100 } } });
      c.emit({
        type: 'selection',
        runId: id,
        records: [{ pairId: 'p1', step: s, chosen: 'A', target: 'A', pA: 0.7, pB: 0.3, delta: 0.8, atClip: false }],
      });
    }
    c.emit({
      type: 'rollouts',
      runId: id,
      step: s,
      groups: [{ prompt: `p${s}`, answer: '1', tag: 'mixed', completions: [] }],
    });
    c.emit({ type: 'metrics', runId: id, rows: rows(s, s) });
    if (s % 25 === 0) c.emit({ type: 'checkpoint', runId: id, step: s, buffer: runCheckpoint(s) });
  }
}

const run = (id: string) => useRunsStore.getState().runs[id];
const lastPosted = (c: FakeClient) => c.posted[c.posted.length - 1];

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  errors = [];
  notices = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runs survive a reload', () => {
  it('restores step, curves, evaluations, selection, rollouts and checkpoint; Resume reopens from the checkpoint', async () => {
    let c = await openPage();
    const id = startRun()!;
    expect(c.posted[0]).toMatchObject({ type: 'start', runId: id });
    train(c, id, 1, 33);
    await flushPersistence();

    // The tab goes away mid-run (no pause, no last checkpoint) and the page opens again.
    c = await openPage();
    const r = run(id);
    expect(r.state).toBe('paused');
    expect(r.progress?.step).toBe(33); // not "step 1"
    expect(r.detached).toBe(true);
    expect(r.checkpointStep).toBe(25);
    expect(r.evals.map((e) => e.step)).toEqual([10, 20, 30]);
    expect(r.selection.p1.map((s) => s.step)).toEqual([10, 20, 30]);
    expect(r.rolloutSteps).toEqual([33]);
    expect(useMetricsStore.getState().byRun[id].rows).toHaveLength(33);
    expect(r.notice).toBe(
      'Training stopped at step 33 when the page closed. Resume continues from the checkpoint at step 25 and trains the 8 steps after it again.',
    );
    expect(useRunsStore.getState().activeId).toBe(id);

    startRun(); // the form holds the run's settings: Resume
    await vi.waitFor(() => expect(c.posted).toHaveLength(1));
    const msg = c.posted[0] as Extract<ToWorker, { type: 'start' }>;
    expect(msg).toMatchObject({ type: 'start', runId: id });
    expect([...new Uint8Array(msg.checkpoint!)]).toEqual([...new Uint8Array(runCheckpoint(25))]);
    expect(run(id).notice).toBe(
      'Resumed from the checkpoint at step 25: the 8 steps after it were trained again (a run is deterministic, so they come out the same).',
    );
    expect(run(id).detached).toBe(false);
    // The replayed steps replace the stored ones, in the page and in storage.
    train(c, id, 26, 40);
    c.emit({ type: 'state', runId: id, state: 'done' });
    await flushPersistence();
    await openPage();
    expect(run(id).state).toBe('done');
    expect(run(id).progress?.step).toBe(40);
    expect(useMetricsStore.getState().byRun[id].rows.map((x) => x.step)).toEqual(
      [...Array(40).keys()].map((i) => i + 1),
    );
    expect(errors).toEqual([]);
  });

  it('Step on a restored run loads its checkpoint and runs one step', async () => {
    let c = await openPage();
    const id = startRun()!;
    train(c, id, 1, 27);
    await flushPersistence();
    c = await openPage();
    stepRun();
    await vi.waitFor(() => expect(c.posted).toHaveLength(2));
    expect(c.posted.map((m) => m.type)).toEqual(['load', 'step']);
  });

  it('a run without a checkpoint yet trains again from the start and says so', async () => {
    let c = await openPage();
    const id = startRun()!;
    train(c, id, 1, 7);
    await flushPersistence();
    c = await openPage();
    expect(run(id).notice).toMatch(/No checkpoint was stored yet: Resume trains it again from the start/);
    startRun();
    await vi.waitFor(() => expect(c.posted).toHaveLength(1));
    expect(c.posted[0]).toMatchObject({ type: 'start', runId: id, checkpoint: undefined });
    expect(run(id).notice).toBe('No usable checkpoint: the run trains again from the start (7 steps replayed).');
  });
});

describe('the lifecycle of runs', () => {
  it('changing the settings of a paused run forks a new run and keeps the old one; settings unlock', async () => {
    const c = await openPage();
    const a = startRun()!;
    train(c, a, 1, 5);
    c.emit({ type: 'state', runId: a, state: 'paused' });
    setField('lambda', 0.125);
    const b = startRun()!;
    expect(b).not.toBe(a);
    expect(lastPosted(c)).toMatchObject({ type: 'start', runId: b, config: { lambda: 0.125 } });
    expect(run(b).parentId).toBe(a);
    expect(run(b).notice).toMatch(/A new run with changed settings \(lambda\); “#1 .*” stays paused/);
    expect(run(a).state).toBe('paused');
    expect(run(a).detached).toBe(true); // the worker now holds b
    // Back on a with its own settings: Resume reopens it from its checkpoint.
    setActiveRun(a);
    loadConfig(run(a).config);
    c.emit({ type: 'checkpoint', runId: a, step: 5, buffer: runCheckpoint(5) });
    startRun();
    await vi.waitFor(() => expect(lastPosted(c)).toMatchObject({ type: 'start', runId: a }));
    expect(run(b).detached).toBe(true);
  });

  it('Reset sets the active run aside (paused, kept) instead of deleting it', async () => {
    const c = await openPage();
    const a = startRun()!;
    train(c, a, 1, 3);
    resetRun();
    expect(lastPosted(c)).toEqual({ type: 'pause', runId: a });
    expect(useRunsStore.getState().activeId).toBeNull();
    expect(run(a)).toBeDefined();
    expect(useMetricsStore.getState().byRun[a].rows).toHaveLength(3);
  });

  it('Delete can be undone; after the undo window the run is gone from storage too', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let c = await openPage();
    const a = startRun()!;
    train(c, a, 1, 26);
    c.emit({ type: 'state', runId: a, state: 'paused' });
    deleteRun(a);
    expect(run(a)).toBeUndefined();
    expect(useSessionStore.getState().undo).toEqual({ runId: a, name: expect.stringMatching(/^#1 /) });
    undoDelete();
    expect(run(a).state).toBe('paused');
    expect(useMetricsStore.getState().byRun[a].rows).toHaveLength(26);
    await flushPersistence();
    c = await openPage();
    expect(run(a)).toBeDefined(); // the undo reached storage

    deleteRun(a);
    vi.advanceTimersByTime(UNDO_MS + 1);
    expect(useSessionStore.getState().undo).toBeNull();
    // Messages that still arrive for it never bring it back.
    c.emit({ type: 'metrics', runId: a, rows: rows(27, 27) });
    await flushPersistence();
    await openPage();
    expect(run(a)).toBeUndefined();
    expect(useRunsStore.getState().order).toEqual([]);
  });

  it('a deleted run whose page closes before the undo window ends is gone at the next start', async () => {
    const c = await openPage();
    const a = startRun()!;
    train(c, a, 1, 2);
    deleteRun(a);
    await flushPersistence();
    await openPage();
    expect(run(a)).toBeUndefined();
  });
});

describe('imports', () => {
  it("a file with a live run's id becomes a new run; the live run is untouched and both are stored", async () => {
    const c = await openPage();
    const live = startRun()!;
    train(c, live, 1, 26);
    const file = decodeRunFile(
      encodeRunFile({
        summary: {
          id: live,
          name: 'colleague',
          config: CONFIG,
          createdAt: 5,
          state: 'running',
          step: 12,
          backend: 'wasm',
          totalSteps: 40,
        },
        metrics: rows(1, 12, 5),
        evals: [{ step: 10, accuracies: { x: 0.9 } }],
        selection: [],
        rollouts: null,
        checkpoint: { step: 12, buffer: runCheckpoint(12) },
      }),
      'colleague.crlrun',
    );
    const id = await importRun(file);
    expect(id).not.toBe(live);
    expect(run(id)).toMatchObject({
      name: 'colleague (imported)',
      state: 'paused',
      importedFrom: live,
      detached: true,
    });
    expect(run(id).checkpointStep).toBe(12);
    expect(run(live)).toMatchObject({ state: 'running', detached: false });
    expect(run(live).name).toMatch(/^#1 /);
    expect(useMetricsStore.getState().byRun[live].rows.at(-1)?.reward).toBeCloseTo(0.26);
    // The live run keeps training and saving.
    train(c, live, 27, 30);
    await flushPersistence();
    const c3 = await openPage();
    expect(run(live).progress?.step).toBe(30);
    expect(run(live).checkpointStep).toBe(25);
    expect(run(id).progress?.step).toBe(12);
    expect(useMetricsStore.getState().byRun[id].rows.at(-1)?.reward).toBeCloseTo(5.12);
    // And it resumes from its own checkpoint.
    setActiveRun(id);
    startRun();
    await vi.waitFor(() => expect(c3.posted).toHaveLength(1));
    const msg = c3.posted[0] as Extract<ToWorker, { type: 'start' }>;
    expect(msg.runId).toBe(id);
    expect([...new Uint8Array(msg.checkpoint!)]).toEqual([...new Uint8Array(runCheckpoint(12))]);
  });
});

describe('storage faults on the page', () => {
  it('a full quota is reported once in words; storage keeps a consistent run and catches up once there is room', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const c = await openPage();
    const a = startRun()!;
    train(c, a, 1, 10);
    await flushPersistence();
    const q = fillQuotaAt(2_000);
    try {
      train(c, a, 11, 30);
      await flushPersistence();
    } finally {
      q.restore();
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Saving runs failed: Storage is full: could not /);
    expect(run(a).progress?.step).toBe(30);
    const stored = async () => {
      const db = await RunStore.open();
      const d = (await db.getRunData(a))!;
      db.close();
      return d;
    };
    // Never a gap: the refused write stays ahead of later ones, so storage holds steps 1..10 only.
    let d = await stored();
    expect(d.metrics.map((x) => x.step)).toEqual([...Array(10).keys()].map((i) => i + 1));
    expect(d.record.step).toBe(10);
    // Space is freed: the retry writes everything that waited, in one transaction.
    vi.advanceTimersByTime(RETRY_MS);
    await flushPersistence();
    d = await stored();
    expect(d.metrics.map((x) => x.step)).toEqual([...Array(30).keys()].map((i) => i + 1));
    expect(d.record).toMatchObject({ step: 30, checkpointStep: 25 });
    expect(errors).toHaveLength(1);
  });
});
