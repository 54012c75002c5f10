/**
 * Reading a folder of real image time series for evaluation (never used by detection itself). Under a
 * root, every folder that holds one of these is one series; other folders are searched below (3 levels):
 * - a subfolder of dated GeoTIFFs `YYYY-MM-DD.tif` (multi-band reflectance with optional `scl`, or one
 *   band of an index named by the folder, e.g. `lndvi/` → NDVI);
 * - a stack `<index>_<N>dates.tif` (band k = date k of `series.json: timestamps`), with an optional
 *   cloud mask stack `clm_<N>dates.tif` (1 = cloud).
 * When a folder has several, the longest series is read. Bands are read through the project's raster
 * reader; pixels that are nodata, SCL-invalid (imagery/chips.ts) or cloud-masked are invalid.
 * A change label `label_loss<YYYY>.tif` in the folder or its `reference/` (255 changed during YYYY, 0
 * unchanged, anything else ignored) makes the series an event series.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { INVALID_SCL } from './chips.ts';
import { bufferClouds, cloudBufferPixels, CLOUD_SCL } from './cloud-buffer.ts';
import type { ImageValue } from './image.ts';
import { openRaster } from './raster-reader.ts';
import { INDEX_NAMES } from '../spectral/indices.ts';

const DATED = /^(\d{4}-\d{2}-\d{2})\.tif$/;
const STACK = /^([a-z]+)_(\d+)dates\.tif$/;
const LABEL = /^label_loss(\d{4})\.tif$/;

/** A per-pixel change label of an event series. */
export interface SeriesLabel {
  /** Row-major per pixel: 255 changed, 0 unchanged, anything else ignored. */
  pixels: Uint8Array;
  /** The calendar year the changed pixels changed in. */
  year: number;
}

/** One series of looks over one grid. */
export interface SeriesSource {
  /** Folder path relative to the root (its name in results). */
  name: string;
  /** Grid width in pixels. */
  width: number;
  /** Grid height in pixels. */
  height: number;
  /** Pixel size in metres. */
  resolutionM: number;
  /** ISO datetimes of the looks, ascending. */
  datetimes: string[];
  /** Reads look i (index into datetimes). */
  read(i: number): Promise<ImageValue>;
  /** The change label, when the series has one. */
  label?: SeriesLabel;
}

function list(dir: string): string[] {
  return readdirSync(dir).sort();
}

function isDir(p: string): boolean {
  return statSync(p).isDirectory();
}

/** The index a folder or file name stands for (`lndvi` → ndvi), if any. */
function indexIn(name: string): string | undefined {
  return [...INDEX_NAMES].sort((a, b) => b.length - a.length).find((n) => name.toLowerCase().includes(n));
}

/**
 * Drops the scl band, turning SCL-invalid pixels invalid, and with them the pixels within the cloud
 * buffer (cloud-buffer.ts) of a cloud or cloud shadow.
 */
function applyScl(image: ImageValue, resolutionM: number): ImageValue {
  const k = image.bands.indexOf('scl');
  if (k < 0) return image;
  const scl = image.data[k]!;
  const cloud = Uint8Array.from(scl, (v) => (CLOUD_SCL.has(v) ? 1 : 0));
  const mask = bufferClouds(
    Uint8Array.from(image.mask, (m, i) => (m && !INVALID_SCL.has(scl[i]!) ? 1 : 0)),
    cloud,
    image.width,
    image.height,
    cloudBufferPixels(resolutionM),
  );
  return {
    ...image,
    bands: image.bands.filter((_, j) => j !== k),
    data: image.data.filter((_, j) => j !== k),
    mask,
  };
}

async function readWhole(href: string, bandNames?: string[], bands?: string[]): Promise<ImageValue> {
  const reader = openRaster(href, bandNames ? { bandNames } : {});
  try {
    const info = await reader.info();
    return await reader.preview({ maxSize: Math.max(info.width, info.height), bands });
  } finally {
    await reader.close();
  }
}

interface Candidate {
  dates: number;
  open: () => Promise<Omit<SeriesSource, 'name' | 'label'>>;
}

async function datedFolder(dir: string, bandName?: string): Promise<Candidate | undefined> {
  const files = list(dir).filter((f) => DATED.test(f));
  if (files.length < 2) return undefined;
  const first = openRaster(join(dir, files[0]!));
  const info = await first.info();
  await first.close();
  let bandNames: string[] | undefined;
  if (bandName !== undefined) bandNames = [bandName];
  else if (info.bands.length === 1 && !['red', 'green', 'blue', 'nir'].includes(info.bands[0]!)) {
    const index = indexIn(basename(dir));
    if (!index) return undefined; // one band that is no optical index (radar backscatter): not read
    bandNames = [index];
  }
  return {
    dates: files.length,
    open: async () => ({
      width: info.width,
      height: info.height,
      resolutionM: info.resolution[0],
      datetimes: files.map((f) => `${DATED.exec(f)![1]}T00:00:00.000Z`),
      read: async (i) => applyScl(await readWhole(join(dir, files[i]!), bandNames), info.resolution[0]),
    }),
  };
}

