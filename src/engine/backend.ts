/**
 * Backend selection: try webgpu, then wasm, then cpu. Each candidate must pass a small forward and
 * backward self-test that agrees with the cpu backend; a skipped candidate records why.
 * Works on the main thread, in a Web Worker and in Node (Node's WebGPU comes from the `webgpu`
 * package, installed on globalThis.navigator by src/engine/node.ts before this runs).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { installCpuKernels, isCpuAdapter, isUnidentifiedAdapter, probeCpuKernels } from './kernels/cpu-kernels.ts';
import { switchedOff } from './env.ts';
import { BACKENDS, type BackendName } from '../config/fields.ts';
import type { BackendDecision, StepTimings } from './backend-choice.ts';

export type { BackendName };
/** The order the runtime tries backends in (the configuration table's). */
export const BACKEND_ORDER: BackendName[] = [...BACKENDS];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** GPUAdapterInfo.device: where Dawn's GLES path names the renderer ("llvmpipe-llvm-15 ..."). */
  device?: string;
  isFallbackAdapter: boolean;
  featureLevel: 'core' | 'compatibility';
  /** The barrier-free kernels of cpu-kernels.ts replace tfjs's matMul, softmax and reductions (CPU-emulated adapters). */
  cpuKernels?: boolean;
  /** For an adapter that hides its name: the probe's attention workload, tfjs's kernels vs ours (ms). */
  cpuKernelProbe?: { tfjsMs: number; oursMs: number };
}

export interface SelfTestResult {
  ok: boolean;
  /** max |ours - cpu| over the outputs and gradients, relative to max(1, |cpu|) */
  maxRelDiff: number;
  ms: number;
  error?: string;
}

export interface BackendStatus {
  name: BackendName;
  adapter?: AdapterSummary;
  skipped: { name: BackendName; reason: string }[];
  selfTest: SelfTestResult;
  /** wasm: the threads tfjs's XNNPACK pool uses (more than 1 only on a cross-origin-isolated page). */
  wasmThreads?: number;
  /** One line for the badge: "WebGPU · SwiftShader (fallback adapter)" or "wasm: WebGPU unavailable: no adapter". */
  label: string;
  /**
   * How it was chosen: 'auto' (the faster for the run, measured: the timings and the decision),
   * 'setting' (named in the run's settings) or absent (the caller's order, as in the CLI).
   */
  choice?: {
    mode: 'auto' | 'setting';
    decision?: BackendDecision;
    timings?: StepTimings[];
    /** Measured on this machine on an earlier page load (not timed again). */
    remembered?: boolean;
    /** What the page keeps so the next load need not time again. */
    remember?: RememberedChoice;
  };
  /** While 'auto' times the candidates: the status says so and `name` is the backend in use meanwhile. */
  deciding?: boolean;
}

/** A measured 'auto' choice, kept by the page: valid for the same adapter and run shape. */
export interface RememberedChoice {
  /** The adapter and the timed configuration's shape it was measured for. */
  key: string;
  decision: BackendDecision;
  timings: StepTimings[];
}

export interface BackendOptions {
  /** Candidates in order; default webgpu, wasm, cpu (Node callers usually pass ['wasm', 'cpu']). */
  order?: BackendName[];
  /** Directory URL/path of the .wasm files, or a map from file name to URL (Vite `?url` imports). */
  wasmPaths?: string | Record<string, string>;
  /** Ask WebGPU for a compatibility-mode adapter first (the GLES software path); default: core first, then compatibility. */
  webgpuFeatureLevel?: 'core' | 'compatibility' | 'auto';
  /**
   * Barrier-free matMul / softmax / reduction kernels on adapters that emulate the GPU on the CPU
   * (llvmpipe, SwiftShader): 'auto' (default) uses them there only; false never (A/B runs; the
   * environment variable CONTEXTRL_CPU_KERNELS=0 does the same in Node).
   */
  cpuKernels?: 'auto' | boolean;
  /** Self-test tolerance; default 1e-3. */
  tolerance?: number;
  /**
   * Multithreaded wasm (tfjs's threaded SIMD build, up to 4 threads, at most one per logical core)
   * where the page is cross-origin isolated; default false (single-threaded everywhere). In a
   * Vite bundle this needs scripts/vite-wasm-threads.ts.
   */
  wasmThreads?: boolean;
}

