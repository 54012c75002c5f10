import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK_CHANGED } from '../src/detect/mask-codes.ts';
import { pixelExtent } from '../src/pipeline/alert-extent.ts';
import { addArea, getArea } from '../src/pipeline/areas.ts';
import { upsertAlert } from '../src/pipeline/detect-alerts.ts';
import type { Db } from '../src/store/db.ts';
import { backends } from './helpers/databases.ts';

const GRID = { epsg: 32633, chipPx: 8, resolutionM: 10 };
const KEY = 'EPSG:32633/80/6250/72000';

/** A change of `n` pixels in the first rows of the chip. */
function extentOf(n: number) {
  const values = new Uint8Array(64);
  values.fill(MASK_CHANGED, 0, n);
  return pixelExtent('change', [{ col: 6250, row: 72000, values }], GRID, 0)!;
}

for (const backend of backends()) {
  describe(`alert outlines over successive looks on ${backend.name}`, () => {
    let db: Db;
    const acq: { id: number; datetime: string }[] = [];

    beforeAll(async () => {
      db = await backend.open();
      await db.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg, chip_px, resolution_m)
         VALUES ('delta', 'Delta', '{}', '{15,51.9,15.1,52}', 32633, 8, 10)`,
      );
      for (const [i, datetime] of [
        '2024-04-01T10:00:00Z',
        '2024-04-11T10:00:00Z',
        '2024-04-21T10:00:00Z',
      ].entries()) {
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('test', $1, $2, '{}') RETURNING id`,
          [`i${i}`, datetime],
        );
        acq.push({ id: Number(rows[0]!.id), datetime });
      }
    });

    afterAll(async () => {
      await db?.close();
    });

    const stored = async () =>
      (
        await db.query<{ area_km2: number; geometry: unknown; geometry_source: string }>(
          'SELECT area_km2, geometry, geometry_source FROM alerts',
        )
      ).rows;
    const candidate = {
      clusterKey: `change:${KEY}`,
      kind: 'change' as const,
      confidence: 'high' as const,
      score: 0.7,
      chipKeys: [KEY],
      prompts: {},
    };

    it('keeps the larger pixel outline, and a monitoring look never replaces pixels with chips', async () => {
      const sixteen = extentOf(16);
      const first = await upsertAlert(db, 'delta', acq[0]!.id, acq[0]!.datetime, candidate, GRID, sixteen);
      expect(first.created).toBe(true);
      expect(await stored()).toEqual([
        { area_km2: 0.0016, geometry: sixteen.geometry, geometry_source: 'pixels' },
      ]);

      await upsertAlert(db, 'delta', acq[1]!.id, acq[1]!.datetime, candidate, GRID, extentOf(8));
      expect(await stored()).toEqual([
        { area_km2: 0.0016, geometry: sixteen.geometry, geometry_source: 'pixels' },
      ]);

      const twentyFour = extentOf(24);
      await upsertAlert(db, 'delta', acq[2]!.id, acq[2]!.datetime, candidate, GRID, twentyFour);
      expect(await stored()).toEqual([
        { area_km2: 0.0024, geometry: twentyFour.geometry, geometry_source: 'pixels' },
      ]);

      const again = await upsertAlert(db, 'delta', acq[2]!.id, acq[2]!.datetime, candidate, GRID);
      expect(again.created).toBe(false);
      expect(await stored()).toEqual([
        { area_km2: 0.0024, geometry: twentyFour.geometry, geometry_source: 'pixels' },
      ]);
    });

    it('a chip-level look adds its chips but keeps the area and outline counted in pixels', async () => {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('test', 'i3', '2024-05-01T10:00:00Z', '{}') RETURNING id`,
      );
      const east = 'EPSG:32633/80/6251/72000';
      const grown = await upsertAlert(
        db,
        'delta',
        Number(rows[0]!.id),
        '2024-05-01T10:00:00Z',
        { ...candidate, chipKeys: [east] },
        GRID,
      );
      expect(grown.chipKeys).toEqual([KEY, east]);
      expect(await stored()).toEqual([
        { area_km2: 0.0024, geometry: extentOf(24).geometry, geometry_source: 'pixels' },
      ]);
    });

    it('stores an area’s minimum mapping unit, 0.1 ha unless told', async () => {
      const square = {
        type: 'Polygon',
        coordinates: [
          [
            [15, 51.99],
            [15.01, 51.99],
            [15.01, 52],
            [15, 52],
            [15, 51.99],
          ],
        ],
      };
      const source = { kind: 'local' as const, path: '/nonexistent/catalog.json' };
      expect((await addArea(db, { id: 'plain', geojson: square, source })).mmuHa).toBe(0.1);
      await addArea(db, { id: 'coarse', geojson: square, source, mmuHa: 0.5 });
      expect((await getArea(db, 'coarse')).mmuHa).toBe(0.5);
      await expect(addArea(db, { id: 'bad', geojson: square, source, mmuHa: -1 })).rejects.toThrow(
        'minimum mapping unit -1 ha is not a finite number ≥ 0',
      );
    });
  });
}
