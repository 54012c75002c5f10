/** The box of grid cells that an alert's before/after mosaic shows (alert-evidence.ts, and the viewer's outline over it). */

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
  const left = Math.min(...shown.map((c) => c.col));
  const top = Math.max(...shown.map((c) => c.row));
  return {
    left,
    top,
    cols: Math.max(...shown.map((c) => c.col)) - left + 1,
    rows: top - Math.min(...shown.map((c) => c.row)) + 1,
  };
}