let lastAdapter: AdapterSummary | undefined;

/** The barrier-free kernels on this adapter: install them, time both sets (an adapter that hides its name), or keep tfjs's. */
function cpuKernelChoice(a: AdapterSummary, option: 'auto' | boolean): 'install' | 'probe' | 'off' {
  if (option === false || switchedOff('CONTEXTRL_CPU_KERNELS')) return 'off';
  if (option === true || isCpuAdapter(a)) return 'install';
  return isUnidentifiedAdapter(a) ? 'probe' : 'off';
}
let webgpuRegistered = false;

function registerWebGPU(featureLevel: 'core' | 'compatibility' | 'auto', cpuKernels: 'auto' | boolean): void {
  if (webgpuRegistered) return;
  webgpuRegistered = true;
  // The package registers its own factory on import when navigator.gpu exists; replace it.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  // Our own factory instead of the package's: it tries a compatibility-mode adapter when no core
  // adapter exists (Chromium's GLES path, Dawn's OpenGL ES in Node) and records what it got.
  tf.registerBackend(
    'webgpu',
    async () => {
      const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
      if (!gpu) throw new Error('no navigator.gpu');
      const levels: ('core' | 'compatibility')[] = featureLevel === 'auto' ? ['core', 'compatibility'] : [featureLevel];
      let adapter: GPUAdapter | null = null;
      let level: 'core' | 'compatibility' = 'core';
      for (const l of levels) {
        // high-performance: on a machine with an integrated and a discrete GPU (or a real driver
        // beside a software one), take the discrete one.
        const opts = {
          powerPreference: 'high-performance',
          ...(l === 'compatibility' ? { featureLevel: 'compatibility' } : {}),
        } as GPURequestAdapterOptions;
        adapter = await gpu.requestAdapter(opts);
        if (adapter) {
          level = l;
          break;
        }
      }
      if (!adapter) throw new Error('no adapter');
      const required: GPUFeatureName[] = [];
      if (adapter.features.has('timestamp-query')) required.push('timestamp-query');
      const lim = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: required,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
          maxBufferSize: lim.maxBufferSize,
          maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
        },
      });
      deviceLost = undefined;
      // Once lost, every later WebGPU call fails: the runtime then falls back (src/worker/backend-manager.ts).
      void device.lost.then((i) => {
        deviceLost = i.message || i.reason || 'the WebGPU device was lost';
      });
      const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
      const fallback = Boolean(
        (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ||
        (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter,
      );
      lastAdapter = {
        vendor: info?.vendor ?? '',
        architecture: info?.architecture ?? '',
        description: info?.description ?? '',
        device: info?.device ?? '',
        isFallbackAdapter: fallback,
        featureLevel: level,
      };
      lastAdapter.cpuKernels = cpuKernelChoice(lastAdapter, cpuKernels) === 'install';
      if (lastAdapter.cpuKernels) installCpuKernels();
      return new WebGPUBackend(device, info);
    },
    1,
  );
}

let deviceLost: string | undefined;

/** Why the current WebGPU device was lost, or undefined while it is alive (or there is none). */
export function webgpuDeviceLost(): string | undefined {
  return deviceLost;
}

/**
 * Is `e` a failure of the backend (the GPU, its driver, its memory), which a switch to wasm can
 * get past, rather than a programming error that must surface as it is? A lost device always is;
 * otherwise the message must name the GPU side of things.
 */
