/**
 * Which backend runs a run when the settings say "auto": the faster one for this run on this
 * machine, measured. WebGPU is timed against wasm on a real RL step of the run's configuration at a
 * small batch and at a larger one, and at larger ones still while a GPU is behind but closing. A
 * GPU adapter is skipped only when measured slower with the gap not closing towards the run's full
 * batch; a software adapter when measured slower at the second batch. Pure: no tfjs, so the rule
 * is unit-tested on hand-made timings.
 */
import type { BackendName } from '../config/fields.ts';

/** One measurement: ms per RL step on each backend at `batch` prompts. */
export interface StepTimings {
  batch: number;
  webgpuMs: number;
  wasmMs: number;
  /** Completions per prompt (G) of the timed configuration. */
  group?: number;
}

export interface BackendDecision {
  name: BackendName;
  /** How many times faster the kept backend was at the largest batch measured (>= 1, or NaN without a rival). */
  speedup: number;
  /** One sentence for the badge's tooltip. */
  reason: string;
  /** Measure again at this batch before deciding (the caller does, then asks again). */
  measureAt?: number;
}

/** WebGPU keeps the run unless wasm is faster by more than this factor (noise in one short timing). */
export const KEEP_WEBGPU_WITHIN = 1.1;
/** A ratio that fell by less than this between two batches is not closing. */
const CLOSING = 0.85;

export interface ChoiceContext {
  /** The run's prompts per step. */
  fullBatch: number;
  /** The largest batch the time budget allows measuring next (default: the full batch). */
  maxBatch?: number;
  /**
   * The adapter emulates a GPU on the CPU (SwiftShader, llvmpipe, a fallback adapter). Its gap to
   * wasm is not a GPU's dispatch overhead that larger batches hide (on SwiftShader here one step
   * took 2.0x wasm's at 1 prompt, 1.3x at 4 and about 10x at 16): it is always timed at the second
   * batch, and skipped when behind there.
   */
  softwareAdapter?: boolean;
}

/**
 * The decision after the measurements so far (ascending batches). WebGPU within 10% of wasm, or
 * ahead, is kept at once. Behind at the first batch, it is measured again at a 4x larger one (step
 * times of GPUs grow slower with the batch than a CPU's, so a small batch must not condemn a GPU):
 * still behind with the gap not narrowing by 15% or more (a software adapter's gap widens), wasm
 * is kept; narrowing, larger batches follow while the budget lasts, and WebGPU is kept if the
 * budget ends before the full batch.
 */
export function chooseBackend(timings: StepTimings[], ctx: ChoiceContext): BackendDecision {
  const { fullBatch } = ctx;
  const maxBatch = ctx.maxBatch ?? fullBatch;
  const last = timings.at(-1);
  if (!last || !(last.webgpuMs > 0)) return { name: 'wasm', speedup: NaN, reason: 'WebGPU could not be timed' };
  if (!(last.wasmMs > 0)) return { name: 'webgpu', speedup: NaN, reason: 'wasm could not be timed' };
  const ratio = last.webgpuMs / last.wasmMs; // > 1: WebGPU slower
  const at = `at ${last.batch} prompt${last.batch === 1 ? '' : 's'} per step`;
  const next = Math.min(fullBatch, last.batch * 4);
  // A software adapter's fixed costs can hide its slope at 1 prompt: it is always timed at the second batch.
  if (ctx.softwareAdapter && timings.length === 1 && next > last.batch)
    return { name: 'webgpu', speedup: NaN, reason: `software adapter: timing a larger batch`, measureAt: next };
  if (ratio <= KEEP_WEBGPU_WITHIN)
    return {
      name: 'webgpu',
      speedup: 1 / ratio,
      reason:
        ratio <= 1
          ? `WebGPU took ${fmtMs(last.webgpuMs)} per step, wasm ${fmtMs(last.wasmMs)} (${at})`
          : `WebGPU within ${Math.round((KEEP_WEBGPU_WITHIN - 1) * 100)}% of wasm (${at}): a GPU is kept unless clearly slower`,
    };
  const prev = timings.at(-2);
  const wasmWins: BackendDecision = {
    name: 'wasm',
    speedup: ratio,
    reason: `wasm took ${fmtMs(last.wasmMs)} per step, WebGPU ${fmtMs(last.webgpuMs)} (${at}${
      prev ? `; ${(prev.webgpuMs / prev.wasmMs).toFixed(1)}x at ${prev.batch}` : ''
    })`,
  };
  if (!prev) {
    // One measurement never condemns WebGPU below the full batch: the second is always taken.
    if (next > last.batch) return { name: 'webgpu', speedup: NaN, reason: `WebGPU behind ${at}`, measureAt: next };
    return wasmWins;
  }
  const closing = !ctx.softwareAdapter && ratio < CLOSING * (prev.webgpuMs / prev.wasmMs);
  if (!closing) return wasmWins;
  if (Math.min(next, maxBatch) > last.batch)
    return {
      name: 'webgpu',
      speedup: NaN,
      reason: `WebGPU behind ${at} but closing; measuring a larger batch`,
      measureAt: Math.min(next, maxBatch),
    };
  if (last.batch < fullBatch)
    return {
      name: 'webgpu',
      speedup: NaN,
      reason: `WebGPU behind ${at} but catching up as the batch grows; kept for the full batch of ${fullBatch}`,
    };
  return wasmWins;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "6.8x faster than WebGPU on SwiftShader here" */
export function speedupText(d: BackendDecision, rival: string): string {
  if (!Number.isFinite(d.speedup)) return '';
  const x = d.speedup >= 10 ? d.speedup.toFixed(0) : d.speedup.toFixed(1);
  return d.speedup >= 1.05 ? `${x}x faster than ${rival} here` : `as fast as ${rival} here`;
}
