// A synthetic scene for the pair detector: 16 vegetated chips of 16 × 16 pixels, with the same relief on
// both dates and a little deterministic noise.
import type { PairChipInput } from '../../src/detect/pair-detector.ts';
import type { ImageValue } from '../../src/imagery/image.ts';

/** Deterministic noise in [-0.5, 0.5). */
export function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export const BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'];
/** Reflectance of vegetation, per band of BANDS. */
export const VEG = [0.04, 0.07, 0.05, 0.35, 0.2, 0.1];
/** Open water. */
export const WATER = [0.06, 0.08, 0.05, 0.03, 0.015, 0.01];
/** New roof / concrete. */
export const ROOF = [0.2, 0.22, 0.24, 0.28, 0.32, 0.3];

export function image(size: number, pixel: (i: number) => number[], rand: () => number): ImageValue {
  const n = size * size;
  const data = BANDS.map(() => new Float32Array(n));
  for (let i = 0; i < n; i++) {
    const v = pixel(i);
    const shade = 0.7 + 0.6 * (((i * 37) % 256) / 256); // same relief on both dates
    for (let b = 0; b < BANDS.length; b++) data[b]![i] = shade * v[b]! + 0.004 * rand();
  }
  return {
    width: size,
    height: size,
    bands: BANDS,
    data,
    mask: new Uint8Array(n).fill(1),
    crs: null,
    bounds: null,
    scale: 'reflectance',
  };
}

/** A 4 × 4 scene of 16-pixel vegetated chips; `after` says what chip k's pixel i becomes. */
export function scene(
  after: (k: number, i: number) => number[] | null,
  before?: (k: number, i: number) => number[] | null,
) {
  const rand = noise(7);
  const chips: PairChipInput[] = [];
  for (let k = 0; k < 16; k++) {
    chips.push({
      key: `c${k}`,
      before: image(16, (i) => before?.(k, i) ?? VEG, rand),
      after: image(16, (i) => after(k, i) ?? VEG, rand),
    });
  }
  return chips;
}
