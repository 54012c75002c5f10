/**
 * A temporal composite of radar looks: per pixel the mean backscatter power over the looks where it is
 * valid, returned in dB. Averaging n independent looks divides the speckle variance by about n (multi-
 * temporal multilooking), so a baseline composite needs no spatial filter; averaging is done in linear
 * power, as the mean of dB values is biased low. A pixel is valid where at least `minLooks` looks are.
 */
import { InputError } from '../errors.ts';
import type { ImageValue } from '../imagery/image.ts';
import { assertBackscatter } from './radar-water.ts';

/** The dB composite of looks on one grid (same size and bands); throws InputError otherwise. */
export function radarComposite(looks: readonly ImageValue[], minLooks = 1): ImageValue {
  const first = looks[0];
  if (!first) throw new InputError('a radar composite needs at least one look, got none');
  looks.forEach((l, k) => {
    assertBackscatter(l, `radar look ${k}`);
    if (l.width !== first.width || l.height !== first.height || l.bands.join() !== first.bands.join())
      throw new InputError(
        `radar look ${k} is ${l.width}×${l.height} (${l.bands.join(', ')}), look 0 ${first.width}×${first.height} (${first.bands.join(', ')})`,
      );
  });
  const n = first.width * first.height;
  const count = new Uint16Array(n);
  for (const l of looks) for (let i = 0; i < n; i++) count[i]! += l.mask[i]!;
  const mask = Uint8Array.from(count, (c) => (c >= minLooks && c > 0 ? 1 : 0));
  const data = first.bands.map((_, b) => {
    const sum = new Float64Array(n);
    for (const l of looks) {
      const plane = l.data[b]!;
      for (let i = 0; i < n; i++) if (l.mask[i]) sum[i]! += 10 ** (plane[i]! / 10);
    }
    return Float32Array.from(sum, (s, i) => (mask[i] ? 10 * Math.log10(s / count[i]!) : 0));
  });
  return { ...first, data, mask };
}
