import { readCapabilities, type Db, type DbCapabilities, type Queryable, type QueryResult } from './db.ts';
import { PgliteHost, type HostQueryResult } from './pglite-host.ts';
import { SocketTarget } from './pglite-socket-target.ts';
import {
  capRows,
  declareUserCursor,
  fetchUserRows,
  SESSION_RESET,
  userQueryPrelude,
  type UserQueryOptions,
  type UserQueryResult,
} from './user-query.ts';

const ignore = (): void => {};

/** Statements sent straight to the database thread (inside an exclusive section of the host). */
function direct(host: PgliteHost): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await host.call<HostQueryResult<R>>({ op: 'query', sql, params });
      return { rows: res.rows, affectedRows: res.affectedRows };
    },
    async exec(sql: string): Promise<void> {
      await host.call({ op: 'exec', sql });
    },
  };
}

/**
 * An embedded PGlite database owned by this process, run in a worker thread (see pglite-host.ts).
 * Statements are serialised: one at a time, a transaction's all together, and none of this process's
 * inside a transaction that a connection served to another process has open.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly description: string;
  private readonly tx: Queryable;
  private caps?: Promise<DbCapabilities>;
  private readonly closeHooks: Array<() => Promise<void>> = [];
  private target?: SocketTarget;

  private constructor(
    /** The database thread. */
    private readonly host: PgliteHost,
    description: string,
  ) {
    this.description = description;
    this.tx = direct(host);
  }

  /** Opens (creating if needed) a database in `dataDir`, or in memory when `dataDir` is undefined. */
  static async open(dataDir?: string): Promise<PgliteDb> {
    const host = await PgliteHost.start(dataDir);
    return new PgliteDb(host, dataDir ? `embedded PGlite at ${dataDir}` : 'embedded PGlite in memory');
  }

  /** What the socket server serves other processes from (one per database). */
  socketTarget(): SocketTarget {
    this.target ??= new SocketTarget(this.host);
    return this.target;
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.host.outsideTransactions(() => this.tx.query<R>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.host.outsideTransactions(() => this.tx.exec(sql));
  }

  private inTransaction<T>(begin: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.host.outsideTransactions(async () => {
      await this.tx.exec(begin);
      try {
        const result = await fn(this.tx);
        await this.tx.exec('COMMIT');
        return result;
      } catch (err) {
        await this.tx.exec('ROLLBACK').catch(ignore);
        throw err;
      }
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN', fn);
  }

  readOnly<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN TRANSACTION READ ONLY', fn);
  }

  /**
   * Users' SQL in a READ ONLY transaction that is always rolled back, then `DISCARD ALL`: this session is
   * the one every connected process shares. Each statement gets `timeoutMs`; one that runs longer fails
   * with SQLSTATE 57014, as on a server: on a data folder the database thread is stopped and restarted
   * (everything committed stays), so the next statement, this process's or another's, runs at once. In
   * memory the database cannot be restarted: the caller gets the error on time, but the statement runs to
   * its end in the background and holds the database until then.
   */
  async userQuery(sql: string, options: UserQueryOptions): Promise<UserQueryResult> {
    const [begin, setTimeout] = userQueryPrelude(options);
    const declare = declareUserCursor(sql);
    const timeoutMs = Math.ceil(options.timeoutMs);
    return this.host.outsideTransactions(async () => {
      let timedOut = false;
      try {
        await this.host.call({ op: 'exec', sql: `${begin}; ${setTimeout}` });
        await this.host.call({ op: 'query', sql: declare }, timeoutMs);
        const res = await this.host.call<HostQueryResult<unknown[]>>(
          { op: 'query', sql: fetchUserRows(options), rowMode: 'array' },
          timeoutMs,
        );
        return { columns: res.fields.map((f) => f.name), ...capRows(res.rows, options) };
      } catch (err) {
        timedOut = (err as { code?: unknown }).code === '57014';
        throw err;
      } finally {
        // After a timeout on a data folder the session is a fresh one; in memory the statement still
        // runs, so the clean-up is queued behind it, unawaited (the next section waits for it).
        if (!(timedOut && this.host.restartable)) {
          const rollback = this.tx.exec('ROLLBACK').catch(ignore);
          const reset = this.tx.exec(SESSION_RESET).catch(ignore);
          if (!timedOut) await Promise.all([rollback, reset]);
        }
      }
    });
  }

  capabilities(): Promise<DbCapabilities> {
    this.caps ??= readCapabilities(this);
    return this.caps;
  }

  /** Runs `hook` before the database closes (e.g. to stop serving it). */
  onClose(hook: () => Promise<void>): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    for (const hook of this.closeHooks.splice(0)) await hook();
    await this.host.close();
  }
}
