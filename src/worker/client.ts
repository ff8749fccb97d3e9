/**
 * The page's LabClient: a dedicated module Worker running src/worker/worker.ts, watched by a
 * heartbeat. Two faults are handled:
 * - the worker crashes (an uncaught error) or cannot start: the same handler runs on the main
 *   thread instead;
 * - the worker stops answering (it was terminated, or is stuck): nothing in the browser reports
 *   that, so the client pings it every heartbeatMs and, after a silence much longer than any it has
 *   seen, starts a fresh worker.
 * Either way the client replays 'init' and reopens the active run from its last checkpoint
 * (running if it was running, paused if it was paused), and says so once, in words, through an
 * 'error' message with fatal: false. Transferables are copied for replay, so callers may keep
 * posting them.
 */
import type { LabClient } from './client-types.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

type Listener = (msg: FromWorker) => void;

export interface ClientOptions {
  /** Skip the worker (tests, or browsers without module workers). */
  mainThread?: boolean;
  /** Makes the worker (tests pass a fake); default: the trainer's module worker. */
  createWorker?: () => Worker;
  /** Ping period (ms); default 1000. */
  heartbeatMs?: number;
  /**
   * The shortest silence (ms) taken for a dead or stuck worker; default 30 000. The bound grows to
   * four times the longest silence the worker has shown (a slow step on a slow machine), up to 2 minutes.
   */
  stallMs?: number;
}

const MAX_STALL_MS = 120_000;
/** How long a new worker may take to answer for the first time. */
const START_MS = 60_000;

function trainerWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'contextrl-trainer' });
}

type RunMessage = Extract<ToWorker, { type: 'start' | 'load' }>;

class WorkerLabClient implements LabClient {
  where: 'worker' | 'main-thread' = 'worker';
  private worker?: Worker;
  private readonly listeners = new Set<Listener>();
  private local?: Promise<{ handle: (m: ToWorker) => Promise<void>; dispose: () => Promise<void> }>;
  private lastInit?: ToWorker;
  /** The active run's last 'start'/'load', its latest checkpoint and state, for replay after a fault. */
  private active?: { start: RunMessage; checkpoint?: ArrayBuffer; step?: number; state?: string };
  private readonly heartbeatMs: number;
  private readonly stallMs: number;
  private timer?: ReturnType<typeof setInterval>;
  private lastHeard = 0;
  /** Whether the current worker has said anything yet. */
  private answered = false;
  private longestSilence = 0;
  /** Checkpoint step at the last restart for silence: a second silence there gives up on the run. */
  private silentAt?: number | null;

  constructor(private readonly opts: ClientOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
    // 15 s was too short on a loaded 2-core machine: a SwiftShader step stalled a live worker for 18 s.
    this.stallMs = opts.stallMs ?? 30_000;
    if (opts.mainThread || (typeof Worker === 'undefined' && !opts.createWorker)) {
      this.toMainThread(opts.mainThread ? undefined : 'Web Workers are unavailable');
      return;
    }
    this.spawn();
  }

