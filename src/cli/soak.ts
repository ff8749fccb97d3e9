/**
 * `npm run soak`: a long run through the page's own path, in one Node process, watching for leaks.
 * The config store starts a run (src/store/session.ts), the client runs the worker's handler on
 * this thread (src/worker/client.ts, main-thread mode: the same ActiveRun loop, flushes and
 * checkpoints as in the worker), its messages land in the page's stores and in IndexedDB
 * (fake-indexeddb, through src/store/persistence.ts). Every --every steps it prints the tensor
 * count, the JS heap after a GC, and the bytes stored (metric rows, evaluations, the checkpoint).
 * After warm-up the tensor count and the heap stay flat; stored metric rows grow by a few hundred
 * bytes a step (kept on purpose) and the checkpoint is replaced, not added.
 *
 *   npm run soak                               # 1000 RL steps, report every 100 (wasm, about 10 min on 2 cores)
 *   npm run soak -- --steps 200 --every 50 --json out/soak.json
 */
import 'fake-indexeddb/auto';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parseFlags, usage, type FlagSpec } from './args.ts';
import { nodeWasmDir, parseBackendList } from '../engine/node.ts';
import { RunStore, DB_NAME } from '../persist/db.ts';
import { applyPreset, useConfigStore } from '../store/config.ts';
import { startPersistence } from '../store/persistence.ts';
import { connect, startRun } from '../store/session.ts';
import { useRunsStore } from '../store/runs.ts';
import { useMetricsStore } from '../store/metrics.ts';
import { createLabClient } from '../worker/client.ts';

const FLAGS = {
  steps: { type: 'number', default: 1000, help: 'RL steps' },
  every: { type: 'number', default: 100, help: 'report every this many steps' },
  preset: { type: 'string', default: 'trace-default', help: 'preset to run' },
  backend: { type: 'string', default: 'wasm,cpu', help: 'backends to try in order' },
  json: { type: 'string', help: 'write the samples here as JSON' },
  help: { type: 'boolean', default: false, help: 'this text' },
} satisfies FlagSpec;

export interface SoakSample {
  step: number;
  seconds: number;
  numTensors: number;
  tensorBytes: number;
  heapBytes: number;
  storedMetricBytes: number;
  storedCheckpointBytes: number;
  storedEvalBytes: number;
  rowsInStore: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function stored(store: RunStore, runId: string) {
  const [rows, evals, ck] = await Promise.all([
    store.getMetrics(runId),
    store.getEvals(runId),
    store.getCheckpoint(runId),
  ]);
  return {
    storedMetricBytes: JSON.stringify(rows).length,
    storedEvalBytes: JSON.stringify(evals).length,
    storedCheckpointBytes: ck?.buffer.byteLength ?? 0,
  };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    console.log(usage('npm run soak --', FLAGS));
    return 0;
  }
  if (!(globalThis as { gc?: unknown }).gc) console.error('note: run with node --expose-gc for heap figures after GC');
  applyPreset(flags.preset, {
    steps: flags.steps,
    evalEvery: flags.every,
    batchSize: 4,
    groupSize: 4,
    evalItems: 16,
    probePairs: 16,
    warmStartSteps: 20,
  });
  const client = createLabClient({ mainThread: true });
  connect(client);
  client.post({
    type: 'init',
    backendOrder: parseBackendList(flags.backend),
    wasmPaths: nodeWasmDir() as unknown as Record<string, string>,
  });
  await startPersistence((m) => console.error(`persistence: ${m}`));
  const store = await RunStore.open(DB_NAME);
  const errors = Object.values(useConfigStore.getState().errors);
  if (errors.length) throw new Error(`soak config is invalid: ${errors.join('; ')}`);
  const runId = startRun();
  if (!runId) throw new Error('the run did not start');

  const samples: SoakSample[] = [];
  const t0 = Date.now();
  let next = 0;
  console.log('step  seconds  tensors  tensor MB  heap MB  stored metrics kB  checkpoint kB  evals kB  rows');
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const run = useRunsStore.getState().runs[runId];
    const rl = Math.max(0, (run?.progress?.step ?? 0) - 20);
    const finished = run?.state === 'done' || run?.state === 'error';
    if (run?.state === 'error') throw new Error(`the run failed: ${run.message}`);
    if (rl < next && !finished) continue;
    if (finished && samples.at(-1)?.step === rl) break;
    gc();
    const m = tf.memory();
    const s: SoakSample = {
      step: rl,
      seconds: Math.round((Date.now() - t0) / 1000),
      numTensors: m.numTensors,
      tensorBytes: m.numBytes,
      heapBytes: process.memoryUsage().heapUsed,
      rowsInStore: useMetricsStore.getState().byRun[runId]?.rows.length ?? 0,
      ...(await stored(store, runId)),
    };
    samples.push(s);
    console.log(
      [
        String(s.step).padStart(4),
        String(s.seconds).padStart(8),
        String(s.numTensors).padStart(8),
        (s.tensorBytes / 1e6).toFixed(2).padStart(10),
        (s.heapBytes / 1e6).toFixed(1).padStart(8),
        (s.storedMetricBytes / 1e3).toFixed(1).padStart(18),
        (s.storedCheckpointBytes / 1e3).toFixed(1).padStart(14),
        (s.storedEvalBytes / 1e3).toFixed(1).padStart(9),
        String(s.rowsInStore).padStart(5),
      ].join(' '),
    );
    next = rl + flags.every;
    if (finished) break;
  }
  // Flat after warm-up: the second sample on (the first holds the warm start's tensors and compiled code).
  const after = samples.slice(2);
  const span = (k: keyof SoakSample) => Math.max(...after.map((s) => s[k])) - Math.min(...after.map((s) => s[k]));
  if (after.length) {
    console.log(
      `after warm-up (steps ${after[0].step}..${after.at(-1)!.step}): tensors vary by ${span('numTensors')}, ` +
        `heap by ${(span('heapBytes') / 1e6).toFixed(1)} MB, checkpoint by ${span('storedCheckpointBytes')} bytes; ` +
        `stored metrics grow ${((after.at(-1)!.storedMetricBytes - after[0].storedMetricBytes) / Math.max(1, after.at(-1)!.step - after[0].step)).toFixed(0)} bytes per step`,
    );
  }
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ flags, samples }, null, 2) + '\n');
  client.terminate();
  store.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`soak: ${(e as Error).message ?? e}`);
    process.exit(1);
  },
);
