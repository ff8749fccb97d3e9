/**
 * The page's LabClient: a dedicated module Worker running src/worker/worker.ts. If the worker
 * cannot start, or dies mid-run, the same handler runs on the main thread instead: the client
 * replays 'init' and restarts the active run from its last checkpoint, and says so once through an
 * 'error' message with fatal: false. Transferables are copied for the fallback, so callers may
 * keep posting them.
 */
import type { LabClient } from './client-types.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

type Listener = (msg: FromWorker) => void;

export interface ClientOptions {
  /** Skip the worker (tests, or browsers without module workers). */
  mainThread?: boolean;
}

class WorkerLabClient implements LabClient {
  where: 'worker' | 'main-thread' = 'worker';
  private worker?: Worker;
  private readonly listeners = new Set<Listener>();
  private local?: Promise<{ handle: (m: ToWorker) => Promise<void>; dispose: () => Promise<void> }>;
  private lastInit?: ToWorker;
  /** The active run's last 'start'/'load' and its latest checkpoint, for replay after a crash. */
  private active?: { start: Extract<ToWorker, { type: 'start' | 'load' }>; checkpoint?: ArrayBuffer };

  constructor(opts: ClientOptions) {
    if (opts.mainThread || typeof Worker === 'undefined') {
      this.toMainThread(opts.mainThread ? undefined : 'Web Workers are unavailable');
      return;
    }
    try {
      this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'contextrl-trainer' });
      this.worker.addEventListener('message', (e: MessageEvent<FromWorker>) => this.receive(e.data));
      this.worker.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault();
        this.toMainThread(e.message || 'the worker script failed');
      });
      this.worker.addEventListener('messageerror', () => this.toMainThread('a message could not be deserialized'));
    } catch (e) {
      this.toMainThread((e as Error).message ?? String(e));
    }
  }

  private receive(msg: FromWorker) {
    if (msg.type === 'checkpoint' && this.active && msg.runId === this.active.start.runId)
      this.active.checkpoint = msg.buffer.slice(0);
    for (const l of this.listeners) l(msg);
  }

  private toMainThread(reason?: string) {
    if (this.local) return;
    this.worker?.terminate();
    this.worker = undefined;
    this.where = 'main-thread';
    this.local = import('./handler.ts').then(async ({ createHandler }) => {
      const { createWorkerSession } = await import('./session-factory.ts');
      return createHandler((m) => this.receive(m), { createSession: createWorkerSession });
    });
    if (!reason) return;
    const a = this.active;
    this.receive({
      type: 'error',
      runId: a?.start.runId,
      message:
        `Training moved to the main thread (the page may be less responsive): ${reason}.` +
        (a
          ? a.checkpoint
            ? ' The run continues from its last checkpoint.'
            : ' The run restarts from the beginning.'
          : ''),
      fatal: false,
    });
    if (this.lastInit) void this.forward(this.lastInit);
    if (a)
      void this.forward({
        type: 'start',
        runId: a.start.runId,
        config: a.start.config,
        checkpoint: a.checkpoint ?? a.start.checkpoint,
      });
  }

  private async forward(msg: ToWorker) {
    const h = await this.local!;
    await h.handle(msg);
  }

  post(msg: ToWorker, transfer?: Transferable[]): void {
    if (msg.type === 'init') this.lastInit = msg;
    if (msg.type === 'start' || msg.type === 'load') {
      const copy = msg.checkpoint ? { ...msg, checkpoint: msg.checkpoint.slice(0) } : msg;
      this.active = { start: copy, checkpoint: copy.checkpoint };
    }
    if (this.worker) this.worker.postMessage(msg, transfer ?? []);
    else void this.forward(msg);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = undefined;
    void this.local?.then((h) => h.dispose());
    this.listeners.clear();
  }
}

export function createLabClient(opts: ClientOptions = {}): LabClient {
  return new WorkerLabClient(opts);
}
