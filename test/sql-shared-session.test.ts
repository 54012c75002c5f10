import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { PgDb } from '../src/store/pg-db.ts';
import { defaultState, SESSION_STATE } from './helpers/session-state.ts';

const require = createRequire(import.meta.url);
const home = mkdtempSync(join(tmpdir(), 'dw-shared-'));
const DEFAULT_STATE = defaultState('pglite');
const HINT = '; driftwatch sql runs one read-only SELECT, VALUES, TABLE or WITH query';

/** The CLI in another process (asynchronously: this process serves the database it talks to). */
function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [require.resolve('tsx/cli'), 'src/cli/main.ts', ...args],
      {
        env: { ...process.env, DRIFTWATCH_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' },
        encoding: 'utf8',
      },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

describe('the embedded database served to other processes', () => {
  let owner: Db;
  let other: PgDb;
  let socketDir: string;
  let probes = 0;

  beforeAll(async () => {
    owner = await openDb({ dataDir: join(home, 'db') });
    socketDir = (JSON.parse(readFileSync(join(home, 'db.server.json'), 'utf8')) as { socketDir: string })
      .socketDir;
    other = new PgDb({
      url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=5432`,
      sharedSession: true,
    });
  });
  afterAll(async () => {
    await other?.close();
    await owner?.close();
  });

  /** Another connection writes, and both it and the owner see a session with its defaults. */
  async function othersUnaffected(): Promise<void> {
    probes++;
    await other.transaction((tx) =>
      tx.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ($1, $1, '{}', '{0,0,1,1}', 32633)`,
        [`probe-${probes}`],
      ),
    );
    expect((await other.query(SESSION_STATE)).rows).toEqual([DEFAULT_STATE]);
    expect((await owner.query(SESSION_STATE)).rows).toEqual([DEFAULT_STATE]);
    expect((await owner.query('SELECT count(*)::int AS n FROM areas')).rows).toEqual([{ n: probes }]);
  }

  it('is served on a unix socket only its user can reach: folder 0700, socket and lock 0600, no TCP port', () => {
    expect(socketDir).toBe(join(home, 'db.sock'));
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(socketDir, '.s.PGSQL.5432')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'db.server.json')).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(readFileSync(join(home, 'db.server.json'), 'utf8')) as object)).toEqual([
      'pid',
      'socketDir',
    ]);
  });

  it.runIf(process.getuid?.() === 0)('refuses another user at the socket folder (EACCES)', () => {
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `require('net').createConnection({ path: ${JSON.stringify(join(socketDir, '.s.PGSQL.5432'))} })
          .on('connect', () => { console.log('connected'); process.exit(0); })
          .on('error', (e) => { console.log(e.code); process.exit(0); });`,
      ],
      { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' },
    );
    expect(probe.stdout.trim()).toBe('EACCES');
  });

  it('SET through sql is refused, and every other connection keeps its defaults and writes', async () => {
    const r = await cli('sql', 'SET default_transaction_read_only = on');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `driftwatch: InputError: query failed: syntax error at or near "SET" (SQLSTATE 42601)${HINT}\n`,
    );
    await othersUnaffected();
  });

  it('set_config() and session advisory locks through sql run but leave nothing behind', async () => {
    const r = await cli(
      'sql',
      "SELECT set_config('default_transaction_read_only', 'on', false) AS ro, pg_advisory_lock(7) AS locked",
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ ro: 'on', locked: '' }]);
    await othersUnaffected();
  });

  it('COMMIT after a query, PREPARE and LISTEN through sql are refused', async () => {
    const commit = await cli('sql', 'SELECT 1; COMMIT; SET default_transaction_read_only = on');
    expect(commit.stderr).toBe(
      `driftwatch: InputError: query failed: cannot insert multiple commands into a prepared statement (SQLSTATE 42601)${HINT}\n`,
    );
    const prepare = await cli('sql', 'PREPARE p AS SELECT 1');
    expect(prepare.stderr).toBe(
      `driftwatch: InputError: query failed: syntax error at or near "PREPARE" (SQLSTATE 42601)${HINT}\n`,
    );
    const listen = await cli('sql', 'LISTEN probe');
    expect(listen.stderr).toBe(
      `driftwatch: InputError: query failed: syntax error at or near "LISTEN" (SQLSTATE 42601)${HINT}\n`,
    );
    expect([commit.status, prepare.status, listen.status]).toEqual([2, 2, 2]);
    await othersUnaffected();
  });

  it('gives up on a statement past --timeout with a clear message', async () => {
    const r = await cli('sql', 'SELECT pg_sleep(3)', '--timeout', '0.5');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'driftwatch: InputError: query ran longer than the statement timeout of 0.5 s; narrow it (WHERE, LIMIT) or pass --timeout <seconds>\n',
    );
    await othersUnaffected();
  });

  it('prints at most --limit rows and says there were more', async () => {
    const r = await cli('sql', 'SELECT g, g AS g FROM generate_series(1, 5) g', '--limit', '3');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('g  g\n-  -\n1  1\n2  2\n3  3\n');
    expect(r.stderr).toBe(
      'driftwatch: showing the first 3 rows; the query returned more. Add LIMIT to the query or pass --limit <rows> (at most 1000000)\n',
    );
    const bad = await cli('sql', 'SELECT 1', '--limit', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('driftwatch: InputError: --limit "0" is not an integer in 1…1000000\n');
  });

  it('a second process then writes (area add) and reads through sql', async () => {
    const dir = join(home, 'area');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'a.geojson'),
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [15, 50],
            [15.01, 50],
            [15.01, 50.01],
            [15, 50.01],
            [15, 50],
          ],
        ],
      }),
    );
    const add = await cli('area', 'add', 'after', join(dir, 'a.geojson'), '--source', dir);
    expect(add.status, add.stderr).toBe(0);
    const r = await cli('sql', "SELECT id FROM areas WHERE id = 'after'", '--json');
    expect(JSON.parse(r.stdout)).toEqual([{ id: 'after' }]);
    expect((await owner.query(SESSION_STATE)).rows).toEqual([DEFAULT_STATE]);
  });

  it('refuses an area over the chip limit before storing it', async () => {
    const big = join(home, 'big.geojson');
    writeFileSync(
      big,
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [15, 50],
            [15.2, 50],
            [15.2, 50.2],
            [15, 50.2],
            [15, 50],
          ],
        ],
      }),
    );
    const add = await cli('area', 'add', 'big', big, '--source', home, '--chip-size', '8');
    expect(add.status).toBe(2);
    expect(add.stderr).toBe(
      'driftwatch: AreaError: area "big" yields at least 49630 chips of 80 m, more than the limit of 20000; pass --max-chips 49630 or more to accept it, or a larger --chip-size\n',
    );
    expect((await owner.query(`SELECT count(*)::int AS n FROM areas WHERE id = 'big'`)).rows).toEqual([
      { n: 0 },
    ]);
  });
});
