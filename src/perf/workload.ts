/**
 * The benchmark workloads, shared by Node (src/cli/bench.ts) and the Chromium bench page
 * (src/perf/main.ts): seeded synthetic prompts of fixed length, timed through the Policy's own
 * step methods (what a run executes), so engine changes show up here without edits.
 *
 * Shapes (defaults; the headline is micro, batch 32 x 128 tokens):
 *   sft          B = 32 rows of T = 128 tokens: prompt 32 (bos included) + target 95 + eos; loss on 96
 *   grpo_sample  P = 4 prompts x G = 8, prompt 112 tokens, 16 new tokens, KV cache: one prefill
 *                forward of [32, 112], then 15 cached decode steps of [32, 1] (CONTEXTRL_KV_CACHE=0:
 *                16 full forwards of [32, 128], the path before the cache)
 *   grpo_update  the GRPO step on those rollouts (+ the frozen reference's forward, beta = 0.001)
 *   ca           32 pair prompts of 128 tokens, L_CA ('hard', c = 5) at the answer position
 * Prompts are single lowercase letters separated by spaces, so one letter is one token.
 */
import * as tf from '@tensorflow/tfjs';
import type { PresetName } from '../engine/model-config.ts';
import type { HostBatch } from '../engine/batch.ts';
import { buildBatch, encodePrompt } from '../engine/batch.ts';
import { computeAdvantages } from '../engine/losses.ts';
import { Policy } from '../engine/policy.ts';
import { Rng } from '../tasks/rng.ts';
import type { Rollouts, ScoredRollouts } from '../engine/sample.ts';
import type { StepMetrics } from '../engine/metrics.ts';
import { Tokenizer } from '../engine/tokenizer.ts';
import type { PromptText } from '../tasks/types.ts';

export type Phase = 'sft' | 'grpo_sample' | 'grpo_update' | 'grpo' | 'ca';

/** What both the Node child and the Chromium bench page are asked to time. */
export interface WorkloadRequest {
  presets: PresetName[];
  batch: number;
  maxCompletionLength?: number;
  warmup: number;
  reps: number;
  phases?: Phase[];
}
export const PHASES: Phase[] = ['sft', 'grpo_sample', 'grpo_update', 'grpo', 'ca'];

export interface WorkloadShape {
  preset: PresetName;
  sft: { batch: number; promptLen: number; targetLen: number };
  grpo: { prompts: number; groupSize: number; promptLen: number; maxCompletionLength: number };
  ca: { pairs: number; promptLen: number };
}

/** The default workload of one preset: every phase runs [32, 128]-token batches. */
export function workloadShape(
  preset: PresetName,
  overrides: { batch?: number; maxCompletionLength?: number } = {},
): WorkloadShape {
  const B = overrides.batch ?? 32;
  const G = Math.min(8, B);
  const maxNew = overrides.maxCompletionLength ?? 16;
  return {
    preset,
    sft: { batch: B, promptLen: 32, targetLen: 96 },
    grpo: {
      prompts: Math.max(1, Math.floor(B / G)),
      groupSize: G,
      promptLen: 128 - maxNew,
      maxCompletionLength: maxNew,
    },
    ca: { pairs: B, promptLen: 128 },
  };
}

/** Tokens each phase processes per step (what tokens_per_s counts). */
export function phaseTokens(w: WorkloadShape, phase: Phase): number {
  const N = w.grpo.prompts * w.grpo.groupSize;
  switch (phase) {
    case 'sft':
      return w.sft.batch * (w.sft.promptLen + w.sft.targetLen);
    case 'grpo_sample':
      return N * w.grpo.maxCompletionLength; // generated tokens
    case 'grpo_update':
      return N * (w.grpo.promptLen + w.grpo.maxCompletionLength);
    case 'grpo':
      return N * w.grpo.maxCompletionLength; // generated (and then trained on) tokens
    case 'ca':
      return w.ca.pairs * w.ca.promptLen;
  }
}

/** The benchmark tokenizer: no extra words (specials + printable ASCII + `##` pieces + format words). */
export const benchTokenizer = (): Tokenizer => new Tokenizer([]);

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** n tokens of text: single letters separated by spaces. */
export function letters(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => LETTERS[Math.floor(rng.next() * LETTERS.length)]).join(' ');
}

export const promptOf = (rng: Rng, tokens: number): PromptText => ({ text: letters(rng, tokens - 1), images: [] }); // + bos

