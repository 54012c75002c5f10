/**
 * The feature layout of the weight-free spectral model `spectral-v1`: one fixed-length vector per chip,
 * whatever bands it has (a feature whose bands are absent is 0 and its presence flag is 0).
 * Values are reflectance (display images: value / 255). Before L2 normalisation:
 *
 * | offset | length | content |
 * |---|---|---|
 * | 0 | 1 | anchor, always 1 (lets `score` undo the L2 normalisation; carries the prompt bias) |
 * | 1 | 36 | per band blue, green, red, nir, swir16, swir22: present, mean, std, q10, q50, q90 |
 * | 37 | 65 | per index ndvi, ndwi, mndwi, nbr, ndbi: present, mean, q10, q50, q90, 8-bin histogram over [−1, 1] (fractions) |
 * | 102 | 4 | texture of visible brightness: mean gradient magnitude, its q90, mean 3×3 local std, fraction of gradients > 0.05 |
 * | 106 | 7 | cover fractions: cloud, snow, water, burn, vegetation, built, bare (spectral/cover.ts) |
 *
 * Statistics use valid pixels only. Gradients are central differences where both neighbours are valid.
 */
import { InputError } from '../errors.ts';
import type { ImageValue } from '../imagery/image.ts';
import { COVER_CLASSES, classifyPixels, coverFractions, reflectanceFactor } from '../spectral/cover.ts';
import { INDEX_NAMES, indexPlane } from '../spectral/indices.ts';
import { meanStd, quantiles } from '../spectral/robust.ts';

/** Bands the model knows, in layout order. */
export const FEATURE_BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'] as const;
/** Histogram bins per index. */
export const INDEX_BINS = 8;
/** Offset of the anchor component. */
export const ANCHOR = 0;
/** Offset of the per-band block. */
export const BAND_OFFSET = 1;
/** Per-band features: present, mean, std, q10, q50, q90. */
export const BAND_FEATURES = 6;
/** Offset of the per-index block. */
export const INDEX_OFFSET = BAND_OFFSET + FEATURE_BANDS.length * BAND_FEATURES;
/** Per-index features: present, mean, q10, q50, q90, histogram. */
export const INDEX_FEATURES = 5 + INDEX_BINS;
/** Offset of the texture block. */
export const TEXTURE_OFFSET = INDEX_OFFSET + INDEX_NAMES.length * INDEX_FEATURES;
/** Texture features. */
export const TEXTURE_FEATURES = 4;
/** Offset of the cover-fraction block. */
export const COVER_OFFSET = TEXTURE_OFFSET + TEXTURE_FEATURES;
/** Vector length of spectral-v1. */
export const SPECTRAL_DIMENSION = COVER_OFFSET + COVER_CLASSES.length;

/** Offset of cover class `c` in the layout. */
export function coverOffset(c: (typeof COVER_CLASSES)[number]): number {
  return COVER_OFFSET + COVER_CLASSES.indexOf(c);
}

