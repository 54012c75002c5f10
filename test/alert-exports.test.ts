import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burnCode, MASK_BURN_LOW } from '../src/detect/mask-codes.ts';
import { exportAlerts, exportAlertsToFile, parseExportFormat } from '../src/export/export-alerts.ts';
import { alertFeatures, type AlertFeature } from '../src/export/alert-features.ts';
import { gridCell, transformer } from '../src/imagery/index.ts';
import { pixelExtent } from '../src/pipeline/alert-extent.ts';
import { upsertAlert } from '../src/pipeline/detect-alerts.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import type { Db } from '../src/store/db.ts';
import { backends } from './helpers/databases.ts';

const GRID = { epsg: 32633, chipPx: 8, resolutionM: 10 };
const COL = 6250;
const ROW = 72000;
const ll = transformer(32633, 4326);
/** Lon/lat of pixel corner (x, y) counted from the north-west corner of chip (COL, ROW). */
const at = (x: number, y: number): [number, number] => {
  const [lon, lat] = ll(COL * 80 + x * 10, (ROW + 1) * 80 - y * 10);
  return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
};
const key = (col: number, row: number) => `EPSG:32633/80/${col}/${row}`;

/** Everything written to it, as bytes. */
class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  bytes() {
    return Buffer.concat(this.chunks);
  }
}

