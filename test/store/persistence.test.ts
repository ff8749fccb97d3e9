import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/store/configSpec.ts';
import { useMetricsStore } from '../../src/store/metrics.ts';
import { startPersistence } from '../../src/store/persistence.ts';
import { addRun, newRunEntry, useRunsStore } from '../../src/store/runs.ts';
import { handleMessage } from '../../src/store/session.ts';

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('runs survive a reload', () => {
  it('restores a run with its metrics and evaluations, paused if it was training', async () => {
    const errors: string[] = [];
    await startPersistence((m) => errors.push(m));
    addRun(newRunEntry('p1', '#1 contextrl · seed 0', defaultRunConfig(), 1000));
    handleMessage({ type: 'state', runId: 'p1', state: 'running' });
    handleMessage({
      type: 'metrics',
      runId: 'p1',
      rows: [
        { step: 1, t: 10, reward: 0.25 },
        { step: 2, t: 20, reward: 0.5 },
      ],
    });
    handleMessage({ type: 'eval', runId: 'p1', record: { step: 2, accuracies: { 'probe/selection': 0.625 } } });
    handleMessage({
      type: 'progress',
      runId: 'p1',
      progress: { step: 2, totalSteps: 10, phase: 'rl', stepsPerSec: 1, etaSec: 8 },
    });
    handleMessage({ type: 'state', runId: 'p1', state: 'running' });
    await settle();

    // The page reloads: the stores start empty, then persistence restores them.
    useRunsStore.setState({ runs: {}, order: [], activeId: null, overlay: [] });
    useMetricsStore.setState({ byRun: {} });
    await startPersistence((m) => errors.push(m));
    const run = useRunsStore.getState().runs.p1;
    expect(run.name).toBe('#1 contextrl · seed 0');
    expect(run.state).toBe('paused');
    expect(run.progress?.step).toBe(2);
    expect(run.evals).toEqual([{ step: 2, accuracies: { 'probe/selection': 0.625 } }]);
    expect(useMetricsStore.getState().byRun.p1.rows.map((r) => r.reward)).toEqual([0.25, 0.5]);
    expect(errors).toEqual([]);
  });
});
