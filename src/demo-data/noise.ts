/**
 * Smooth spatial noise (value noise summed over octaves, "fBm") for the texture of the demo landscape.
 */
import type { Rng } from './rng.ts';

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * A width × height field of smooth noise, roughly in [-1, 1]: `octaves` layers of value noise, the first
 * with lattice spacing `scale` pixels, each next one at half the spacing and half the amplitude.
 */
export function fbm(width: number, height: number, scale: number, octaves: number, rng: Rng): Float32Array {
  const out = new Float32Array(width * height);
  let amplitude = 1;
  let total = 0;
  let spacing = scale;
  for (let o = 0; o < octaves; o++) {
    const s = Math.max(1, spacing);
    const lw = Math.ceil(width / s) + 2;
    const lh = Math.ceil(height / s) + 2;
    const lattice = new Float32Array(lw * lh);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next() * 2 - 1;
    for (let y = 0; y < height; y++) {
      const fy = y / s;
      const y0 = Math.floor(fy);
      const ty = smooth(fy - y0);
      for (let x = 0; x < width; x++) {
        const fx = x / s;
        const x0 = Math.floor(fx);
        const tx = smooth(fx - x0);
        const a = lattice[y0 * lw + x0]!;
        const b = lattice[y0 * lw + x0 + 1]!;
        const c = lattice[(y0 + 1) * lw + x0]!;
        const d = lattice[(y0 + 1) * lw + x0 + 1]!;
        const top = a + (b - a) * tx;
        const bottom = c + (d - c) * tx;
        out[y * width + x] = out[y * width + x]! + amplitude * (top + (bottom - top) * ty);
      }
    }
    total += amplitude;
    amplitude /= 2;
    spacing /= 2;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
  return out;
}