export function isBackendFailure(e: unknown): boolean {
  if (deviceLost !== undefined) return true;
  const err = e as { name?: string; message?: string } | null;
  const name = err?.name ?? '';
  const message = String(err?.message ?? e);
  if (name === 'OperationError' || name === 'GPUPipelineError' || name === 'GPUOutOfMemoryError') return true;
  return /\bGPU|WebGPU|mapAsync|device (is |was )?lost|out of memory|allocation failed|shader|adapter/i.test(message);
}

/** A readable adapter name: "SwiftShader", "llvmpipe", "NVIDIA H100" ... */
export function adapterName(a: AdapterSummary): string {
  const text = `${a.description} ${a.vendor} ${a.architecture} ${a.device ?? ''}`.toLowerCase();
  if (text.includes('swiftshader')) return 'SwiftShader';
  if (text.includes('llvmpipe')) return 'llvmpipe';
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
}

export function backendLabel(status: Omit<BackendStatus, 'label'>): string {
  if (status.name === 'webgpu' && status.adapter) {
    const a = status.adapter;
    const notes = [
      a.isFallbackAdapter ? 'fallback adapter' : '',
      a.featureLevel === 'compatibility' ? 'compatibility mode' : '',
      a.cpuKernels ? 'CPU kernels' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `WebGPU · ${adapterName(a)}${notes ? ` (${notes})` : ''}`;
  }
  const why = status.skipped
    .map((s) => `${s.name === 'webgpu' ? 'WebGPU' : s.name} unavailable: ${s.reason}`)
    .join('; ');
  const name =
    status.name === 'wasm' && (status.wasmThreads ?? 1) > 1 ? `wasm (${status.wasmThreads} threads)` : status.name;
  return why ? `${name}: ${why}` : name;
}

// A tiny fixed problem: logits = tanh(x W1) W2, softmax cross-entropy against fixed labels,
// gradients w.r.t. W1 and W2. Covers matMul, tanh, logSoftmax, oneHot, transpose and reductions.
function selfTestProblem(): { x: number[]; w1: number[]; w2: number[]; labels: number[] } {
  const f = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => Math.sin(i * a + b) * 0.5);
  return { x: f(4 * 8, 0.7, 0.1), w1: f(8 * 6, 1.3, 0.2), w2: f(6 * 5, 0.9, 0.3), labels: [0, 3, 1, 4] };
}

async function runSelfTestProblem(): Promise<Float32Array[]> {
  const p = selfTestProblem();
  const outs = tf.tidy(() => {
    const x = tf.tensor2d(p.x, [4, 8]);
    const w1 = tf.tensor2d(p.w1, [8, 6]);
    const w2 = tf.tensor2d(p.w2, [6, 5]);
    const y = tf.oneHot(tf.tensor1d(p.labels, 'int32'), 5);
    const loss = (a: tf.Tensor, b: tf.Tensor) => {
      const logits = tf.matMul(tf.tanh(tf.matMul(x, a)), b);
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(loss)([w1, w2]);
    return [value, grads[0], tf.transpose(grads[1])];
  });
  const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  outs.forEach((t) => t.dispose());
  return data;
}

/** Runs the self-test on the active backend and compares with the cpu backend. */
export async function selfTest(tolerance = 1e-3): Promise<SelfTestResult> {
  const target = tf.getBackend();
  const t0 = performance.now();
  try {
    const ours = await runSelfTestProblem();
    const ms = performance.now() - t0;
    await tf.setBackend('cpu');
    const ref = await runSelfTestProblem();
    await tf.setBackend(target);
    let maxRelDiff = 0;
    ours.forEach((o, i) =>
      o.forEach((v, j) => {
        const r = ref[i][j];
        const d = Math.abs(v - r) / Math.max(1, Math.abs(r));
        maxRelDiff = Number.isFinite(d) ? Math.max(maxRelDiff, d) : Infinity;
      }),
    );
    const ok = maxRelDiff <= tolerance;
    return {
      ok,
      maxRelDiff,
      ms,
      error: ok
        ? undefined
        : `mismatch with cpu: max relative difference ${maxRelDiff.toExponential(2)} > ${tolerance}`,
    };
  } catch (e) {
    if (tf.getBackend() !== target) await tf.setBackend(target).catch(() => false);
    return { ok: false, maxRelDiff: Infinity, ms: performance.now() - t0, error: (e as Error).message ?? String(e) };
  }
}

function webgpuPrecheck(): string | undefined {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (!nav || !nav.gpu) return 'no navigator.gpu';
  return undefined;
}

/** Threads for the wasm backend: up to 4 and one per logical core where the page is cross-origin isolated, else 1. */
export function wasmThreadsWanted(
  enabled: boolean,
  g: { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } } = globalThis,
): number {
  if (!enabled || g.crossOriginIsolated !== true) return 1;
  return Math.max(1, Math.min(4, Math.floor(g.navigator?.hardwareConcurrency ?? 1)));
}

