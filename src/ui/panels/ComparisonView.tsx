/**
 * The ablation side by side, from finished evaluations only (this page's finished runs, a loaded
 * results.json, or one of the repository's measured ablations): per benchmark each method's mean
 * and interval over seeds (n = seeds), the paired difference from grpo coloured only when its
 * interval excludes 0, shares read as shares and losses as losses; the probe-vs-task scatter; and
 * the chain from the objective to the end task for two methods side by side.
 */
import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { methodsOf, type ResultRow } from '../../results/results.ts';
import { useRunsStore } from '../../store/runs.ts';
import { parseFile } from '../../persist/parse-client.ts';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import {
  benchmarkKind,
  chainLinks,
  excludesZero,
  formatSummary,
  goodDirection,
  parseResultRows,
  placeLabels,
  probeVsTask,
  rowsFromRuns,
  type ChainLink,
} from '../lib/comparison.ts';
import { pct } from '../lib/format.ts';
import { AblationRunner } from './AblationRunner.tsx';
import { compare } from '../lib/stats.ts';

/** The repository's measured ablations (docs/results/<name>/results.json), fetched when opened. */
export const EXAMPLES: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>('../../../docs/results/*/results.json', { query: '?url', import: 'default', eager: true }),
  ).map(([path, url]) => [path.split('/').at(-2)!, url]),
);

const KIND_NOTE = { accuracy: 'accuracy', share: 'share', loss: 'loss (nats)' } as const;

/** Colour class of a difference: only when its interval excludes 0, green when it is an improvement. */
function diffClass(b: string, diff: number, ci95: number): string {
  if (!excludesZero(diff, ci95)) return 'diff';
  return diff * goodDirection(b) > 0 ? 'diff up' : 'diff down';
}

