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
 * STRETCH_AT[k]: the smallest reflectance whose byte is at least k (k = 1…255; 0 below, none above),
 * found by bisection over doubles, so that r's byte is the largest k with STRETCH_AT[k] ≤ r. That is
 * stretchReflectance itself wherever stretchReflectance does not decrease between neighbouring values
 * (test imagery-render checks every float32 value around each step and a sweep of the whole range).
 */
const STRETCH_AT = (() => {
  const at = new Float64Array(257);
  at[0] = -Infinity;
  at[256] = Infinity;
  for (let k = 1; k < 256; k++) {
    let lo = 0;
    let hi = RGB_MAX_REFLECTANCE;
    for (;;) {
      const mid = (lo + hi) / 2;
      if (mid <= lo || mid >= hi) break;
      if (stretchReflectance(mid) >= k) hi = mid;
      else lo = mid;
    }
    at[k] = hi;
  }
  return at;
})();

/**
 * A lower bound of the byte of every reflectance in each bucket: the byte at the start of the bucket
 * before it (r × LUT_SCALE may round up into the next bucket, never by a whole bucket).
 */
const BUCKET_FLOOR = Uint8Array.from({ length: LUT_BUCKETS + 1 }, (_, k) =>
  stretchReflectance(Math.max(0, (k - 1) / LUT_SCALE)),
);

/** stretchReflectance from the bucket's lower bound and the steps above it. */
function stretchByte(r: number): number {
  if (!(r > 0)) return 0;
  if (r >= RGB_MAX_REFLECTANCE) return 255;
  let e = BUCKET_FLOOR[(r * LUT_SCALE) | 0]!;
  while (r >= STRETCH_AT[e + 1]!) e++;
  return e;
}

/** Bits of a float32 (the float32 value with the bits of the index of a Uint32Array). */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
F32[0] = RGB_MAX_REFLECTANCE;
/** Bits of the float32 nearest to RGB_MAX_REFLECTANCE: a non-negative float32 below it has smaller bits. */
const TOP_BITS = U32[0]!;
/** Float32 values per bucket of BITS_LUT (2^13, the low mantissa bits dropped). */
const BITS_SHIFT = 13;

/** Where the byte steps within a bucket of BITS_LUT: the bits of the first float32 of the higher byte. */
const STEP_BITS: number[] = [];
/** The byte below that step. */
const STEP_LOW: number[] = [];

/**
 * The byte of every float32 from 0 up to the top of the stretch by its bits: non-negative float32
 * values order as their bits do, so bits >>> 13 buckets them in order. An entry is the bucket's byte;
 * where the byte steps once within the bucket, −2 − t for STEP_BITS[t] and STEP_LOW[t]; where it
 * steps more than once (the buckets nearest 0), −1: computed by stretchByte.
 */
const BITS_LUT = (() => {
  const lut = new Int16Array((TOP_BITS >>> BITS_SHIFT) + 1);
  const byteAt = (bits: number): number => {
    U32[0] = bits;
    return stretchByte(F32[0]!);
  };
  for (let k = 0; k < lut.length; k++) {
    const first = k << BITS_SHIFT;
    const last = Math.min(TOP_BITS - 1, ((k + 1) << BITS_SHIFT) - 1);
    const lo = byteAt(first);
    const hi = byteAt(last);
    if (lo === hi) lut[k] = lo;
    else if (hi === lo + 1) {
      // The first float32 of the bucket with the higher byte, by bisection over the bits.
      let below = first;
      let at = last;
      while (at - below > 1) {
        const mid = below + ((at - below) >>> 1);
        if (byteAt(mid) > lo) at = mid;
        else below = mid;
      }
      lut[k] = -2 - STEP_BITS.length;
      STEP_BITS.push(at);
      STEP_LOW.push(lo);
    } else lut[k] = -1;
  }
  return lut;
})();

/** The byte of pixel i of a float32 plane, `bits` the plane's Uint32Array view. */
function planeByte(plane: Float32Array, bits: Uint32Array, i: number): number {
  const b = bits[i]!;
  if (b < TOP_BITS) {
    const e = BITS_LUT[b >>> BITS_SHIFT]!;
    if (e >= 0) return e;
    if (e < -1) {
      const t = -2 - e;
      return STEP_LOW[t]! + (b >= STEP_BITS[t]! ? 1 : 0);
    }
    return stretchByte(plane[i]!);
  }
  // Negative, NaN, or at least the top of the stretch.
  return plane[i]! >= RGB_MAX_REFLECTANCE ? 255 : 0;
}

/** The byte of each reflectance as renderRgb writes it from a float32 plane (tests pin it to stretchReflectance). */
export function renderedByte(r: number): number {
  const plane = Float32Array.of(r);
  return planeByte(plane, new Uint32Array(plane.buffer), 0);
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
    stretchPlanes(r, g, b, mask, out);
  }
  return { width: image.width, height: image.height, data: out };
}

/** The stretch of three float32 planes into interleaved bytes, through their bits (BITS_LUT). */
function stretchPlanes(
  r: Float32Array,
  g: Float32Array,
  b: Float32Array,
  mask: Uint8Array,
  out: Uint8Array,
): void {
  const bitsOf = (p: Float32Array): Uint32Array => new Uint32Array(p.buffer, p.byteOffset, p.length);
  const rb = bitsOf(r);
  const gb = bitsOf(g);
  const bb = bitsOf(b);
  const n = mask.length;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    if (mask[i] === 0) continue;
    out[o] = planeByte(r, rb, i);
    out[o + 1] = planeByte(g, gb, i);
    out[o + 2] = planeByte(b, bb, i);
  }
}