/** What the loss-equality check needs: weights before the step, the batch, and our values. */
export interface CheckCapture {
  phase: 'sft' | 'grpo_update' | 'ca';
  weights: { name: string; shape: number[]; data: Float32Array }[];
  batch: HostBatch;
  /** grpo: A_i per row [N]; ca: the C+ and C- letter ids [P]. */
  advantages?: number[];
  positiveId?: number[];
  negativeId?: number[];
  ours: StepMetrics;
}

export interface PhaseTiming {
  phase: Phase;
  ms: number[];
  ms_median: number;
  tokens: number;
  tokens_per_s: number;
  /** tf.profile's peak bytes over the warm-up step (weights, Adam state and activations). */
  peak_bytes: number;
  /** The first (warm-up) step: shader compilation on WebGPU, under tf.profile. */
  warmup_ms: number;
  /**
   * Process CPU time of the timed steps (Node; NaN in a browser): on a shared machine this moves far
   * less with the load than the wall time, and single-threaded wasm uses one core.
   */
  cpu_ms_median: number;
  /** Kernels one step dispatched (the warm-up step's, countKernels); grpo: sampling + update. */
  kernels: number;
  /** Models trained at once (replica-workload.ts); ms and tokens cover all of them. */
  replicas: number;
}

export interface RunOptions {
  warmup: number;
  reps: number;
  phases?: Phase[];
  seed?: number;
  /** Called with the weights, batch and our metrics of the first warm-up step of each trained phase. */
  onCheck?: (c: CheckCapture) => void | Promise<void>;
  onProgress?: (msg: string) => void;
  /** Print the kernels that take the most time (tf.profile over one extra step per phase). */
  profile?: (phase: Phase, kernels: { name: string; ms: number; count: number }[]) => void;
}

/** This process's CPU time (user + system) in ms; NaN outside Node. */
export function cpuNow(): number {
  const u = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process?.cpuUsage?.();
  return u ? (u.user + u.system) / 1000 : NaN;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function weightsOf(policy: Policy): Promise<CheckCapture['weights']> {
  const out: CheckCapture['weights'] = [];
  for (const [name, t] of policy.model.params)
    out.push({ name, shape: t.shape, data: (await t.data()) as Float32Array });
  return out;
}

type ProfileKernels = Awaited<ReturnType<typeof tf.profile>>['kernels'];

/**
 * Run fn under tf.profile: its result, the peak bytes, tfjs's kernel list and `dispatched`, the
 * kernels the backend ran: on webgpu every GPU program (tfjs's and the engine's fused ones, which
 * bypass tfjs's kernel registry), counted at the backend's runWebGPUProgram; on wasm and cpu every
 * tfjs kernel except Reshape (metadata only there).
 */
export async function profiled<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; peak: number; kernels: ProfileKernels; dispatched: number }> {
  let result: T | undefined;
  const webgpu = tf.getBackend() === 'webgpu';
  const backend = tf.backend() as unknown as { runWebGPUProgram?: (...a: unknown[]) => unknown };
  const run = backend.runWebGPUProgram;
  const own = Object.prototype.hasOwnProperty.call(backend, 'runWebGPUProgram');
  let programs = 0;
  if (webgpu && run)
    backend.runWebGPUProgram = function (this: unknown, ...a: unknown[]) {
      programs += 1;
      return run.apply(this, a);
    };
  try {
    const info = await tf.profile(async () => {
      result = await fn();
      return [];
    });
    const dispatched = webgpu ? programs : info.kernels.filter((k) => k.name !== 'Reshape').length;
    return { result: result as T, peak: info.peakBytes, kernels: info.kernels, dispatched };
  } finally {
    if (webgpu && run) {
      if (own) backend.runWebGPUProgram = run;
      else delete backend.runWebGPUProgram;
    }
  }
}

