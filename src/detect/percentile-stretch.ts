/**
 * The display stretch of evidence tiles: a per-band linear stretch between the 2nd and 98th percentile
 * of the valid pixels of the tiles it is computed over, so that a hazy or dark scene fills the range a
 * reader can see instead of looking pale under the model's fixed 0–0.3 reflectance stretch.
 *
 * - Input are 8-bit renderings (the model's fixed stretch of src/imagery/render.ts, or display values).
 *   That stretch is monotonic, so these percentiles are those of the reflectances themselves, except that
 *   reflectances above 0.3 are already clipped to 255.
 * - Percentiles are nearest-rank: the p-th percentile of N values is the smallest value v such that at
 *   least ceil(p / 100 × N) of them (and at least one) are ≤ v.
 * - A band whose percentiles lie less than STRETCH_MIN_SPAN levels apart is widened to that span around
 *   their midpoint (kept inside 0…255), so a nearly uniform tile is not blown up into noise.
 * - out = round(255 × (v − low) / (high − low)), clipped to 0…255. Invalid pixels are left as they are
 *   and count for nothing; with no valid pixel at all the stretch is the identity.
 * - One stretch is computed over the before and the after tile of an alert together and applied to both,
 *   so the same ground looks the same in both unless it changed.
 */
import { InputError } from '../errors.ts';
import type { RgbImage } from '../imagery/image.ts';

/** Lower percentile of the stretch. */
export const STRETCH_LOW_PERCENTILE = 2;
/** Upper percentile of the stretch. */
export const STRETCH_HIGH_PERCENTILE = 98;
/** Smallest distance, in 8-bit levels, between a band's low and high points. */
export const STRETCH_MIN_SPAN = 32;

/** An 8-bit rendering with the pixels that show imagery. */
export interface MaskedRgb {
  /** The rendering. */
  image: RgbImage;
  /** One byte per pixel, 1 where the pixel shows imagery; absent when every pixel does. */
  mask?: Uint8Array;
}

/** Per-band low and high points (red, green, blue) of a stretch, in 8-bit levels. */
export interface RgbStretch {
  /** Input level mapped to 0, per band. */
  low: [number, number, number];
  /** Input level mapped to 255, per band. */
  high: [number, number, number];
}

function checkMask(m: MaskedRgb): void {
  const n = m.image.width * m.image.height;
  if (m.mask && m.mask.length !== n) {
    throw new InputError(`mask of ${m.mask.length} values does not match ${m.image.width}×${m.image.height}`);
  }
}

function nearestRank(hist: Uint32Array, total: number, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= rank) return v;
  }
  return 255;
}

/** The stretch of the valid pixels of all `images` together (see the file's comment). */
export function percentileStretch(images: readonly MaskedRgb[]): RgbStretch {
  const hists = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let total = 0;
  for (const m of images) {
    checkMask(m);
    const { data } = m.image;
    const n = m.image.width * m.image.height;
    for (let i = 0; i < n; i++) {
      if (m.mask && m.mask[i] === 0) continue;
      total++;
      for (let c = 0; c < 3; c++) hists[c]![data[i * 3 + c]!]!++;
    }
  }
  if (total === 0) return { low: [0, 0, 0], high: [255, 255, 255] };
  const low: [number, number, number] = [0, 0, 0];
  const high: [number, number, number] = [255, 255, 255];
  for (let c = 0; c < 3; c++) {
    let lo = nearestRank(hists[c]!, total, STRETCH_LOW_PERCENTILE);
    let hi = nearestRank(hists[c]!, total, STRETCH_HIGH_PERCENTILE);
    if (hi - lo < STRETCH_MIN_SPAN) {
      lo = Math.min(255 - STRETCH_MIN_SPAN, Math.max(0, Math.floor((lo + hi - STRETCH_MIN_SPAN) / 2)));
      hi = lo + STRETCH_MIN_SPAN;
    }
    low[c] = lo;
    high[c] = hi;
  }
  return { low, high };
}

/** `m`'s image with `stretch` applied to its valid pixels (a new image; invalid pixels copied as they are). */
export function applyStretch(m: MaskedRgb, stretch: RgbStretch): RgbImage {
  checkMask(m);
  const luts = [0, 1, 2].map((c) => {
    const lut = new Uint8Array(256);
    const lo = stretch.low[c]!;
    const span = stretch.high[c]! - lo;
    if (!(span > 0)) throw new InputError(`stretch of band ${c} runs from ${lo} to ${stretch.high[c]}`);
    for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.max(0, Math.round((255 * (v - lo)) / span)));
    return lut;
  });
  const { width, height, data } = m.image;
  const out = new Uint8Array(data);
  for (let i = 0; i < width * height; i++) {
    if (m.mask && m.mask[i] === 0) continue;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = luts[c]![data[i * 3 + c]!]!;
  }
  return { width, height, data: out };
}
