/**
 * How long a run will take on this machine, from RL step times measured on the backend in use
 * (the runtime times a real step of the page's configuration when it picks the backend:
 * BackendStatus.choice.timings). Step time is taken as linear in the prompts per step through the
 * measured points (one point: proportional, an upper estimate on wasm, whose steps grow slower than
 * that); a full evaluation costs about EVAL_STEPS steps, a probe alone a tenth of a step, a
 * supervised step (warm start, DA-SFT) a quarter. tfjs-free: the guided presets call it.
 *
 *   estimateRunSeconds(presetConfig('trace-default'), [{ batch: 1, ms: 700 }, { batch: 4, ms: 1200 }])
 *   // a step at 16 prompts: 1200 + (1200 - 700) / 3 * 12 = 3200 ms; 200 steps + 5 evaluations
 *   // (7.5 step-equivalents) = 207.5 x 3.2 s ≈ 11 min
 */
import type { RunConfig } from './fields.ts';

/** One measured RL step: `ms` at `batch` prompts per step. */
export interface StepCost {
  batch: number;
  ms: number;
}

/**
 * A full evaluation (greedy answers on each benchmark, the probe, attribution) in RL steps of the
 * same run: trace-default on wasm in Node, one evaluation 7.9 s against steps of 5.7-8.9 s.
 */
export const EVAL_STEPS = 1.5;
const PROBE_STEPS = 0.1;
const SFT_STEPS = 0.25;

/** ms of one RL step at `batch` prompts, from the measured points (undefined without any). */
export function stepMsAt(costs: readonly StepCost[], batch: number): number | undefined {
  const pts = [...costs].filter((c) => c.batch > 0 && c.ms > 0).sort((a, b) => a.batch - b.batch);
  if (!pts.length) return undefined;
  if (pts.length === 1) return (pts[0].ms * batch) / pts[0].batch;
  const a = pts.at(-2)!;
  const b = pts.at(-1)!;
  const slope = Math.max(0, (b.ms - a.ms) / (b.batch - a.batch));
  return Math.max(b.ms * Math.min(1, batch / b.batch), b.ms + slope * (batch - b.batch));
}

type Sized = Pick<RunConfig, 'steps' | 'batchSize' | 'evalEvery' | 'method' | 'pairShare'> &
  Partial<Pick<RunConfig, 'probeEvery' | 'warmStartSteps'>>;

/**
 * Seconds for a run of `c` (RL steps, evaluations at step 0, every evalEvery and at the end, probes
 * between them, a warm start when the preset has no base model, DA-SFT's supervised pass).
 */
export function estimateRunSeconds(
  c: Sized,
  costs: readonly StepCost[],
  opts: { baseModel?: boolean } = {},
): number | undefined {
  const step = stepMsAt(costs, c.batchSize);
  if (step === undefined) return undefined;
  const evals = c.evalEvery > 0 ? 1 + Math.floor(c.steps / c.evalEvery) + (c.steps % c.evalEvery ? 1 : 0) : 1;
  const probes = c.probeEvery ? Math.floor(c.steps / c.probeEvery) : 0;
  const warm = opts.baseModel === false ? (c.warmStartSteps ?? 0) : 0;
  // DA-SFT sees its pairs first as supervised batches of batchSize (about pairShare of the RL budget).
  const daSft = c.method === 'da-sft' ? Math.ceil(c.pairShare * c.steps) : 0;
  const units = c.steps + EVAL_STEPS * evals + PROBE_STEPS * probes + SFT_STEPS * (warm + daSft);
  return (units * step) / 1000;
}

/** "about 11 min", "about 40 s", "about 2.5 h". */
export function formatEstimate(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'unknown until a step is timed';
  if (seconds < 90) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const min = seconds / 60;
  if (min < 90) return `about ${Math.round(min)} min`;
  return `about ${(min / 60).toFixed(1)} h`;
}
