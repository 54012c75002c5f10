/** Plain-text tables for users' SQL: every column shown, duplicates included, in linear time and space. */

/** Widest cell shown, in characters; longer values are cut. */
export const MAX_CELL_WIDTH = 60;

/** A cell as text: dates in ISO 8601, objects as JSON, null as empty. */
export function cellText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v ?? '');
}

/**
 * The rows under a header line. Widths are found with a loop, not `Math.max(...cells)`, which overflows
 * the call stack for a few hundred thousand rows.
 */
export function formatTable(columns: string[], rows: unknown[][]): string {
  if (rows.length === 0) return '(no rows)';
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i]).slice(0, MAX_CELL_WIDTH)));
  const widths = columns.map((c) => Math.min(MAX_CELL_WIDTH, c.length));
  for (const r of text) {
    for (let i = 0; i < r.length; i++) if (r[i]!.length > widths[i]!) widths[i] = r[i]!.length;
  }
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.slice(0, MAX_CELL_WIDTH).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out: string[] = [line(columns), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of text) out.push(line(r));
  return out.join('\n');
}

/** Rows as objects for JSON; a repeated column name gets `_2`, `_3`… so that no value is lost. */
export function rowObjects(columns: string[], rows: unknown[][]): Record<string, unknown>[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const c of columns) {
    let key = c;
    for (let n = 2; seen.has(key); n++) key = `${c}_${n}`;
    seen.add(key);
    keys.push(key);
  }
  return rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i]])));
}
