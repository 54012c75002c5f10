/**
 * Users' SQL (`driftwatch sql`) against a database whose session may be shared by every process: the
 * embedded PGlite is one Postgres session behind its socket server, so anything a query leaves behind
 * (settings, prepared statements, listeners, advisory locks, temporary tables) would reach everyone.
 *
 * Structure rather than a keyword list: the query becomes the body of a cursor (`DECLARE … CURSOR FOR`
 * accepts exactly one SELECT, VALUES, TABLE or WITH query, so `SET`, `PREPARE`, `LISTEN`, `COMMIT` or a
 * second statement are syntax errors), inside a READ ONLY transaction with a local statement timeout
 * that is always rolled back; then the session is reset (`DISCARD ALL`, which also releases advisory
 * locks). Rows are fetched from the cursor, at most `maxRows + 1`, so a huge result is never built.
 */
import { InputError } from '../errors.ts';

/** Limits on one user query. */
export interface UserQueryOptions {
  /** Most rows returned; a query with more sets `truncated`. */
  maxRows: number;
  /** Statement timeout in milliseconds. */
  timeoutMs: number;
}

/** What a user query returned. */
export interface UserQueryResult {
  /** Column names in order; two columns of the same name are both kept. */
  columns: string[];
  /** Rows as arrays in column order. */
  rows: unknown[][];
  /** Whether the query had more rows than `maxRows` (only the first `maxRows` are in `rows`). */
  truncated: boolean;
}

/** Largest accepted `maxRows`. */
export const MAX_USER_ROWS = 1_000_000;

/** Name of the cursor that holds the user's query. */
export const USER_CURSOR = 'driftwatch_user_query';

/** Statements that open the wrapper transaction, in order. */
export function userQueryPrelude(options: UserQueryOptions): string[] {
  checkUserQueryOptions(options);
  return ['BEGIN TRANSACTION READ ONLY', `SET LOCAL statement_timeout = ${Math.ceil(options.timeoutMs)}`];
}

/**
 * The milliseconds of a `SET LOCAL statement_timeout = <ms>` statement as `userQueryPrelude` writes it,
 * else undefined: the embedded database's socket server enforces the timeout a transaction sets so.
 */
export function parseStatementTimeout(sql: string): number | undefined {
  const m = /^SET LOCAL statement_timeout = (\d+)$/.exec(sql);
  return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
}

/** The cursor declaration around the user's text (trailing semicolons and blanks removed). */
export function declareUserCursor(sql: string): string {
  const body = sql.replace(/[\s;]+$/, '');
  if (body.trim() === '') throw new InputError('query is empty');
  // A newline keeps a trailing `--` comment in the user's text from swallowing anything after it.
  return `DECLARE ${USER_CURSOR} NO SCROLL CURSOR FOR ${body}\n`;
}

/** The fetch that reads one row more than allowed, to tell whether there were more. */
export function fetchUserRows(options: UserQueryOptions): string {
  return `FETCH FORWARD ${options.maxRows + 1} FROM ${USER_CURSOR}`;
}

/** Statements that undo anything the query did to the session, run after ROLLBACK outside a transaction. */
export const SESSION_RESET = 'DISCARD ALL';

export function checkUserQueryOptions(options: UserQueryOptions): void {
  if (!Number.isInteger(options.maxRows) || options.maxRows < 1 || options.maxRows > MAX_USER_ROWS) {
    throw new InputError(`row limit ${options.maxRows} is not an integer in 1…${MAX_USER_ROWS}`);
  }
  if (!(options.timeoutMs >= 1) || !Number.isFinite(options.timeoutMs)) {
    throw new InputError(`statement timeout ${options.timeoutMs} ms is not a positive number`);
  }
}

/** Splits the fetched rows into the allowed ones and whether more existed. */
export function capRows(
  rows: unknown[][],
  options: UserQueryOptions,
): { rows: unknown[][]; truncated: boolean } {
  return rows.length > options.maxRows
    ? { rows: rows.slice(0, options.maxRows), truncated: true }
    : { rows, truncated: false };
}

/** The message for a query stopped by the statement timeout. */
export function timeoutMessage(timeoutMs: number): string {
  return `query ran longer than the statement timeout of ${timeoutMs / 1000} s; narrow it (WHERE, LIMIT) or pass --timeout <seconds>`;
}
