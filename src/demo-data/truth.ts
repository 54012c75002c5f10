/**
 * Ground truth of the demo series at chip level: which cells of the stable chip grid
 * (`EPSG:<epsg>/<cell m>/<col>/<row>`, col = floor(x / cell), row = floor(y / cell)) an event changed.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError, RasterError } from '../errors.ts';
import type { DemoEvent, DemoManifest } from './types.ts';

/** Chip-level truth of one event. */
export interface EventChips {
  /** The event. */
  event: DemoEvent;
  /** Keys of chips whose pixels are at least `minFraction` changed by this event. */
  positive: string[];
  /** Keys of chips that no event touches at all (not one changed pixel): an alert there is false. */
  negative: string[];
}

/** Reads an 8-bit mask PNG into one byte per pixel, checking its size. */
export async function readMask(path: string, width: number, height: number): Promise<Uint8Array> {
  const out = await sharp(path)
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((cause: unknown) => {
      throw new RasterError(`cannot read ground-truth mask ${path}: ${(cause as Error).message}`, { cause });
    });
  if (out.info.width !== width || out.info.height !== height) {
    throw new RasterError(
      `ground-truth mask ${path} is ${out.info.width}×${out.info.height}, expected ${width}×${height}`,
    );
  }
  return new Uint8Array(out.data.buffer, out.data.byteOffset, width * height);
}

interface Cell {
  key: string;
  col: number;
  row: number;
  total: number;
}

/** The grid cell of every pixel (by its centre), and the cells in north-to-south, west-to-east order. */
function cells(manifest: DemoManifest, chipPx: number): { ofPixel: Int32Array; list: Cell[] } {
  const { width, height, originX, originY, resolutionM: res, epsg } = manifest;
  const cell = chipPx * res;
  const byKey = new Map<string, number>();
  const list: Cell[] = [];
  const ofPixel = new Int32Array(width * height);
  for (let py = 0; py < height; py++) {
    const row = Math.floor((originY - (py + 0.5) * res) / cell);
    for (let px = 0; px < width; px++) {
      const col = Math.floor((originX + (px + 0.5) * res) / cell);
      const key = `EPSG:${epsg}/${cell}/${col}/${row}`;
      let idx = byKey.get(key);
      if (idx === undefined) {
        idx = list.length;
        byKey.set(key, idx);
        list.push({ key, col, row, total: 0 });
      }
      list[idx]!.total++;
      ofPixel[py * width + px] = idx;
    }
  }
  return { ofPixel, list };
}

function order(a: Cell, b: Cell): number {
  return b.row - a.row || a.col - b.col;
}

/**
 * Per event, the chips of the area grid with at least `minFraction` of their pixels changed, and the
 * chips no event changes. `outDir` is where the series was generated (mask paths are relative to it).
 */
export async function truthChips(
  outDir: string,
  manifest: DemoManifest,
  chipPx: number,
  minFraction = 0.05,
): Promise<EventChips[]> {
  if (!Number.isInteger(chipPx) || chipPx < 1)
    throw new InputError(`chip size must be a positive integer, got ${chipPx}`);
  if (!(minFraction > 0 && minFraction <= 1))
    throw new InputError(`minimum changed fraction must be in (0, 1], got ${minFraction}`);
  const { ofPixel, list } = cells(manifest, chipPx);
  const touched = new Uint8Array(list.length);
  const counts: Int32Array[] = [];
  for (const event of manifest.events) {
    const mask = await readMask(join(outDir, event.mask), manifest.width, manifest.height);
    const changed = new Int32Array(list.length);
    for (let i = 0; i < mask.length; i++) if (mask[i]! >= 128) changed[ofPixel[i]!]!++;
    changed.forEach((c, k) => {
      if (c > 0) touched[k] = 1;
    });
    counts.push(changed);
  }
  const sorted = list.map((c, k) => ({ c, k })).sort((a, b) => order(a.c, b.c));
  const negative = sorted.filter(({ k }) => touched[k] === 0).map(({ c }) => c.key);
  return manifest.events.map((event, e) => ({
    event,
    positive: sorted.filter(({ c, k }) => counts[e]![k]! / c.total >= minFraction).map(({ c }) => c.key),
    negative,
  }));
}
