import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../errors.ts';
import { addArea, areaCells, listAreas, removeArea } from '../../pipeline/areas.ts';
import type { SourceConfig } from '../../imagery/index.ts';
import { output, withRuntime } from '../runtime.ts';

/** `--source` value: a STAC API URL (with --collection) or a local folder / catalog.json. */
export function sourceFromFlags(source: string, collection?: string, preset?: string): SourceConfig {
  if (/^https?:\/\//.test(source)) {
    if (!collection) throw new InputError(`--collection is required with the STAC API source ${source}`);
    return {
      kind: 'stac-api',
      url: source,
      collection,
      ...(preset ? { preset: preset as 'earth-search' | 'planetary-computer' } : {}),
    };
  }
  return { kind: 'local', path: resolve(source) };
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
    .option('--name <name>', 'display name')
    .option('--chip-size <px>', 'chip size in pixels', (v) => Number(v), 256)
    .option('--resolution <m>', 'pixel size in metres', (v) => Number(v), 10)
    .option('--start <date>', 'earliest acquisition date to consider (ISO)')
    .option('--max-area <km2>', 'largest accepted area in km²', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (id: string, file: string, o) => {
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const record = await addArea(db, {
          id,
          name: o.name,
          geojson: readGeojson(file),
          source: sourceFromFlags(o.source, o.collection, o.preset),
          chipPx: o.chipSize,
          resolutionM: o.resolution,
          start: o.start,
          maxAreaKm2: o.maxArea,
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
    .command('remove')
    .description('remove an area and everything recorded for it')
    .argument('<id>', 'area id')
    .action(async (id: string) => {
      await withRuntime(async (rt) => {
        const removed = await removeArea(await rt.db(), id);
        if (!removed) throw new InputError(`unknown area "${id}"`);
        process.stdout.write(`removed area ${id}\n`);
      });
    });
}
