/**
 * Radar backscatter as an ImageValue: bands named by polarisation (`vv`, `vh`, `hh`, `hv`), values in dB,
 * scale `backscatter`. Sources store either linear power (γ0 or σ0, e.g. Planetary Computer
 * `sentinel-1-rtc`) or dB (e.g. Sen1Floods11 chips); the units come from the source's metadata
 * (radar-metadata.ts) and are converted here, once. Both declarations are checked against the values,
 * since a wrong one silently shifts every threshold:
 * - linear power is never negative: a linear declaration whose valid values are more than
 *   NEGATIVE_SHARE_LIMIT negative is dB, and is refused;
 * - dB backscatter of land and water is mostly negative (−25…−5 dB): a dB declaration whose valid values are
 *   less than NEGATIVE_SHARE_LIMIT negative is linear power, and is refused;
 * - an optical reader's reflectance is never mostly negative: assertOptical refuses such an image (a radar
 *   raster declared as optical bands): more than NEGATIVE_SHARE_LIMIT of a band negative with a median
 *   below OPTICAL_MIN_MEDIAN (an offset's slightly negative water is reflectance).
 * A band without valid values (a fully masked look) passes. Linear values ≤ 0 (no return, or fill) become
 * invalid.
 */
import { SourceError } from '../errors.ts';
import type { ImageValue } from './image.ts';

/** How a source stores backscatter. */
export type BackscatterUnits = 'db' | 'linear';

/** Polarisation band names. */
export const POLARISATIONS = ['vv', 'vh', 'hh', 'hv'] as const;

/** Share of negative valid values that separates dB (above) from linear power and reflectance (below). */
export const NEGATIVE_SHARE_LIMIT = 0.05;

/**
 * Median below which a band read as reflectance is taken for dB: reflectance with an offset (Sentinel-2's
 * −0.1, Landsat's −0.2) can be slightly negative over much of a water chip, dB backscatter lies −25…−3.
 */
export const OPTICAL_MIN_MEDIAN = -1;

/** What the conversion needs to know. */
export interface BackscatterSpec {
  /** Units the values are stored in. */
  units: BackscatterUnits;
  /** The asset (href or item and band) named in errors. */
  asset: string;
  /** Polarisations that must be present (default ['vv']). */
  required?: readonly string[];
}

/** Share of the valid values of a band that are negative, and the median of its valid values. */
function negativeShare(image: ImageValue, b: number): { share: number; median: number; valid: number } {
  const plane = image.data[b]!;
  const vals: number[] = [];
  for (let i = 0; i < plane.length; i++) if (image.mask[i]) vals.push(plane[i]!);
  if (vals.length === 0) return { share: 0, median: Number.NaN, valid: 0 };
  vals.sort((a, c) => a - c);
  const neg = vals.filter((v) => v < 0).length;
  return { share: neg / vals.length, median: vals[Math.floor(vals.length / 2)]!, valid: vals.length };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The image as dB backscatter (see the module comment); throws SourceError naming the asset. */
export function toBackscatter(image: ImageValue, spec: BackscatterSpec): ImageValue {
  if (image.scale === 'display')
    throw new SourceError(`radar asset ${spec.asset} holds 8-bit display values, not backscatter`);
  for (const p of spec.required ?? ['vv']) {
    if (!image.bands.includes(p))
      throw new SourceError(
        `radar asset ${spec.asset} has no ${p} polarisation (bands: ${image.bands.join(', ')})`,
      );
  }
  const mask = Uint8Array.from(image.mask);
  const data = image.data.map((plane, b) => {
    const name = image.bands[b]!;
    const isPol = (POLARISATIONS as readonly string[]).includes(name);
    if (!isPol) return Float32Array.from(plane);
    const { share, median, valid } = negativeShare(image, b);
    if (spec.units === 'linear' && share > NEGATIVE_SHARE_LIMIT)
      throw new SourceError(
        `radar asset ${spec.asset} is declared linear power but ${pct(share)} of its ${name} values are negative (median ${median.toFixed(2)}): the values look like dB`,
      );
    if (spec.units === 'db' && valid > 0 && share < NEGATIVE_SHARE_LIMIT)
      throw new SourceError(
        `radar asset ${spec.asset} is declared dB but only ${pct(share)} of its ${name} values are negative (median ${median.toFixed(4)}): the values look like linear power`,
      );
    if (spec.units === 'db') return Float32Array.from(plane);
    const out = new Float32Array(plane.length);
    for (let i = 0; i < plane.length; i++) {
      const v = plane[i]!;
      if (v > 0) out[i] = 10 * Math.log10(v);
      else mask[i] = 0;
    }
    return out;
  });
  for (let i = 0; i < mask.length; i++) if (!mask[i]) for (const plane of data) plane[i] = 0;
  return { ...image, data, mask, scale: 'backscatter' };
}

/**
 * Throws SourceError naming the asset when an image read as optical reflectance holds radar: polarisation
 * band names, backscatter scale, or values that are mostly negative (dB).
 */
export function assertOptical(image: ImageValue, asset: string): void {
  const pol = image.bands.find((b) => (POLARISATIONS as readonly string[]).includes(b));
  if (image.scale === 'backscatter' || pol !== undefined)
    throw new SourceError(
      `asset ${asset} is radar (${pol ?? image.scale}) but was given as optical bands (${image.bands.join(', ')})`,
    );
  if (image.scale !== 'reflectance') return;
  image.bands.forEach((name, b) => {
    const { share, median } = negativeShare(image, b);
    if (share > NEGATIVE_SHARE_LIMIT && median < OPTICAL_MIN_MEDIAN)
      throw new SourceError(
        `asset ${asset} band ${name}: ${pct(share)} of its values are negative (median ${median.toFixed(2)}); reflectance is not, radar backscatter in dB is: declare the source as radar`,
      );
  });
}
