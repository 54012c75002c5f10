import type { ChipState } from '../../src/detect/index.ts';
import type { ImageValue } from '../../src/imagery/image.ts';

/** A size × size reflectance image with one constant value per named band, all pixels valid unless `mask` says otherwise. */
export function constantImage(bands: Record<string, number>, size = 4, mask?: Uint8Array): ImageValue {
  const n = size * size;
  return {
    width: size,
    height: size,
    bands: Object.keys(bands),
    data: Object.values(bands).map((v) => new Float32Array(n).fill(v)),
    mask: mask ?? new Uint8Array(n).fill(1),
    crs: null,
    bounds: null,
    scale: 'reflectance',
  };
}

/** A usable, embedded chip state with the given stats (embedding [1, 0, 0], no prompts unless given). */
export function chipState(
  id: number,
  datetime: string,
  stats: Record<string, number>,
  extra: Partial<ChipState> = {},
): ChipState {
  return {
    acquisitionId: id,
    datetime,
    usable: true,
    validFraction: 1,
    embedding: [1, 0, 0],
    prompts: {},
    stats,
    ...extra,
  };
}
