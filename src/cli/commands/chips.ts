/**
 * `driftwatch chips <raster-file|COG-URL|STAC-item-URL>`: cuts one raster or STAC item into the stable
 * chip grid of an area (default: the raster's own footprint, at the raster's own resolution) and prints
 * one line per chip; `--out` writes each chip's true-colour PNG.
 */
import type { Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../../errors.ts';
import {
  CHIP_PX_RANGE,
  DEFAULT_BANDS,
  gridCellsForArea,
  itemToAcquisition,
  nativeResolutionM,
  normalizeBandName,
  openRaster,
  parseArea,
  rasterFootprint,
  readChips,
  type Acquisition,
  type Bbox,
  type Chip,
  type RasterInfo,
  type ValidArea,
  validChipPx,
} from '../../imagery/index.ts';
import { httpRequest } from '../../imagery/http.ts';
import { formatRetry, onRetry } from '../../imagery/retry-budget.ts';
import { planetaryComputerTokenUrl } from '../../imagery/planetary-computer.ts';
import { parseJson } from '../../imagery/stac-api-source.ts';
import type { Preset } from '../../imagery/stac-item.ts';

/** Options of the chips command. */
interface ChipsFlags {
  /** GeoJSON file of the area. */
  aoi?: string;
  /** Chip size in pixels. */
  size: string;
  /** Pixel size in metres (default: the raster's own). */
  resolution?: string;
  /** Comma-separated band names: the file's bands in order (GeoTIFF), or the bands to read (STAC item). */
  bands?: string;
  /** Print JSON lines. */
  json?: boolean;
  /** Folder for PNGs. */
  out?: string;
  /** Largest area in km² of an --aoi. */
  maxAreaKm2: string;
  /** Smallest valid fraction of a usable chip. */
  minValid: string;
}

export function register(program: Command): void {
  program
    .command('chips')
    .description('cut a raster file, COG URL or STAC item into stable grid chips')
    .argument('<input>', 'GeoTIFF file, COG URL, or STAC item URL/file (.json)')
    .option('--aoi <file>', 'GeoJSON area (default: the raster footprint)')
    .option('--size <px>', 'chip size in pixels', '256')
    .option('--resolution <m>', "pixel size in metres (default: the raster's own, to two digits)")
    .option(
      '--bands <names>',
      'comma-separated band names: of a GeoTIFF, all its bands in file order (e.g. red,green,blue,nir); of a STAC item, the bands to read',
    )
    .option('--json', 'one JSON object per chip')
    .option('--out <dir>', 'write each chip as a true-colour PNG')
    .option('--max-area-km2 <km2>', 'largest accepted --aoi (the raster footprint has no limit)', '10000')
    .option('--min-valid <fraction>', 'smallest valid fraction of a usable chip', '0.5')
    .action(async (input: string, flags: ChipsFlags) => {
      const stop = onRetry((notice) => process.stderr.write(`${formatRetry(notice)}\n`));
      try {
        await runChips(input, flags);
      } finally {
        stop();
      }
    });
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new InputError(`${name} must be a positive number, got "${value}"`);
  return n;
}

/** Band names of --bands: non-empty, distinct, mapped onto the project's names where known (B4 → red). */
function parseBands(value: string): string[] {
  const names = value.split(',').map((b) => b.trim());
  if (names.some((b) => b === ''))
    throw new InputError(`--bands "${value}" has an empty band name (give names separated by commas)`);
  const mapped = names.map((b) => normalizeBandName(b) ?? b);
  const dup = mapped.find((b, i) => mapped.indexOf(b) !== i);
  if (dup !== undefined) throw new InputError(`--bands "${value}" names band "${dup}" twice`);
  return mapped;
}

async function runChips(inputArg: string, flags: ChipsFlags): Promise<void> {
  const chipPx = Number(flags.size);
  if (!/^\d+$/.test(flags.size.trim()) || !validChipPx(chipPx))
    throw new InputError(
      `--size must be an integer from ${CHIP_PX_RANGE.min} to ${CHIP_PX_RANGE.max} pixels, got "${flags.size}"`,
    );
  const givenResolution =
    flags.resolution === undefined ? undefined : positive('--resolution', flags.resolution);
  const maxAreaKm2 = positive('--max-area-km2', flags.maxAreaKm2);
  const minValidFraction = Number(flags.minValid);
  if (!(minValidFraction >= 0 && minValidFraction <= 1))
    throw new InputError(`--min-valid must be a fraction in [0, 1], got "${flags.minValid}"`);
  const bands = flags.bands === undefined ? undefined : parseBands(flags.bands);
  const input = await loadInput(inputArg, bands);
  // The area limit guards user AOIs; a raster's own footprint is as large as the raster is.
  const area: ValidArea = flags.aoi
    ? parseArea(readJsonFile(flags.aoi), { maxAreaKm2 })
    : parseArea(input.footprint, { maxAreaKm2: Infinity });
  let resolutionM = givenResolution;
  if (resolutionM === undefined) {
    resolutionM = await input.nativeResolution(area.epsg);
    process.stderr.write(`chips: ${resolutionM} m pixels (the input's own; --resolution to change)\n`);
  }
  const grid = { epsg: area.epsg, chipPx, resolutionM };
  const cells = gridCellsForArea(area, grid);
  if (flags.out) mkdirSync(flags.out, { recursive: true });
  const batch = 8;
  for (let i = 0; i < cells.length; i += batch) {
    const chips = await readChips(input.acquisition, cells.slice(i, i + batch), grid, {
      minValidFraction,
      bands: input.readBands,
    });
    for (const chip of chips) {
      process.stdout.write(`${flags.json ? JSON.stringify(describeChip(chip)) : textLine(chip)}\n`);
      if (flags.out) await writePng(chip, flags.out);
    }
  }
}

/** The JSON line of one chip. */
export function describeChip(chip: Chip): Record<string, unknown> {
  return {
    key: chip.key,
    crs: `EPSG:${chip.epsg}`,
    bounds: chip.bounds,
    lonlatBounds: chip.lonlatBounds,
    validFraction: chip.validFraction,
    usable: chip.usable,
    bands: chip.image.bands,
  };
}

function textLine(chip: Chip): string {
  return `${chip.key}  valid ${(chip.validFraction * 100).toFixed(1)}%${chip.usable ? '' : ' (unusable)'}  bands ${chip.image.bands.join(',')}`;
}

/** PNG file name of a chip: its key with ':' and '/' replaced. */
export function pngName(key: string): string {
  return `${key.replace(':', '-').replaceAll('/', '_')}.png`;
}

async function writePng(chip: Chip, dir: string): Promise<void> {
  await sharp(Buffer.from(chip.rgb.data), {
    raw: { width: chip.rgb.width, height: chip.rgb.height, channels: 3 },
  })
    .png()
    .toFile(join(dir, pngName(chip.key)));
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError(`${file} is not valid JSON`);
  }
}

