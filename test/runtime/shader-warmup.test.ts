import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { installNodeWebGPU } from '../../src/engine/node.ts';
import { createRunSession } from '../../src/runtime/session.ts';
import type { MetricRow } from '../../src/runtime/types.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';
import { compileOnly } from '../../src/engine/kernels/shader-warmup.ts';
import { tinyRun } from './helpers.ts';

const config = parseRunConfig({ ...tinyRun({ method: 'contextrl', steps: 2, evalEvery: 2, beta: 0.05 }), seed: 5 });
const cache = () => (tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
const pipelines = () => Object.keys(cache()).length;
/** Forget every compiled pipeline, so the next run starts as a fresh page would (tfjs recompiles on demand). */
const forgetPipelines = () => {
  for (const k of Object.keys(cache())) delete cache()[k];
};

/** The run's rows (wall time dropped) and the pipelines each unit compiled; with or without a warm-up before each phase. */
async function run(warm: boolean) {
  forgetPipelines();
  const s = await createRunSession(config, { backend: 'webgpu', showGroups: 0 });
  const rows: Omit<MetricRow, 't'>[] = [];
  const fresh: number[] = [];
  const warmed: number[] = [];
  let phase = '';
  while (!s.done) {
    if (warm && s.progress().phase !== phase) {
      phase = s.progress().phase;
      const n0 = tf.memory().numTensors;
      const w = await s.warmShaders();
      expect(tf.memory().numTensors).toBe(n0); // the scratch policy and everything it recorded is gone
      warmed.push(w?.programs ?? -1);
    }
    const before = pipelines();
    for (const { t: _t, ...r } of (await s.stepOnce()).rows) rows.push(r);
    fresh.push(pipelines() - before);
  }
  s.dispose();
  return { rows, fresh, warmed };
}

describe('shader warm-up (compile-only mode) on WebGPU (Dawn, OpenGL ES)', () => {
  beforeAll(async () => {
    const why = await installNodeWebGPU('opengles');
    if (why) throw new Error(`webgpu unavailable here: ${why}`);
    expect((await initBackend({ order: ['webgpu'] })).name).toBe('webgpu');
  });

  it('compiles without running: a compile-only piece leaves its inputs untouched and its kernels cached', async () => {
    const x = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    );
    const before = pipelines();
    let read: ArrayLike<number> | undefined;
    const r = await compileOnly([
      async () => {
        x.assign(tf.mul(tf.sin(tf.matMul(x, x)), 3));
        read = await x.data();
      },
    ]);
    expect(read?.length).toBe(0); // nothing ran: reads in compile-only mode return no values
    expect(r.programs).toBe(pipelines() - before);
    expect(r.programs).toBeGreaterThanOrEqual(2);
    x.dispose();
    // The assignment recorded an output nobody computed; it is disposed with the scope, and a real run now reuses the pipelines.
    const y = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    );
    const n = pipelines();
    const out = tf.mul(tf.sin(tf.matMul(y, y)), 3);
    expect(Array.from(await out.data()).map((v) => +v.toFixed(4))).toEqual(
      [7, 10, 15, 22].map((v) => +(3 * Math.sin(v)).toFixed(4)),
    );
    expect(pipelines()).toBe(n);
    tf.dispose([y, out]);
  });

  it('a run warmed before each phase gives the same rows, and its first steps compile far fewer shaders', async () => {
    const cold = await run(false);
    const warm = await run(true);
    expect(warm.rows).toEqual(cold.rows);
    console.log(
      `pipelines per unit, cold ${cold.fresh.join(' ')}, warmed ${warm.fresh.join(' ')} (warm-ups: ${warm.warmed.join(', ')})`,
    );
    // One warm-up per phase (warm start, RL), each compiling shaders.
    expect(warm.warmed.length).toBe(2);
    for (const n of warm.warmed) expect(n).toBeGreaterThan(10);
    // The cold run compiles the warm start's shaders at unit 0 and the RL ones at unit 3 (after 3
    // warm-start units); warmed, unit 0 finds everything compiled and unit 3 nearly everything.
    expect(cold.fresh[0]).toBeGreaterThan(10);
    expect(warm.fresh[0]).toBe(0);
    expect(cold.fresh[3]).toBeGreaterThan(10);
    expect(warm.fresh[3]).toBeLessThan(cold.fresh[3] / 4);
  }, 180_000);
});
