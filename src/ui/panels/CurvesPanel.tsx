/**
 * The curves: the charts that tell the story first (reward, the selection probe, L_CA and its
 * margin, evaluation accuracies), the rest in collapsible groups, each chart with one line on what
 * it shows and what healthy looks like; debiased-EMA smoothing, hover values, several runs
 * overlaid. Each chart renders again only when its own series change (closed groups not at all).
 */
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { EvalRecord } from '../../runtime/types.ts';
import { setSmoothing, setStep, useInspectorStore } from '../../store/inspector.ts';
import { useMetricsStore, type RunMetrics } from '../../store/metrics.ts';
import { toggleOverlay, useRunsStore } from '../../store/runs.ts';
import { seriesPoints, type Point, type Series } from '../../store/series.ts';
import { LineChart } from '../components/LineChart.tsx';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { evalSeries } from '../lib/chartData.ts';
import { groupMetrics, metricInfo } from '../lib/chartGroups.ts';
import { legendLabels } from '../lib/configDiff.ts';
import { download, fileStem } from '../lib/exportData.ts';
import { svgToPng } from '../lib/svgPng.ts';

export const RUN_COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** The active run first, then the overlaid ones. */
function useChartRunIds(): string[] {
  return useRunsStore(
    useShallow((s) =>
      [s.activeId, ...s.overlay.filter((id) => id !== s.activeId)].filter((x): x is string => !!x && !!s.runs[x]),
    ),
  );
}

const NO_POINTS: Point[] = [];
const pointsCache = new WeakMap<Series, Point[]>();
const evalCache = new WeakMap<EvalRecord[], Record<string, Point[]>>();

function pointsOf(s: Series): Point[] {
  let p = pointsCache.get(s);
  if (!p) pointsCache.set(s, (p = seriesPoints(s)));
  return p;
}
function evalPointsOf(evals: EvalRecord[]): Record<string, Point[]> {
  let p = evalCache.get(evals);
  if (!p) evalCache.set(evals, (p = evalSeries(evals)));
  return p;
}

interface TupleNode {
  next: WeakMap<Point[], TupleNode>;
  value?: Point[][];
}
const tuples: TupleNode = { next: new WeakMap() };

/** The same array for the same runs' point arrays (a trie of weak maps), so a memoised chart sees no change. */
function stableTuple(arrays: Point[][]): Point[][] {
  let node = tuples;
  for (const a of arrays) {
    let n = node.next.get(a);
    if (!n) node.next.set(a, (n = { next: new WeakMap() }));
    node = n;
  }
  return (node.value ??= arrays);
}

/**
 * Per metric, one point array per run. A metric's array keeps its identity while none of its runs'
 * series changed, so its chart (memoised) is skipped when other metrics stream in.
 */
function useMetricSeries(metrics: (RunMetrics | undefined)[], evals: (EvalRecord[] | undefined)[]) {
  return useMemo(() => {
    const perRun = metrics.map((m, i) => {
      const out: Record<string, Point[]> = {};
      if (m) for (const k of m.names) out[k] = pointsOf(m.series[k]);
      const ev = evals[i];
      if (ev) for (const [k, pts] of Object.entries(evalPointsOf(ev))) out[k] ??= pts;
      return out;
    });
    const names = [...new Set(perRun.flatMap((o) => Object.keys(o)))];
    const perMetric: Record<string, Point[][]> = {};
    for (const n of names) perMetric[n] = stableTuple(perRun.map((o) => o[n] ?? NO_POINTS));
    return { names, perMetric };
  }, [metrics, evals]);
}

