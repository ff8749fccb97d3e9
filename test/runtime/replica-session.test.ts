/**
 * A replica session's run r equals the single run with the same config: the same metric rows
 * (sampled completions included, through rewards and lengths) within 1e-5, the same evaluations and
 * the same checkpoint, for R = 1, 2 and 3, across phase boundaries that fall on different units for
 * different seeds, with a reference policy, and through save, load and continue.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { unpackRunCheckpoint } from '../../src/runtime/run-checkpoint.ts';
import { RunSession } from '../../src/runtime/session.ts';
import { ReplicaSession } from '../../src/runtime/replica-session.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';
import type { MetricRow, RunConfig } from '../../src/runtime/types.ts';
import { tinyRun, useWasm } from './helpers.ts';

beforeAll(useWasm);

// da-sft from scratch: warm start -> DA-SFT -> RL, with a warm start of its own length per replica, so
// the replicas change phase on different units (a supervised step of some while others sample and
// update: the others sit that call out). contextrl keeps a reference (beta > 0) and adds lambda * L_CA,
// with a lambda and a batch size of its own per replica (blocks of rows and pairs padded).
const CONFIGS: [string, (r: number) => Partial<RunConfig>][] = [
  [
    'da-sft from scratch',
    (r) => tinyRun({ method: 'da-sft', warmStartSteps: 2 + r, steps: 4, evalEvery: 2, seed: 3 + r }),
  ],
  [
    'contextrl with a reference policy',
    (r) =>
      tinyRun({
        method: 'contextrl',
        warmStartSteps: 2,
        steps: 4,
        evalEvery: 4,
        beta: 0.05,
        seed: 3 + r,
        lambda: 1 + r,
        batchSize: 5 + r,
      }),
  ],
];

const strip = (rows: MetricRow[]) => rows.map(({ t: _t, ...rest }) => rest);

/** Rows equal: the same keys, numbers within 1e-5 (relative to max(1, |value|)). */
function expectRows(got: MetricRow[], want: MetricRow[], label: string): void {
  expect(
    got.map((r) => Object.keys(r)),
    `${label}: metric names`,
  ).toEqual(want.map((r) => Object.keys(r)));
  got.forEach((row, i) =>
    Object.entries(strip([want[i]])[0]).forEach(([k, v]) =>
      expect(Math.abs((row[k] as number) - v) / Math.max(1, Math.abs(v)), `${label}: row ${i} ${k}`).toBeLessThan(1e-5),
    ),
  );
}

/** A checkpoint's meta (without times) and arrays. */
function contents(buf: ArrayBuffer) {
  const ck = unpackRunCheckpoint(buf);
  const { savedAt: _s, elapsedMs: _e, ...meta } = ck.meta as typeof ck.meta & { savedAt: number; elapsedMs: number };
  return { meta, tensors: ck.tensors };
}

function expectCheckpoint(got: ArrayBuffer, want: ArrayBuffer, label: string): void {
  const a = contents(got);
  const b = contents(want);
  expect(a.meta, `${label}: checkpoint meta`).toEqual(b.meta);
  expect(
    a.tensors.map((t) => [t.name, t.shape]),
    `${label}: checkpoint arrays`,
  ).toEqual(b.tensors.map((t) => [t.name, t.shape]));
  a.tensors.forEach((t, i) => {
    let d = 0;
    t.data.forEach((x, j) => (d = Math.max(d, Math.abs(x - b.tensors[i].data[j]))));
    expect(d, `${label}: ${t.name}`).toBeLessThan(1e-5);
  });
}

async function singleRun(c: Partial<RunConfig>, cut: number) {
  const s = await RunSession.create(parseRunConfig(c));
  const rows: MetricRow[] = [];
  let atCut: ArrayBuffer | undefined;
  while (!s.done) {
    if (s.unit === cut) atCut = await s.save();
    rows.push(...(await s.stepOnce()).rows);
  }
  const end = await s.save();
  s.dispose();
  return { rows, atCut: atCut as ArrayBuffer, end };
}

describe('a replica session equals single runs', () => {
  it.each(CONFIGS)(
    '%s: rows, evaluations and checkpoints of R = 1, 2 and 3 replicas, through save, load and continue',
    async (_name, configOf) => {
      const cut = 4; // inside DA-SFT / at the first RL step
      const singles = [];
      for (let r = 0; r < 3; r++) singles.push(await singleRun(configOf(r), cut));
      for (const R of [1, 2, 3]) {
        const configs = Array.from({ length: R }, (_, r) => parseRunConfig(configOf(r)));
        const rs = await ReplicaSession.create(configs);
        const rows: MetricRow[][] = configs.map(() => []);
        const cuts: ArrayBuffer[] = [];
        while (rs.sessions.some((s) => s.unit < cut)) {
          const reports = await rs.stepOnce();
          reports.forEach((rep, r) => rows[r].push(...(rep?.rows ?? [])));
        }
        for (let r = 0; r < R; r++) cuts.push(await rs.sessions[r].save());
        rs.dispose();
        // Continue from the replicas' checkpoints, as replicas again.
        const again = await ReplicaSession.create(
          configs,
          cuts.map((checkpoint) => ({ checkpoint })),
        );
        while (!again.done) {
          const reports = await again.stepOnce();
          reports.forEach((rep, r) => rows[r].push(...(rep?.rows ?? [])));
        }
        for (let r = 0; r < R; r++) {
          const label = `R = ${R}, replica ${r}`;
          expectRows(rows[r], singles[r].rows, label);
          expectCheckpoint(cuts[r], singles[r].atCut, `${label} at unit ${cut}`);
          expectCheckpoint(await again.sessions[r].save(), singles[r].end, `${label} at the end`);
        }
        again.dispose();
      }
    },
    600_000,
  );

  it('evaluates every replica at once, and leaves no tensors behind', async () => {
    const configs = [0, 1].map((r) => parseRunConfig(CONFIGS[1][1](r)));
    const before = tf.memory().numTensors;
    const rs = await ReplicaSession.create(configs);
    const [a, b] = await rs.evaluate();
    const single = await RunSession.create(configs[1]);
    const want = await single.evaluate();
    single.dispose();
    expect(a?.record.accuracies).toBeDefined();
    expect(b?.record).toEqual(want.record);
    expect(b?.selection).toEqual(want.selection);
    while (!rs.done) await rs.stepOnce();
    rs.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('refuses replicas of different model shapes, naming the replica', async () => {
    const configs = [parseRunConfig(tinyRun({ seed: 1 })), parseRunConfig(tinyRun({ seed: 2, modelSize: 'micro' }))];
    await expect(ReplicaSession.create(configs)).rejects.toThrow(/replica 1's model config differs/);
  });
});
