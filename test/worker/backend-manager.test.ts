/**
 * The backend setting end to end in Node: 'auto' times a real RL step on WebGPU (Dawn on llvmpipe,
 * a CPU adapter) and wasm and keeps the faster, saying why; a named backend is honoured; a run
 * whose setting differs from the page's switches the runtime before it opens.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendStatus } from '../../src/engine/backend.ts';
import { installNodeWebGPU, nodeWasmDir } from '../../src/engine/node.ts';
import { withDefaults } from '../../src/config/run-config.ts';
import { createRunSession } from '../../src/runtime/session.ts';
import type { RunConfig } from '../../src/runtime/types.ts';
import { choiceKey } from '../../src/worker/backend-manager.ts';
import { createHandler } from '../../src/worker/handler.ts';
import type { FromWorker } from '../../src/worker/protocol.ts';
import { tinyRun } from '../runtime/helpers.ts';

const wasmPaths = {
  'tfjs-backend-wasm.wasm': `${nodeWasmDir()}tfjs-backend-wasm.wasm`,
  'tfjs-backend-wasm-simd.wasm': `${nodeWasmDir()}tfjs-backend-wasm-simd.wasm`,
  'tfjs-backend-wasm-threaded-simd.wasm': `${nodeWasmDir()}tfjs-backend-wasm-threaded-simd.wasm`,
};
const config = { ...tinyRun({ steps: 2, evalEvery: 0, batchSize: 4, groupSize: 2 }), warmStartSteps: 0 } as RunConfig;

function harness() {
  const msgs: FromWorker[] = [];
  const h = createHandler((m) => msgs.push(m), {
    createSession: (req) => createRunSession(req.config, { checkpoint: req.checkpoint, backend: req.backend }),
    flushMs: 0,
  });
  const statuses = () => msgs.flatMap((m) => (m.type === 'backend' ? [m.status] : [])) as BackendStatus[];
  return { h, msgs, statuses };
}

beforeAll(async () => {
  const why = await installNodeWebGPU('opengles');
  if (why) throw new Error(`webgpu unavailable here: ${why}`);
});

describe('the backend setting', () => {
  it('auto: times a step on WebGPU and wasm, keeps the faster and says why', async () => {
    const a = harness();
    await a.h.handle({ type: 'init', backend: 'auto', config, wasmPaths });
    const all = a.statuses();
    // First what is happening, then the decision.
    expect(all[0].deciding).toBe(true);
    expect(all[0].label).toMatch(/^WebGPU · llvmpipe.*: timing a training step against wasm…$/);
    const final = all.at(-1)!;
    expect(final.deciding).toBeUndefined();
    expect(final.choice?.mode).toBe('auto');
    const t = final.choice!.timings!;
    expect(t.length).toBeGreaterThanOrEqual(1);
    expect(t[0].batch).toBe(1);
    expect(t.every((x) => x.webgpuMs > 0 && x.wasmMs > 0)).toBe(true);
    // Each timing says the G it was taken with (estimates for another G scale by sequences).
    expect(t.every((x) => x.group === withDefaults(config).groupSize)).toBe(true);
    // llvmpipe is a CPU adapter: one measurement decides, and the faster one is kept.
    const last = t.at(-1)!;
    expect(final.name).toBe(last.webgpuMs <= 1.1 * last.wasmMs ? 'webgpu' : 'wasm');
    if (final.name === 'wasm') expect(final.label).toMatch(/: [\d.]+x faster than WebGPU on llvmpipe here$/);

    // The page keeps the choice; the next load with the same adapter and run shape does not time again.
    const remembered = final.choice!.remember!;
    expect(remembered.decision.name).toBe(final.name);
    const again = harness();
    const t0 = performance.now();
    await again.h.handle({ type: 'init', backend: 'auto', config, wasmPaths, remembered });
    const next = again.statuses();
    expect(next.some((x) => x.deciding)).toBe(false);
    expect(next.at(-1)).toMatchObject({ name: final.name, label: final.label, choice: { remembered: true } });
    expect(performance.now() - t0).toBeLessThan(5000);
    // Another run shape is timed afresh: the key holds the adapter and the shape.
    const key = (c: Partial<RunConfig>) => choiceKey(all[0], withDefaults({ ...config, ...c } as RunConfig));
    expect(key({})).toBe(remembered.key);
    for (const c of [{ groupSize: 3 }, { modelSize: 'micro' as const }, { domain: 'document' as const }])
      expect(key(c)).not.toBe(remembered.key);
    expect(key({ seed: 9, steps: 50 })).toBe(remembered.key);
  }, 180_000);

  it('a named backend is used as set, and a run asking for another switches the runtime first', async () => {
    const b = harness();
    await b.h.handle({ type: 'init', backend: 'webgpu', config, wasmPaths });
    const first = b.statuses().at(-1)!;
    expect(first).toMatchObject({ name: 'webgpu', choice: { mode: 'setting' } });
    expect(first.label).toMatch(/ · as set$/);
    expect(first.choice?.timings).toBeUndefined();
    await b.h.handle({ type: 'start', runId: 'w', config: { ...config, backend: 'wasm' } });
    const second = b.statuses().at(-1)!;
    expect(second).toMatchObject({ name: 'wasm', choice: { mode: 'setting' } });
    await b.h.dispose();
  }, 180_000);
});
