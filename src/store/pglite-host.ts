/**
 * The embedded PGlite database in a worker thread of its own (`pglite-thread.mjs`), so that a statement
 * can be stopped: PGlite is single-threaded WASM and cannot interrupt a running statement (it ignores
 * `statement_timeout`), but its thread can be terminated. A request given a timeout that runs past it
 * terminates the thread and starts a fresh PGlite on the same data folder, which holds everything
 * committed (the statement's own transaction is lost, as a cancelled one would be). A database in memory
 * cannot be restarted without losing its data: there the caller gets the timeout error on time, but the
 * statement runs to its end and holds the database until then.
 *
 * Written here rather than with `@electric-sql/pglite/worker`: that API is made for browser tabs (leader
 * election through `navigator.locks`, which Node 20 lacks) and offers no terminate-and-restart.
 */
import { Worker } from 'node:worker_threads';
import { ServiceUnavailableError } from '../errors.ts';

/** A request to the database thread. */
export type HostRequest =
  | { op: 'query'; sql: string; params?: readonly unknown[]; rowMode?: 'object' | 'array' }
  | { op: 'exec'; sql: string }
  | { op: 'protocol'; message: Uint8Array }
  | { op: 'close' };

/** What a `query` request returns. */
export interface HostQueryResult<R> {
  /** Rows, as objects or (rowMode `array`) as arrays. */
  rows: R[];
  /** Column names and type ids, in order. */
  fields: Array<{ name: string; dataTypeID: number }>;
  /** Rows inserted, updated or deleted. */
  affectedRows: number;
}

/** SQLSTATE of a statement cancelled by its timeout (`query_canceled`), as a server reports it. */
export const QUERY_CANCELED = '57014';

/** The message Postgres gives a statement cancelled by `statement_timeout`. */
export const STATEMENT_TIMEOUT_MESSAGE = 'canceling statement due to statement timeout';

/** A statement stopped at its timeout; `code` is the SQLSTATE a server gives it. */
export class StatementTimeout extends Error {
  readonly code = QUERY_CANCELED;
  constructor() {
    super(STATEMENT_TIMEOUT_MESSAGE);
  }
}

interface Reply {
  id?: number;
  ready?: boolean;
  ok?: boolean;
  result?: unknown;
  error?: Record<string, unknown> & { message: string };
  inTransaction?: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const THREAD = new URL('./pglite-thread.mjs', import.meta.url);
const noop = (): void => {};

/** An Error carrying the fields (code, detail, hint…) of one raised in the database thread. */
function threadError(fields: Record<string, unknown> & { message: string }): Error {
  const err = new Error(fields.message);
  for (const [key, value] of Object.entries(fields)) {
    if (key !== 'message') (err as unknown as Record<string, unknown>)[key] = value;
  }
  return err;
}

/** One PGlite database in a worker thread, restarted when a request passes its timeout. */
export class PgliteHost {
  /** Whether the database is inside a transaction, as of the last reply. */
  inTransaction = false;
  /**
   * Whether a served connection is inside an extended-protocol sequence (Parse, Bind, Execute… not yet
   * followed by Sync): like a transaction, nothing else may run until it ends, or its Sync would end
   * someone else's statement and an error it raised would swallow theirs.
   */
  private sequenceOpen = false;
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Settles when the last request sent has been answered (or its thread has gone). */
  private lastReply: Promise<void> = Promise.resolve();
  /** Settles once a restart after a timeout is done; resolved when none is under way. */
  private restarted: Promise<void> = Promise.resolve();
  /** Why the database is unusable (a restart that failed, a thread that died in memory). */
  private broken?: Error;
  private closed = false;
  /** A thread being terminated on purpose (after a timeout): its exit starts no second restart. */
  private retiring?: Worker;
  /** Tail of the exclusive sections, in order. */
  private lock: Promise<void> = Promise.resolve();
  private readonly idleWaiters: Array<() => void> = [];

  private constructor(
    /** The data folder, or undefined for a database in memory (which cannot be restarted). */
    readonly dataDir: string | undefined,
  ) {}

  /** Starts PGlite on `dataDir` (creating it if needed), or in memory when `dataDir` is undefined. */
  static async start(dataDir?: string): Promise<PgliteHost> {
    const host = new PgliteHost(dataDir);
    await host.spawn();
    return host;
  }

  /** Whether a transaction or a served connection's protocol sequence is open. */
  get busy(): boolean {
    return this.inTransaction || this.sequenceOpen;
  }

