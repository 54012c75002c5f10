/**
 * Coordinate reference systems the imagery side understands: WGS 84 (EPSG:4326), Web Mercator
 * (EPSG:3857) and the WGS 84 UTM zones (EPSG:326xx north, 327xx south), all through proj4.
 */
import proj4 from 'proj4';
import { RasterError } from '../errors.ts';

/** The UTM zone (1…60) whose 6° band holds the longitude (plain zones, no Norway/Svalbard exceptions). */
export function utmZone(lon: number): number {
  const wrapped = ((((lon + 180) % 360) + 360) % 360) - 180;
  return Math.min(60, Math.floor((wrapped + 180) / 6) + 1);
}

/** EPSG code of the WGS 84 UTM zone holding the point: 326xx north of the equator, 327xx south. */
export function utmEpsg(lon: number, lat: number): number {
  return (lat >= 0 ? 32600 : 32700) + utmZone(lon);
}

/** Whether the EPSG code is one this project can project (4326, 3857, 326xx, 327xx). */
export function isSupportedEpsg(epsg: number): boolean {
  return epsg === 4326 || epsg === 3857 || isUtm(epsg);
}

function isUtm(epsg: number): boolean {
  return (epsg > 32600 && epsg <= 32660) || (epsg > 32700 && epsg <= 32760);
}

/** proj4 definition of a supported EPSG code; throws RasterError naming the code otherwise. */
function definition(epsg: number): string {
  if (epsg === 4326) return 'EPSG:4326';
  if (epsg === 3857) return 'EPSG:3857';
  if (isUtm(epsg)) {
    const zone = epsg % 100;
    const south = epsg > 32700 ? ' +south' : '';
    return `+proj=utm +zone=${zone}${south} +datum=WGS84 +units=m +no_defs`;
  }
  throw new RasterError(`unsupported CRS EPSG:${epsg} (supported: EPSG:4326, EPSG:3857, UTM 326xx/327xx)`);
}

/** Parses `EPSG:<code>` (or a bare number) into the code; throws RasterError naming the string. */
export function parseEpsg(crs: string | number): number {
  if (typeof crs === 'number') return crs;
  const m = /^EPSG:(\d+)$/i.exec(crs.trim());
  if (!m) throw new RasterError(`CRS "${crs}" is not of the form EPSG:<code>`);
  return Number(m[1]);
}

/** A point transformation between two CRSs. */
export type PointTransform = (x: number, y: number) => [number, number];

const cache = new Map<string, PointTransform>();

/** A cached transformation from EPSG:`from` to EPSG:`to` (identity when equal). */
export function transformer(from: number, to: number): PointTransform {
  const id = `${from}>${to}`;
  const hit = cache.get(id);
  if (hit) return hit;
  let fn: PointTransform;
  if (from === to) fn = (x, y) => [x, y];
  else {
    const converter = proj4(definition(from), definition(to));
    fn = (x, y) => {
      const [a, b] = converter.forward([x, y]) as [number, number];
      return [a, b];
    };
  }
  cache.set(id, fn);
  return fn;
}

/**
 * Bounds of a box after transforming its outline, densified with `steps` points per edge so that curved
 * edges are covered. Returns [minx, miny, maxx, maxy] in the target CRS.
 */
export function transformBounds(
  bounds: readonly [number, number, number, number],
  from: number,
  to: number,
  steps = 16,
): [number, number, number, number] {
  const t = transformer(from, to);
  const [x0, y0, x1, y1] = bounds;
  let minx = Infinity;
  let miny = Infinity;
  let maxx = -Infinity;
  let maxy = -Infinity;
  const add = (x: number, y: number): void => {
    const [a, b] = t(x, y);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return;
    minx = Math.min(minx, a);
    miny = Math.min(miny, b);
    maxx = Math.max(maxx, a);
    maxy = Math.max(maxy, b);
  };
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    add(x0 + (x1 - x0) * f, y0);
    add(x0 + (x1 - x0) * f, y1);
    add(x0, y0 + (y1 - y0) * f);
    add(x1, y0 + (y1 - y0) * f);
  }
  return [minx, miny, maxx, maxy];
}
