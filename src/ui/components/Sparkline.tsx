/** A tiny SVG line over steps with optional horizontal guides and coloured dots; no hover, no axes library. */
export interface SparkPoint {
  x: number;
  y: number;
  good?: boolean;
}

export function Sparkline({
  points,
  label,
  yMin,
  yMax,
  guides = [],
  width = 260,
  height = 60,
  marker,
}: {
  points: SparkPoint[];
  label: string;
  yMin?: number;
  yMax?: number;
  guides?: { y: number; label: string }[];
  width?: number;
  height?: number;
  marker?: number | null;
}) {
  if (points.length === 0) return null;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y).concat(guides.map((g) => g.y));
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs);
  const lo = yMin ?? Math.min(...ys),
    hi = yMax ?? Math.max(...ys);
  const pad = 8;
  const sx = (x: number) => pad + (x1 === x0 ? (width - 2 * pad) / 2 : ((x - x0) / (x1 - x0)) * (width - 2 * pad));
  const sy = (y: number) =>
    pad +
    (hi === lo ? (height - 2 * pad) / 2 : (1 - (Math.min(hi, Math.max(lo, y)) - lo) / (hi - lo)) * (height - 2 * pad));
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  return (
    <svg className="spark" width={width} height={height} role="img" aria-label={label}>
      {guides.map((g) => (
        <g key={g.label}>
          <line x1={pad} x2={width - pad} y1={sy(g.y)} y2={sy(g.y)} className="guide" />
          <text x={width - 2} y={sy(g.y) - 2} textAnchor="end" className="guide-label">
            {g.label}
          </text>
        </g>
      ))}
      {marker !== undefined && marker !== null && marker >= x0 && marker <= x1 ? (
        <line x1={sx(marker)} x2={sx(marker)} y1={0} y2={height} className="marker" />
      ) : null}
      <path d={d} className="spark-line" />
      {points.map((p) => (
        <circle
          key={p.x}
          cx={sx(p.x)}
          cy={sy(p.y)}
          r={2.5}
          className={p.good === undefined ? 'dot' : p.good ? 'dot good' : 'dot bad'}
        />
      ))}
    </svg>
  );
}
