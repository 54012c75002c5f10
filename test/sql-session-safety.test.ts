import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable, rowObjects } from '../src/cli/table.ts';
import type { Db } from '../src/store/db.ts';
import type { UserQueryOptions } from '../src/store/user-query.ts';
import { backends } from './helpers/databases.ts';
import { defaultState, SESSION_STATE } from './helpers/session-state.ts';

const LIMITS: UserQueryOptions = { maxRows: 1000, timeoutMs: 30_000 };

const SYNTAX = (near: string) => ({ code: '42601', message: `syntax error at or near "${near}"` });
const MULTIPLE = { code: '42601', message: 'cannot insert multiple commands into a prepared statement' };

/** Hostile statements and what users' SQL must answer: an error, or rows (functions may run, but leave nothing). */
const HOSTILE: Array<[string, { code: string; message: string } | { rows: unknown[][] }]> = [
  ['SET default_transaction_read_only = on', SYNTAX('SET')],
  ['SET SESSION statement_timeout = 1', SYNTAX('SET')],
  ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', SYNTAX('SET')],
  ['RESET ALL', SYNTAX('RESET')],
  ["SELECT set_config('default_transaction_read_only', 'on', false)", { rows: [['on']] }],
  ["SELECT set_config('statement_timeout', '1', false)", { rows: [['1ms']] }],
  [
    "WITH s AS (SELECT set_config('search_path', 'pg_catalog', false) AS v) SELECT v FROM s",
    { rows: [['pg_catalog']] },
  ],
  ['PREPARE p AS SELECT 1', SYNTAX('PREPARE')],
  ['LISTEN driftwatch_probe', SYNTAX('LISTEN')],
  ['SELECT pg_advisory_lock(4242), pg_advisory_lock_shared(4243)', { rows: [['', '']] }],
  ['CREATE TEMP TABLE probe (x int)', SYNTAX('CREATE')],
  ['COMMIT', SYNTAX('COMMIT')],
  ['SELECT 1; COMMIT', MULTIPLE],
  ['SELECT 1; SET default_transaction_read_only = on', MULTIPLE],
  ['COMMIT; SET default_transaction_read_only = on', SYNTAX('COMMIT')],
  ["DO $$ BEGIN PERFORM set_config('default_transaction_read_only', 'on', false); END $$", SYNTAX('DO')],
  ['DECLARE c CURSOR WITH HOLD FOR SELECT 1', SYNTAX('DECLARE')],
  ['DELETE FROM areas', SYNTAX('DELETE')],
  ['SELECT 1 AS one -- a comment', { rows: [[1]] }],
];

async function addProbeArea(db: Db, id: string): Promise<void> {
  await db.transaction((tx) =>
    tx.query(`INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ($1, $1, '{}', '{0,0,1,1}', 32633)`, [
      id,
    ]),
  );
}

for (const backend of backends()) {
  describe(`users' SQL cannot change the session for anyone else (${backend.name})`, () => {
    let db: Db;
    const DEFAULT_STATE = defaultState(backend.name);
    beforeAll(async () => {
      db = await backend.open();
    });
    afterAll(async () => {
      await db.close();
    });

    for (const [i, [sql, expected]] of HOSTILE.entries()) {
      it(`${sql}: ${'rows' in expected ? 'runs' : 'is refused'}, then writes work and the session has its defaults`, async () => {
        const outcome = await db.userQuery(sql, LIMITS).then(
          (r) => ({ rows: r.rows }),
          (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
        );
        expect(outcome).toEqual(expected);
        const { rows } = await db.query(SESSION_STATE);
        expect(rows).toEqual([DEFAULT_STATE]);
        await addProbeArea(db, `probe-${i}`);
        const ids = await db.userQuery('SELECT id FROM areas ORDER BY id', LIMITS);
        expect(ids.rows.length).toBe(i + 1);
        expect((await db.userQuery(SESSION_STATE, LIMITS)).rows[0]!.slice(0, 1)).toEqual(['off']);
      });
    }

    it('a data-modifying WITH is refused and nothing stored changes', async () => {
      const before = (await db.query('SELECT id FROM areas ORDER BY id')).rows;
      await expect(
        db.userQuery('WITH d AS (DELETE FROM areas RETURNING id) SELECT id FROM d', LIMITS),
      ).rejects.toMatchObject({
        code: '0A000',
        message: 'DECLARE CURSOR must not contain data-modifying statements in WITH',
      });
      expect((await db.query('SELECT id FROM areas ORDER BY id')).rows).toEqual(before);
    });

    it('returns at most maxRows rows and says there were more', async () => {
      const r = await db.userQuery('SELECT g FROM generate_series(1, 5) g;', { ...LIMITS, maxRows: 3 });
      expect(r).toEqual({ columns: ['g'], rows: [[1], [2], [3]], truncated: true });
      const exact = await db.userQuery('SELECT g FROM generate_series(1, 3) g', { ...LIMITS, maxRows: 3 });
      expect(exact.truncated).toBe(false);
    });

    it('keeps both of two columns of the same name', async () => {
      const r = await db.userQuery('SELECT 1 AS a, 2 AS a, 3 AS b', LIMITS);
      expect(r).toEqual({ columns: ['a', 'a', 'b'], rows: [[1, 2, 3]], truncated: false });
      expect(rowObjects(r.columns, r.rows)).toEqual([{ a: 1, a_2: 2, b: 3 }]);
      expect(formatTable(r.columns, r.rows)).toBe('a  a  b\n-  -  -\n1  2  3');
    });

    it('prints a 200 000-row result as a table', async () => {
      const r = await db.userQuery("SELECT g AS n, 'x' || g AS label FROM generate_series(1, 200000) g", {
        ...LIMITS,
        maxRows: 200_000,
      });
      expect(r.rows.length).toBe(200_000);
      expect(r.truncated).toBe(false);
      const lines = formatTable(r.columns, r.rows).split('\n');
      expect(lines.length).toBe(200_002);
      expect(lines[0]).toBe('n       label');
      expect(lines[200_001]).toBe('200000  x200000');
    });

    if (backend.name === 'postgres') {
      it('cancels a statement that runs past the timeout (SQLSTATE 57014)', async () => {
        await expect(
          db.userQuery('SELECT pg_sleep(30)', { ...LIMITS, timeoutMs: 200 }),
        ).rejects.toMatchObject({
          code: '57014',
          message: 'canceling statement due to statement timeout',
        });
        expect((await db.query(SESSION_STATE)).rows).toEqual([DEFAULT_STATE]);
      });
    }

    it('refuses a row limit or timeout out of range', async () => {
      await expect(db.userQuery('SELECT 1', { ...LIMITS, maxRows: 0 })).rejects.toThrow(
        'row limit 0 is not an integer in 1…1000000',
      );
      await expect(db.userQuery('SELECT 1', { ...LIMITS, timeoutMs: Number.NaN })).rejects.toThrow(
        'statement timeout NaN ms is not a positive number',
      );
      await expect(db.userQuery(' ;\n', LIMITS)).rejects.toThrow('query is empty');
    });
  });
}
