/**
 * The runtime's message handler: turns ToWorker messages into run-session calls and posts
 * FromWorker messages back. The worker entry wraps it around postMessage; the client's
 * main-thread fallback runs the same handler in the page. One run is active at a time.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../engine/backend.ts';
import { validateRunConfig } from '../config/run-config.ts';
import type { RunSessionLike, StepReport } from '../runtime/session-types.ts';
import type { MetricRow, RunConfig, RunState } from '../runtime/types.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import type { RunProgress } from '../runtime/types.ts';

/** The progress plus the training thread's tensor memory, for the page's memory readout. */
function withMemory(p: RunProgress): RunProgress {
  const m = tf.memory();
  return { ...p, tensorBytes: m.numBytes, numTensors: m.numTensors };
}

export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

export interface SessionRequest {
  runId: string;
  config: RunConfig;
  /** Resume from this run checkpoint. */
  checkpoint?: ArrayBuffer;
  /** Where bundled base models live (a URL prefix ending in '/'), from the page's init message. */
  baseUrl?: string;
  backend: BackendName;
}
export type SessionFactory = (req: SessionRequest) => Promise<RunSessionLike>;

export interface HandlerOptions {
  createSession: SessionFactory;
  /** Post the run's checkpoint every this many units (and at pause/stop/done). */
  checkpointEvery?: number;
  /** Flush metric rows at most this often (ms). */
  flushMs?: number;
}

interface ActiveRun {
  runId: string;
  config: RunConfig;
  session: RunSessionLike;
  state: RunState;
  loop?: Promise<void>;
  pauseRequested: boolean;
  pending: MetricRow[];
  lastFlush: number;
  lastCheckpoint?: ArrayBuffer;
  /** Phases whose first step ran on WebGPU in this session (that step compiles the shaders). */
  compiled?: Set<string>;
}

