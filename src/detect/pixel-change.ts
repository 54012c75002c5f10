/**
 * Per-pixel building blocks shared by the pair detector (pair-detector.ts) and the classical baselines:
 * the joint validity mask of two images, how water-like a pixel looks, and the noise floor and infrared
 * offset in reflectance.
 * - afterWaterLikeness: water absorbs near infrared, so its NIR stays at or below its green (vegetation,
 *   soil and roofs reflect far more NIR than green), and water is dark in the visible (clouds, haze and
 *   snow are bright in every band). Without that test, haze or cloud (green up more than SWIR: MNDWI
 *   rises) and darkening vegetation (cloud shadow, harvest) read as new water.
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { reflectanceFactor } from '../spectral/cover.ts';

/** Offset of the infrared log ratio, in reflectance. */
export const IR_OFFSET = 16 / 255;

/** NIR above green (reflectance) up to which a pixel fully counts as water-like (turbid, shallow, mixed edges). */
export const WATER_NIR_EXCESS_FULL = 0.05;
/** NIR above green (reflectance) from which a pixel no longer counts as water-like (vegetation, soil, roofs). */
export const WATER_NIR_EXCESS_NONE = 0.15;
/** Green reflectance up to which a pixel fully counts as water-like (even turbid water stays below it). */
export const WATER_GREEN_FULL = 0.2;
/** Green reflectance from which a pixel no longer counts as water-like (cloud, haze, snow). */
export const WATER_GREEN_NONE = 0.3;

/** 1 at or below `full`, 0 at or above `none`, linear between. */
function ramp(v: number, full: number, none: number): number {
  if (!(v > full)) return 1;
  return v >= none ? 0 : (none - v) / (none - full);
}

/**
 * How much each pixel of `image` looks like water, in [0, 1] (NaN where invalid): the product of a ramp on
 * NIR − green (WATER_NIR_EXCESS_FULL…NONE, where nir exists) and a ramp on green (WATER_GREEN_FULL…NONE), in
 * reflectance. Undefined without green.
 */
export function afterWaterLikeness(image: ImageValue, mask: Uint8Array): Float32Array | undefined {
  const green = band(image, 'green');
  if (!green) return undefined;
  const nir = band(image, 'nir');
  const k = reflectanceFactor(image);
  return Float32Array.from(green, (g, i) => {
    if (!mask[i]) return Number.NaN;
    const gr = g * k;
    const excess = nir ? ramp(nir[i]! * k - gr, WATER_NIR_EXCESS_FULL, WATER_NIR_EXCESS_NONE) : 1;
    return excess * ramp(gr, WATER_GREEN_FULL, WATER_GREEN_NONE);
  });
}

/** Both masks valid. */
export function jointMask(before: ImageValue, after: ImageValue): Uint8Array {
  const n = before.width * before.height;
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = before.mask[i] !== 0 && after.mask[i] !== 0 ? 1 : 0;
  return m;
}

/** Smallest residual spread, in reflectance (about one 8-bit display step): noise-free images stay finite. */
export const NOISE_FLOOR = 0.005;
