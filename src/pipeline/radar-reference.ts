/**
 * The radar reference of a chip from several looks: the temporal composite (radar-composite.ts: per-pixel
 * mean power over the looks where the pixel is valid, multi-temporal multilooking) of the chip's images in
 * those looks, in the polarisations every look has. One look is its own reference, unchanged. Assessment's
 * pre-event radar reference is made here from the pre-event radar looks, as monitoring's radar baseline is
 * from the earlier radar looks (monitoring-radar-look.ts).
 */
import { DEFAULT_BASELINE_SIZE } from '../detect/baseline.ts';
import { radarComposite } from '../detect/radar-composite.ts';
import type { Chip } from '../imagery/chip.ts';
import { band, type ImageValue } from '../imagery/image.ts';

/** Radar looks composited into a reference: monitoring's radar baseline and assessment's pre-event one. */
export const RADAR_BASELINE_LOOKS = DEFAULT_BASELINE_SIZE;

/** The image with only the named bands, in that order. */
export function withBands(image: ImageValue, bands: readonly string[]): ImageValue {
  return { ...image, bands: [...bands], data: bands.map((b) => band(image, b)!) };
}

/** A chip's reference and the number of looks composited into it. */
export interface ReferenceChip extends Chip {
  /** Looks whose image of the chip the reference composites. */
  looks: number;
}

/**
 * Per chip of the looks (dB backscatter chips of one grid, one array per look, the latest last), its
 * composite over the looks that have the chip; in the order of the latest look's chips, then any others.
 * The validity mask is valid where at least one look is, and validFraction and usable follow it.
 */
export function radarReferenceChips(
  looks: readonly (readonly Chip[])[],
  minValidFraction: number,
): ReferenceChip[] {
  if (looks.length === 1) return looks[0]!.map((c) => ({ ...c, looks: 1 }));
  const byKey = new Map<string, Chip[]>();
  for (const chip of [...looks].reverse().flat()) byKey.set(chip.key, [...(byKey.get(chip.key) ?? []), chip]);
  const images = [...byKey.values()].flat().map((c) => c.image);
  const bands = ['vv', 'vh'].filter((p) => images.every((img) => band(img, p)));
  return [...byKey.values()].map((chips) => {
    const latest = chips[0]!;
    if (chips.length === 1) return { ...latest, looks: 1 };
    const image = radarComposite(chips.map((c) => withBands(c.image, bands)));
    let valid = 0;
    for (const v of image.mask) valid += v;
    const validFraction = image.mask.length ? valid / image.mask.length : 0;
    return {
      ...latest,
      image,
      validFraction,
      usable: validFraction >= minValidFraction,
      looks: chips.length,
    };
  });
}
