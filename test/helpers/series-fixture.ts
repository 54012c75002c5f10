import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCog } from '../../src/demo-data/index.ts';
import { chipKey, transformer } from '../../src/imagery/index.ts';

/** A tiny Sentinel-2-like series: forest west, fields east; the last acquisition floods the north-west. */
export interface SeriesFixture {
  /** catalog.json path. */
  catalog: string;
  /** The area GeoJSON (inside the raster). */
  area: unknown;
  /** ISO datetimes of the acquisitions, oldest first. */
  dates: string[];
  /** Keys of the chips the flood covers. */
  floodedKeys: string[];
  /** Every chip key of the area. */
  allKeys: string[];
  epsg: number;
  chipPx: number;
}

const BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'] as const;
const FOREST = [0.03, 0.05, 0.03, 0.3, 0.15, 0.07];
const FIELD = [0.06, 0.09, 0.1, 0.25, 0.22, 0.14];
const WATER = [0.08, 0.11, 0.1, 0.07, 0.03, 0.02];
/** Bare bright soil of a cleared or built-up plot: no water, no char, a large change in every band. */
const SOIL = [0.14, 0.18, 0.22, 0.28, 0.34, 0.3];

/** Deterministic value noise in [-1, 1]. */
export function noise(seed: number, i: number): number {
  let h = (seed * 374761393 + i * 668265263) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0;
  return (((h ^ (h >>> 16)) >>> 0) / 0xffffffff) * 2 - 1;
}

/**
 * Writes the series under `dir` with asset hrefs under `baseUrl` (served over HTTP by the test) or,
 * without `baseUrl`, relative to each item. `corrupt` names an acquisition index whose red band is
 * written as garbage bytes.
 */
export async function writeSeriesFixture(
  dir: string,
  options: {
    baseUrl?: string;
    size?: number;
    chipPx?: number;
    /** Northern edge of the raster in metres (UTM 33N; default 5 000 000), a multiple of the chip cell. */
    originY?: number;
    corrupt?: number;
    dates?: string[];
    /** Flooded pixel rectangle per acquisition index (default: the north-west quarter on the last one). */
    floods?: Record<number, { x0: number; y0: number; x1: number; y1: number }>;
    /** Pixel rectangle per acquisition index written as nodata in every band (cloud masked out). */
    clouds?: Record<number, { x0: number; y0: number; x1: number; y1: number }>;
    /** Pixel rectangle per acquisition index laid bare (bright soil: change that is neither water nor fire). */
    cleared?: Record<number, { x0: number; y0: number; x1: number; y1: number }>;
  } = {},
): Promise<SeriesFixture> {
  const size = options.size ?? 128;
  const chipPx = options.chipPx ?? 32;
  const epsg = 32633;
  const cell = chipPx * 10;
  const originX = 1560 * 320; // 499 200 m, a multiple of every cell size used here
  const originY = options.originY ?? 15625 * 320; // 5 000 000 m
  const dates = options.dates ?? ['2024-03-01T10:00:00Z', '2024-04-01T10:00:00Z', '2024-05-01T10:00:00Z'];
  const floods = options.floods ?? { [dates.length - 1]: { x0: 0, y0: 0, x1: size / 2, y1: size / 2 } }; // north-west quarter
  mkdirSync(join(dir, 'items'), { recursive: true });
  const toLonLat = transformer(epsg, 4326);
  const corners = [
    toLonLat(originX, originY),
    toLonLat(originX + size * 10, originY),
    toLonLat(originX + size * 10, originY - size * 10),
    toLonLat(originX, originY - size * 10),
  ];
  const lons = corners.map((c) => c[0]);
  const lats = corners.map((c) => c[1]);
  const bbox = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
  const links: unknown[] = [];
  for (const [t, datetime] of dates.entries()) {
    const id = `S2-fixture-${datetime.slice(0, 10)}`;
    const flood = floods[t];
    const assets: Record<string, unknown> = {};
    for (const [b, band] of BANDS.entries()) {
      const data = new Uint16Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inFlood =
            flood !== undefined && x >= flood.x0 && x < flood.x1 && y >= flood.y0 && y < flood.y1;
          const bare = options.cleared?.[t];
          const inBare = bare !== undefined && x >= bare.x0 && x < bare.x1 && y >= bare.y0 && y < bare.y1;
          const spectrum = inFlood ? WATER : inBare ? SOIL : x < size / 2 ? FOREST : FIELD;
          const v = spectrum[b]! * (1 + 0.04 * noise(t * 7 + b, y * size + x));
          const c = options.clouds?.[t];
          const masked = c !== undefined && x >= c.x0 && x < c.x1 && y >= c.y0 && y < c.y1;
          data[y * size + x] = masked ? 0 : Math.max(1, Math.round(v * 10000));
        }
      }
      const file = `${id}-${band}.tif`;
      if (options.corrupt === t && band === 'red') {
        writeFileSync(
          join(dir, 'items', file),
          Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(512, 0xab)]),
        );
      } else {
        await writeCog(
          join(dir, 'items', file),
          { width: size, height: size, data, epsg, originX, originY, resolution: 10, nodata: 0 },
          { tileSize: 64 },
        );
      }
      const href = options.baseUrl ? `${options.baseUrl}/items/${file}` : `./${file}`;
      assets[band] = {
        href,
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
        roles: ['data'],
        'raster:bands': [{ scale: 0.0001, offset: 0, nodata: 0 }],
      };
    }
    const item = {
      type: 'Feature',
      stac_version: '1.0.0',
      id,
      bbox,
      geometry: { type: 'Polygon', coordinates: [[...corners, corners[0]]] },
      properties: { datetime, 'eo:cloud_cover': 0, 'proj:epsg': epsg },
      assets,
      links: [],
    };
    writeFileSync(join(dir, 'items', `${id}.json`), JSON.stringify(item));
    links.push({ rel: 'item', href: `./items/${id}.json`, type: 'application/geo+json' });
  }
  writeFileSync(
    join(dir, 'catalog.json'),
    JSON.stringify({
      type: 'Catalog',
      stac_version: '1.0.0',
      id: 'fixture',
      description: 'test series',
      links,
    }),
  );
  // The area: the raster's footprint shrunk by 5 m, so it covers exactly the raster's chips.
  const inset = 5;
  const ring = [
    toLonLat(originX + inset, originY - inset),
    toLonLat(originX + size * 10 - inset, originY - inset),
    toLonLat(originX + size * 10 - inset, originY - size * 10 + inset),
    toLonLat(originX + inset, originY - size * 10 + inset),
  ];
  const area = { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
  const col0 = originX / cell;
  const rowTop = originY / cell - 1;
  const n = size / chipPx;
  const allKeys: string[] = [];
  const floodedKeys: string[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const key = chipKey(epsg, cell, col0 + c, rowTop - r);
      allKeys.push(key);
      if (c < n / 2 && r < n / 2) floodedKeys.push(key);
    }
  }
  return {
    catalog: join(dir, 'catalog.json'),
    area,
    dates,
    floodedKeys: floodedKeys.sort(),
    allKeys: allKeys.sort(),
    epsg,
    chipPx,
  };
}