/** The raw (not normalised) feature vector of one chip; bad input throws an InputError naming `id`. */
export function spectralFeatures(id: string, image: ImageValue): Float32Array {
  const known = FEATURE_BANDS.filter((b) => image.bands.includes(b));
  if (known.length === 0) {
    throw new InputError(
      `chip ${id}: none of its bands [${image.bands.join(', ')}] is usable (expected some of ${FEATURE_BANDS.join(', ')})`,
    );
  }
  const n = image.width * image.height;
  for (let b = 0; b < image.data.length; b++) {
    const p = image.data[b]!;
    if (p.length !== n)
      throw new InputError(`chip ${id}: band ${image.bands[b]} has ${p.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) {
      if (image.mask[i] !== 0 && !Number.isFinite(p[i]!)) {
        throw new InputError(
          `chip ${id}: band ${image.bands[b]} has a non-finite value (${p[i]}) at valid pixel ${i}`,
        );
      }
    }
  }
  let valid = 0;
  for (let i = 0; i < n; i++) if (image.mask[i] !== 0) valid++;
  if (valid === 0) throw new InputError(`chip ${id}: all ${n} pixels are masked invalid`);

  const k = reflectanceFactor(image);
  const f = new Float32Array(SPECTRAL_DIMENSION);
  f[ANCHOR] = 1;
  const masked = (p: Float32Array, scale: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = image.mask[i] === 0 ? Number.NaN : p[i]! * scale;
    return out;
  };
  FEATURE_BANDS.forEach((name, j) => {
    const i = image.bands.indexOf(name);
    if (i < 0) return;
    const v = masked(image.data[i]!, k);
    const { mean, std } = meanStd(v);
    const [q10, q50, q90] = quantiles(v, [0.1, 0.5, 0.9]);
    f.set([1, mean, std, q10!, q50!, q90!], BAND_OFFSET + j * BAND_FEATURES);
  });
  INDEX_NAMES.forEach((name, j) => {
    const plane = indexPlane(image, name);
    if (!plane) return;
    const o = INDEX_OFFSET + j * INDEX_FEATURES;
    const { mean } = meanStd(plane);
    if (!Number.isFinite(mean)) return; // every denominator 0: treat as absent
    const [q10, q50, q90] = quantiles(plane, [0.1, 0.5, 0.9]);
    f.set([1, mean, q10!, q50!, q90!], o);
    let count = 0;
    const hist = new Float64Array(INDEX_BINS);
    for (let i = 0; i < n; i++) {
      const v = plane[i]!;
      if (!Number.isFinite(v)) continue;
      hist[Math.min(INDEX_BINS - 1, Math.max(0, Math.floor(((v + 1) / 2) * INDEX_BINS)))]!++;
      count++;
    }
    for (let b = 0; b < INDEX_BINS; b++) f[o + 5 + b] = hist[b]! / count;
  });
  f.set(texture(image, k), TEXTURE_OFFSET);
  const cover = coverFractions(classifyPixels(image));
  COVER_CLASSES.forEach((c, j) => (f[COVER_OFFSET + j] = cover[c]));
  return f;
}

/** Visible brightness per pixel (mean of red, green, blue present; else of all bands), NaN where invalid. */
function brightness(image: ImageValue, k: number): Float32Array {
  const vis = ['red', 'green', 'blue'].map((b) => image.bands.indexOf(b)).filter((i) => i >= 0);
  const planes = (vis.length > 0 ? vis : image.data.map((_, i) => i)).map((i) => image.data[i]!);
  const n = image.width * image.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (image.mask[i] === 0) {
      out[i] = Number.NaN;
      continue;
    }
    let s = 0;
    for (const p of planes) s += p[i]!;
    out[i] = (s / planes.length) * k;
  }
  return out;
}

function texture(image: ImageValue, k: number): number[] {
  const { width: w, height: h } = image;
  const v = brightness(image, k);
  const grads: number[] = [];
  const locals: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!Number.isFinite(v[i]!)) continue;
      if (x > 0 && x < w - 1 && y > 0 && y < h - 1) {
        const gx = (v[i + 1]! - v[i - 1]!) / 2;
        const gy = (v[i + w]! - v[i - w]!) / 2;
        const g = Math.hypot(gx, gy);
        if (Number.isFinite(g)) grads.push(g);
      }
      let s = 0;
      let q = 0;
      let m = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const u = v[yy * w + xx]!;
          if (!Number.isFinite(u)) continue;
          s += u;
          q += u * u;
          m++;
        }
      }
      if (m >= 2) locals.push(Math.sqrt(Math.max(0, q / m - (s / m) ** 2)));
    }
  }
  if (grads.length === 0) return [0, 0, meanStd(locals).mean || 0, 0];
  const gm = meanStd(grads).mean;
  const [g90] = quantiles(grads, [0.9]);
  let edges = 0;
  for (const g of grads) if (g > 0.05) edges++;
  return [gm, g90!, meanStd(locals).mean || 0, edges / grads.length];
}