/**
 * Runs the wasm backend's initialization with `threads` threads. tfjs sizes its XNNPACK pool from
 * navigator.hardwareConcurrency / 2 (it assumes two hyperthreads per core), which leaves a 2-core
 * machine with one thread whatever setThreadsCount asks; for the duration of the initialization
 * only, the navigator reports 2 x threads.
 */
async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  setThreadsCount(threads);
  const nav = (globalThis as { navigator?: object }).navigator;
  const own = nav ? Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency') : undefined;
  if (nav) Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await init();
  } finally {
    if (nav) {
      if (own) Object.defineProperty(nav, 'hardwareConcurrency', own);
      else delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
    }
  }
}

/** Select and initialize a backend; never throws while cpu remains as a last resort. */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendStatus> {
  const order = opts.order ?? BACKEND_ORDER;
  const skipped: { name: BackendName; reason: string }[] = [];
  if (opts.wasmPaths) setWasmPaths(opts.wasmPaths as string);
  const threads = wasmThreadsWanted(opts.wasmThreads ?? false);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  for (const name of order) {
    if (name === 'webgpu') {
      const why = webgpuPrecheck();
      if (why) {
        skipped.push({ name, reason: why });
        continue;
      }
      registerWebGPU(opts.webgpuFeatureLevel ?? 'auto', opts.cpuKernels ?? 'auto');
    }
    let ok: boolean;
    try {
      ok =
        name === 'wasm' && threads > 1
          ? await withWasmThreads(threads, () => tf.setBackend(name))
          : await tf.setBackend(name);
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message ?? String(e) });
      continue;
    }
    if (!ok) {
      // tfjs swallows the factory's error and logs it; the webgpu factory only fails on the adapter.
      skipped.push({ name, reason: name === 'webgpu' ? 'no adapter' : 'initialization failed' });
      tf.removeBackend(name);
      continue;
    }
    await tf.ready();
    // Once per adapter: the factory (and so this) runs again only for a new backend.
    if (
      name === 'webgpu' &&
      lastAdapter &&
      !lastAdapter.cpuKernelProbe &&
      cpuKernelChoice(lastAdapter, opts.cpuKernels ?? 'auto') === 'probe'
    ) {
      const p = await probeCpuKernels();
      lastAdapter.cpuKernels = p.installed;
      lastAdapter.cpuKernelProbe = { tfjsMs: p.tfjsMs, oursMs: p.oursMs };
    }
    const st = await selfTest(opts.tolerance ?? 1e-3);
    if (!st.ok && name !== 'cpu') {
      skipped.push({ name, reason: `self-test failed: ${st.error}` });
      continue;
    }
    const base = {
      name,
      adapter: name === 'webgpu' ? lastAdapter : undefined,
      skipped,
      selfTest: st,
      ...(name === 'wasm' ? { wasmThreads: getThreadsCount() } : {}),
    };
    return { ...base, label: backendLabel(base) };
  }
  throw new Error(`no backend could be initialized: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
