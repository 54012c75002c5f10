/**
 * Per-pixel change evidence between two co-registered images (same size and bands), for pair comparison.
 * - `change`: relative radiometric normalisation, then change magnitude. Per band, after is regressed on
 *   before over pseudo-invariant pixels valid in both (least squares, refitted without outliers, so
 *   gains/offsets of illumination, atmosphere or display stretch between dates are absorbed); each
 *   residual is divided by the band's robust residual spread (1.4826·MAD); change = √(mean over bands
 *   of z²), in robust σ.
 * - `water`: water appearance, where green and swir16 (else nir) exist: rise of MNDWI (else NDWI) plus
 *   half the log drop of infrared brightness ln((swir16 + nir + c)_before / (swir16 + nir + c)_after)
 *   (absent bands left out), both counted only when positive; c = 0.063 in reflectance (16 in display
 *   units) keeps dark pixels from dominating. Open water raises the water index and absorbs infrared.
 *   The sum is then weighted by how much the after pixel looks like water at all (afterWaterLikeness):
 *   water absorbs near infrared, so its NIR stays at or below its green (vegetation, soil and roofs reflect
 *   far more NIR than green), and water is dark in the visible (clouds, haze and snow are bright in every
 *   band). Without that test, haze or cloud in the after image (green up more than SWIR: MNDWI rises) and
 *   darkening vegetation (cloud shadow, harvest) read as new water.
 * - `ndviLoss` = NDVI before − NDVI after; `dnbr` = NBR before − NBR after, where the bands exist.
 * Invalid pixels (either mask 0) are NaN in every map.
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { reflectanceFactor } from './cover.ts';
import { indexPlane, type IndexName } from './indices.ts';
import { median } from './robust.ts';

/** Per-pixel evidence maps (row-major, NaN where invalid or not computable). */
export interface PixelChange {
  /** Radiometric change magnitude in robust σ. */
  change: Float32Array;
  /** Water appearance, or undefined without the bands. */
  water?: Float32Array;
  /** NDVI loss, or undefined without nir and red. */
  ndviLoss?: Float32Array;
  /** dNBR, or undefined without nir and swir22. */
  dnbr?: Float32Array;
}

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

/** Least-squares fit y ≈ a + b·x over pixels where use[i] is 1. */
function fitLine(x: Float32Array, y: Float32Array, use: Uint8Array): { a: number; b: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!use[i]) continue;
    n++;
    sx += x[i]!;
    sy += y[i]!;
  }
  if (n === 0) return { a: 0, b: 1 };
  const mx = sx / n;
  const my = sy / n;
  let cxy = 0;
  let cxx = 0;
  for (let i = 0; i < x.length; i++) {
    if (!use[i]) continue;
    cxy += (x[i]! - mx) * (y[i]! - my);
    cxx += (x[i]! - mx) ** 2;
  }
  const b = cxx > 0 ? cxy / cxx : 0;
  return { a: my - b * mx, b };
}

/** Smallest residual spread, in reflectance (about one 8-bit display step): noise-free images stay finite. */
export const NOISE_FLOOR = 0.005;

/** Residuals past which a pixel is not taken as pseudo-invariant when refitting, in robust σ. */
export const INVARIANT_SIGMA = 2.5;

/**
 * Residuals of after regressed on before for one band, in robust σ (NaN where invalid). The relation starts
 * as after = before + median(after − before), then is refitted twice by least squares on the
 * pseudo-invariant pixels (|residual| ≤ INVARIANT_SIGMA σ), so large changes do not bend it. σ is at
 * least `floor` (NOISE_FLOOR in the image's units).
 */
export function normalisedResidual(
  x: Float32Array,
  y: Float32Array,
  mask: Uint8Array,
  floor = 0,
): Float32Array {
  const r = new Float32Array(x.length);
  let use = mask;
  let scale = 1e-6;
  for (let pass = 0; pass < 3; pass++) {
    const { a, b } =
      pass === 0
        ? { a: median(Float32Array.from(y, (v, i) => (mask[i] ? v - x[i]! : Number.NaN))), b: 1 }
        : fitLine(x, y, use);
    for (let i = 0; i < x.length; i++) r[i] = mask[i] ? y[i]! - (a + b * x[i]!) : Number.NaN;
    const abs = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) abs[i] = use[i] ? Math.abs(r[i]!) : Number.NaN;
    const spread = 1.4826 * median(abs);
    scale = Math.max(spread, floor, 1e-12);
    const next = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++)
      next[i] = mask[i] && Math.abs(r[i]!) <= INVARIANT_SIGMA * scale ? 1 : 0;
    use = next;
  }
  for (let i = 0; i < r.length; i++) r[i]! /= scale;
  return r;
}

function indexDelta(
  before: ImageValue,
  after: ImageValue,
  name: IndexName,
  mask: Uint8Array,
): Float32Array | undefined {
  const b = indexPlane(before, name);
  const a = indexPlane(after, name);
  if (!b || !a) return undefined;
  return Float32Array.from(b, (v, i) => (mask[i] ? v - a[i]! : Number.NaN));
}

/** Evidence maps of a pair (see the module comment). */
export function pixelChange(before: ImageValue, after: ImageValue): PixelChange {
  const mask = jointMask(before, after);
  const n = mask.length;
  const change = new Float32Array(n);
  for (let b = 0; b < before.data.length; b++) {
    const z = normalisedResidual(
      before.data[b]!,
      after.data[b]!,
      mask,
      NOISE_FLOOR / reflectanceFactor(before),
    );
    for (let i = 0; i < n; i++) change[i]! += z[i]! * z[i]!;
  }
  for (let i = 0; i < n; i++) change[i] = Math.sqrt(change[i]! / before.data.length);

  const out: PixelChange = { change };
  const wet = indexDelta(before, after, band(before, 'swir16') ? 'mndwi' : 'ndwi', mask);
  if (wet) {
    const k = reflectanceFactor(before);
    const ir = ['swir16', 'nir'].map((nm) => [band(before, nm), band(after, nm)] as const).filter(([p]) => p);
    const c = (IR_OFFSET / k) * ir.length;
    const like = afterWaterLikeness(after, mask);
    out.water = Float32Array.from(wet, (d, i) => {
      if (!mask[i]) return Number.NaN;
      let sb = c;
      let sa = c;
      for (const [pb, pa] of ir) {
        sb += pb![i]!;
        sa += pa![i]!;
      }
      const rise = Number.isFinite(d) ? Math.max(0, -d) : 0;
      return (rise + 0.5 * Math.max(0, Math.log(sb / sa))) * (like ? like[i]! : 1);
    });
  }
  const ndviLoss = indexDelta(before, after, 'ndvi', mask);
  if (ndviLoss) out.ndviLoss = ndviLoss;
  const dnbr = indexDelta(before, after, 'nbr', mask);
  if (dnbr) out.dnbr = dnbr;
  return out;
}
