import pg from 'pg';
import { ConfigError, ServiceUnavailableError } from '../errors.ts';
import { readCapabilities, type Db, type DbCapabilities, type Queryable, type QueryResult } from './db.ts';

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
}

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

  constructor(options: PgDbOptions) {
    parseDatabaseUrl(options.url);
    this.description = options.description ?? redactUrl(options.url);
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

  private async inTransaction<T>(begin: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapConnectionError(err, this.description);
    }
    // A checked-out client whose server goes away emits 'error'; the failing query reports it instead.
    const ignore = () => {};
    client.on('error', ignore);
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

  capabilities(): Promise<DbCapabilities> {
    this.caps ??= readCapabilities(this);
    return this.caps;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
