/**
 * One Node backend's share of `npm run bench`, run in its own process (src/cli/bench.ts spawns it
 * with --child) so every backend starts from a fresh tfjs engine and a Dawn crash costs one row.
 * Also writes the loss-equality manifests (weights + batch + our loss and gradient norm) that
 * bench/torch_ref.py recomputes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../engine/backend.ts';
import { adapterName, initBackend } from '../engine/backend.ts';
import { installNodeWebGPU, nodeWasmDir } from '../engine/node.ts';
import { DEFAULT_CA, DEFAULT_GRPO } from '../engine/policy.ts';
import { modelConfig } from '../engine/model-config.ts';
import type { PresetName } from '../engine/model-config.ts';
import type { CheckCapture, Phase, PhaseTiming, WorkloadRequest } from '../perf/workload.ts';
import { benchTokenizer, runWorkload, workloadShape } from '../perf/workload.ts';
import { runReplicaWorkload, type ReplicaTiming } from '../perf/replica-workload.ts';

/** Our backends by row name: webgpu-gles / webgpu-vulkan are Dawn's OpenGL ES and Vulkan paths. */
export type NodeBackend = 'webgpu-vulkan' | 'webgpu-gles' | 'wasm' | 'cpu';
export const NODE_BACKENDS: NodeBackend[] = ['webgpu-vulkan', 'webgpu-gles', 'wasm', 'cpu'];

export interface ChildRequest extends WorkloadRequest {
  backend: NodeBackend;
  /** Write loss-equality manifests here (one per preset and trained phase). */
  checkDir?: string;
  profile?: boolean;
  /** On a fallback (software) WebGPU adapter such as SwiftShader, run only these presets. */
  fallbackPresets?: PresetName[];
  /** Directory of the tfjs .wasm files (the packed GPU bundle carries its own). */
  wasmDir?: string;
  /** Replica counts to time (1: plain runs; R > 1: replica-workload.ts); default [1]. */
  replicas?: number[];
}

export interface ChildResult {
  backend: NodeBackend;
  label: string;
  adapter?: string;
  results: { preset: PresetName; timings: (PhaseTiming | ReplicaTiming)[] }[];
  /** Presets left out (software WebGPU adapter). */
  skipped?: string[];
  checks: string[];
  profiles: { preset: PresetName; phase: Phase; kernels: { name: string; ms: number; count: number }[] }[];
  /** Workloads that failed (the rest of the backend's rows are still reported before it). */
  failed?: { preset: PresetName; replicas: number; error: string }[];
  error?: string;
}

