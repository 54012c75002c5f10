/**
 * Chips: an acquisition's bands read over grid cells, one Chip per cell. Each band asset is read through
 * a windowed, warped `part` onto the cell's pixel grid (20 m bands land on the 10 m grid; scenes in other
 * CRSs are warped). The validity mask combines nodata of every band, pixels outside the scene and the
 * Sentinel-2 scene classification (SCL classes 0 no data, 1 saturated/defective, 3 cloud shadow,
 * 8 and 9 cloud, 10 thin cirrus are invalid), and with them every pixel within the cloud buffer of a
 * cloud or shadow (cloud-buffer.ts; Landsat's QA_PIXEL carries its own dilated-cloud bit). Cells with too few valid pixels are marked unusable, never dropped.
 * A pass of several items (tiles of one scene) is mosaicked per cell, see readChips. Large reads run in
 * batches of consecutive cells on worker threads (chip-pool.ts), one per core.
 */
import { availableParallelism } from 'node:os';
import { OutsideRasterError, RasterError } from '../errors.ts';
import { DEFAULT_BANDS } from './band-names.ts';
import type { Chip } from './chip.ts';
import { chipWorkerPool } from './chip-pool.ts';
import { transformBounds } from './crs.ts';
import type { GridCell, GridSpec } from './grid.ts';
import type { HttpOptions } from './http.ts';
import type { Bbox, ImageValue } from './image.ts';
import { andMask, clearFlagged, countValid, zeroInvalid } from './mask-words.ts';
import { offsetStillPresent } from './offset-check.ts';
import { planetaryComputerSigner } from './planetary-computer.ts';
import { passItems } from './passes.ts';
import { applyQaBands, isQaBand } from './qa-bands.ts';
import { CLOUD_SCL, cloudBufferPixels, dilateFlags } from './cloud-buffer.ts';
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
  /** Worker threads that decode tiles when the chips are read on the calling thread (default one per core; 0 decodes on the calling thread). */
  decodeWorkers?: number;
  /**
   * Worker threads that read the chips, each a batch of consecutive cells at a time with files of its
   * own (default one per core when there are at least MIN_CELLS_PER_WORKER cells per worker, else 0:
   * the calling thread reads them).
   */
  workers?: number;
}

/** Cells per worker below which readChips reads on the calling thread by default (every batch opens the files anew). */
export const MIN_CELLS_PER_WORKER = 16;

/** Worker threads for a read of `cells` cells. */
function workerCount(requested: number | undefined, cells: number): number {
  if (requested !== undefined) return Math.max(0, Math.floor(requested));
  const cores = availableParallelism();
  return cores > 1 ? Math.min(cores, Math.floor(cells / MIN_CELLS_PER_WORKER)) : 0;
}

/** SCL classes that make a pixel invalid. */
export const INVALID_SCL = new Set([0, 1, 3, 8, 9, 10]);

/** What an SCL value means for validity: bit 1 an invalid class (INVALID_SCL), bit 2 cloud or shadow (CLOUD_SCL). */
function sclCodeOf(v: number): number {
  return (INVALID_SCL.has(v) ? 1 : 0) | (CLOUD_SCL.has(v) ? 2 : 0);
}

/** sclCodeOf over the byte values. */
const SCL_CODE = Uint8Array.from({ length: 256 }, (_, v) => sclCodeOf(v));

function sclCode(v: number): number {
  return v >= 0 && v < 256 && (v | 0) === v ? SCL_CODE[v]! : sclCodeOf(v);
}

function invalidScl(v: number): boolean {
  return (sclCode(v) & 1) === 1;
}

/** The open files of one item of the acquisition. */
interface ItemFiles {
  itemId: string;
  reads: FileRead[];
}

interface FileRead {
  href: string;
  reader: RasterReader;
  /** Project band names read from this file. */
  bands: string[];
  info: RasterInfo;
  /** Footprint in the grid CRS. */
  footprint: Bbox;
}

/** One item's pixels over one cell. */
interface Layer {
  planes: Map<string, Float32Array>;
  mask: Uint8Array;
  valid: number;
  display: boolean;
}

