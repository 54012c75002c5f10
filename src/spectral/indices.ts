/**
 * Normalised-difference spectral indices over named bands (Earth Search names). Each is
 * (a − b) / (a + b) per pixel; a pixel whose denominator is 0 or whose mask is 0 gets NaN.
 * - ndvi  = (nir − red) / (nir + red): vegetation vigour.
 * - ndwi  = (green − nir) / (green + nir): open water (McFeeters 1996).
 * - mndwi = (green − swir16) / (green + swir16): open water, robust to built-up (Xu 2006).
 * - nbr   = (nir − swir22) / (nir + swir22): burn ratio (dNBR = NBR before − NBR after).
 * - ndbi  = (swir16 − nir) / (swir16 + nir): built-up / bare surfaces.
 */
import { band, type ImageValue } from '../imagery/image.ts';

/** Names of the supported indices. */
export type IndexName = 'ndvi' | 'ndwi' | 'mndwi' | 'nbr' | 'ndbi';

/** Each index as [band a, band b] of (a − b) / (a + b). */
export const INDEX_BANDS: Record<IndexName, readonly [string, string]> = {
  ndvi: ['nir', 'red'],
  ndwi: ['green', 'nir'],
  mndwi: ['green', 'swir16'],
  nbr: ['nir', 'swir22'],
  ndbi: ['swir16', 'nir'],
};

/** All index names, in feature-layout order. */
export const INDEX_NAMES: readonly IndexName[] = ['ndvi', 'ndwi', 'mndwi', 'nbr', 'ndbi'];

/** Whether the image has both bands of the index, or the index itself as a band (an NDVI-only series). */
export function hasIndex(image: ImageValue, name: IndexName): boolean {
  const [a, b] = INDEX_BANDS[name];
  return (image.bands.includes(a) && image.bands.includes(b)) || image.bands.includes(name);
}

/** (a − b) / (a + b) of two values; NaN when the denominator is 0. */
export function normalizedDifference(a: number, b: number): number {
  const d = a + b;
  return d === 0 ? Number.NaN : (a - b) / d;
}

/** The index per pixel (NaN where masked or undefined), or undefined when a band is missing. */
export function indexPlane(image: ImageValue, name: IndexName): Float32Array | undefined {
  const [an, bn] = INDEX_BANDS[name];
  const a = band(image, an);
  const b = band(image, bn);
  if (!a || !b) {
    const own = band(image, name);
    return own?.map((v, i) => (image.mask[i] === 0 ? Number.NaN : v));
  }
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    out[i] = image.mask[i] === 0 ? Number.NaN : normalizedDifference(a[i]!, b[i]!);
  }
  return out;
}
