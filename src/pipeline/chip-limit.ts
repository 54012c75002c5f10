/**
 * The chip-count limit of an area, checked before it is stored: gridding costs time and memory in
 * proportion to the cells of the area's bounding box, and every chip is fetched, embedded and stored on
 * each acquisition, so an area that would yield more chips than the limit is refused up front.
 */
import { AreaError } from '../errors.ts';
import { unwrapRing } from '../imagery/area.ts';
import { transformer } from '../imagery/crs.ts';
import { cellSize, gridCellsForArea, type GridSpec, type ValidArea } from '../imagery/index.ts';

/** Most chips an area may yield unless `--max-chips` raises it. */
export const DEFAULT_MAX_CHIPS = 20_000;

/** How many bounding-box cells gridding may visit per allowed chip (thin diagonal areas). */
const BBOX_CELLS_PER_CHIP = 64;

function tooMany(id: string, count: string, cellM: number, maxChips: number, flag: string): AreaError {
  return new AreaError(
    `area "${id}" yields ${count} chips of ${cellM} m, more than the limit of ${maxChips}; pass ${flag} to accept it, or a larger --chip-size`,
  );
}

/**
 * The number of chips the area yields on the grid, or an AreaError naming that number and the flag that
 * raises the limit. Areas far over the limit are refused from their size alone, before any gridding.
 */
export function checkChipCount(id: string, area: ValidArea, grid: GridSpec, maxChips: number): number {
  if (!Number.isInteger(maxChips) || maxChips < 1) {
    throw new AreaError(`chip limit ${maxChips} is not a positive integer`);
  }
  const cellM = cellSize(grid);
  // Cells cover the area, so it needs at least area / cell² of them; 0.999 allows for UTM's scale
  // factor (0.9996 on the central meridian, so projected areas can be 0.08 % smaller than true ones).
  const atLeast = Math.floor((area.areaKm2 * 1e6 * 0.999) / (cellM * cellM));
  if (atLeast > maxChips)
    throw tooMany(id, `at least ${atLeast}`, cellM, maxChips, `--max-chips ${atLeast} or more`);
  const bboxCells = boundingBoxCells(area, grid.epsg, cellM);
  if (bboxCells > Math.max(1_000_000, maxChips * BBOX_CELLS_PER_CHIP)) {
    throw new AreaError(
      `area "${id}" spans ${bboxCells} cells of ${cellM} m in its bounding box, too many to grid for a limit of ${maxChips} chips; split it into smaller areas or pass a larger --chip-size`,
    );
  }
  const count = gridCellsForArea(area, grid).length;
  if (count > maxChips) throw tooMany(id, String(count), cellM, maxChips, `--max-chips ${count}`);
  return count;
}

/** Cells of the grid's bounding box of the area's vertices (what gridding visits). */
function boundingBoxCells(area: ValidArea, epsg: number, cellM: number): number {
  const toGrid = transformer(4326, epsg);
  const polygons = area.geometry.type === 'Polygon' ? [area.geometry.coordinates] : area.geometry.coordinates;
  let total = 0;
  for (const polygon of polygons) {
    let minx = Infinity;
    let miny = Infinity;
    let maxx = -Infinity;
    let maxy = -Infinity;
    const shell = unwrapRing(
      polygon[0]!.map((p) => [p[0]!, p[1]!] as [number, number]),
      area.bbox,
    );
    for (const [lon, lat] of shell) {
      const [x, y] = toGrid(lon, lat);
      minx = Math.min(minx, x);
      miny = Math.min(miny, y);
      maxx = Math.max(maxx, x);
      maxy = Math.max(maxy, y);
    }
    total +=
      (Math.ceil(maxx / cellM) - Math.floor(minx / cellM)) *
      (Math.ceil(maxy / cellM) - Math.floor(miny / cellM));
  }
  return total;
}
