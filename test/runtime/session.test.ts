import { beforeAll, describe, expect, it } from 'vitest';
import { unpackRunCheckpoint } from '../../src/runtime/run-checkpoint.ts';
import { nextRate, RunSession } from '../../src/runtime/session.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';
import type { Method, MetricRow, RunConfig } from '../../src/runtime/types.ts';
import { tinyBase, tinyRun, useWasm } from './helpers.ts';

let base: ArrayBuffer;
beforeAll(async () => {
  await useWasm();
  base = await tinyBase(100);
});

const open = (c: Partial<RunConfig>, opts: { baseModel?: ArrayBuffer; checkpoint?: ArrayBuffer } = {}) =>
  RunSession.create(parseRunConfig(c), opts);
const strip = (rows: MetricRow[]) => rows.map(({ t: _t, ...rest }) => rest);

async function runAll(s: RunSession): Promise<MetricRow[]> {
  const rows: MetricRow[] = [];
  while (!s.done) rows.push(...(await s.stepOnce()).rows);
  return rows;
}

function weights(buf: ArrayBuffer): Float32Array[] {
  return unpackRunCheckpoint(buf)
    .tensors.filter((t) => t.name.startsWith('w/'))
    .map((t) => t.data);
}

describe('a short real run of each method raises its training reward', () => {
  it.each(['grpo', 'da-sft', 'da-rl', 'contextrl'] as Method[])(
    '%s',
    async (method) => {
      const s = await open(
        tinyRun({
          method,
          steps: 25,
          evalEvery: 0,
          batchSize: 8,
          groupSize: 8,
          learningRate: 3e-3,
          beta: 0,
          pairShare: 0.15,
        }),
        { baseModel: base },
      );
      while (s.rlStep === 0 && s.unit < s.plan.daSftSteps) await s.stepOnce(); // da-sft: its supervised warm-up on the pairs
      const before = await s.sampledReward(32);
      const rows = await runAll(s);
      const after = await s.sampledReward(32);
      s.dispose();
      expect(rows.filter((r) => r.step > 0)).toHaveLength(25);
      expect(rows.every((r) => Number.isFinite(r.reward) || r.step <= 0)).toBe(true);
      expect(after, `${method}: held-out training reward ${before.toFixed(3)} -> ${after.toFixed(3)}`).toBeGreaterThan(
        before + 0.05,
      );
    },
    120_000,
  );
});

