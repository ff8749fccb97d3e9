/**
 * The active run: its session, the loop that advances it one unit at a time, and what it sends
 * the page while it trains (metric batches at most every flushMs, rollouts, evaluations,
 * progress with the thread's tensor memory, a checkpoint every checkpointEvery units and at
 * pause / stop / done). On WebGPU each phase's shaders are compiled before its first step.
 */
import * as tf from '@tensorflow/tfjs';
import { webgpuDeviceLost } from '../engine/backend.ts';
import type { ResolvedRunConfig } from '../config/run-config.ts';
import type { RunSessionLike, StepReport } from '../runtime/session-types.ts';
import type { MetricRow, RunProgress, RunState } from '../runtime/types.ts';
import type { BackendManager } from './backend-manager.ts';
import type { Post } from './protocol.ts';

export interface SessionRequest {
  runId: string;
  config: ResolvedRunConfig;
  /** Resume from this run checkpoint. */
  checkpoint?: ArrayBuffer;
  /** Where bundled base models live (a URL prefix ending in '/'), from the page's init message. */
  baseUrl?: string;
  backend: BackendManager['name'];
}
export type SessionFactory = (req: SessionRequest) => Promise<RunSessionLike>;

export interface RunLoopOptions {
  post: Post;
  backend: BackendManager;
  createSession: SessionFactory;
  baseUrl: () => string | undefined;
  /** Post the run's checkpoint every this many units (and at pause/stop/done). */
  checkpointEvery: number;
  /** Flush metric rows at most this often (ms). */
  flushMs: number;
}

/** Metrics whose first non-finite value stops a run: the losses, the KL term and the gradient norm. */
const GUARDED = /^(loss(\/.*)?|kl|grad_norm)$/;

/**
 * The first loss, KL or gradient norm in `rows` that is NaN or infinite, with its step: a run whose
 * weights diverged (or came from a damaged checkpoint) would otherwise train on, silently, on NaN.
 */
export function firstNonFinite(
  rows: readonly MetricRow[],
): { step: number; metric: string; value: number } | undefined {
  for (const r of rows)
    for (const [metric, value] of Object.entries(r))
      if (GUARDED.test(metric) && !Number.isFinite(value)) return { step: r.step, metric, value };
  return undefined;
}

/** The progress plus the training thread's tensor memory, for the page's memory readout. */
function withMemory(p: RunProgress): RunProgress {
  const m = tf.memory();
  return { ...p, tensorBytes: m.numBytes, numTensors: m.numTensors };
}

export class ActiveRun {
  state: RunState = 'idle';
  private loopDone?: Promise<void>;
  /** The RL step of the last checkpoint posted (for messages). */
  private lastCheckpointUnit?: number;
  private pauseRequested = false;
  private pending: MetricRow[] = [];
  private lastFlush = 0;
  /** Phases whose shaders were compiled in this session (WebGPU). */
  private compiled = new Set<string>();
  private stopped = false;
  /** Set when a step reported a non-finite loss or gradient norm: the run pauses and says where. */
  private diverged?: string;

  constructor(
    readonly runId: string,
    readonly config: ResolvedRunConfig,
    public session: RunSessionLike,
    private lastCheckpoint: ArrayBuffer | undefined,
    private readonly o: RunLoopOptions,
  ) {}

  get running(): boolean {
    return this.loopDone !== undefined;
  }

  get checkpoint(): ArrayBuffer | undefined {
    return this.lastCheckpoint;
  }

  setState(state: RunState, message?: string): void {
    if (state === 'paused' && this.diverged && message === undefined) message = this.diverged;
    this.state = state;
    this.o.post({ type: 'state', runId: this.runId, state, message });
  }

  postProgress(): void {
    this.o.post({ type: 'progress', runId: this.runId, progress: withMemory(this.session.progress()) });
  }

  flush(force = false): void {
    if (this.pending.length === 0) return;
    if (!force && performance.now() - this.lastFlush < this.o.flushMs) return;
    this.o.post({ type: 'metrics', runId: this.runId, rows: this.pending.splice(0) });
    this.lastFlush = performance.now();
  }

  async postCheckpoint(): Promise<void> {
    if (this.diverged) return; // never replace the last good checkpoint with NaN weights
    // The metric rows up to the checkpoint go first, so the page never stores a checkpoint newer
    // than its metrics (a resume replays only the steps after the checkpoint).
    this.flush(true);
    const buffer = await this.session.save();
    this.lastCheckpoint = buffer.slice(0);
    this.lastCheckpointUnit = this.session.rlStep;
    this.o.post({ type: 'checkpoint', runId: this.runId, step: this.session.unit, buffer }, [buffer]);
  }

  private report(rep: StepReport): void {
    const { post } = this.o;
    this.pending.push(...rep.rows);
    if (rep.rollouts)
      post({ type: 'rollouts', runId: this.runId, step: rep.rollouts.step, groups: rep.rollouts.groups });
    if (rep.eval) post({ type: 'eval', runId: this.runId, record: rep.eval });
    if (rep.selection?.length) post({ type: 'selection', runId: this.runId, records: rep.selection });
    this.postProgress();
  }

