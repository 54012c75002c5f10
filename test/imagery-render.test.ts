import { describe, expect, it } from 'vitest';
import { renderRgb, stretchReflectance } from '../src/imagery/index.ts';
import { renderedByte, RGB_MAX_REFLECTANCE } from '../src/imagery/render.ts';

const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);
/** The float32 value with these bits. */
function fromBits(b: number): number {
  bits[0] = b;
  return f32[0]!;
}
/** The bits of the float32 nearest to x. */
function bitsOf(x: number): number {
  f32[0] = x;
  return bits[0]!;
}

describe('the fixed stretch as renderRgb computes it', () => {
  it('gives stretchReflectance on every float32 within 2,048 values of each of the 255 steps, and on a sweep of the range', () => {
    const top = bitsOf(RGB_MAX_REFLECTANCE);
    let mismatches = 0;
    const firstAtLeast = (k: number): number => {
      let lo = 0;
      let hi = top;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (stretchReflectance(fromBits(mid)) >= k) hi = mid;
        else lo = mid;
      }
      return hi;
    };
    for (let k = 1; k <= 255; k++) {
      const step = firstAtLeast(k);
      for (let d = -2048; d <= 2048; d++) {
        const v = fromBits(step + d);
        if (renderedByte(v) !== stretchReflectance(v)) mismatches++;
      }
    }
    // Every float32 from the smallest positive one to 0.3, one in 997.
    for (let b = 1; b <= top; b += 997) {
      const v = fromBits(b);
      if (renderedByte(v) !== stretchReflectance(v)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('clips at both ends and renders invalid pixels black', () => {
    const img = {
      width: 4,
      height: 1,
      bands: ['red', 'green', 'blue'],
      data: [
        Float32Array.of(-0.1, 0, 0.3, 0.15),
        Float32Array.of(Number.NaN, 1e-9, 0.5, 0.15),
        Float32Array.of(0.05, 0.3000001, 0.2999999, 0.15),
      ],
      mask: Uint8Array.of(1, 1, 1, 0),
      crs: 'EPSG:32633',
      bounds: [0, 0, 40, 10] as [number, number, number, number],
      scale: 'reflectance' as const,
    };
    expect(Array.from(renderRgb(img).data)).toEqual([
      0,
      0,
      stretchReflectance(Math.fround(0.05)),
      0,
      stretchReflectance(1e-9),
      255,
      255,
      255,
      stretchReflectance(Math.fround(0.2999999)),
      0,
      0,
      0,
    ]);
  });
});
