import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeCog } from '../../src/demo-data/index.ts';
import { chipKey, transformer } from '../../src/imagery/index.ts';
import { noise } from './series-fixture.ts';

/** Stored linear power = value × RADAR_SCALE (uint16 files, as the COG writer writes them). */
export const RADAR_SCALE = 0.00001;

/** One radar look of a local folder source: one single-band GeoTIFF and its sidecar. */
export interface RadarLook {
  /** ISO datetime of the look. */
  datetime: string;
  /** Backscatter in dB at pixel (x, y), before noise. */
  db: (x: number, y: number) => number;
  /** The sidecar's band name (default vv). */
  band?: string;
  /** Sidecar keys added or replaced (e.g. `backscatter: undefined` drops the declaration). */
  sidecar?: Record<string, unknown>;
}

/** A local folder of radar looks over a 128 × 128 px, 10 m area in EPSG:32633 (4 × 4 chips of 32 px). */
export interface RadarFixture {
  /** The folder. */
  folder: string;
  /** The area GeoJSON (the raster's footprint shrunk by 5 m, so it covers exactly its chips). */
  area: unknown;
  /** Every chip key, sorted. */
  allKeys: string[];
  /** The key of the chip at grid column c (west to east) and row r (north to south) of the area. */
  keyAt: (c: number, r: number) => string;
  epsg: number;
  chipPx: number;
}

const SIZE = 128;
const CHIP_PX = 32;
const EPSG = 32633;
const ORIGIN_X = 1560 * 320;
const ORIGIN_Y = 15625 * 320;

/**
 * Writes the looks into `dir` as linear power (γ0 = 10^(dB/10), stored × 1/RADAR_SCALE as uint16), with
 * ±1.5 dB of deterministic noise per pixel and look, and sidecars declaring `backscatter: linear`.
 */
export async function writeRadarFixture(dir: string, looks: readonly RadarLook[]): Promise<RadarFixture> {
  mkdirSync(dir, { recursive: true });
  for (const [t, look] of looks.entries()) {
    const stem = `s1-${look.datetime.slice(0, 10)}`;
    await writeLook(join(dir, `${stem}.tif`), look, t);
    const sidecar: Record<string, unknown> = {
      datetime: look.datetime,
      bands: [look.band ?? 'vv'],
      backscatter: 'linear',
      scale: RADAR_SCALE,
      offset: 0,
      nodata: 0,
      ...look.sidecar,
    };
    writeFileSync(join(dir, `${stem}.json`), JSON.stringify(sidecar));
  }
  return fixtureOf(dir);
}

/** Writes one look as a single-band uint16 COG of linear power (see writeRadarFixture). */
async function writeLook(path: string, look: RadarLook, t: number): Promise<void> {
  const data = new Uint16Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const db = look.db(x, y) + 1.5 * noise(100 + t, y * SIZE + x);
      data[y * SIZE + x] = Math.max(1, Math.round(10 ** (db / 10) / RADAR_SCALE));
    }
  await writeCog(
    path,
    {
      width: SIZE,
      height: SIZE,
      data,
      epsg: EPSG,
      originX: ORIGIN_X,
      originY: ORIGIN_Y,
      resolution: 10,
      nodata: 0,
    },
    { tileSize: 64 },
  );
}

/**
 * Adds the looks as STAC items (asset `vv`, `backscatter: linear`, `raster:bands` scale RADAR_SCALE) to the
 * static catalog of writeSeriesFixture, which lies on the same grid: optical and radar looks of one source.
 */
export async function addRadarItems(catalog: string, looks: readonly RadarLook[]): Promise<void> {
  const dir = join(dirname(catalog), 'items');
  const json = JSON.parse(readFileSync(catalog, 'utf8')) as { links: unknown[] };
  const fixture = fixtureOf(dir);
  const ring = (fixture.area as { coordinates: number[][][] }).coordinates[0]!;
  const lons = ring.map((c) => c[0]!);
  const lats = ring.map((c) => c[1]!);
  for (const [t, look] of looks.entries()) {
    const id = `S1-fixture-${look.datetime.slice(0, 10)}`;
    await writeLook(join(dir, `${id}-vv.tif`), look, t);
    const item = {
      type: 'Feature',
      stac_version: '1.0.0',
      id,
      bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { datetime: look.datetime, 'proj:epsg': EPSG, backscatter: 'linear' },
      assets: {
        vv: {
          href: `./${id}-vv.tif`,
          type: 'image/tiff; application=geotiff; profile=cloud-optimized',
          roles: ['data'],
          'raster:bands': [{ scale: RADAR_SCALE, offset: 0, nodata: 0 }],
        },
      },
      links: [],
    };
    writeFileSync(join(dir, `${id}.json`), JSON.stringify(item));
    json.links.push({ rel: 'item', href: `./items/${id}.json`, type: 'application/geo+json' });
  }
  writeFileSync(catalog, JSON.stringify(json));
}

/** The fixture's area and keys, for looks written under `folder`. */
function fixtureOf(folder: string): RadarFixture {
  const toLonLat = transformer(EPSG, 4326);
  const inset = 5;
  const ring = [
    toLonLat(ORIGIN_X + inset, ORIGIN_Y - inset),
    toLonLat(ORIGIN_X + SIZE * 10 - inset, ORIGIN_Y - inset),
    toLonLat(ORIGIN_X + SIZE * 10 - inset, ORIGIN_Y - SIZE * 10 + inset),
    toLonLat(ORIGIN_X + inset, ORIGIN_Y - SIZE * 10 + inset),
  ];
  const cell = CHIP_PX * 10;
  const col0 = ORIGIN_X / cell;
  const rowTop = ORIGIN_Y / cell - 1;
  const keyAt = (c: number, r: number) => chipKey(EPSG, cell, col0 + c, rowTop - r);
  const allKeys: string[] = [];
  for (let r = 0; r < SIZE / CHIP_PX; r++) for (let c = 0; c < SIZE / CHIP_PX; c++) allKeys.push(keyAt(c, r));
  return {
    folder,
    area: { type: 'Polygon', coordinates: [[...ring, ring[0]]] },
    allKeys: allKeys.sort(),
    keyAt,
    epsg: EPSG,
    chipPx: CHIP_PX,
  };
}
