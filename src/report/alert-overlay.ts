/**
 * The alert's outline drawn over its before/after tiles: an SVG in the tiles' own cell units. The tiles are
 * mosaics of the cells around the alert's chips (their bounding box plus one cell, clipped to the area's
 * cells: cellMosaic in src/pipeline/alert-evidence.ts), so a lon/lat outline is projected to the grid's CRS
 * and divided by the cell size; with the SVG's viewBox equal to the tile's box in cells, the outline lands
 * on the tile however the tile is scaled (the default preserveAspectRatio letterboxes it as the image is).
 */
import { transformer } from '../imagery/crs.ts';
import { mosaicBox, type CellBox } from '../pipeline/mosaic-box.ts';
import { html, type SafeHtml } from './html.ts';

/** The grid of a chip key `EPSG:<code>/<cell metres>/<col>/<row>`, or undefined for another shape. */
export function keyGrid(key: string): { epsg: number; cellM: number; col: number; row: number } | undefined {
  const m = /^EPSG:(\d+)\/([\d.]+)\/(-?\d+)\/(-?\d+)$/.exec(key);
  return m ? { epsg: Number(m[1]), cellM: Number(m[2]), col: Number(m[3]), row: Number(m[4]) } : undefined;
}

type Ring = [number, number][];

/** The polygons (rings of lon/lat) of a GeoJSON Polygon or MultiPolygon; none for anything else. */
function polygonsOf(geometry: unknown): Ring[][] {
  const g = geometry as { type?: string; coordinates?: unknown } | null;
  if (g?.type === 'Polygon') return [g.coordinates as Ring[]];
  if (g?.type === 'MultiPolygon') return g.coordinates as Ring[][];
  return [];
}

/** A number in cell units to 3 decimals (a thousandth of a cell), without trailing zeros. */
function unit(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  return String(Object.is(r, -0) ? 0 : r);
}

/**
 * SVG path data of each polygon in the box's cell units (x east from the box's west edge, y south from its
 * north edge), one subpath per ring so that holes stay holes under the even-odd rule.
 */
export function overlayPaths(
  geometry: unknown,
  box: CellBox,
  grid: { epsg: number; cellM: number },
): string[] {
  const project = transformer(4326, grid.epsg);
  return polygonsOf(geometry).map((rings) =>
    rings
      .map((ring) => {
        const pts = ring.slice(0, -1).map(([lon, lat]) => {
          const [x, y] = project(lon, lat);
          return `${unit(x / grid.cellM - box.left)},${unit(box.top + 1 - y / grid.cellM)}`;
        });
        return `M${pts.join(' L')} Z`;
      })
      .join(' '),
  );
}

export { mosaicBox, type CellBox };

/**
 * The SVG drawn over one tile, or '' when the alert has no outline or its chips no grid. The tile's box is
 * the one stored with it; tiles written before it was stored get the box of the alert's chips, which is
 * theirs unless the alert grew after them.
 */
export function alertOverlay(
  geometry: unknown,
  chipKeys: readonly string[],
  cells: readonly { col: number; row: number }[],
  stored?: CellBox | null,
): SafeHtml | '' {
  const members = chipKeys.map(keyGrid).filter((g) => g !== undefined);
  const first = members[0];
  if (!first || !geometry) return '';
  const box = stored ?? mosaicBox(cells.length ? cells : members, members);
  const paths = overlayPaths(geometry, box, first);
  if (paths.length === 0) return '';
  return html`<svg
    class="overlay"
    viewBox="0 0 ${box.cols} ${box.rows}"
    aria-label="outline of the alert"
    data-box="${`${box.left},${box.top},${box.cols},${box.rows}`}"
  >
    ${paths.map((d) => html`<path d="${d}" />`)}
  </svg>`;
}
