import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import { output, withRuntime } from '../runtime.ts';

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    v instanceof Date
      ? v.toISOString()
      : typeof v === 'object' && v !== null
        ? JSON.stringify(v)
        : String(v ?? '');
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, 60).padEnd(widths[i]!)).join('  ');
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('sql')
    .description(
      'run a query in a read-only transaction (views: chip_history, chip_drift, nearest_chips(), alert_evidence_files; see docs/sql.md)',
    )
    .argument('<query>', 'SQL')
    .option('--json', 'print rows as JSON')
    .action(async (query: string, o) => {
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const { rows } = await db
          .readOnly((tx) => tx.query<Record<string, unknown>>(query))
          .catch((err: unknown) => {
            const e = err as { code?: unknown; message?: string };
            // Errors the database reports about the query itself (syntax, read-only, unknown column…).
            if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
              throw new InputError(`query failed: ${e.message} (SQLSTATE ${e.code})`);
            }
            throw err;
          });
        output(rows, o.json, table);
      });
    });
}
