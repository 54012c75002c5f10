/** Small robust statistics used by features, baselines and chip aggregation. */

/** The p-quantile (0…1, nearest rank on the sorted values) of the finite values; NaN when there are none. */
export function quantile(values: ArrayLike<number>, p: number): number {
  return quantiles(values, [p])[0]!;
}

/** Several quantiles of the finite values at once (one sort). */
export function quantiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  // Counted first, then copied into a typed array of that size: no growing list of numbers beside the copy
  // (a scene's pixels run to millions).
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  if (n === 0) return ps.map(() => Number.NaN);
  const sorted = new Float64Array(n);
  for (let i = 0, o = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) sorted[o++] = v;
  }
  sorted.sort();
  return ps.map(
    (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))]!,
  );
}

/** The median of the finite values; NaN when there are none. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Mean and population standard deviation of the finite values (NaN, NaN when there are none). */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let n = 0;
  let s = 0;
  let q = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    s += v;
    q += v * v;
  }
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, q / n - mean * mean)) };
}

/** Clamps x to [lo, hi]; NaN becomes lo. */
export function clamp(x: number, lo = 0, hi = 1): number {
  if (!(x > lo)) return lo;
  return x > hi ? hi : x;
}
