import { describe, expect, it } from 'vitest';
import { bufferClouds, cloudBufferPixels, CLOUD_SCL, dilateFlags } from '../src/imagery/cloud-buffer.ts';

/** Rows of 0/1 characters as one flat array. */
const grid = (rows: string[]) => Uint8Array.from(rows.join('').split(''), Number);
const show = (a: Uint8Array, width: number) =>
  Array.from({ length: a.length / width }, (_, r) =>
    Array.from(a.slice(r * width, (r + 1) * width)).join(''),
  );

describe('cloud buffer', () => {
  it('is 60 m in the pixels of each grid: 6 at 10 m, 3 at 20 m, 2 at 30 m', () => {
    expect([10, 20, 30, 60, 250].map((r) => cloudBufferPixels(r))).toEqual([6, 3, 2, 1, 1]);
    expect(cloudBufferPixels(10, 0)).toBe(0);
    expect(() => cloudBufferPixels(0)).toThrow('pixel size 0 m is not positive');
  });

  it('buffers cloud and shadow classes of SCL, not nodata or saturated pixels', () => {
    expect([...CLOUD_SCL].sort((a, b) => a - b)).toEqual([3, 8, 9, 10]);
  });

  it('grows flags by the radius in every direction, a square, clipped at the edges', () => {
    const flags = grid(['0000000', '0000000', '0001000', '0000000', '1000000']);
    expect(show(dilateFlags(flags, 7, 5, 1), 7)).toEqual([
      '0000000',
      '0011100',
      '0011100',
      '1111100',
      '1100000',
    ]);
    expect(show(dilateFlags(flags, 7, 5, 2), 7)).toEqual([
      '0111110',
      '0111110',
      '1111110',
      '1111110',
      '1111110',
    ]);
    expect(show(dilateFlags(flags, 7, 5, 0), 7)).toEqual(show(flags, 7));
    expect(() => dilateFlags(flags, 6, 5, 1)).toThrow('flags hold 35 values, not 6×5');
  });

  it('masks the halo of a cloud and keeps what was invalid invalid', () => {
    const mask = grid(['11111', '11110', '11111']);
    const cloud = grid(['00000', '00000', '10000']);
    expect(show(bufferClouds(mask, cloud, 5, 3, 1), 5)).toEqual(['11111', '00110', '00111']);
  });
});
