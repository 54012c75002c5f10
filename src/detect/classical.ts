/**
 * Classical unsupervised change baselines, per chip:
 * - change-vector magnitude: each band of each image standardised over the image's valid pixels (mean 0,
 *   std 1), then the mean over the chip of √(Σ_bands (after − before)²);
 * - mean absolute difference: mean over the chip and bands of |after − before| in the images' own units;
 * - water-index rise, the classical flood baseline: mean over the chip of after − before of MNDWI (Xu 2006)
 *   when both images have swir16 and green, else of NDWI (McFeeters 1996) when both have green and nir; a
 *   pixel whose index is not a number (both bands 0) counts as no rise. Images without either index (RGB)
 *   have no such baseline.
 * - MAD χ²: the chip's mean of Z = Σᵢ Mᵢ² / (2(1 − ρᵢ)) over the MAD variates of the two images (the plain
 *   MAD transform, ir-mad.ts with one iteration, fitted over the scene), χ²(B) where nothing changed.
 * Only pixels valid in both images count.
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { indexPlane } from '../spectral/indices.ts';
import { fitIrMad, madChiSquare } from './ir-mad.ts';
import { jointMask } from './pixel-change.ts';
import { meanStd } from '../spectral/robust.ts';

/** Per-pixel change-vector magnitude on per-image standardised bands (NaN where invalid). */
export function changeVectorMagnitude(before: ImageValue, after: ImageValue): Float32Array {
  const mask = jointMask(before, after);
  const standardise = (img: ImageValue, p: Float32Array): Float32Array => {
    const { mean, std } = meanStd(Float32Array.from(p, (v, i) => (img.mask[i] ? v : Number.NaN)));
    const s = std > 0 ? std : 1;
    return Float32Array.from(p, (v) => (v - mean) / s);
  };
  const out = new Float32Array(mask.length);
  before.data.forEach((pb, b) => {
    const zb = standardise(before, pb);
    const za = standardise(after, after.data[b]!);
    for (let i = 0; i < out.length; i++) out[i]! += (za[i]! - zb[i]!) ** 2;
  });
  for (let i = 0; i < out.length; i++) out[i] = mask[i] ? Math.sqrt(out[i]!) : Number.NaN;
  return out;
}

/** Per-pixel mean absolute difference over bands (NaN where invalid). */
export function meanAbsoluteDifference(before: ImageValue, after: ImageValue): Float32Array {
  const mask = jointMask(before, after);
  const out = new Float32Array(mask.length);
  before.data.forEach((pb, b) => {
    const pa = after.data[b]!;
    for (let i = 0; i < out.length; i++) out[i]! += Math.abs(pa[i]! - pb[i]!) / before.data.length;
  });
  for (let i = 0; i < out.length; i++) if (!mask[i]) out[i] = Number.NaN;
  return out;
}

/** Per-pixel MAD χ² statistic Z of the plain MAD transform fitted over the scene (NaN where invalid). */
export function madStatistic(before: ImageValue, after: ImageValue): Float32Array {
  const block = { before: before.data, after: after.data, mask: jointMask(before, after) };
  return madChiSquare(fitIrMad([block], { maxIterations: 1 }), block);
}

/**
 * Per-pixel rise of the water index (see the module comment; NaN where invalid, 0 where the index is not a
 * number), or undefined when the images do not both have the bands of MNDWI or NDWI.
 */
export function waterIndexRise(before: ImageValue, after: ImageValue): Float32Array | undefined {
  const has = (names: readonly string[]) =>
    names.every((n) => band(before, n) !== undefined && band(after, n) !== undefined);
  const index = has(['green', 'swir16']) ? 'mndwi' : has(['green', 'nir']) ? 'ndwi' : undefined;
  if (!index) return undefined;
  const wb = indexPlane(before, index)!;
  const wa = indexPlane(after, index)!;
  const mask = jointMask(before, after);
  return Float32Array.from(wa, (a, i) => {
    if (!mask[i]) return Number.NaN;
    const d = a - wb[i]!;
    return Number.isFinite(d) ? d : 0;
  });
}

/** Mean of the finite values of `map` in the size×size window at (x, y); NaN when none. */
export function windowMean(map: Float32Array, width: number, x: number, y: number, size: number): number {
  let s = 0;
  let n = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = map[(y + r) * width + x + c]!;
      if (Number.isFinite(v)) {
        s += v;
        n++;
      }
    }
  }
  return n === 0 ? Number.NaN : s / n;
}
