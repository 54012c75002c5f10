/**
 * The fixed true-colour stretch of the chip renderings that the embedder sees (and that are stored per
 * chip), identical for every acquisition:
 * - reflectance images: each of red, green, blue is clipped to 0…0.3, scaled to 0…1, gamma-encoded with
 *   exponent 1/2.2 and mapped to 0…255 (round to nearest): out = round(255 × (min(max(r, 0), 0.3) / 0.3)^(1/2.2));
 * - display images (8-bit values): values are clipped to 0…255 and rounded;
 * - invalid pixels (mask 0) are black. An image without red/green/blue is rendered grey from its first band.
 *
 * Fixed, not fitted to each scene, on purpose: drift is measured between embeddings of the same chip on
 * different dates, so the same reflectance must give the same input bytes on every date. A per-scene
 * stretch would move with haze, cloud, snow or the mix of land in the scene and make unchanged ground
 * drift. What a person looks at is drawn differently: evidence tiles re-stretch these renderings per alert
 * with a percentile stretch (src/detect/percentile-stretch.ts), which is only for the eye.
 */
import { InputError } from '../errors.ts';
import type { ImageValue, RgbImage } from './image.ts';

/** Top of the reflectance stretch. */
export const RGB_MAX_REFLECTANCE = 0.3;
/** Gamma of the stretch. */
export const RGB_GAMMA = 2.2;

/** Byte value of one reflectance under the fixed stretch. */
export function stretchReflectance(r: number): number {
  if (!(r > 0)) return 0;
  const t = Math.min(r, RGB_MAX_REFLECTANCE) / RGB_MAX_REFLECTANCE;
  return Math.round(255 * Math.pow(t, 1 / RGB_GAMMA));
}

/** Buckets of the lookup table over (0, RGB_MAX_REFLECTANCE). */
const LUT_BUCKETS = 65_536;
const LUT_SCALE = LUT_BUCKETS / RGB_MAX_REFLECTANCE;

/**
 * stretchReflectance per bucket of reflectance where the stretch is constant over the bucket widened by
 * half a bucket on each side (so rounding of r × LUT_SCALE cannot leave it), else -1 (computed exactly).
 * The stretch is monotonic, so a constant value at both ends holds in between.
 */
const STRETCH_LUT = (() => {
  const lut = new Int16Array(LUT_BUCKETS + 2);
  for (let k = 0; k < lut.length; k++) {
    const lo = stretchReflectance((k - 0.5) / LUT_SCALE);
    lut[k] = lo === stretchReflectance((k + 1.5) / LUT_SCALE) ? lo : -1;
  }
  return lut;
})();

/** stretchReflectance through the lookup table where it is exact. */
function stretchByte(r: number): number {
  if (!(r > 0)) return 0;
  if (r >= RGB_MAX_REFLECTANCE) return 255;
  const e = STRETCH_LUT[(r * LUT_SCALE) | 0]!;
  return e < 0 ? stretchReflectance(r) : e;
}

/** A display value clipped to 0…255 and rounded. */
function displayByte(v: number): number {
  return Math.round(Math.min(255, Math.max(0, v)));
}

/** Renders the image's red, green and blue bands with the fixed stretch. */
export function renderRgb(image: ImageValue): RgbImage {
  const n = image.width * image.height;
  if (image.data.length === 0)
    throw new InputError(`image of ${image.width}×${image.height} has no bands to render`);
  const pick = (name: string): Float32Array => {
    const i = image.bands.indexOf(name);
    return (i >= 0 ? image.data[i] : image.data[0])!;
  };
  const rgb = ['red', 'green', 'blue'].every((b) => image.bands.includes(b));
  const planes = rgb
    ? [pick('red'), pick('green'), pick('blue')]
    : [image.data[0]!, image.data[0]!, image.data[0]!];
  for (const p of planes) {
    if (p.length !== n)
      throw new InputError(`band plane of ${p.length} values does not match ${image.width}×${image.height}`);
  }
  const out = new Uint8Array(n * 3);
  const [r, g, b] = planes as [Float32Array, Float32Array, Float32Array];
  const mask = image.mask;
  // One pass over the pixels, the three channels of each written together.
  if (image.scale === 'display') {
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) continue;
      out[i * 3] = displayByte(r[i]!);
      out[i * 3 + 1] = displayByte(g[i]!);
      out[i * 3 + 2] = displayByte(b[i]!);
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) continue;
      out[i * 3] = stretchByte(r[i]!);
      out[i * 3 + 1] = stretchByte(g[i]!);
      out[i * 3 + 2] = stretchByte(b[i]!);
    }
  }
  return { width: image.width, height: image.height, data: out };
}
