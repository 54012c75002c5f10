import { describe, expect, it } from 'vitest';
import { fromFloat16Array, fromFloat16Bits, toFloat16Array, toFloat16Bits } from '../src/embed/float16.ts';

describe('float16 conversion', () => {
  it('encodes exact values to their IEEE 754 half bit patterns', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
  });

  it('rounds to nearest, ties to even, and overflows to infinity', () => {
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa 0
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even mantissa 2
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(toFloat16Bits(1e-9)).toBe(0x0000);
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
  });

  it('decodes bit patterns back to values', () => {
    expect(fromFloat16Bits(0x3c00)).toBe(1);
    expect(fromFloat16Bits(0x2e66)).toBe(0.0999755859375);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
  });

  it('round-trips arrays', () => {
    const values = new Float32Array([0.5, -1.25, 3.140625, 1024]);
    expect(Array.from(fromFloat16Array(toFloat16Array(values)))).toEqual([0.5, -1.25, 3.140625, 1024]);
  });
});
