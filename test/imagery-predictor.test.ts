import { describe, expect, it } from 'vitest';
// geotiff.js's own predictor, the reference (not among the package's exports, so by path).
import { applyPredictor } from '../node_modules/geotiff/dist-module/predictor.js';
import { undoHorizontalPredictor } from '../src/imagery/horizontal-predictor.ts';

/** Horizontal differences of `values` (rows of `width` pixels, `stride` samples each), as a TIFF writer stores them. */
function differenced<T extends Uint8Array | Uint16Array | Uint32Array>(
  values: T,
  width: number,
  stride: number,
): T {
  const out = values.slice() as T;
  const row = width * stride;
  for (let o = 0; o < values.length; o += row)
    for (let i = o + row - 1; i >= o + stride; i--) out[i] = values[i]! - values[i - stride]!;
  return out;
}

describe('TIFF horizontal predictor undone in place', () => {
  it('restores 16-bit samples with wrap-around, row by row', () => {
    const stored = Uint16Array.of(10, 5, 65535, 4, 7, 65534, 2, 1);
    expect(undoHorizontalPredictor(stored.buffer, 4, 16, 1)).toBe(true);
    expect(Array.from(stored)).toEqual([10, 15, 14, 18, 7, 5, 7, 8]);
  });

  it('adds the sample one pixel back for pixel-interleaved samples (stride 3)', () => {
    const stored = Uint8Array.of(1, 2, 3, 10, 20, 250, 1, 1, 10);
    expect(undoHorizontalPredictor(stored.buffer, 3, 8, 3)).toBe(true);
    expect(Array.from(stored)).toEqual([1, 2, 3, 11, 22, 253, 12, 23, 7]);
  });

  it.each([
    [8, 1],
    [16, 1],
    [32, 1],
    [16, 2],
    [8, 4],
  ])("gives geotiff.js applyPredictor's numbers on a %i-bit block of stride %i", (bits, stride) => {
    const width = 37;
    const rows = 5;
    const n = width * rows * stride;
    const values = bits === 8 ? new Uint8Array(n) : bits === 16 ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = (i * 2654435761) >>> (32 - bits);
    const ours = differenced(values, width, stride);
    const theirs = ours.slice();
    expect(undoHorizontalPredictor(ours.buffer, width, bits, stride)).toBe(true);
    applyPredictor(theirs.buffer, 2, width, rows, Array(stride).fill(bits), stride === 1 ? 2 : 1);
    expect(Array.from(ours)).toEqual(Array.from(theirs));
    expect(Array.from(ours)).toEqual(Array.from(values));
  });

  it('leaves what it does not handle untouched: other sample sizes and a last row cut short', () => {
    const twelve = Uint8Array.of(1, 2, 3, 4, 5, 6);
    expect(undoHorizontalPredictor(twelve.buffer, 4, 12, 1)).toBe(false);
    expect(Array.from(twelve)).toEqual([1, 2, 3, 4, 5, 6]);
    const cut = Uint16Array.of(1, 2, 3, 4, 5);
    expect(undoHorizontalPredictor(cut.buffer, 2, 16, 1)).toBe(false);
    expect(Array.from(cut)).toEqual([1, 2, 3, 4, 5]);
  });
});
