import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openDb } from '../src/store/open.ts';

// Real processes, a real Temporal server, real `kill -9`: the embedded services of a home survive the
// death of any process using them, and never run twice.

/** Node with the tsx loader in-process (the `tsx` command would run the script in a second process). */
const tsx = ['--import', 'tsx'];
const children: ChildProcess[] = [];
const homes: string[] = [];

/** A fresh home, whose servers are killed after the test whatever its outcome. */
function newHome(prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  homes.push(home);
  return home;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const home of homes.splice(0)) for (const pid of temporalServersOf(home)) process.kill(pid, 'SIGKILL');
});

/** Whether a process is alive: present in /proc and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** Every live `temporal` process whose arguments name this home's state file (read from /proc). */
function temporalServersOf(home: string): number[] {
  const stateFile = join(home, 'temporal.db');
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(stateFile) && alive(pid);
      } catch {
        return false;
      }
    });
}

interface Record {
  pid: number;
  port: number;
  address: string;
  users: number[];
  stopping?: true;
}
const record = (home: string) =>
  JSON.parse(readFileSync(join(home, 'temporal.server.json'), 'utf8')) as Record;

function env(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DRIFTWATCH_HOME: home,
    TEMPORAL_CLI: inject('temporalCli'),
    TEMPORAL_ADDRESS: '',
    DATABASE_URL: '',
  };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}

interface UserInfo {
  pid: number;
  address: string;
  server: { pid: number; started: boolean };
}

/** test/helpers/temporal-user-main.ts in its own process: a user of the home's server. */
function user(home: string) {
  const child = spawn(process.execPath, [...tsx, 'test/helpers/temporal-user-main.ts'], {
    env: env(home),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`user process ${child.pid} ended (exit ${child.exitCode ?? child.signalCode})`);
    return value as string;
  };
  const info = next().then((l) => JSON.parse(l) as UserInfo);
  return {
    child,
    info,
    async check(): Promise<unknown> {
      child.stdin!.write('check\n');
      return JSON.parse(await next()) as unknown;
    },
    async close(): Promise<void> {
      child.stdin!.write('close\n');
      expect(await next()).toBe('closed');
      await exited(child);
      expect(child.exitCode).toBe(0);
    },
  };
}

const OK = { namespace: 'default' };

/** `driftwatch worker` in its own process, resolved once it polls. */
async function driftwatchWorker(home: string) {
  const child = spawn(process.execPath, [...tsx, 'src/cli/main.ts', 'worker'], {
    env: env(home),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Ctrl-C to stop')) resolve();
    });
    child.once('exit', () => reject(new Error(`worker exited: ${stderr}`)));
  });
  return { child, stderr: () => stderr };
}

/** The pid that the embedded database's lock names. */
const dbOwner = (home: string) =>
  (JSON.parse(readFileSync(join(home, 'db.server.json'), 'utf8')) as { pid: number }).pid;

