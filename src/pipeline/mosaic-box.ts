/** The box of grid cells that an alert's before/after mosaic shows (alert-evidence.ts, and the viewer's outline over it). */
import { gridLayout } from '../detect/grid-mosaic.ts';

/** A box of grid cells: the western column, the northern row, and its size. */
export interface CellBox {
  /** Western column. */
  left: number;
  /** Northern row (rows grow northwards). */
  top: number;
  /** Columns. */
  cols: number;
  /** Rows. */
  rows: number;
}

/** The members' bounding box plus one cell, clipped to the cells present (cells outside the area are not shown). */
export function mosaicBox(
  cells: readonly { col: number; row: number }[],
  members: readonly { col: number; row: number }[],
): CellBox {
  const minCol = Math.min(...members.map((t) => t.col)) - 1;
  const maxCol = Math.max(...members.map((t) => t.col)) + 1;
  const minRow = Math.min(...members.map((t) => t.row)) - 1;
  const maxRow = Math.max(...members.map((t) => t.row)) + 1;
  const shown = cells.filter((c) => c.col >= minCol && c.col <= maxCol && c.row >= minRow && c.row <= maxRow);
  const layout = gridLayout(shown, 0);
  return { left: layout.col0, top: layout.rowTop, cols: layout.cols, rows: layout.rows };
}
