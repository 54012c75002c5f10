import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChips, transformer } from '../src/imagery/index.ts';
import { asDiscovery } from '../src/pipeline/acquisition-report.ts';
import { discover, getAcquisition } from '../src/pipeline/acquisitions.ts';
import { addArea, areaCells, getArea } from '../src/pipeline/areas.ts';
import { openSource } from '../src/imagery/index.ts';
import { hasGdal } from './helpers/cog-fixtures.ts';
import { backends } from './helpers/databases.ts';
import { dn10 } from './helpers/imagery-scene.ts';
import { EAST, PASS_SCENE, passArea, SPLIT_VALID, WEST, writeSceneTile } from './helpers/pass-fixtures.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';

const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): STAC pass tests skipped');

/** A STAC item of one MGRS tile whose red and nir assets are bands 3 and 4 of a served file. */
function tileItem(id: string, datetime: string, url: string, x0: number, width: number): unknown {
  const toLonLat = transformer(PASS_SCENE.epsg, 4326);
  const x = (px: number) => PASS_SCENE.originX + px * 10;
  const [w, n] = toLonLat(x(x0), PASS_SCENE.originY);
  const [e, s] = toLonLat(x(x0 + width), PASS_SCENE.originY - PASS_SCENE.height * 10);
  const asset = (band: number) => ({ href: `${url}#band=${band}`, type: 'image/tiff; application=geotiff' });
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id,
    bbox: [w, s, e, n],
    geometry: null,
    properties: {
      datetime,
      platform: 'sentinel-2b',
      'proj:epsg': PASS_SCENE.epsg,
      's2:processing_baseline': '05.10',
    },
    assets: { red: asset(3), nir: asset(4) },
    links: [],
  };
}

describe.skipIf(!gdal)('STAC API items of one datatake over two MGRS tiles', () => {
  let dir: string;
  let server: RangeServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dw-stac-pass-'));
    writeSceneTile(dir, 'T33TWL', WEST);
    writeSceneTile(dir, 'T33TXL', EAST);
    server = await startRangeServer(dir);
    const features = [
      tileItem(
        'S2B_33TXL_20240610_0_L2A',
        '2024-06-10T10:00:04Z',
        `${server.url}/T33TXL.tif`,
        EAST.x0,
        EAST.width,
      ),
      tileItem(
        'S2B_33TWL_20240610_0_L2A',
        '2024-06-10T10:00:01Z',
        `${server.url}/T33TWL.tif`,
        WEST.x0,
        WEST.width,
      ),
    ];
    server.routes.push((req, res) => {
      if (req.method !== 'POST' || req.url !== '/api/search') return false;
      res
        .writeHead(200, { 'Content-Type': 'application/geo+json' })
        .end(JSON.stringify({ type: 'FeatureCollection', features, links: [] }));
      return true;
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of backends()) {
    it(`are one acquisition whose chips read from both tiles, stored and read back (${backend.name})`, async () => {
      const db = await backend.open();
      try {
        await addArea(db, {
          id: 'edge',
          geojson: passArea().area,
          source: { kind: 'stac-api', url: `${server.url}/api`, collection: 'sentinel-2-l2a' },
          chipPx: 32,
        });
        const area = await getArea(db, 'edge');
        const found = await discover(db, openSource(area.source), area, { until: '2025-01-01T00:00:00Z' });
        expect(found.pending.map((p) => [p.itemId, p.datetime])).toEqual([
          ['S2B_33TWL_20240610_0_L2A+S2B_33TXL_20240610_0_L2A', '2024-06-10T10:00:01.000Z'],
        ]);
        // Discovering again finds the same pass under the same key: nothing new.
        const again = await discover(db, openSource(area.source), area, { until: '2025-01-01T00:00:00Z' });
        expect(again.pending.map((p) => p.id)).toEqual(found.pending.map((p) => p.id));
        expect((await db.query('SELECT 1 FROM acquisitions')).rows).toHaveLength(1);

        const acq = await getAcquisition(db, found.pending[0]!.id);
        expect(acq.items!.map((i) => i.itemId)).toEqual([
          'S2B_33TWL_20240610_0_L2A',
          'S2B_33TXL_20240610_0_L2A',
        ]);
        const chips = await readChips(acq, areaCells(area), area.grid);
        const byKey = new Map(chips.map((c) => [c.key, c]));
        // red and nir only: no blue nodata columns, so the west column is whole.
        for (const row of passArea().keys)
          expect(row.map((k) => byKey.get(k)!.validFraction)).toEqual([1, ...SPLIT_VALID.slice(1)]);
        // Baseline 05.10 on a STAC API without a preset: the −0.1 offset applies.
        const c2 = byKey.get(passArea().keys[0]![2]!)!;
        expect(c2.image.data[0]![0]).toBe(Math.fround(dn10(2, 64, 0) * 1e-4 - 0.1));
      } finally {
        await db.close();
      }
    });
  }
});

describe('discoveries in workflow histories', () => {
  it('a history recorded before skipped items were reported reads as a discovery with nothing skipped and nothing more to look up', () => {
    const refs = [{ id: 7, itemId: 'S2B_33TWL_20240610_0_L2A', datetime: '2024-06-10T10:00:01.000Z' }];
    expect(asDiscovery(refs)).toEqual({
      pending: refs,
      skipped: [],
      skippedTotal: 0,
      window: { start: '', end: '' },
      seenBefore: true,
    });
    const current = { ...asDiscovery(refs), seenBefore: false };
    expect(asDiscovery(current)).toBe(current);
  });
});