function stackCandidate(dir: string, file: string): Candidate | undefined {
  const m = STACK.exec(file)!;
  const index = indexIn(m[1]!);
  const meta = join(dir, 'series.json');
  if (!index || !existsSync(meta)) return undefined;
  const timestamps = (JSON.parse(readFileSync(meta, 'utf8')) as { timestamps?: string[] }).timestamps;
  const n = Number(m[2]);
  if (!Array.isArray(timestamps) || timestamps.length !== n) {
    throw new InputError(
      `series ${dir}: ${file} holds ${n} dates but series.json lists ${timestamps?.length ?? 0}`,
    );
  }
  const names = Array.from({ length: n }, (_, k) => `b${k + 1}`);
  const clm = join(dir, `clm_${n}dates.tif`);
  return {
    dates: n,
    open: async () => {
      const reader = openRaster(join(dir, file), { bandNames: names });
      const info = await reader.info();
      await reader.close();
      const iso = timestamps.map((t) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`).toISOString());
      const order = iso.map((_, k) => k).sort((a, b) => iso[a]!.localeCompare(iso[b]!));
      return {
        width: info.width,
        height: info.height,
        resolutionM: info.resolution[0],
        datetimes: order.map((k) => iso[k]!),
        read: async (i) => {
          const band = `b${order[i]! + 1}`;
          const image = await readWhole(join(dir, file), names, [band]);
          let mask: Uint8Array = Uint8Array.from(image.mask);
          if (existsSync(clm)) {
            const cloud = (await readWhole(clm, names, [band])).data[0]!;
            mask = bufferClouds(
              mask,
              Uint8Array.from(cloud, (v) => (v !== 0 ? 1 : 0)),
              image.width,
              image.height,
              cloudBufferPixels(info.resolution[0]),
            );
          }
          return { ...image, bands: [index], mask };
        },
      };
    },
  };
}

async function labelOf(dir: string, width: number, height: number): Promise<SeriesLabel | undefined> {
  for (const d of [dir, join(dir, 'reference')]) {
    if (!existsSync(d) || !isDir(d)) continue;
    const file = list(d).find((f) => LABEL.test(f));
    if (!file) continue;
    const image = await readWhole(join(d, file));
    if (image.width !== width || image.height !== height) {
      throw new InputError(
        `label ${join(d, file)} is ${image.width}×${image.height}, the series grid ${width}×${height}`,
      );
    }
    return { pixels: Uint8Array.from(image.data[0]!), year: Number(LABEL.exec(file)![1]) };
  }
  return undefined;
}

/**
 * The dated single-band GeoTIFFs of one folder (e.g. `s1vv/`, which findSeries does not read) as a series
 * of one band named `band` (e.g. `vv`), values as stored, with the label of the folder's parent.
 */
export async function readDatedFolder(dir: string, band: string): Promise<SeriesSource> {
  const c = await datedFolder(dir, band);
  if (!c) throw new InputError(`series folder ${dir} holds fewer than two dated GeoTIFFs (YYYY-MM-DD.tif)`);
  const series = await c.open();
  return { ...series, name: basename(dir), label: await labelOf(dirname(dir), series.width, series.height) };
}

/** The series under root (see the module comment), sorted by name. */
export async function findSeries(root: string): Promise<SeriesSource[]> {
  if (!existsSync(root) || !isDir(root)) throw new InputError(`series root ${root} is not a folder`);
  const out: SeriesSource[] = [];
  const visit = async (dir: string, name: string, depth: number) => {
    const candidates: Candidate[] = [];
    for (const entry of list(dir)) {
      const p = join(dir, entry);
      if (isDir(p)) {
        const c = await datedFolder(p);
        if (c) candidates.push(c);
      } else if (STACK.test(entry)) {
        const c = stackCandidate(dir, entry);
        if (c) candidates.push(c);
      }
    }
    if (candidates.length > 0) {
      const best = candidates.reduce((a, b) => (b.dates > a.dates ? b : a));
      const series = await best.open();
      out.push({
        ...series,
        name: name || basename(dir),
        label: await labelOf(dir, series.width, series.height),
      });
      return;
    }
    if (depth >= 3) return;
    for (const entry of list(dir)) {
      const p = join(dir, entry);
      if (isDir(p)) await visit(p, name ? `${name}/${entry}` : entry, depth + 1);
    }
  };
  await visit(root, '', 0);
  if (out.length === 0) throw new InputError(`series root ${root} holds no image time series`);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
