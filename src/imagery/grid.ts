/**
 * The stable chip grid: square cells of `chipPx × resolutionM` metres in the area's UTM zone, aligned to
 * the zone's origin, so the same ground always gets the same key `EPSG:<code>/<cell metres>/<col>/<row>`.
 */
import { AreaError } from '../errors.ts';
import type { ValidArea } from './area.ts';
import { unwrapRing } from './area.ts';
import { transformer } from './crs.ts';
import type { Bbox } from './image.ts';
import { pointInRings, segmentTouchesRect, type Ring } from './polygon.ts';

/** A chip grid. */
export interface GridSpec {
  /** EPSG code of the grid's CRS (the area's UTM zone). */
  epsg: number;
  /** Chip width and height in pixels. */
  chipPx: number;
  /** Pixel size in metres; cell metres = chipPx × resolutionM. */
  resolutionM: number;
}

/** One cell of the grid. */
export interface GridCell {
  /** `EPSG:<code>/<cell metres>/<col>/<row>`. */
  key: string;
  /** EPSG code of the grid. */
  epsg: number;
  /** floor(x / cell). */
  col: number;
  /** floor(y / cell). */
  row: number;
  /** [minx, miny, maxx, maxy] in EPSG:<epsg>. */
  bounds: Bbox;
  /** West, south, east, north in lon/lat (west > east across the antimeridian). */
  lonlatBounds: Bbox;
}

/** Default grid size: 256 px at 10 m. */
export const DEFAULT_CHIP_PX = 256;
export const DEFAULT_RESOLUTION_M = 10;

/** Smallest and largest chip size in pixels (a chip of 4096² pixels is 64 MiB a band). */
export const CHIP_PX_RANGE = { min: 8, max: 4096 } as const;

/** Whether a chip size is an integer in `CHIP_PX_RANGE`. */
export function validChipPx(chipPx: number): boolean {
  return Number.isInteger(chipPx) && chipPx >= CHIP_PX_RANGE.min && chipPx <= CHIP_PX_RANGE.max;
}

/** The stable key of a grid cell. */
export function chipKey(epsg: number, cellM: number, col: number, row: number): string {
  return `EPSG:${epsg}/${cellM}/${col}/${row}`;
}

/** Cell size in metres. */
export function cellSize(grid: GridSpec): number {
  return grid.chipPx * grid.resolutionM;
}

/** The grid cell at (col, row). */
export function gridCell(grid: GridSpec, col: number, row: number): GridCell {
  const cell = cellSize(grid);
  const bounds: Bbox = [col * cell, row * cell, (col + 1) * cell, (row + 1) * cell];
  return {
    key: chipKey(grid.epsg, cell, col, row),
    epsg: grid.epsg,
    col,
    row,
    bounds,
    lonlatBounds: lonLatBounds(bounds, grid.epsg),
  };
}

/** Cells whose square intersects the area, sorted north-west first (row descending, then col ascending). */
export function gridCellsForArea(area: ValidArea, grid: GridSpec): GridCell[] {
  if (!(grid.chipPx > 0) || !(grid.resolutionM > 0)) {
    throw new AreaError(`grid chipPx ${grid.chipPx} and resolutionM ${grid.resolutionM} must be positive`);
  }
  const cell = cellSize(grid);
  const toGrid = transformer(4326, grid.epsg);
  const polygons = area.geometry.type === 'Polygon' ? [area.geometry.coordinates] : area.geometry.coordinates;
  const found = new Map<string, [number, number]>();
  for (const polygon of polygons) {
    const rings: Ring[] = polygon.map((ring) => {
      const ll = unwrapRing(
        ring.map((p) => [p[0]!, p[1]!] as [number, number]),
        area.bbox,
      );
      return densify(ll, 0.01).map(([lon, lat]) => toGrid(lon, lat));
    });
    for (const [col, row] of cellsOfPolygon(rings, cell)) found.set(`${col}/${row}`, [col, row]);
  }
  return [...found.values()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([col, row]) => gridCell(grid, col, row));
}

/** Cells (half-open squares of size `cell`) that a projected polygon covers or touches. */
function cellsOfPolygon(rings: Ring[], cell: number): Array<[number, number]> {
  const outer = rings[0]!;
  let minx = Infinity;
  let miny = Infinity;
  let maxx = -Infinity;
  let maxy = -Infinity;
  for (const [x, y] of outer) {
    minx = Math.min(minx, x);
    miny = Math.min(miny, y);
    maxx = Math.max(maxx, x);
    maxy = Math.max(maxy, y);
  }
  const c0 = Math.floor(minx / cell);
  const c1 = Math.ceil(maxx / cell) - 1;
  const r0 = Math.floor(miny / cell);
  const r1 = Math.ceil(maxy / cell) - 1;
  const w = c1 - c0 + 1;
  const h = r1 - r0 + 1;
  const marked = new Uint8Array(Math.max(0, w * h));
  // Cells crossed by an edge intersect the polygon; the others lie wholly inside or outside it.
  for (const ring of rings) {
    for (let i = 0; i < ring.length - 1; i++) {
      const [ax, ay] = ring[i]!;
      const [bx, by] = ring[i + 1]!;
      const ca = Math.max(c0, Math.floor(Math.min(ax, bx) / cell));
      const cb = Math.min(c1, Math.floor(Math.max(ax, bx) / cell));
      const ra = Math.max(r0, Math.floor(Math.min(ay, by) / cell));
      const rb = Math.min(r1, Math.floor(Math.max(ay, by) / cell));
      for (let r = ra; r <= rb; r++) {
        for (let c = ca; c <= cb; c++) {
          const k = (r - r0) * w + (c - c0);
          if (marked[k]) continue;
          if (segmentTouchesRect(ax, ay, bx, by, c * cell, r * cell, (c + 1) * cell, (r + 1) * cell))
            marked[k] = 1;
        }
      }
    }
  }
  const out: Array<[number, number]> = [];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const k = (r - r0) * w + (c - c0);
      if (marked[k] || pointInRings((c + 0.5) * cell, (r + 0.5) * cell, rings)) out.push([c, r]);
    }
  }
  return out;
}

/** Inserts points so no edge is longer than `step` (in the ring's units); curved projections stay close. */
function densify(ring: Ring, step: number): Ring {
  const out: Ring = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) / step));
    for (let k = 0; k < n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  out.push(ring[ring.length - 1]!);
  return out;
}

/** Lon/lat bounds of a box in EPSG:`epsg`; west > east when the box straddles the antimeridian. */
export function lonLatBounds(bounds: Bbox, epsg: number): Bbox {
  const t = transformer(epsg, 4326);
  const [x0, y0, x1, y1] = bounds;
  const lons: number[] = [];
  let south = Infinity;
  let north = -Infinity;
  const steps = 8;
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    for (const [x, y] of [
      [x0 + (x1 - x0) * f, y0],
      [x0 + (x1 - x0) * f, y1],
      [x0, y0 + (y1 - y0) * f],
      [x1, y0 + (y1 - y0) * f],
    ] as const) {
      const [lon, lat] = t(x, y);
      lons.push(lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    }
  }
  let west = Math.min(...lons);
  let east = Math.max(...lons);
  if (east - west > 180) {
    west = Math.min(...lons.filter((l) => l >= 0));
    east = Math.max(...lons.filter((l) => l < 0));
  }
  return [west, south, east, north];
}
