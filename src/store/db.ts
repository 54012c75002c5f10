/** The one query interface that every part of driftwatch uses, whatever the backend. */
import type { UserQueryOptions, UserQueryResult } from './user-query.ts';

/** Result of one statement. */
export interface QueryResult<R> {
  /** Rows returned, with column names as keys. */
  rows: R[];
  /** Rows inserted, updated or deleted, where the backend reports it. */
  affectedRows: number;
}

/** Something that runs parameterised SQL: a database or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$1…$n` parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
}

/** What the connected database can do. */
export interface DbCapabilities {
  /** pgvector version, e.g. "0.8.0". */
  pgvectorVersion: string;
  /** Whether the `halfvec` type exists (pgvector >= 0.7). */
  halfvec: boolean;
}

/** A database connection: embedded PGlite (in-process or served by another process) or a Postgres server. */
export interface Db extends Queryable {
  /** `pglite` when this process owns an embedded database, `postgres` when it speaks the wire protocol. */
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, without credentials (for logs). */
  readonly description: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs `fn` in a READ ONLY transaction (for users' SQL). */
  readOnly<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs users' SQL (one SELECT, VALUES, TABLE or WITH query) so that it cannot change the session for
   * anyone else: see `user-query.ts`.
   */
  userQuery(sql: string, options: UserQueryOptions): Promise<UserQueryResult>;
  /** pgvector and other capabilities, read once after connecting. */
  capabilities(): Promise<DbCapabilities>;
  /** Closes connections; for an owned embedded database also stops serving it. */
  close(): Promise<void>;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function readCapabilities(q: Queryable): Promise<DbCapabilities> {
  const { rows } = await q.query<{ extversion: string }>(
    `SELECT extversion FROM pg_extension WHERE extname = 'vector'`,
  );
  const version = rows[0]?.extversion ?? '0';
  return { pgvectorVersion: version, halfvec: compareVersions(version, '0.7.0') >= 0 };
}