const MetricChart = memo(function MetricChart({
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
  const ref = useRef<HTMLDivElement>(null);
  const info = metricInfo(name);
  const points = series.reduce((a, s) => a + s.length, 0);
  const savePng = async () => {
    const svg = ref.current?.querySelector('svg');
    if (svg) download(`${fileStem(name)}.png`, await svgToPng(svg));
  };
  return (
    <figure className="chart" role="figure" aria-label={name} data-points={points}>
      <figcaption title={name}>
        <span className="chart-title">{info.title}</span>
        <button type="button" className="link" onClick={savePng} aria-label={`Save ${name} chart as PNG`}>
          PNG
        </button>
      </figcaption>
      <p className="chart-explain" title={info.explain}>
        {info.explain}
      </p>
      <div ref={ref} className="chart-body">
        <LineChart
          label={`${info.title} over steps`}
          series={series}
          colors={RUN_COLORS}
          names={labels}
          smoothing={smoothing}
          step={step}
          fraction={info.fraction}
          guide={info.guide}
          onPick={setStep}
        />
      </div>
      <code className="chart-metric">{name}</code>
    </figure>
  );
});

function ChartGroupSection({
  id,
  title,
  names,
  open,
  onToggle,
  children,
}: {
  id: string;
  title: string;
  names: string[];
  open: boolean;
  onToggle: () => void;
  children: React.ReactNode;
}) {
  return (
    <section className={`chart-group ${open ? 'open' : ''}`} aria-label={title}>
      <h3>
        <button type="button" aria-expanded={open} aria-controls={`charts-${id}`} onClick={onToggle}>
          <span className="caret" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>{' '}
          {title} <span className="count">({names.length})</span>
        </button>
      </h3>
      {open ? (
        <div className="chart-grid" id={`charts-${id}`}>
          {children}
        </div>
      ) : null}
    </section>
  );
}

function CurvesPanelBody() {
  const ids = useChartRunIds();
  const order = useRunsStore(useShallow((s) => s.order));
  const orderNames = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id]?.name ?? id)));
  const activeId = useRunsStore((s) => s.activeId);
  const overlay = useRunsStore((s) => s.overlay);
  const evals = useRunsStore(useShallow((s) => ids.map((id) => s.runs[id]?.evals)));
  const configs = useRunsStore(useShallow((s) => ids.map((id) => s.runs[id]?.config)));
  const runNames = useRunsStore(useShallow((s) => ids.map((id) => s.runs[id]?.name ?? id)));
  const metrics = useMetricsStore(useShallow((s) => ids.map((id) => s.byRun[id])));
  const smoothing = useInspectorStore((s) => s.smoothing);
  const step = useInspectorStore((s) => s.step);
  // The charts draw new data and a new smoothing at low priority: React interrupts that work for
  // input, so the slider and the rest of the page answer at once while the charts catch up.
  const chartMetrics = useDeferredValue(metrics);
  const chartEvals = useDeferredValue(evals);
  const chartSmoothing = useDeferredValue(smoothing);
  const chartStep = useDeferredValue(step);
  const [openGroups, setOpenGroups] = useState<Record<string, boolean>>({});

  const { names, perMetric } = useMetricSeries(chartMetrics, chartEvals);
  const groups = useMemo(() => groupMetrics(names), [names]);
  const labels = useMemo(
    () =>
      legendLabels(
        configs.filter((c) => c !== undefined),
        runNames,
      ),
    [configs, runNames],
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
    <Panel name="Reward curves" actions={controls} className="wide curves">
      {order.length > 1 ? (
        <fieldset className="overlay-pick">
          <legend>Overlay runs</legend>
          {order.map((id, i) =>
            id === activeId ? null : (
              <label key={id}>
                <input type="checkbox" checked={overlay.includes(id)} onChange={() => toggleOverlay(id)} />{' '}
                {orderNames[i]}
              </label>
            ),
          )}
        </fieldset>
      ) : null}
      {names.length === 0 ? (
        <Empty>
          Start a run to see curves: the reward, the selection probe, the selection loss L_CA and the evaluation
          accuracies come first, the rest in groups below them.
        </Empty>
      ) : (
        <>
          <ul className="legend" aria-label="Legend">
            {ids.map((id, i) => (
              <li key={id}>
                <span className="swatch" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
                {labels[i]}
              </li>
            ))}
          </ul>
          {groups.map(({ group, names: members }) => {
            const open = openGroups[group.id] ?? group.open;
            return (
              <ChartGroupSection
                key={group.id}
                id={group.id}
                title={group.title}
                names={members}
                open={open}
                onToggle={() => setOpenGroups((o) => ({ ...o, [group.id]: !open }))}
              >
                {members.map((n) => (
                  <MetricChart
                    key={n}
                    name={n}
                    series={perMetric[n]}
                    labels={labels}
                    smoothing={chartSmoothing}
                    step={chartStep}
                  />
                ))}
              </ChartGroupSection>
            );
          })}
        </>
      )}
    </Panel>
  );
}

/** The panel, inside its error boundary (Reset panel: its view state back to defaults). */
export const CurvesPanel = guardPanel('Reward curves', CurvesPanelBody, () => setStep(null));
