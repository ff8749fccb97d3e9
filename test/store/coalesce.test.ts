import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/store/coalesce.ts';
import type { FromWorker } from '../../src/worker/protocol.ts';

/** A hand-driven clock: timers fire when advance() passes their time. */
function clock() {
  let t = 0;
  const timers: { at: number; f: () => void }[] = [];
  return {
    now: () => t,
    setTimer: (f: () => void, ms: number) => timers.push({ at: t + ms, f }),
    advance(ms: number) {
      t += ms;
      for (const x of timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)) {
        timers.splice(timers.indexOf(x), 1);
        x.f();
      }
    },
  };
}

const metrics = (step: number): FromWorker => ({ type: 'metrics', runId: 'r', rows: [{ step, t: step }] });
const progress = (step: number, runId = 'r'): FromWorker => ({
  type: 'progress',
  runId,
  progress: { step, totalSteps: 10, phase: 'rl', stepsPerSec: 1, etaSec: 1 },
});

describe('coalesced worker messages', () => {
  it('a burst of streaming messages reaches the store as one batch, in order, at most every interval', () => {
    const c = clock();
    const batches: FromWorker[][] = [];
    let current: FromWorker[] = [];
    const listen = coalesce((m) => current.push(m), { intervalMs: 400, gatherMs: 30, ...c });
    const endBatch = () => {
      if (current.length) batches.push(current);
      current = [];
    };
    for (let s = 1; s <= 20; s++) {
      listen(metrics(s));
      listen(progress(s));
      c.advance(50); // 20 steps a second
      endBatch();
    }
    c.advance(1000);
    endBatch();
    // 1 s of messages: the first batch after 30 ms, then one every 400 ms.
    expect(batches.length).toBe(4);
    const all = batches.flat();
    expect(
      all.filter((m) => m.type === 'metrics').map((m) => (m as { rows: { step: number }[] }).rows[0].step),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Only the last progress of each batch survives.
    expect(all.filter((m) => m.type === 'progress').length).toBe(batches.length);
    expect(batches.map((b) => b.at(-1))).toEqual(batches.map((b) => b.filter((m) => m.type === 'progress').at(-1)));
  });

  it('a state change flushes the queue at once, keeping the order', () => {
    const c = clock();
    const seen: string[] = [];
    const listen = coalesce((m) => seen.push(m.type === 'metrics' ? `metrics ${m.rows[0].step}` : m.type), c);
    listen(metrics(1));
    listen(progress(1, 'a'));
    listen(progress(2, 'b'));
    expect(seen).toEqual([]);
    listen({ type: 'state', runId: 'r', state: 'paused' });
    expect(seen).toEqual(['metrics 1', 'progress', 'progress', 'state']);
    c.advance(1000);
    expect(seen.length).toBe(4);
  });
});
