import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { RunStore, toPersistError } from '../../src/persist/db.ts';
import { decodeRunFile } from '../../src/persist/runFile.ts';
import { withDefaults } from '../../src/config/run-config.ts';
import type { RunSummary } from '../../src/runtime/types.ts';

let n = 0;
const stores: RunStore[] = [];
async function fresh(): Promise<RunStore> {
  const s = await RunStore.open(`test-db-${n++}`);
  stores.push(s);
  return s;
}
afterEach(() => stores.splice(0).forEach((s) => s.close()));

function summary(id: string, createdAt = 1): RunSummary {
  return {
    id,
    name: `run ${id}`,
    config: withDefaults({ seed: 3 }),
    createdAt,
    state: 'running',
    step: 7,
    backend: 'wasm',
  };
}

describe('RunStore', () => {
  it('round-trips runs, metric batches, evaluations and the latest checkpoint', async () => {
    const s = await fresh();
    await s.saveRun(summary('a', 1));
    await s.saveRun(summary('b', 2));
    await s.appendMetrics('a', [
      { step: 1, t: 10, reward: 0.1 },
      { step: 2, t: 20, reward: 0.2 },
    ]);
    await s.appendMetrics('a', [{ step: 3, t: 30, reward: 0.3 }]);
    await s.appendMetrics('b', [{ step: 1, t: 1, reward: 1 }]);
    await s.saveEval('a', { step: 2, accuracies: { 'trace/in-distribution': 0.5 } });
    await s.saveCheckpoint('a', 1, new Uint8Array([1, 2]).buffer);
    await s.saveCheckpoint('a', 3, new Uint8Array([9, 8, 7]).buffer);
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['b', 'a']);
    expect((await s.getMetrics('a')).map((r) => r.reward)).toEqual([0.1, 0.2, 0.3]);
    expect(await s.getEvals('a')).toEqual([{ step: 2, accuracies: { 'trace/in-distribution': 0.5 } }]);
    const ck = await s.getCheckpoint('a');
    expect(ck?.step).toBe(3);
    expect([...new Uint8Array(ck!.buffer)]).toEqual([9, 8, 7]);
  });

  it('exports a run as one file and imports it back under a fresh id', async () => {
    const s = await fresh();
    await s.saveRun(summary('a'));
    await s.appendMetrics('a', [{ step: 1, t: 10, reward: 0.25 }]);
    await s.saveEval('a', { step: 1, accuracies: { 'probe/selection': 0.75 } });
    await s.saveCheckpoint('a', 1, new Uint8Array([4, 5, 6]).buffer);
    const file = await s.exportRun('a');
    const imported = await s.importRun(file);
    expect(imported.id).toBe('a-2');
    expect(imported.state).toBe('paused');
    expect(await s.getMetrics('a-2')).toEqual(await s.getMetrics('a'));
    expect(await s.getEvals('a-2')).toEqual(await s.getEvals('a'));
    expect([...new Uint8Array((await s.getCheckpoint('a-2'))!.buffer)]).toEqual([4, 5, 6]);
    const other = await fresh();
    expect((await other.importRun(file)).id).toBe('a');
  });

  it('deletes a run with its metrics, evaluations and checkpoint', async () => {
    const s = await fresh();
    await s.saveRun(summary('a'));
    await s.appendMetrics('a', [{ step: 1, t: 1 }]);
    await s.saveCheckpoint('a', 1, new ArrayBuffer(4));
    await s.deleteRun('a');
    expect(await s.getRun('a')).toBeUndefined();
    expect(await s.getMetrics('a')).toEqual([]);
    expect(await s.getCheckpoint('a')).toBeUndefined();
  });

  it('rejects damaged run files with a message', async () => {
    const s = await fresh();
    await expect(s.importRun(new TextEncoder().encode('hello world!!').buffer)).rejects.toThrow(/bad magic/);
    await s.saveRun(summary('a'));
    await s.saveCheckpoint('a', 1, new ArrayBuffer(16));
    const file = await s.exportRun('a');
    expect(() => decodeRunFile(file.slice(0, file.byteLength - 4))).toThrow(/truncated/);
  });

  it('reports a full quota as an error, not silently', async () => {
    const s = await fresh();
    const proto = IDBObjectStore.prototype as unknown as { put: (...a: unknown[]) => unknown };
    const put = proto.put;
    proto.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    try {
      await expect(s.saveCheckpoint('a', 5, new ArrayBuffer(8))).rejects.toThrow(
        /Storage is full: could not save the checkpoint of step 5/,
      );
    } finally {
      proto.put = put;
    }
    expect(toPersistError(new DOMException('x', 'QuotaExceededError'), 'save').quota).toBe(true);
  });
});
