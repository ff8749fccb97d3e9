/**
 * Axis ticks for the curves: "nice" values (1, 2, 2.5 or 5 times a power of ten) covering a range,
 * and labels with just enough decimals that no two are the same (an axis reading "2 2 2 2" says
 * nothing).
 */

/** The nice step for about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

export interface Axis {
  /** The axis range: [lo, hi] widened to whole steps. */
  domain: [number, number];
  ticks: number[];
  step: number;
}

/**
 * Ticks for values in [lo, hi]: at most about `count` + 1 of them, the domain widened to the
 * nearest steps. A flat range gets a band around its value; `integer` keeps steps >= 1.
 */
export function niceAxis(lo: number, hi: number, count = 4, integer = false): Axis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { domain: [0, 1], ticks: [0, 0.5, 1], step: 0.5 };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = Math.abs(lo) > 1e-9 ? Math.abs(lo) * 0.5 : 1;
    lo -= pad;
    hi += pad;
  }
  let step = niceStep(hi - lo, count);
  if (integer) step = Math.max(1, Math.round(step));
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; a + k * step <= b + step * 1e-9; k++) ticks.push(clean(a + k * step, step));
  return { domain: [clean(a, step), clean(b, step)], ticks, step };
}

/** Removes float noise (0.30000000000000004) at the step's precision. */
function clean(v: number, step: number): number {
  const d = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(20, d)));
}

/**
 * Labels for `ticks`: the fewest decimals (0..8) that keep every label distinct, exponent form for
 * very large or very small magnitudes; `percent` shows fractions as "25%".
 */
export function tickLabels(ticks: number[], percent = false): string[] {
  const scale = percent ? 100 : 1;
  const vals = ticks.map((t) => t * scale);
  const big = Math.max(0, ...vals.map(Math.abs));
  const useExp = !percent && (big >= 1e5 || (big > 0 && big < 1e-3));
  for (let d = 0; d <= 8; d++) {
    const labels = vals.map((v) =>
      v === 0 ? '0' : useExp ? v.toExponential(d) : `${Number(v.toFixed(d)) === 0 ? 0 : v.toFixed(d)}`,
    );
    if (new Set(labels).size === labels.length) return percent ? labels.map((l) => `${l}%`) : labels;
  }
  return vals.map((v) => String(v));
}
