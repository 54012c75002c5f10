/**
 * `driftwatch chips <raster-file|COG-URL|STAC-item-URL>`: cuts one raster or STAC item into the stable
 * chip grid of an area (default: the raster's own footprint) and prints one line per chip; `--out` writes
 * each chip's true-colour PNG.
 */
import type { Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../../errors.ts';
import {
  gridCellsForArea,
  itemToAcquisition,
  openRaster,
  parseArea,
  readChips,
  type Acquisition,
  type Bbox,
  type Chip,
  type ValidArea,
} from '../../imagery/index.ts';
import { httpRequest } from '../../imagery/http.ts';
import { planetaryComputerTokenUrl } from '../../imagery/planetary-computer.ts';
import type { Preset } from '../../imagery/stac-item.ts';

/** Options of the chips command. */
interface ChipsFlags {
  /** GeoJSON file of the area. */
  aoi?: string;
  /** Chip size in pixels. */
  size: string;
  /** Pixel size in metres. */
  resolution: string;
  /** Print JSON lines. */
  json?: boolean;
  /** Folder for PNGs. */
  out?: string;
  /** Largest area in km². */
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
    .option('--resolution <m>', 'pixel size in metres', '10')
    .option('--json', 'one JSON object per chip')
    .option('--out <dir>', 'write each chip as a true-colour PNG')
    .option('--max-area-km2 <km2>', 'largest accepted area', '10000')
    .option('--min-valid <fraction>', 'smallest valid fraction of a usable chip', '0.5')
    .action(async (input: string, flags: ChipsFlags) => {
      await runChips(input, flags);
    });
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new InputError(`${name} must be a positive number, got "${value}"`);
  return n;
}

async function runChips(input: string, flags: ChipsFlags): Promise<void> {
  const chipPx = positive('--size', flags.size);
  if (!Number.isInteger(chipPx)) throw new InputError(`--size must be an integer, got "${flags.size}"`);
  const resolutionM = positive('--resolution', flags.resolution);
  const maxAreaKm2 = positive('--max-area-km2', flags.maxAreaKm2);
  const minValidFraction = Number(flags.minValid);
  const { acquisition, footprint } = await loadInput(input);
  const area: ValidArea = flags.aoi
    ? parseArea(readJsonFile(flags.aoi), { maxAreaKm2 })
    : parseArea(footprint, { maxAreaKm2 });
  const grid = { epsg: area.epsg, chipPx, resolutionM };
  const cells = gridCellsForArea(area, grid);
  if (flags.out) mkdirSync(flags.out, { recursive: true });
  const batch = 8;
  for (let i = 0; i < cells.length; i += batch) {
    const chips = await readChips(acquisition, cells.slice(i, i + batch), grid, { minValidFraction });
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

async function loadInput(input: string): Promise<{ acquisition: Acquisition; footprint: unknown }> {
  const isUrl = /^https?:\/\//i.test(input);
  if (/\.json(\?.*)?$/i.test(input)) {
    const json = isUrl
      ? JSON.parse(new TextDecoder().decode((await httpRequest(input, { method: 'GET' })).body))
      : readJsonFile(input);
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
    return { acquisition, footprint };
  }
  const href = isUrl ? input : resolve(input);
  const reader = openRaster(href);
  try {
    const info = await reader.info();
    const assets = Object.fromEntries(info.bands.map((b, i) => [b, `${href}#band=${i + 1}`]));
    return {
      acquisition: {
        source: 'cli',
        itemId: href,
        datetime: new Date(0).toISOString(),
        cloudCover: null,
        epsg: info.epsg,
        assets,
        properties: {},
      },
      footprint: bboxPolygon(info.lonlatBounds),
    };
  } finally {
    await reader.close();
  }
}
