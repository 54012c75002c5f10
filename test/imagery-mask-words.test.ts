import { describe, expect, it } from 'vitest';
import { andMask, clearFlagged, countValid, zeroInvalid } from '../src/imagery/mask-words.ts';

/** 0/1 bytes from a string of digits. */
const bits = (s: string): Uint8Array => Uint8Array.from(s.split(''), Number);

describe('masks combined a word at a time', () => {
  // 11 pixels: two whole words and a tail of three; the views at offset 1 start unaligned.
  const a = '11011110111';
  const b = '10111011110';

  it('merges two masks pixel by pixel, aligned or not', () => {
    const t = bits(a);
    andMask(t, bits(b));
    expect(Array.from(t).join('')).toBe('10011010110');
    const buf = new Uint8Array(12);
    buf.set(bits(a), 1);
    const shifted = buf.subarray(1);
    andMask(shifted, bits(b));
    expect(Array.from(shifted).join('')).toBe('10011010110');
  });

  it('clears the flagged pixels and keeps the others as they were', () => {
    const t = bits(a);
    clearFlagged(t, bits(b));
    expect(Array.from(t).join('')).toBe('01000100001');
  });

  it('counts the valid pixels, aligned or not', () => {
    expect(countValid(bits(a))).toBe(9);
    const buf = new Uint8Array(13);
    buf.set(bits(a), 2);
    expect(countValid(buf.subarray(2))).toBe(9);
    expect(countValid(new Uint8Array(0))).toBe(0);
  });

  it('zeroes every plane where the mask is 0 and nowhere else', () => {
    const planes = [Float32Array.from({ length: 11 }, (_, i) => i + 1), new Float32Array(11).fill(0.5)];
    zeroInvalid(planes, bits(a));
    expect(Array.from(planes[0]!)).toEqual([1, 2, 0, 4, 5, 6, 7, 0, 9, 10, 11]);
    expect(Array.from(planes[1]!)).toEqual([0.5, 0.5, 0, 0.5, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5]);
  });

  it('refuses masks of different sizes', () => {
    expect(() => andMask(new Uint8Array(4), new Uint8Array(5))).toThrow(RangeError);
    expect(() => clearFlagged(new Uint8Array(4), new Uint8Array(3))).toThrow(RangeError);
  });
});