export function createHandler(post: Post, opts: HandlerOptions) {
  const checkpointEvery = opts.checkpointEvery ?? 25;
  const flushMs = opts.flushMs ?? 250;
  let backend: BackendName = 'cpu';
  let backendOrder: BackendName[] | undefined;
  let wasmPaths: Record<string, string> | undefined;
  let baseUrl: string | undefined;
  let ready: Promise<void> | undefined;
  let run: ActiveRun | undefined;
  // Messages are handled one after another so 'pause' right after 'start' sees the run.
  let queue: Promise<void> = Promise.resolve();

  const setState = (r: ActiveRun, state: RunState, message?: string) => {
    r.state = state;
    post({ type: 'state', runId: r.runId, state, message });
  };

  async function ensureBackend(order?: BackendName[]): Promise<void> {
    // wasm threads where the page is cross-origin isolated (vite.config.ts sends COOP / COEP).
    const status = await initBackend({ order: order ?? backendOrder, wasmPaths, wasmThreads: true });
    backend = status.name;
    post({ type: 'backend', status });
  }

  function flush(r: ActiveRun, force = false) {
    if (r.pending.length === 0) return;
    if (!force && performance.now() - r.lastFlush < flushMs) return;
    post({ type: 'metrics', runId: r.runId, rows: r.pending.splice(0) });
    r.lastFlush = performance.now();
  }

  async function postCheckpoint(r: ActiveRun) {
    const buffer = await r.session.save();
    r.lastCheckpoint = buffer.slice(0);
    post({ type: 'checkpoint', runId: r.runId, step: r.session.unit, buffer }, [buffer]);
  }

  function report(r: ActiveRun, rep: StepReport) {
    r.pending.push(...rep.rows);
    if (rep.rollouts) post({ type: 'rollouts', runId: r.runId, step: rep.rollouts.step, groups: rep.rollouts.groups });
    if (rep.eval) post({ type: 'eval', runId: r.runId, record: rep.eval });
    if (rep.selection?.length) post({ type: 'selection', runId: r.runId, records: rep.selection });
    post({ type: 'progress', runId: r.runId, progress: withMemory(r.session.progress()) });
  }

  /** One unit; on a WebGPU failure, fall back to wasm/cpu and resume from the last checkpoint. */
  async function unit(r: ActiveRun): Promise<void> {
    try {
      const p = r.session.progress();
      if (backend === 'webgpu' && !r.session.done) {
        // A phase's first step on WebGPU compiles its shaders (seconds on some GPUs): compile them
        // ahead, in parallel where the session can (compile-only mode), and say so with a count.
        r.compiled ??= new Set();
        if (!r.compiled.has(p.phase)) {
          r.compiled.add(p.phase);
          const say = (extra: Partial<RunProgress>) =>
            post({
              type: 'progress',
              runId: r.runId,
              progress: withMemory({ ...p, phase: 'shader-warmup', compiling: p.phase, ...extra }),
            });
          say({});
          let last = 0;
          await r.session.warmShaders?.((done, total) => {
            // At most about ten messages per warm-up.
            if (done === 0 || done === total || done - last >= Math.max(1, Math.ceil(total / 10))) {
              last = done;
              say({ shadersDone: done, shadersTotal: total });
            }
          });
        }
      }
      report(r, await r.session.stepOnce());
    } catch (e) {
      if (backend !== 'webgpu') throw e;
      const reason = (e as Error).message ?? String(e);
      const from = backend;
      r.session.dispose();
      await ensureBackend(['wasm', 'cpu']);
      post({ type: 'fallback', runId: r.runId, from, to: backend, reason });
      r.session = await opts.createSession({
        runId: r.runId,
        config: r.config,
        checkpoint: r.lastCheckpoint,
        baseUrl,
        backend,
      });
    }
    if (r.session.unit % checkpointEvery === 0) await postCheckpoint(r);
    flush(r);
  }

  async function loop(r: ActiveRun): Promise<void> {
    try {
      while (!r.pauseRequested && !r.session.done && run === r) {
        if (r.state !== 'running' && r.session.rlStep > 0) setState(r, 'running');
        await unit(r);
        // Yield so pause/stop messages get through between steps.
        await new Promise((res) => setTimeout(res, 0));
      }
      flush(r, true);
      if (run !== r) return;
      if (r.session.done) {
        await postCheckpoint(r);
        setState(r, 'done');
      } else {
        await postCheckpoint(r);
        setState(r, 'paused');
      }
    } catch (e) {
      flush(r, true);
      setState(r, 'error', (e as Error).message ?? String(e));
      post({ type: 'error', runId: r.runId, message: (e as Error).message ?? String(e), fatal: true });
    } finally {
      r.loop = undefined;
    }
  }

  function startLoop(r: ActiveRun) {
    if (r.loop || r.session.done) return;
    r.pauseRequested = false;
    setState(r, r.session.rlStep > 0 ? 'running' : 'warming');
    r.loop = loop(r);
  }

  async function stopActive() {
    if (!run) return;
    const r = run;
    r.pauseRequested = true;
    await r.loop;
    run = undefined;
    r.session.dispose();
  }

  async function open(runId: string, config: RunConfig, checkpoint?: ArrayBuffer): Promise<ActiveRun | undefined> {
    const v = validateRunConfig(config);
    if (!v.ok) {
      post({ type: 'state', runId, state: 'error', message: v.errors.join('; ') });
      post({ type: 'error', runId, message: `invalid run config: ${v.errors.join('; ')}`, fatal: true });
      return undefined;
    }
    await (ready ??= ensureBackend());
    await stopActive();
    const session = await opts.createSession({
      runId,
      config: v.config,
      checkpoint: checkpoint?.slice(0),
      baseUrl,
      backend,
    });
    run = {
      runId,
      config: v.config,
      session,
      state: 'idle',
      pauseRequested: false,
      pending: [],
      lastFlush: 0,
      lastCheckpoint: checkpoint,
    };
    return run;
  }

  const forRun = (runId: string) => (run && run.runId === runId ? run : undefined);

  async function handleNow(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'init': {
        backendOrder = msg.backendOrder;
        wasmPaths = msg.wasmPaths;
        baseUrl = msg.baseUrl;
        ready = ensureBackend();
        await ready;
        return;
      }
      case 'start': {
        const r = await open(msg.runId, msg.config, msg.checkpoint);
        if (r) startLoop(r);
        return;
      }
      case 'load': {
        const r = await open(msg.runId, msg.config, msg.checkpoint);
        if (r) {
          post({ type: 'progress', runId: r.runId, progress: withMemory(r.session.progress()) });
          setState(r, r.session.done ? 'done' : 'paused');
        }
        return;
      }
      case 'pause': {
        const r = forRun(msg.runId);
        if (r) {
          r.pauseRequested = true;
          await r.loop;
        }
        return;
      }
      case 'resume': {
        const r = forRun(msg.runId);
        if (r && !r.loop) startLoop(r);
        return;
      }
      case 'step': {
        const r = forRun(msg.runId);
        if (!r || r.loop || r.session.done) return;
        await unit(r);
        flush(r, true);
        setState(r, r.session.done ? 'done' : 'paused');
        return;
      }
      case 'stop': {
        const r = forRun(msg.runId);
        if (!r) return;
        r.pauseRequested = true;
        await r.loop;
        await postCheckpoint(r);
        setState(r, 'done', 'stopped');
        run = undefined;
        r.session.dispose();
        return;
      }
      case 'save': {
        const r = forRun(msg.runId);
        if (r) await postCheckpoint(r);
        return;
      }
      case 'evaluate': {
        const r = forRun(msg.runId);
        if (!r) return;
        const wasRunning = Boolean(r.loop);
        if (wasRunning) {
          r.pauseRequested = true;
          await r.loop;
        }
        const { record, selection } = await r.session.evaluate();
        post({ type: 'eval', runId: r.runId, record });
        if (selection.length) post({ type: 'selection', runId: r.runId, records: selection });
        if (wasRunning) startLoop(r);
        return;
      }
      case 'attribute': {
        // A failed attribution answers the request; it never touches the run's state.
        try {
          await (ready ??= ensureBackend());
          const { attributeFromCheckpoint } = await import('./attribute.ts');
          const result = await attributeFromCheckpoint(msg.runId, msg.checkpoint, msg.pair, msg.method);
          post({ type: 'attribution', requestId: msg.requestId, runId: msg.runId, result });
        } catch (e) {
          post({
            type: 'attribution',
            requestId: msg.requestId,
            runId: msg.runId,
            error: (e as Error).message ?? String(e),
          });
        }
        return;
      }
    }
  }

  return {
    /** Queues a message; resolves when it was handled (a started run keeps going in the background). */
    handle(msg: ToWorker): Promise<void> {
      // Pause and stop must not wait behind a long-running handler, only behind earlier messages.
      const next = queue
        .then(() => handleNow(msg))
        .catch((e: unknown) => {
          const runId = 'runId' in msg ? msg.runId : undefined;
          post({ type: 'error', runId, message: (e as Error).message ?? String(e), fatal: true });
          if (runId) post({ type: 'state', runId, state: 'error', message: (e as Error).message ?? String(e) });
        });
      queue = next;
      return next;
    },
    /** The active run's id and its last posted checkpoint (for a fallback after a worker crash). */
    active(): { runId: string; checkpoint?: ArrayBuffer } | undefined {
      return run ? { runId: run.runId, checkpoint: run.lastCheckpoint } : undefined;
    },
    async dispose(): Promise<void> {
      await stopActive();
    },
  };
}

export type Handler = ReturnType<typeof createHandler>;
