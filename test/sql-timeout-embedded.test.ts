/**
 * The statement timeout of users' SQL on the embedded database: PGlite cannot interrupt a statement, so
 * its thread is stopped and restarted on the same data folder. The command ends with the timeout error,
 * and the next command, in any process, runs at once on the stored data.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { PgDb } from '../src/store/pg-db.ts';
import { defaultState, SESSION_STATE } from './helpers/session-state.ts';

const require = createRequire(import.meta.url);

const TIMEOUT_1S =
  'driftwatch: InputError: query ran longer than the statement timeout of 1 s; narrow it (WHERE, LIMIT) or pass --timeout <seconds>\n';
const AREAS = [{ id: 'kept-1' }, { id: 'kept-2' }];

/** The CLI in another process (asynchronously: this process may serve the database it talks to). */
function cli(home: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
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

async function addAreas(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    for (const { id } of AREAS) {
      await tx.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ($1, $1, '{}', '{0,0,1,1}', 32633)`,
        [id],
      );
    }
  });
}

const AREA_IDS = 'SELECT id FROM areas ORDER BY id';

describe('sql --timeout on the embedded database served by another process', () => {
  const home = mkdtempSync(join(tmpdir(), 'dw-timeout-'));
  let owner: Db;

  beforeAll(async () => {
    owner = await openDb({ dataDir: join(home, 'db') });
    await addAreas(owner);
  });
  afterAll(async () => {
    await owner?.close();
  });

  it('ends a statement past --timeout with the timeout error (exit 2); the next command runs at once on the stored rows', async () => {
    const slow = await cli(home, 'sql', 'SELECT pg_sleep(60)', '--timeout', '1');
    expect(slow.stderr).toBe(TIMEOUT_1S);
    expect(slow.status).toBe(2);
    const next = await cli(home, 'sql', AREA_IDS, '--json', '--timeout', '5');
    expect(next.stderr).toBe('');
    expect(JSON.parse(next.stdout)).toEqual(AREAS);
    expect((await owner.query(AREA_IDS)).rows).toEqual(AREAS);
    expect((await owner.query(SESSION_STATE)).rows).toEqual([defaultState('pglite')]);
  }, 30_000);

  it('the owner stops the statement, as a server would: the client gets SQLSTATE 57014, not its own give-up', async () => {
    const { socketDir } = JSON.parse(readFileSync(join(home, 'db.server.json'), 'utf8')) as {
      socketDir: string;
    };
    const client = new PgDb({
      url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=5432`,
      sharedSession: true,
    });
    try {
      await expect(
        client.userQuery('SELECT pg_sleep(60)', { maxRows: 10, timeoutMs: 500 }),
      ).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
      expect((await client.userQuery(AREA_IDS, { maxRows: 10, timeoutMs: 5000 })).rows).toEqual([
        ['kept-1'],
        ['kept-2'],
      ]);
      expect((await client.query(SESSION_STATE)).rows).toEqual([defaultState('pglite')]);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('the owning process itself: its userQuery fails with SQLSTATE 57014, then it and others write and read', async () => {
    await expect(
      owner.userQuery('SELECT pg_sleep(60)', { maxRows: 10, timeoutMs: 500 }),
    ).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
    await owner.transaction((tx) =>
      tx.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ('kept-3', 'x', '{}', '{0,0,1,1}', 32633)`,
      ),
    );
    const next = await cli(home, 'sql', AREA_IDS, '--json', '--timeout', '5');
    expect(JSON.parse(next.stdout)).toEqual([...AREAS, { id: 'kept-3' }]);
    await owner.exec(`DELETE FROM areas WHERE id = 'kept-3'`);
    expect((await owner.query(AREA_IDS)).rows).toEqual(AREAS);
  }, 30_000);
});

describe('sql --timeout when the command owns the embedded database', () => {
  const home = mkdtempSync(join(tmpdir(), 'dw-timeout-own-'));

  beforeAll(async () => {
    const db = await openDb({ dataDir: join(home, 'db') });
    await addAreas(db);
    await db.close();
  });

  it('ends its own statement past --timeout with the timeout error (exit 2); the next command reads the stored rows', async () => {
    const slow = await cli(home, 'sql', 'SELECT pg_sleep(60)', '--timeout', '1');
    expect(slow.stderr).toBe(TIMEOUT_1S);
    expect(slow.status).toBe(2);
    const next = await cli(home, 'sql', AREA_IDS, '--json');
    expect(next.stderr).toBe('');
    expect(JSON.parse(next.stdout)).toEqual(AREAS);
  }, 30_000);
});

describe('a user statement past its timeout on a database in memory', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ dataDir: 'memory://' });
    await addAreas(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('fails with SQLSTATE 57014; the statement cannot be stopped, and once it ends the data is all there', async () => {
    await expect(db.userQuery('SELECT pg_sleep(2)', { maxRows: 10, timeoutMs: 200 })).rejects.toMatchObject({
      code: '57014',
      message: 'canceling statement due to statement timeout',
    });
    expect((await db.query(AREA_IDS)).rows).toEqual(AREAS);
    expect((await db.query(SESSION_STATE)).rows).toEqual([defaultState('pglite')]);
  });
});