describe('determinism', () => {
  // da-sft from scratch crosses both phase boundaries (warm start -> DA-SFT -> RL); contextrl keeps a reference (beta > 0) and L_CA.
  const configs: [string, Partial<RunConfig>][] = [
    ['da-sft from scratch', tinyRun({ method: 'da-sft', warmStartSteps: 3, steps: 4, evalEvery: 2 })],
    [
      'contextrl with a reference policy',
      tinyRun({ method: 'contextrl', warmStartSteps: 2, steps: 5, evalEvery: 5, beta: 0.05 }),
    ],
  ];

  it.each(configs)(
    'save, load and continue equals an uninterrupted run (%s)',
    async (_name, config) => {
      const a = await open(config);
      const rowsA = await runAll(a);
      const endA = await a.save();
      a.dispose();
      for (const cut of [2, a.totalUnits - 3]) {
        const b = await open(config);
        const rowsB: MetricRow[] = [];
        while (b.unit < cut) rowsB.push(...(await b.stepOnce()).rows);
        const ck = await b.save();
        b.dispose();
        const c = await open({}, { checkpoint: ck });
        expect(c.unit).toBe(cut);
        rowsB.push(...(await runAll(c)));
        const endC = await c.save();
        c.dispose();
        expect(strip(rowsB)).toEqual(strip(rowsA));
        expect(weights(endC)).toEqual(weights(endA));
      }
    },
    120_000,
  );

  it('the same seed gives the same run; another seed does not', async () => {
    const c = tinyRun({ method: 'da-rl', steps: 3, evalEvery: 3 });
    const rows = async (seed: number) => {
      const s = await open({ ...c, seed });
      const r = strip(await runAll(s));
      s.dispose();
      return r;
    };
    const r1 = await rows(7);
    expect(await rows(7)).toEqual(r1);
    expect(await rows(8)).not.toEqual(r1);
  }, 120_000);

  it('reports evaluation at RL step 0, every evalEvery steps and at the end, with probe selections', async () => {
    const s = await open(tinyRun({ method: 'contextrl', steps: 4, evalEvery: 2 }), { baseModel: base });
    const evals: number[] = [];
    let selections = 0;
    while (!s.done) {
      const r = await s.stepOnce();
      if (r.eval) evals.push(r.eval.step);
      selections += r.selection?.length ?? 0;
      if (r.eval)
        expect(Object.keys(r.eval.accuracies)).toEqual(
          expect.arrayContaining([
            'trace/in-distribution',
            'trace/hard',
            'probe/selection',
            'probe/selection_easy',
            'probe/ca_loss',
            'grounding/decisive_share',
            'grounding/items_decisive_share',
          ]),
        );
    }
    s.dispose();
    expect(evals).toEqual([0, 2, 4]);
    expect(selections).toBe(3 * 8);
  }, 60_000);

  it('scores the probe alone every probeEvery steps between full evaluations, leaving training unchanged', async () => {
    const c = tinyRun({ method: 'contextrl', steps: 6, evalEvery: 4 });
    const run = async (probeEvery: number) => {
      const s = await open({ ...c, probeEvery }, { baseModel: base });
      const evals: { step: number; keys: string[] }[] = [];
      const rows: MetricRow[] = [];
      while (!s.done) {
        const r = await s.stepOnce();
        rows.push(...r.rows);
        if (r.eval) evals.push({ step: r.eval.step, keys: Object.keys(r.eval.accuracies).sort() });
        if (r.eval) expect(r.selection?.length).toBe(8);
      }
      s.dispose();
      return { evals, rows: strip(rows) };
    };
    const plain = await run(0);
    const probed = await run(3);
    const full = [
      'grounding/decisive_share',
      'grounding/items_decisive_share',
      'probe/ca_loss',
      'probe/selection',
      'probe/selection_easy',
      'trace/hard',
      'trace/in-distribution',
    ];
    expect(probed.evals).toEqual([
      { step: 0, keys: full },
      { step: 3, keys: ['probe/ca_loss', 'probe/selection'] }, // the probe alone
      { step: 4, keys: full },
      { step: 6, keys: full }, // the end: a full evaluation, also where the probe would fall
    ]);
    // The probe reads the model and changes nothing: the same run, with the probe's accuracy at step 3.
    const {
      'probe/selection_accuracy': probe3,
      'probe/ca_loss': _ca3,
      ...row3
    } = probed.rows.find((r) => r.step === 3)!;
    expect(probe3).toBeGreaterThanOrEqual(0);
    expect(row3).toEqual(plain.rows.find((r) => r.step === 3));
    expect(probed.rows.filter((r) => r.step !== 3)).toEqual(plain.rows.filter((r) => r.step !== 3));
  }, 120_000);
});

describe('progress rate for the ETA (nextRate)', () => {
  it('drops the compiling first step at the second, then averages with weight 0.3 on the newest', () => {
    // First step 5000 ms (shaders), then 100 ms steps: 0.2 steps/s, then 10 at once, not an average with 0.2.
    let r = nextRate(0, 5000, 0);
    expect(r).toBeCloseTo(0.2, 10);
    r = nextRate(r, 100, 1);
    expect(r).toBe(10);
    // A 200 ms (eval) step moves it by 30% of the difference: 0.7 * 10 + 0.3 * 5 = 8.5.
    r = nextRate(r, 200, 2);
    expect(r).toBeCloseTo(8.5, 10);
    expect(nextRate(r, 100, 3)).toBeCloseTo(0.7 * 8.5 + 3, 10);
    // dt below 1 ms is clamped (no infinite rate).
    expect(nextRate(0, 0, 0)).toBe(1000);
  });
});
