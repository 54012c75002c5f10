/**
 * Kinds of change in monitoring, each only where its physics holds against the chip's own past.
 *
 * Short histories (the envelope rule, baseline.ts): vegetation-loss when NDVI fell SIGNAL_THRESHOLDS
 * .ndviLoss below the lowest the chip has shown and a twentieth of the chip is no longer vegetated
 * (autumn browning of a canopy that stays vegetated is not a loss — with no season of history yet,
 * nothing else tells leaf fall from felling); burn when NBR fell by a moderate-low dNBR *and* a
 * twentieth of the chip newly shows the post-fire spectrum (senescence and shadow lower NBR without
 * char); flood when a twentieth of the chip is newly water, beyond the most it has held.
 *
 * The seasonal path (a chip with a year of history, seasonal.ts): each kind needs
 * an anomaly of its index against the seasonal expectation (≥ SEASONAL_Z σ in the direction of
 * change) and the physics of that kind against the chip's own past (the envelope of the fitted
 * window, baseline.ts):
 * - vegetation-loss: NDVI (its low tail where present) below expectation, below the chip's recurrent
 *   low (baseline.ts), and that recurrent low vegetated (≥ VEGETATED_NDVI). A harvest returns a field
 *   to the bare soil it shows every season: with a season of history it is no new low, and a field whose
 *   lows are bare has no standing vegetation to lose, however sharp the drop (rotations move the date).
 * - burn: NBR (low tail) below expectation and below the chip's recurrent low by a moderate-low dNBR
 *   (USGS), and a twentieth of the chip newly burn-scar spectrum (spectral/cover.ts): darkening alone is not a
 *   fire, and neither is a field ploughed to the soil it shows every autumn.
 * - flood: MNDWI (else NDWI) above expectation, and a twentieth of the chip newly water — more water
 *   than the chip has ever held, so a river or a seasonal pond is not a flood when it fills.
 * Where the bands lack a kind's index, its envelope rule (signals.ts) stands. Construction has no
 * spectral counterpart; its prompt must be anomalous against its own seasonal model, and before a chip
 * has one (short histories) construction is not named at all: on two or three looks a harvested or
 * ploughed field has the prompt response, the NDBI gain and the dark low-NDVI soil of a building site,
 * and only the season tells them apart (the field greens again).
 */
import type { ChangeKind } from './detect-types.ts';
import { sigmaStrength, type SeasonalEvidence } from './seasonal.ts';
import { SIGNAL_THRESHOLDS, strength, type SpectralEvidence } from './signals.ts';

/**
 * NDVI above which a surface is vegetated (spectral/cover.ts's vegetation class). A chip whose recurrent low
 * is below it is bare for part of every cycle — cropland — and has no standing vegetation to lose.
 */
export const VEGETATED_NDVI = 0.3;

/** A kind that bands can measure. */
export type MeasuredKind = 'flood' | 'burn' | 'vegetation-loss';

/** The first key of `keys` the seasonal evidence has a z for. */
function zOf(s: SeasonalEvidence, keys: readonly string[]): number | undefined {
  for (const k of keys) if (s.z[k] !== undefined) return s.z[k];
  return undefined;
}

/**
 * Strength of each kind the bands can measure (absent: not measurable with these bands). `envelope`
 * is the spectral evidence of the current look against the envelope of the fitted window.
 */
export function seasonalKindStrengths(
  envelope: SpectralEvidence,
  s: SeasonalEvidence,
  recurrentLow?: number,
): Partial<Record<MeasuredKind, number>> {
  const out: Partial<Record<MeasuredKind, number>> = {};
  const fires = (v: number | undefined, t: number) => v !== undefined && v >= t;
  const ndviZ = zOf(s, ['ndviLow', 'ndvi']);
  const keptVegetation = recurrentLow === undefined || recurrentLow >= VEGETATED_NDVI;
  if (ndviZ !== undefined && envelope.ndviLoss !== undefined)
    out['vegetation-loss'] = envelope.ndviLoss > 0 && keptVegetation ? sigmaStrength(-ndviZ) : 0;
  else if (envelope.ndviLoss !== undefined)
    out['vegetation-loss'] = strength(envelope.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss);
  const nbrZ = zOf(s, ['nbrLow', 'nbr']);
  if (envelope.burnGain !== undefined && envelope.dnbr !== undefined && nbrZ !== undefined)
    out.burn =
      fires(envelope.burnGain, SIGNAL_THRESHOLDS.coverGain) && fires(envelope.dnbr, SIGNAL_THRESHOLDS.dnbr)
        ? sigmaStrength(-nbrZ)
        : 0;
  const waterZ = zOf(s, ['mndwi', 'ndwi']);
  if (envelope.waterGain !== undefined)
    out.flood =
      waterZ === undefined
        ? strength(envelope.waterGain, SIGNAL_THRESHOLDS.coverGain)
        : fires(envelope.waterGain, SIGNAL_THRESHOLDS.coverGain)
          ? sigmaStrength(waterZ)
          : 0;
  return out;
}

/**
 * Strength of a change prompt in the seasonal path: its rise over the envelope (strength at
 * SIGNAL_THRESHOLDS.promptDelta) and its anomaly against its own seasonal model must both hold; the
 * weaker of the two counts.
 */
export function seasonalPromptStrength(prompt: string, delta: number, s: SeasonalEvidence): number {
  const byDelta = strength(delta, SIGNAL_THRESHOLDS.promptDelta);
  const z = s.z[`prompt:${prompt}`];
  return z === undefined ? byDelta : Math.min(byDelta, sigmaStrength(z));
}

/**
 * Strength of each kind the bands can measure, by the envelope rule of short histories.
 * `vegetationLost` is the share of the chip no longer vegetated: the most vegetated cover the chip has
 * shown minus its vegetated cover now (spectral/cover.ts); absent when unknown.
 */
export function envelopeKindStrengths(
  e: SpectralEvidence,
  vegetationLost?: number,
): Partial<Record<MeasuredKind, number>> {
  const out: Partial<Record<MeasuredKind, number>> = {};
  const lostCover = vegetationLost === undefined || vegetationLost >= SIGNAL_THRESHOLDS.coverGain;
  if (e.ndviLoss !== undefined)
    out['vegetation-loss'] = lostCover ? strength(e.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss) : 0;
  if (e.dnbr !== undefined && e.burnGain !== undefined)
    out.burn = Math.min(
      strength(e.dnbr, SIGNAL_THRESHOLDS.dnbr),
      strength(e.burnGain, SIGNAL_THRESHOLDS.coverGain),
    );
  if (e.waterGain !== undefined) out.flood = strength(e.waterGain, SIGNAL_THRESHOLDS.coverGain);
  return out;
}

/** Whether measured kinds contradict a prompt's kind: its bands measure it and it did not fire. */
export function measuredContradicts(
  kind: ChangeKind,
  measured: Partial<Record<MeasuredKind, number>>,
): boolean {
  if (kind !== 'flood' && kind !== 'burn' && kind !== 'vegetation-loss') return false;
  const v = measured[kind];
  return v !== undefined && !(v >= 0.5);
}
