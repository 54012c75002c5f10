/**
 * Chips: an acquisition's bands read over grid cells, one Chip per cell. Each band asset is read through
 * a windowed, warped `part` onto the cell's pixel grid (20 m bands land on the 10 m grid; scenes in other
 * CRSs are warped). The validity mask combines nodata of every band, pixels outside the scene and the
 * Sentinel-2 scene classification (SCL classes 0 no data, 1 saturated/defective, 3 cloud shadow,
 * 8 and 9 cloud, 10 thin cirrus are invalid). Cells with too few valid pixels are marked unusable, never dropped.
 */
import { RasterError } from '../errors.ts';
import { DEFAULT_BANDS } from './band-names.ts';
import type { Chip } from './chip.ts';
import { transformBounds } from './crs.ts';
import type { GridCell, GridSpec } from './grid.ts';
import type { HttpOptions } from './http.ts';
import type { Bbox, ImageValue } from './image.ts';
import { validFraction as fractionValid } from './image.ts';
import { offsetStillPresent } from './offset-check.ts';
import { planetaryComputerSigner } from './planetary-computer.ts';
import { openRaster, type BandScaling, type RasterInfo, type RasterReader } from './raster-reader.ts';
import { renderRgb } from './render.ts';
import { HINTS, type Acquisition } from './source.ts';
import type { Resampling } from './warp.ts';

/** Options of readChips. */
export interface ChipOptions {
  /** Smallest valid fraction of a usable chip (default 0.5). */
  minValidFraction?: number;
  /** Bands of the stack (default those of blue green red nir swir16 swir22 that the acquisition has). */
  bands?: string[];
  /** Cancels the reads. */
  signal?: AbortSignal;
  /** Cells read at once (default 4). */
  concurrency?: number;
  /** Resampling of continuous bands (default bilinear); SCL is always nearest. */
  resampling?: Resampling;
  /** HTTP retry and timeout policy. */
  http?: HttpOptions;
}

/** SCL classes that make a pixel invalid. */
export const INVALID_SCL = new Set([0, 1, 3, 8, 9, 10]);

interface FileRead {
  href: string;
  reader: RasterReader;
  /** Project band names read from this file. */
  bands: string[];
  info: RasterInfo;
  /** Footprint in the grid CRS. */
  footprint: Bbox;
}

/** Reads the acquisition's bands over the given grid cells; one Chip per cell (all cells returned, unusable ones marked). */
export async function readChips(
  acquisition: Acquisition,
  cells: GridCell[],
  grid: GridSpec,
  options: ChipOptions = {},
): Promise<Chip[]> {
  const files = await openFiles(acquisition, grid, options);
  try {
    const bands = files.stackBands;
    if (cells.length > 0 && !cells.some((c) => files.reads.every((f) => intersects(f.footprint, c.bounds)))) {
      const f = files.reads[0]!;
      throw new RasterError(
        `area outside the scene: item "${acquisition.itemId}" asset ${f.href} (footprint [${f.footprint.map((v) => Math.round(v)).join(', ')}] in EPSG:${grid.epsg}) intersects none of ${cells.length} cells`,
      );
    }
    const out: Chip[] = new Array<Chip>(cells.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cells.length) {
        const i = next++;
        out[i] = await readCell(cells[i]!, files.reads, bands, grid, options);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, cells.length)) }, worker),
    );
    return out;
  } finally {
    await Promise.all(files.reads.map((f) => f.reader.close()));
  }
}