/**
 * Reads the acquisition's bands over the given grid cells; one Chip per cell (all cells returned, unusable
 * ones marked). A pass of several items is mosaicked per chip: the item with the most valid pixels in the
 * chip gives them, pixels it lacks come from the others in the same order (first valid pixel wins). A chip
 * that no item covers has valid fraction 0; partial coverage never fails the batch.
 */
export async function readChips(
  acquisition: Acquisition,
  cells: GridCell[],
  grid: GridSpec,
  options: ChipOptions = {},
): Promise<Chip[]> {
  const workers = workerCount(options.workers, cells.length);
  if (workers > 0 && cells.length > 0) return readInWorkers(acquisition, cells, grid, options, workers);
  const items = passItems(acquisition);
  const stackBands = chooseStackBands(items, options.bands);
  const opened: ItemFiles[] = [];
  try {
    for (const item of items) opened.push(await openFiles(item, stackBands, grid, options));
    const out: Chip[] = new Array<Chip>(cells.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cells.length) {
        const i = next++;
        out[i] = await readCell(cells[i]!, opened, stackBands, grid, options);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, cells.length)) }, worker),
    );
    return out;
  } finally {
    await Promise.all(opened.flatMap((o) => o.reads.map((f) => f.reader.close())));
  }
}

/** readChips on `workers` worker threads: consecutive batches of cells, results in the cells' order. */
async function readInWorkers(
  acquisition: Acquisition,
  cells: GridCell[],
  grid: GridSpec,
  options: ChipOptions,
  workers: number,
): Promise<Chip[]> {
  const pool = chipWorkerPool(workers);
  const { minValidFraction, bands, concurrency, resampling, http } = options;
  const jobOptions = { minValidFraction, bands, concurrency, resampling, http };
  const batches: Array<Promise<Chip[]>> = [];
  const bounds = batchBounds(cells, workers);
  for (let b = 0; b + 1 < bounds.length; b++)
    batches.push(
      pool.read(
        { acquisition, cells: cells.slice(bounds[b], bounds[b + 1]), grid, options: jobOptions },
        options.signal,
      ),
    );
  // Every batch settles before the first failure is raised, so no worker is left reading for nobody.
  const settled = await Promise.allSettled(batches);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.flatMap((r) => (r as PromiseFulfilledResult<Chip[]>).value);
}

/**
 * Where the cells are cut into one batch per worker: near-equal runs of consecutive cells, each cut
 * moved to the nearest start of a grid row. Every batch decodes the tiles under it once and a tile
 * under two batches twice, so few, compact batches decode least: cutting into more batches than
 * workers (to even out finishing times) decoded 2–3 times the tiles of one thread on the Sentinel-2
 * layout and cost more than it evened out.
 */
export function batchBounds(cells: GridCell[], workers: number): number[] {
  const n = cells.length;
  const rowStarts: number[] = [];
  for (let i = 1; i < n; i++) if (cells[i]!.row !== cells[i - 1]!.row) rowStarts.push(i);
  const bounds = [0];
  for (let k = 1; k < workers; k++) {
    const target = Math.round((k * n) / workers);
    let cut = target;
    let best = Infinity;
    for (const s of rowStarts) {
      const d = Math.abs(s - target);
      // Snap only within half a batch, so that batches stay near-equal where rows are long.
      if (d < best && d <= n / (2 * workers)) {
        best = d;
        cut = s;
      }
    }
    if (cut > bounds[bounds.length - 1]! && cut < n) bounds.push(cut);
  }
  bounds.push(n);
  return bounds;
}

/** The stack: the requested bands (every item must have them), else the default bands every item has. */
function chooseStackBands(items: Acquisition[], requested: string[] | undefined): string[] {
  if (requested) {
    for (const item of items) {
      const missing = requested.filter((b) => !item.assets[b]);
      if (missing.length > 0) {
        throw new RasterError(
          `item "${item.itemId}" lacks band asset${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (has: ${Object.keys(item.assets).join(', ') || 'none'})`,
        );
      }
    }
    return [...requested];
  }
  const inAll = (b: string) => items.every((item) => item.assets[b] !== undefined);
  let bands = DEFAULT_BANDS.filter(inAll);
  if (bands.length === 0)
    bands = Object.keys(items[0]!.assets).filter(
      (b) => b !== 'scl' && b !== 'alpha' && !isQaBand(b) && inAll(b),
    );
  if (bands.length === 0) {
    const name =
      items.length === 1
        ? `item "${items[0]!.itemId}"`
        : `pass of ${items.map((i) => `"${i.itemId}"`).join(', ')}`;
    throw new RasterError(`${name} has no band assets${items.length > 1 ? ' common to its items' : ''}`);
  }
  return bands;
}

