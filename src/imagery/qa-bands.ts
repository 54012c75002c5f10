/**
 * Bit-packed quality bands that are validity masks (as Sentinel-2's SCL is, chips.ts): read with nearest
 * resampling, never stacked, and decoded per pixel into the chip's mask.
 * - Landsat Collection 2 `qa_pixel` (USGS Landsat 8-9 C2 L2 Science Product Guide): bit 0 fill,
 *   1 dilated cloud, 2 cirrus, 3 cloud, 4 cloud shadow, 5 snow; any of these set makes the pixel invalid
 *   (bit 6 clear and bit 7 water are kept).
 * - HLS v2.0 `Fmask` (HLS v2.0 User Guide), read as `fmask`: bit 1 cloud, 2 adjacent to cloud or shadow,
 *   3 cloud shadow, 4 snow/ice make the pixel invalid; bit 0 (cirrus, reserved and unused in v2.0),
 *   bit 5 water and bits 6–7 (aerosol level) are kept. Fill (255) sets the invalid bits.
 */

/** Quality bands and the bits that make a pixel invalid. */
export const QA_INVALID_BITS: Readonly<Record<string, number>> = {
  qa_pixel: (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5),
  fmask: (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4),
};

/** Whether a band is a bit-packed quality band. */
export function isQaBand(name: string): boolean {
  return Object.hasOwn(QA_INVALID_BITS, name);
}

/** Whether a stored value of the quality band marks its pixel invalid (non-integers and negatives do). */
export function qaInvalid(name: string, value: number): boolean {
  if (!Number.isInteger(value) || value < 0) return true;
  return (value & QA_INVALID_BITS[name]!) !== 0;
}

/** Clears `mask` where a quality plane marks the pixel invalid. */
export function applyQaBands(planes: ReadonlyMap<string, Float32Array>, mask: Uint8Array): void {
  for (const [name, plane] of planes) {
    if (!isQaBand(name)) continue;
    for (let i = 0; i < mask.length; i++) if (mask[i] && qaInvalid(name, plane[i]!)) mask[i] = 0;
  }
}
