import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AreaError } from '../src/errors.ts';
import { addArea, listAreas } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { backends } from './helpers/databases.ts';

const square = (w: number, s: number, e: number, n: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});
/** 0.2° × 0.2° in Czechia: 317.95 km², EPSG:32633. */
const SQUARE = square(15, 50, 15.2, 50.2);
/** A sliver from Bavaria to Poland: 12.07 km² in a bounding box of about 230 × 330 km. */
const SLIVER = {
  type: 'Polygon',
  coordinates: [
    [
      [14, 48],
      [17, 51],
      [17.001, 51],
      [14, 48],
    ],
  ],
};
const SOURCE = { kind: 'local' as const, path: '/nowhere' };

for (const backend of backends()) {
  describe(`area add bounds the chip count before storing anything (${backend.name})`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await backend.open();
    });
    afterAll(async () => {
      await db.close();
    });

    it('refuses an area far over the default limit from its size alone, naming the count and the flag', async () => {
      const add = addArea(db, { id: 'big', geojson: SQUARE, source: SOURCE, chipPx: 8 });
      await expect(add).rejects.toThrow(AreaError);
      await expect(add).rejects.toThrow(
        'area "big" yields at least 49630 chips of 80 m, more than the limit of 20000; pass --max-chips 49630 or more to accept it, or a larger --chip-size',
      );
      expect(await listAreas(db)).toEqual([]);
    });

    it('refuses an area whose exact count is over the limit, then accepts it with the limit raised to that count', async () => {
      const input = { id: 'square', geojson: SQUARE, source: SOURCE, chipPx: 32 };
      await expect(addArea(db, { ...input, maxChips: 3219 })).rejects.toThrow(
        'area "square" yields 3220 chips of 320 m, more than the limit of 3219; pass --max-chips 3220 to accept it, or a larger --chip-size',
      );
      expect(await listAreas(db)).toEqual([]);
      const stored = await addArea(db, { ...input, maxChips: 3220 });
      expect(stored.id).toBe('square');
      expect((await listAreas(db)).map((a) => a.id)).toEqual(['square']);
    });

    it('refuses a sliver whose bounding box is too large to grid for the limit', async () => {
      await expect(addArea(db, { id: 'sliver', geojson: SLIVER, source: SOURCE, chipPx: 8 })).rejects.toThrow(
        'area "sliver" spans 11261532 cells of 80 m in its bounding box, too many to grid for a limit of 20000 chips; split it into smaller areas or pass a larger --chip-size',
      );
      expect((await listAreas(db)).map((a) => a.id)).toEqual(['square']);
    });

    it('refuses a limit that is not a positive integer', async () => {
      await expect(
        addArea(db, { id: 'nan', geojson: SQUARE, source: SOURCE, maxChips: Number.NaN }),
      ).rejects.toThrow('chip limit NaN is not a positive integer');
    });
  });
}
