/** Chips: the cells of an area's stable grid, keyed by area and grid key. */
import type { GridCell } from '../imagery/index.ts';
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf } from './schema.ts';

/** A chip's id and key. */
type ChipKeyRow = ColumnsOf<'chips', 'id' | 'key'>;

/**
 * Inserts the cells' chips (an existing chip keeps its id) in multi-row statements; returns chip ids by
 * key. The cells come from one grid, so no key repeats inside a statement.
 */
export async function upsertChips(
  db: Queryable,
  areaId: string,
  cells: readonly GridCell[],
): Promise<Map<string, number>> {
  const { rows } = await insertRows<GridCell, ChipKeyRow>(
    db,
    insertInto('chips', ['area_id', 'key', 'epsg', 'col', 'row', 'bounds', 'lonlat_bounds']),
    cells,
    (c) => [areaId, c.key, c.epsg, c.col, c.row, c.bounds, c.lonlatBounds],
    'ON CONFLICT (area_id, key) DO UPDATE SET key = EXCLUDED.key RETURNING id, key',
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

/** The area's chip ids by key. */
export async function chipIdsByKey(db: Queryable, areaId: string): Promise<Map<string, number>> {
  const { rows } = await db.query<ChipKeyRow>('SELECT id, key FROM chips WHERE area_id = $1', [areaId]);
  return new Map(rows.map((r) => [r.key, r.id]));
}
