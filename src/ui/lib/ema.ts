/**
 * Debiased exponential moving average, as TensorBoard and Weights & Biases smooth curves.
 * s_t = w * s_{t-1} + (1 - w) * y_t with s_0 = 0, reported as s_t / (1 - w^t) so the start of the
 * curve is not pulled towards zero. Non-finite values pass through unsmoothed and do not advance t.
 */
export function debiasedEma(values: number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n += 1;
    return last / (1 - Math.pow(w, n));
  });
}
