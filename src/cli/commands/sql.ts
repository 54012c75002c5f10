import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import { CLIENT_TIMEOUT_MESSAGE } from '../../store/pg-db.ts';
import { MAX_USER_ROWS, timeoutMessage, type UserQueryOptions } from '../../store/user-query.ts';
import { output, withRuntime } from '../runtime.ts';
import { formatTable, rowObjects } from '../table.ts';

/** Rows shown unless `--limit` says otherwise. */
export const DEFAULT_SQL_LIMIT = 1000;
/** Statement timeout in seconds unless `--timeout` says otherwise. */
export const DEFAULT_SQL_TIMEOUT_S = 30;

function positive(flag: string, max: number, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
      throw new InputError(`${flag} "${v}" is not ${integer ? 'an integer' : 'a number'} in 1…${max}`);
    }
    return n;
  };
}

/** The message for a query with more rows than the limit. */
export function truncatedMessage(limit: number): string {
  return `driftwatch: showing the first ${limit} rows; the query returned more. Add LIMIT to the query or pass --limit <rows> (at most ${MAX_USER_ROWS})\n`;
}

/** Maps what the database said about the user's query to an InputError naming it. */
function queryError(err: unknown, options: UserQueryOptions): unknown {
  const e = err as { code?: unknown; message?: string };
  if (e.code === '57014' || e.message === CLIENT_TIMEOUT_MESSAGE) {
    return new InputError(timeoutMessage(options.timeoutMs), { cause: err });
  }
  // Errors the database reports about the query itself (syntax, read-only, unknown column…).
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    const hint =
      e.code === '42601' ? '; driftwatch sql runs one read-only SELECT, VALUES, TABLE or WITH query' : '';
    return new InputError(`query failed: ${e.message} (SQLSTATE ${e.code})${hint}`, { cause: err });
  }
  return err;
}

export function register(program: Command): void {
  program
    .command('sql')
    .description(
      'run one read-only query (views: chip_history, chip_drift, nearest_chips(), alert_evidence_files; see docs/sql.md)',
    )
    .argument('<query>', 'one SELECT, VALUES, TABLE or WITH query')
    .option('--json', 'print rows as JSON')
    .option(
      '--limit <rows>',
      `most rows printed (1…${MAX_USER_ROWS})`,
      positive('--limit', MAX_USER_ROWS, true),
      DEFAULT_SQL_LIMIT,
    )
    .option(
      '--timeout <seconds>',
      'statement timeout in seconds',
      positive('--timeout', 86_400, false),
      DEFAULT_SQL_TIMEOUT_S,
    )
    .action(async (query: string, o: { json?: boolean; limit: number; timeout: number }) => {
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const options: UserQueryOptions = { maxRows: o.limit, timeoutMs: o.timeout * 1000 };
        const result = await db.userQuery(query, options).catch((err: unknown) => {
          throw queryError(err, options);
        });
        if (o.json) output(rowObjects(result.columns, result.rows), true, () => '');
        else output(result, false, (r) => formatTable(r.columns, r.rows));
        if (result.truncated) process.stderr.write(truncatedMessage(o.limit));
      });
    });
}
