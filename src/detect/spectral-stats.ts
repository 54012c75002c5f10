import type { ImageValue } from '../imagery/image.ts';
import { COVER_CLASSES, classifyPixels, coverFractions } from '../spectral/cover.ts';
import { INDEX_NAMES, hasIndex, indexPlane } from '../spectral/indices.ts';
import { meanStd, quantile } from '../spectral/robust.ts';

/** Indices whose low tail is summarised: a change that drops them shows first in the chip's lowest pixels. */
const LOW_TAIL_INDICES = ['ndvi', 'nbr'] as const;
/** The low tail: the 5th percentile, i.e. the chip's most affected twentieth (a chip is "changed" at 5 %). */
export const LOW_TAIL = 0.05;
const SKIP_IN_TAIL = new Set(
  ['cloud', 'snow', 'water'].map((c) => 1 + COVER_CLASSES.indexOf(c as (typeof COVER_CLASSES)[number])),
);

/**
 * Chip-level summary of one acquisition's pixels, stored as JSON in observations.stats. Keys:
 * - `validFraction`: fraction of pixels that are valid (mask 1 and finite in every band);
 * - `ndvi`, `ndwi`, `mndwi`, `nbr`, `ndbi`: mean index over valid pixels, present only when the image has
 *   the index's bands (see spectral/indices.ts);
 * - `ndviLow`, `nbrLow`: the LOW_TAIL quantile of NDVI and NBR over valid pixels that are not cloud, snow
 *   or water, so a change covering a small part of the chip (a burn scar on 5 % of it) is visible;
 * - `<class>Fraction` for each cover class (cloud, snow, water, burn, vegetation, built, bare): share of
 *   the valid pixels in that class (see spectral/cover.ts); absent when no pixel is valid.
 */
export type SpectralStats = Record<string, number>;

/** The chip-level summary of one image (never throws; an image without valid pixels gives `{ validFraction: 0 }`). */
export function spectralStats(image: ImageValue): SpectralStats {
  const classes = classifyPixels(image);
  let valid = 0;
  for (let i = 0; i < classes.length; i++) if (classes[i] !== 0) valid++;
  const stats: SpectralStats = { validFraction: classes.length === 0 ? 0 : valid / classes.length };
  if (valid === 0) return stats;
  for (const name of INDEX_NAMES) {
    if (!hasIndex(image, name)) continue;
    const plane = indexPlane(image, name)!;
    for (let i = 0; i < plane.length; i++) if (classes[i] === 0) plane[i] = Number.NaN;
    const { mean } = meanStd(plane);
    if (Number.isFinite(mean)) stats[name] = mean;
    if ((LOW_TAIL_INDICES as readonly string[]).includes(name)) {
      const tail: number[] = [];
      for (let i = 0; i < plane.length; i++)
        if (!SKIP_IN_TAIL.has(classes[i]!) && Number.isFinite(plane[i]!)) tail.push(plane[i]!);
      if (tail.length > 0) stats[`${name}Low`] = quantile(tail, LOW_TAIL);
    }
  }
  const fractions = coverFractions(classes);
  for (const c of COVER_CLASSES) stats[`${c}Fraction`] = fractions[c];
  return stats;
}
