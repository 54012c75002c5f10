/**
 * Generates the demo series: a year of Sentinel-2-like acquisitions of a synthetic landscape in the Oder
 * valley (UTM zone 33N, 10 m pixels) with seasonal crop cycles, three partly cloudy dates, a river flood
 * in July and a forest fire in August, written as Cloud-Optimized GeoTIFFs with a static STAC catalog,
 * an area of interest, ground-truth masks and a manifest. Deterministic: the same seed and size give
 * byte-identical files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../errors.ts';
import { writeCog } from './cog-writer.ts';
import { buildLandscape, cloudLayer, Scl, type CloudSpec } from './landscape.ts';
import { deriveSeed } from './rng.ts';
import { renderScene, type Scene } from './scene.ts';
import { BANDS } from './spectra.ts';
import { areaFeature, assetHref, stacCatalog, stacItem, type Grid } from './stac.ts';
import type { DemoEvent, DemoItem, DemoManifest, DemoOptions } from './types.ts';

/** WGS 84 / UTM zone 33N. */
const EPSG = 32633;
const RESOLUTION = 10;
/** Top-left corner: a multiple of 2,560 m (so 64-px and 256-px chip cells both start on pixel edges). */
const ORIGIN_X = 471_040;
const ORIGIN_Y = 5_800_960;
/** Overpass time of day (UTC) given to every acquisition. */
const OVERPASS = 'T10:06:21Z';
/** How far the area of interest lies inside the raster footprint, metres. */
const AREA_INSET_M = 20;

/** The acquisitions: irregular, about monthly; clouds on three of them; no data off-swath on one. */
const SCHEDULE: readonly { date: string; cloud?: CloudSpec; swathEdge?: boolean }[] = [
  { date: '2024-01-14' },
  { date: '2024-02-20', cloud: { u: 0.78, v: 0.25, radius: 0.19 } },
  { date: '2024-03-17' },
  { date: '2024-04-13' },
  { date: '2024-05-08' },
  // Over the forest's edge and the fields east of it: without masking this looks like change.
  { date: '2024-06-09', cloud: { u: 0.34, v: 0.36, radius: 0.18 } },
  { date: '2024-07-04' },
  { date: '2024-07-21' },
  { date: '2024-08-15' },
  { date: '2024-09-12', cloud: { u: 0.2, v: 0.78, radius: 0.16 } },
  { date: '2024-10-19', swathEdge: true },
  { date: '2024-12-05' },
];

/** The river floods its southern floodplain on this date; the water has receded by the end date. */
const FLOOD = { date: '2024-07-01', until: '2024-07-28' };
/** A fire burns a patch of the north-western forest on this date; the scar persists. */
const FIRE = { date: '2024-08-09' };

