/**
 * What `PGLiteSocketServer` serves other processes from: the PGlite calls it makes (`waitReady`,
 * `isInTransaction`, `runExclusive`, `execProtocolRawStream`, `exec`; checked against the pinned
 * @electric-sql/pglite-socket version) answered by the database thread of `PgliteHost`.
 *
 * It also enforces the statement timeout that PGlite ignores: after `SET LOCAL statement_timeout = <ms>`
 * (how users' SQL starts, see user-query.ts), each further message of that transaction gets that long;
 * one that runs longer is stopped (the database thread is restarted) and its connection gets what a
 * server sends, an ErrorResponse with SQLSTATE 57014, then ReadyForQuery once the message or the Sync
 * that ends its extended-protocol batch is reached, as Postgres does after an error.
 */
import type { PgliteHost } from './pglite-host.ts';
import { QUERY_CANCELED, STATEMENT_TIMEOUT_MESSAGE, StatementTimeout } from './pglite-host.ts';
import { parseStatementTimeout } from './user-query.ts';

/** A backend message: type byte, then its length (counting itself) and body. */
function backendMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** ErrorResponse for a statement cancelled by its timeout. */
function timeoutError(): Buffer {
  const field = (code: string, value: string) => Buffer.from(`${code}${value}\0`, 'utf8');
  return backendMessage(
    'E',
    Buffer.concat([
      field('S', 'ERROR'),
      field('V', 'ERROR'),
      field('C', QUERY_CANCELED),
      field('M', STATEMENT_TIMEOUT_MESSAGE),
      Buffer.from([0]),
    ]),
  );
}

/** Sync: ends an extended-protocol sequence (a disconnected client's, whose answer nobody reads). */
const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4]);

/** Message types of the extended protocol that a Sync ends: Parse, Bind, Describe, Execute, Close, Flush. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H']);

/** ReadyForQuery, idle (the stopped statement's transaction is gone with the old thread). */
const READY_IDLE = backendMessage('Z', Buffer.from('I', 'latin1'));

/** The text of a simple-protocol Query message, or undefined for any other message. */
function simpleQueryText(message: Uint8Array): string | undefined {
  if (message[0] !== 0x51 /* 'Q' */ || message.length < 6) return undefined;
  return Buffer.from(message.buffer, message.byteOffset + 5, message.length - 6).toString('utf8');
}

/** The PGlite surface the socket server uses, over a `PgliteHost`. */
export class SocketTarget {
  /** Resolved: the host is started before it is served. */
  readonly waitReady = Promise.resolve();
  /** The timeout the open transaction set, in milliseconds. */
  private timeoutMs?: number;
  /** After a stopped extended-protocol message: later messages up to the next Sync are skipped. */
  private skippingToSync = false;

  constructor(private readonly host: PgliteHost) {}

  /**
   * Whether a connection's transaction or extended-protocol sequence is open (the socket server then
   * serves only that connection, and this process's own statements wait).
   */
  isInTransaction(): boolean {
    return this.host.busy || this.skippingToSync;
  }

  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.host.exclusive(fn);
  }

  /** Runs one protocol message of a connection (called inside `runExclusive`). */
  async execProtocolRawStream(
    message: Uint8Array,
    options: { onRawData: (data: Uint8Array) => void },
  ): Promise<void> {
    const type = String.fromCharCode(message[0] ?? 0);
    if (this.skippingToSync) {
      if (type === 'S') {
        this.skippingToSync = false;
        options.onRawData(READY_IDLE);
      }
      return;
    }
    // In memory the statement could not be stopped (see PgliteHost), so there it is not timed.
    const timeoutMs = this.host.inTransaction && this.host.restartable ? this.timeoutMs : undefined;
    try {
      const data = await this.host.call<Uint8Array>({ op: 'protocol', message }, timeoutMs);
      options.onRawData(data);
    } catch (err) {
      if (!(err instanceof StatementTimeout)) throw err;
      this.timeoutMs = undefined;
      if (type === 'Q' || type === 'S') options.onRawData(Buffer.concat([timeoutError(), READY_IDLE]));
      else {
        options.onRawData(timeoutError());
        this.skippingToSync = true;
      }
      return;
    }
    if (EXTENDED.has(type)) this.host.setSequenceOpen(true);
    else if (type === 'S' || type === 'Q') this.host.setSequenceOpen(false);
    if (!this.host.inTransaction) this.timeoutMs = undefined;
    else {
      const text = simpleQueryText(message);
      const ms = text === undefined ? undefined : parseStatementTimeout(text);
      if (ms !== undefined) this.timeoutMs = ms;
    }
  }

  /**
   * Runs SQL: the socket server rolls back a disconnected connection's transaction with it. A protocol
   * sequence the connection left open is ended first with a Sync, or the database would skip the
   * ROLLBACK (and then everyone's statements) waiting for it.
   */
  exec(sql: string): Promise<void> {
    return this.host.exclusive(async () => {
      this.skippingToSync = false;
      this.timeoutMs = undefined;
      if (this.host.sequenceIsOpen) {
        await this.host.call({ op: 'protocol', message: SYNC });
        this.host.setSequenceOpen(false);
      }
      await this.host.call({ op: 'exec', sql });
    });
  }
}