describe('the embedded Temporal server of a home', () => {
  it('is shared: the second process adopts it, the first to leave does not stop it, the last does', async () => {
    const home = newHome('dw-share-');
    const a = user(home);
    const ai = await a.info;
    expect(ai.server.started).toBe(true);
    const server = ai.server.pid;
    expect(record(home)).toEqual({
      pid: server,
      port: Number(ai.address.split(':')[1]),
      address: ai.address,
      users: [ai.pid],
    });
    const b = user(home);
    const bi = await b.info;
    expect(bi.server).toEqual({ pid: server, started: false });
    expect(bi.address).toBe(ai.address);
    expect(record(home).users).toEqual([ai.pid, bi.pid]);
    expect(temporalServersOf(home)).toEqual([server]);

    await a.close();
    expect(record(home).users).toEqual([bi.pid]);
    expect(await b.check()).toEqual(OK); // no ECONNREFUSED: the server the first started still serves
    expect(temporalServersOf(home)).toEqual([server]);

    await b.close();
    expect(alive(server)).toBe(false);
    expect(temporalServersOf(home)).toEqual([]);
    expect(existsSync(join(home, 'temporal.server.json'))).toBe(false);
  });

  it('started by two processes at once runs once', async () => {
    const home = newHome('dw-race-');
    const [a, b] = [user(home), user(home)];
    const [ai, bi] = await Promise.all([a.info, b.info]);
    expect(bi.server.pid).toBe(ai.server.pid);
    expect([ai.server.started, bi.server.started].sort()).toEqual([false, true]);
    expect(temporalServersOf(home)).toEqual([ai.server.pid]);
    expect([...record(home).users].sort()).toEqual([ai.pid, bi.pid].sort());
    expect(await a.check()).toEqual(OK);
    expect(await b.check()).toEqual(OK);
    await a.close();
    expect(await b.check()).toEqual(OK);
    await b.close();
    expect(temporalServersOf(home)).toEqual([]);
  });

  it('outlives a `driftwatch worker` killed with -9: the next worker adopts it and the database, and stops it on Ctrl-C', async () => {
    const home = newHome('dw-kill-worker-');
    const first = await driftwatchWorker(home);
    const { pid: server, address } = record(home);
    expect(record(home).users).toEqual([first.child.pid]);
    expect(first.stderr()).toContain(`temporal: embedded dev server on ${address}`);
    expect(temporalServersOf(home)).toEqual([server]);
    expect(dbOwner(home)).toBe(first.child.pid);

    await kill9(first.child);
    expect(alive(first.child.pid!)).toBe(false);
    expect(temporalServersOf(home)).toEqual([server]); // detached: not killed with its owner

    const second = await driftwatchWorker(home);
    expect(second.stderr()).toContain(`worker: polling driftwatch-io and driftwatch-embed on ${address}`);
    expect(record(home)).toEqual({
      pid: server,
      port: Number(address.split(':')[1]),
      address,
      users: [second.child.pid], // the dead worker is no longer counted
    });
    expect(temporalServersOf(home)).toEqual([server]);
    expect(dbOwner(home)).toBe(second.child.pid);

    const user2 = user(home);
    expect((await user2.info).server).toEqual({ pid: server, started: false });
    expect(await user2.check()).toEqual(OK);
    await user2.close();

    second.child.kill('SIGINT');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
    expect(alive(server)).toBe(false);
    expect(temporalServersOf(home)).toEqual([]);
    expect(existsSync(join(home, 'temporal.server.json'))).toBe(false);
    expect(existsSync(join(home, 'db.server.json'))).toBe(false);
  }, 300_000);

  it('killed itself with -9: the next process starts a fresh one on the same state file, and only one', async () => {
    const home = newHome('dw-kill-server-');
    const a = user(home);
    const ai = await a.info;
    process.kill(ai.server.pid, 'SIGKILL');
    while (alive(ai.server.pid)) await new Promise((r) => setImmediate(r));
    const b = user(home);
    const bi = await b.info;
    expect(bi.server.started).toBe(true);
    expect(bi.server.pid).not.toBe(ai.server.pid);
    expect(temporalServersOf(home)).toEqual([bi.server.pid]);
    expect(record(home).users).toEqual([bi.pid]);
    expect(await b.check()).toEqual(OK);
    await a.close(); // its lease names the dead server: the new one is left alone
    expect(temporalServersOf(home)).toEqual([bi.server.pid]);
    await b.close();
    expect(temporalServersOf(home)).toEqual([]);
  });

  it('is stopped by its last user dying of a signal it does not handle (Ctrl-C of a command)', async () => {
    const home = newHome('dw-sigint-');
    const a = user(home);
    const ai = await a.info;
    a.child.kill('SIGINT');
    await exited(a.child);
    expect(a.child.signalCode).toBe('SIGINT'); // it still dies of the signal
    expect(record(home)).toEqual({
      pid: ai.server.pid,
      port: Number(ai.address.split(':')[1]),
      address: ai.address,
      users: [],
      stopping: true,
    });
    // The server was told to stop; the next user waits for it to exit, then starts afresh.
    const b = user(home);
    const bi = await b.info;
    expect(alive(ai.server.pid)).toBe(false);
    expect(bi.server.started).toBe(true);
    expect(bi.server.pid).not.toBe(ai.server.pid);
    expect(temporalServersOf(home)).toEqual([bi.server.pid]);
    await b.close();
    expect(temporalServersOf(home)).toEqual([]);
  });

  it('breaks a mutex and a record left by a killed process', async () => {
    const home = newHome('dw-stale-');
    const dead = spawn(process.execPath, ['-e', '']);
    await exited(dead);
    writeFileSync(join(home, 'temporal.server.mutex'), String(dead.pid));
    writeFileSync(
      join(home, 'temporal.server.json'),
      JSON.stringify({ pid: dead.pid, port: 1, address: '127.0.0.1:1', users: [dead.pid] }),
    );
    const a = user(home);
    const ai = await a.info;
    expect(ai.server.started).toBe(true);
    expect(record(home)).toEqual({
      pid: ai.server.pid,
      port: Number(ai.address.split(':')[1]),
      address: ai.address,
      users: [ai.pid],
    });
    expect(existsSync(join(home, 'temporal.server.mutex'))).toBe(false);
    await a.close();
    expect(temporalServersOf(home)).toEqual([]);
  });
});

describe('the embedded database of a home', () => {
  it('is taken over cleanly after its owner is killed with -9: data kept, served again, lock renamed', async () => {
    const home = newHome('dw-kill-db-');
    const dataDir = join(home, 'db');
    const owner = spawn(process.execPath, [...tsx, 'test/helpers/db-owner-main.ts'], {
      env: { ...env(home), DB_DIR: dataDir, AREA_ID: 'before-kill' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(owner);
    const ready = JSON.parse(
      (await createInterface({ input: owner.stdout! })[Symbol.asyncIterator]().next()).value as string,
    ) as { pid: number; kind: string };
    expect(ready).toEqual({ pid: owner.pid, kind: 'pglite' });
    const lockPath = join(home, 'db.server.json');
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual({
      pid: owner.pid,
      socketDir: join(home, 'db.sock'),
    });

    await kill9(owner);
    expect(alive(owner.pid!)).toBe(false);

    // This process takes the database over and serves it; another process then reads and writes it.
    const db = await openDb({ dataDir });
    try {
      expect(db.kind).toBe('pglite');
      expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual({
        pid: process.pid,
        socketDir: join(home, 'db.sock'),
      });
      expect((await db.query('SELECT id FROM areas ORDER BY id')).rows).toEqual([{ id: 'before-kill' }]);
      const other = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          [...tsx, 'src/cli/main.ts', 'sql', '--json', 'SELECT id FROM areas ORDER BY id'],
          { env: env(home), encoding: 'utf8' },
          (err, stdout) => resolve({ code: err ? Number(err.code) : 0, stdout }),
        );
      });
      expect(other).toEqual({ code: 0, stdout: `${JSON.stringify([{ id: 'before-kill' }], null, 2)}\n` });
      await db.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ('after', 'after', '{}', '{0,0,1,1}', 32633)`,
      );
      expect((await db.query('SELECT count(*)::int AS n FROM areas')).rows).toEqual([{ n: 2 }]);
    } finally {
      await db.close();
    }
    expect(existsSync(lockPath)).toBe(false);
  });
});
