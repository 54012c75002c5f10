/**
 * Multi-row inserts: the `VALUES` list of one statement for many rows, split into statements small enough
 * for the wire protocol (at most 65,535 parameters each).
 */
import type { Queryable } from './db.ts';
import type { RelationName, RowOf } from './schema.ts';

/** Most rows one statement carries, whatever their width. */
const MAX_ROWS = 1000;

/** Most parameters one statement may carry. */
const MAX_PARAMS = 65_535;

/** `($1, $2), ($3, $4)…`: `rows` tuples of `width` parameters each. */
export function valuesList(rows: number, width: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p = Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`);
    tuples.push(`(${p.join(', ')})`);
  }
  return tuples.join(', ');
}

/**
 * `INSERT INTO <table> ("<column>", …)` for columns that schema.ts gives the table, so a column renamed or
 * dropped there is a type error at each insert that names it.
 */
export function insertInto<R extends RelationName>(
  table: R,
  columns: readonly (keyof RowOf<R> & string)[],
): string {
  return `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')})`;
}

/**
 * Runs `INSERT … VALUES <tuples> <suffix>` for `rows` in statements of at most MAX_ROWS rows, in order,
 * and returns the rows the statements returned and how many rows they affected in all.
 */
export async function insertRows<T, R = Record<string, unknown>>(
  q: Queryable,
  head: string,
  rows: readonly T[],
  columns: (row: T) => readonly unknown[],
  suffix = '',
): Promise<{ rows: R[]; affectedRows: number }> {
  const out: R[] = [];
  let affectedRows = 0;
  if (rows.length === 0) return { rows: out, affectedRows };
  const width = columns(rows[0]!).length;
  const size = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / width)));
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const params = chunk.flatMap((r) => columns(r));
    const res = await q.query<R>(`${head} VALUES ${valuesList(chunk.length, width)} ${suffix}`, params);
    out.push(...res.rows);
    affectedRows += res.affectedRows;
  }
  return { rows: out, affectedRows };
}