/** What the tfjs wasm module prints or throws when it aborts (XNNPACK's status 6 is out of memory). */
const WASM_ABORT = /Aborted\(|out of memory|Cannot enlarge memory|memory access out of bounds|status 6/i;

/** Keeps the last lines this process writes to stdout and stderr (the wasm module prints its abort there). */
function watchOutput(): { text(): string; stop(): void } {
  let tail = '';
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((st) => st.write.bind(st));
  streams.forEach((st, i) => {
    st.write = ((chunk: unknown, ...rest: unknown[]) => {
      tail = (tail + String(chunk)).slice(-4000);
      return (originals[i] as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof st.write;
  });
  return {
    text: () => tail,
    stop: () => streams.forEach((st, i) => (st.write = originals[i] as typeof st.write)),
  };
}

/**
 * What a failed workload's error means, in a line. On wasm a model that does not fit its 4 GB heap
 * surfaces as an abort from the module (XNNPACK's "out of memory" status) and then as unrelated
 * TypeErrors; say that instead.
 */
export function explainFailure(
  backend: NodeBackend,
  replicas: number,
  e: unknown,
  printed = '',
): { error: string; fatal: boolean } {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (backend === 'wasm' && WASM_ABORT.test(`${text}\n${printed}`))
    return {
      error: `out of wasm memory (4 GB heap) with ${replicas} replica${replicas === 1 ? '' : 's'}: time fewer replicas at once (${text.split('\n')[0].slice(0, 80)})`,
      fatal: true, // an aborted wasm module cannot run anything else
    };
  return { error: text.split('\n')[0], fatal: false };
}

/** Selects the backend; returns the badge label and the adapter name. */
async function selectBackend(
  b: NodeBackend,
  wasmDir: string | undefined,
  progress: (msg: string) => void,
): Promise<{ label: string; adapter?: string; fallback: boolean }> {
  let order: BackendName[] = [b as BackendName];
  let level: 'core' | 'compatibility' | undefined;
  if (b.startsWith('webgpu')) {
    const why = await installNodeWebGPU(b === 'webgpu-gles' ? 'opengles' : 'vulkan');
    if (why) throw new Error(`Dawn could not load: ${why}`);
    order = ['webgpu'];
    level = b === 'webgpu-gles' ? 'compatibility' : 'core';
  }
  const st = await initBackend({ order, wasmPaths: wasmDir ?? nodeWasmDir(), webgpuFeatureLevel: level });
  // A/B of tfjs's own flags, e.g. TFJS_FLAGS=WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=64 (numbers and true/false).
  for (const kv of (process.env.TFJS_FLAGS ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    tf.env().set(k, v === 'true' ? true : v === 'false' ? false : Number(v));
    progress(`tfjs flag ${k} = ${String(tf.env().get(k))}`);
  }
  if (st.name !== order[0]) throw new Error(`got ${st.name} instead of ${order[0]}: ${st.label}`);
  return {
    label: st.label,
    adapter: st.adapter ? adapterName(st.adapter) : undefined,
    fallback: Boolean(st.adapter?.isFallbackAdapter),
  };
}

/** Writes the manifest + binary blob torch_ref.py loads; returns the manifest path. */
export function writeCheck(dir: string, preset: PresetName, c: CheckCapture): string {
  mkdirSync(dir, { recursive: true });
  const parts: Uint8Array[] = [];
  let offset = 0;
  const put = (a: Float32Array | Int32Array, shape: number[]) => {
    const bytes = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    parts.push(bytes);
    const entry = { shape, offset };
    offset += bytes.byteLength;
    return entry;
  };
  const hb = c.batch;
  const T = hb.Tp + hb.L;
  const weights = c.weights.map((w) => ({ name: w.name, ...put(w.data, w.shape) }));
  const batch = {
    B: hb.B,
    Tp: hb.Tp,
    L: hb.L,
    ids: put(hb.ids, [hb.B, T]),
    positions: put(hb.positions, [hb.B, T]),
    keyMask: put(hb.keyMask, [hb.B, T]),
    ...(hb.L > 0 ? { targets: put(hb.targets, [hb.B, hb.L]), targetMask: put(hb.targetMask, [hb.B, hb.L]) } : {}),
  };
  const base = path.join(dir, `${preset}-${c.phase}`);
  writeFileSync(`${base}.bin`, Buffer.concat(parts));
  const tok = benchTokenizer();
  const manifest = {
    phase: c.phase,
    preset,
    bin: `${base}.bin`,
    config: modelConfig(preset, tok.size),
    weights,
    batch,
    advantages: c.advantages,
    positiveId: c.positiveId,
    negativeId: c.negativeId,
    grpo: DEFAULT_GRPO,
    // bench/torch_ref.py's names: c and variant.
    ca: { lambda: DEFAULT_CA.lambda, c: DEFAULT_CA.caClip, variant: DEFAULT_CA.caVariant },
    maxCompletionLength: hb.L,
    ours: c.ours,
  };
  writeFileSync(`${base}.json`, JSON.stringify(manifest));
  return `${base}.json`;
}

export async function runChild(req: ChildRequest, progress: (msg: string) => void): Promise<ChildResult> {
  const out: ChildResult = { backend: req.backend, label: '', results: [], checks: [], profiles: [] };
  try {
    const sel = await selectBackend(req.backend, req.wasmDir, progress);
    out.label = sel.label;
    out.adapter = sel.adapter;
    progress(`${req.backend}: ${sel.label}`);
    for (const preset of req.presets) {
      if (sel.fallback && req.fallbackPresets && !req.fallbackPresets.includes(preset)) {
        (out.skipped ??= []).push(`node ${req.backend} ${preset} (software adapter ${sel.adapter})`);
        continue;
      }
      const shape = workloadShape(preset, { batch: req.batch, maxCompletionLength: req.maxCompletionLength });
      const profile = req.profile
        ? (phase: Phase, kernels: { name: string; ms: number; count: number }[]) => {
            out.profiles.push({ preset, phase, kernels });
          }
        : undefined;
      const timeOne = (R: number, onProgress: (m: string) => void): Promise<(PhaseTiming | ReplicaTiming)[]> =>
        R === 1
          ? runWorkload(shape, {
              warmup: req.warmup,
              reps: req.reps,
              phases: req.phases,
              onProgress,
              onCheck: req.checkDir
                ? (c) => {
                    out.checks.push(writeCheck(req.checkDir as string, preset, c));
                  }
                : undefined,
              profile,
            })
          : runReplicaWorkload(shape, R, {
              warmup: req.warmup,
              reps: req.reps,
              phases: req.phases,
              onProgress,
              profile,
            });
      for (const R of req.replicas ?? [1]) {
        const onProgress = (m: string) => progress(`${req.backend} ${preset} ${m}`);
        let timings: (PhaseTiming | ReplicaTiming)[];
        const printed = watchOutput();
        try {
          timings = await timeOne(R, onProgress);
        } catch (e) {
          const f = explainFailure(req.backend, R, e, printed.text());
          (out.failed ??= []).push({ preset, replicas: R, error: f.error });
          progress(`${req.backend} ${preset} R=${R}: ${f.error}`);
          if (f.fatal) return out;
          continue;
        } finally {
          printed.stop();
        }
        out.results.push({ preset, timings });
      }
    }
  } catch (e) {
    out.error = (e as Error).stack ?? String(e);
  }
  return out;
}
