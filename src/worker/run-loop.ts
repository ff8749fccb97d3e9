/**
 * The active run: its session, the loop that advances it one unit at a time, and what it sends
 * the page while it trains (metric batches at most every flushMs, rollouts, evaluations,
 * progress with the thread's tensor memory, a checkpoint every checkpointEvery units and at
 * pause / stop / done). On WebGPU each phase's shaders are compiled before its first step.
 */
import * as tf from '@tensorflow/tfjs';
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

/** The progress plus the training thread's tensor memory, for the page's memory readout. */
function withMemory(p: RunProgress): RunProgress {
  const m = tf.memory();
  return { ...p, tensorBytes: m.numBytes, numTensors: m.numTensors };
}

export class ActiveRun {
  state: RunState = 'idle';
  private loopDone?: Promise<void>;
  private pauseRequested = false;
  private pending: MetricRow[] = [];
  private lastFlush = 0;
  /** Phases whose shaders were compiled in this session (WebGPU). */
  private compiled = new Set<string>();
  private stopped = false;

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
    // The metric rows up to the checkpoint go first, so the page never stores a checkpoint newer
    // than its metrics (a resume replays only the steps after the checkpoint).
    this.flush(true);
    const buffer = await this.session.save();
    this.lastCheckpoint = buffer.slice(0);
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

  /** One unit; a backend failure moves the run to wasm/cpu and resumes it from the last checkpoint. */
  async unit(): Promise<void> {
    try {
      await this.warmShaders();
      this.report(await this.session.stepOnce());
    } catch (e) {
      if (!this.o.backend.canFallBack(e)) throw e;
      const reason = (e as Error).message ?? String(e);
      this.session.dispose();
      const from = await this.o.backend.fallBack();
      this.o.post({ type: 'fallback', runId: this.runId, from, to: this.o.backend.name, reason });
      this.session = await this.o.createSession({
        runId: this.runId,
        config: this.config,
        checkpoint: this.lastCheckpoint,
        baseUrl: this.o.baseUrl(),
        backend: this.o.backend.name,
      });
    }
    if (this.session.unit % this.o.checkpointEvery === 0) await this.postCheckpoint();
    this.flush();
  }

  private async loop(isActive: () => boolean): Promise<void> {
    try {
      while (!this.pauseRequested && !this.session.done && isActive()) {
        if (this.state !== 'running' && this.session.rlStep > 0) this.setState('running');
        await this.unit();
        // Yield so pause/stop messages get through between steps.
        await new Promise((res) => setTimeout(res, 0));
      }
      this.flush(true);
      if (!isActive()) return;
      await this.postCheckpoint();
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
