/**
 * An alert's extent on the ground: the MultiPolygon (lon/lat, RFC 7946: exterior rings counter-clockwise,
 * holes clockwise) and area of what changed.
 *
 * - From pixels (post-event assessment): the member chips' masks mosaicked on the area's grid, the pixels
 *   the alert's kind counts (mask-codes.ts affectedBy), groups under the area's minimum mapping unit
 *   dropped, vectorised on the pixel outlines (mask-polygons.ts). Area = kept pixels × pixel area; a burn
 *   also gets its area per USGS dNBR class.
 *   Groups that run on from the member chips into neighbouring chips count there too.
 *   Monitoring alerts get this extent too when the pair check confirmed every chip of the alert (its
 *   masks come from the look and its reference look).
 * - From chips (a monitoring alert with a chip the pair check did not confirm, e.g. no reference look in
 *   reach): the union of the member chips' squares; the area stays the chips' area.
 * Grid coordinates go to lon/lat through proj4 (imagery/crs.ts), rounded to 1e-7° (about a centimetre);
 * areas are rounded to 1e-9 km².
 */
import { affectedBy, BURN_CLASSES, burnClassOf, type BurnClass } from '../detect/mask-codes.ts';
import { maskPolygons, ringArea2, sieve, type PixelPolygon } from '../detect/mask-polygons.ts';
import { transformer, type GridSpec } from '../imagery/index.ts';
import { InputError } from '../errors.ts';
import { mmuPixels } from '../detect/mapping-unit.ts';
import { cellOrigin, gridLayout } from '../detect/grid-mosaic.ts';

/** A GeoJSON MultiPolygon in lon/lat. */
export interface MultiPolygon {
  /** Always MultiPolygon. */
  type: 'MultiPolygon';
  /** Polygons, each its exterior ring then its holes, each ring closed. */
  coordinates: [number, number][][][];
}

/** One member chip's mask. */
export interface ChipMask {
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** chipPx × chipPx mask values, row 0 north (mask-codes.ts). */
  values: Uint8Array;
}

/** What an extent is made of. */
export type ExtentSource = 'pixels' | 'chips';