/** RFC 4180 rows (quoted fields with "" escapes, CRLF line ends). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

for (const backend of backends()) {
  describe(`alert exports and the features API on ${backend.name}`, () => {
    let db: Db;
    let server: RunningServer;
    const ids: Record<'burn' | 'flood' | 'change', number> = { burn: 0, flood: 0, change: 0 };

    beforeAll(async () => {
      db = await backend.open();
      await db.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg, chip_px, resolution_m)
         VALUES ('delta', 'Delta', '{}', '{15,51.9,15.1,52}', 32633, 8, 10)`,
      );
      const acq: number[] = [];
      for (const [i, d] of [
        '2024-04-01T10:00:00Z',
        '2024-04-20T10:00:00Z',
        '2024-05-10T10:00:00Z',
      ].entries()) {
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('test', $1, $2, '{}') RETURNING id`,
          [`i${i}`, d],
        );
        acq.push(Number(rows[0]!.id));
      }
      // A burn over two chips from their masks: columns 6–7 of the west chip (moderate-low, high) and
      // column 0 of the east chip (low), 8 rows each.
      const west = new Uint8Array(64);
      const east = new Uint8Array(64);
      for (let y = 0; y < 8; y++) {
        west[y * 8 + 6] = burnCode(0.3);
        west[y * 8 + 7] = burnCode(0.7);
        east[y * 8] = MASK_BURN_LOW;
      }
      const extent = pixelExtent(
        'burn',
        [
          { col: COL, row: ROW, values: west },
          { col: COL + 1, row: ROW, values: east },
        ],
        GRID,
        0.1,
      )!;
      const candidate = (
        kind: 'burn' | 'flood' | 'change',
        confidence: 'low' | 'high' | 'highest',
        keys: string[],
      ) => ({
        clusterKey: `${kind}:${keys[0]}`,
        kind,
        confidence,
        score: 0.75,
        chipKeys: keys,
        prompts: {},
      });
      ids.burn = (
        await upsertAlert(
          db,
          'delta',
          acq[1]!,
          '2024-04-20T10:00:00Z',
          candidate('burn', 'high', [key(COL, ROW), key(COL + 1, ROW)]),
          GRID,
          extent,
        )
      ).id;
      // A monitoring flood 4 km east (chip squares), and a low-confidence change 800 m north.
      ids.flood = (
        await upsertAlert(
          db,
          'delta',
          acq[2]!,
          '2024-05-10T10:00:00Z',
          candidate('flood', 'highest', [key(COL + 50, ROW)]),
          GRID,
        )
      ).id;
      ids.change = (
        await upsertAlert(
          db,
          'delta',
          acq[0]!,
          '2024-04-01T10:00:00Z',
          candidate('change', 'low', [key(COL, ROW + 10)]),
          GRID,
        )
      ).id;
      for (const [col, row] of [
        [COL, ROW],
        [COL + 1, ROW],
        [COL + 50, ROW],
      ] as const) {
        const cell = gridCell(GRID, col, row);
        await db.query(
          `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds) VALUES ('delta', $1, 32633, $2, $3, $4, $5)`,
          [cell.key, col, row, cell.bounds, cell.lonlatBounds],
        );
      }
      await db.query(
        `INSERT INTO observations (chip_id, acquisition_id, valid_fraction, usable)
         SELECT id, $1, 0.9, true FROM chips WHERE key = $2`,
        [acq[1], key(COL + 1, ROW)],
      );
      server = await startServer(db, { port: 0, evidence: new DbEvidenceStore(db) });
    });

    afterAll(async () => {
      await server?.close();
      await db?.close();
    });

    const burnProperties = () => ({
      id: ids.burn,
      area_id: 'delta',
      kind: 'burn',
      confidence: 'high',
      score: 0.75,
      status: 'open',
      confirmation: 'provisional',
      area_km2: 0.0024,
      first_seen: '2024-04-20T10:00:00.000Z',
      last_seen: '2024-04-20T10:00:00.000Z',
      chip_count: 2,
      geometry_source: 'pixels',
      burn_low_km2: 0.0008,
      burn_moderate_low_km2: 0.0008,
      burn_moderate_high_km2: 0,
      burn_high_km2: 0.0008,
    });
    const burnGeometry = {
      type: 'MultiPolygon',
      coordinates: [[[at(9, 0), at(6, 0), at(6, 8), at(9, 8), at(9, 0)]]],
    };
    const changeRing = [at(8, -80), at(0, -80), at(0, -72), at(8, -72), at(8, -80)];

    it('exports GeoJSON: a FeatureCollection in id order with the outline and exact properties', async () => {
      const out = new Collect();
      expect(await exportAlerts(db, {}, 'geojson', out)).toBe(3);
      const fc = JSON.parse(out.bytes().toString('utf8')) as { type: string; features: AlertFeature[] };
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.features.map((f) => f.id)).toEqual([ids.burn, ids.flood, ids.change]);
      expect(fc.features[0]).toEqual({
        type: 'Feature',
        id: ids.burn,
        geometry: burnGeometry,
        properties: burnProperties(),
      });
      expect(fc.features[2]!.geometry.coordinates).toEqual([[changeRing]]);
      expect(fc.features[2]!.properties).toMatchObject({
        geometry_source: 'chips',
        area_km2: 0.0064,
        burn_low_km2: null,
      });
    });

    it('filters by area, since and confidence', async () => {
      const ids_ = async (filter: Parameters<typeof exportAlerts>[1]) => {
        const out = new Collect();
        await exportAlerts(db, filter, 'geojson', out);
        return (JSON.parse(out.bytes().toString('utf8')) as { features: AlertFeature[] }).features.map(
          (f) => f.id,
        );
      };
      expect(await ids_({ minConfidence: 'high' })).toEqual([ids.burn, ids.flood]);
      expect(await ids_({ since: '2024-04-20' })).toEqual([ids.burn, ids.flood]);
      expect(await ids_({ since: '2024-04-21', minConfidence: 'low' })).toEqual([ids.flood]);
      expect(await ids_({ areaId: 'elsewhere' })).toEqual([]);
      await expect(exportAlerts(db, { since: 'last week' }, 'csv', new Collect())).rejects.toThrow(
        'since "last week" is not a date (YYYY-MM-DD) or ISO 8601 datetime with zone',
      );
      expect(() => parseExportFormat('shp')).toThrow('export format "shp" is not one of geojson, csv, fgb');
    });

    it('exports CSV: the properties, the centroid and the outline as WKT', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'dw-export-')), 'alerts.csv');
      expect(await exportAlertsToFile(db, { minConfidence: 'low' }, 'csv', file)).toBe(3);
      const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
      expect(header).toEqual([...Object.keys(burnProperties()), 'centroid_lon', 'centroid_lat', 'wkt']);
      expect(rows).toHaveLength(3);
      expect(rows[0]!.slice(0, 16)).toEqual(Object.values(burnProperties()).map(String));
      const change = rows[2]!;
      expect(change.slice(12, 16)).toEqual(['', '', '', '']);
      expect(change[18]).toBe(`MULTIPOLYGON (((${changeRing.map(([x, y]) => `${x} ${y}`).join(', ')})))`);
      // The square's centroid lies within a millionth of a degree of the mean of its corners.
      const mean = [0, 1].map((k) => changeRing.slice(0, 4).reduce((s, p) => s + p[k]!, 0) / 4);
      expect(Math.abs(Number(change[16]) - mean[0]!)).toBeLessThan(1e-6);
      expect(Math.abs(Number(change[17]) - mean[1]!)).toBeLessThan(1e-6);
    });

    it('exports FlatGeobuf that the flatgeobuf package reads back with the same features', async () => {
      const out = new Collect();
      expect(await exportAlerts(db, {}, 'fgb', out)).toBe(3);
      const features = [];
      for await (const f of deserialize(new Uint8Array(out.bytes()))) features.push(f);
      expect(features.map((f) => f.properties?.id)).toEqual([ids.burn, ids.flood, ids.change]);
      expect(features[0]!.properties).toEqual(burnProperties());
      expect(features[0]!.geometry).toEqual(burnGeometry);
      // Null properties are absent in FlatGeobuf.
      expect(Object.keys(features[1]!.properties!)).not.toContain('burn_low_km2');
      expect(features[2]!.geometry).toEqual({ type: 'MultiPolygon', coordinates: [[changeRing]] });
    });

    const get = async (path: string) => {
      const res = await fetch(new URL(path, server.url));
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: (await res.json()) as Record<string, unknown>,
      };
    };
    type Items = {
      features: { id: number }[];
      numberMatched: number;
      numberReturned: number;
      links: { rel: string; href: string }[];
    };

    it('reads every alert across pages, in id order', async () => {
      const seen: number[] = [];
      for await (const f of alertFeatures(db, {}, 2)) seen.push(f.id);
      expect(seen).toEqual([ids.burn, ids.flood, ids.change]);
      const one: number[] = [];
      for await (const f of alertFeatures(db, { minConfidence: 'high' }, 1)) one.push(f.id);
      expect(one).toEqual([ids.burn, ids.flood]);
    });

    it('has a landing page linking conformance and collections', async () => {
      const landing = await get('/features');
      expect((landing.body.links as { rel: string; href: string }[]).map((l) => [l.rel, l.href])).toEqual([
        ['self', `${server.url}features`],
        ['conformance', `${server.url}conformance`],
        ['data', `${server.url}collections`],
      ]);
      expect((await get('/conformance')).body.conformsTo).toContain(
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
      );
    });

    it('lists the collections', async () => {
      const r = await get('/collections');
      expect(r.status).toBe(200);
      const collections = r.body.collections as { id: string; links: { rel: string; href: string }[] }[];
      expect(collections.map((c) => c.id)).toEqual(['alerts', 'chips']);
      expect(collections[0]!.links.find((l) => l.rel === 'items')!.href).toBe(
        `${server.url}collections/alerts/items`,
      );
      expect((await get('/collections/alerts')).body.id).toBe('alerts');
      expect((await get('/collections/roads')).status).toBe(404);
    });

    it('pages alerts with self, next and prev links', async () => {
      const first = await get('/collections/alerts/items?limit=2');
      expect(first.type).toBe('application/geo+json; charset=utf-8');
      const p1 = first.body as unknown as Items;
      expect(p1.features.map((f) => f.id)).toEqual([ids.burn, ids.flood]);
      expect([p1.numberMatched, p1.numberReturned]).toEqual([3, 2]);
      const base = `${server.url}collections/alerts/items`;
      expect(p1.links.filter((l) => l.rel !== 'collection')).toEqual([
        { rel: 'self', href: `${base}?limit=2&offset=0`, type: 'application/geo+json' },
        { rel: 'next', href: `${base}?limit=2&offset=2`, type: 'application/geo+json' },
      ]);
      const p2 = (await get(p1.links[1]!.href)).body as unknown as Items;
      expect(p2.features.map((f) => f.id)).toEqual([ids.change]);
      expect([p2.numberMatched, p2.numberReturned]).toEqual([3, 1]);
      expect(p2.links.filter((l) => l.rel !== 'collection').map((l) => [l.rel, l.href])).toEqual([
        ['self', `${base}?limit=2&offset=2`],
        ['prev', `${base}?limit=2&offset=0`],
      ]);
      const one = await get(`/collections/alerts/items/${ids.burn}`);
      expect(one.body).toMatchObject({ type: 'Feature', id: ids.burn, geometry: burnGeometry });
      expect((await get('/collections/alerts/items/999999')).status).toBe(404);
    });

    it('filters alerts by bbox and datetime, keeping the filters in the links', async () => {
      const ids_ = async (q: string) =>
        ((await get(`/collections/alerts/items?${q}`)).body as unknown as Items).features.map((f) => f.id);
      expect(await ids_('bbox=14.9,51.9,15.03,52.1')).toEqual([ids.burn, ids.change]);
      expect(await ids_('bbox=15.03,51.9,15.2,52.1')).toEqual([ids.flood]);
      expect(await ids_(`bbox=${at(0, 8)[0]},${at(0, 8)[1]},${at(5, 0)[0]},${at(5, 0)[1]}`)).toEqual([]);
      expect(await ids_('datetime=2024-04-15T00:00:00Z/..')).toEqual([ids.burn, ids.flood]);
      expect(await ids_('datetime=../2024-04-10')).toEqual([ids.change]);
      expect(await ids_('datetime=2024-04-20')).toEqual([ids.burn]);
      expect(await ids_('area=delta&bbox=14.9,51.9,15.03,52.1&datetime=2024-04-02/2024-06-01')).toEqual([
        ids.burn,
      ]);
      const page = (await get('/collections/alerts/items?bbox=14.9,51.9,15.2,52.1&limit=1'))
        .body as unknown as Items;
      expect(page.links.find((l) => l.rel === 'next')!.href).toBe(
        `${server.url}collections/alerts/items?bbox=14.9%2C51.9%2C15.2%2C52.1&limit=1&offset=1`,
      );
    });

    it('answers 400 naming the parameter and value it cannot use', async () => {
      const error = async (q: string) => {
        const r = await get(`/collections/alerts/items?${q}`);
        expect(r.status).toBe(400);
        return r.body.error as string;
      };
      expect(await error('bbox=1,2,3')).toContain('bbox "1,2,3" is not west,south,east,north');
      expect(await error('bbox=10,50,9,51')).toContain('bbox "10,50,9,51"');
      expect(await error('datetime=yesterday')).toContain(
        'datetime "yesterday" is not an instant or an interval',
      );
      expect(await error('datetime=2024-05-01/2024-04-01')).toContain('datetime "2024-05-01/2024-04-01"');
      expect(await error('limit=0')).toBe('limit "0" is not an integer from 1 to 10000');
      expect(await error('offset=-1')).toBe('offset "-1" is not an integer from 0 to 9007199254740991');
      expect(await error('bbx=1,2,3,4')).toContain('unknown parameter "bbx"');
    });

    it('serves chip states with their latest observation, filtered by bbox and datetime', async () => {
      const all = (await get('/collections/chips/items')).body as unknown as Omit<Items, 'features'> & {
        features: {
          id: number;
          properties: { key: string; datetime: string | null; valid_fraction: number | null };
        }[];
      };
      expect(all.features.map((f) => f.properties.key)).toEqual([
        key(COL, ROW),
        key(COL + 1, ROW),
        key(COL + 50, ROW),
      ]);
      expect(all.features.map((f) => f.properties.datetime)).toEqual([
        null,
        '2024-04-20T10:00:00.000Z',
        null,
      ]);
      expect(all.features[1]!.properties.valid_fraction).toBe(0.9);
      const keys = async (q: string) =>
        ((await get(`/collections/chips/items?${q}`)).body as unknown as typeof all).features.map(
          (f) => f.properties.key,
        );
      expect(await keys('bbox=15.03,51.9,15.2,52.1')).toEqual([key(COL + 50, ROW)]);
      expect(await keys('datetime=2024-04-01/2024-04-30')).toEqual([key(COL + 1, ROW)]);
      expect(await keys('datetime=2024-05-01/..')).toEqual([]);
    });
  });
}
