import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.ts';
import { registerModel, storeEmbeddings } from '../src/store/vectors.ts';
import { backends } from './helpers/databases.ts';

/** Chips c0…c(n-1) in area `a1` (and one chip in `a2`), two acquisitions a month apart. */
async function seed(db: Db, n: number) {
  await db.exec(
    `INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES
       ('a1', 'A', '{}', '{0,0,1,1}', 32633), ('a2', 'B', '{}', '{0,0,1,1}', 32633)`,
  );
  const acq = await db.query<{ id: number }>(
    `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES
       ('test', 'i1', '2024-01-01T00:00:00Z', '{}'), ('test', 'i2', '2024-02-01T00:00:00Z', '{}') RETURNING id`,
  );
  const chipIds: number[] = [];
  for (let i = 0; i <= n; i++) {
    const r = await db.query<{ id: number }>(
      `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds)
       VALUES ($1, $2, 32633, $3, 0, '{0,0,1,1}', '{0,0,1,1}') RETURNING id`,
      [i < n ? 'a1' : 'a2', `c${i}`, i],
    );
    chipIds.push(r.rows[0]!.id);
  }
  return { chipIds, acqIds: acq.rows.map((r) => r.id) };
}

/**
 * Chip i's look (0: January, 1: February) as a unit vector of `d` dimensions. Chips 0…9 lie in the plane of
 * axes 0 and 1 at 10·i + i² degrees (February 4° further), well apart even in half precision; the others in
 * the plane of axes 0 and 2, at 60° and beyond.
 */
function look(i: number, month: number, d: number): number[] {
  const v = new Array<number>(d).fill(0);
  const deg = (i < 10 ? 10 * i + i * i : 60 + 2 * (i - 10)) + 4 * month;
  v[0] = Math.cos((deg * Math.PI) / 180);
  v[i < 10 ? 1 : 2] = Math.sin((deg * Math.PI) / 180);
  return v;
}

for (const backend of backends()) {
  describe(`index-driven history on ${backend.name}`, () => {
    let db: Db;
    let acqIds: number[];
    beforeAll(async () => {
      db = await backend.open();
      const seeded = await seed(db, 60);
      acqIds = seeded.acqIds;
      // Model m1024 (halfvec index): every chip in both months.
      await registerModel(db, { id: 'm1024', dimension: 1024 });
      await storeEmbeddings(
        db,
        'm1024',
        seeded.chipIds.flatMap((chipId, i) => [
          { chipId, acquisitionId: acqIds[0]!, vector: look(i, 0, 1024) },
          { chipId, acquisitionId: acqIds[1]!, vector: look(i, 1, 1024) },
        ]),
      );
      // Model m3 (3 dimensions): chips c0…c2 in January only, at 0, -0.1 and -0.25 radians.
      await registerModel(db, { id: 'm3', dimension: 3 });
      await storeEmbeddings(
        db,
        'm3',
        [0, 1, 2].map((i) => ({
          chipId: seeded.chipIds[i]!,
          acquisitionId: acqIds[0]!,
          vector: [Math.cos([0, -0.1, -0.25][i]!), Math.sin([0, -0.1, -0.25][i]!), 0],
        })),
      );
    });
    afterAll(async () => {
      await db?.close();
    });

    it('nearest_chips() returns the k nearest across models in exact distance order', async () => {
      const { rows } = await db.query<{ chip_key: string; acquisition_id: number; model_id: string }>(
        `SELECT chip_key, acquisition_id, model_id FROM nearest_chips('a1', 'c1', $1, 5)`,
        [acqIds[0]],
      );
      // c1 January: m1024 c1 Feb 4° away, m3 c0 5.7°, m1024 c0 Feb 7°, m3 c2 8.6°, m1024 c0 Jan 11°.
      expect(rows.map((r) => `${r.model_id}/${r.chip_key}/${acqIds.indexOf(r.acquisition_id)}`)).toEqual([
        'm1024/c1/1',
        'm3/c0/0',
        'm1024/c0/1',
        'm3/c2/0',
        'm1024/c0/0',
      ]);
    });

    it('nearest_chips() returns every row for k above hnsw.ef_search, and leaves the setting as it was', async () => {
      const { rows } = await db.query<{ chip_key: string; acquisition_id: number; distance: number }>(
        `SELECT chip_key, acquisition_id, distance FROM nearest_chips('a1', 'c0', $1, 200) WHERE model_id = 'm1024'`,
        [acqIds[0]],
      );
      // All 122 looks but the query's own, nearest first: c0 Feb 4°, c1 Jan 11°, c1 Feb 15°, c2 Jan 24°…
      const all = Array.from({ length: 61 }, (_, i) => [`c${i}/0`, `c${i}/1`]).flat();
      const got = rows.map((r) => `${r.chip_key}/${acqIds.indexOf(r.acquisition_id)}`);
      expect(got.slice(0, 4)).toEqual(['c0/1', 'c1/0', 'c1/1', 'c2/0']);
      expect([...got].sort()).toEqual(all.slice(1).sort());
      for (let i = 1; i < rows.length; i++)
        expect(rows[i]!.distance).toBeGreaterThanOrEqual(rows[i - 1]!.distance);
      const setting = await db.transaction(async (tx) => {
        await tx.query(`SELECT count(*) FROM nearest_chips('a1', 'c0', $1, 200)`, [acqIds[0]]);
        return (await tx.query<{ v: string }>(`SELECT current_setting('hnsw.ef_search') AS v`)).rows[0]?.v;
      });
      expect(setting).toBe('40');
    });

    it('nearest_chips() of a chip with no embedding, or k = 0, is empty', async () => {
      const none = await db.query(`SELECT * FROM nearest_chips('a1', 'nope', $1, 5)`, [acqIds[0]]);
      expect(none.rows).toEqual([]);
      const zero = await db.query(`SELECT * FROM nearest_chips('a1', 'c1', $1, 0)`, [acqIds[0]]);
      expect(zero.rows).toEqual([]);
    });

    it('chip_drift filtered by area gives the same rows as unfiltered, each chip from January to February', async () => {
      const { rows } = await db.query<{ chip_key: string; drift: number | null }>(
        `SELECT chip_key, round(drift_from_previous::numeric, 6)::float8 AS drift FROM chip_drift
          WHERE area_id = 'a2' AND model_id = 'm1024' ORDER BY datetime`,
      );
      expect(rows).toEqual([
        { chip_key: 'c60', drift: null },
        { chip_key: 'c60', drift: Number((1 - Math.cos((4 * Math.PI) / 180)).toFixed(6)) },
      ]);
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM chip_drift WHERE area_id = 'a2'`,
      );
      // The area filter is applied below the window (on chips), not to its output.
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      const windowLine = text.split('\n').findIndex((l) => l.includes('WindowAgg'));
      const filterLine = text.split('\n').findIndex((l) => l.includes("'a2'"));
      expect(windowLine).toBeGreaterThanOrEqual(0);
      expect(filterLine).toBeGreaterThan(windowLine);
    });
  });
}
