import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistError, RunStore, toPersistError } from '../../src/persist/db.ts';
import { decodeRunFile } from '../../src/persist/runFile.ts';
import { failWritesAfter, fillQuotaAt, record, rows, runCheckpoint } from './helpers.ts';

let n = 0;
const stores: RunStore[] = [];
const names: string[] = [];
async function fresh(name = `db-test-${n++}`): Promise<RunStore> {
  const s = await RunStore.open(name);
  stores.push(s);
  names.push(name);
  return s;
}
afterEach(() => stores.splice(0).forEach((s) => s.close()));

/** Everything stored for a run, as plain data to compare before and after a fault. */
async function snapshot(s: RunStore, id: string) {
  const ck = await s.getCheckpoint(id);
  return {
    data: await s.getRunData(id),
    checkpoint: ck ? { step: ck.step, bytes: [...new Uint8Array(ck.buffer)] } : undefined,
  };
}

describe('RunStore', () => {
  it('round-trips a run: record, metrics, evaluations, selection, rollouts and the latest checkpoint', async () => {
    const s = await fresh();
    await s.saveRun(record('a', { createdAt: 1 }));
    await s.saveRun(record('b', { createdAt: 2 }));
    await s.appendMetrics('a', rows(1, 2), 40);
    await s.appendMetrics('a', rows(3, 3), 40);
    await s.saveEval('a', { step: 2, accuracies: { 'trace/in-distribution': 0.5 } });
    const sel = {
      pairId: 'p1',
      step: 2,
      chosen: 'A',
      target: 'A',
      pA: 0.6,
      pB: 0.4,
      delta: 0.4,
      atClip: false,
    } as const;
    await s.saveSelection('a', [sel, { ...sel, pairId: 'p2', chosen: 'B' }]);
    await s.saveRollouts('a', 3, [{ prompt: 'p', answer: '7', tag: 'mixed', completions: [] }]);
    await s.saveCheckpoint('a', 1, runCheckpoint(1));
    await s.saveCheckpoint('a', 3, runCheckpoint(3));
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['b', 'a']);
    const d = (await s.getRunData('a'))!;
    expect(d.metrics.map((r) => r.step)).toEqual([1, 2, 3]);
    expect(d.record.step).toBe(3);
    expect(d.record.checkpointStep).toBe(3);
    expect(d.evals).toEqual([{ step: 2, accuracies: { 'trace/in-distribution': 0.5 } }]);
    expect(d.selection.map((r) => r.pairId)).toEqual(['p1', 'p2']);
    expect(d.rollouts?.step).toBe(3);
    expect((await s.getCheckpoint('a'))?.step).toBe(3);
  });

  it("a replay after a resume replaces the stored rows from its first step on, and the record's step follows", async () => {
    const s = await fresh();
    await s.saveRun(record('a'));
    await s.appendMetrics('a', rows(1, 20), 40);
    await s.appendMetrics('a', rows(21, 33), 40);
    expect((await s.getRun('a'))?.step).toBe(33);
    // Resumed from the checkpoint at 25: the steps after it come again.
    await s.appendMetrics('a', rows(26, 27, 1), 40);
    const m = await s.getMetrics('a');
    expect(m.map((r) => r.step)).toEqual([...Array(27).keys()].map((i) => i + 1));
    expect(m.at(-1)?.reward).toBeCloseTo(1.27);
    expect(m[24].reward).toBeCloseTo(0.25);
    expect((await s.getRun('a'))?.step).toBe(27);
  });

  it('counts units: rows of a run with warm-start steps (at or below 0) map to the record step', async () => {
    const s = await fresh();
    await s.saveRun(record('w', { totalSteps: 50 }));
    await s.appendMetrics('w', rows(-9, 2), 50); // 10 warm-start units, then RL steps 1..2
    expect((await s.getRun('w'))?.step).toBe(12);
  });

  it('writes for a run without a record (deleted meanwhile) do nothing', async () => {
    const s = await fresh();
    expect(await s.appendMetrics('ghost', rows(1, 2), 40)).toBe(false);
    expect(await s.saveCheckpoint('ghost', 1, runCheckpoint(1))).toBe(false);
    expect(await s.saveEval('ghost', { step: 1, accuracies: {} })).toBe(false);
    expect(await s.getMetrics('ghost')).toEqual([]);
    expect(await s.getCheckpoint('ghost')).toBeUndefined();
  });

  it('exports a run as one file and imports it back under a fresh id', async () => {
    const s = await fresh();
    await s.saveRun(record('a', { state: 'paused' }));
    await s.appendMetrics('a', rows(1, 1), 40);
    await s.saveEval('a', { step: 1, accuracies: { 'probe/selection': 0.75 } });
    await s.saveCheckpoint('a', 1, runCheckpoint(1));
    const file = await s.exportRun('a');
    const imported = await s.importRun(file);
    expect(imported.id).toBe('a-2');
    expect(imported.importedFrom).toBe('a');
    expect(await s.getMetrics('a-2')).toEqual(await s.getMetrics('a'));
    expect(await s.getEvals('a-2')).toEqual(await s.getEvals('a'));
    expect([...new Uint8Array((await s.getCheckpoint('a-2'))!.buffer)]).toEqual([
      ...new Uint8Array((await s.getCheckpoint('a'))!.buffer),
    ]);
  });

  it('deletes a run with all it stored, in one transaction', async () => {
    const s = await fresh();
    await s.saveRun(record('a'));
    await s.appendMetrics('a', rows(1, 1), 40);
    await s.saveSelection('a', [
      { pairId: 'p', step: 1, chosen: 'A', target: 'A', pA: 1, pB: 0, delta: 1, atClip: false },
    ]);
    await s.saveRollouts('a', 1, []);
    await s.saveCheckpoint('a', 1, runCheckpoint(1));
    await s.deleteRun('a');
    expect(await s.getRun('a')).toBeUndefined();
    expect(await s.getMetrics('a')).toEqual([]);
    expect(await s.getSelection('a')).toEqual([]);
    expect(await s.getRollouts('a')).toBeNull();
    expect(await s.getCheckpoint('a')).toBeUndefined();
  });

  it('rejects damaged run files with a message', async () => {
    const s = await fresh();
    await expect(s.importRun(new TextEncoder().encode('hello world!!').buffer, 'x.crlrun')).rejects.toThrow(
      /x\.crlrun: \(file\): this is a text file of another kind, not a run file/,
    );
    await s.saveRun(record('a'));
    await s.saveCheckpoint('a', 1, runCheckpoint(1));
    const file = await s.exportRun('a');
    expect(() => decodeRunFile(file.slice(0, file.byteLength - 4))).toThrow(/truncated/);
  });
});

