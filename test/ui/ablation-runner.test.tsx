// @vitest-environment happy-dom
/** "Run an ablation here": the run count and time on its button, the series' progress line. */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/config/run-config.ts';
import { useBackendStore } from '../../src/store/backend.ts';
import { loadConfig } from '../../src/store/config.ts';
import { ablationItems, useQueueStore } from '../../src/store/queue.ts';
import { addRun, newRunEntry, useRunsStore } from '../../src/store/runs.ts';
import { AblationRunner } from '../../src/ui/panels/AblationRunner.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
let root: Root;
let host: HTMLElement;
const CONFIG = withDefaults({ preset: 'trace-default', seed: 2, steps: 100, evalEvery: 50, batchSize: 4 });

beforeEach(() => {
  useQueueStore.setState({ queue: null });
  useRunsStore.setState({ runs: {}, order: [], activeId: null, overlay: [] });
  useBackendStore.setState({ status: null });
  loadConfig(CONFIG);
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
  act(() => root.render(<AblationRunner />));
});
afterEach(() => {
  act(() => root.unmount());
  document.body.innerHTML = '';
});

const runButton = () => [...host.querySelectorAll('button')].find((b) => b.textContent?.startsWith('Run ablation'))!;
const checkbox = (m: string) =>
  [...host.querySelectorAll('label')].find((l) => l.textContent?.trim() === m)!.querySelector('input')!;

describe('ablation runner', () => {
  it('counts methods x seeds on its button, and the time once a step was timed', () => {
    expect(runButton().textContent).toBe('Run ablation (12 runs)'); // 4 methods x 3 seeds, nothing timed yet
    expect(host.textContent).toContain('seeds 2 to 4');
    act(() => checkbox('da-sft').click());
    act(() => checkbox('da-rl').click());
    expect(runButton().textContent).toBe('Run ablation (6 runs)');
    act(() =>
      useBackendStore.setState({
        status: {
          name: 'wasm',
          choice: { mode: 'auto', timings: [{ batch: 1, webgpuMs: NaN, wasmMs: 250 }] },
        } as never,
      }),
    );
    // a step of 4 prompts at 1 s, 31.25 ms a sequence (4 x 8); 3 evaluations of 2 x 64 items and 64
    // pairs at 1.3 x 31.25 x 192 = 7.8 s: 100 + 23.4 = 123.4 s a run; 6 runs 12.3 min
    expect(runButton().textContent).toBe('Run ablation (6 runs, about 12 min)');
    act(() => checkbox('grpo').click());
    act(() => checkbox('contextrl').click());
    expect(runButton().disabled).toBe(true); // no method: nothing to run
  });

  it('shows which run of how many is training, the share done and the time left', () => {
    const items = ablationItems(CONFIG, ['grpo', 'contextrl'], 2);
    addRun({
      ...newRunEntry('r2', 'x', items[1].config, 0),
      state: 'running',
      progress: { step: 50, totalSteps: 100, phase: 'rl', stepsPerSec: 1, etaSec: 50 },
    });
    act(() =>
      useQueueStore.setState({
        queue: {
          title: 't',
          items,
          runIds: ['r1', 'r2'],
          index: 1,
          state: 'running',
          seconds: [100],
          itemStartedAt: 0,
        },
      }),
    );
    // (1 + 0.5) / 4 done; 50 s left in run 2, then two runs at 100 s
    expect(host.querySelector('[role="status"]')?.textContent).toBe(
      'Run 2 of 4 (contextrl · seed 2) · 38% · about 4m 10s left',
    );
    expect((host.querySelector('progress') as HTMLProgressElement).value).toBeCloseTo(0.375);
    expect([...host.querySelectorAll('button')].map((b) => b.textContent)).toContain('Stop series');
    expect(runButton().disabled).toBe(true);
  });
});
