/**
 * The runtime's message handler: turns ToWorker messages into run calls and posts FromWorker
 * messages back. The worker entry wraps it around postMessage; the client's main-thread fallback
 * runs the same handler in the page. One run is active at a time. The parts: the backend and its
 * fallback (backend-manager.ts), the active run and its loop (run-loop.ts), and here the dispatch
 * of messages, one after another.
 */
import { validateRunConfig } from '../config/run-config.ts';
import type { RunConfig } from '../config/fields.ts';
import { BackendManager } from './backend-manager.ts';
import type { Post, ToWorker } from './protocol.ts';
import { ActiveRun, type SessionFactory } from './run-loop.ts';

export type { Post } from './protocol.ts';
export type { SessionFactory, SessionRequest } from './run-loop.ts';

export interface HandlerOptions {
  createSession: SessionFactory;
  /** Post the run's checkpoint every this many units (and at pause/stop/done). */
  checkpointEvery?: number;
  /** Flush metric rows at most this often (ms). */
  flushMs?: number;
}

export function createHandler(post: Post, opts: HandlerOptions) {
  const backend = new BackendManager(post);
  let baseUrl: string | undefined;
  let run: ActiveRun | undefined;
  const loopOptions = {
    post,
    backend,
    createSession: opts.createSession,
    baseUrl: () => baseUrl,
    checkpointEvery: opts.checkpointEvery ?? 25,
    flushMs: opts.flushMs ?? 250,
  };
  // Messages are handled one after another so 'pause' right after 'start' sees the run.
  let queue: Promise<void> = Promise.resolve();

  const forRun = (runId: string) => (run && run.runId === runId ? run : undefined);
  const startLoop = (r: ActiveRun) => r.start(() => run === r);

  /** Pauses the active run (it posts its checkpoint and state), then drops it. */
  async function stopActive(): Promise<void> {
    const r = run;
    if (!r) return;
    await r.pause();
    run = undefined;
    await r.dispose();
  }

  /** Validates the config where it enters the runtime, then opens its session as the active run. */
  async function open(runId: string, config: RunConfig, checkpoint?: ArrayBuffer): Promise<ActiveRun | undefined> {
    const v = validateRunConfig(config);
    if (!v.ok) {
      post({ type: 'state', runId, state: 'error', message: v.errors.join('; ') });
      post({ type: 'error', runId, message: `invalid run config: ${v.errors.join('; ')}`, fatal: true });
      return undefined;
    }
    await stopActive();
    await backend.ensureFor(v.config);
    const session = await opts.createSession({
      runId,
      config: v.config,
      checkpoint: checkpoint?.slice(0),
      baseUrl,
      backend: backend.name,
    });
    run = new ActiveRun(runId, v.config, session, checkpoint, loopOptions);
    return run;
  }

  async function handleNow(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'init': {
        backend.configure(msg.backendOrder, msg.wasmPaths, msg.backend, msg.config, msg.remembered);
        baseUrl = msg.baseUrl;
        await backend.ensure();
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
          r.postProgress();
          r.setState(r.session.done ? 'done' : 'paused');
        }
        return;
      }
      case 'pause': {
        await forRun(msg.runId)?.pause();
        return;
      }
      case 'resume': {
        const r = forRun(msg.runId);
        if (r && !r.running) startLoop(r);
        return;
      }
      case 'step': {
        const r = forRun(msg.runId);
        if (!r || r.running || r.session.done) return;
        await r.unit();
        r.flush(true);
        r.setState(r.session.done ? 'done' : 'paused');
        return;
      }
      case 'stop': {
        const r = forRun(msg.runId);
        if (!r) return;
        await r.pause();
        await r.postCheckpoint();
        r.setState('done', 'stopped');
        await stopActive();
        return;
      }
      case 'save': {
        await forRun(msg.runId)?.postCheckpoint();
        return;
      }
      case 'evaluate': {
        const r = forRun(msg.runId);
        if (!r) return;
        const wasRunning = r.running;
        if (wasRunning) await r.pause();
        const { record, selection } = await r.session.evaluate();
        post({ type: 'eval', runId: r.runId, record });
        if (selection.length) post({ type: 'selection', runId: r.runId, records: selection });
        if (wasRunning) startLoop(r);
        return;
      }
      case 'attribute': {
        // A failed attribution answers the request; it never touches the run's state.
        try {
          await backend.ensure();
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
      return run ? { runId: run.runId, checkpoint: run.checkpoint } : undefined;
    },
    async dispose(): Promise<void> {
      await stopActive();
    },
  };
}

export type Handler = ReturnType<typeof createHandler>;