  /** Whether a served connection's extended-protocol sequence is open. */
  get sequenceIsOpen(): boolean {
    return this.sequenceOpen;
  }

  /** Marks a served connection's extended-protocol sequence open or ended (SocketTarget). */
  setSequenceOpen(open: boolean): void {
    this.sequenceOpen = open;
    if (!this.busy) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Whether a request past its timeout stops the statement (a data folder) or only its caller's wait. */
  get restartable(): boolean {
    return this.dataDir !== undefined;
  }

  private async spawn(): Promise<void> {
    const worker = new Worker(THREAD, { workerData: { dataDir: this.dataDir } });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new ServiceUnavailableError(this.exitMessage(code)));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: Reply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (m.ready) resolve();
        else reject(threadError(m.error ?? { message: 'the database thread did not start' }));
      });
    });
    worker.on('message', (m: Reply) => this.onReply(m));
    worker.on('error', noop);
    worker.on('exit', (code) => this.onExit(worker, code));
    worker.unref();
    this.worker = worker;
    this.inTransaction = false;
    this.sequenceOpen = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private exitMessage(code: number): string {
    return `the embedded database thread (${this.dataDir ?? 'in memory'}) exited with code ${code}`;
  }

  private onReply(m: Reply): void {
    if (m.id === undefined) return;
    const waiter = this.pending.get(m.id);
    if (!waiter) return;
    this.pending.delete(m.id);
    this.inTransaction = m.inTransaction ?? false;
    if (this.pending.size === 0) this.worker.unref();
    if (!this.busy) for (const wake of this.idleWaiters.splice(0)) wake();
    if (m.ok) waiter.resolve(m.result);
    else waiter.reject(threadError(m.error ?? { message: 'unknown error' }));
  }

  /** The thread ended: every request waiting on it fails; a data folder is reopened by the next restart. */
  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    const planned = worker === this.retiring;
    const err = new ServiceUnavailableError(this.exitMessage(code));
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
    this.inTransaction = false;
    this.sequenceOpen = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
    if (!planned && !this.closed && !this.broken) {
      if (this.restartable) this.restart();
      else this.broken = err;
    }
  }

  /** Terminates the thread and starts a fresh one on the same data folder; `restarted` settles after. */
  private restart(): void {
    const old = this.worker;
    this.retiring = old;
    this.restarted = (async () => {
      await old.terminate().catch(noop);
      const gone = new ServiceUnavailableError(
        `the embedded database thread (${this.dataDir}) was stopped after a statement timeout`,
      );
      for (const waiter of this.pending.values()) waiter.reject(gone);
      this.pending.clear();
      try {
        await this.spawn();
      } catch (err) {
        this.broken = new ServiceUnavailableError(
          `the embedded database ${this.dataDir} could not be reopened after a statement timeout: ${(err as Error).message}`,
          { cause: err },
        );
      }
    })();
  }

  /**
   * Sends one request (inside an exclusive section). With `timeoutMs`, the request fails with
   * `StatementTimeout` once that passes; on a data folder the thread is then terminated and restarted.
   */
  call<T>(request: HostRequest, timeoutMs?: number): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new ServiceUnavailableError('the embedded database is closed'));
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.lastReply = reply.then(noop, noop);
    if (this.pending.size === 1) this.worker.ref();
    this.worker.postMessage({ id, ...request });
    if (timeoutMs === undefined) return reply as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new StatementTimeout());
        if (this.restartable && this.pending.has(id)) this.restart();
      }, timeoutMs);
      reply.then(
        (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /**
   * Runs `fn` with the database to itself: sections run one after another, and the next starts once
   * every request of this one is answered and any restart it caused is done (`fn` may return earlier).
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      void Promise.all([this.lastReply, this.restarted]).then(() => this.restarted.then(release));
    }
  }

  /**
   * Like `exclusive`, but starts only outside a transaction: one that a connection served to another
   * process opened is waited for, so that this process's statements never land in it.
   */
  async outsideTransactions<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const started = await this.exclusive(async (): Promise<{ value: T } | { waitFor: Promise<void> }> => {
        if (this.busy) return { waitFor: new Promise<void>((r) => this.idleWaiters.push(r)) };
        return { value: await fn() };
      });
      if ('value' in started) return started.value;
      await started.waitFor;
    }
  }

  /** Closes the database (after any restart under way) and ends its thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async () => {
      await this.restarted;
      if (!this.broken) await this.call({ op: 'close' }).catch(noop);
      this.closed = true;
      await this.worker.terminate();
    });
  }
}
