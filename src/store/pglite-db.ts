import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
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

// int8 as number, as in the pg backend: ids stay far below 2^53.
const parsers = { 20: (v: string) => Number(v) };

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await target.query<R>(sql, params as unknown[] | undefined);
      return { rows: res.rows, affectedRows: res.affectedRows ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/** A simple-protocol Query message ('Q', length, the text NUL-terminated). */
function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** An embedded PGlite database owned by this process. Queries are serialised by PGlite itself. */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly description: string;
  private readonly root: Queryable;
  private caps?: Promise<DbCapabilities>;
  private readonly closeHooks: Array<() => Promise<void>> = [];

  private constructor(
    /** The PGlite instance, for serving it to other processes. */
    readonly pglite: PGlite,
    description: string,
  ) {
    this.description = description;
    this.root = wrap(pglite);
  }

  /** Opens (creating if needed) a database in `dataDir`, or in memory when `dataDir` is undefined. */
  static async open(dataDir?: string): Promise<PgliteDb> {
    const pglite = await PGlite.create(dataDir ?? 'memory://', { extensions: { vector }, parsers });
    await pglite.exec('CREATE EXTENSION IF NOT EXISTS vector');
    return new PgliteDb(pglite, dataDir ? `embedded PGlite at ${dataDir}` : 'embedded PGlite in memory');
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.root.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.root.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pglite.transaction((tx) => fn(wrap(tx)));
  }

  readOnly<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (tx) => {
      await tx.exec('SET TRANSACTION READ ONLY');
      return fn(wrap(tx));
    });
  }

  /**
   * Users' SQL in a READ ONLY transaction that is always rolled back, then `DISCARD ALL`: this session is
   * the one every connected process shares. PGlite cannot interrupt a running statement (it ignores
   * `statement_timeout`), so here the timeout is set but only a server backend enforces it.
   */
  async userQuery(sql: string, options: UserQueryOptions): Promise<UserQueryResult> {
    const [, setTimeout] = userQueryPrelude(options);
    const declare = declareUserCursor(sql);
    try {
      return await this.pglite.transaction(async (tx) => {
        await tx.exec('SET TRANSACTION READ ONLY');
        await tx.exec(setTimeout!);
        await tx.query(declare);
        const res = await tx.query<unknown[]>(fetchUserRows(options), [], { rowMode: 'array' });
        await tx.rollback();
        return { columns: res.fields.map((f) => f.name), ...capRows(res.rows, options) };
      });
    } finally {
      await this.resetSession();
    }
  }

  /**
   * `DISCARD ALL`, unless a connection served to another process is inside a transaction right now: the
   * socket server runs that transaction's statements one by one, and `DISCARD ALL` there would fail and
   * abort it. (What a rolled-back read-only query can leave, an advisory lock, blocks nobody in a shared
   * session, and the next user query discards it.)
   */
  private async resetSession(): Promise<void> {
    await this.pglite.runExclusive(async () => {
      if (!this.pglite.isInTransaction()) await this.pglite.execProtocol(simpleQuery(SESSION_RESET));
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
    if (!this.pglite.closed) await this.pglite.close();
  }
}