  /**
   * A phase's first step on WebGPU compiles its shaders (seconds on some GPUs): compile them
   * ahead, in parallel where the session can (compile-only mode), and say so with a count.
   */
  private async warmShaders(): Promise<void> {
    if (this.o.backend.name !== 'webgpu' || this.session.done) return;
    const p = this.session.progress();
    if (this.compiled.has(p.phase)) return;
    this.compiled.add(p.phase);
    const say = (extra: Partial<RunProgress>) =>
      this.o.post({
        type: 'progress',
        runId: this.runId,
        progress: withMemory({ ...p, phase: 'shader-warmup', compiling: p.phase, ...extra }),
      });
    say({});
    let last = 0;
    await this.session.warmShaders?.((done, total) => {
      // At most about ten messages per warm-up.
      if (done === 0 || done === total || done - last >= Math.max(1, Math.ceil(total / 10))) {
        last = done;
        say({ shadersDone: done, shadersTotal: total });
      }
    });
  }

  /**
   * One unit; a backend failure moves the run to wasm/cpu and resumes it from the last checkpoint,
   * and a non-finite loss or gradient norm pauses the run (with no checkpoint of the bad weights).
   */
  async unit(): Promise<void> {
    try {
      await this.warmShaders();
      const rep = await this.session.stepOnce();
      this.report(rep);
      const bad = firstNonFinite(rep.rows);
      if (bad) {
        this.diverged =
          `Paused at step ${bad.step}: ${bad.metric} is ${bad.value} (not a finite number), so the weights ` +
          'have diverged or were damaged. No checkpoint was saved after it' +
          (this.lastCheckpointUnit !== undefined ? ` (the last one is from step ${this.lastCheckpointUnit})` : '') +
          '. Reset and start again with a lower learning rate, or import an earlier checkpoint.';
        this.pauseRequested = true;
        this.flush(true);
        return;
      }
      if (this.session.unit % this.o.checkpointEvery === 0) await this.postCheckpoint();
    } catch (e) {
      // A checkpoint's readback fails on a lost device too, so it is inside the guard.
      if (!this.o.backend.canFallBack(e)) throw e;
      await this.moveOffBackend(e);
    }
    this.flush();
  }

  /**
   * After a backend failure (a lost WebGPU device): switch to wasm (or cpu), reopen the run from its
   * last checkpoint, and tell the page in words where it went and from which step it continues.
   */
  private async moveOffBackend(e: unknown): Promise<void> {
    const reason = webgpuDeviceLost() ?? (e as Error).message ?? String(e);
    const atStep = this.session.rlStep;
    try {
      this.session.dispose();
    } catch {
      // The lost device may refuse to free its buffers; the session is dropped either way.
    }
    const from = await this.o.backend.fallBack();
    const to = this.o.backend.name;
    this.session = await this.o.createSession({
      runId: this.runId,
      config: this.config,
      checkpoint: this.lastCheckpoint,
      baseUrl: this.o.baseUrl(),
      backend: to,
    });
    const resumedFrom = this.lastCheckpoint ? this.session.rlStep : null;
    const what =
      from === 'webgpu' ? 'The GPU stopped working (the WebGPU device was lost)' : `The ${from} backend failed`;
    const where =
      resumedFrom === null
        ? 'starts again from the beginning: no checkpoint had been saved yet'
        : `continues from its checkpoint at step ${resumedFrom}` +
          (atStep === resumedFrom + 1
            ? ` (step ${atStep} runs again)`
            : atStep > resumedFrom
              ? ` (steps ${resumedFrom + 1} to ${atStep} run again)`
              : '');
    this.o.post({
      type: 'fallback',
      runId: this.runId,
      from,
      to,
      reason,
      atStep,
      resumedFrom,
      message: `${what} after step ${atStep}. Training moved to ${to} and ${where}.`,
    });
  }

  private async loop(isActive: () => boolean): Promise<void> {
    try {
      for (;;) {
        while (!this.pauseRequested && !this.session.done && isActive()) {
          if (this.state !== 'running' && this.session.rlStep > 0) this.setState('running');
          await this.unit();
          // Yield so pause/stop messages get through between steps.
          await new Promise((res) => setTimeout(res, 0));
        }
        this.flush(true);
        if (!isActive()) return;
        try {
          await this.postCheckpoint();
          break;
        } catch (e) {
          // The final checkpoint failed on a lost device: the run reopens from its last checkpoint
          // on wasm and, unless it was pausing, trains the rest again.
          if (!this.o.backend.canFallBack(e)) throw e;
          await this.moveOffBackend(e);
          if (this.pauseRequested) break;
        }
      }
      this.setState(this.session.done ? 'done' : 'paused');
    } catch (e) {
      this.flush(true);
      const message = (e as Error).message ?? String(e);
      this.setState('error', message);
      this.o.post({ type: 'error', runId: this.runId, message, fatal: true });
    } finally {
      this.loopDone = undefined;
    }
  }

  /** Starts (or resumes) the loop; no-op while it runs or when the run is done. */
  start(isActive: () => boolean): void {
    if (this.loopDone || this.session.done || this.stopped) return;
    this.pauseRequested = false;
    this.setState(this.session.rlStep > 0 ? 'running' : 'warming');
    this.loopDone = this.loop(isActive);
  }

  /** Asks the loop to stop after the current unit and waits for it. */
  async pause(): Promise<void> {
    this.pauseRequested = true;
    await this.loopDone;
  }

  /** Pauses for good and frees the session. */
  async dispose(): Promise<void> {
    await this.pause();
    this.stopped = true;
    this.session.dispose();
  }
}