describe('storage faults never corrupt a run', () => {
  it('a write that fails halfway through its transaction leaves the previous state (checkpoint)', async () => {
    const s = await fresh();
    await s.saveRun(record('a'));
    await s.appendMetrics('a', rows(1, 25), 40);
    await s.saveCheckpoint('a', 25, runCheckpoint(25));
    const before = await snapshot(s, 'a');
    // The checkpoint's put goes through, the record's put fails: the transaction must not land.
    const undo = failWritesAfter(1);
    try {
      await expect(s.saveCheckpoint('a', 30, runCheckpoint(30))).rejects.toThrow(PersistError);
    } finally {
      undo();
    }
    expect(await snapshot(s, 'a')).toEqual(before);
    expect((await s.getCheckpoint('a'))?.step).toBe(25);
  });

  it('a metrics batch that fails halfway (a replay rewriting old batches) changes nothing', async () => {
    const s = await fresh();
    await s.saveRun(record('a'));
    await s.appendMetrics('a', rows(1, 10), 40);
    await s.appendMetrics('a', rows(11, 20), 40);
    const before = await snapshot(s, 'a');
    const undo = failWritesAfter(1, () => new DOMException('disk I/O error', 'UnknownError'));
    try {
      await expect(s.appendMetrics('a', rows(5, 12, 1), 40)).rejects.toThrow(/Could not save metrics: disk I\/O/);
    } finally {
      undo();
    }
    expect(await snapshot(s, 'a')).toEqual(before);
  });

  it('an import that fails halfway leaves no trace of the run', async () => {
    const s = await fresh();
    await s.saveRun(record('a', { state: 'paused' }));
    await s.appendMetrics('a', rows(1, 30), 40);
    await s.saveEval('a', { step: 10, accuracies: { x: 0.5 } });
    await s.saveCheckpoint('a', 25, runCheckpoint(25));
    const file = await s.exportRun('a');
    const other = await fresh();
    const undo = failWritesAfter(3);
    try {
      await expect(other.importRun(file)).rejects.toThrow(/Storage is full: could not import run/);
    } finally {
      undo();
    }
    expect(await other.listRuns()).toEqual([]);
    expect(await other.getMetrics('a')).toEqual([]);
    expect(await other.getCheckpoint('a')).toBeUndefined();
    expect((await other.importRun(file)).id).toBe('a'); // and it works once there is room
  });

  it('filling the quota while a run trains keeps every other run intact and this one consistent', async () => {
    const s = await fresh();
    await s.saveRun(record('old', { state: 'done', createdAt: 1 }));
    await s.appendMetrics('old', rows(1, 40), 40);
    await s.saveCheckpoint('old', 40, runCheckpoint(40));
    const oldBefore = await snapshot(s, 'old');
    await s.saveRun(record('live', { createdAt: 2 }));
    const q = fillQuotaAt(6_000);
    const errors: string[] = [];
    try {
      // The worker streams batches of 2 steps and a checkpoint every 10 steps until storage is full.
      for (let step = 1; step <= 40; step += 2) {
        await s.appendMetrics('live', rows(step, step + 1), 40).catch((e) => errors.push(e.message));
        if ((step + 1) % 10 === 0)
          await s.saveCheckpoint('live', step + 1, runCheckpoint(step + 1)).catch((e) => errors.push(e.message));
      }
    } finally {
      q.restore();
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^Storage is full: could not .*Nothing stored before was changed/);
    expect(await snapshot(s, 'old')).toEqual(oldBefore);
    // The live run's record agrees with what was stored: its step is the last stored row.
    const live = (await s.getRunData('live'))!;
    const last = live.metrics.at(-1)!.step;
    expect(live.record.step).toBe(last);
    expect(live.metrics.map((r) => r.step)).toEqual([...Array(last).keys()].map((i) => i + 1));
    const ck = await s.getCheckpoint('live');
    if (ck) expect(ck.step).toBe(live.record.checkpointStep);
    expect(live.record.checkpointStep ?? 0).toBeLessThanOrEqual(last);
    // And the startup check finds nothing to repair.
    const { runs } = await s.check();
    expect(runs.flatMap((r) => r.notes)).toEqual([]);
  });

  it('names a full quota as such', () => {
    expect(toPersistError(new DOMException('x', 'QuotaExceededError'), 'save').quota).toBe(true);
    expect(toPersistError(new Error('boom'), 'save').message).toBe('Could not save: boom');
  });
});

