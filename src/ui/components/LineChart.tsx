/**
 * A small SVG line chart for one metric over steps, several runs overlaid: the smoothed line over
 * a faint raw one, nice ticks with distinct labels, a hover readout, a click that sets the step,
 * and a dashed line at the chosen step. Plain SVG with inline attributes (no chart library, and
 * the PNG export needs no stylesheet); at most about one point per pixel column is drawn.
 * Memoised: it renders again only when its own series, the smoothing, the step or its size change.
 */
import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { downsampleMinMax, type Point } from '../../store/series.ts';
import { debiasedEma } from '../lib/ema.ts';
import { fmt } from '../lib/format.ts';
import { niceAxis, tickLabels } from '../lib/ticks.ts';

export interface LineChartProps {
  /** Accessible name of the drawing. */
  label: string;
  /** One series per run, points in increasing x. */
  series: readonly Point[][];
  colors: readonly string[];
  /** Run names for the readout. */
  names: readonly string[];
  smoothing: number;
  step: number | null;
  /** A 0..1 axis labelled in percent. */
  fraction?: boolean;
  guide?: { y: number; label: string };
  height?: number;
  onPick?: (x: number) => void;
}

const M = { top: 6, right: 10, bottom: 18, left: 42 };

/** Width of an element, followed as it resizes. */
function useWidth(fallback: number): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || fallback);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([e]) => setWidth(Math.round(e.contentRect.width) || fallback));
    ro.observe(el);
    return () => ro.disconnect();
  }, [fallback]);
  return [ref, width];
}

