import { beforeAll, describe, expect, it } from 'vitest';
import { Pretrainer } from '../../src/runtime/pretrain.ts';
import { useWasm } from './helpers.ts';
import { evalSets, getDomain, probePairs } from '../../src/runtime/domains.ts';
import { baseFigures } from '../../src/runtime/evaluate.ts';
import { pretrainBatch } from '../../src/runtime/pretrain.ts';
import { PRETRAIN_SPECS, stageAt, type PretrainSpec } from '../../src/config/presets.ts';

const spec: PretrainSpec = {
  name: 't',
  domain: 'trace',
  modelSize: 'nano',
  batchSize: 20,
  learningRate: 3e-3,
  warmupSteps: 0,
  steps: 30,
  easyPairShare: 0.25,
  stages: [
    { name: 'first', untilStep: 10, knobs: { depth: 'lookup', vars: 2, steps: 2, noise: 0 }, easyPairShare: 0.5 },
    { name: 'second', knobs: { depth: 'lookup', vars: 3, steps: 4, noise: 1 } },
  ],
  figureKnobs: {},
};
const isPair = (e: { prompt: { text: string } }) => e.prompt.text.endsWith('which ->');

describe('pretraining curriculum', () => {
  it('picks the stage by step; the last stage has no end', () => {
    expect(stageAt(spec, 0).name).toBe('first');
    expect(stageAt(spec, 9).name).toBe('first');
    expect(stageAt(spec, 10).name).toBe('second');
    expect(stageAt(spec, 1e6).name).toBe('second');
  });

  it("a stage's easyPairShare overrides the spec's; the batch keeps its size", () => {
    const d = getDomain('trace');
    const a = pretrainBatch(d, spec, 0, 3);
    const b = pretrainBatch(d, spec, 0, 12);
    expect(a).toHaveLength(20);
    expect(b).toHaveLength(20);
    expect(a.filter(isPair)).toHaveLength(10); // 0.5 x 20
    expect(b.filter(isPair)).toHaveLength(5); // 0.25 x 20
    for (const e of [...a, ...b].filter(isPair)) expect(['A', 'B']).toContain((e as { target: string }).target);
  });

  it('is a pure function of (seed, step): a resumed pretraining draws the same batches', () => {
    const d = getDomain('trace');
    expect(JSON.stringify(pretrainBatch(d, spec, 4, 7))).toBe(JSON.stringify(pretrainBatch(d, spec, 4, 7)));
    expect(JSON.stringify(pretrainBatch(d, spec, 4, 7))).not.toBe(JSON.stringify(pretrainBatch(d, spec, 4, 8)));
  });

  it('every bundled spec ends with an open stage and has increasing stage ends', () => {
    for (const s of Object.values(PRETRAIN_SPECS)) {
      expect(s.stages.at(-1)?.untilStep, s.name).toBeUndefined();
      const ends = s.stages.slice(0, -1).map((x) => x.untilStep ?? NaN);
      expect(ends, s.name).toEqual([...ends].sort((x, y) => x - y));
      for (const st of s.stages) expect(st.easyPairShare ?? s.easyPairShare, `${s.name}/${st.name}`).toBeLessThan(1);
    }
  });
});

describe('pretraining with pairLoss "ca"', () => {
  beforeAll(useWasm);
  it('takes a supervised step on the items and a separate L_CA step on the pairs', async () => {
    const tiny: PretrainSpec = {
      ...spec,
      model: { dModel: 32, nHead: 2, contextLength: 64 },
      batchSize: 8,
      pairLoss: 'ca',
    };
    const p = Pretrainer.create(tiny, 3);
    try {
      const r = await p.trainStep();
      expect(r.stage).toBe('first');
      // An untrained model cannot tell A from B yet: L_CA = softplus(-delta) starts near ln 2.
      expect(r.caLoss).toBeGreaterThan(0.6);
      expect(r.caLoss).toBeLessThan(0.8);
      await p.trainStep();
      expect(p.step).toBe(2);
      expect(p.policy.optimizer.step).toBe(4); // two optimizer steps per pretraining step
    } finally {
      p.dispose();
    }
  });

  it('without pairs (share 0) only the supervised step runs', async () => {
    const tiny: PretrainSpec = {
      ...spec,
      model: { dModel: 32, nHead: 2, contextLength: 64 },
      batchSize: 8,
      pairLoss: 'ca',
      easyPairShare: 0,
      stages: [{ name: 'only', knobs: spec.stages[0].knobs }],
    };
    const p = Pretrainer.create(tiny, 3);
    try {
      const r = await p.trainStep();
      expect(r.caLoss).toBeUndefined();
      expect(p.policy.optimizer.step).toBe(1);
    } finally {
      p.dispose();
    }
  });

  it('a pair kind the distribution does not yield has no figure, not 0%', async () => {
    const tiny: PretrainSpec = {
      ...spec,
      model: { dModel: 32, nHead: 2, contextLength: 64 },
      batchSize: 8,
      stages: [{ name: 'only', knobs: spec.stages[0].knobs }],
    };
    const p = Pretrainer.create(tiny, 3);
    try {
      const d = getDomain('trace');
      const k = spec.stages[0].knobs;
      const f = await baseFigures(p.policy, evalSets(d, k, 4), probePairs(d, k, 4, 'easy'), [], {
        maxCompletionLength: 3,
        seed: 0,
      });
      expect(f.hardPairAccuracy).toBeUndefined();
      expect(f.easyPairAccuracy).toBeGreaterThanOrEqual(0);
      expect(f.easyPairAccuracy).toBeLessThanOrEqual(1);
    } finally {
      p.dispose();
    }
  });

  it("a stage's learningRate replaces the spec's from its first step on", async () => {
    const tiny: PretrainSpec = {
      ...spec,
      model: { dModel: 32, nHead: 2, contextLength: 64 },
      batchSize: 8,
      easyPairShare: 0,
      stages: [
        { name: 'fast', untilStep: 1, knobs: spec.stages[0].knobs },
        { name: 'slow', knobs: spec.stages[0].knobs, learningRate: 1e-3 },
      ],
    };
    const p = Pretrainer.create(tiny, 3);
    try {
      await p.trainStep();
      expect(p.policy.optimizer.config.lr).toBe(3e-3);
      const r = await p.trainStep();
      expect(r.stage).toBe('slow');
      expect(p.policy.optimizer.config.lr).toBe(1e-3);
    } finally {
      p.dispose();
    }
  });
});
