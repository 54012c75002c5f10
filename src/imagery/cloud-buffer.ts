/**
 * Cloud buffer: pixels near a masked cloud or cloud shadow are masked too.
 *
 * Cloud masks (Sentinel-2's SCL, s2cloudless, Fmask) label the core of a cloud and of its shadow; the
 * thin edges, the haze around them and the penumbra of the shadow stay "clear" while being darker or
 * brighter than the ground. A look that is partly cloudy thus shows its remaining pixels next to the
 * cloud too dark in the near infrared — a meadow or a forest then reads as vegetation loss on that one
 * look, and is back on the next. Every mask producer therefore recommends dilating the mask: Fmask 4
 * dilates cloud and shadow by 3 pixels at the 20 m it works at for Sentinel-2 (60 m); that distance
 * is the buffer here, converted to the grid's own pixels. Nodata and saturated pixels are not buffered
 * (they have no halo).
 */

/** SCL classes of cloud and cloud shadow, whose edges are buffered (3 shadow, 8–9 cloud, 10 cirrus). */
export const CLOUD_SCL = new Set([3, 8, 9, 10]);

/** Distance around a masked cloud or shadow pixel that is masked too, in metres (Fmask 4's default for Sentinel-2). */
export const CLOUD_BUFFER_M = 60;

/** The buffer in pixels of `resolutionM` metres (at least 1 where the buffer is positive). */
export function cloudBufferPixels(resolutionM: number, bufferM: number = CLOUD_BUFFER_M): number {
  if (!(resolutionM > 0)) throw new RangeError(`pixel size ${resolutionM} m is not positive`);
  if (!(bufferM > 0)) return 0;
  return Math.max(1, Math.round(bufferM / resolutionM));
}

/**
 * `flags` (1: cloud or shadow) grown by `radius` pixels in every direction (a square of side
 * 2·radius + 1, computed as two running-maximum passes, so the cost does not grow with the radius).
 */
export function dilateFlags(flags: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (flags.length !== width * height) {
    throw new RangeError(`flags hold ${flags.length} values, not ${width}×${height}`);
  }
  if (radius <= 0) return Uint8Array.from(flags);
  const rows = new Uint8Array(flags.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    // Distance to the last flagged pixel to the left, then to the right.
    let last = -Infinity;
    for (let x = 0; x < width; x++) {
      if (flags[o + x]) last = x;
      if (x - last <= radius) rows[o + x] = 1;
    }
    last = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (flags[o + x]) last = x;
      if (last - x <= radius) rows[o + x] = 1;
    }
  }
  const out = new Uint8Array(flags.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < height; y++) {
      if (rows[y * width + x]) last = y;
      if (y - last <= radius) out[y * width + x] = 1;
    }
    last = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (rows[y * width + x]) last = y;
      if (last - y <= radius) out[y * width + x] = 1;
    }
  }
  return out;
}

/** `mask` (1: valid) with every pixel within `radius` of a flagged cloud or shadow pixel made invalid. */
export function bufferClouds(
  mask: Uint8Array,
  cloud: Uint8Array,
  width: number,
  height: number,
  radius: number,
): Uint8Array {
  const grown = dilateFlags(cloud, width, height, radius);
  return Uint8Array.from(mask, (m, i) => (m && !grown[i] ? 1 : 0));
}
