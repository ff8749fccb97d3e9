/**
 * IndexedDB persistence of runs (idb): summaries, metric batches, evaluations and the latest
 * checkpoint of each run, so a reload restores them. Writes that hit the storage quota reject with
 * a PersistError whose message says so (never swallowed). In Node tests: `import 'fake-indexeddb/auto'`.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { EvalRecord, MetricRow, RunSummary } from '../runtime/types.ts';
import { decodeRunFile, encodeRunFile } from './runFile.ts';

interface LabSchema extends DBSchema {
  runs: { key: string; value: RunSummary };
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
  checkpoints: { key: string; value: { runId: string; step: number; buffer: ArrayBuffer; savedAt: number } };
}

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
    return new PersistError(`Storage is full: could not ${what}. Delete or export old runs to free space.`, true);
  return new PersistError(`Could not ${what}: ${(e as Error)?.message ?? String(e)}`, false);
}

async function guard<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toPersistError(e, what);
  }
}

export const DB_NAME = 'contextrl-lab';

export class RunStore {
  private constructor(private readonly db: IDBPDatabase<LabSchema>) {}

  static async open(name = DB_NAME): Promise<RunStore> {
    const db = await guard('open the run database', () =>
      openDB<LabSchema>(name, 1, {
        upgrade(db) {
          db.createObjectStore('runs', { keyPath: 'id' });
          db.createObjectStore('metrics', { keyPath: ['runId', 'seq'] }).createIndex('byRun', 'runId');
          db.createObjectStore('evals', { keyPath: ['runId', 'step'] }).createIndex('byRun', 'runId');
          db.createObjectStore('checkpoints', { keyPath: 'runId' });
        },
      }),
    );
    return new RunStore(db);
  }

  close(): void {
    this.db.close();
  }

  saveRun(summary: RunSummary): Promise<void> {
    return guard(`save run "${summary.name}"`, async () => {
      await this.db.put('runs', summary);
    });
  }

  getRun(id: string): Promise<RunSummary | undefined> {
    return this.db.get('runs', id);
  }

  /** All runs, newest first. */
  async listRuns(): Promise<RunSummary[]> {
    return (await this.db.getAll('runs')).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Appends one batch of metric rows (as the worker streams them). */
  appendMetrics(runId: string, rows: MetricRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return guard('save metrics', async () => {
      const tx = this.db.transaction('metrics', 'readwrite');
      const cursor = await tx.store.index('byRun').openCursor(IDBKeyRange.only(runId), 'prev');
      const seq = cursor ? cursor.value.seq + 1 : 0;
      await tx.store.put({ runId, seq, rows });
      await tx.done;
    });
  }

  async getMetrics(runId: string): Promise<MetricRow[]> {
    const batches = await this.db.getAllFromIndex('metrics', 'byRun', runId);
    return batches.sort((a, b) => a.seq - b.seq).flatMap((b) => b.rows);
  }

  saveEval(runId: string, record: EvalRecord): Promise<void> {
    return guard('save an evaluation', async () => {
      await this.db.put('evals', { runId, step: record.step, record });
    });
  }

  async getEvals(runId: string): Promise<EvalRecord[]> {
    return (await this.db.getAllFromIndex('evals', 'byRun', runId))
      .sort((a, b) => a.step - b.step)
      .map((e) => e.record);
  }

  /** Keeps only the latest checkpoint of a run. */
  saveCheckpoint(runId: string, step: number, buffer: ArrayBuffer): Promise<void> {
    return guard(`save the checkpoint of step ${step}`, async () => {
      await this.db.put('checkpoints', { runId, step, buffer, savedAt: Date.now() });
    });
  }

  async getCheckpoint(runId: string): Promise<{ step: number; buffer: ArrayBuffer } | undefined> {
    const c = await this.db.get('checkpoints', runId);
    return c ? { step: c.step, buffer: c.buffer } : undefined;
  }

  deleteRun(runId: string): Promise<void> {
    return guard('delete the run', async () => {
      const tx = this.db.transaction(['runs', 'metrics', 'evals', 'checkpoints'], 'readwrite');
      await tx.objectStore('runs').delete(runId);
      await tx.objectStore('checkpoints').delete(runId);
      for (const s of ['metrics', 'evals'] as const) {
        let c = await tx.objectStore(s).index('byRun').openCursor(IDBKeyRange.only(runId));
        while (c) {
          await c.delete();
          c = await c.continue();
        }
      }
      await tx.done;
    });
  }

  /** The whole run as one file (see runFile.ts). */
  async exportRun(runId: string): Promise<ArrayBuffer> {
    const summary = await this.getRun(runId);
    if (!summary) throw new PersistError(`no run with id "${runId}"`, false);
    return encodeRunFile({
      summary,
      metrics: await this.getMetrics(runId),
      evals: await this.getEvals(runId),
      checkpoint: await this.getCheckpoint(runId),
    });
  }

  /** Imports a run file; an id already present gets a fresh suffix. Returns the stored summary. */
  async importRun(buffer: ArrayBuffer): Promise<RunSummary> {
    const file = decodeRunFile(buffer);
    let id = file.summary.id;
    for (let k = 2; await this.getRun(id); k++) id = `${file.summary.id}-${k}`;
    const summary: RunSummary = {
      ...file.summary,
      id,
      state: file.summary.state === 'running' || file.summary.state === 'warming' ? 'paused' : file.summary.state,
    };
    await this.saveRun(summary);
    const batch = 500;
    for (let i = 0; i < file.metrics.length; i += batch) await this.appendMetrics(id, file.metrics.slice(i, i + batch));
    for (const e of file.evals) await this.saveEval(id, e);
    if (file.checkpoint) await this.saveCheckpoint(id, file.checkpoint.step, file.checkpoint.buffer);
    return summary;
  }

  /** Bytes used and available, where the browser says (navigator.storage.estimate). */
  static async estimate(): Promise<{ usage?: number; quota?: number }> {
    const storage = (
      globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } }
    ).navigator?.storage;
    return storage?.estimate ? storage.estimate() : {};
  }
}