export function kernelSummary(kernels: ProfileKernels): { name: string; ms: number; count: number }[] {
  const byName = new Map<string, { ms: number; count: number }>();
  for (const k of kernels) {
    const e = byName.get(k.name) ?? { ms: 0, count: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.count += 1;
    byName.set(k.name, e);
  }
  return [...byName.entries()].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
}

/**
 * Times every phase of one preset on the active backend: `warmup` untimed steps (the first under
 * tf.profile for the peak memory), then `reps` timed ones. The caller selected the backend.
 */
export async function runWorkload(w: WorkloadShape, opts: RunOptions): Promise<PhaseTiming[]> {
  const phases = opts.phases ?? PHASES;
  const tok = benchTokenizer();
  const seed = opts.seed ?? 1;
  const rng = Rng.warmed(seed);
  const policy = new Policy(tok, { model: w.preset, seed });
  const out: PhaseTiming[] = [];
  const say = opts.onProgress ?? (() => undefined);
  const steps = opts.warmup + opts.reps;
  try {
    if (phases.includes('sft')) {
      const ms: number[] = [];
      const cpu: number[] = [];
      const first: number[] = [];
      let peak = 0;
      let kernels = NaN;
      for (let i = 0; i < steps; i++) {
        const batch = Array.from({ length: w.sft.batch }, () => ({
          prompt: promptOf(rng, w.sft.promptLen),
          target: letters(rng, w.sft.targetLen - 1),
        }));
        const weights = i === 0 && opts.onCheck ? await weightsOf(policy) : undefined;
        const t0 = performance.now();
        const c0 = cpuNow();
        let m: StepMetrics;
        if (i === 0) ({ result: m, peak, dispatched: kernels } = await profiled(() => policy.sftStep(batch)));
        else m = await policy.sftStep(batch);
        const dt = performance.now() - t0;
        if (i >= opts.warmup) {
          ms.push(dt);
          cpu.push(cpuNow() - c0);
        } else first.push(dt);
        say(`sft ${i < opts.warmup ? 'warm-up' : 'rep'} ${i + 1}/${steps}: ${dt.toFixed(0)} ms`);
        if (weights && opts.onCheck) {
          const prompts = batch.map((e) => encodePrompt(tok, e.prompt));
          const hb = buildBatch(
            tok,
            policy.model.config,
            prompts,
            batch.map((e) => [...tok.encode(e.target), tok.eos]),
          );
          await opts.onCheck({ phase: 'sft', weights, batch: hb, ours: m });
        }
      }
      if (opts.profile) {
        const batch = Array.from({ length: w.sft.batch }, () => ({
          prompt: promptOf(rng, w.sft.promptLen),
          target: letters(rng, w.sft.targetLen - 1),
        }));
        opts.profile('sft', kernelSummary((await profiled(() => policy.sftStep(batch))).kernels));
      }
      out.push(timing(w, 'sft', ms, peak, first[0], kernels, 1, cpu));
    }
    if (phases.includes('ca')) {
      const ms: number[] = [];
      const cpu: number[] = [];
      const first: number[] = [];
      let peak = 0;
      let kernels = NaN;
      const pairsOf = () =>
        Array.from({ length: w.ca.pairs }, () => ({
          prompt: promptOf(rng, w.ca.promptLen),
          positiveLetter: (rng.next() < 0.5 ? 'A' : 'B') as 'A' | 'B',
        }));
      for (let i = 0; i < steps; i++) {
        const pairs = pairsOf();
        const weights = i === 0 && opts.onCheck ? await weightsOf(policy) : undefined;
        const t0 = performance.now();
        const c0 = cpuNow();
        let m: StepMetrics;
        if (i === 0) ({ result: m, peak, dispatched: kernels } = await profiled(() => policy.caStep(pairs)));
        else m = await policy.caStep(pairs);
        const dt = performance.now() - t0;
        if (i >= opts.warmup) {
          ms.push(dt);
          cpu.push(cpuNow() - c0);
        } else first.push(dt);
        say(`ca ${i < opts.warmup ? 'warm-up' : 'rep'} ${i + 1}/${steps}: ${dt.toFixed(0)} ms`);
        if (weights && opts.onCheck) {
          const hb = buildBatch(
            tok,
            policy.model.config,
            pairs.map((p) => encodePrompt(tok, p.prompt)),
          );
          const idA = tok.id('A') as number;
          const idB = tok.id('B') as number;
          await opts.onCheck({
            phase: 'ca',
            weights,
            batch: hb,
            ours: m,
            positiveId: pairs.map((p) => (p.positiveLetter === 'A' ? idA : idB)),
            negativeId: pairs.map((p) => (p.positiveLetter === 'A' ? idB : idA)),
          });
        }
      }
      if (opts.profile) opts.profile('ca', kernelSummary((await profiled(() => policy.caStep(pairsOf()))).kernels));
      out.push(timing(w, 'ca', ms, peak, first[0], kernels, 1, cpu));
    }
    if (phases.some((p) => p.startsWith('grpo'))) {
      const sample: number[] = [];
      const update: number[] = [];
      const total: number[] = [];
      const cpu: number[][] = [[], [], []]; // sample, update, total
      const first: number[][] = [];
      let peakSample = 0;
      let peakUpdate = 0;
      let kSample = NaN;
      let kUpdate = NaN;
      const g = w.grpo;
      const promptsOf = () => Array.from({ length: g.prompts }, () => promptOf(rng, g.promptLen));
      // Continuous rewards: no group has zero std, so every row carries an advantage.
      const score = (r: Rollouts): ScoredRollouts => ({ ...r, rewards: r.completionIds.map(() => rng.next()) });
      for (let i = 0; i < steps; i++) {
        const prompts = promptsOf();
        const sampleOpts = { maxCompletionLength: g.maxCompletionLength, seed: seed * 1000 + i };
        const t0 = performance.now();
        const c0 = cpuNow();
        let rollouts: Rollouts;
        if (i === 0)
          ({
            result: rollouts,
            peak: peakSample,
            dispatched: kSample,
          } = await profiled(() => policy.generate(prompts, g.groupSize, sampleOpts)));
        else rollouts = await policy.generate(prompts, g.groupSize, sampleOpts);
        const t1 = performance.now();
        const c1 = cpuNow();
        const scored = score(rollouts);
        const weights = i === 0 && opts.onCheck ? await weightsOf(policy) : undefined;
        const t2 = performance.now();
        const c2 = cpuNow();
        let m: StepMetrics;
        if (i === 0)
          ({ result: m, peak: peakUpdate, dispatched: kUpdate } = await profiled(() => policy.grpoStep(scored)));
        else m = await policy.grpoStep(scored);
        const t3 = performance.now();
        const c3 = cpuNow();
        if (i < opts.warmup) first.push([t1 - t0, t3 - t2]);
        if (i >= opts.warmup) {
          sample.push(t1 - t0);
          update.push(t3 - t2);
          total.push(t1 - t0 + t3 - t2);
          cpu[0].push(c1 - c0);
          cpu[1].push(c3 - c2);
          cpu[2].push(c1 - c0 + c3 - c2);
        }
        say(
          `grpo ${i < opts.warmup ? 'warm-up' : 'rep'} ${i + 1}/${steps}: sample ${(t1 - t0).toFixed(0)} ms, update ${(t3 - t2).toFixed(0)} ms`,
        );
        if (weights && opts.onCheck) {
          const G = scored.groupSize;
          const N = scored.completionIds.length;
          const hb = buildBatch(
            tok,
            policy.model.config,
            Array.from({ length: N }, (_, n) => scored.prompts[Math.floor(n / G)]),
            scored.completionIds,
          );
          const advantages = computeAdvantages(scored.rewards, G, policy.config.grpo.scaleRewards);
          await opts.onCheck({ phase: 'grpo_update', weights, batch: hb, advantages, ours: m });
        }
      }
      if (opts.profile) {
        const s = await profiled(() =>
          policy.generate(promptsOf(), g.groupSize, { maxCompletionLength: g.maxCompletionLength, seed: 7 }),
        );
        opts.profile('grpo_sample', kernelSummary(s.kernels));
        opts.profile('grpo_update', kernelSummary((await profiled(() => policy.grpoStep(score(s.result)))).kernels));
      }
      const f = first[0] ?? [NaN, NaN];
      if (phases.includes('grpo_sample'))
        out.push(timing(w, 'grpo_sample', sample, peakSample, f[0], kSample, 1, cpu[0]));
      if (phases.includes('grpo_update'))
        out.push(timing(w, 'grpo_update', update, peakUpdate, f[1], kUpdate, 1, cpu[1]));
      if (phases.includes('grpo'))
        out.push(timing(w, 'grpo', total, Math.max(peakSample, peakUpdate), f[0] + f[1], kSample + kUpdate, 1, cpu[2]));
    }
    return out;
  } finally {
    policy.dispose();
  }
}

/** A phase's row; with R replicas, R times the work of one in each step. */
export function timing(
  w: WorkloadShape,
  phase: Phase,
  ms: number[],
  peak: number,
  warmupMs = NaN,
  kernels = NaN,
  replicas = 1,
  cpuMs: number[] = [],
): PhaseTiming {
  const med = median(ms);
  const tokens = replicas * phaseTokens(w, phase);
  return {
    phase,
    ms,
    ms_median: med,
    tokens,
    tokens_per_s: (tokens * 1000) / med,
    peak_bytes: peak,
    warmup_ms: warmupMs,
    cpu_ms_median: median(cpuMs),
    kernels,
    replicas,
  };
}