function bboxPolygon([w, s, e, n]: Bbox): unknown {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}

/** Host-based presets for well-known STAC APIs. */
function presetFor(url: string): Preset | undefined {
  if (/earth-search\.aws\.element84\.com/.test(url)) return 'earth-search';
  if (/planetarycomputer\.microsoft\.com/.test(url)) return 'planetary-computer';
  return undefined;
}

/** What the chips command reads. */
interface LoadedInput {
  /** The raster or item as an acquisition. */
  acquisition: Acquisition;
  /** GeoJSON of the default area: the raster's outline or the item's geometry. */
  footprint: unknown;
  /** Bands to read (default: readChips's choice). */
  readBands?: string[];
  /** The input's own pixel size in metres on a grid in EPSG:`gridEpsg`. */
  nativeResolution(gridEpsg: number): Promise<number>;
}

async function loadInput(input: string, bands: string[] | undefined): Promise<LoadedInput> {
  const isUrl = /^https?:\/\//i.test(input);
  if (/\.json(\?.*)?$/i.test(input)) {
    const json = isUrl
      ? parseJson((await httpRequest(input, { method: 'GET' }, { refusedIsFinal: true })).body, input)
      : readJsonFile(input);
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new InputError(`${input} is not a STAC item: expected a JSON object`);
    const preset = isUrl ? presetFor(input) : undefined;
    const collection = (json as { collection?: unknown }).collection;
    const tokenUrl =
      preset === 'planetary-computer' && typeof collection === 'string'
        ? planetaryComputerTokenUrl(collection)
        : undefined;
    const acquisition = itemToAcquisition(json, {
      source: preset ?? 'cli',
      base: isUrl ? input : resolve(input),
      preset,
      tokenUrl,
    });
    const item = json as { geometry?: unknown; bbox?: number[] };
    const footprint = item.geometry ?? (item.bbox ? bboxPolygon(item.bbox.slice(0, 4) as Bbox) : null);
    if (!footprint) throw new InputError(`STAC item ${input} has neither geometry nor bbox: give --aoi`);
    return {
      acquisition,
      footprint,
      readBands: bands,
      nativeResolution: (gridEpsg) => itemResolution(json, acquisition, bands, gridEpsg),
    };
  }
  const href = isUrl ? input : resolve(input);
  const reader = openRaster(href);
  let info: RasterInfo;
  try {
    info = await reader.info();
  } finally {
    await reader.close();
  }
  if (bands && bands.length !== info.bands.length) {
    throw new InputError(
      `--bands "${bands.join(',')}" names ${bands.length} band(s) but ${href} has ${info.bands.length}: name each band in file order`,
    );
  }
  const names = bands ?? info.bands;
  return {
    acquisition: {
      source: 'cli',
      itemId: href,
      datetime: new Date(0).toISOString(),
      cloudCover: null,
      epsg: info.epsg,
      assets: Object.fromEntries(names.map((b, i) => [b, `${href}#band=${i + 1}`])),
      properties: {},
    },
    footprint: rasterFootprint(info),
    readBands: bands?.filter((b) => b !== 'alpha'),
    nativeResolution: (gridEpsg) => Promise.resolve(nativeResolutionM(info, gridEpsg)),
  };
}

