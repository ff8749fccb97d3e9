/**
 * The worker's backend: which one runs, reported to the page, and the one fallback the runtime
 * makes on its own: after a failure of the WebGPU backend (a lost device, a GPU error), switch to
 * wasm (then cpu). Programming errors are not backend failures; they surface with their message
 * (src/engine/backend.ts isBackendFailure).
 *
 * Which one runs: a run's backend setting names one (used as named, falling back only if it cannot
 * start), or says 'auto': after WebGPU's self-test, a real RL step of the run's configuration is
 * timed on WebGPU and on wasm and the faster is kept (src/engine/backend-choice.ts; a GPU adapter
 * is skipped only when measured slower). The badge says why: "wasm (2 threads): 6.8x faster than
 * WebGPU on SwiftShader here". A caller may instead pin an order (tests, tools).
 */
import type { BackendChoice } from '../config/fields.ts';
import { validateRunConfig, withDefaults, type ResolvedRunConfig, type RunConfig } from '../config/run-config.ts';
import {
  adapterName,
  initBackend,
  isBackendFailure,
  type BackendName,
  type BackendStatus,
  type RememberedChoice,
} from '../engine/backend.ts';
import { chooseBackend, speedupText, type BackendDecision, type StepTimings } from '../engine/backend-choice.ts';
import { isCpuAdapter } from '../engine/kernels/cpu-kernels.ts';
import { timeRlStep } from '../runtime/step-timing.ts';
import type { Post } from './protocol.ts';

/** At most this much time goes into timing the candidates (the first, compiling step excluded). */
const TIMING_BUDGET_MS = 12_000;
/** The first timed batch (prompts per step): one prompt with its G completions; larger ones follow while WebGPU is behind but closing. */
const FIRST_BATCH = 1;

const ORDER: Record<BackendName, BackendName[]> = {
  webgpu: ['webgpu', 'wasm', 'cpu'],
  wasm: ['wasm', 'cpu'],
  cpu: ['cpu'],
};

/** What the measurement depends on: the same answer serves runs that share it. */
function timingKey(c: ResolvedRunConfig): string {
  return [c.domain, c.modelSize, c.method, c.groupSize, c.maxCompletionLength].join('|');
}

/** The key a remembered choice holds for: the adapter and the run's shape. */
export function choiceKey(gpu: Pick<BackendStatus, 'adapter'>, c: ResolvedRunConfig): string {
  const a = gpu.adapter;
  return `${a ? adapterName(a) : ''}|${a?.description ?? ''}|${timingKey(c)}`;
}

function resolve(config: RunConfig | undefined): ResolvedRunConfig {
  const v = config ? validateRunConfig(config) : undefined;
  return v?.ok ? v.config : withDefaults();
}

export class BackendManager {
  name: BackendName = 'cpu';
  private pinned?: BackendName[];
  private choice: BackendChoice = 'auto';
  private config: ResolvedRunConfig = withDefaults();
  private wasmPaths?: Record<string, string>;
  private ready?: Promise<void>;
  /** The choice and timing key the current backend was set up for. */
  private setUpFor?: string;
  private remembered?: RememberedChoice;

  constructor(private readonly post: Post) {}

  /** The page's wishes (from 'init'): a pinned order, or the backend setting and the config to time; the wasm files. */
  configure(
    order: BackendName[] | undefined,
    wasmPaths: Record<string, string> | undefined,
    choice: BackendChoice = 'auto',
    config?: RunConfig,
    remembered?: RememberedChoice,
  ): void {
    this.remembered = remembered;
    this.pinned = order;
    this.wasmPaths = wasmPaths;
    this.choice = choice;
    this.config = resolve(config);
    this.ready = undefined;
  }

  /** Initializes once (or again after configure) and reports the backend to the page. */
  ensure(): Promise<void> {
    this.ready ??= this.init();
    return this.ready;
  }

  /**
   * Before a run opens: the backend its settings ask for. A pinned order ignores them; a new
   * setting, or 'auto' with a configuration whose step was not timed, decides again.
   */
  async ensureFor(config: ResolvedRunConfig): Promise<void> {
    await this.ensure();
    if (this.pinned) return;
    if (this.key(config.backend, config) === this.setUpFor) return;
    this.choice = config.backend;
    this.config = config;
    this.ready = this.init();
    await this.ready;
  }

  private key(choice: BackendChoice, config: ResolvedRunConfig): string {
    return choice === 'auto' ? `auto|${timingKey(config)}` : choice;
  }

  private async start(order: BackendName[]): Promise<BackendStatus> {
    // wasm threads where the page is cross-origin isolated (vite.config.ts sends COOP / COEP).
    const status = await initBackend({ order, wasmPaths: this.wasmPaths, wasmThreads: true });
    this.name = status.name;
    return status;
  }

