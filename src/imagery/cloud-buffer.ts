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

/** Farther than any radius from every row (and small enough that y ± FAR fits an int32). */
const FAR = 1 << 30;

/**
 * `flags` (1: cloud or shadow) grown by `radius` pixels in every direction (a square of side
 * 2·radius + 1, computed as two running-maximum passes, so the cost does not grow with the radius).
 */
export function dilateFlags(flags: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (flags.length !== width * height) {
    throw new RangeError(`flags hold ${flags.length} values, not ${width}×${height}`);
  }
  if (radius <= 0) return Uint8Array.from(flags);
  // Pixels are fewer than `width` (`height`) apart along a row (a column), so a larger radius reaches
  // as far as that does; FAR stands for "no flag yet" in int32 arithmetic.
  const across = Math.min(radius, width);
  const rows = new Uint8Array(flags.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    // Distance to the last flagged pixel to the left, then to the right.
    let last = -FAR;
    for (let x = 0; x < width; x++) {
      if (flags[o + x]) last = x;
      if (x - last <= across) rows[o + x] = 1;
    }
    last = FAR;
    for (let x = width - 1; x >= 0; x--) {
      if (flags[o + x]) last = x;
      if (last - x <= across) rows[o + x] = 1;
    }
  }
  // The same two sweeps down the columns, run a row at a time over every column (row-major memory
  // order), with the last flagged row of each column kept in `last`.
  const reach = Math.min(radius, height);
  const out = new Uint8Array(flags.length);
  const last = new Int32Array(width);
  last.fill(-FAR);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      if (rows[o + x]) last[x] = y;
      if (y - last[x]! <= reach) out[o + x] = 1;
    }
  }
  last.fill(FAR);
  for (let y = height - 1; y >= 0; y--) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      if (rows[o + x]) last[x] = y;
      if (last[x]! - y <= reach) out[o + x] = 1;
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
