import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { PGlite } from '@electric-sql/pglite';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { loadConfig, type DriftwatchConfig } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { ownerOnlySocketDir, SOCKET_FILE, SOCKET_PORT, type SocketDir } from './socket-dir.ts';
import type { Db } from './db.ts';
import { migrate, type MigrationStatus } from './migrator.ts';
import { PgDb } from './pg-db.ts';
import { PgliteDb } from './pglite-db.ts';

/** How to reach the database. */
export interface DbConfig {
  /** A Postgres server URL; when set, the embedded database is not used. */
  databaseUrl?: string;
  /** Folder of the embedded PGlite database (default `.driftwatch/db`). */
  dataDir?: string;
  /** Apply pending migrations after connecting (default true). */
  migrate?: boolean;
  /** Called with each migration's status, e.g. to print it. */
  onMigration?: (status: MigrationStatus) => void;
}

/** The configured database: `DATABASE_URL` when set, else the embedded database in `<DRIFTWATCH_HOME>/db`. */
export function dbConfigOf(config: Pick<DriftwatchConfig, 'databaseUrl' | 'dbDir'>): DbConfig {
  return config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dbDir };
}

/** The database the environment configures (see src/config.ts). */
export function dbConfigFromEnv(env?: NodeJS.ProcessEnv): DbConfig {
  return dbConfigOf(loadConfig(env));
}

/** Contents of the lock file that says which process serves an embedded database, and where. */
interface ServerLock {
  /** The owning process. */
  pid: number;
  /** Folder (mode 0700) holding the unix socket it serves, once it serves. */
  socketDir?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function readLock(path: string): ServerLock | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ServerLock;
  } catch {
    return undefined;
  }
}

/**
 * Opens an embedded database. The first process to open it owns it and serves it on a unix socket in a
 * folder only its user can enter (PGlite accepts any password, so the folder's mode is the access
 * check), so that other processes (worker, CLI, viewer) can use it at the same time through `pg`.
 * The socket server serialises their queries; an open transaction on one connection holds the others
 * until it ends, so keep transactions short.
 */
async function openEmbedded(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dirname(dataDir), `${dataDir.split(/[\\/]/).pop()}.server.json`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lock = readLock(lockPath);
    if (lock && alive(lock.pid) && lock.pid !== process.pid) {
      if (lock.socketDir && (await canConnect(join(lock.socketDir, SOCKET_FILE)))) {
        const host = encodeURIComponent(lock.socketDir);
        return new PgDb({
          url: `postgres://postgres@localhost/postgres?host=${host}&port=${SOCKET_PORT}&sslmode=disable`,
          description: `embedded PGlite at ${dataDir} (served by pid ${lock.pid} on ${join(lock.socketDir, SOCKET_FILE)})`,
          maxConnections: 2,
          sharedSession: true,
        });
      }
      if (Date.now() > deadline) {
        throw new ServiceUnavailableError(
          `embedded database ${dataDir} is held by pid ${lock.pid} but not served (lock ${lockPath}); stop that process or remove the lock`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (lock) rmSync(lockPath, { force: true });
    try {
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid } satisfies ServerLock), {
        flag: 'wx',
        mode: 0o600,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    break;
  }
  let db: PgliteDb;
  try {
    db = await PgliteDb.open(dataDir);
  } catch (err) {
    rmSync(lockPath, { force: true });
    throw err;
  }
  let socket: SocketDir;
  let server: PGLiteSocketServer;
  try {
    socket = ownerOnlySocketDir(join(dirname(dataDir), `${dataDir.split(/[\\/]/).pop()}.sock`));
    const path = join(socket.dir, SOCKET_FILE);
    rmSync(path, { force: true });
    server = new PGLiteSocketServer({
      // The socket server uses only the PGlite calls SocketTarget answers.
      db: db.socketTarget() as unknown as PGlite,
      path,
      maxConnections: 32,
    });
    await server.start();
    chmodSync(path, 0o600);
  } catch (err) {
    await db.close().catch(() => {});
    rmSync(lockPath, { force: true });
    throw err;
  }
  const lock: ServerLock = { pid: process.pid, socketDir: socket.dir };
  writeFileSync(lockPath, JSON.stringify(lock), { mode: 0o600 });
  db.onClose(async () => {
    await server.stop();
    rmSync(socket.temporary ? socket.dir : join(socket.dir, SOCKET_FILE), { recursive: true, force: true });
    rmSync(lockPath, { force: true });
  });
  return db;
}

/** Opens the configured database and (by default) applies pending migrations. */
export async function openDb(config: DbConfig = dbConfigFromEnv()): Promise<Db> {
  const db = config.databaseUrl
    ? new PgDb({ url: config.databaseUrl })
    : config.dataDir === 'memory://'
      ? await PgliteDb.open()
      : await openEmbedded(config.dataDir ?? join('.driftwatch', 'db'));
  if (config.migrate !== false) {
    try {
      const statuses = await migrate(db);
      for (const s of statuses) config.onMigration?.(s);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
  }
  return db;
}
