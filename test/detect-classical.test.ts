import { describe, expect, it } from 'vitest';
import { waterIndexRise } from '../src/detect/classical.ts';
import { pixelRow } from './helpers/pixel-row.ts';

const nd = (a: number, b: number) => (a - b) / (a + b);

describe('water-index rise baseline', () => {
  it('is the rise of MNDWI when both images have swir16, NaN where either is invalid, 0 where the index is not a number', () => {
    const bands = ['green', 'nir', 'swir16'];
    const before = pixelRow(bands, [
      [0.08, 0.3, 0.2],
      [0.1, 0.2, 0.1],
      [0, 0, 0],
      [0.1, 0.1, 0.1],
    ]);
    const after = pixelRow(
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
    const before = pixelRow(['red', 'green', 'nir'], [[0.05, 0.08, 0.3]]);
    const after = pixelRow(['red', 'green', 'nir'], [[0.04, 0.09, 0.03]]);
    expect(waterIndexRise(before, after)![0]).toBeCloseTo(nd(0.09, 0.03) - nd(0.08, 0.3), 6);
    const rgb = pixelRow(['red', 'green', 'blue'], [[0.1, 0.1, 0.1]]);
    expect(waterIndexRise(rgb, rgb)).toBeUndefined();
  });

  it('uses MNDWI only when both images have swir16', () => {
    const before = pixelRow(['green', 'nir', 'swir16'], [[0.08, 0.3, 0.2]]);
    const after = pixelRow(['green', 'nir'], [[0.09, 0.03]]);
    expect(waterIndexRise(before, after)![0]).toBeCloseTo(nd(0.09, 0.03) - nd(0.08, 0.3), 6);
  });
});
