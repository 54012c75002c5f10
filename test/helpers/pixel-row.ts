import type { ImageValue } from '../../src/imagery/image.ts';

/**
 * A one-row reflectance image, one pixel per entry of `pixels` (values in band order), all valid unless
 * `mask` says otherwise (1 valid, 0 not, per pixel).
 */
export function pixelRow(bands: string[], pixels: number[][], mask?: number[]): ImageValue {
  return {
    width: pixels.length,
    height: 1,
    bands,
    data: bands.map((_, b) => Float32Array.from(pixels, (p) => p[b]!)),
    mask: Uint8Array.from(mask ?? pixels.map(() => 1)),
    crs: null,
    bounds: null,
    scale: 'reflectance',
  };
}