  private async init(): Promise<void> {
    if (this.pinned) {
      this.post({ type: 'backend', status: await this.start(this.pinned) });
      return;
    }
    const choice = this.choice;
    this.setUpFor = this.key(choice, this.config);
    if (choice !== 'auto') {
      const s = await this.start(ORDER[choice]);
      const label = s.name === choice ? `${s.label} · as set` : s.label;
      this.post({ type: 'backend', status: { ...s, label, choice: { mode: 'setting' } } });
      return;
    }
    const first = await this.start(ORDER.webgpu);
    const key = choiceKey(first, this.config);
    if (first.name !== 'webgpu') {
      // No rival: the backend is what it is, but its step is still timed (once per machine and run
      // shape) so the page can say how long a run takes here.
      if (this.remembered?.key === key) {
        const choice = { mode: 'auto' as const, timings: this.remembered.timings, remembered: true };
        this.post({ type: 'backend', status: { ...first, choice } });
        return;
      }
      this.post({ type: 'backend', status: { ...first, choice: { mode: 'auto' } } });
      const timings = await this.timeAlone(first.name);
      const decision: BackendDecision = { name: first.name, speedup: NaN, reason: 'WebGPU is not available' };
      const choice = { mode: 'auto' as const, timings, remember: { key, decision, timings } };
      this.post({ type: 'backend', status: { ...first, choice } });
      return;
    }
    if (this.remembered?.key === key) {
      this.post({
        type: 'backend',
        status: await this.apply(first, this.remembered.decision, this.remembered.timings, true),
      });
      return;
    }
    this.post({
      type: 'backend',
      status: { ...first, deciding: true, label: `${first.label}: timing a training step against wasm…` },
    });
    const status = await this.decide(first);
    this.post({
      type: 'backend',
      status: {
        ...status,
        choice: {
          ...status.choice!,
          remember: { key, decision: status.choice!.decision!, timings: status.choice!.timings! },
        },
      },
    });
  }

  /** Times the run's step on WebGPU (active) and wasm, larger batches while WebGPU is behind but closing; keeps the faster. */
  private async decide(gpu: BackendStatus): Promise<BackendStatus> {
    const software = !!gpu.adapter && (gpu.adapter.isFallbackAdapter || isCpuAdapter(gpu.adapter));
    const full = this.config.batchSize;
    const timings: StepTimings[] = [];
    let wasm: BackendStatus | undefined;
    let spent = 0;
    let batch = Math.min(FIRST_BATCH, full);
    let decision: BackendDecision;
    for (;;) {
      if (this.name !== 'webgpu') await this.start(['webgpu']);
      const g = await this.time('webgpu', batch);
      wasm = await this.start(ORDER.wasm);
      const w = wasm.name === 'wasm' ? await this.time('wasm', batch) : undefined;
      if (!g || !w) {
        decision = chooseBackend(g ? [{ batch, webgpuMs: g.ms, wasmMs: NaN }] : [], { fullBatch: full });
        break;
      }
      spent += g.ms + w.ms;
      timings.push({ batch, webgpuMs: g.ms, wasmMs: w.ms, group: this.config.groupSize });
      // The next batch must fit the budget: step times grow at most linearly with the batch.
      const perPrompt = (g.ms + w.ms) / batch;
      const maxBatch = Math.max(batch, Math.floor((TIMING_BUDGET_MS - spent) / perPrompt));
      decision = chooseBackend(timings, { fullBatch: full, maxBatch, softwareAdapter: software });
      if (!decision.measureAt) break;
      batch = decision.measureAt;
    }
    return this.apply(gpu, decision, timings, false, wasm);
  }

  /** Switches to the decided backend and says why in its label. */
  private async apply(
    gpu: BackendStatus,
    decision: BackendDecision,
    timings: StepTimings[],
    remembered: boolean,
    wasm?: BackendStatus,
  ): Promise<BackendStatus> {
    const rival = `WebGPU on ${gpu.adapter ? adapterName(gpu.adapter) : 'this adapter'}`;
    const final =
      decision.name === 'webgpu'
        ? this.name === 'webgpu'
          ? gpu
          : await this.start(['webgpu'])
        : wasm && this.name === 'wasm'
          ? wasm
          : await this.start(ORDER.wasm);
    const why = decision.name === 'wasm' ? speedupText(decision, rival) : speedupText(decision, 'wasm');
    return {
      ...final,
      label: why ? `${final.label}: ${why}` : final.label,
      choice: { mode: 'auto', decision, timings, remembered: remembered || undefined },
    };
  }

  /** The active backend's step at 1 prompt and at 4 (wasm: about a second each on 2 cores). */
  private async timeAlone(name: BackendName): Promise<StepTimings[]> {
    const out: StepTimings[] = [];
    // The full batch too: wasm steps grow faster than linearly from 1 and 4 prompts (a step of 32
    // was 577 ms where those two put it at 351), so estimates of how long a run takes would be low.
    const full = Math.min(this.config.batchSize, 32);
    for (const batch of [...new Set([1, Math.min(4, full), full])]) {
      const t = await this.time(name, batch);
      if (t) out.push({ batch, webgpuMs: NaN, wasmMs: t.ms, group: this.config.groupSize });
    }
    return out;
  }

  /** One timed step on `backend` (the active one), or undefined when it fails there. */
  private async time(backend: BackendName, batch: number) {
    try {
      return await timeRlStep(this.config, backend, batch);
    } catch (e) {
      // A GPU that fails the step loses the choice; anything else is a bug and surfaces.
      if (backend === 'webgpu' && isBackendFailure(e)) return undefined;
      throw e;
    }
  }

  /** Should `e`, thrown by a training step, move the run off this backend? */
  canFallBack(e: unknown): boolean {
    return this.name === 'webgpu' && isBackendFailure(e);
  }

  /** Switches to wasm (or cpu) after a WebGPU failure; returns the backend it left. */
  async fallBack(): Promise<BackendName> {
    const from = this.name;
    this.ready = (async () => {
      this.post({ type: 'backend', status: await this.start(ORDER.wasm) });
    })();
    await this.ready;
    return from;
  }
}
