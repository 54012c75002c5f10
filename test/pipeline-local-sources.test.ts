import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { gridCell, openSource, readChips } from '../src/imagery/index.ts';
import { discover, getAcquisition, markAcquisition } from '../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../src/pipeline/areas.ts';
import { migrate, readMigrations } from '../src/store/migrator.ts';
import { hasGdal, makeCog } from './helpers/cog-fixtures.ts';
import { backends } from './helpers/databases.ts';
import { PASS_SCENE, passArea, writeSceneTile } from './helpers/pass-fixtures.ts';

const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): local source tests skipped');
const UNTIL = '2025-01-01T00:00:00Z';

describe.skipIf(!gdal)('local sources are identified by their full path', () => {
  let dir: string;
  let a: string;
  let b: string;
  let meta: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-local-'));
    a = join(dir, 'a', 's2');
    b = join(dir, 'b', 's2');
    writeSceneTile(a, 'scene_2024-05-01');
    writeSceneTile(b, 'scene_2024-06-10');
    // Plain 3-band GeoTIFFs without band names; one has a sidecar with its own offset.
    meta = join(dir, 'meta');
    mkdirSync(meta);
    for (const name of ['plain_2024-04-01', 'over_2024-04-02'])
      makeCog(meta, name, {
        ...PASS_SCENE,
        res: 10,
        bands: 3,
        type: 'UInt16',
        value: (k, x, y) => 100 * (k + 1) + x + y,
      });
    writeFileSync(join(meta, 'over_2024-04-02.json'), JSON.stringify({ offset: -0.05 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const backend of backends()) {
    describe(backend.name, () => {
      it('two areas over folders with the same last name keep their own sources and acquisitions', async () => {
        const db = await backend.open();
        try {
          for (const [id, path] of [
            ['north', a],
            ['south', b],
          ] as const) {
            await addArea(db, { id, geojson: passArea().area, source: { kind: 'local', path }, chipPx: 32 });
            const area = await getArea(db, id);
            const found = await discover(db, openSource(area.source), area, { until: UNTIL });
            expect(found.pending.map((p) => p.itemId)).toEqual([
              id === 'north' ? 'scene_2024-05-01' : 'scene_2024-06-10',
            ]);
            expect(found.seenBefore).toBe(false);
            // A failed acquisition counts as seen: monitoring does not look for the nearest ones again.
            await markAcquisition(db, id, found.pending[0]!.id, 'failed', {
              type: 'RasterError',
              message: 'x',
            });
            const again = await discover(db, openSource(area.source), area, { until: UNTIL });
            expect([again.pending, again.seenBefore]).toEqual([[], true]);
          }
          const { rows } = await db.query<{ area_id: string; source: string; item_id: string }>(
            `SELECT aa.area_id, a.source, a.item_id FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
              ORDER BY aa.area_id`,
          );
          expect(rows).toEqual([
            { area_id: 'north', source: `local:${a}`, item_id: 'scene_2024-05-01' },
            { area_id: 'south', source: `local:${b}`, item_id: 'scene_2024-06-10' },
          ]);
        } finally {
          await db.close();
        }
      });

      it('a bad pass window is an InputError naming the value and stores nothing', async () => {
        const db = await backend.open();
        try {
          const err = await addArea(db, {
            id: 'bad',
            geojson: passArea().area,
            source: { kind: 'local', path: a, passWindowHours: -2 },
          }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(InputError);
          expect((err as Error).message).toMatch(
            /^invalid source \{.*"passWindowHours":-2\}: passWindowHours: /,
          );
          const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM areas');
          expect(rows[0]!.n).toBe(0);
        } finally {
          await db.close();
        }
      });

      it("an area's band metadata applies to every GeoTIFF of its folder, a sidecar overriding it field by field", async () => {
        const db = await backend.open();
        try {
          const metadata = { bands: ['red', 'nir', 'swir16'], scale: 0.0002, nodata: 150 };
          await addArea(db, {
            id: 'meta',
            geojson: passArea().area,
            source: { kind: 'local', path: meta, metadata },
            chipPx: 32,
          });
          const area = await getArea(db, 'meta');
          expect(area.source).toEqual({ kind: 'local', path: meta, metadata });
          const found = await discover(db, openSource(area.source), area, { until: UNTIL });
          expect(found.pending.map((p) => p.itemId)).toEqual(['plain_2024-04-01', 'over_2024-04-02']);
          const cell = gridCell(area.grid, PASS_SCENE.originX / 320, PASS_SCENE.originY / 320 - 1);
          const red: number[] = [];
          for (const ref of found.pending) {
            const [chip] = await readChips(await getAcquisition(db, ref.id), [cell], area.grid, {
              bands: ['red'],
            });
            // Chip pixel (3, 4) stores 107; red stores the nodata value 150 on the 13 pixels where x + y = 50.
            red.push(chip!.image.data[0]![4 * 32 + 3]!);
            expect(chip!.validFraction).toBe((1024 - 13) / 1024);
          }
          expect(red).toEqual([Math.fround(107 * 0.0002), Math.fround(107 * 0.0002 - 0.05)]);
        } finally {
          await db.close();
        }
      });

      it('bad band metadata is an InputError naming the field and value, and stores nothing', async () => {
        const db = await backend.open();
        try {
          const err = await addArea(db, {
            id: 'meta',
            geojson: passArea().area,
            source: { kind: 'local', path: meta, metadata: { bands: ['red'], scale: 'x' } },
          }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(InputError);
          expect((err as Error).message).toBe(
            `the source's band metadata: "scale" is "x"; expected a non-zero number or an array of one such number per band`,
          );
          const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM areas');
          expect(rows[0]!.n).toBe(0);
        } finally {
          await db.close();
        }
      });

      it('the migration renames legacy `local:<name>` acquisitions after the area whose folder holds them and unlinks the other area', async () => {
        const db = await backend.open({ migrate: false });
        try {
          await migrate(
            db,
            readMigrations().filter((m) => m.name < '0003'),
          );
          // The old state: area south (over b/s2) was linked to north's acquisition of `local:s2`.
          for (const [id, path, created] of [
            ['north', a, '2024-01-01T00:00:00Z'],
            ['south', b, '2024-02-01T00:00:00Z'],
          ] as const) {
            await db.query(
              `INSERT INTO areas (id, name, geometry, bbox, epsg, chip_px, resolution_m, source, created_at)
               VALUES ($1, $1, $2, '{0,0,1,1}', 32633, 32, 10, $3, $4)`,
              [id, JSON.stringify(passArea().area), JSON.stringify({ kind: 'local', path }), created],
            );
          }
          const tif = join(a, 'scene_2024-05-01.tif');
          const { rows: acq } = await db.query<{ id: number }>(
            `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('local:s2', 'scene_2024-05-01', '2024-05-01', $1)
             RETURNING id`,
            [JSON.stringify({ red: `${tif}#band=3` })],
          );
          const acqId = acq[0]!.id;
          for (const area of ['north', 'south']) {
            await db.query(
              `INSERT INTO area_acquisitions (area_id, acquisition_id, status) VALUES ($1, $2, 'processed')`,
              [area, acqId],
            );
            const { rows: chip } = await db.query<{ id: number }>(
              `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds) VALUES ($1, 'k', 32633, 0, 0, '{0,0,1,1}', '{0,0,1,1}') RETURNING id`,
              [area],
            );
            await db.query(
              `INSERT INTO observations (chip_id, acquisition_id, valid_fraction, usable) VALUES ($1, $2, 1, true)`,
              [chip[0]!.id, acqId],
            );
          }
          expect((await migrate(db)).slice(0, 3).map((m) => [m.name, m.status])).toEqual([
            ['0001_init.sql', 'unchanged'],
            ['0002_history_views.sql', 'unchanged'],
            ['0003_passes_and_local_paths.sql', 'applied'],
          ]);
          const links = await db.query<{ area_id: string; source: string; status: string }>(
            `SELECT aa.area_id, a.source, aa.status FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id`,
          );
          expect(links.rows).toEqual([{ area_id: 'north', source: `local:${a}`, status: 'processed' }]);
          const obs = await db.query<{ area_id: string }>(
            'SELECT c.area_id FROM observations o JOIN chips c ON c.id = o.chip_id',
          );
          expect(obs.rows).toEqual([{ area_id: 'north' }]);
          // North keeps its history (nothing to process again); south now finds its own folder's scene.
          for (const [id, expected] of [
            ['north', []],
            ['south', ['scene_2024-06-10']],
          ] as const) {
            const area = await getArea(db, id);
            const found = await discover(db, openSource(area.source), area, { until: UNTIL });
            expect(found.pending.map((p) => p.itemId)).toEqual(expected);
          }
        } finally {
          await db.close();
        }
      });
    });
  }
});