  private spawn(): boolean {
    try {
      const w = (this.opts.createWorker ?? trainerWorker)();
      w.addEventListener('message', (e: MessageEvent<FromWorker>) => {
        if (w === this.worker) this.heard(e.data);
      });
      w.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault();
        if (w === this.worker) this.toMainThread(e.message || 'the worker script failed');
      });
      w.addEventListener('messageerror', () => {
        if (w === this.worker) this.toMainThread('a message could not be deserialized');
      });
      this.worker = w;
    } catch (e) {
      this.toMainThread((e as Error).message ?? String(e));
      return false;
    }
    this.lastHeard = Date.now();
    this.answered = false;
    this.timer ??= setInterval(() => this.beat(), this.heartbeatMs);
    return true;
  }

  /** Any message from the worker (a pong included) shows it is alive. */
  private heard(msg: FromWorker) {
    const now = Date.now();
    if (!this.answered) {
      this.answered = true;
      this.lastHeard = now; // the script's load time is not a silence of the running worker
    }
    this.longestSilence = Math.max(this.longestSilence, now - this.lastHeard);
    this.lastHeard = now;
    if (msg.type !== 'pong') this.receive(msg);
  }

  private beat() {
    if (!this.worker) return;
    const silence = Date.now() - this.lastHeard;
    // Until its first answer the worker is still loading its script (a few MB of tfjs): more time.
    const floor = this.answered ? this.stallMs : Math.max(this.stallMs, START_MS);
    const bound = Math.min(MAX_STALL_MS, Math.max(floor, 4 * this.longestSilence));
    if (silence > bound) this.restart(silence);
    else this.worker.postMessage({ type: 'ping' } satisfies ToWorker);
  }

  private receive(msg: FromWorker) {
    const a = this.active;
    if (a && 'runId' in msg && msg.runId === a.start.runId) {
      if (msg.type === 'checkpoint') {
        a.checkpoint = msg.buffer.slice(0);
        a.step = msg.step;
      }
      if (msg.type === 'state') a.state = msg.state;
    }
    for (const l of this.listeners) l(msg);
  }

  /** The worker went silent: a fresh worker takes over from the last checkpoint (once per checkpoint). */
  private restart(silence: number) {
    this.worker?.terminate();
    this.worker = undefined;
    const a = this.active;
    const live = a && a.state !== 'done' && a.state !== 'error';
    const why = `The training worker stopped answering (nothing for ${Math.round(silence / 1000)} s)`;
    // For the console (a report): what the client knew of the run when the worker went silent.
    console.warn(
      `lab client: worker silent for ${silence} ms; run ${a?.start.runId ?? 'none'} ` +
        `(${a?.start.type ?? '-'}), state ${a?.state ?? 'unknown'}, last checkpoint step ${a?.step ?? 'none'}`,
    );
    if (live && this.silentAt !== undefined && this.silentAt === (a.step ?? null)) {
      // The same point twice: replaying would hang again.
      this.silentAt = undefined;
      const message =
        `${why} twice at the same point, so the run is stopped` +
        (a.step !== undefined ? ` at its last checkpoint (step ${a.step})` : '') +
        '. Try a smaller configuration or another backend.';
      this.active = undefined;
      this.receive({ type: 'state', runId: a.start.runId, state: 'error', message });
      this.receive({ type: 'error', runId: a.start.runId, message, fatal: true });
      if (this.spawn() && this.lastInit) this.toWorker(this.lastInit);
      return;
    }
    if (live) this.silentAt = a.step ?? null;
    this.longestSilence = 0;
    if (!this.spawn()) return; // toMainThread has replayed and said so
    this.announce(`${why}, so a new one was started`);
    if (this.lastInit) this.toWorker(this.lastInit);
    const replay = this.replayMessage();
    if (replay) this.toWorker(replay);
  }

  private toWorker(msg: ToWorker) {
    (this.worker as Worker | undefined)?.postMessage(msg);
  }

  /** The 'start' (or, for a paused run, 'load') that reopens the active run from its last checkpoint. */
  private replayMessage(): ToWorker | undefined {
    const a = this.active;
    if (!a || a.state === 'done' || a.state === 'error') return undefined;
    const checkpoint = a.checkpoint?.slice(0) ?? a.start.checkpoint?.slice(0);
    if (a.start.type === 'load' || a.state === 'paused') {
      if (!checkpoint) return undefined;
      return { type: 'load', runId: a.start.runId, config: a.start.config, checkpoint };
    }
    return { type: 'start', runId: a.start.runId, config: a.start.config, checkpoint };
  }

  /** Says once where training went and where the active run continues from. */
  private announce(what: string) {
    const a = this.active;
    const live = a && a.state !== 'done' && a.state !== 'error';
    const paused = a?.state === 'paused' || a?.start.type === 'load';
    const from = a?.checkpoint ? `its last checkpoint${a.step !== undefined ? ` (step ${a.step})` : ''}` : undefined;
    const tail = !live
      ? ''
      : paused
        ? from
          ? ` The run is paused at ${from}.`
          : ''
        : from
          ? ` The run continues from ${from}.`
          : ' The run restarts from the beginning.';
    this.receive({ type: 'error', runId: a?.start.runId, message: `${what}.${tail}`, fatal: false });
  }

  private toMainThread(reason?: string) {
    if (this.local) return;
    this.worker?.terminate();
    this.worker = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.where = 'main-thread';
    this.local = import('./handler.ts').then(async ({ createHandler }) => {
      const { createWorkerSession } = await import('./session-factory.ts');
      return createHandler((m) => this.receive(m), { createSession: createWorkerSession });
    });
    if (!reason) return;
    this.announce(`Training moved to the main thread (the page may be less responsive): ${reason}`);
    if (this.lastInit) void this.forward(this.lastInit);
    const replay = this.replayMessage();
    if (replay) void this.forward(replay);
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
      this.silentAt = undefined;
    }
    if (this.worker) this.worker.postMessage(msg, transfer ?? []);
    else void this.forward(msg);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.worker?.terminate();
    this.worker = undefined;
    void this.local?.then((h) => h.dispose());
    this.listeners.clear();
  }
}

export function createLabClient(opts: ClientOptions = {}): LabClient {
  return new WorkerLabClient(opts);
}
