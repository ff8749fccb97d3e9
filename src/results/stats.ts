/**
 * Summary statistics for experiment results: mean and a 95% confidence interval from the
 * t-distribution (n - 1 degrees of freedom), as papers report "mean ± CI over seeds".
 */

// t_{0.975, df} for df = 1..30 (standard tables).
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

// t_{0.80, df} for df = 1..30 (scipy.stats.t.ppf(0.8, df), 3 decimals): the power term of the MDD.
const T80 = [
  1.376, 1.061, 0.978, 0.941, 0.92, 0.906, 0.896, 0.889, 0.883, 0.879, 0.876, 0.873, 0.87, 0.868, 0.866, 0.865, 0.863,
  0.862, 0.861, 0.86, 0.859, 0.858, 0.858, 0.857, 0.856, 0.856, 0.855, 0.855, 0.854, 0.854,
];

/** The 0.975 quantile of Student's t with df degrees of freedom (df >= 1). */
export function tQuantile975(df: number): number {
  return tQuantile(T975, 1.959964, df);
}

/** The 0.80 quantile of Student's t with df degrees of freedom (df >= 1). */
export function tQuantile80(df: number): number {
  return tQuantile(T80, 0.841621, df);
}

function tQuantile(table: number[], z: number, df: number): number {
  if (!(df >= 1)) throw new Error(`df must be >= 1 (got ${df})`);
  if (Number.isInteger(df) && df <= 30) return table[df - 1];
  // Cornish-Fisher expansion around the normal quantile z; error < 1e-3 for df > 30.
  const z3 = z ** 3,
    z5 = z ** 5,
    z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (Bessel). 0 when n < 2. */
  std: number;
  /** Half-width of the 95% CI: t_{0.975, n-1} * std / sqrt(n). NaN when n < 2. */
  ci95: number;
}

/** The arithmetic mean (NaN for no values). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Standard deviation with Bessel's correction (torch.std's default); 0 for fewer than two values. */
export function stdBessel(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  const ss = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
  return Math.sqrt(ss / (xs.length - 1));
}

export function summarize(xs: number[]): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, std: NaN, ci95: NaN };
  const m = mean(xs);
  if (n < 2) return { n, mean: m, std: 0, ci95: NaN };
  const std = stdBessel(xs);
  return { n, mean: m, std, ci95: (tQuantile975(n - 1) * std) / Math.sqrt(n) };
}

/** Mean and CI of paired differences a_i - b_i (same seeds), the fair way to compare two methods. */
export function summarizePaired(a: number[], b: number[]): Summary {
  if (a.length !== b.length) throw new Error(`paired samples must have equal length (got ${a.length}, ${b.length})`);
  return summarize(a.map((x, i) => x - b[i]));
}

/**
 * Minimum detectable difference of a paired comparison: the true mean difference a two-sided
 * paired t-test at alpha 0.05 detects with 80% power, given the paired differences' std and n
 * pairs: (t_{0.975, n-1} + t_{0.80, n-1}) * std / sqrt(n). NaN for n < 2.
 */
export function minDetectableDiff(std: number, n: number): number {
  if (!(n >= 2)) return NaN;
  return ((tQuantile975(n - 1) + tQuantile80(n - 1)) * std) / Math.sqrt(n);
}

/** A paired comparison: mean difference, its 95% CI, and the MDD at 80% power. */
export interface PairedComparison extends Summary {
  mdd: number;
}

export function comparePaired(a: number[], b: number[]): PairedComparison {
  const s = summarizePaired(a, b);
  return { ...s, mdd: minDetectableDiff(s.std, s.n) };
}
