/**
 * Before/after pair folders of `compare` and `eval`: `before.*`, `after.*` (GeoTIFF or PNG, read by
 * image-file.ts), an optional `label.png` and `pair.json`; and the listing of a root of set folders of
 * pair folders.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { z } from 'zod';
import { InputError, RasterError } from '../errors.ts';
import type { ImageValue } from './image.ts';
import { readImageFile } from './image-file.ts';

export { parseScale, readImageFile, type ScaleRule } from './image-file.ts';

/** What `pair.json` says about a before/after pair. */
export interface PairMeta {
  /** Band names in file order (Earth Search names: blue, green, red, nir, swir16, swir22). */
  bands: string[];
  /** What the numbers mean, e.g. `uint16 top-of-atmosphere reflectance x10000` or `uint8 display`. */
  scale: string;
  /** Kind of change the pair shows (flood, urban-change, …), when given. */
  kind?: string;
  /** Date of the before image, when given. */
  before?: string;
  /** Date of the after image, when given. */
  after?: string;
}

/** A before/after pair read from its folder. */
export interface Pair {
  /** The folder name. */
  id: string;
  /** The folder. */
  dir: string;
  /** Parsed pair.json. */
  meta: PairMeta;
  /** The before image. */
  before: ImageValue;
  /** The after image, on the same pixel grid as `before`. */
  after: ImageValue;
  /** label.png as one byte per pixel (255 changed, 0 unchanged), or null when the pair has none. */
  label: Uint8Array | null;
}

const metaSchema = z.object({
  bands: z.array(z.string().min(1)).min(1),
  scale: z.string().min(1),
  kind: z.string().optional(),
  before: z.string().optional(),
  after: z.string().optional(),
});

/** The file `dir/<stem>.(tif|tiff|png)`, or undefined. */
function findImage(dir: string, stem: string): string | undefined {
  for (const ext of ['tif', 'tiff', 'png']) {
    const f = join(dir, `${stem}.${ext}`);
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** Reads pair.json of a pair folder. */
export async function readPairMeta(dir: string): Promise<PairMeta> {
  const file = join(dir, 'pair.json');
  if (!existsSync(file)) throw new InputError(`pair folder ${dir} has no pair.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = metaSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`${file} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function readLabel(file: string, width: number, height: number): Promise<Uint8Array> {
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw new RasterError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (info.width !== width || info.height !== height) {
    throw new InputError(`${file} is ${info.width}×${info.height} but the images are ${width}×${height}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, width * height);
}

/**
 * Reads a pair folder: `before.*`, `after.*` (GeoTIFF or PNG), optional `label.png`, `pair.json`.
 * Both images must have the same size and band count; georeferenced pairs must share one CRS
 * (no reprojection is done here: warp them onto one grid first).
 */
export async function readPair(dir: string): Promise<Pair> {
  if (!existsSync(dir)) throw new InputError(`pair folder ${dir} does not exist`);
  const meta = await readPairMeta(dir);
  const beforeFile = findImage(dir, 'before');
  const afterFile = findImage(dir, 'after');
  if (!beforeFile) throw new InputError(`pair folder ${dir} has no before.tif or before.png`);
  if (!afterFile) throw new InputError(`pair folder ${dir} has no after.tif or after.png`);
  const before = await readImageFile(beforeFile, meta.bands, meta.scale);
  const after = await readImageFile(afterFile, meta.bands, meta.scale);
  if (before.width !== after.width || before.height !== after.height) {
    throw new InputError(
      `${dir}: before is ${before.width}×${before.height} but after is ${after.width}×${after.height}`,
    );
  }
  if (before.crs && after.crs && before.crs !== after.crs) {
    throw new InputError(
      `${dir}: before is in ${before.crs} but after is in ${after.crs}; warp them onto one grid`,
    );
  }
  const labelFile = join(dir, 'label.png');
  const label = existsSync(labelFile) ? await readLabel(labelFile, before.width, before.height) : null;
  return { id: basename(dir), dir, meta, before, after, label };
}

/** The subfolders of dir, sorted by name. */
export function subfolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort();
}

/** The set folders of a pairs root (a folder of set folders of pair folders), sorted by name. */
export function pairSetFolders(root: string): string[] {
  if (!existsSync(root)) throw new InputError(`pairs root ${root} does not exist`);
  return subfolders(root);
}
