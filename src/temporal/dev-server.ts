/**
 * The embedded Temporal dev server of one `DRIFTWATCH_HOME`: one server per home, shared by every
 * driftwatch process that uses the home, stopped when the last of them leaves.
 *
 * The server runs detached (`temporal server start-dev`, state in `home/temporal.db`) and is named by a
 * record, `home/temporal.server.json` (mode 0600):
 *
 *     { "pid": <server pid>, "port": <gRPC port>, "address": "127.0.0.1:<port>", "users": [<pids>] }
 *
 * with `"stopping": true` added while the last user stops it. `users` holds one entry per open handle
 * (a process that opens two handles appears twice). The record is only read and written while holding
 * `home/temporal.server.mutex`, a file created exclusively that holds its holder's pid; a mutex whose
 * holder is dead is broken. A process that finds a live server adopts it (adds itself to `users`); one
 * that finds none — or a record whose server is dead — starts one while still holding the mutex, so
 * that two servers never run on one state file. Users whose process is dead (`kill -9`) are dropped
 * whenever the record is written; the last live user to leave stops the server and waits for it to exit
 * before the record is removed.
 */
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../errors.ts';

/** The record that names a home's server (`home/temporal.server.json`). */
export interface DevServerRecord {
  /** The `temporal server start-dev` process. */
  pid: number;
  /** Its frontend (gRPC) port on 127.0.0.1. */
  port: number;
  /** `127.0.0.1:<port>`. */
  address: string;
  /** One pid per open handle of a process using the server. */
  users: number[];
  /** Set while the last user stops the server; the record goes once the server has exited. */
  stopping?: true;
}

/** What a process holds while it uses a home's server. */
export interface DevServerLease {
  address: string;
  /** The server process. */
  pid: number;
  /** Whether this process started the server (rather than adopting a running one). */
  started: boolean;
  /** Leaves: drops this process from the users and, when it was the last live one, stops the server. */
  release(): Promise<void>;
  /** The same without waiting, for a process that is about to exit (the next user reaps the server). */
  releaseSync(): void;
}

/** How to start a home's server. */
export interface DevServerOptions {
  home: string;
  /** The `temporal` binary. */
  cli: string;
  /** Namespace created at start (besides `default`). */
  namespace: string;
}

export const RECORD_FILE = 'temporal.server.json';
export const MUTEX_FILE = 'temporal.server.mutex';
export const STATE_FILE = 'temporal.db';
export const LOG_FILE = 'temporal.log';

/** How long a process waits for the mutex, for a server to become ready, or to exit. */
const MUTEX_WAIT_MS = 120_000;
const READY_WAIT_MS = 60_000;
const EXIT_WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The arguments of a process, or undefined where /proc does not exist or the process is gone. */
function procArgs(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

const hasProc = existsSync('/proc/self/cmdline');

/** Whether a process is alive (a zombie, exited but not yet reaped, is not). */
export function processAlive(pid: number): boolean {
  if (hasProc) {
    try {
      // `pid (comm) S …`: the state follows the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `args` are those of a dev server on `stateFile`. */
function servesState(args: string[], stateFile: string): boolean {
  const i = args.indexOf('--db-filename');
  return args.includes('start-dev') && i >= 0 && args[i + 1] === stateFile;
}

/** Whether `pid` is a live dev server on `stateFile` (where /proc is missing: whether it is alive). */
function serverAlive(pid: number, stateFile: string): boolean {
  if (!processAlive(pid)) return false;
  const args = procArgs(pid);
  return args === undefined ? !hasProc : servesState(args, stateFile);
}

/** Live dev servers on `stateFile` found in /proc (none where /proc does not exist). */
export function serversOnState(stateFile: string): number[] {
  if (!hasProc) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const args = procArgs(pid);
    if (args && servesState(args, stateFile) && processAlive(pid)) pids.push(pid);
  }
  return pids;
}

function readRecord(path: string): DevServerRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DevServerRecord;
  } catch {
    return undefined;
  }
}

function writeRecord(path: string, record: DevServerRecord): void {
  writeFileSync(path, JSON.stringify(record), { mode: 0o600 });
}

/** Tries once to take the mutex; breaks it when its holder is dead. */
function tryMutex(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder = NaN;
  try {
    holder = Number(readFileSync(path, 'utf8'));
  } catch {
    return false; // released meanwhile: the next try takes it
  }
  // An empty file is one being written right now; a dead or missing holder's mutex is stale.
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && !processAlive(holder)) {
    rmSync(path, { force: true });
  }
  return false;
}

