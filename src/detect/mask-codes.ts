/**
 * Values of a per-chip change mask (one byte per pixel): what the pair detector saw at each pixel. A pixel
 * takes the first of these that holds: invalid in either image; new water; post-fire dNBR of low severity
 * or worse (by USGS class); beyond the scene's change threshold with new built-up surface, with vegetation
 * loss, or neither (generic change); else unchanged.
 */
import type { ChangeKind } from './detect-types.ts';
import { DNBR_BREAKS, type DnbrClass } from './signals.ts';

/** Unchanged valid pixel. */
export const MASK_UNCHANGED = 0;
/** Changed beyond the scene threshold, of no kind the detector can name. */
export const MASK_CHANGED = 1;
/** New water. */
export const MASK_WATER = 2;
/** Changed, with NDVI loss at its signal threshold or more. */
export const MASK_VEGETATION_LOSS = 3;
/** Changed, with NDBI gain at the built-up threshold or more over a non-vegetated after pixel. */
export const MASK_BUILT = 4;
/** Post-fire dNBR of low severity (first of the four burn values, in USGS order). */
export const MASK_BURN_LOW = 5;
/** Invalid in either image. */
export const MASK_INVALID = 255;

/** The USGS dNBR classes of burnt pixels, in the order of their mask values MASK_BURN_LOW + i. */
export const BURN_CLASSES = [
  'low',
  'moderate-low',
  'moderate-high',
  'high',
] as const satisfies readonly Exclude<DnbrClass, 'unburned'>[];

/** A burnt pixel's USGS class. */
export type BurnClass = (typeof BURN_CLASSES)[number];

/** The mask value of a post-fire dNBR of at least low severity (DNBR_BREAKS[0]). */
export function burnCode(dnbr: number): number {
  let i = 0;
  while (i + 1 < DNBR_BREAKS.length && dnbr >= DNBR_BREAKS[i + 1]!) i++;
  return MASK_BURN_LOW + i;
}

/** The burn class of a mask value, or undefined when it is not a burn value. */
export function burnClassOf(code: number): BurnClass | undefined {
  return BURN_CLASSES[code - MASK_BURN_LOW];
}

/** Whether a mask value is a change of any kind. */
export function isChange(code: number): boolean {
  return code !== MASK_UNCHANGED && code !== MASK_INVALID;
}

/**
 * The test of the pixels an alert of this kind counts as affected: new water for a flood, burnt pixels for a
 * burn, every changed pixel for the kinds a pair of images only names (construction, vegetation loss, change).
 */
export function affectedBy(kind: ChangeKind | string): (code: number) => boolean {
  if (kind === 'flood') return (c) => c === MASK_WATER;
  if (kind === 'burn') return (c) => burnClassOf(c) !== undefined;
  return isChange;
}
