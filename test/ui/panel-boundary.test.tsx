// @vitest-environment happy-dom
/**
 * Every panel has an error boundary: with a malformed store state that makes one panel throw, that
 * panel shows its error with Retry / Reset / Copy, the error is logged, and the rest of the page
 * (every other panel, the header, the controls) is still there. The real App is rendered; its
 * runtime client and persistence are stand-ins (no worker, no IndexedDB in this environment).
 */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../src/worker/client.ts', () => ({
  createLabClient: () => ({ where: 'worker', post: () => undefined, subscribe: () => () => undefined, terminate() {} }),
}));
vi.mock('../../src/store/persistence.ts', () => ({
  startPersistence: async () => undefined,
  persistMessage: () => undefined,
  forgetRun: () => undefined,
}));

const { App } = await import('../../src/ui/App.tsx');
const { useRunsStore, newRunEntry } = await import('../../src/store/runs.ts');
const { useConfigStore } = await import('../../src/store/config.ts');
const { useInspectorStore } = await import('../../src/store/inspector.ts');
const { useMetricsStore } = await import('../../src/store/metrics.ts');
const { useErrorLog, clearErrors } = await import('../../src/store/errors.ts');
const { defaultRunConfig } = await import('../../src/store/configSpec.ts');

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const PANELS = [
  'Configuration',
  'Guided presets',
  'Runs and export',
  'Reward curves',
  'Selection',
  'Rollouts',
  'Pair inspector',
  'Grounding',
  'Comparison',
];

let root: Root | undefined;
let host: HTMLElement;
const initial = {
  runs: useRunsStore.getState(),
  config: useConfigStore.getState(),
  inspector: useInspectorStore.getState(),
  metrics: useMetricsStore.getState(),
};

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined); // React reports caught errors too
  host = document.createElement('div');
  document.body.appendChild(host);
});
afterEach(() => {
  act(() => root?.unmount());
  root = undefined;
  document.body.innerHTML = '';
  useRunsStore.setState(initial.runs, true);
  useConfigStore.setState(initial.config, true);
  useInspectorStore.setState(initial.inspector, true);
  useMetricsStore.setState(initial.metrics, true);
  clearErrors();
  vi.restoreAllMocks();
});

function render() {
  root = createRoot(host);
  act(() => root!.render(<App />));
}

const headings = () => [...host.querySelectorAll('h2')].map((h) => h.textContent);
const failed = () =>
  [...host.querySelectorAll('[role="alert"][aria-label$=" failed"]')].map((e) => e.getAttribute('aria-label'));

/** A run entry with fields replaced by what a bad file or a bug could leave there. */
function brokenRun(fields: Record<string, unknown>) {
  const r = { ...newRunEntry('bad', 'bad run', defaultRunConfig(), 1), state: 'done' as const, ...fields };
  useRunsStore.setState({ runs: { bad: r as never }, order: ['bad'], activeId: 'bad', overlay: [] });
}

/**
 * Per panel: a malformed store state that makes that panel throw while rendering (some break a
 * neighbour that reads the same data too; each neighbour then shows its own error). The Guided
 * presets panel reads no store state.
 */
const CASES: [string, () => void][] = [
  [
    'Run controls',
    () => brokenRun({ state: 'paused', progress: { step: { no: 1 }, totalSteps: 9, phase: 'rl', stepsPerSec: 1 } }),
  ],
  ['Runs and export', () => brokenRun({ name: { toString: null } })],
  ['Reward curves', () => brokenRun({ evals: [{ step: 1, accuracies: null }] })],
  ['Selection', () => brokenRun({ selection: { p1: [null] } })],
  ['Rollouts', () => brokenRun({ rolloutSteps: [3], rollouts: { 3: [null] } })],
  [
    'Pair inspector',
    () =>
      useInspectorStore.setState({
        sources: { x: { name: 'x', pairs: [null] as never, errors: [] } },
        sourceName: 'x',
      }),
  ],
  ['Grounding', () => brokenRun({ probe: [{ id: { not: 'a string' }, hardness: 'hard' }] })],
  // A finished run whose final evaluation lost its numbers.
  ['Comparison', () => brokenRun({ evals: [{ step: 1e6, accuracies: null }] })],
];

describe('panel error boundaries', () => {
  it('with a sound state no panel fails', () => {
    render();
    expect(headings()).toEqual(expect.arrayContaining(PANELS));
    expect(failed()).toEqual([]);
  });

  it.each(CASES)('%s with a malformed state shows its error; the rest of the page is still there', (panel, corrupt) => {
    corrupt();
    render();
    expect(failed()).toContain(`${panel} failed`);
    // Every panel is still on the page (failed ones with their heading and error), and so is the page.
    expect(headings()).toEqual(expect.arrayContaining(PANELS));
    expect(host.querySelector('h1')?.textContent).toBe('ContextRL Lab');
    expect(failed().length).toBeLessThan(PANELS.length / 2);
    // The error is in the log, for the user to copy.
    const logged = useErrorLog.getState().errors.filter((e) => e.where === panel);
    expect(logged.length).toBeGreaterThan(0);
    const alert = host.querySelector(`[aria-label="${panel} failed"]`)!;
    expect(alert.textContent).toContain(logged[0].message);
    expect([...alert.querySelectorAll('button')].map((b) => b.textContent)).toEqual(
      expect.arrayContaining(['Retry', 'Copy error']),
    );
    expect(alert.querySelector('pre')?.textContent).toContain(`the ${panel} panel failed`);
  });

  it('Retry renders the panel again; Reset panel puts its view state back', () => {
    brokenRun({ selection: { p1: [null] } });
    useInspectorStore.setState({ pairId: 'p1', step: 7 });
    render();
    expect(failed()).toEqual(['Selection failed']);
    const button = (name: string) =>
      [...host.querySelectorAll('[aria-label="Selection failed"] button')].find(
        (b) => b.textContent === name,
      ) as HTMLButtonElement;
    act(() => button('Retry').click());
    expect(failed()).toEqual(['Selection failed']); // still broken: fails again, still contained
    act(() => button('Reset panel').click());
    expect(useInspectorStore.getState()).toMatchObject({ pairId: null, step: null });
    brokenRun({ selection: {} });
    act(() => button('Retry').click());
    expect(failed()).toEqual([]);
    expect(headings()).toContain('Selection');
  });
});
