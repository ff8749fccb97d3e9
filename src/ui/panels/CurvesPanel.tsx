/** Reward curves: one small chart per metric, debiased-EMA smoothing, hover values, several runs overlaid. */
import { useMemo, useRef } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { setSmoothing, setStep, useInspectorStore } from '../../store/inspector.ts';
import { useMetricsStore } from '../../store/metrics.ts';
import { toggleOverlay, useRunsStore, type RunEntry } from '../../store/runs.ts';
import { seriesPoints, type Point } from '../../store/series.ts';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { evalSeries, mergeRuns, orderMetrics } from '../lib/chartData.ts';
import { legendLabels } from '../lib/configDiff.ts';
import { download, fileStem } from '../lib/exportData.ts';
import { fmt } from '../lib/format.ts';
import { svgToPng } from '../lib/svgPng.ts';

export const RUN_COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** The active run first, then the overlaid ones. */
export function useChartRuns(): RunEntry[] {
  const ids = useRunsStore(
    useShallow((s) => [s.activeId, ...s.overlay.filter((id) => id !== s.activeId)].filter((x): x is string => !!x)),
  );
  return useRunsStore(useShallow((s) => ids.map((id) => s.runs[id]).filter(Boolean)));
}

/** Metrics that are fractions by definition get a fixed 0..1 axis. */
const UNIT_RANGE = /accuracy|ratio|frac|share/;

/** The y axis: 0..1 for fractions; a band around a flat series (recharts picks an odd 0..4 for all zeros). */
function yDomainFor(name: string, series: Point[][]): [number, number] | ['auto', 'auto'] {
  let lo = Infinity,
    hi = -Infinity;
  for (const s of series)
    for (const p of s) {
      lo = Math.min(lo, p.y);
      hi = Math.max(hi, p.y);
    }
  if (UNIT_RANGE.test(name) && lo >= 0 && hi <= 1) return [0, 1];
  if (!Number.isFinite(lo) || hi - lo > 1e-12 * Math.max(1, Math.abs(hi))) return ['auto', 'auto'];
  return [Math.floor(lo) - 1, Math.floor(lo) + 1];
}

