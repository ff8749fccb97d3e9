/** The ablation side by side: per benchmark, each method's accuracy, difference from grpo and interval; probe vs task scatter. */
import { useMemo, useState } from 'react';
import { CartesianGrid, LabelList, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { ResultRow } from '../../results/results.ts';
import { useRunsStore } from '../../store/runs.ts';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { parseFile } from '../../persist/parse-client.ts';
import { probeVsTask, rowsFromRuns } from '../lib/comparison.ts';
import { pct } from '../lib/format.ts';
import { compare } from '../lib/stats.ts';

function pm(mean: number, ci: number, signedDiff = false): string {
  const m = signedDiff ? `${mean >= 0 ? '+' : '−'}${(Math.abs(mean) * 100).toFixed(1)}` : (mean * 100).toFixed(1);
  return Number.isFinite(ci) ? `${m} ± ${(ci * 100).toFixed(1)}` : m;
}

export function ComparisonTable({ rows }: { rows: ResultRow[] }) {
  const c = compare(rows);
  return (
    <table className="compare" aria-label="Accuracy per benchmark">
      <thead>
        <tr>
          <th>benchmark</th>
          {c.methods.map((m) => (
            <th key={m} scope="col">
              {m}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {c.benchmarks.map((b) => (
          <tr key={b}>
            <th scope="row">{b}</th>
            {c.methods.map((m) => {
              const cell = c.cells[m][b];
              if (!cell.n) return <td key={m}>–</td>;
              return (
                <td key={m}>
                  <span className="acc">{pm(cell.mean, cell.ci95)}</span>
                  {cell.diff !== null ? (
                    <span className={`diff ${cell.diff > 0 ? 'up' : cell.diff < 0 ? 'down' : ''}`}>
                      {' '}
                      ({pm(cell.diff, cell.diffCi95, true)} vs grpo)
                    </span>
                  ) : null}
                  <span className="help"> n={cell.n}</span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
      <caption>
        Accuracy in percent, mean ± 95% interval over seeds (t distribution); the difference from grpo is paired by
        seed.
      </caption>
    </table>
  );
}

function ComparisonViewBody() {
  const runs = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id])));
  const [loaded, setLoaded] = useState<{ name: string; rows: ResultRow[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fromRuns = useMemo(() => rowsFromRuns(runs), [runs]);
  const rows = loaded?.rows ?? fromRuns;
  const scatter = useMemo(() => probeVsTask(rows), [rows]);
  const load = (
    <label className="file-button">
      Load results.json
      <input
        type="file"
        accept=".json,application/json"
        aria-label="Load results.json"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          try {
            // Read, parsed and checked off the main thread, with the file's own name in every error.
            setLoaded({ name: f.name, rows: await parseFile('results', f, f.name) });
            setError(null);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      />
    </label>
  );
  return (
    <Panel name="Comparison" actions={load} className="wide">
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {loaded ? (
        <p className="help">
          Showing {loaded.name} ({loaded.rows.length} rows).{' '}
          <button type="button" className="link" onClick={() => setLoaded(null)}>
            show this page's runs instead
          </button>
        </p>
      ) : null}
      {rows.length === 0 ? (
        <Empty>
          Run the same preset with different methods (grpo, da-sft, da-rl, contextrl), ideally with several seeds, and
          each run's final evaluation lands here; or load a results.json from <code>npm run experiment</code>.
        </Empty>
      ) : (
        <div className="compare-grid">
          <ComparisonTable rows={rows} />
          <figure className="chart" role="figure" aria-label="Selection probe vs end task">
            <figcaption>
              <span className="chart-title">Selection-probe accuracy vs end-task accuracy, per method</span>
            </figcaption>
            {scatter.length ? (
              <ResponsiveContainer width="100%" height={240}>
                <ScatterChart margin={{ top: 14, right: 20, bottom: 20, left: 6 }}>
                  <CartesianGrid stroke="#e5e7eb" />
                  <XAxis
                    type="number"
                    dataKey="probe"
                    name="probe accuracy"
                    domain={[0, 1]}
                    tickFormatter={(v: number) => pct(v, 0)}
                    label={{ value: 'selection probe', position: 'insideBottom', offset: -10, fontSize: 11 }}
                    tick={{ fontSize: 10 }}
                  />
                  <YAxis
                    type="number"
                    dataKey="task"
                    name="end-task accuracy"
                    domain={[0, 1]}
                    tickFormatter={(v: number) => pct(v, 0)}
                    tick={{ fontSize: 10 }}
                    width={52}
                    label={{ value: 'end task (mean)', angle: -90, position: 'insideLeft', offset: 10, fontSize: 11 }}
                  />
                  <Tooltip formatter={(v) => pct(Number(v))} isAnimationActive={false} />
                  <Scatter data={scatter} fill="#2563eb" isAnimationActive={false}>
                    <LabelList dataKey="method" position="top" fontSize={11} />
                  </Scatter>
                </ScatterChart>
              </ResponsiveContainer>
            ) : (
              <Empty>The scatter needs runs evaluated on both the selection probe and at least one benchmark.</Empty>
            )}
          </figure>
        </div>
      )}
    </Panel>
  );
}

/** The panel, inside its error boundary. */
export const ComparisonView = guardPanel('Comparison', ComparisonViewBody);
