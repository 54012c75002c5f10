/**
 * Chips of an area's grid laid side by side as one image: the grid's columns grow east and its rows north,
 * a chip's pixel row 0 is its northern one, so the mosaic's first row is the northernmost grid row's.
 * Used where a test needs a scene's context across chip edges (the radar change over a scene, the cloud
 * test over an area's chips); cells that no chip fills are invalid in the mosaic.
 */
import type { ImageValue } from '../imagery/image.ts';

/** Where the chips lie in their mosaic. */
export interface GridLayout {
  /** The western column. */
  col0: number;
  /** The northern row. */
  rowTop: number;
  /** Columns of the mosaic. */
  cols: number;
  /** Rows of the mosaic. */
  rows: number;
  /** Chip side in pixels. */
  px: number;
}

/** The layout of the cells' bounding box (chips of `px` pixels a side). */
export function gridLayout(cells: readonly { col: number; row: number }[], px: number): GridLayout {
  const col0 = Math.min(...cells.map((c) => c.col));
  const rowTop = Math.max(...cells.map((c) => c.row));
  return {
    col0,
    rowTop,
    cols: Math.max(...cells.map((c) => c.col)) - col0 + 1,
    rows: rowTop - Math.min(...cells.map((c) => c.row)) + 1,
    px,
  };
}

/** Index in the mosaic of the north-west pixel of the cell (col, row). */
export function cellOrigin(layout: GridLayout, col: number, row: number): number {
  return (layout.rowTop - row) * layout.px * layout.cols * layout.px + (col - layout.col0) * layout.px;
}

/**
 * The mosaic of the chips' `bands` (each chip must have them) at their grid places, with `template`'s
 * CRS, bounds and scale; every pixel that no chip fills is invalid.
 */
export function mosaicImage(
  chips: readonly { col: number; row: number; image: ImageValue }[],
  layout: GridLayout,
  bands: readonly string[],
  template: Pick<ImageValue, 'crs' | 'bounds' | 'scale'>,
): ImageValue {
  const { px } = layout;
  const width = layout.cols * px;
  const height = layout.rows * px;
  const data = bands.map(() => new Float32Array(width * height));
  const mask = new Uint8Array(width * height);
  for (const c of chips) {
    const o = cellOrigin(layout, c.col, c.row);
    const planes = bands.map((b) => c.image.data[c.image.bands.indexOf(b)]!);
    for (let y = 0; y < px; y++) {
      const src = y * px;
      const dst = o + y * width;
      mask.set(c.image.mask.subarray(src, src + px), dst);
      planes.forEach((p, k) => data[k]!.set(p.subarray(src, src + px), dst));
    }
  }
  const { crs, bounds, scale } = template;
  return { width, height, bands: [...bands], data, mask, crs, bounds, scale };
}

/** The cell's part of a mosaic plane (one value per pixel, row 0 north). */
export function cellPart<T extends Uint8Array | Float32Array>(
  plane: T,
  layout: GridLayout,
  col: number,
  row: number,
): T {
  const { px } = layout;
  const width = layout.cols * px;
  const o = cellOrigin(layout, col, row);
  const out = (plane instanceof Uint8Array ? new Uint8Array(px * px) : new Float32Array(px * px)) as T;
  for (let y = 0; y < px; y++) out.set(plane.subarray(o + y * width, o + y * width + px), y * px);
  return out;
}
