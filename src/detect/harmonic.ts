/**
 * Harmonic (seasonal) regression of one index over time, the model of CCDC and BFAST-monitor:
 *
 *   y(t) = c + b·(t − tRef) + a1·cos 2πt + b1·sin 2πt + a2·cos 4πt + b2·sin 4πt
 *
 * with t in years since 1970-01-01 (so the phases are calendar phases) and tRef the mean time of the
 * fitted looks (the constant is the level there; keeps the trend column well conditioned). The trend
 * term is optional. Coefficients are least squares — ordinary, or robust (`robust`: iteratively
 * reweighted with Tukey's bisquare at 4.685 σ, the textbook 95 %-efficient choice, so a few hazy looks
 * do not bend the curve) — solved from the normal equations by Gaussian elimination with partial
 * pivoting: at most six unknowns, so a dependency buys nothing.
 *
 * The residual spread is robust: σ = 1.4826 · MAD(residuals) · √(n / (n − p)) — the normal-consistent
 * median absolute deviation about the median residual, with the usual least-squares degrees-of-freedom
 * correction for p fitted coefficients. A few outlying looks (an undetected cloud, last season's
 * harvest) thus do not inflate it, and under no change (y − ŷ) / σ is approximately standard normal.
 */

/** Milliseconds in a mean Gregorian year. */
export const YEAR_MS = 365.2425 * 86_400_000;

/** Fitted coefficients of one harmonic model. */
export interface HarmonicModel {
  /** Level at tRef. */
  constant: number;
  /** Change per year (0 when fitted without trend). */
  trend: number;
  /** Annual cosine and sine amplitudes. */
  annual: [number, number];
  /** Semi-annual cosine and sine amplitudes. */
  semiAnnual: [number, number];
  /** Whether the trend was fitted. */
  withTrend: boolean;
  /** Reference time of the trend, years since 1970. */
  tRef: number;
  /** Looks fitted. */
  n: number;
  /** Robust residual spread (see the module comment). */
  sigma: number;
}

/** Time in years since 1970-01-01 of an ISO date or epoch milliseconds. */
export function yearsOf(time: string | number): number {
  return (typeof time === 'number' ? time : Date.parse(time)) / YEAR_MS;
}

function row(t: number, tRef: number, withTrend: boolean): number[] {
  const w = 2 * Math.PI * t;
  const r = [1, Math.cos(w), Math.sin(w), Math.cos(2 * w), Math.sin(2 * w)];
  if (withTrend) r.push(t - tRef);
  return r;
}

/** Solves A x = b (A square, copied); undefined when A is singular to working precision. */
export function solveLinear(a: readonly number[][], b: readonly number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]!]);
  const scale = Math.max(1, ...m.flat().map(Math.abs));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) <= 1e-10 * scale) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((r, i) => r[n]! / r[i]!);
}

/** The model's expectation at time t (years since 1970). */
export function predictHarmonic(model: HarmonicModel, t: number): number {
  const w = 2 * Math.PI * t;
  return (
    model.constant +
    model.trend * (t - model.tRef) +
    model.annual[0] * Math.cos(w) +
    model.annual[1] * Math.sin(w) +
    model.semiAnnual[0] * Math.cos(2 * w) +
    model.semiAnnual[1] * Math.sin(2 * w)
  );
}

/**
 * Least-squares harmonic fit of values at times (years since 1970; non-finite values are skipped).
 * Undefined with fewer than twice as many looks as coefficients, or when the looks cannot separate
 * the terms (all in one phase of the year).
 */
export function fitHarmonic(
  times: readonly number[],
  values: readonly number[],
  options: { trend?: boolean; robust?: boolean } = {},
): HarmonicModel | undefined {
  const withTrend = options.trend ?? false;
  const ts: number[] = [];
  const ys: number[] = [];
  times.forEach((t, i) => {
    const y = values[i];
    if (y !== undefined && Number.isFinite(y) && Number.isFinite(t)) {
      ts.push(t);
      ys.push(y);
    }
  });
  const p = withTrend ? 6 : 5;
  if (ts.length < 2 * p) return undefined;
  const tRef = ts.reduce((s, t) => s + t, 0) / ts.length;
  const rows = ts.map((t) => row(t, tRef, withTrend));
  let weights = ts.map(() => 1);
  let model: HarmonicModel | undefined;
  for (let iteration = 0; iteration <= (options.robust ? ROBUST_ITERATIONS : 0); iteration++) {
    const next = weightedFit(rows, ys, weights, { withTrend, tRef });
    if (!next) return model;
    model = next;
    const residuals = ts.map((t, i) => ys[i]! - predictHarmonic(model!, t));
    model.sigma = robustSpread(residuals, p);
    if (!(model.sigma > 0)) break;
    const c = TUKEY_C * model.sigma;
    weights = residuals.map((r) => (Math.abs(r) < c ? (1 - (r / c) ** 2) ** 2 : 0));
  }
  return model;
}

/** Tukey bisquare tuning constant (95 % efficiency at the normal). */
export const TUKEY_C = 4.685;
/** Reweighting passes of the robust fit. */
export const ROBUST_ITERATIONS = 5;

/** The median (the mean of the two middle values of an even count). */
export function exactMedian(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** 1.4826 · MAD about the median, with the √(n / (n − p)) degrees-of-freedom correction. */
export function robustSpread(residuals: readonly number[], p: number): number {
  const centre = exactMedian(residuals);
  const mad = exactMedian(residuals.map((r) => Math.abs(r - centre)));
  return 1.4826 * mad * Math.sqrt(residuals.length / (residuals.length - p));
}

function weightedFit(
  rows: readonly number[][],
  ys: readonly number[],
  weights: readonly number[],
  shape: { withTrend: boolean; tRef: number },
): HarmonicModel | undefined {
  const p = rows[0]!.length;
  const xtx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  let n = 0;
  rows.forEach((x, i) => {
    const w = weights[i]!;
    if (w === 0) return;
    n++;
    for (let a = 0; a < p; a++) {
      xty[a]! += w * x[a]! * ys[i]!;
      for (let b = 0; b < p; b++) xtx[a]![b]! += w * x[a]! * x[b]!;
    }
  });
  if (n < 2 * p) return undefined;
  const beta = solveLinear(xtx, xty);
  if (!beta) return undefined;
  return {
    constant: beta[0]!,
    trend: shape.withTrend ? beta[5]! : 0,
    annual: [beta[1]!, beta[2]!],
    semiAnnual: [beta[3]!, beta[4]!],
    withTrend: shape.withTrend,
    tRef: shape.tRef,
    n: rows.length,
    sigma: 0,
  };
}