async function openFiles(
  acq: Acquisition,
  grid: GridSpec,
  options: ChipOptions,
): Promise<{ reads: FileRead[]; stackBands: string[] }> {
  const available = Object.keys(acq.assets);
  let stackBands: string[];
  if (options.bands) {
    const missing = options.bands.filter((b) => !acq.assets[b]);
    if (missing.length > 0) {
      throw new RasterError(
        `item "${acq.itemId}" lacks band asset${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (has: ${available.join(', ') || 'none'})`,
      );
    }
    stackBands = [...options.bands];
  } else {
    stackBands = DEFAULT_BANDS.filter((b) => acq.assets[b]);
    if (stackBands.length === 0) stackBands = available.filter((b) => b !== 'scl' && b !== 'alpha');
    if (stackBands.length === 0) throw new RasterError(`item "${acq.itemId}" has no band assets`);
  }
  const readBands = acq.assets.scl && !stackBands.includes('scl') ? [...stackBands, 'scl'] : stackBands;

  const hinted = (acq.properties[HINTS.scaling] ?? {}) as Record<string, Partial<BandScaling>>;
  const scaling: Record<string, Partial<BandScaling>> = {};
  for (const b of readBands) if (hinted[b]) scaling[b] = { ...hinted[b] };
  const signing = acq.properties[HINTS.signing] as { kind?: string; tokenUrl?: string } | undefined;
  const sign =
    signing?.kind === 'planetary-computer' && signing.tokenUrl
      ? planetaryComputerSigner(signing.tokenUrl, options.http)
      : undefined;
  if (acq.properties[HINTS.offsetCheck] === true) {
    const present = await offsetStillPresent(acq, { http: options.http, sign, signal: options.signal });
    if (!present)
      for (const b of readBands) if (scaling[b] && scaling[b].kind !== 'class') scaling[b].offset = 0;
  }

  // Group bands by file: `path#band=N` picks band N of a multi-band file.
  const groups = new Map<string, Array<{ band: string; index: number | null }>>();
  for (const band of readBands) {
    const href = acq.assets[band]!;
    const m = /^(.*)#band=(\d+)$/.exec(href);
    const file = m ? m[1]! : href;
    const list = groups.get(file) ?? [];
    list.push({ band, index: m ? Number(m[2]) : null });
    groups.set(file, list);
  }
  const reads: FileRead[] = [];
  try {
    for (const [href, list] of groups) {
      let bandNames: string[] | undefined;
      if (list.every((e) => e.index === null)) {
        if (list.length > 1)
          throw new RasterError(
            `item "${acq.itemId}" maps bands ${list.map((e) => e.band).join(', ')} to one file ${href} without #band=N`,
          );
        bandNames = [list[0]!.band];
      }
      let reader = openRaster(href, { http: options.http, sign, bandNames, scaling });
      let info = await reader.info({ signal: options.signal });
      if (!bandNames) {
        // Name the selected bands of a multi-band file by index; the others keep placeholder names.
        const names = Array.from({ length: info.bands.length }, (_, i) => `b${i + 1}`);
        for (const e of list) {
          if (e.index! < 1 || e.index! > names.length)
            throw new RasterError(
              `asset ${href}#band=${e.index} of item "${acq.itemId}": the file has ${names.length} bands`,
            );
          names[e.index! - 1] = e.band;
        }
        await reader.close();
        reader = openRaster(href, { http: options.http, sign, bandNames: names, scaling });
        info = await reader.info({ signal: options.signal });
      }
      reads.push({
        href,
        reader,
        bands: list.map((e) => e.band),
        info,
        footprint: transformBounds(info.bounds, info.epsg, grid.epsg),
      });
    }
  } catch (err) {
    await Promise.all(reads.map((r) => r.reader.close()));
    throw err;
  }
  return { reads, stackBands };
}

async function readCell(
  cell: GridCell,
  reads: FileRead[],
  stackBands: string[],
  grid: GridSpec,
  options: ChipOptions,
): Promise<Chip> {
  const size = grid.chipPx;
  const n = size * size;
  const planes = new Map<string, Float32Array>();
  const mask = new Uint8Array(n).fill(1);
  let display = false;
  for (const f of reads) {
    if (!intersects(f.footprint, cell.bounds)) {
      mask.fill(0);
      for (const b of f.bands) planes.set(b, new Float32Array(n));
      continue;
    }
    const continuous = f.bands.filter((b) => b !== 'scl');
    const parts: ImageValue[] = [];
    const crs = `EPSG:${grid.epsg}`;
    if (continuous.length > 0) {
      parts.push(
        await f.reader.part(cell.bounds, crs, {
          width: size,
          height: size,
          bands: continuous,
          signal: options.signal,
          resampling: options.resampling ?? 'bilinear',
        }),
      );
    }
    if (f.bands.includes('scl')) {
      parts.push(
        await f.reader.part(cell.bounds, crs, {
          width: size,
          height: size,
          bands: ['scl'],
          signal: options.signal,
          resampling: 'nearest',
        }),
      );
    }
    for (const img of parts) {
      if (img.scale === 'display') display = true;
      for (let i = 0; i < n; i++) if (img.mask[i] === 0) mask[i] = 0;
      img.bands.forEach((b, k) => planes.set(b, img.data[k]!));
    }
  }
  const scl = planes.get('scl');
  if (scl) for (let i = 0; i < n; i++) if (INVALID_SCL.has(scl[i]!)) mask[i] = 0;
  const data = stackBands.map((b) => planes.get(b)!);
  for (let i = 0; i < n; i++) if (mask[i] === 0) for (const p of data) p[i] = 0;
  const image: ImageValue = {
    width: size,
    height: size,
    bands: [...stackBands],
    data,
    mask,
    crs: `EPSG:${grid.epsg}`,
    bounds: [...cell.bounds] as Bbox,
    scale: display ? 'display' : 'reflectance',
  };
  const vf = fractionValid(image);
  return {
    key: cell.key,
    epsg: cell.epsg,
    col: cell.col,
    row: cell.row,
    bounds: cell.bounds,
    lonlatBounds: cell.lonlatBounds,
    image,
    validFraction: vf,
    usable: vf >= (options.minValidFraction ?? 0.5),
    rgb: renderRgb(image),
  };
}

function intersects(a: Bbox, b: Bbox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}