export function ComparisonTable({ rows }: { rows: ResultRow[] }) {
  const c = compare(rows);
  const seeds = (m: string) => Math.max(0, ...c.benchmarks.map((b) => c.cells[m][b].n));
  return (
    <div className="compare-scroll">
      <table className="compare" aria-label="Results per benchmark">
        <thead>
          <tr>
            <th scope="col">benchmark</th>
            {c.methods.map((m) => (
              <th key={m} scope="col">
                {m}
                <span className="help"> n={seeds(m)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {c.benchmarks.map((b) => (
            <tr key={b}>
              <th scope="row">
                {b}
                <span className={`kind kind-${benchmarkKind(b)}`}>{KIND_NOTE[benchmarkKind(b)]}</span>
              </th>
              {c.methods.map((m) => {
                const cell = c.cells[m][b];
                if (!cell.n) return <td key={m}>–</td>;
                return (
                  <td key={m}>
                    <span className="acc">{formatSummary(b, cell)}</span>
                    {cell.n !== seeds(m) ? <span className="help"> n={cell.n}</span> : null}
                    {cell.diff !== null ? (
                      <span className={diffClass(b, cell.diff, cell.diffCi95)}>
                        {' '}
                        Δ {formatSummary(b, { mean: cell.diff, ci95: cell.diffCi95 }, true)}
                      </span>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="help compare-caption">
        n = seeds with a value. Accuracies and shares in percent, losses in nats: mean ± 95% interval over seeds
        (t-distribution; none when n = 1). Δ is the difference from grpo, paired by seed, coloured only when its
        interval excludes 0 (green: better, red: worse). grounding/* rows are shares of the attribution on the decisive
        evidence, not accuracies.
      </p>
    </div>
  );
}

const SC = { width: 340, height: 230, left: 40, right: 12, top: 10, bottom: 30 };

/** Selection-probe accuracy against mean end-task accuracy per method, labels placed so they never overlap. */
export function ProbeTaskScatter({ rows }: { rows: ResultRow[] }) {
  const pts = probeVsTask(rows);
  const w = SC.width - SC.left - SC.right;
  const h = SC.height - SC.top - SC.bottom;
  const sx = (v: number) => SC.left + v * w;
  const sy = (v: number) => SC.top + (1 - v) * h;
  // The chance line's label is an obstacle too.
  const chance = { x0: sx(0.5), y0: sy(1), x1: sx(0.5) + 40, y1: sy(1) + 11 };
  const placed = placeLabels(
    pts.map((p) => ({ x: sx(p.probe), y: sy(p.task), text: p.method })),
    { width: SC.width, height: SC.height, obstacles: [chance] },
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <figure className="chart scatter" role="figure" aria-label="Selection probe vs end task">
      <figcaption>
        <span className="chart-title">Selection probe vs end task, per method</span>
      </figcaption>
      <p className="chart-explain">
        The paper’s Figure 5: methods that select the right context more often should also answer the end task better.
      </p>
      {pts.length === 0 ? (
        <Empty>The scatter needs the selection probe and at least one end-task benchmark.</Empty>
      ) : (
        <svg width={SC.width} height={SC.height} role="img" aria-label="Scatter" fontSize={10} fontFamily="system-ui">
          <rect x={0} y={0} width={SC.width} height={SC.height} fill="#fff" />
          {ticks.map((t) => (
            <g key={t}>
              <line x1={sx(0)} x2={sx(1)} y1={sy(t)} y2={sy(t)} stroke="#e5e7eb" />
              <line x1={sx(t)} x2={sx(t)} y1={sy(0)} y2={sy(1)} stroke="#f3f4f6" />
              <text x={sx(0) - 4} y={sy(t) + 3} textAnchor="end" fill="#6b7280">
                {pct(t, 0)}
              </text>
              <text x={sx(t)} y={sy(0) + 12} textAnchor="middle" fill="#6b7280">
                {pct(t, 0)}
              </text>
            </g>
          ))}
          <line x1={sx(0.5)} x2={sx(0.5)} y1={sy(0)} y2={sy(1)} stroke="#9ca3af" strokeDasharray="4 3" />
          <text x={sx(0.5) + 3} y={sy(1) + 9} fill="#6b7280">
            chance
          </text>
          <text x={sx(0.5)} y={SC.height - 3} textAnchor="middle" fill="#374151">
            selection probe (hard pairs)
          </text>
          <text x={10} y={sy(0.5)} textAnchor="middle" fill="#374151" transform={`rotate(-90 10 ${sy(0.5)})`}>
            end task (mean)
          </text>
          {pts.map((p, i) => (
            <g key={p.method}>
              <circle cx={sx(p.probe)} cy={sy(p.task)} r={3.5} fill="#2563eb">
                <title>{`${p.method}: probe ${pct(p.probe)}, end task ${pct(p.task)}`}</title>
              </circle>
              {placed[i].leader ? (
                <line
                  x1={sx(p.probe)}
                  y1={sy(p.task)}
                  x2={placed[i].x}
                  y2={placed[i].y - 4}
                  stroke="#9ca3af"
                  strokeWidth={0.8}
                />
              ) : null}
              <text x={placed[i].x} y={placed[i].y} textAnchor={placed[i].anchor} fill="#111827" fontSize={11}>
                {p.method}
              </text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

function ChainCell({ link, side }: { link: ChainLink; side: 'a' | 'b' }) {
  const s = link[side];
  if (!link.benchmark || !s.n) return <span className="missing">–</span>;
  return (
    <span>
      {formatSummary(link.benchmark, s)}
      <span className="help"> n={s.n}</span>
    </span>
  );
}

/** Two methods side by side along the chain L_CA -> probe -> where the model looks -> hard items. */
export function ChainView({ rows }: { rows: ResultRow[] }) {
  const methods = methodsOf(rows);
  const [pick, setPick] = useState<{ a?: string; b?: string }>({});
  const b = pick.b && methods.includes(pick.b) ? pick.b : methods.includes('contextrl') ? 'contextrl' : methods.at(-1)!;
  // Against grpo by default; without grpo (a lesson's hard, easy and random runs) another column than B.
  const a =
    pick.a && methods.includes(pick.a)
      ? pick.a
      : methods.includes('grpo')
        ? 'grpo'
        : (methods.find((m) => m !== b) ?? methods[0]);
  const links = chainLinks(rows, a, b);
  const select = (value: string, set: (v: string) => void, label: string) => (
    <label className="inline">
      {label}
      <select value={value} onChange={(e) => set(e.target.value)} aria-label={label}>
        {methods.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section className="chain" aria-label="Chain from the objective to the end task">
      <h3>From the objective to the end task</h3>
      <div className="toolbar">
        {select(a, (v) => setPick((p) => ({ ...p, a: v })), 'Method A')}
        {select(b, (v) => setPick((p) => ({ ...p, b: v })), 'Method B')}
        <span className="help">
          Each link should move for the next to: a lower L_CA, a better probe, more attention on the evidence, and then
          the hard items.
        </span>
      </div>
      <ol className="chain-links">
        {links.map((l) => (
          <li
            key={l.id}
            className={l.missing && !l.benchmark ? 'chain-link missing' : 'chain-link'}
            aria-label={l.title}
          >
            <h4>{l.title}</h4>
            <p className="help">{l.what}</p>
            {l.benchmark ? <code>{l.benchmark}</code> : null}
            {l.missing && !l.benchmark ? (
              <p className="missing" role="note">
                Link missing: {l.missing}.
              </p>
            ) : (
              <dl>
                <dt>{a}</dt>
                <dd>
                  <ChainCell link={l} side="a" />
                </dd>
                <dt>{b}</dt>
                <dd>
                  <ChainCell link={l} side="b" />
                </dd>
                <dt>B − A</dt>
                <dd>
                  {l.diff && l.benchmark ? (
                    <span className={diffClass(l.benchmark, l.diff.mean, l.diff.ci95)}>
                      {formatSummary(l.benchmark, l.diff, true)}
                    </span>
                  ) : (
                    <span className="missing">{l.missing ?? 'no shared seeds'}</span>
                  )}
                </dd>
              </dl>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

type Source = { kind: 'runs' } | { kind: 'file' | 'example'; name: string; rows: ResultRow[] };

function ComparisonViewBody() {
  const names = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id]?.name)));
  const states = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id]?.state)));
  const evals = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id]?.evals)));
  const configs = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id]?.config)));
  const fromRuns = useMemo(
    () =>
      rowsFromRuns(
        names.map((name, i) => ({
          name: name ?? '',
          state: states[i] ?? 'idle',
          evals: evals[i] ?? [],
          config: configs[i]!,
        })),
      ),
    [names, states, evals, configs],
  );
  const [source, setSource] = useState<Source>({ kind: 'runs' });
  const [error, setError] = useState<string | null>(null);
  const rows = source.kind === 'runs' ? fromRuns.rows : source.rows;

  const openExample = async (name: string) => {
    if (!name) return setSource({ kind: 'runs' });
    try {
      const res = await fetch(EXAMPLES[name]);
      setSource({
        kind: 'example',
        name,
        rows: parseResultRows(await res.text(), `docs/results/${name}/results.json`),
      });
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const actions = (
    <>
      <label className="inline">
        Example
        <select
          aria-label="Open a measured ablation"
          value={source.kind === 'example' ? source.name : ''}
          onChange={(e) => void openExample(e.target.value)}
        >
          <option value="">this page’s finished runs</option>
          {Object.keys(EXAMPLES).map((n) => (
            <option key={n} value={n}>
              measured: {n}
            </option>
          ))}
        </select>
      </label>
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
              setSource({ kind: 'file', name: f.name, rows: await parseFile('results', f, f.name) }); // read and checked off the main thread
              setError(null);
            } catch (err) {
              setError((err as Error).message);
            }
          }}
        />
      </label>
    </>
  );
  return (
    <Panel name="Comparison" actions={actions} className="wide">
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {source.kind !== 'runs' ? (
        <p className="help">
          Showing {source.kind === 'example' ? `the measured ablation docs/results/${source.name}` : source.name} (
          {source.rows.length} rows, {methodsOf(source.rows).length} methods).{' '}
          <button type="button" className="link" onClick={() => setSource({ kind: 'runs' })}>
            show this page’s finished runs instead
          </button>
        </p>
      ) : fromRuns.pending.length ? (
        <p className="help">
          Only finished runs are compared (their final evaluation); not yet: {fromRuns.pending.join(', ')}.
        </p>
      ) : null}
      {rows.length === 0 ? (
        <Empty>
          Finished runs land here: run the same preset with different methods (grpo, da-sft, da-rl, contextrl), ideally
          with several seeds, to the end. Or open a measured ablation from the Example menu, or load a results.json from{' '}
          <code>npm run experiment</code>.
        </Empty>
      ) : (
        <>
          <div className="compare-grid">
            <ComparisonTable rows={rows} />
            <ProbeTaskScatter rows={rows} />
          </div>
          {methodsOf(rows).length >= 2 ? <ChainView rows={rows} /> : null}
        </>
      )}
      <AblationRunner />
    </Panel>
  );
}

export const ComparisonView = guardPanel('Comparison', ComparisonViewBody);
