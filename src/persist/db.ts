/**
 * IndexedDB persistence of runs (idb): each run's record (RunRecord), metric batches, evaluations,
 * selection records, the last step's rollouts and the latest checkpoint, so a reload, a crashed tab
 * or a browser restart restores them and Resume continues from the checkpoint.
 *
 * Every write is one transaction that also reads or updates the run's record, so a crash or a full
 * quota in the middle leaves the previous consistent state (a failed transaction is aborted, never
 * half-committed), and a write for a run that has no record (deleted meanwhile) does nothing. The
 * record's `step` is derived from what is stored (the last metric row, the checkpoint), never from
 * a progress message that may be ahead of it. check() runs at startup: it repairs records that
 * disagree with their data (metrics past the recorded step, a checkpoint newer than the record,
 * rows past the run's end, orphans of deleted runs) and says what it did.
 * Writes that hit the storage quota reject with a PersistError whose message says so.
 * In Node tests: `import 'fake-indexeddb/auto'`.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { EvalRecord, MetricRow, RolloutGroup, SelectionRecord } from '../runtime/types.ts';
import { decodeRunFile, encodeRunFile, type RunFile, type RunRecord } from './runFile.ts';
import { mergeBatches, normalizeRun } from './repair.ts';

interface LabSchema extends DBSchema {
  runs: { key: string; value: RunRecord };
  metrics: {
    key: [string, number];
    value: { runId: string; seq: number; rows: MetricRow[] };
    indexes: { byRun: string };
  };
  evals: {
    key: [string, number];
    value: { runId: string; step: number; record: EvalRecord };
    indexes: { byRun: string };
  };
  /** Selection records of one step (one record per probe pair). */
  selection: {
    key: [string, number];
    value: { runId: string; step: number; records: SelectionRecord[] };
    indexes: { byRun: string };
  };
  /** The latest step's rollout groups of each run. */
  rollouts: { key: string; value: { runId: string; step: number; groups: RolloutGroup[] } };
  checkpoints: { key: string; value: { runId: string; step: number; buffer: ArrayBuffer; savedAt: number } };
}

type Store = StoreNames<LabSchema>;
const ALL: Store[] = ['runs', 'metrics', 'evals', 'selection', 'rollouts', 'checkpoints'];
const BY_RUN = ['metrics', 'evals', 'selection'] as const;

export class PersistError extends Error {
  constructor(
    message: string,
    readonly quota: boolean,
  ) {
    super(message);
    this.name = 'PersistError';
  }
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name ?? '';
  return (
    name === 'QuotaExceededError' ||
    name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    /quota/i.test(String((e as Error)?.message ?? ''))
  );
}

/** Turns an IndexedDB failure into a PersistError with a message a person can act on. */
export function toPersistError(e: unknown, what: string): PersistError {
  if (e instanceof PersistError) return e;
  if (isQuotaError(e))
    return new PersistError(
      `Storage is full: could not ${what}. Nothing stored before was changed; delete or export old runs to free space.`,
      true,
    );
  return new PersistError(`Could not ${what}: ${(e as Error)?.message ?? String(e)}`, false);
}

export const DB_NAME = 'contextrl-lab';
export const DB_VERSION = 2;

/** What the startup check found for one run. */
export interface CheckedRun {
  record: RunRecord;
  /** The run was training when the page went away (its record said running or warming). */
  interrupted: boolean;
  /** Repairs made and problems flagged, in words. */
  notes: string[];
}

/** Everything stored for one run. */
export interface StoredRunData {
  record: RunRecord;
  metrics: MetricRow[];
  evals: EvalRecord[];
  selection: SelectionRecord[];
  rollouts: { step: number; groups: RolloutGroup[] } | null;
}

/**
 * What the page has for one run since its last write, stored in one transaction: the record's
 * step, checkpoint and state follow from it. `create` is stored as the record when there is none
 * (a run the page knows that storage lacks); without it, a run without a record is left alone.
 */
