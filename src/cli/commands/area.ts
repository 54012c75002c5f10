import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../errors.ts';
import { listAreaAcquisitions, type AreaAcquisition } from '../../pipeline/acquisitions.ts';
import { addArea, areaCells, getArea, listAreas, removeArea } from '../../pipeline/areas.ts';
import { CHIP_PX_RANGE, type SourceConfig } from '../../imagery/index.ts';
import { FUSION_WINDOW_DAYS, FUSION_WINDOW_MAX_DAYS } from '../../detect/sensor-fusion.ts';
import { isoDate, positiveNumber, wholeNumber } from '../flags.ts';
import { output, withRuntime } from '../runtime.ts';

/** `--source` value: a STAC API URL (with --collection) or a local folder / catalog.json. */
export function sourceFromFlags(
  source: string,
  collection?: string,
  preset?: string,
  passWindowHours?: number,
): SourceConfig {
  const pass = passWindowHours === undefined ? {} : { passWindowHours };
  if (/^https?:\/\//.test(source)) {
    if (!collection) throw new InputError(`--collection is required with the STAC API source ${source}`);
    return {
      kind: 'stac-api',
      url: source,
      collection,
      ...(preset ? { preset: preset as 'earth-search' | 'planetary-computer' } : {}),
      ...pass,
    };
  }
  const path = resolve(source);
  if (!existsSync(path)) throw new InputError(`--source folder ${path} does not exist`);
  return { kind: 'local', path, ...pass };
}

/** A number or a comma-separated list of numbers (one per band). */
function numbers(flag: string) {
  return (value: string): number | number[] => {
    const list = value.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
    if (list.some((n) => !Number.isFinite(n)))
      throw new InputError(`${flag} "${value}" is not a number or a comma-separated list of numbers`);
    return list.length === 1 ? list[0]! : list;
  };
}

function nodata(value: string): number | null {
  if (value === 'none') return null;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new InputError(`--nodata "${value}" is not a number or "none"`);
  return n;
}

/** Band metadata flags of `area add` in sidecar form, or undefined when none was given. */
export function metadataFromFlags(o: {
  bands?: string;
  scale?: number | number[];
  offset?: number | number[];
  nodata?: number | null;
  processingBaseline?: string;
}): Record<string, unknown> | undefined {
  const m: Record<string, unknown> = {};
  if (o.bands !== undefined) m.bands = o.bands.split(',').map((b) => b.trim());
  if (o.scale !== undefined) m.scale = o.scale;
  if (o.offset !== undefined) m.offset = o.offset;
  if (o.nodata !== undefined) m.nodata = o.nodata;
  if (o.processingBaseline !== undefined) m.processingBaseline = o.processingBaseline;
  return Object.keys(m).length > 0 ? m : undefined;
}

function hours(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 168))
    throw new InputError(`--pass-window "${value}" is not a number of hours in 0…168`);
  return n;
}

/** The text form of an area's acquisitions. */
export function formatAreaAcquisitions(rows: AreaAcquisition[]): string {
  if (rows.length === 0) return 'no acquisitions recorded yet (monitor run or assess finds them)';
  return rows
    .map(
      (r) =>
        `${r.datetime.slice(0, 16).replace('T', ' ')}\t${r.status}\t${r.items} item(s)\t${r.itemId}${r.error ? `\t${r.error.type}: ${r.error.message}` : ''}`,
    )
    .join('\n');
}

