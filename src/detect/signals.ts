/**
 * Spectral evidence between a baseline and a current acquisition, and the one documented chip score.
 *
 * Evidence (from chip-level SpectralStats, each only where both sides have the bands):
 * - dNBR = NBR(baseline) − NBR(current) (of the low tails where present, see spectralEvidence), classed by the USGS burn-severity breaks 0.10 / 0.27 / 0.44 / 0.66;
 * - water gain = waterFraction(current) − waterFraction(baseline): share of the chip newly water
 *   (water from MNDWI, else NDWI; spectral/cover.ts);
 * - NDVI loss = NDVI(baseline) − NDVI(current);
 * - burn gain = burnFraction(current) − burnFraction(baseline): share of the chip newly burn scar
 *   (NBR < −0.1 and NDVI < 0.2; spectral/cover.ts), so a fire covering part of a chip counts even where the chip's
 *   mean dNBR stays low.
 *
 * Score: each signal gets a strength in [0, 1) that reaches 0.5 exactly at its firing threshold, and
 * score = 1 − Π(1 − strength): the chance that at least one of independent signals shows change. With
 * the default alert threshold 0.5, one signal at its firing threshold is enough to alert.
 */
import type { SpectralStats } from './spectral-stats.ts';
import { clamp } from '../spectral/robust.ts';

/** USGS dNBR severity classes. */
export type DnbrClass = 'unburned' | 'low' | 'moderate-low' | 'moderate-high' | 'high';
/** Lower dNBR bounds of low, moderate-low, moderate-high and high severity. */
export const DNBR_BREAKS = [0.1, 0.27, 0.44, 0.66] as const;

/** The USGS severity class of a dNBR value. */
export function dnbrClass(dnbr: number): DnbrClass {
  if (dnbr >= DNBR_BREAKS[3]) return 'high';
  if (dnbr >= DNBR_BREAKS[2]) return 'moderate-high';
  if (dnbr >= DNBR_BREAKS[1]) return 'moderate-low';
  if (dnbr >= DNBR_BREAKS[0]) return 'low';
  return 'unburned';
}

/** Spectral evidence of change. */
export interface SpectralEvidence {
  /** NBR before − NBR after. */
  dnbr?: number;
  /** USGS class of dnbr. */
  dnbrClass?: DnbrClass;
  /** Share of the chip that became water. */
  waterGain?: number;
  /** NDVI before − NDVI after. */
  ndviLoss?: number;
  /** Share of the chip that became burn scar. */
  burnGain?: number;
}

/** Firing thresholds of the signals (each strength is 0.5 here). */
export const SIGNAL_THRESHOLDS = {
  /** Drift z-score against the chip's own variability. */
  driftZ: 3,
  /** Rise of a change prompt's probability over its baseline. */
  promptDelta: 0.3,
  /** dNBR of moderate-low severity or worse. */
  dnbr: DNBR_BREAKS[1],
  /** Pairs: water appearance (per-pixel, 90th percentile of the chip) of 0.2. */
  waterGain: 0.2,
  /** Mean NDVI down by 0.25. */
  ndviLoss: 0.25,
  /**
   * Time series: a twentieth of the chip newly water or burn scar (the share of pixels that makes a chip
   * "changed" in evaluation). Pairs measure water appearance per pixel instead (waterGain).
   */
  coverGain: 0.05,
} as const;

/** The key to compare: the low tail (`<index>Low`) when both sides have it, else the chip mean. */
function tailOrMean(
  baseline: SpectralStats,
  current: SpectralStats,
  index: 'nbr' | 'ndvi',
): [number, number] | undefined {
  const low = `${index}Low`;
  if (baseline[low] !== undefined && current[low] !== undefined) return [baseline[low], current[low]];
  if (baseline[index] !== undefined && current[index] !== undefined) return [baseline[index], current[index]];
  return undefined;
}

/**
 * Evidence between baseline stats and current stats. dNBR and NDVI loss compare the chips' low tails
 * (5th percentiles, see spectral-stats.ts) where both have them — the drop of the most affected
 * twentieth of the chip — and the chip means otherwise.
 */
export function spectralEvidence(baseline: SpectralStats, current: SpectralStats): SpectralEvidence {
  const out: SpectralEvidence = {};
  const nbr = tailOrMean(baseline, current, 'nbr');
  if (nbr) {
    out.dnbr = nbr[0] - nbr[1];
    out.dnbrClass = dnbrClass(out.dnbr);
  }
  if (baseline.waterFraction !== undefined && current.waterFraction !== undefined) {
    out.waterGain = current.waterFraction - baseline.waterFraction;
  }
  const ndvi = tailOrMean(baseline, current, 'ndvi');
  if (ndvi) out.ndviLoss = ndvi[0] - ndvi[1];
  if (baseline.burnFraction !== undefined && current.burnFraction !== undefined) {
    out.burnGain = current.burnFraction - baseline.burnFraction;
  }
  return out;
}

/**
 * Strength in [0, 1) of a value against its firing threshold: 1 − 2^(−value / threshold), so 0 at or
 * below 0, 0.5 at the threshold, 0.75 at twice it; strictly increasing, so scores keep their order.
 */
export function strength(value: number | null | undefined, threshold: number): number {
  if (value === null || value === undefined || !(value > 0)) return 0;
  return 1 - Math.pow(2, -value / threshold);
}

/** Strength of the drift signal: 0 up to z = 1, then strength(z − 1, threshold − 1) (0.5 at z = 3). */
export function driftStrength(driftZ: number | null): number {
  if (driftZ === null || !Number.isFinite(driftZ)) return 0;
  return strength(driftZ - 1, SIGNAL_THRESHOLDS.driftZ - 1);
}

/**
 * Strength of the time-series spectral evidence: the strongest of dNBR, NDVI loss, and the shares of the
 * chip newly burn scar or water (each 0.5 at SIGNAL_THRESHOLDS.coverGain).
 */
export function spectralStrength(e: SpectralEvidence): number {
  return Math.max(
    strength(e.dnbr, SIGNAL_THRESHOLDS.dnbr),
    strength(e.burnGain, SIGNAL_THRESHOLDS.coverGain),
    strength(e.waterGain, SIGNAL_THRESHOLDS.coverGain),
    strength(e.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss),
  );
}

/** 1 − Π(1 − s): the one chip score. */
export function combineStrengths(strengths: readonly number[]): number {
  let keep = 1;
  for (const s of strengths) keep *= 1 - clamp(s);
  return 1 - keep;
}
