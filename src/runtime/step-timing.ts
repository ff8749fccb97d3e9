/**
 * How long one real RL step of a run's configuration takes on the active backend: a throwaway run
 * session of the same domain, method, model size and group size, with `batch` prompts per step,
 * starting at RL (a fresh model: the shapes, not the weights, set the cost). The first step
 * compiles and fills caches (on WebGPU its shaders are compiled ahead, in parallel, as a run does)
 * and is not counted; the next `repeats` steps are, and the fastest counts.
 */
import type { BackendName } from '../engine/backend.ts';
import type { ResolvedRunConfig } from '../config/run-config.ts';
import { RunSession } from './session.ts';

export interface StepTiming {
  batch: number;
  /** ms of the fastest timed step. */
  ms: number;
  /** ms of the untimed first step (compilation included) and of the shader warm-up before it. */
  firstMs: number;
}

export async function timeRlStep(
  config: ResolvedRunConfig,
  backend: BackendName,
  batch: number,
  repeats = 1,
): Promise<StepTiming> {
  const c: ResolvedRunConfig = {
    ...config,
    batchSize: batch,
    steps: repeats + 2, // never the last step, which would also evaluate
    evalEvery: 0,
    warmStartSteps: 0,
    evalItems: 1,
    probePairs: 0,
  };
  const session = await RunSession.create(c, { backend, showGroups: 0 });
  try {
    const t0 = performance.now();
    await session.warmShaders();
    await session.stepOnce();
    const firstMs = performance.now() - t0;
    let ms = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await session.stepOnce();
      ms = Math.min(ms, performance.now() - t);
    }
    return { batch, ms, firstMs };
  } finally {
    session.dispose();
  }
}