function readGeojson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read GeoJSON file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`GeoJSON file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** `--mmu-ha`: hectares, a finite number ≥ 0. */
function mmuHa(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InputError(`--mmu-ha "${text}" is not a number of hectares ≥ 0`);
  }
  return n;
}

export function register(program: Command): void {
  const area = program.command('area').description('register, list and remove areas of interest');
  area
    .command('add')
    .description('register an area from a GeoJSON file (Polygon/MultiPolygon, lon/lat)')
    .argument('<id>', 'area id: lower-case letters, digits, - and _')
    .argument('<geojson>', 'GeoJSON file')
    .requiredOption(
      '--source <url|path>',
      'STAC API URL, or a local folder of GeoTIFFs / static STAC catalog.json',
    )
    .option('--collection <name>', 'STAC collection (STAC API sources)', 'sentinel-2-l2a')
    .option('--preset <name>', 'earth-search or planetary-computer (STAC API sources)')
    .option(
      '--pass-window <hours>',
      'items of one platform within this many hours are one acquisition (default 12; 0: one per item)',
      hours,
    )
    .option(
      '--bands <names>',
      'local GeoTIFFs: band names in file order, comma-separated (a sidecar overrides)',
    )
    .option(
      '--scale <n>',
      'local GeoTIFFs: scale, one number or one per band (value = stored × scale + offset)',
      numbers('--scale'),
    )
    .option('--offset <n>', 'local GeoTIFFs: offset, one number or one per band', numbers('--offset'))
    .option('--nodata <n>', 'local GeoTIFFs: nodata value, or "none"', nodata)
    .option(
      '--processing-baseline <x.yy>',
      'local GeoTIFFs: Sentinel-2 processing baseline (≥ 04.00: −0.1 offset)',
    )
    .option('--name <name>', 'display name')
    .option(
      '--chip-size <px>',
      'chip size in pixels',
      wholeNumber('--chip-size', CHIP_PX_RANGE.min, CHIP_PX_RANGE.max),
      256,
    )
    .option('--resolution <m>', 'pixel size in metres', positiveNumber('--resolution'), 10)
    .option('--start <date>', 'earliest acquisition date to consider (YYYY-MM-DD or ISO datetime)')
    .option('--max-area <km2>', 'largest accepted area in km²', positiveNumber('--max-area'))
    .option(
      '--max-chips <n>',
      'most chips the area may yield (default 20000)',
      wholeNumber('--max-chips', 1, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--mmu-ha <ha>',
      'minimum mapping unit: smaller groups of changed pixels make no alert (default 0.1)',
      mmuHa,
    )
    .option(
      '--fusion-days <n>',
      `days within which optical and radar looks of a chip are fused, for monitoring and assessment (0…${FUSION_WINDOW_MAX_DAYS}, default ${FUSION_WINDOW_DAYS})`,
      wholeNumber('--fusion-days', 0, FUSION_WINDOW_MAX_DAYS),
    )
    .option('--json', 'print JSON')
    .action(async (id: string, file: string, o) => {
      if (o.start !== undefined) isoDate('--start', o.start);
      const source = sourceFromFlags(o.source, o.collection, o.preset, o.passWindow);
      const metadata = metadataFromFlags(o);
      if (metadata && source.kind !== 'local')
        throw new InputError(
          `--${Object.keys(metadata)[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to local folder sources only, not to ${o.source}`,
        );
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const record = await addArea(db, {
          id,
          name: o.name,
          geojson: readGeojson(file),
          source: metadata && source.kind === 'local' ? { ...source, metadata } : source,
          chipPx: o.chipSize,
          resolutionM: o.resolution,
          start: o.start,
          maxAreaKm2: o.maxArea,
          maxChips: o.maxChips,
          mmuHa: o.mmuHa,
          fusionDays: o.fusionDays,
        });
        output(
          record,
          o.json,
          (r) =>
            `area ${r.id}: ${r.area.areaKm2.toFixed(2)} km², EPSG:${r.grid.epsg}, ${areaCells(r).length} chips of ${r.grid.chipPx} px`,
        );
      });
    });
  area
    .command('list')
    .description('list registered areas')
    .option('--json', 'print JSON')
    .action(async (o) => {
      await withRuntime(async (rt) => {
        const areas = await listAreas(await rt.db());
        output(areas, o.json, (list) =>
          list.length === 0
            ? 'no areas'
            : list
                .map(
                  (r) =>
                    `${r.id}\t${r.name}\tEPSG:${r.grid.epsg}\t${r.area.areaKm2.toFixed(2)} km²\t${areaCells(r).length} chips`,
                )
                .join('\n'),
        );
      });
    });
  area
    .command('acquisitions')
    .description(
      'list the acquisitions recorded for an area: status, items, and the error of each failed one',
    )
    .argument('<id>', 'area id')
    .option('--status <status>', 'only pending, processed or failed ones')
    .option('--json', 'print JSON')
    .action(async (id: string, o) => {
      if (o.status !== undefined && !['pending', 'processed', 'failed'].includes(o.status))
        throw new InputError(`--status "${o.status}" is not pending, processed or failed`);
      await withRuntime(async (rt) => {
        const db = await rt.db();
        await getArea(db, id);
        const rows = await listAreaAcquisitions(db, id, o.status);
        output(rows, o.json, formatAreaAcquisitions);
      });
    });
  area
    .command('remove')
    .description('remove an area, everything recorded for it and the evidence files no other area uses')
    .argument('<id>', 'area id')
    .action(async (id: string) => {
      await withRuntime(async (rt) => {
        const r = await removeArea(await rt.db(), id);
        if (!r.removed) throw new InputError(`unknown area "${id}"`);
        process.stdout.write(
          `removed area ${id}; deleted ${r.evidenceFiles} evidence file(s) no other area uses (${r.evidenceBytes} bytes)\n`,
        );
      });
    });
}