function pathOf(xs: number[], ys: number[], sx: (x: number) => number, sy: (y: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export const LineChart = memo(function LineChart({
  label,
  series,
  colors,
  names,
  smoothing,
  step,
  fraction,
  guide,
  height = 120,
  onPick,
}: LineChartProps) {
  const [ref, width] = useWidth(280);
  const [hover, setHover] = useState<number | null>(null);
  const plotW = Math.max(40, width - M.left - M.right);
  const plotH = Math.max(30, height - M.top - M.bottom);

  const drawn = useMemo(
    () =>
      series.map((pts) => {
        const p = downsampleMinMax(pts, Math.max(16, Math.floor(plotW)));
        const xs = p.map((q) => q.x);
        const raw = p.map((q) => q.y);
        return { xs, raw, smooth: smoothing > 0 ? debiasedEma(raw, smoothing) : raw };
      }),
    [series, smoothing, plotW],
  );

  const axes = useMemo(() => {
    let x0 = Infinity,
      x1 = -Infinity,
      y0 = Infinity,
      y1 = -Infinity;
    for (const d of drawn)
      for (let i = 0; i < d.xs.length; i++) {
        x0 = Math.min(x0, d.xs[i]);
        x1 = Math.max(x1, d.xs[i]);
        if (Number.isFinite(d.raw[i])) {
          y0 = Math.min(y0, d.raw[i]);
          y1 = Math.max(y1, d.raw[i]);
        }
      }
    if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
    const single = x1 === x0;
    if (single) [x0, x1] = [x0 - 1, x1 + 1];
    const unit = fraction && y0 >= 0 && y1 <= 1;
    if (guide && !unit && Number.isFinite(y0)) [y0, y1] = [Math.min(y0, guide.y), Math.max(y1, guide.y)];
    const y = unit ? niceAxis(0, 1, 4) : niceAxis(y0, y1, 4);
    const x = niceAxis(x0, x1, Math.max(2, Math.floor(plotW / 70)), true);
    // One evaluation so far: one tick at its step, not a made-up range around it.
    const xTicks = single ? [(x0 + x1) / 2] : x.ticks.filter((t) => t >= x0 && t <= x1);
    return { x: { ...x, domain: [x0, x1] as [number, number], ticks: xTicks }, y, unit };
  }, [drawn, fraction, guide, plotW]);

  const [xa, xb] = axes.x.domain;
  const [ya, yb] = axes.y.domain;
  const sx = (x: number) => M.left + ((x - xa) / (xb - xa || 1)) * plotW;
  const sy = (y: number) => M.top + (1 - (Math.min(yb, Math.max(ya, y)) - ya) / (yb - ya || 1)) * plotH;
  const yLabels = tickLabels(axes.y.ticks, axes.unit);
  const xLabels = tickLabels(axes.x.ticks);

  /** The x of the nearest drawn point to a pointer position. */
  const nearestX = (px: number): number | null => {
    const want = xa + ((px - M.left) / plotW) * (xb - xa);
    let best: number | null = null;
    for (const d of drawn)
      for (const x of d.xs) if (best === null || Math.abs(x - want) < Math.abs(best - want)) best = x;
    return best;
  };
  const readout =
    hover === null
      ? null
      : drawn.map((d, i) => {
          const k = d.xs.indexOf(hover);
          return k < 0 ? null : { name: names[i] ?? `run ${i + 1}`, color: colors[i], y: d.smooth[k], raw: d.raw[k] };
        });

  return (
    <div ref={ref} className="line-chart" style={{ position: 'relative' }}>
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={label}
        fontFamily="system-ui, sans-serif"
        fontSize={10}
        onPointerMove={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          setHover(nearestX(e.clientX - r.left));
        }}
        onPointerLeave={() => setHover(null)}
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const x = nearestX(e.clientX - r.left);
          if (x !== null) onPick?.(x);
        }}
      >
        <rect x={0} y={0} width={width} height={height} fill="#fff" />
        {axes.y.ticks.map((t, i) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={M.left + plotW} y1={sy(t)} y2={sy(t)} stroke="#e5e7eb" />
            <text x={M.left - 4} y={sy(t) + 3} textAnchor="end" fill="#6b7280">
              {yLabels[i]}
            </text>
          </g>
        ))}
        {axes.x.ticks.map((t, i) => (
          <text key={`x${t}`} x={sx(t)} y={height - 5} textAnchor="middle" fill="#6b7280">
            {xLabels[i]}
          </text>
        ))}
        {guide && guide.y >= ya && guide.y <= yb ? (
          <g>
            <line
              x1={M.left}
              x2={M.left + plotW}
              y1={sy(guide.y)}
              y2={sy(guide.y)}
              stroke="#9ca3af"
              strokeDasharray="4 3"
            />
            <text x={M.left + plotW - 2} y={sy(guide.y) - 3} textAnchor="end" fill="#6b7280">
              {guide.label}
            </text>
          </g>
        ) : null}
        {drawn.map((d, i) =>
          smoothing > 0 ? (
            <path
              key={`r${i}`}
              d={pathOf(d.xs, d.raw, sx, sy)}
              fill="none"
              stroke={colors[i]}
              strokeOpacity={0.22}
              strokeWidth={1}
            />
          ) : null,
        )}
        {drawn.map((d, i) => (
          <path key={`s${i}`} d={pathOf(d.xs, d.smooth, sx, sy)} fill="none" stroke={colors[i]} strokeWidth={1.6} />
        ))}
        {drawn.map((d, i) =>
          d.xs.length < 3
            ? d.xs.map((x, k) => <circle key={`p${i}-${x}`} cx={sx(x)} cy={sy(d.smooth[k])} r={2.5} fill={colors[i]} />)
            : null,
        )}
        {step !== null && step >= xa && step <= xb ? (
          <line x1={sx(step)} x2={sx(step)} y1={M.top} y2={M.top + plotH} stroke="#111827" strokeDasharray="3 3" />
        ) : null}
        {hover !== null ? <line x1={sx(hover)} x2={sx(hover)} y1={M.top} y2={M.top + plotH} stroke="#9ca3af" /> : null}
      </svg>
      {readout ? (
        <div
          className="chart-readout"
          style={{ left: Math.min(sx(hover!) + 8, Math.max(0, width - 150)) }}
          aria-hidden="true"
        >
          <div>step {hover}</div>
          {readout.map((r, i) =>
            r ? (
              <div key={i} style={{ color: r.color }}>
                {r.name}: {fmt(r.y, 4)}
                {smoothing > 0 ? ` (raw ${fmt(r.raw, 4)})` : ''}
              </div>
            ) : null,
          )}
        </div>
      ) : null}
    </div>
  );
});
