/**
 * The client's heartbeat: a worker that stops answering (terminated, or stuck) is replaced by a
 * fresh one that reopens the active run from its last checkpoint, and the page is told in words.
 * The workers are fakes that answer pings while "alive"; time is faked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLabClient } from '../../src/worker/client.ts';
import type { FromWorker, ToWorker } from '../../src/worker/protocol.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';

class FakeWorker extends EventTarget {
  alive = true;
  terminated = false;
  got: ToWorker[] = [];
  postMessage(msg: ToWorker) {
    this.got.push(msg);
    if (msg.type === 'ping' && this.alive) queueMicrotask(() => this.send({ type: 'pong' }));
  }
  send(msg: FromWorker) {
    this.dispatchEvent(new MessageEvent('message', { data: msg }));
  }
  terminate() {
    this.terminated = true;
    this.alive = false;
  }
}

let workers: FakeWorker[] = [];
let seen: FromWorker[] = [];
const config = parseRunConfig({ steps: 100, evalEvery: 0 });

function client() {
  const c = createLabClient({
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
    heartbeatMs: 100,
    stallMs: 1000,
  });
  c.subscribe((m) => seen.push(m));
  c.post({ type: 'init', baseUrl: '/' });
  return c;
}

const checkpoint = (step: number): FromWorker => ({
  type: 'checkpoint',
  runId: 'r',
  step,
  buffer: new Float32Array([step]).buffer,
});
const notices = () => seen.filter((m) => m.type === 'error') as Extract<FromWorker, { type: 'error' }>[];

beforeEach(() => {
  vi.useFakeTimers();
  workers = [];
  seen = [];
});
afterEach(() => vi.useRealTimers());

describe('the worker heartbeat', () => {
  it('a worker that stops answering mid-run is replaced; the run continues from its last checkpoint', async () => {
    const c = client();
    c.post({ type: 'start', runId: 'r', config });
    workers[0].send({ type: 'state', runId: 'r', state: 'running' });
    workers[0].send(checkpoint(25));
    await vi.advanceTimersByTimeAsync(3000); // alive: answers every ping
    expect(workers).toHaveLength(1);
    workers[0].alive = false; // terminated from outside: no error event, just silence
    await vi.advanceTimersByTimeAsync(1500);
    expect(workers).toHaveLength(2);
    expect(workers[0].terminated).toBe(true);
    const replay = workers[1].got.filter((m) => m.type !== 'ping');
    expect(replay.map((m) => m.type)).toEqual(['init', 'start']);
    const start = replay[1] as Extract<ToWorker, { type: 'start' }>;
    expect(start.runId).toBe('r');
    expect(new Float32Array(start.checkpoint!)[0]).toBe(25);
    expect(notices()).toEqual([
      {
        type: 'error',
        runId: 'r',
        fatal: false,
        message: expect.stringMatching(
          /^The training worker stopped answering \(nothing for 1 s\), so a new one was started\. The run continues from its last checkpoint \(step 25\)\.$/,
        ),
      },
    ]);
    c.terminate();
  });

  it('a paused run is reopened paused (load), not restarted', async () => {
    const c = client();
    c.post({ type: 'start', runId: 'r', config });
    workers[0].send(checkpoint(50));
    workers[0].send({ type: 'state', runId: 'r', state: 'paused' });
    workers[0].alive = false;
    await vi.advanceTimersByTimeAsync(1500);
    const replay = workers[1].got.filter((m) => m.type !== 'ping');
    expect(replay.map((m) => m.type)).toEqual(['init', 'load']);
    expect(notices()[0].message).toMatch(/The run is paused at its last checkpoint \(step 50\)\.$/);
    c.terminate();
  });

  it('a slow but live worker (long silences between steps) is given more time, not restarted', async () => {
    const c = client();
    c.post({ type: 'start', runId: 'r', config });
    const w = workers[0];
    // Three steps that each block the worker for 900 ms, then one of 3 s: under 4 x the longest seen.
    for (const ms of [900, 900, 900, 3000]) {
      w.alive = false;
      await vi.advanceTimersByTimeAsync(ms);
      w.alive = true;
      w.send({
        type: 'progress',
        runId: 'r',
        progress: { step: 1, totalSteps: 9, phase: 'rl', stepsPerSec: 1, etaSec: 1 },
      });
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(workers).toHaveLength(1);
    expect(notices()).toEqual([]);
    c.terminate();
  });

  it('silent twice at the same checkpoint: the run is stopped with a message, not replayed forever', async () => {
    const c = client();
    c.post({ type: 'start', runId: 'r', config });
    workers[0].send({ type: 'state', runId: 'r', state: 'running' });
    workers[0].send(checkpoint(25));
    workers[0].alive = false;
    await vi.advanceTimersByTimeAsync(1500);
    workers[1].alive = false; // hangs again before its next checkpoint
    await vi.advanceTimersByTimeAsync(1500);
    expect(workers).toHaveLength(3);
    expect(workers[2].got.filter((m) => m.type !== 'ping').map((m) => m.type)).toEqual(['init']);
    const states = seen.filter((m) => m.type === 'state') as Extract<FromWorker, { type: 'state' }>[];
    expect(states.at(-1)).toMatchObject({ state: 'error' });
    expect(states.at(-1)?.message).toMatch(
      /stopped answering \(nothing for 1 s\) twice at the same point, so the run is stopped at its last checkpoint \(step 25\)/,
    );
    c.terminate();
  });

  it('a new worker has a minute to load its script before its silence counts', async () => {
    const c = client();
    workers[0].alive = false; // still parsing tfjs
    await vi.advanceTimersByTimeAsync(30_000);
    expect(workers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(workers).toHaveLength(2);
    c.terminate();
  });

  it('a finished run is not replayed when its idle worker dies', async () => {
    const c = client();
    c.post({ type: 'start', runId: 'r', config });
    workers[0].send({ type: 'state', runId: 'r', state: 'done' });
    workers[0].alive = false;
    await vi.advanceTimersByTimeAsync(1500);
    expect(workers[1].got.filter((m) => m.type !== 'ping').map((m) => m.type)).toEqual(['init']);
    expect(notices()[0].message).toMatch(/so a new one was started\.$/);
    c.terminate();
  });
});
