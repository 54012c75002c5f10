/**
 * Evidence tiles of an alert: before and after true-colour PNGs, a change heat-map over the area's chip
 * grid, written once under content-addressed names (`<sha256>.<ext>`).
 * Heat-map: each grid cell is drawn as a square of heatCellPixels(cols, rows) pixels; scores run from
 * blue (0) through pale yellow (0.5) to red (1); non-finite values are grey; highlighted cells get a
 * one-pixel white outline.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../errors.ts';
import type { RgbImage } from '../imagery/image.ts';

/** PNG bytes of the three tiles. */
export interface EvidenceTiles {
  /** Before, true colour. */
  before: Buffer;
  /** After, true colour. */
  after: Buffer;
  /** Per-cell change scores over the area's grid. */
  heatmap: Buffer;
}

/** Input of renderEvidence. */
export interface EvidenceInput {
  /** RGB rendering of the cluster's extent before. */
  before: RgbImage;
  /** RGB rendering of the cluster's extent after. */
  after: RgbImage;
  /** Per-cell scores (row-major, north row first) and cells to outline. */
  heat: { cols: number; rows: number; values: number[]; highlight?: boolean[] };
}

/** Pixels per grid cell in the heat-map: 256 / max(cols, rows), clamped to 4…32. */
export function heatCellPixels(cols: number, rows: number): number {
  return Math.min(32, Math.max(4, Math.floor(256 / Math.max(cols, rows))));
}

const STOPS: Array<[number, [number, number, number]]> = [
  [0, [49, 54, 149]],
  [0.5, [255, 255, 191]],
  [1, [165, 0, 38]],
];

/** Colour of a score in [0, 1] (clamped); grey for non-finite values. */
export function heatColour(v: number): [number, number, number] {
  if (!Number.isFinite(v)) return [128, 128, 128];
  const x = Math.min(1, Math.max(0, v));
  const [[x0, c0], [x1, c1]] = x <= 0.5 ? [STOPS[0]!, STOPS[1]!] : [STOPS[1]!, STOPS[2]!];
  const t = (x - x0) / (x1 - x0);
  return [0, 1, 2].map((i) => Math.round(c0[i]! + t * (c1[i]! - c0[i]!))) as [number, number, number];
}

function checkRgb(name: string, img: RgbImage): void {
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
    throw new InputError(
      `${name} image ${img.width}×${img.height} has ${img.data.length} bytes, expected width×height×3`,
    );
  }
}

function png(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** Draws the heat-map as an RgbImage. */
export function heatmapImage(heat: EvidenceInput['heat']): RgbImage {
  const { cols, rows, values, highlight } = heat;
  if (!(Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0)) {
    throw new InputError(`heat-map grid ${cols}×${rows} must have positive integer size`);
  }
  if (values.length !== cols * rows)
    throw new InputError(`heat-map has ${values.length} values for ${cols}×${rows} cells`);
  if (highlight && highlight.length !== cols * rows) {
    throw new InputError(`heat-map highlight has ${highlight.length} flags for ${cols}×${rows} cells`);
  }
  const px = heatCellPixels(cols, rows);
  const width = cols * px;
  const height = rows * px;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = Math.floor(x / px);
      const r = Math.floor(y / px);
      const cell = r * cols + c;
      const edge = x % px === 0 || y % px === 0 || x % px === px - 1 || y % px === px - 1;
      const colour: [number, number, number] =
        highlight?.[cell] && edge ? [255, 255, 255] : heatColour(values[cell]!);
      data.set(colour, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** before/after: RGB renderings of the cluster's extent; heat: per-cell scores over the area's grid (row-major, north row first). */
export async function renderEvidence(input: EvidenceInput): Promise<EvidenceTiles> {
  checkRgb('before', input.before);
  checkRgb('after', input.after);
  const [before, after, heatmap] = await Promise.all([
    png(input.before),
    png(input.after),
    png(heatmapImage(input.heat)),
  ]);
  return { before, after, heatmap };
}

const EXT: Record<'image/png' | 'text/html', string> = { 'image/png': 'png', 'text/html': 'html' };

/** Writes bytes once under dir/<sha256>.<ext>; returns its sha256, relative path and size. */
export async function writeEvidenceFile(
  dir: string,
  bytes: Buffer,
  mediaType: 'image/png' | 'text/html',
): Promise<{ sha256: string; path: string; bytes: number }> {
  const ext = EXT[mediaType];
  if (!ext) throw new InputError(`unsupported evidence media type "${mediaType as string}"`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = `${sha256}.${ext}`;
  const full = join(dir, path);
  if (!existsSync(full)) {
    await mkdir(dir, { recursive: true });
    // A unique temporary name: identical tiles (e.g. two all-cloud chips) may be written at the same moment.
    const tmp = `${full}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, full);
  }
  return { sha256, path, bytes: bytes.length };
}
