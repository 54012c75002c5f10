/**
 * Seasonal baseline of one chip: once its eligible history covers a full year, a harmonic model
 * (harmonic.ts: constant + annual + semi-annual, plus a trend from two years on) of each chip-level
 * index and prompt probability, and the current look's anomaly against it in units of the chip's own
 * robust residual spread: z = (value − expected) / σ.
 *
 * Under no change z is approximately standard normal, so the firing threshold is a false-alarm rate,
 * not a fitted constant: |z| ≥ SEASONAL_Z = 3 is a one-sided rate of 0.13 % per look and index, and an
 * alert needs its kind's physical evidence as well (detect-chip.ts) and later looks to confirm it
 * (confirmation.ts).
 */
import type { ChipState } from './detect-types.ts';
import { strength } from './signals.ts';
import { fitHarmonic, predictHarmonic, yearsOf, type HarmonicModel } from './harmonic.ts';

/** History span from which a chip gets a seasonal model: every phase of the annual cycle seen once. */
export const SEASONAL_MIN_SPAN_DAYS = 365;
/** Fewest eligible looks for a seasonal model (CCDC's initialisation minimum, twice the coefficients). */
export const SEASONAL_MIN_LOOKS = 12;
/** History span from which the model also fits a linear trend. */
export const TREND_MIN_SPAN_DAYS = 730;
/** Looks older than this are left out of the fit (a few seasons; older land cover may differ). */
export const SEASONAL_HISTORY_DAYS = 3 * 365;
/** Firing threshold in σ (one-sided normal tail 0.13 %). */
export const SEASONAL_Z = 3;
/**
 * Smallest σ used, in index units: the radiometric noise of a chip-mean index (about 0.01 for
 * Sentinel-2 / Landsat surface reflectance), so a chip whose index never moved cannot turn a trace into
 * an infinite z.
 */
export const SIGMA_FLOOR = 0.01;

/** Chip-level statistics modelled, where the chip has them (see spectral-stats.ts). */
export const SEASONAL_STATS = ['ndvi', 'ndviLow', 'nbr', 'nbrLow', 'mndwi', 'ndwi'] as const;

/** The seasonal anomaly of one look. */
export interface SeasonalEvidence {
  /** Per modelled key (a stats key, or `prompt:<prompt>`): (value − expected) / σ. */
  z: Record<string, number>;
  /** Per modelled key: the seasonal expectation at the look's time. */
  expected: Record<string, number>;
  /** Per modelled key: the σ used (robust residual spread, floored at SIGMA_FLOOR). */
  sigma: Record<string, number>;
  /** Looks in the fit. */
  looks: number;
  /** Whether the fit includes a trend. */
  trend: boolean;
}

const DAY_MS = 86_400_000;

/** The looks a seasonal model is fitted on: eligible history within SEASONAL_HISTORY_DAYS (newest first in, any order out). */
export function seasonalWindow(current: ChipState, eligible: readonly ChipState[]): ChipState[] {
  const now = Date.parse(current.datetime);
  return eligible.filter((s) => now - Date.parse(s.datetime) <= SEASONAL_HISTORY_DAYS * DAY_MS);
}

/** Whether a window of history is long and dense enough for a seasonal model. */
export function hasSeasonalHistory(current: ChipState, window: readonly ChipState[]): boolean {
  if (window.length < SEASONAL_MIN_LOOKS) return false;
  const oldest = Math.min(...window.map((s) => Date.parse(s.datetime)));
  return Date.parse(current.datetime) - oldest >= SEASONAL_MIN_SPAN_DAYS * DAY_MS;
}

function value(state: ChipState, key: string): number | undefined {
  const v = key.startsWith('prompt:') ? state.prompts[key.slice(7)] : state.stats[key];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/**
 * The seasonal anomaly of `current` against `window` (the output of seasonalWindow), or undefined
 * when the window is too short (hasSeasonalHistory). Keys the current look lacks, or that the history
 * holds too rarely to fit, are left out.
 */
export function seasonalEvidence(
  current: ChipState,
  window: readonly ChipState[],
): SeasonalEvidence | undefined {
  if (!hasSeasonalHistory(current, window)) return undefined;
  const times = window.map((s) => yearsOf(s.datetime));
  const span =
    (Date.parse(current.datetime) - Math.min(...window.map((s) => Date.parse(s.datetime)))) / DAY_MS;
  const trend = span >= TREND_MIN_SPAN_DAYS;
  const keys = [...SEASONAL_STATS, ...Object.keys(current.prompts).map((p) => `prompt:${p}`)];
  const out: SeasonalEvidence = { z: {}, expected: {}, sigma: {}, looks: window.length, trend };
  const t = yearsOf(current.datetime);
  for (const key of keys) {
    const y = value(current, key);
    if (y === undefined) continue;
    const model: HarmonicModel | undefined = fitHarmonic(
      times,
      window.map((s) => value(s, key) ?? Number.NaN),
      { trend, robust: true },
    );
    if (!model) continue;
    const expected = predictHarmonic(model, t);
    const sigma = Math.max(model.sigma, SIGMA_FLOOR);
    out.expected[key] = expected;
    out.sigma[key] = sigma;
    out.z[key] = (y - expected) / sigma;
  }
  return out;
}

/** Strength in [0, 1) of an anomaly of z σ in the direction of change: 0.5 at SEASONAL_Z (signals.ts `strength`). */
export function sigmaStrength(z: number | undefined): number {
  return strength(z, SEASONAL_Z);
}
