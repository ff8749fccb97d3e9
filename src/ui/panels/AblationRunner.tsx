/**
 * "Run an ablation" in the Comparison panel: the form's settings trained once per chosen method and
 * seed, one run after another, with one progress bar for the series (src/store/queue.ts). Each run
 * lands in the runs list and, when finished, in the comparison table above.
 */
import { useState } from 'react';
import { estimateRunSeconds, formatEstimate } from '../../config/duration.ts';
import { METHODS, type Method } from '../../config/fields.ts';
import { getPreset } from '../../config/presets.ts';
import { stepCosts, useBackendStore } from '../../store/backend.ts';
import { useConfigStore, isConfigValid } from '../../store/config.ts';
import {
  ablationItems,
  clearQueue,
  continueQueue,
  queueProgress,
  startQueue,
  stopQueue,
  useQueueStore,
} from '../../store/queue.ts';
import { useRunsStore } from '../../store/runs.ts';
import { duration } from '../lib/format.ts';

export const MAX_SEEDS = 5;

export function AblationRunner() {
  const config = useConfigStore((s) => s.config);
  const valid = useConfigStore(() => isConfigValid());
  const status = useBackendStore((s) => s.status);
  const queue = useQueueStore((s) => s.queue);
  const current = useRunsStore((s) => (queue ? s.runs[queue.runIds[queue.index]] : undefined));
  const [methods, setMethods] = useState<Method[]>([...METHODS]);
  const [seeds, setSeeds] = useState(3);
  const [message, setMessage] = useState<string | null>(null);

  const items = ablationItems(config, methods, seeds);
  let hasBase = true;
  try {
    hasBase = getPreset(config.preset).baseModel !== undefined;
  } catch {
    // an unknown preset name is the form's error to show
  }
  const costs = stepCosts(status);
  const each = items.map((it) => estimateRunSeconds(it.config, costs, { baseModel: hasBase }));
  const total = each.some((x) => x === undefined) ? undefined : each.reduce((a, b) => a! + b!, 0);
  const running = queue?.state === 'running';

  const start = () => {
    const why = startQueue(`${config.preset}: ${methods.join(', ')} × ${seeds} seed${seeds === 1 ? '' : 's'}`, items);
    setMessage(why);
  };
  const toggle = (m: Method) =>
    setMethods((xs) => (xs.includes(m) ? xs.filter((x) => x !== m) : METHODS.filter((x) => x === m || xs.includes(x))));

  const progress = queue ? queueProgress(queue, current) : null;
  return (
    <section className="ablation-runner" aria-label="Run an ablation">
      <h3>Run an ablation here</h3>
      <p className="help">
        The form’s settings once per method and seed (seeds {config.seed} to {config.seed + seeds - 1}), one run after
        another on {status?.name ?? 'this page’s backend'}; each finished run joins the table above.
      </p>
      <fieldset className="toolbar ablation-form" disabled={running} aria-label="Methods and seeds">
        {METHODS.map((m) => (
          <label key={m} className="inline">
            <input type="checkbox" checked={methods.includes(m)} onChange={() => toggle(m)} /> {m}
          </label>
        ))}
        <label className="inline">
          seeds
          <input
            type="number"
            min={1}
            max={MAX_SEEDS}
            value={seeds}
            aria-label="Seeds per method"
            onChange={(e) => setSeeds(Math.max(1, Math.min(MAX_SEEDS, Math.round(Number(e.target.value) || 1))))}
          />
        </label>
        <button
          type="button"
          onClick={start}
          disabled={running || items.length === 0 || !valid}
          title={!valid ? 'Fix the highlighted settings in the form first.' : undefined}
        >
          Run ablation ({items.length} run{items.length === 1 ? '' : 's'}
          {total !== undefined ? `, ${formatEstimate(total)}` : ''})
        </button>
      </fieldset>
      {message ? (
        <p className="error" role="alert">
          {message}
        </p>
      ) : null}
      {queue && progress ? (
        <div className="queue" aria-label="Ablation progress">
          <div className="progress-row">
            <progress aria-label="Ablation progress bar" max={1} value={progress.fraction} />
          </div>
          <p className="progress-text" role="status">
            {queue.state === 'done'
              ? `Done: ${queue.items.length} runs (${queue.title}).`
              : `Run ${Math.min(queue.index + 1, queue.items.length)} of ${queue.items.length} (${queue.items[queue.index]?.label ?? ''}) · ${Math.round(progress.fraction * 100)}%` +
                (queue.state === 'running' && progress.secondsLeft !== undefined
                  ? ` · about ${duration(progress.secondsLeft)} left`
                  : '') +
                (queue.state === 'stopped' ? ' · stopped' : '')}
          </p>
          {queue.message ? <p className="help">{queue.message}</p> : null}
          <div className="toolbar">
            {running ? (
              <button type="button" onClick={stopQueue}>
                Stop series
              </button>
            ) : null}
            {queue.state === 'stopped' ? (
              <button type="button" onClick={continueQueue}>
                Continue series
              </button>
            ) : null}
            {!running ? (
              <button type="button" onClick={clearQueue}>
                Clear
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
