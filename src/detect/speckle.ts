/**
 * Speckle filtering of radar backscatter: a k × k median filter over each band (default 5 × 5), taken
 * over the valid pixels of the window only (windows are clipped at the image edge). The median is robust
 * to the multiplicative, heavy-tailed speckle of single-look-like SAR data and keeps water edges sharper
 * than a box mean; it commutes with the dB transform, so filtering dB or linear values selects the same
 * pixel. Invalid pixels stay invalid and hold 0.
 */
import { InputError } from '../errors.ts';
import type { ImageValue } from '../imagery/image.ts';

/** Default window of the speckle filter, in pixels. */
export const SPECKLE_WINDOW = 5;

/** The image with every band median-filtered over a `size` × `size` window (odd size ≥ 1). */
export function medianFilter(image: ImageValue, size = SPECKLE_WINDOW): ImageValue {
  if (!(Number.isInteger(size) && size >= 1 && size % 2 === 1))
    throw new InputError(`median filter window ${size} must be an odd positive integer`);
  const { width, height, mask } = image;
  const r = (size - 1) / 2;
  const window = new Float64Array(size * size);
  const data = image.data.map((plane) => {
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (!mask[i]) continue;
        let n = 0;
        for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++)
          for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) {
            const j = yy * width + xx;
            if (mask[j]) window[n++] = plane[j]!;
          }
        const w = window.subarray(0, n).sort();
        out[i] = n % 2 ? w[(n - 1) / 2]! : (w[n / 2 - 1]! + w[n / 2]!) / 2;
      }
    return out;
  });
  return { ...image, data, mask: Uint8Array.from(mask) };
}
