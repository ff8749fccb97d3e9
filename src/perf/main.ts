/**
 * The Chromium bench page (bench.html): `npm run bench` loads it once per backend and calls
 * window.benchRun; the workloads are the Node ones (workload.ts), on the page's main thread.
 */
import type { BackendName } from '../engine/backend.ts';
import { adapterName, initBackend } from '../engine/backend.ts';
import { setFusedAdam } from '../engine/kernels/fused-adam.ts';
import type { PresetName } from '../engine/model-config.ts';
import { wasmPaths } from '../ui/wasmPaths.ts';
import type { PhaseTiming, WorkloadRequest } from './workload.ts';
import { runWorkload, workloadShape } from './workload.ts';

export interface PageRequest extends WorkloadRequest {
  backend: BackendName;
  featureLevel?: 'core' | 'compatibility';
  /** false: keep tfjs's own kernels on a CPU-emulated adapter (A/B against src/engine/kernels/cpu-kernels.ts). */
  cpuKernels?: 'auto' | boolean;
  /** false: Adam as fifteen elementwise ops per variable instead of three fused kernels (A/B). */
  fusedAdam?: boolean;
  /** On a fallback (software) WebGPU adapter such as SwiftShader, run only these presets. */
  fallbackPresets?: PresetName[];
  /** wasm threads as in the app (default true; the page is served cross-origin isolated). */
  wasmThreads?: boolean;
}

export interface PageResult {
  label: string;
  adapter?: string;
  results: { preset: PresetName; timings: PhaseTiming[] }[];
  skipped?: string[];
  error?: string;
}

const logEl = document.getElementById('log');
const log = (m: string) => {
  console.log(m); // the CLI relays console lines as progress
  if (logEl) logEl.textContent += `\n${m}`;
};

async function benchRun(req: PageRequest): Promise<PageResult> {
  const out: PageResult = { label: '', results: [] };
  try {
    setFusedAdam(req.fusedAdam ?? true);
    const st = await initBackend({
      order: [req.backend],
      wasmPaths,
      webgpuFeatureLevel: req.featureLevel,
      cpuKernels: req.cpuKernels,
      wasmThreads: req.wasmThreads ?? true,
    });
    if (st.name !== req.backend) throw new Error(`got ${st.name} instead of ${req.backend}: ${st.label}`);
    out.label = st.label;
    out.adapter = st.adapter
      ? adapterName(st.adapter)
      : st.name === 'wasm'
        ? `${st.wasmThreads ?? 1} thread${st.wasmThreads === 1 ? '' : 's'}`
        : undefined;
    const probe = st.adapter?.cpuKernelProbe;
    log(
      `bench: ${st.label}${probe ? ` · kernel probe: tfjs ${probe.tfjsMs.toFixed(0)} ms, barrier-free ${probe.oursMs.toFixed(0)} ms` : ''}`,
    );
    for (const preset of req.presets) {
      if (st.adapter?.isFallbackAdapter && req.fallbackPresets && !req.fallbackPresets.includes(preset)) {
        (out.skipped ??= []).push(`chromium webgpu ${preset} (software adapter ${out.adapter})`);
        continue;
      }
      const timings = await runWorkload(
        workloadShape(preset, { batch: req.batch, maxCompletionLength: req.maxCompletionLength }),
        {
          warmup: req.warmup,
          reps: req.reps,
          phases: req.phases,
          onProgress: (m) => log(`bench: ${preset} ${m}`),
        },
      );
      out.results.push({ preset, timings });
    }
  } catch (e) {
    out.error = (e as Error).stack ?? String(e);
  }
  return out;
}

(globalThis as unknown as { benchRun: typeof benchRun }).benchRun = benchRun;
(globalThis as unknown as { benchReady: boolean }).benchReady = true;