function MetricChart({
  name,
  series,
  labels,
  smoothing,
  step,
}: {
  name: string;
  series: Point[][];
  labels: string[];
  smoothing: number;
  step: number | null;
}) {
  const data = useMemo(() => mergeRuns(series, smoothing), [series, smoothing]);
  const ref = useRef<HTMLDivElement>(null);
  const points = series.reduce((a, s) => a + s.length, 0);
  const yDomain = useMemo(() => yDomainFor(name, series), [name, series]);
  const savePng = async () => {
    const svg = ref.current?.querySelector('svg.recharts-surface');
    if (svg) download(`${fileStem(name)}.png`, await svgToPng(svg as SVGSVGElement));
  };
  return (
    <figure className="chart" role="figure" aria-label={name} data-points={points}>
      <figcaption>
        <span className="chart-title">{name}</span>
        <button type="button" className="link" onClick={savePng} aria-label={`Save ${name} chart as PNG`}>
          PNG
        </button>
      </figcaption>
      <div ref={ref} className="chart-body">
        <ResponsiveContainer width="100%" height={170}>
          <LineChart
            data={data}
            margin={{ top: 4, right: 8, bottom: 0, left: 0 }}
            onClick={(e) => {
              const x = Number((e as { activeLabel?: unknown } | null)?.activeLabel);
              if (Number.isFinite(x)) setStep(x);
            }}
          >
            <CartesianGrid stroke="#e5e7eb" />
            <XAxis
              dataKey="x"
              type="number"
              domain={['dataMin', 'dataMax']}
              tick={{ fontSize: 10 }}
              allowDecimals={false}
            />
            <YAxis
              tick={{ fontSize: 10 }}
              width={48}
              tickFormatter={(v: number) =>
                Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : fmt(v, 2)
              }
              domain={yDomain}
            />
            <Tooltip
              formatter={(v, key) => [
                fmt(Number(v), 4),
                `${labels[Number(String(key).slice(1))] ?? key}${String(key).startsWith('r') ? ' (raw)' : ''}`,
              ]}
              labelFormatter={(x) => `step ${String(x)}`}
              contentStyle={{ fontSize: 11 }}
              isAnimationActive={false}
            />
            {series.map((_, i) =>
              smoothing > 0 ? (
                <Line
                  key={`r${i}`}
                  dataKey={`r${i}`}
                  stroke={RUN_COLORS[i % RUN_COLORS.length]}
                  strokeOpacity={0.22}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls
                  legendType="none"
                />
              ) : null,
            )}
            {series.map((_, i) => (
              <Line
                key={`s${i}`}
                dataKey={`s${i}`}
                stroke={RUN_COLORS[i % RUN_COLORS.length]}
                strokeWidth={1.6}
                dot={series[i].length < 3}
                isAnimationActive={false}
                connectNulls
              />
            ))}
            {step !== null ? <ReferenceLine x={step} stroke="#111827" strokeDasharray="3 3" /> : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function CurvesPanelBody() {
  const runs = useChartRuns();
  const allRuns = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id])));
  const activeId = useRunsStore((s) => s.activeId);
  const overlay = useRunsStore((s) => s.overlay);
  const byRun = useMetricsStore((s) => s.byRun);
  const smoothing = useInspectorStore((s) => s.smoothing);
  const step = useInspectorStore((s) => s.step);

  const { names, perMetric } = useMemo(() => {
    const perRun = runs.map((r) => {
      const m = byRun[r.id];
      const out: Record<string, Point[]> = {};
      if (m) for (const k of m.names) out[k] = seriesPoints(m.series[k]);
      for (const [k, pts] of Object.entries(evalSeries(r.evals))) if (!out[k]) out[k] = pts;
      return out;
    });
    const names = orderMetrics(perRun.flatMap((o) => Object.keys(o)));
    const perMetric: Record<string, Point[][]> = {};
    for (const n of names) perMetric[n] = perRun.map((o) => o[n] ?? []);
    return { names, perMetric };
  }, [runs, byRun]);
  const labels = legendLabels(
    runs.map((r) => r.config),
    runs.map((r) => r.name),
  );

  const controls = (
    <label className="slider">
      Smoothing
      <input
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={smoothing}
        onChange={(e) => setSmoothing(Number(e.target.value))}
        aria-label="Smoothing"
      />
      <output>{smoothing.toFixed(2)}</output>
    </label>
  );
  return (
    <Panel name="Reward curves" actions={controls} className="wide">
      {allRuns.length > 1 ? (
        <fieldset className="overlay-pick">
          <legend>Overlay runs</legend>
          {allRuns
            .filter((r) => r.id !== activeId)
            .map((r) => (
              <label key={r.id}>
                <input type="checkbox" checked={overlay.includes(r.id)} onChange={() => toggleOverlay(r.id)} /> {r.name}
              </label>
            ))}
        </fieldset>
      ) : null}
      {names.length === 0 ? (
        <Empty>
          Start a run to see curves: reward, KL, clip ratios, the selection loss and evaluation accuracies appear here
          as the run streams metrics.
        </Empty>
      ) : (
        <>
          <ul className="legend" aria-label="Legend">
            {runs.map((r, i) => (
              <li key={r.id}>
                <span className="swatch" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
                {labels[i]}
              </li>
            ))}
          </ul>
          <div className="chart-grid">
            {names.map((n) => (
              <MetricChart key={n} name={n} series={perMetric[n]} labels={labels} smoothing={smoothing} step={step} />
            ))}
          </div>
        </>
      )}
    </Panel>
  );
}

/** The panel, inside its error boundary (Reset panel: its view state back to defaults). */
export const CurvesPanel = guardPanel('Reward curves', CurvesPanelBody, () => setStep(null));
