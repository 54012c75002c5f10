import pg from 'pg';
import { ConfigError, ServiceUnavailableError } from '../errors.ts';
import { readCapabilities, type Db, type DbCapabilities, type Queryable, type QueryResult } from './db.ts';
import {
  capRows,
  declareUserCursor,
  fetchUserRows,
  SESSION_RESET,
  userQueryPrelude,
  type UserQueryOptions,
  type UserQueryResult,
} from './user-query.ts';

/** Swallows a checked-out client's 'error' events (see checkout). */
const ignore = (): void => {};

/** Options for a Postgres server connection. */
export interface PgDbOptions {
  /** A `postgres://` or `postgresql://` URL. */
  url: string;
  /** Largest number of pooled connections. */
  maxConnections?: number;
  /** How long to wait for a connection before failing, in milliseconds. */
  connectTimeoutMs?: number;
  /** Shown in logs instead of the URL (which may hold a password). */
  description?: string;
  /**
   * Whether every connection shares one session (an embedded database served by another process): users'
   * SQL then ends with `DISCARD ALL`, since closing the connection does not end the session.
   */
  sharedSession?: boolean;
}

/** Error of a query given up on by the client (`query_timeout`), not by the server. */
export const CLIENT_TIMEOUT_MESSAGE = 'Query read timeout';

/** The URL with its password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `DATABASE_URL is not a valid URL: "${redactUrl(url)}" (expected postgres://user:password@host:port/database)`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      `DATABASE_URL has protocol "${parsed.protocol}" in "${redactUrl(url)}"; expected postgres: or postgresql:`,
    );
  }
  if (!parsed.hostname) throw new ConfigError(`DATABASE_URL names no host: "${redactUrl(url)}"`);
  if (parsed.port && !/^\d+$/.test(parsed.port)) {
    throw new ConfigError(`DATABASE_URL has port "${parsed.port}", not a number: "${redactUrl(url)}"`);
  }
  return parsed;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // int8 as number: ids stay far below 2^53.
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P03',
]);

/** Maps connection failures to `ServiceUnavailableError`; SQL errors pass through unchanged. */
export function mapConnectionError(err: unknown, where: string): unknown {
  const code = (err as { code?: string }).code;
  const message = (err as Error).message ?? String(err);
  if (
    (code && TRANSIENT_CODES.has(code)) ||
    /timeout|terminated|Connection terminated|not queryable/i.test(message)
  ) {
    return new ServiceUnavailableError(`database at ${where} is unreachable: ${message}`, { cause: err });
  }
  return err;
}

function wrapClient(client: pg.ClientBase | pg.Pool, where: string): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      try {
        // Extended protocol always: one statement per call, so a query can never end its transaction early.
        const res = await client.query({
          text: sql,
          values: params as unknown[] | undefined,
          types,
          queryMode: 'extended',
        } as pg.QueryConfig);
        return { rows: res.rows as R[], affectedRows: res.rowCount ?? 0 };
      } catch (err) {
        throw mapConnectionError(err, where);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (err) {
        throw mapConnectionError(err, where);
      }
    },
  };
}

/** A Postgres server (or an embedded database served by another driftwatch process) through `pg`. */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  private readonly root: Queryable;
  private caps?: Promise<DbCapabilities>;
  private readonly sharedSession: boolean;

  constructor(options: PgDbOptions) {
    parseDatabaseUrl(options.url);
    this.description = options.description ?? redactUrl(options.url);
    this.sharedSession = options.sharedSession ?? false;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
    this.root = wrapClient(this.pool, this.description);
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.root.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.root.exec(sql);
  }

  /**
   * A pooled client, with connection failures mapped. A checked-out client whose server goes away emits
   * 'error'; `ignore` swallows it (the failing query reports it instead) until the caller removes it.
   */
  private async checkout(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapConnectionError(err, this.description);
    }
    client.on('error', ignore);
    return client;
  }

  private async inTransaction<T>(begin: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    const tx = wrapClient(client, this.description);
    let broken: unknown;
    try {
      await tx.exec(begin);
      const result = await fn(tx);
      await tx.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr;
      }
      throw err;
    } finally {
      client.off('error', ignore);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN', fn);
  }

  readOnly<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN TRANSACTION READ ONLY', fn);
  }

  /**
   * Users' SQL on a connection of its own: a READ ONLY transaction with a local statement timeout, always
   * rolled back; the connection is then closed (a server session ends with it), after `DISCARD ALL` where
   * the session is shared. The owner of an embedded database enforces the timeout as a server does (see
   * pglite-socket-target.ts); the client also gives up a little after it, should the server not answer.
   */
  async userQuery(sql: string, options: UserQueryOptions): Promise<UserQueryResult> {
    const prelude = userQueryPrelude(options);
    const declare = declareUserCursor(sql);
    const client = await this.checkout();
    const queryTimeout = Math.ceil(options.timeoutMs) + 1000;
    let gaveUp = false;
    try {
      for (const statement of prelude) await client.query(statement);
      await client.query({ text: declare, queryMode: 'extended' } as pg.QueryConfig);
      const res = await client.query({
        text: fetchUserRows(options),
        rowMode: 'array',
        types,
        query_timeout: queryTimeout,
      } as pg.QueryArrayConfig);
      return { columns: res.fields.map((f) => f.name), ...capRows(res.rows as unknown[][], options) };
    } catch (err) {
      gaveUp = (err as Error).message === CLIENT_TIMEOUT_MESSAGE;
      // What the server says about the query itself (a SQLSTATE, the timeout among them) is the user's to see.
      const code = (err as { code?: unknown }).code;
      if (
        gaveUp ||
        code === '57014' ||
        (typeof code === 'string' && !code.startsWith('57') && !code.startsWith('08'))
      )
        throw err;
      throw mapConnectionError(err, this.description);
    } finally {
      // After a client-side timeout the connection is busy with the statement: close it unasked.
      if (!gaveUp) {
        await client.query('ROLLBACK').catch(ignore);
        if (this.sharedSession) await client.query(SESSION_RESET).catch(ignore);
      }
      client.off('error', ignore);
      client.release(true);
    }
  }

  capabilities(): Promise<DbCapabilities> {
    this.caps ??= readCapabilities(this);
    return this.caps;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