async function withMutex<T>(home: string, fn: () => Promise<T> | T): Promise<T> {
  const path = join(home, MUTEX_FILE);
  const deadline = Date.now() + MUTEX_WAIT_MS;
  while (!tryMutex(path)) {
    if (Date.now() > deadline) {
      throw new ServiceUnavailableError(
        `the embedded Temporal server of ${home} stays locked by pid ${readFileSync(path, 'utf8')} (${path})`,
      );
    }
    await sleep(50);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function withMutexSync(home: string, fn: () => void): void {
  const path = join(home, MUTEX_FILE);
  const deadline = Date.now() + 2000;
  while (!tryMutex(path)) {
    if (Date.now() > deadline) return; // the next user drops this dead process from the record
    sleepSync(20);
  }
  try {
    fn();
  } finally {
    rmSync(path, { force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whether the frontend at `address` answers a health check and knows `namespace`. */
async function healthy(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    const health = await connection.healthService.check({});
    if (health.status !== 1) return false; // SERVING
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

/** Waits until `pid` has exited, killing it when it outlives `EXIT_WAIT_MS`. */
async function waitForExit(pid: number, stateFile: string, child?: ChildProcess): Promise<void> {
  const exited =
    child && child.exitCode === null && child.signalCode === null
      ? new Promise<void>((r) => child.once('exit', () => r()))
      : undefined;
  const deadline = Date.now() + EXIT_WAIT_MS;
  while (serverAlive(pid, stateFile)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await (exited ? Promise.race([exited, sleep(100)]) : sleep(100));
  }
  while (serverAlive(pid, stateFile)) await sleep(50);
  // A process tearing down has already lost its command line (so it no longer reads as the server) but is
  // not yet a zombie: wait for that too, so that "stopped" means exited. Bounded, since a kernel thread
  // that took the pid would look the same.
  const until = Date.now() + EXIT_WAIT_MS;
  while (tearingDown(pid) && Date.now() < until) await sleep(20);
}

/** Whether `pid` is alive with an empty command line: exiting, its memory already released. */
function tearingDown(pid: number): boolean {
  return hasProc && processAlive(pid) && procArgs(pid)?.length === 0;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** The users still alive. */
const liveUsers = (users: number[]) => users.filter((pid) => pid === process.pid || processAlive(pid));

/** Starts a server on `port`; resolves once it serves, rejects (after stopping it) when it does not. */
async function startServer(
  options: DevServerOptions,
  port: number,
  recordPath: string,
): Promise<{ child: ChildProcess; address: string }> {
  const stateFile = join(options.home, STATE_FILE);
  const logPath = join(options.home, LOG_FILE);
  const log = openSync(logPath, 'w', 0o600);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    options.namespace,
    '--db-filename',
    stateFile,
    '--headless',
    '--log-level',
    'error',
  ];
  let child: ChildProcess;
  try {
    // Detached, in its own process group: it outlives a killed owner, and the next user adopts it.
    child = spawn(options.cli, args, { detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawned || child.pid === undefined) {
    throw new ServiceUnavailableError(
      `cannot start the Temporal server ${options.cli}: ${spawned?.message ?? 'no process'}`,
      { cause: spawned },
    );
  }
  child.unref();
  const address = `127.0.0.1:${port}`;
  const pid = child.pid;
  writeRecord(recordPath, { pid, port, address, users: [process.pid] });
  const deadline = Date.now() + READY_WAIT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await healthy(address, options.namespace)) return { child, address };
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  await waitForExit(pid, stateFile, child);
  rmSync(recordPath, { force: true });
  const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n');
  throw new ServiceUnavailableError(
    `the Temporal server (${options.cli}, pid ${pid}) did not serve on ${address}${tail ? `:\n${tail}` : ''}`,
  );
}

type Found =
  | { kind: 'wait'; pid: number }
  | { kind: 'adopted'; record: DevServerRecord }
  | { kind: 'started'; pid: number; address: string; child: ChildProcess }
  | { kind: 'retry' };

/**
 * Joins the home's server, starting it when none runs. The caller must `release()` the lease (or
 * `releaseSync()` it on exit); a process killed outright stays in the record until the next user drops it.
 */
export async function acquireDevServer(options: DevServerOptions): Promise<DevServerLease> {
  const { home } = options;
  const recordPath = join(home, RECORD_FILE);
  const stateFile = join(home, STATE_FILE);
  for (let attempt = 0; ; attempt++) {
    const found = await withMutex(home, async (): Promise<Found> => {
      const record = readRecord(recordPath);
      if (record && serverAlive(record.pid, stateFile)) {
        if (record.stopping) return { kind: 'wait', pid: record.pid };
        writeRecord(recordPath, { ...record, users: [...liveUsers(record.users), process.pid] });
        return { kind: 'adopted', record };
      }
      // No live server is recorded. One may still run on the state file unrecorded (its starter died
      // between spawning and recording it): adopt it if it serves, else stop it — never start a second.
      for (const pid of serversOnState(stateFile)) {
        const i = procArgs(pid)?.indexOf('--port') ?? -1;
        const port = i >= 0 ? Number(procArgs(pid)?.[i + 1]) : NaN;
        const address = `127.0.0.1:${port}`;
        if (Number.isInteger(port) && (await healthy(address, options.namespace))) {
          const record = { pid, port, address, users: [process.pid] };
          writeRecord(recordPath, record);
          return { kind: 'adopted', record };
        }
        signal(pid, 'SIGKILL');
        await waitForExit(pid, stateFile);
      }
      rmSync(recordPath, { force: true });
      const { child, address } = await startServer(options, await freePort(), recordPath);
      return { kind: 'started', pid: child.pid!, address, child };
    }).catch((err: unknown): Found => {
      // A port taken between choosing and binding it: try another (three times in all).
      if (attempt < 2 && err instanceof ServiceUnavailableError && /did not serve/.test(err.message))
        return { kind: 'retry' };
      throw err;
    });
    if (found.kind === 'retry') continue;
    if (found.kind === 'wait') {
      await waitForExit(found.pid, stateFile);
      continue;
    }
    if (found.kind === 'adopted') {
      const adopted = found.record;
      // Recorded and alive, but it may still be starting (its starter was killed meanwhile): wait for it.
      const deadline = Date.now() + READY_WAIT_MS;
      let ok = await healthy(adopted.address, options.namespace);
      while (!ok && Date.now() < deadline && serverAlive(adopted.pid, stateFile)) {
        await sleep(200);
        ok = await healthy(adopted.address, options.namespace);
      }
      if (!ok) {
        // Alive but not serving: stop it, and start afresh.
        await withMutex(home, async () => {
          const record = readRecord(recordPath);
          if (record?.pid !== adopted.pid) return;
          signal(record.pid, 'SIGKILL');
          await waitForExit(record.pid, stateFile);
          rmSync(recordPath, { force: true });
        });
        continue;
      }
      return lease(options, adopted.pid, adopted.address, false);
    }
    return lease(options, found.pid, found.address, true, found.child);
  }
}

function lease(
  options: DevServerOptions,
  pid: number,
  address: string,
  started: boolean,
  child?: ChildProcess,
): DevServerLease {
  const { home } = options;
  const recordPath = join(home, RECORD_FILE);
  const stateFile = join(home, STATE_FILE);
  let released = false;
  /** Drops this handle from the record; true when the server is to stop (no live user is left). */
  const leave = (): boolean => {
    const record = readRecord(recordPath);
    if (!record || record.pid !== pid) return false;
    const users = [...record.users];
    const mine = users.indexOf(process.pid);
    if (mine >= 0) users.splice(mine, 1);
    const left = liveUsers(users);
    if (left.length > 0) {
      writeRecord(recordPath, { ...record, users: left });
      return false;
    }
    writeRecord(recordPath, { ...record, users: [], stopping: true });
    signal(pid, 'SIGTERM');
    return true;
  };
  return {
    address,
    pid,
    started,
    async release() {
      if (released) return;
      released = true;
      if (!(await withMutex(home, leave))) return;
      await waitForExit(pid, stateFile, child);
      await withMutex(home, () => {
        if (readRecord(recordPath)?.pid === pid) rmSync(recordPath, { force: true });
      });
    },
    releaseSync() {
      if (released) return;
      released = true;
      withMutexSync(home, () => void leave());
    },
  };
}
