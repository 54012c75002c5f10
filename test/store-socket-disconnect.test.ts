/**
 * A process that dies in the middle of an extended-protocol exchange with the embedded database (Parse,
 * Bind, Execute sent; its Sync never comes) must not take the next statements of the owner or of other
 * processes with it: the owner waits for the sequence like for a transaction, and the disconnect ends it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { PgDb } from '../src/store/pg-db.ts';
import { SOCKET_FILE } from '../src/store/socket-dir.ts';

/** One frontend message: its type byte, then its length (counting itself) and body. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int16 = (v: number) => Buffer.from([(v >> 8) & 255, v & 255]);
const int32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};

/** Connects, completes the startup handshake and resolves once the server says ReadyForQuery. */
async function rawClient(path: string): Promise<Socket> {
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => resolve());
  });
  const params = Buffer.concat([
    cstr('user'),
    cstr('postgres'),
    cstr('database'),
    cstr('postgres'),
    cstr(''),
  ]);
  const startup = Buffer.concat([int32(8 + params.length), int32(196608), params]);
  await new Promise<void>((resolve) => {
    let seen = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      seen = Buffer.concat([seen, d]);
      if (seen.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.write(startup);
  });
  return socket;
}

describe('a served connection that dies mid-exchange', () => {
  let owner: Db;
  let socketPath: string;
  const home = mkdtempSync(join(tmpdir(), 'dw-disconnect-'));

  beforeAll(async () => {
    owner = await openDb({ dataDir: join(home, 'db') });
    const lock = JSON.parse(readFileSync(join(home, 'db.server.json'), 'utf8')) as { socketDir: string };
    socketPath = join(lock.socketDir, SOCKET_FILE);
  });
  afterAll(async () => {
    await owner?.close();
  });

  it('leaves the owner and a later connection their own results, after a failing statement without Sync', async () => {
    const raw = await rawClient(socketPath);
    // Parse, Bind and Execute a statement that fails (division by zero), then vanish before Sync: the
    // database skips everything until a Sync, and without one it would skip the owner's statements too.
    const answered = new Promise<void>((resolve) => raw.once('data', () => resolve()));
    raw.write(
      Buffer.concat([
        message('P', cstr(''), cstr('SELECT 1 / 0'), int16(0)),
        message('B', cstr(''), cstr(''), int16(0), int16(0), int16(0)),
        message('E', cstr(''), int32(0)),
      ]),
    );
    await answered;
    raw.destroy();
    const { rows } = await owner.query<{ n: number }>('SELECT 41 + 1 AS n');
    expect(rows).toEqual([{ n: 42 }]);
    const other = new PgDb({
      url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(join(socketPath, '..'))}&port=5432`,
      sharedSession: true,
    });
    try {
      expect((await other.query<{ n: number }>('SELECT 6 * 7 AS n')).rows).toEqual([{ n: 42 }]);
    } finally {
      await other.close();
    }
    expect((await owner.query<{ n: number }>('SELECT 2 + 2 AS n')).rows).toEqual([{ n: 4 }]);
  });
});
