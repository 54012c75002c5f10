/**
 * Coordinate reference systems, all through proj4: any EPSG code, defined by the EPSG index shipped with
 * the npm package `epsg-index` (proj4 strings for every EPSG CRS, read from disk: nothing is downloaded),
 * and user-defined CRSs given as proj4 strings (see geokeys.ts). A CRS is referred to by a `CrsRef`.
 *
 * Datum shifts that need a grid file (`+nadgrids=<file>`: NAD27, DHDN, OSGB36 … about 300 codes) cannot be
 * applied because proj4 has no grids; such CRSs are built from the index's WKT instead (proj4 applies its
 * own Helmert parameters for the datums it knows, e.g. OSGB36) and a warning names the missing grid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import proj4 from 'proj4';
import { CrsError } from '../errors.ts';

/** An EPSG code (26915), `EPSG:<code>`, or a proj4 definition string (`+proj=…`) of a user-defined CRS. */
export type CrsRef = number | string;

/** The UTM zone (1…60) whose 6° band holds the longitude (plain zones, no Norway/Svalbard exceptions). */
export function utmZone(lon: number): number {
  const wrapped = ((((lon + 180) % 360) + 360) % 360) - 180;
  return Math.min(60, Math.floor((wrapped + 180) / 6) + 1);
}

/** EPSG code of the WGS 84 UTM zone holding the point: 326xx north of the equator, 327xx south. */
export function utmEpsg(lon: number, lat: number): number {
  return (lat >= 0 ? 32600 : 32700) + utmZone(lon);
}

/** One entry of the EPSG index. */
interface EpsgEntry {
  /** The code, as a string. */
  code: string;
  /** CRS-PROJCRS, CRS-GEOGCRS, CRS-VERTCRS, … */
  kind: string;
  /** Human-readable name. */
  name: string;
  /** proj4 definition, or null when PROJ could not express it. */
  proj4: string | null;
  /** OGC WKT 1. */
  wkt: string;
}

/** Kinds of CRS a raster can be georeferenced in (horizontal ones). */
const HORIZONTAL = new Set(['CRS-PROJCRS', 'CRS-GEOGCRS', 'CRS-GEOG3DCRS']);

const require = createRequire(import.meta.url);
let indexDir: string | undefined;

/** The folder of per-code JSON files of the epsg-index package. */
function epsgIndexDir(): string {
  indexDir ??= join(dirname(require.resolve('epsg-index/package.json')), 's');
  return indexDir;
}

const entries = new Map<number, EpsgEntry | null>();

/** The index entry of an EPSG code, or null when the index has none. */
function epsgEntry(code: number): EpsgEntry | null {
  if (entries.has(code)) return entries.get(code)!;
  const file = join(epsgIndexDir(), `${code}.json`);
  const entry = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EpsgEntry) : null;
  entries.set(code, entry);
  return entry;
}

/** Name of an EPSG CRS (e.g. "NAD83 / UTM zone 15N"), or null when the index has none. */
export function epsgName(code: number): string | null {
  return epsgEntry(code)?.name ?? null;
}

const definitions = new Map<string, string>();
const warned = new Set<number>();

/** The proj4 definition of an EPSG code; throws CrsError naming the code when there is none. */
export function epsgDefinition(code: number): string {
  const entry = epsgEntry(code);
  if (!entry) throw new CrsError(`unknown CRS EPSG:${code}: the EPSG index (epsg-index) has no such code`);
  if (!HORIZONTAL.has(entry.kind)) {
    throw new CrsError(
      `CRS EPSG:${code} (${entry.name}) is a ${entry.kind.replace('CRS-', '')}, not a projected or geographic CRS`,
    );
  }
  if (!entry.proj4)
    throw new CrsError(`CRS EPSG:${code} (${entry.name}) has no proj4 definition in the EPSG index`);
  return entry.proj4;
}

/** What proj4 is given for a CRS: its proj4 string, or for grid-shifted EPSG CRSs their WKT. */
function proj4Input(ref: CrsRef): string {
  const id = crsId(ref);
  const hit = definitions.get(id);
  if (hit !== undefined) return hit;
  let def: string;
  const code = epsgOf(id);
  if (code !== null) {
    def = epsgDefinition(code);
    const grid = /\+nadgrids=(?!@null\b)(\S+)/.exec(def);
    if (grid) {
      if (!warned.has(code)) {
        warned.add(code);
        process.emitWarning(
          `CRS EPSG:${code} needs the datum grid ${grid[1]}, which is not shipped: its datum shift is approximated (positions may be off by metres)`,
          { code: 'DRIFTWATCH_CRS_GRID' },
        );
      }
      def = epsgEntry(code)!.wkt;
    }
  } else def = id;
  try {
    proj4(def, 'EPSG:4326');
  } catch (err) {
    throw new CrsError(`CRS ${describeCrs(id)} cannot be used by proj4: ${(err as Error).message}`);
  }
  definitions.set(id, def);
  return def;
}