/** An alert's extent. */
export interface AlertExtent {
  /** Changed area in km². */
  km2: number;
  /** Per USGS dNBR class, the burnt area in km² (burn alerts from pixels only). */
  burnSeverityKm2?: Record<BurnClass, number>;
  /** The outline. */
  geometry: MultiPolygon;
  /** West, south, east, north of the geometry. */
  bbox: [number, number, number, number];
  /** pixels (changed pixels) or chips (union of the chips' squares). */
  source: ExtentSource;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;
/** km² to 1e-9 (a thousandth of a square metre), so that pixel counts × pixel area print as they are. */
const roundKm2 = (v: number) => Math.round(v * 1e9) / 1e9;

/**
 * Pixel polygons to lon/lat: pixel corner (x, y) lies at grid metres (west + x·step, north − y·step).
 * Rings are oriented as RFC 7946 asks.
 */
function toLonLat(
  polygons: PixelPolygon[],
  epsg: number,
  west: number,
  north: number,
  step: number,
): { geometry: MultiPolygon; bbox: [number, number, number, number] } {
  const t = transformer(epsg, 4326);
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const coordinates = polygons.map((polygon) =>
    polygon.map((ring, i) => {
      const ll = ring.map(([x, y]): [number, number] => {
        const [lon, lat] = t(west + x * step, north - y * step);
        const p: [number, number] = [round7(lon), round7(lat)];
        w = Math.min(w, p[0]);
        e = Math.max(e, p[0]);
        s = Math.min(s, p[1]);
        n = Math.max(n, p[1]);
        return p;
      });
      const ccw = ringArea2(ll) > 0;
      return ccw === (i === 0) ? ll : ll.reverse();
    }),
  );
  return { geometry: { type: 'MultiPolygon', coordinates }, bbox: [w, s, e, n] };
}

/**
 * The extent of an alert of `kind` from its member chips' masks; null when no group of its pixels reaches
 * the minimum mapping unit (then it is no alert). `context` are masks of neighbouring chips: a group that
 * starts in a member chip and runs on into a neighbour (a flood or a scar whose edge covers too little
 * of that chip for it to alert) counts there too; groups wholly in neighbours do not.
 */
export function pixelExtent(
  kind: string,
  members: readonly ChipMask[],
  grid: GridSpec,
  mmuHa: number,
  context: readonly ChipMask[] = [],
): AlertExtent | null {
  if (members.length === 0) return null;
  const memberCells = new Set(members.map((m) => `${m.col}/${m.row}`));
  const masks = [...members, ...context.filter((m) => !memberCells.has(`${m.col}/${m.row}`))];
  const px = grid.chipPx;
  const layout = gridLayout(masks, px);
  const width = layout.cols * px;
  const height = layout.rows * px;
  const counts = affectedBy(kind);
  const binary = new Uint8Array(width * height);
  for (const m of masks) {
    if (m.values.length !== px * px) {
      throw new InputError(`mask of chip ${m.col}/${m.row} has ${m.values.length} values, not ${px} × ${px}`);
    }
    const origin = cellOrigin(layout, m.col, m.row);
    for (let y = 0; y < px; y++) {
      const o = origin + y * width;
      for (let x = 0; x < px; x++) binary[o + x] = counts(m.values[y * px + x]!) ? 1 : 0;
    }
  }
  const inMember = new Uint8Array(width * height);
  for (const m of members) {
    const origin = cellOrigin(layout, m.col, m.row);
    for (let y = 0; y < px; y++) inMember.fill(1, origin + y * width, origin + y * width + px);
  }
  const kept = sieve(binary, width, height, mmuPixels(mmuHa, grid.resolutionM), inMember);
  if (kept.pixels === 0) return null;
  const pixelKm2 = (grid.resolutionM / 1000) ** 2;
  const out = toLonLat(
    maskPolygons(kept.kept, width, height),
    grid.epsg,
    layout.col0 * px * grid.resolutionM,
    (layout.rowTop + 1) * px * grid.resolutionM,
    grid.resolutionM,
  );
  const extent: AlertExtent = { km2: roundKm2(kept.pixels * pixelKm2), ...out, source: 'pixels' };
  if (kind === 'burn') {
    const byClass: Record<BurnClass, number> = { low: 0, 'moderate-low': 0, 'moderate-high': 0, high: 0 };
    for (const m of masks) {
      const origin = cellOrigin(layout, m.col, m.row);
      for (let i = 0; i < m.values.length; i++) {
        const c = burnClassOf(m.values[i]!);
        if (c && kept.kept[origin + Math.floor(i / px) * width + (i % px)]) byClass[c]++;
      }
    }
    for (const c of BURN_CLASSES) byClass[c] = roundKm2(byClass[c] * pixelKm2);
    extent.burnSeverityKm2 = byClass;
  }
  return extent;
}

/**
 * pixelExtent of `members`, with the mask `maskAt` gives for each neighbouring chip (where it has one) as
 * context: the step monitoring's optical and radar looks share once a candidate's chips are masked.
 */
export function extentWithNeighbours(
  kind: string,
  members: readonly ChipMask[],
  maskAt: (col: number, row: number) => Uint8Array | undefined,
  grid: GridSpec,
  mmuHa: number,
): AlertExtent | null {
  const context = neighbourCells(members).flatMap((c) => {
    const values = maskAt(c.col, c.row);
    return values ? [{ col: c.col, row: c.row, values }] : [];
  });
  return pixelExtent(kind, members, grid, mmuHa, context);
}

/** Chips whose cell touches one of `cells` (8-neighbours), not among them. */
export function neighbourCells(
  cells: readonly { col: number; row: number }[],
): { col: number; row: number }[] {
  const inside = new Set(cells.map((c) => `${c.col}/${c.row}`));
  const out = new Map<string, { col: number; row: number }>();
  for (const c of cells)
    for (let dr = -1; dr <= 1; dr++)
      for (let dc = -1; dc <= 1; dc++) {
        const k = `${c.col + dc}/${c.row + dr}`;
        if (!inside.has(k)) out.set(k, { col: c.col + dc, row: c.row + dr });
      }
  return [...out.values()];
}

/** Grid column and row of a chip key `EPSG:<code>/<cell metres>/<col>/<row>`. */
export function keyCell(key: string): { col: number; row: number } {
  const m = /^EPSG:\d+\/[\d.]+\/(-?\d+)\/(-?\d+)$/.exec(key);
  if (!m) throw new InputError(`chip key "${key}" is not EPSG:<code>/<cell metres>/<col>/<row>`);
  return { col: Number(m[1]), row: Number(m[2]) };
}

/** The union of the chips' squares as an extent (monitoring alerts); km² is the chips' area. */
export function chipExtent(chipKeys: readonly string[], grid: GridSpec): AlertExtent {
  if (chipKeys.length === 0) throw new InputError('an alert extent needs at least one chip');
  const cells = chipKeys.map(keyCell);
  const minCol = Math.min(...cells.map((c) => c.col));
  const maxCol = Math.max(...cells.map((c) => c.col));
  const minRow = Math.min(...cells.map((c) => c.row));
  const maxRow = Math.max(...cells.map((c) => c.row));
  const width = maxCol - minCol + 1;
  const binary = new Uint8Array(width * (maxRow - minRow + 1));
  for (const c of cells) binary[(maxRow - c.row) * width + (c.col - minCol)] = 1;
  const cellM = grid.chipPx * grid.resolutionM;
  const out = toLonLat(
    maskPolygons(binary, width, maxRow - minRow + 1),
    grid.epsg,
    minCol * cellM,
    (maxRow + 1) * cellM,
    cellM,
  );
  const unique = new Set(chipKeys).size;
  return { km2: unique * (cellM / 1000) ** 2, ...out, source: 'chips' };
}