describe('the startup check', () => {
  it('repairs the record the previous version left: step 1 with metrics to 33 and a checkpoint at 25', async () => {
    // The database as version 1 of the lab wrote it: the summary's step was saved at the first
    // 'running' state and never again.
    const name = `db-v1-${n++}`;
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('runs', { keyPath: 'id' });
        db.createObjectStore('metrics', { keyPath: ['runId', 'seq'] }).createIndex('byRun', 'runId');
        db.createObjectStore('evals', { keyPath: ['runId', 'step'] }).createIndex('byRun', 'runId');
        db.createObjectStore('checkpoints', { keyPath: 'runId' });
      },
    });
    const { totalSteps: _t, ...old } = record('r1', { state: 'running', step: 1 });
    await v1.put('runs', old);
    await v1.put('metrics', { runId: 'r1', seq: 0, rows: rows(1, 20) });
    await v1.put('metrics', { runId: 'r1', seq: 1, rows: rows(21, 33) });
    await v1.put('evals', { runId: 'r1', step: 10, record: { step: 10, accuracies: { x: 0.5 } } });
    await v1.put('checkpoints', { runId: 'r1', step: 25, buffer: runCheckpoint(25), savedAt: 0 });
    await v1.put('metrics', { runId: 'gone', seq: 0, rows: rows(1, 2) }); // an orphan
    v1.close();

    const s = await fresh(name);
    const { runs, orphans } = await s.check();
    expect(orphans).toEqual(['gone']);
    expect(runs).toHaveLength(1);
    const c = runs[0];
    expect(c.interrupted).toBe(true);
    expect(c.record.state).toBe('paused');
    expect(c.record.step).toBe(33);
    expect(c.record.checkpointStep).toBe(25);
    expect(c.notes.join(' ')).toMatch(/the record said step 1, its metrics reach step 33/);
    // Written back: a second check has nothing to say, and the data is all there.
    expect((await s.check()).runs[0].notes).toEqual([]);
    expect((await s.getRun('r1'))?.step).toBe(33);
    expect((await s.getMetrics('r1')).length).toBe(33);
    expect(await s.getMetrics('gone')).toEqual([]);
  });

  it('flags a checkpoint newer than the record, rows past the end, and a damaged checkpoint', async () => {
    const s = await fresh();
    await s.saveRun(record('a', { state: 'paused' }));
    await s.appendMetrics('a', rows(1, 10), 40);
    await s.saveCheckpoint('a', 20, runCheckpoint(20));
    await s.updateRun('a', { step: 10 }); // the record falls behind its checkpoint
    await s.saveRun(record('b', { state: 'paused', createdAt: 2 }));
    await s.appendMetrics('b', rows(1, 45), 40); // five rows past a 40-step run
    await s.saveCheckpoint('b', 40, new TextEncoder().encode('not a checkpoint at all').buffer);
    const { runs } = await s.check();
    const a = runs.find((r) => r.record.id === 'a')!;
    const b = runs.find((r) => r.record.id === 'b')!;
    expect(a.record.step).toBe(20);
    expect(a.notes.join(' ')).toMatch(/checkpoint \(step 20\) is newer than the record \(step 10\)/);
    expect(b.notes.join(' ')).toMatch(/dropped 5 metric row\(s\) past the run's last step 40/);
    expect(b.notes.join(' ')).toMatch(/checkpoint at step 40 is damaged .*Resume trains again from the start/);
    expect(b.record.checkpointDamaged).toMatch(/not a run checkpoint/);
    expect((await s.getMetrics('b')).length).toBe(40);
    expect(a.interrupted).toBe(false);
  });

  it('a repair that fails halfway leaves the old records, and the next check repairs them', async () => {
    const s = await fresh();
    await s.saveRun(record('a', { step: 1 }));
    await s.appendMetrics('a', rows(1, 5), 40);
    await s.appendMetrics('a', rows(3, 8), 40);
    await s.updateRun('a', { step: 1 });
    const undo = failWritesAfter(0);
    try {
      await expect(s.check()).rejects.toThrow(/Storage is full: could not repair the run record/);
    } finally {
      undo();
    }
    expect((await s.getRun('a'))?.step).toBe(1);
    const { runs } = await s.check();
    expect(runs[0].record.step).toBe(8);
    expect((await s.getMetrics('a')).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('purges runs whose deletion was not undone', async () => {
    const s = await fresh();
    await s.saveRun(record('a', { deletedAt: 5 }));
    await s.appendMetrics('a', rows(1, 2), 40);
    const { runs } = await s.check();
    expect(runs).toEqual([]);
    expect(await s.getMetrics('a')).toEqual([]);
  });
});