/**
 * The canonical id of a CRS: `EPSG:<code>` for EPSG codes, the trimmed proj4 string otherwise; throws
 * CrsError naming the value when it is neither.
 */
export function crsId(ref: CrsRef): string {
  if (typeof ref === 'number') {
    if (!(Number.isInteger(ref) && ref > 0)) throw new CrsError(`EPSG code ${ref} is not a positive integer`);
    return `EPSG:${ref}`;
  }
  const s = ref.trim();
  const m = /^EPSG:(\d+)$/i.exec(s);
  if (m) return `EPSG:${Number(m[1])}`;
  if (s.startsWith('+proj=')) return s;
  throw new CrsError(`CRS "${ref}" is neither EPSG:<code> nor a proj4 definition (+proj=…)`);
}

/** The EPSG code of a CRS id, or null for a user-defined CRS. */
export function epsgOf(ref: CrsRef): number | null {
  const id = crsId(ref);
  return id.startsWith('EPSG:') ? Number(id.slice(5)) : null;
}

/** `EPSG:<code> (<name>)` or the proj4 string, for messages. */
export function describeCrs(ref: CrsRef): string {
  const id = crsId(ref);
  const code = epsgOf(id);
  const name = code !== null ? epsgName(code) : null;
  return name ? `${id} (${name})` : id;
}

/** Checks that the CRS has a usable definition; throws CrsError naming it otherwise. */
export function assertKnownCrs(ref: CrsRef): void {
  proj4Input(ref);
}

/** Parses `EPSG:<code>` (or a bare number) into the code; throws CrsError naming the string. */
export function parseEpsg(crs: string | number): number {
  if (typeof crs === 'number') return crs;
  const m = /^EPSG:(\d+)$/i.exec(crs.trim());
  if (!m) throw new CrsError(`CRS "${crs}" is not of the form EPSG:<code>`);
  return Number(m[1]);
}

/** Whether two CRS refs name the same CRS (same EPSG code or the same proj4 string). */
export function sameCrs(a: CrsRef, b: CrsRef): boolean {
  return crsId(a) === crsId(b);
}

/** A point transformation between two CRSs. */
export type PointTransform = (x: number, y: number) => [number, number];

const cache = new Map<string, PointTransform>();

/** A cached transformation from CRS `from` to CRS `to` (identity when equal). */
export function transformer(from: CrsRef, to: CrsRef): PointTransform {
  const a = crsId(from);
  const b = crsId(to);
  const id = `${a}>${b}`;
  const hit = cache.get(id);
  if (hit) return hit;
  let fn: PointTransform;
  if (a === b) fn = (x, y) => [x, y];
  else {
    const converter = proj4(proj4Input(a), proj4Input(b));
    fn = (x, y) => {
      const [u, v] = converter.forward([x, y]) as [number, number];
      return [u, v];
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
  from: CrsRef,
  to: CrsRef,
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

/**
 * The outline of a box transformed into another CRS as a closed ring, `steps` points per edge
 * (counter-clockwise in the source CRS). Points that do not transform are left out.
 */
export function transformOutline(
  bounds: readonly [number, number, number, number],
  from: CrsRef,
  to: CrsRef,
  steps = 16,
): Array<[number, number]> {
  const t = transformer(from, to);
  const [x0, y0, x1, y1] = bounds;
  const ring: Array<[number, number]> = [];
  const edge = (ax: number, ay: number, bx: number, by: number): void => {
    for (let i = 0; i < steps; i++) {
      const f = i / steps;
      const p = t(ax + (bx - ax) * f, ay + (by - ay) * f);
      if (Number.isFinite(p[0]) && Number.isFinite(p[1])) ring.push(p);
    }
  };
  edge(x0, y0, x1, y0);
  edge(x1, y0, x1, y1);
  edge(x1, y1, x0, y1);
  edge(x0, y1, x0, y0);
  if (ring.length > 0) ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}