/**
 * A STAC item's pixel size: its `gsd`, else the finest `gsd` / `raster:bands` spatial_resolution of its
 * assets, else that of the first band's raster header.
 */
async function itemResolution(
  json: unknown,
  acquisition: Acquisition,
  bands: string[] | undefined,
  gridEpsg: number,
): Promise<number> {
  const item = json as {
    properties?: { gsd?: unknown };
    assets?: Record<string, { gsd?: unknown; 'raster:bands'?: Array<{ spatial_resolution?: unknown }> }>;
  };
  const gsd = item.properties?.gsd;
  if (typeof gsd === 'number' && gsd > 0) return gsd;
  const sizes: number[] = [];
  for (const asset of Object.values(item.assets ?? {})) {
    if (typeof asset.gsd === 'number' && asset.gsd > 0) sizes.push(asset.gsd);
    for (const b of asset['raster:bands'] ?? [])
      if (typeof b.spatial_resolution === 'number' && b.spatial_resolution > 0)
        sizes.push(b.spatial_resolution);
  }
  if (sizes.length > 0) return Math.min(...sizes);
  const first =
    (bands ?? DEFAULT_BANDS).find((b) => acquisition.assets[b]) ?? Object.keys(acquisition.assets)[0];
  if (!first) throw new InputError(`STAC item "${acquisition.itemId}" has no band assets`);
  const href = acquisition.assets[first]!.replace(/#band=\d+$/, '');
  const reader = openRaster(href);
  try {
    return nativeResolutionM(await reader.info(), gridEpsg);
  } finally {
    await reader.close();
  }
}