async function openFiles(
  acq: Acquisition,
  stackBands: string[],
  grid: GridSpec,
  options: ChipOptions,
): Promise<ItemFiles> {
  const masks = Object.keys(acq.assets).filter(
    (b) => (b === 'scl' || isQaBand(b)) && !stackBands.includes(b),
  );
  const readBands = [...stackBands, ...masks];

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
      let reader = openRaster(href, {
        http: options.http,
        sign,
        bandNames,
        scaling,
        decodeWorkers: options.decodeWorkers,
      });
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
        reader = openRaster(href, {
          http: options.http,
          sign,
          bandNames: names,
          scaling,
          decodeWorkers: options.decodeWorkers,
        });
        info = await reader.info({ signal: options.signal });
      }
      reads.push({
        href,
        reader,
        bands: list.map((e) => e.band),
        info,
        footprint: transformBounds(info.bounds, info.crs, grid.epsg),
      });
    }
  } catch (err) {
    await Promise.all(reads.map((r) => r.reader.close()));
    throw err;
  }
  return { itemId: acq.itemId, reads };
}

async function readCell(
  cell: GridCell,
  items: ItemFiles[],
  stackBands: string[],
  grid: GridSpec,
  options: ChipOptions,
): Promise<Chip> {
  const size = grid.chipPx;
  const n = size * size;
  const layers: Layer[] = [];
  for (const item of items) {
    const layer = await readLayer(cell, item.reads, grid, options);
    if (layer) layers.push(layer);
  }
  // Most valid pixels first; the sort is stable, so ties keep the items' order.
  layers.sort((a, b) => b.valid - a.valid);
  let data: Float32Array[];
  let mask: Uint8Array;
  if (layers.length === 1) {
    // One item: its planes become the chip's, zero where invalid (as the mosaic below leaves them).
    const layer = layers[0]!;
    data = stackBands.map((b) => layer.planes.get(b)!);
    mask = layer.mask;
    zeroInvalid(data, mask);
  } else {
    data = stackBands.map(() => new Float32Array(n));
    mask = new Uint8Array(n);
  }
  for (const layer of layers.length === 1 ? [] : layers) {
    const planes = stackBands.map((b) => layer.planes.get(b)!);
    for (let i = 0; i < n; i++) {
      if (mask[i] === 1 || layer.mask[i] === 0) continue;
      mask[i] = 1;
      for (let k = 0; k < planes.length; k++) data[k]![i] = planes[k]![i]!;
    }
  }
  const image: ImageValue = {
    width: size,
    height: size,
    bands: [...stackBands],
    data,
    mask,
    crs: `EPSG:${grid.epsg}`,
    bounds: [...cell.bounds] as Bbox,
    scale: layers.some((l) => l.display) ? 'display' : 'reflectance',
  };
  // As image.ts's validFraction, a word at a time.
  const vf = n === 0 ? 0 : countValid(mask) / n;
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

/** One item's bands over the cell with their validity (nodata of every band, SCL), or null when it does not cover the cell. */
async function readLayer(
  cell: GridCell,
  reads: FileRead[],
  grid: GridSpec,
  options: ChipOptions,
): Promise<Layer | null> {
  const size = grid.chipPx;
  const n = size * size;
  const planes = new Map<string, Float32Array>();
  let display = false;
  const crs = `EPSG:${grid.epsg}`;
  if (!reads.every((f) => covers(f, cell, grid))) return null;
  const read = (f: FileRead, bands: string[], resampling: Resampling): Promise<ImageValue> =>
    f.reader.part(cell.bounds, crs, { width: size, height: size, bands, signal: options.signal, resampling });
  // SCL is read over the cell grown by the cloud buffer (cloud-buffer.ts), so a cloud just outside the
  // cell masks its halo inside it; the window is then cut back to the cell.
  const res = (cell.bounds[2] - cell.bounds[0]) / size;
  const pad = cloudBufferPixels(res);
  // Pixels of the cell that SCL makes invalid: an invalid class, or within the buffer of a cloud or
  // shadow; set when SCL is read with its buffer.
  let sclBad: Uint8Array | null = null;
  const readScl = async (f: FileRead, bands: string[]): Promise<ImageValue> => {
    if (bands.length === 1) {
      const blocks = await sclInBlocks(f, cell, grid, pad, options.signal);
      if (blocks) return blocks;
    }
    const [x0, y0, x1, y1] = cell.bounds;
    const d = pad * res;
    const wide = await f.reader.part([x0 - d, y0 - d, x1 + d, y1 + d], crs, {
      width: size + 2 * pad,
      height: size + 2 * pad,
      bands,
      signal: options.signal,
      resampling: 'nearest',
    });
    const scl = wide.data[wide.bands.indexOf('scl')]!;
    const w = wide.width;
    // Plain loops over typed arrays: typed-array `from` with a mapping callback was the costliest step
    // of the whole read (most of the main thread's time on a Sentinel-2 scene).
    // Each value classified once (sclCode), cloud and shadow flagged where the window is valid.
    const codes = new Uint8Array(scl.length);
    const flags = new Uint8Array(scl.length);
    const wideMask = wide.mask;
    let clouds = 0;
    for (let i = 0; i < scl.length; i++) {
      const code = sclCode(scl[i]!);
      codes[i] = code;
      if ((code & 2) !== 0 && wideMask[i]) {
        flags[i] = 1;
        clouds++;
      }
    }
    // Without a cloud or shadow pixel in the grown window there is nothing to buffer.
    const near = clouds > 0 ? dilateFlags(flags, w, wide.height, pad) : null;
    const bad = new Uint8Array(n);
    for (let r = 0; r < size; r++) {
      const from = (r + pad) * w + pad;
      const to = r * size;
      if (near) for (let c = 0; c < size; c++) bad[to + c] = (codes[from + c]! & 1) | near[from + c]!;
      else for (let c = 0; c < size; c++) bad[to + c] = codes[from + c]! & 1;
    }
    sclBad = bad;
    // The SCL plane itself is not kept (its classes are in sclBad); other mask bands are.
    const keep = wide.bands.flatMap((b, k) => (b === 'scl' ? [] : [k]));
    return cutWindow(
      { ...wide, bands: keep.map((k) => wide.bands[k]!), data: keep.map((k) => wide.data[k]!) },
      pad,
      size,
    );
  };
  // Every file's window at once, so their fetches and decoding overlap.
  const jobs: Array<Promise<ImageValue>> = [];
  for (const f of reads) {
    const continuous = f.bands.filter((b) => b !== 'scl' && !isQaBand(b));
    const masks = f.bands.filter((b) => b === 'scl' || isQaBand(b));
    if (continuous.length > 0) jobs.push(read(f, continuous, options.resampling ?? 'bilinear'));
    if (masks.includes('scl') && pad > 0) jobs.push(readScl(f, masks));
    else if (masks.length > 0) jobs.push(read(f, masks, 'nearest'));
  }
  let parts: ImageValue[];
  try {
    parts = await Promise.all(jobs);
  } catch (err) {
    if (err instanceof OutsideRasterError) return null;
    throw err;
  }
  // The first window's mask (a fresh array of the cell's size) becomes the layer's; the others are merged in.
  const mask = parts[0]?.mask ?? new Uint8Array(n).fill(1);
  for (const img of parts) {
    if (img.scale === 'display') display = true;
    if (img.mask !== mask) andMask(mask, img.mask);
    img.bands.forEach((b, k) => planes.set(b, img.data[k]!));
  }
  const scl = planes.get('scl');
  applyQaBands(planes, mask);
  if (sclBad) clearFlagged(mask, sclBad);
  else if (scl) for (let i = 0; i < n; i++) if (mask[i] === 1 && invalidScl(scl[i]!)) mask[i] = 0;
  return { planes, mask, valid: countValid(mask), display };
}

/**
 * The cell's validity from a file holding SCL alone whose pixels are k × k blocks of the grid's pixels
 * (Sentinel-2's 20 m SCL on a 10 m grid, k = 2), aligned with the cell grown by the buffer, with a
 * buffer of whole blocks; null otherwise. SCL read nearest onto the grid gives every grid pixel of a
 * block the block's class, and a square buffer of k·r grid pixels around whole blocks covers exactly the
 * blocks within r of them, so classifying and buffering the blocks and giving each grid pixel its
 * block's result is the same mask as doing it on the grid, on a k²-th of the pixels. The result holds
 * no band, only the mask (0 where SCL is missing, invalid or within the buffer of a cloud or shadow).
 */
async function sclInBlocks(
  f: FileRead,
  cell: GridCell,
  grid: GridSpec,
  pad: number,
  signal: AbortSignal | undefined,
): Promise<ImageValue | null> {
  const size = grid.chipPx;
  const [x0, y0, x1, y1] = cell.bounds;
  const res = (x1 - x0) / size;
  const crs = `EPSG:${grid.epsg}`;
  if (f.info.crs !== crs) return null;
  const [rx, ry] = f.info.resolution;
  const k = Math.round(rx / res);
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.abs(b);
  if (k < 2 || !near(rx, k * res) || !near(ry, rx) || pad % k !== 0 || size % k !== 0) return null;
  const d = pad * res;
  const gx = (x0 - d - f.info.bounds[0]) / rx;
  const gy = (f.info.bounds[3] - (y1 + d)) / ry;
  if (Math.abs(gx - Math.round(gx)) > 1e-6 || Math.abs(gy - Math.round(gy)) > 1e-6) return null;
  const w = (size + 2 * pad) / k;
  const r = pad / k;
  const blocks = await f.reader.part([x0 - d, y0 - d, x1 + d, y1 + d], crs, {
    width: w,
    height: w,
    bands: ['scl'],
    signal,
    resampling: 'nearest',
  });
  const scl = blocks.data[0]!;
  const present = blocks.mask;
  const flags = new Uint8Array(w * w);
  // Per block: 1 where the grid pixels are valid before the buffer (SCL present, class not invalid).
  const ok = new Uint8Array(w * w);
  let clouds = 0;
  for (let i = 0; i < scl.length; i++) {
    const code = sclCode(scl[i]!);
    if (present[i] === 0) continue;
    if ((code & 1) === 0) ok[i] = 1;
    if ((code & 2) !== 0) {
      flags[i] = 1;
      clouds++;
    }
  }
  const buffered = clouds > 0 ? dilateFlags(flags, w, w, r) : null;
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const from = ((y / k) | 0) * w + r * w + r;
    const to = y * size;
    for (let x = 0; x < size; x++) {
      const b = from + ((x / k) | 0);
      mask[to + x] = ok[b]! & (buffered ? buffered[b]! ^ 1 : 1);
    }
  }
  return {
    ...blocks,
    width: size,
    height: size,
    bands: [],
    data: [],
    mask,
    bounds: [...cell.bounds] as Bbox,
  };
}

/** The size×size window at (pad, pad) of a (size + 2·pad)² image. */
function cutWindow(img: ImageValue, pad: number, size: number): ImageValue {
  const data = img.data.map((p) => {
    const out = new Float32Array(size * size);
    for (let r = 0; r < size; r++)
      out.set(p.subarray((r + pad) * img.width + pad, (r + pad) * img.width + pad + size), r * size);
    return out;
  });
  const mask = new Uint8Array(size * size);
  for (let r = 0; r < size; r++)
    mask.set(img.mask.subarray((r + pad) * img.width + pad, (r + pad) * img.width + pad + size), r * size);
  return { ...img, width: size, height: size, data, mask };
}

/** Whether the file may cover the cell: their boxes meet in the grid CRS and in the file's own CRS. */
function covers(f: FileRead, cell: GridCell, grid: GridSpec): boolean {
  if (!intersects(f.footprint, cell.bounds)) return false;
  if (f.info.crs === `EPSG:${grid.epsg}`) return true;
  return intersects(f.info.bounds, transformBounds(cell.bounds, grid.epsg, f.info.crs));
}

function intersects(a: Bbox, b: Bbox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}