function dayOfYear(date: string): number {
  const t = Date.parse(`${date}T00:00:00Z`);
  return Math.round((t - Date.parse(`${date.slice(0, 4)}-01-01T00:00:00Z`)) / 86_400_000) + 1;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function itemId(date: string): string {
  return `demo-${date.replaceAll('-', '')}`;
}

function validate(options: DemoOptions): { seed: number; size: number } {
  const seed = options.seed ?? 42;
  const size = options.size ?? 512;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new InputError(`demo seed must be an unsigned 32-bit integer, got ${seed}`);
  if (!Number.isInteger(size) || size < 128 || size > 2048 || size % 64 !== 0)
    throw new InputError(`demo size must be a multiple of 64 from 128 to 2048 pixels, got ${size}`);
  return { seed, size };
}

async function writePng(path: string, mask: Uint8Array, size: number): Promise<void> {
  await sharp(mask, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toFile(path);
}

async function writeScene(outDir: string, id: string, grid: Grid, scene: Scene): Promise<void> {
  const dir = join(outDir, 'items', id);
  await mkdir(dir, { recursive: true });
  const base = { ...grid, nodata: 0 };
  await Promise.all([
    ...BANDS.map((name, k) =>
      writeCog(
        join(outDir, 'items', assetHref(id, name)),
        { ...base, data: scene.bands[k]! },
        { overviews: true },
      ),
    ),
    writeCog(
      join(outDir, 'items', assetHref(id, 'scl')),
      { ...base, data: scene.scl },
      { overviews: true, resampling: 'nearest' },
    ),
  ]);
}

/** Writes the demo series into `outDir` (created if missing) and returns its manifest. */
export async function generateDemoSeries(outDir: string, options: DemoOptions = {}): Promise<DemoManifest> {
  const { seed, size } = validate(options);
  const grid: Grid = {
    epsg: EPSG,
    originX: ORIGIN_X,
    originY: ORIGIN_Y,
    width: size,
    height: size,
    resolution: RESOLUTION,
  };
  await mkdir(join(outDir, 'items'), { recursive: true });
  await mkdir(join(outDir, 'truth'), { recursive: true });

  const land = buildLandscape(size, seed);
  const floodIds: string[] = [];
  const burnIds: string[] = [];
  const items: DemoItem[] = [];
  let pending: Promise<void> = Promise.resolve();
  for (const [index, acq] of SCHEDULE.entries()) {
    const id = itemId(acq.date);
    const flooded = acq.date >= FLOOD.date && acq.date < FLOOD.until;
    const daysSinceFire = acq.date >= FIRE.date ? daysBetween(FIRE.date, acq.date) : null;
    const clouds = acq.cloud ? cloudLayer(size, acq.cloud, deriveSeed(seed, 200 + index)) : null;
    const scene = renderScene(land, {
      dayOfYear: dayOfYear(acq.date),
      flooded,
      daysSinceFire,
      clouds,
      swathEdge: acq.swathEdge ?? false,
      seed: deriveSeed(seed, 100 + index),
    });
    await pending; // the previous scene's files were compressing while this one rendered
    const datetime = `${acq.date}${OVERPASS}`;
    const item: DemoItem = {
      id,
      datetime,
      cloudy: clouds !== null,
      cloudCover: scene.cloudCover,
      noDataPercent: 0,
    };
    if (flooded) floodIds.push(id);
    if (daysSinceFire !== null) burnIds.push(id);
    const writes: Promise<void>[] = [
      writeScene(outDir, id, grid, scene),
      writeFile(join(outDir, 'items', `${id}.json`), json(stacItem(grid, id, datetime, scene.cloudCover))),
    ];
    if (clouds) {
      item.cloudMask = `truth/cloud-${id}.png`;
      const mask = clouds.map((c) => (c === 0 ? 0 : 255));
      writes.push(writePng(join(outDir, item.cloudMask), mask, size));
    }
    if (acq.swathEdge) {
      let off = 0;
      for (let i = 0; i < size * size; i++) if (scene.scl[i] === Scl.NoData) off++;
      item.noDataPercent = Math.round((10000 * off) / (size * size)) / 100;
    }
    items.push(item);
    pending = Promise.all(writes).then(() => undefined);
  }
  await pending;

  const events: DemoEvent[] = [
    event('flood', FLOOD.date, floodIds, 'truth/flood.png'),
    event('burn', FIRE.date, burnIds, 'truth/burn.png'),
  ];
  await Promise.all([
    writePng(
      join(outDir, 'truth', 'flood.png'),
      land.flood.map((v) => v * 255),
      size,
    ),
    writePng(
      join(outDir, 'truth', 'burn.png'),
      land.burn.map((v) => v * 255),
      size,
    ),
    writeFile(join(outDir, 'catalog.json'), json(stacCatalog(items.map((i) => i.id)))),
    writeFile(join(outDir, 'area.geojson'), json(areaFeature(grid, AREA_INSET_M))),
  ]);
  const manifest: DemoManifest = {
    seed,
    epsg: EPSG,
    resolutionM: RESOLUTION,
    width: size,
    height: size,
    originX: ORIGIN_X,
    originY: ORIGIN_Y,
    items,
    events,
    catalog: 'catalog.json',
    area: 'area.geojson',
  };
  await writeFile(join(outDir, 'manifest.json'), json(manifest));
  return manifest;
}

function event(kind: DemoEvent['kind'], date: string, ids: string[], mask: string): DemoEvent {
  return { kind, date, acquisitionIds: ids, firstAcquisition: ids[0]!, mask };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
