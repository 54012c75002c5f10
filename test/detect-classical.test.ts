import { describe, expect, it } from 'vitest';
import { waterIndexRise } from '../src/detect/classical.ts';
import type { ImageValue } from '../src/imagery/image.ts';

/** A one-row reflectance image, one pixel per entry of `pixels` (values in band order). */
function row(bands: string[], pixels: number[][], mask?: number[]): ImageValue {
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

const nd = (a: number, b: number) => (a - b) / (a + b);

describe('water-index rise baseline', () => {
  it('is the rise of MNDWI when both images have swir16, NaN where either is invalid, 0 where the index is not a number', () => {
    const bands = ['green', 'nir', 'swir16'];
    const before = row(bands, [
      [0.08, 0.3, 0.2],
      [0.1, 0.2, 0.1],
      [0, 0, 0],
      [0.1, 0.1, 0.1],
    ]);
    const after = row(
      bands,
      [
        [0.09, 0.03, 0.02],
        [0.1, 0.2, 0.1],
        [0.05, 0.05, 0.01],
        [0.1, 0.1, 0.1],
      ],
      [1, 1, 1, 0],
    );
    const rise = waterIndexRise(before, after)!;
    expect(rise[0]).toBeCloseTo(nd(0.09, 0.02) - nd(0.08, 0.2), 6);
    expect(rise[1]).toBe(0);
    // before 0/0: the index is not a number, so no rise is measured.
    expect(rise[2]).toBe(0);
    expect(rise[3]).toBeNaN();
  });

  it('falls back to NDWI (green, nir) without swir16, and is undefined for RGB', () => {
    const before = row(['red', 'green', 'nir'], [[0.05, 0.08, 0.3]]);
    const after = row(['red', 'green', 'nir'], [[0.04, 0.09, 0.03]]);
    expect(waterIndexRise(before, after)![0]).toBeCloseTo(nd(0.09, 0.03) - nd(0.08, 0.3), 6);
    const rgb = row(['red', 'green', 'blue'], [[0.1, 0.1, 0.1]]);
    expect(waterIndexRise(rgb, rgb)).toBeUndefined();
  });

  it('uses MNDWI only when both images have swir16', () => {
    const before = row(['green', 'nir', 'swir16'], [[0.08, 0.3, 0.2]]);
    const after = row(['green', 'nir'], [[0.09, 0.03]]);
    expect(waterIndexRise(before, after)![0]).toBeCloseTo(nd(0.09, 0.03) - nd(0.08, 0.3), 6);
  });
});
