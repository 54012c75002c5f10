/**
 * Per-pixel cover classes from band values, the physical basis of spectral stats, features and prompt
 * scores. Values are taken as reflectance (display images: value / 255). Classes are exclusive, tested in
 * this order; a rule needing an absent band is skipped (RGB-only images use the weaker RGB rules):
 * 1. cloud: visible brightness > 0.3 and (swir16 > 0.2 when present, else colour spread / brightness < 0.15)
 * 2. snow: mndwi > 0.4 and green > 0.25 (needs swir16)
 * 3. water: mndwi > 0 and swir16 < WATER_MAX_SWIR16 and not vegetated (ndvi ≤ 0.3, where nir and red exist:
 *    shadowed vegetation is dark in swir16 too) (swir16), else ndwi > 0 (nir), else RGB: brightness < 0.2
 *    and blue ≥ red. Water absorbs shortwave infrared almost completely; MNDWI > 0 alone also flags dark
 *    city blocks and shadows in top-of-atmosphere images, where path radiance lifts green above swir16.
 * 4. burn: nbr < −0.1 and ndvi < 0.2 and red < CHAR_MAX_RED (needs nir, swir22, red)
 * 5. vegetation: ndvi > 0.3 (nir, red), else RGB: excess green 2g − r − b > 0.04
 * 6. built: ndbi > 0 and ndvi < 0.2 (needs swir16, nir, red)
 * 7. bare: everything else that is valid
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { INDEX_NAMES, normalizedDifference } from './indices.ts';

function isIndexBand(name: string): boolean {
  return (INDEX_NAMES as readonly string[]).includes(name);
}

/** Largest swir16 reflectance of water (clear water reflects a few percent at 1.6 µm). */
export const WATER_MAX_SWIR16 = 0.05;

/**
 * Largest red reflectance of fresh char: burnt surfaces are dark in the visible (the char point of
 * Chuvieco et al.'s Burned Area Index is red 0.1, NIR 0.06), while bare and ploughed soils, whose
 * NBR is as low, reflect more red.
 */
export const CHAR_MAX_RED = 0.1;

/** Cover class names, in the order of their codes (1…7; 0 = invalid pixel). */
export const COVER_CLASSES = ['cloud', 'snow', 'water', 'burn', 'vegetation', 'built', 'bare'] as const;
/** One cover class. */
export type CoverClass = (typeof COVER_CLASSES)[number];

/** Multiplier that turns the image's numbers into (approximate) reflectance. */
export function reflectanceFactor(image: ImageValue): number {
  return image.scale === 'display' ? 1 / 255 : 1;
}

/**
 * The planes whose mean is a pixel's brightness in the cover rule: red, green and blue where the image has
 * any, else its bands that are not indices (an NDVI-only series has none: no cloud or RGB water test).
 */
export function brightnessPlanes(image: ImageValue): Float32Array[] {
  const vis = ['red', 'green', 'blue'].map((n) => band(image, n)).filter((p) => p !== undefined);
  return vis.length > 0 ? vis : image.data.filter((_, k) => !isIndexBand(image.bands[k]!));
}

/** Per-pixel class code: 0 invalid (mask 0 or non-finite value), else 1 + index in COVER_CLASSES. */
export function classifyPixels(image: ImageValue): Uint8Array {
  const k = reflectanceFactor(image);
  const get = (n: string) => band(image, n);
  const [blue, green, red, nir, s16, s22] = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'].map(get);
  const visPlanes = brightnessPlanes(image);
  const ndviBand = nir && red ? undefined : get('ndvi');
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (image.mask[i] === 0) continue;
    let bad = false;
    for (const p of image.data) if (!Number.isFinite(p[i]!)) bad = true;
    if (bad) continue;
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of visPlanes) {
      const v = p[i]! * k;
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const bright = visPlanes.length > 0 ? sum / visPlanes.length : Number.NaN;
    const g = green ? green[i]! * k : Number.NaN;
    const r = red ? red[i]! * k : Number.NaN;
    const b = blue ? blue[i]! * k : Number.NaN;
    const ni = nir ? nir[i]! * k : Number.NaN;
    const sw1 = s16 ? s16[i]! * k : Number.NaN;
    const sw2 = s22 ? s22[i]! * k : Number.NaN;
    const ndvi = ndviBand ? ndviBand[i]! : normalizedDifference(ni, r);
    const mndwi = normalizedDifference(g, sw1);
    const ndwi = normalizedDifference(g, ni);
    const nbr = normalizedDifference(ni, sw2);
    const ndbi = normalizedDifference(sw1, ni);
    let cls: CoverClass = 'bare';
    if (bright > 0.3 && (s16 ? sw1 > 0.2 : (hi - lo) / bright < 0.15)) cls = 'cloud';
    else if (s16 && green && mndwi > 0.4 && g > 0.25) cls = 'snow';
    else if (
      s16 && green
        ? mndwi > 0 && sw1 < WATER_MAX_SWIR16 && !(nir && red && ndvi > 0.3)
        : nir && green
          ? ndwi > 0
          : red && blue && bright < 0.2 && b >= r
    )
      cls = 'water';
    else if (nir && s22 && red && nbr < -0.1 && ndvi < 0.2 && r < CHAR_MAX_RED) cls = 'burn';
    else if ((nir && red) || ndviBand ? ndvi > 0.3 : red && green && blue ? 2 * g - r - b > 0.04 : false)
      cls = 'vegetation';
    else if (s16 && nir && red && ndbi > 0 && ndvi < 0.2) cls = 'built';
    out[i] = 1 + COVER_CLASSES.indexOf(cls);
  }
  return out;
}

/** Fraction of classified pixels in each cover class (all 0 when no pixel is valid). */
export function coverFractions(classes: Uint8Array): Record<CoverClass, number> {
  const counts = new Array<number>(COVER_CLASSES.length + 1).fill(0);
  for (let i = 0; i < classes.length; i++) counts[classes[i]!]!++;
  const valid = classes.length - counts[0]!;
  const out = {} as Record<CoverClass, number>;
  COVER_CLASSES.forEach((c, j) => (out[c] = valid === 0 ? 0 : counts[j + 1]! / valid));
  return out;
}
