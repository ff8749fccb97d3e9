/**
 * How long a run will take on this machine, from RL step times measured on the backend in use
 * (the runtime times a real step of the page's configuration when it picks the backend:
 * BackendStatus.choice.timings). Step time is taken as linear in the prompts per step through the
 * last two measured points (one point: proportional), and in the sequences per step (prompts x G)
 * when the timed configuration had another G. Evaluations and probes are costed by their size, in
 * sequences of the RL step: a probe pair about PROBE_PER_PAIR of a sequence, an evaluation item
 * (each benchmark set's items, and the probe pairs) about EVAL_PER_ITEM. A supervised step (warm
 * start, DA-SFT) costs a quarter of an RL step. tfjs-free: the guided presets call it.
 *
 *   estimateRunSeconds(presetConfig('trace-default'), [{ batch: 1, ms: 700 }, { batch: 4, ms: 1200 }])
 *   // a step at 16 prompts: 1200 + (1200 - 700) / 3 * 12 = 3200 ms, 25 ms a sequence (16 x 8)
 */
import type { RunConfig } from './fields.ts';

/** One measured RL step: `ms` at `batch` prompts per step, with `group` completions each (when known). */
export interface StepCost {
  batch: number;
  ms: number;
  group?: number;
}

/**
 * Calibrated on Node wasm, 2026-12-05 (out of one RunSession's step times, RL steps of 128
 * sequences): a probe of 64 held-out pairs cost 290 ms against an RL step of 810 ms (trace-default,
 * 6.3 ms a sequence), 200 pairs 650 ms against 577 ms (the ablation lesson, 4.5 ms a sequence):
 * 0.72 of a sequence a pair both times. A full evaluation (each set's items greedily answered,
 * both probes, attribution) cost 1.7 s for 2 x 64 items and 64 pairs, 4.5 s for 3 x 200 items and
 * 200 pairs: 1.4 and 1.25 sequences an item.
 */
const PROBE_PER_PAIR = 0.7;
const EVAL_PER_ITEM = 1.3;
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
  Partial<
    Pick<
      RunConfig,
      'probeEvery' | 'warmStartSteps' | 'groupSize' | 'evalItems' | 'probePairs' | 'domain' | 'benchmarks'
    >
  >;

/** How many benchmark sets an evaluation answers: in-distribution, the hard or needle set (traces, documents), opt-in sets. */
export function evalSetCount(c: Pick<Sized, 'domain' | 'benchmarks'>): number {
  return 1 + (c.domain === 'image' ? 0 : 1) + (c.benchmarks ?? []).filter((b) => b.endsWith('/paired')).length;
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * Steps that score the probe alone: every probeEvery-th, except where a full evaluation runs
 * instead (every evalEvery-th step, and the last).
 */
export function probeCount(steps: number, probeEvery: number, evalEvery: number): number {
  if (probeEvery <= 0) return 0;
  const both = evalEvery > 0 ? Math.floor(steps / ((probeEvery * evalEvery) / gcd(probeEvery, evalEvery))) : 0;
  const last = steps % probeEvery === 0 && !(evalEvery > 0 && steps % evalEvery === 0) ? 1 : 0;
  return Math.floor(steps / probeEvery) - both - last;
}

/**
 * Seconds for a run of `c` (RL steps, evaluations at step 0, every evalEvery and at the end, probes
 * between them, a warm start when the preset has no base model, DA-SFT's supervised pass).
 */
export function estimateRunSeconds(
  c: Sized,
  costs: readonly StepCost[],
  opts: { baseModel?: boolean } = {},
): number | undefined {
  const g = c.groupSize ?? 8;
  const timedG = costs.find((x) => x.group)?.group ?? g;
  // The same sequences per step as the timed configuration's: prompts x G / its G.
  const step = stepMsAt(costs, (c.batchSize * g) / timedG);
  if (step === undefined) return undefined;
  const seqMs = step / (c.batchSize * g);
  const evals = c.evalEvery > 0 ? 1 + Math.floor(c.steps / c.evalEvery) + (c.steps % c.evalEvery ? 1 : 0) : 1;
  const probes = probeCount(c.steps, c.probeEvery ?? 0, c.evalEvery);
  const pairs = c.probePairs ?? 64;
  const evalMs = EVAL_PER_ITEM * seqMs * ((c.evalItems ?? 64) * evalSetCount(c) + pairs);
  const probeMs = PROBE_PER_PAIR * seqMs * pairs;
  const warm = opts.baseModel === false ? (c.warmStartSteps ?? 0) : 0;
  // DA-SFT sees its pairs first as supervised batches of batchSize (about pairShare of the RL budget).
  const daSft = c.method === 'da-sft' ? Math.ceil(c.pairShare * c.steps) : 0;
  const ms = step * (c.steps + SFT_STEPS * (warm + daSft)) + evalMs * evals + probeMs * probes;
  return ms / 1000;
}

/** "about 11 min", "about 40 s", "about 2.5 h". */
export function formatEstimate(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'unknown until a step is timed';
  if (seconds < 90) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const min = seconds / 60;
  if (min < 90) return `about ${Math.round(min)} min`;
  return `about ${(min / 60).toFixed(1)} h`;
}
