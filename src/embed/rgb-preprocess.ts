/**
 * Chip RGB → the vision tower's input: resize to the model's square size with sharp (skipped when the chip
 * already has that size, as the Hugging Face processor does), rescale, normalise per channel, planar CHW.
 */
import sharp from 'sharp';
import type { RgbImage } from '../imagery/image.ts';
import { InputError } from '../errors.ts';
import type { EmbedInput } from './embedder.ts';
import type { Preprocessing } from './model-manifest.ts';

const KERNELS = { bicubic: 'cubic', bilinear: 'linear', nearest: 'nearest' } as const;

/** Throws InputError naming the chip when its RGB buffer or band values cannot be embedded. */
export function checkChip(chip: EmbedInput): void {
  const { rgb, id } = chip;
  if (!Number.isInteger(rgb.width) || !Number.isInteger(rgb.height) || rgb.width < 1 || rgb.height < 1) {
    throw new InputError(`chip ${id}: RGB size ${rgb.width}×${rgb.height} is not a positive integer size`);
  }
  const pixels = rgb.width * rgb.height;
  if (rgb.data.length !== pixels * 3) {
    const bands = rgb.data.length / pixels;
    throw new InputError(
      `chip ${id}: RGB buffer has ${rgb.data.length} bytes for ${rgb.width}×${rgb.height} pixels ` +
        `(${Number.isInteger(bands) ? `${bands} bands` : 'not a whole number of bands'}); expected 3 bands, ${pixels * 3} bytes`,
    );
  }
  const { image } = chip;
  for (let b = 0; b < image.data.length; b++) {
    const plane = image.data[b]!;
    for (let i = 0; i < plane.length; i++) {
      if (Number.isNaN(plane[i]!) && image.mask[i] !== 0) {
        throw new InputError(
          `chip ${id}: band ${image.bands[b] ?? b} has NaN at valid pixel ${i % image.width},${Math.floor(i / image.width)}`,
        );
      }
    }
  }
}

/** Lookup tables byte → normalised value, one per channel. */
export function normalisationTables(pre: Preprocessing): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v * pre.rescale_factor - pre.mean[c]!) / pre.std[c]!;
    return table;
  });
}

async function resized(rgb: RgbImage, size: number, pre: Preprocessing): Promise<Uint8Array> {
  if (rgb.width === size && rgb.height === size) return rgb.data;
  const out = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(size, size, { fit: 'fill', kernel: KERNELS[pre.resample] })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Writes chips `from`..`to` (exclusive) into one NCHW float32 batch. Resizes run on libuv's threads,
 * so the next batch can be prepared while the current one is in inference.
 */
export async function preprocessBatch(
  chips: readonly EmbedInput[],
  from: number,
  to: number,
  pre: Preprocessing,
  tables: Float32Array[],
): Promise<Float32Array> {
  const size = pre.image_size;
  const plane = size * size;
  const batch = new Float32Array((to - from) * 3 * plane);
  const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
  await Promise.all(
    chips.slice(from, to).map(async (chip, k) => {
      const pixels = await resized(chip.rgb, size, pre);
      const base = k * 3 * plane;
      for (let i = 0, j = 0; i < plane; i++, j += 3) {
        batch[base + i] = t0[pixels[j]!]!;
        batch[base + plane + i] = t1[pixels[j + 1]!]!;
        batch[base + 2 * plane + i] = t2[pixels[j + 2]!]!;
      }
    }),
  );
  return batch;
}