export interface RunWrite {
  rows?: MetricRow[];
  totalSteps?: number;
  evals?: EvalRecord[];
  selection?: SelectionRecord[];
  rollouts?: { step: number; groups: RolloutGroup[] };
  checkpoint?: { step: number; buffer: ArrayBuffer };
  state?: RunRecord['state'];
  backend?: RunRecord['backend'];
  create?: RunRecord;
}

/** Metric batches are keyed by their first step, so the steps a resumed run replays are one key range. */
const batchKey = (runId: string, rows: MetricRow[]): [string, number] => [runId, rows[0].step];

type Tx<S extends Store[]> = IDBPTransaction<LabSchema, S, 'readwrite'>;

export class RunStore {
  private constructor(private readonly db: IDBPDatabase<LabSchema>) {}

  static async open(name = DB_NAME): Promise<RunStore> {
    try {
      const db = await openDB<LabSchema>(name, DB_VERSION, {
        upgrade(db, oldVersion) {
          if (oldVersion < 1) {
            db.createObjectStore('runs', { keyPath: 'id' });
            db.createObjectStore('metrics', { keyPath: ['runId', 'seq'] }).createIndex('byRun', 'runId');
            db.createObjectStore('evals', { keyPath: ['runId', 'step'] }).createIndex('byRun', 'runId');
            db.createObjectStore('checkpoints', { keyPath: 'runId' });
          }
          if (oldVersion < 2) {
            db.createObjectStore('selection', { keyPath: ['runId', 'step'] }).createIndex('byRun', 'runId');
            db.createObjectStore('rollouts', { keyPath: 'runId' });
          }
        },
      });
      return new RunStore(db);
    } catch (e) {
      throw toPersistError(e, 'open the run database');
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * One readwrite transaction: `body` runs inside it (it must only await requests of `tx`), and any
   * failure aborts the whole transaction, so none of its writes land.
   */
  private write<S extends Store[], T>(what: string, stores: S, body: (tx: Tx<S>) => Promise<T>): Promise<T> {
    let tx: Tx<S>;
    try {
      tx = this.db.transaction(stores, 'readwrite');
    } catch (e) {
      return Promise.reject(toPersistError(e, what));
    }
    const done = tx.done;
    return (async () => {
      try {
        const out = await body(tx);
        await done;
        return out;
      } catch (e) {
        try {
          tx.abort();
        } catch {
          /* already finished or aborted */
        }
        await done.catch(() => undefined);
        throw toPersistError(e, what);
      }
    })();
  }

  /** Stores a new run's record (or replaces it). */
  saveRun(record: RunRecord): Promise<void> {
    return this.write(`save run "${record.name}"`, ['runs'], async (tx) => {
      await tx.objectStore('runs').put(record);
    });
  }

  /** Changes fields of a run's record; false when the run has no record. */
  updateRun(id: string, patch: Partial<RunRecord>): Promise<boolean> {
    return this.write('save the run', ['runs'], async (tx) => {
      const runs = tx.objectStore('runs');
      const r = await runs.get(id);
      if (!r) return false;
      const next: RunRecord = { ...r, ...patch };
      for (const k of Object.keys(patch) as (keyof RunRecord)[]) if (patch[k] === undefined) delete next[k];
      await runs.put(next);
      return true;
    });
  }

  /**
   * A run's state as the page knows it: the stored record's state and backend change (its step and
   * checkpoint stay as the data says); a run the page knows but storage lacks gets `record`.
   */
  saveState(record: RunRecord): Promise<void> {
    return this.write('save the run', ['runs'], async (tx) => {
      const runs = tx.objectStore('runs');
      const r = await runs.get(record.id);
      if (!r) await runs.put(record);
      else
        await runs.put({
          ...r,
          state: record.state,
          backend: record.backend,
          totalSteps: record.totalSteps ?? r.totalSteps,
        });
    });
  }

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.db.get('runs', id);
  }

  /** All runs, newest first (deleted ones awaiting purge included). */
  async listRuns(): Promise<RunRecord[]> {
    return (await this.db.getAll('runs')).sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Everything new for one run in one transaction: one read (the record), then the writes, so a
   * busy page needs two round trips per write whatever it holds. Metric rows at or after stored
   * ones (a run resumed from its checkpoint replays the steps after it) replace them: the batches
   * from the first new step on are deleted as one key range, and a batch that straddles it is cut
   * when read (mergeBatches). False when the run has no record and `create` is absent.
   */
  writeRun(runId: string, w: RunWrite): Promise<boolean> {
    const what = w.checkpoint
      ? `save the checkpoint of step ${w.checkpoint.step}`
      : w.rows?.length
        ? 'save metrics'
        : 'save the run';
    return this.write(what, ALL, async (tx) => {
      const runs = tx.objectStore('runs');
      const found = await runs.get(runId);
      const run = found ?? w.create;
      if (!run) return false;
      const rec: RunRecord = { ...run };
      const requests: Promise<unknown>[] = [];
      // Each request is awaited below; the no-op catch keeps a sibling aborted with it from going unhandled.
      const req = (p: Promise<unknown>) => {
        p.catch(() => undefined);
        requests.push(p);
      };
      if (w.totalSteps !== undefined) rec.totalSteps = w.totalSteps;
      if (w.state) rec.state = w.state;
      if (w.backend) rec.backend = w.backend;
      const rows = w.rows ?? [];
      if (rows.length) {
        const metrics = tx.objectStore('metrics');
        req(metrics.delete(IDBKeyRange.bound([runId, rows[0].step], [runId, Infinity])));
        req(metrics.put({ runId, seq: batchKey(runId, rows)[1], rows }));
        const offset = rec.totalSteps !== undefined ? rec.totalSteps - rec.config.steps : 0;
        const unit = rows[rows.length - 1].step + offset;
        rec.step = rec.totalSteps !== undefined ? unit : Math.max(rec.step, unit);
      }
      for (const e of w.evals ?? []) req(tx.objectStore('evals').put({ runId, step: e.step, record: e }));
      const bySteps = new Map<number, SelectionRecord[]>();
      for (const r of w.selection ?? [])
        bySteps.set(r.step, [...(bySteps.get(r.step) ?? []).filter((x) => x.pairId !== r.pairId), r]);
      for (const [step, records] of bySteps) req(tx.objectStore('selection').put({ runId, step, records }));
      if (w.rollouts) req(tx.objectStore('rollouts').put({ runId, ...w.rollouts }));
      if (w.checkpoint) {
        const { step, buffer } = w.checkpoint;
        req(tx.objectStore('checkpoints').put({ runId, step, buffer, savedAt: Date.now() }));
        rec.checkpointStep = step;
        rec.step = Math.max(rec.step, step);
        delete rec.checkpointDamaged;
      }
      req(runs.put(rec));
      await Promise.all(requests);
      return true;
    });
  }

  /** One batch of metric rows (see writeRun). */
  appendMetrics(runId: string, rows: MetricRow[], totalSteps?: number): Promise<boolean> {
    if (rows.length === 0) return Promise.resolve(true);
    return this.writeRun(runId, { rows, totalSteps });
  }

  /** The run's rows in step order (batches merged as a replay left them: see mergeBatches). */
  async getMetrics(runId: string): Promise<MetricRow[]> {
    const batches = await this.db.getAllFromIndex('metrics', 'byRun', runId);
    return mergeBatches(batches.sort((a, b) => a.seq - b.seq).map((b) => b.rows)).rows;
  }

  saveEval(runId: string, record: EvalRecord): Promise<boolean> {
    return this.writeRun(runId, { evals: [record] });
  }

  async getEvals(runId: string): Promise<EvalRecord[]> {
    return (await this.db.getAllFromIndex('evals', 'byRun', runId))
      .sort((a, b) => a.step - b.step)
      .map((e) => e.record);
  }

  /** Selection records of whole steps (a step's records replace the stored ones of that step). */
  saveSelection(runId: string, records: SelectionRecord[]): Promise<boolean> {
    return this.writeRun(runId, { selection: records });
  }

  async getSelection(runId: string): Promise<SelectionRecord[]> {
    return (await this.db.getAllFromIndex('selection', 'byRun', runId))
      .sort((a, b) => a.step - b.step)
      .flatMap((s) => s.records);
  }

  /** Keeps only the latest step's rollout groups of a run. */
  saveRollouts(runId: string, step: number, groups: RolloutGroup[]): Promise<boolean> {
    return this.writeRun(runId, { rollouts: { step, groups } });
  }

  async getRollouts(runId: string): Promise<{ step: number; groups: RolloutGroup[] } | null> {
    const r = await this.db.get('rollouts', runId);
    return r ? { step: r.step, groups: r.groups } : null;
  }

  /** Keeps only the latest checkpoint of a run; the record notes its step. */
  saveCheckpoint(runId: string, step: number, buffer: ArrayBuffer): Promise<boolean> {
    return this.writeRun(runId, { checkpoint: { step, buffer } });
  }

  async getCheckpoint(runId: string): Promise<{ step: number; buffer: ArrayBuffer } | undefined> {
    const c = await this.db.get('checkpoints', runId);
    return c ? { step: c.step, buffer: c.buffer } : undefined;
  }

  async getRunData(runId: string): Promise<StoredRunData | undefined> {
    const record = await this.getRun(runId);
    if (!record) return undefined;
    const [metrics, evals, selection, rollouts] = await Promise.all([
      this.getMetrics(runId),
      this.getEvals(runId),
      this.getSelection(runId),
      this.getRollouts(runId),
    ]);
    return { record, metrics, evals, selection, rollouts };
  }

  /** Removes a run and everything stored for it, in one transaction. */
  deleteRun(runId: string): Promise<void> {
    return this.write('delete the run', ALL, (tx) => deleteIn(tx, runId));
  }

  /**
   * The startup check: purges runs whose deletion was not undone and records left by deleted runs,
   * then repairs each run whose record disagrees with its data (see normalizeRun), one transaction
   * per run. Returns the runs (newest first) with what was done to each, and the ids of the
   * orphaned records removed.
   */
  async check(): Promise<{ runs: CheckedRun[]; orphans: string[] }> {
    const records = await this.listRuns();
    const ids = new Set(records.map((r) => r.id));
    for (const r of records) if (r.deletedAt !== undefined) await this.deleteRun(r.id);
    // Orphans: data whose run record is gone.
    const orphans = new Set<string>();
    for (const s of ['metrics', 'evals', 'selection'] as const)
      for (const k of await this.db.getAllKeys(s)) if (!ids.has(k[0])) orphans.add(k[0]);
    for (const s of ['rollouts', 'checkpoints'] as const)
      for (const k of await this.db.getAllKeys(s)) if (!ids.has(k)) orphans.add(k);
    for (const id of orphans) await this.deleteRun(id);

    const out: CheckedRun[] = [];
    for (const record of records) {
      if (record.deletedAt !== undefined) continue;
      const [batches, evals, ck] = await Promise.all([
        this.db.getAllFromIndex('metrics', 'byRun', record.id),
        this.getEvals(record.id),
        this.db.get('checkpoints', record.id),
      ]);
      batches.sort((a, b) => a.seq - b.seq);
      const fixed = normalizeRun(
        record,
        batches.map((b) => b.rows),
        evals,
        ck ? { step: ck.step, buffer: ck.buffer } : undefined,
      );
      // Batches of the first version were keyed 0, 1, 2...: key them by their first step.
      if (batches.some((b) => b.rows.length && b.seq !== b.rows[0].step)) {
        fixed.rowsChanged = true;
        fixed.changed = true;
      }
      if (fixed.changed)
        await this.write('repair the run record', ['runs', 'metrics', 'evals'], async (tx) => {
          await tx.objectStore('runs').put(fixed.record);
          if (fixed.rowsChanged) {
            const metrics = tx.objectStore('metrics');
            for (const b of batches) await metrics.delete([record.id, b.seq]);
            if (fixed.metrics.length)
              await metrics.put({ runId: record.id, seq: fixed.metrics[0].step, rows: fixed.metrics });
          }
          for (const step of fixed.droppedEvals) await tx.objectStore('evals').delete([record.id, step]);
        });
      out.push({ record: fixed.record, interrupted: fixed.interrupted, notes: fixed.notes });
    }
    return { runs: out, orphans: [...orphans] };
  }

  /** The whole run as one file (see runFile.ts). */
  async exportRun(runId: string): Promise<ArrayBuffer> {
    const data = await this.getRunData(runId);
    if (!data) throw new PersistError(`no run with id "${runId}"`, false);
    return encodeRunFile({ ...data, summary: data.record, checkpoint: await this.getCheckpoint(runId) });
  }

  /**
   * Stores a decoded run file as the run `record` (its id and name chosen by the caller: an
   * imported run never takes an existing run's identity) in one transaction: the run appears
   * whole or not at all. Refuses an id that is already stored.
   */
  importRunFile(file: RunFile, record: RunRecord): Promise<RunRecord> {
    return this.write(`import run "${record.name}"`, ALL, async (tx) => {
      if (await tx.objectStore('runs').getKey(record.id))
        throw new PersistError(`a run with id "${record.id}" is already stored`, false);
      const stored: RunRecord = { ...record, checkpointStep: file.checkpoint?.step };
      if (stored.checkpointStep === undefined) delete stored.checkpointStep;
      await tx.objectStore('runs').put(stored);
      const batch = 2000;
      const metrics = tx.objectStore('metrics');
      for (let i = 0; i < file.metrics.length; i += batch) {
        const rows = file.metrics.slice(i, i + batch);
        await metrics.put({ runId: record.id, seq: rows[0].step, rows });
      }
      for (const e of file.evals) await tx.objectStore('evals').put({ runId: record.id, step: e.step, record: e });
      const bySteps = new Map<number, SelectionRecord[]>();
      for (const r of file.selection) bySteps.set(r.step, [...(bySteps.get(r.step) ?? []), r]);
      for (const [step, records] of bySteps) await tx.objectStore('selection').put({ runId: record.id, step, records });
      if (file.rollouts) await tx.objectStore('rollouts').put({ runId: record.id, ...file.rollouts });
      if (file.checkpoint)
        await tx.objectStore('checkpoints').put({
          runId: record.id,
          step: file.checkpoint.step,
          buffer: file.checkpoint.buffer,
          savedAt: Date.now(),
        });
      return stored;
    });
  }

  /** Decodes a run file and stores it under a fresh id (the file's id plus a suffix when taken). */
  async importRun(buffer: ArrayBuffer, source = 'run file'): Promise<RunRecord> {
    const file = decodeRunFile(buffer, source);
    let id = file.summary.id;
    for (let k = 2; await this.getRun(id); k++) id = `${file.summary.id}-${k}`;
    const state = file.summary.state === 'running' || file.summary.state === 'warming' ? 'paused' : file.summary.state;
    return this.importRunFile(file, { ...file.summary, id, state, importedFrom: file.summary.id });
  }

  /** Bytes used and available, where the browser says (navigator.storage.estimate). */
  static async estimate(): Promise<{ usage?: number; quota?: number }> {
    const storage = (
      globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } }
    ).navigator?.storage;
    return storage?.estimate ? storage.estimate() : {};
  }
}

async function deleteIn(tx: Tx<Store[]>, runId: string): Promise<void> {
  await tx.objectStore('runs').delete(runId);
  await tx.objectStore('checkpoints').delete(runId);
  await tx.objectStore('rollouts').delete(runId);
  for (const s of BY_RUN) {
    let c = await tx.objectStore(s).index('byRun').openCursor(IDBKeyRange.only(runId));
    while (c) {
      await c.delete();
      c = await c.continue();
    }
  }
}
