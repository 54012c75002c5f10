import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../src/errors.ts';
import {
  gridCell,
  HINTS,
  openSource,
  readChips,
  StacApiSource,
  type GridSpec,
} from '../src/imagery/index.ts';
import { hasGdal, makeCog } from './helpers/cog-fixtures.ts';
import { dn10, SCENE, writeScene } from './helpers/imagery-scene.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';

const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): STAC tests skipped');
const GRID: GridSpec = { epsg: 32633, chipPx: 256, resolutionM: 10 };
const CELL = gridCell(GRID, 195, 1953);
const BBOX: [number, number, number, number] = [14.98, 45.13, 15.08, 45.18];
const QUERY = { bbox: BBOX, datetime: { start: '2024-01-01T00:00:00Z', end: '2024-12-31T23:59:59Z' } };

function item(
  id: string,
  datetime: string | null,
  extra: Record<string, unknown> = {},
  assets: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id,
    bbox: BBOX,
    geometry: null,
    properties: { datetime, 'proj:epsg': 32633, ...extra },
    assets,
    links: [],
  };
}

describe.skipIf(!gdal)('STAC sources', () => {
  let dir: string;
  let server: RangeServer;
  let files: Record<string, string>;
  const searches: unknown[] = [];
  const assetUrls: string[] = [];
  let tokenExpiry = '2999-01-01T00:00:00Z';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-stac-'));
    files = writeScene(dir);
    // A red band whose offset was already removed by the provider: mostly DNs below 1000.
    makeCog(dir, 'applied-red', {
      ...SCENE,
      res: 10,
      bands: 1,
      type: 'UInt16',
      nodata: 0,
      value: (_b, x) => 300 + (x % 400),
    });
    server = await startRangeServer(dir);
    const es = (name: string) => ({
      href: `${server.url}/${name}`,
      type: 'image/tiff; application=geotiff; profile=cloud-optimized',
    });
    const page1 = [
      item(
        'S2B_33TWL_20240610_0_L2A',
        '2024-06-10T10:00:00Z',
        { 'eo:cloud_cover': 5, 's2:processing_baseline': '05.10' },
        {
          red: es(files.red!),
          blue: es(files.blue!),
          scl: es(files.scl!),
          thumbnail: { href: 'x.jpg', type: 'image/jpeg' },
        },
      ),
      item(
        'S2A_33TWL_20240301_0_L2A',
        '2024-03-01T10:00:00Z',
        { 'eo:cloud_cover': 1, 's2:processing_baseline': '05.10' },
        { red: es('applied-red.tif') },
      ),
    ];
    const page2 = [
      item('no-datetime', null, { 'eo:cloud_cover': 1 }, { red: es(files.red!) }),
      item(
        'S2A_33TWL_20230101_0_L2A',
        '2024-01-05T10:00:00Z',
        { 'eo:cloud_cover': 2, 's2:processing_baseline': '04.00' },
        { red: es(files.red!) },
      ),
    ];
    const page3 = [
      item(
        'S2A_33TWL_20220101_0_L2A',
        '2024-02-05T10:00:00Z',
        { 'eo:cloud_cover': 3, 's2:processing_baseline': '02.14' },
        { red: es(files.red!) },
      ),
    ];
    const pages = [page1, page2, page3];
    server.routes.push((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.search) assetUrls.push(req.url!);
      if (req.method === 'POST' && url.pathname === '/api/search') {
        const parsed = JSON.parse(body) as { token?: number };
        searches.push(parsed);
        const p = parsed.token ?? 0;
        const links =
          p + 1 < pages.length
            ? [
                {
                  rel: 'next',
                  href: `${server.url}/api/search`,
                  method: 'POST',
                  body: { token: p + 1 },
                  merge: true,
                },
              ]
            : [];
        res
          .writeHead(200, { 'Content-Type': 'application/geo+json' })
          .end(JSON.stringify({ type: 'FeatureCollection', features: pages[p], links }));
        return true;
      }
      if (url.pathname === '/token/sentinel-2-l2a') {
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ token: 'sv=2024&sig=abc', 'msft:expiry': tokenExpiry }));
        return true;
      }
      if (req.method === 'POST' && url.pathname === '/pc/search') {
        const pc = item(
          'S2B_MSIL2A_20240610',
          '2024-06-10T10:00:00Z',
          { 'eo:cloud_cover': 5, 's2:processing_baseline': '05.10' },
          {
            B02: {
              href: `${server.url}/${files.blue}`,
              type: 'image/tiff; application=geotiff; profile=cloud-optimized',
            },
            B04: {
              href: `${server.url}/${files.red}`,
              type: 'image/tiff; application=geotiff; profile=cloud-optimized',
            },
            SCL: {
              href: `${server.url}/${files.scl}`,
              type: 'image/tiff; application=geotiff; profile=cloud-optimized',
            },
          },
        );
        res
          .writeHead(200, { 'Content-Type': 'application/geo+json' })
          .end(JSON.stringify({ type: 'FeatureCollection', features: [pc], links: [] }));
        return true;
      }
      return false;
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('searches a STAC API with POST /search, follows rel=next pages, filters, sorts and reports bad items', async () => {
    const source = openSource({
      kind: 'stac-api',
      url: `${server.url}/api`,
      collection: 'sentinel-2-l2a',
      preset: 'earth-search',
    });
    expect(source.id).toBe('earth-search');
    const errors: Error[] = [];
    const acqs = await source.search({ ...QUERY, maxCloudCover: 4 }, { onItemError: (e) => errors.push(e) });
    expect(acqs.map((a) => a.itemId)).toEqual([
      'S2A_33TWL_20230101_0_L2A',
      'S2A_33TWL_20220101_0_L2A',
      'S2A_33TWL_20240301_0_L2A',
    ]);
    expect(searches).toHaveLength(3);
    expect(searches[0]).toEqual({
      collections: ['sentinel-2-l2a'],
      datetime: '2024-01-01T00:00:00Z/2024-12-31T23:59:59Z',
      limit: 100,
      sortby: [{ field: 'properties.datetime', direction: 'asc' }],
      bbox: BBOX,
      query: { 'eo:cloud_cover': { lte: 4 } },
    });
    expect((searches[1] as { token: number }).token).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SourceError);
    expect(errors[0]!.message).toContain('item "no-datetime"');
    expect(errors[0]!.message).toContain('has no valid datetime');
    expect(acqs[0]!.datetime).toBe('2024-01-05T10:00:00.000Z');
    expect(acqs[0]!.epsg).toBe(32633);
  });

  it('Earth Search: baseline ≥ 04.00 subtracts 1000 DN unless the pixels show the offset was already applied', async () => {
    const source = new StacApiSource({
      url: `${server.url}/api`,
      collection: 'sentinel-2-l2a',
      preset: 'earth-search',
    });
    const acqs = await source.search(QUERY, { onItemError: () => {} });
    const byId = Object.fromEntries(acqs.map((a) => [a.itemId, a]));
    const june = byId['S2B_33TWL_20240610_0_L2A']!;
    expect(Object.keys(june.assets).sort()).toEqual(['blue', 'red', 'scl']);
    expect(june.properties[HINTS.offsetCheck]).toBe(true);
    const [chip] = await readChips(june, [CELL], GRID, { bands: ['red'] });
    expect(chip!.image.data[0]![0]).toBeCloseTo((dn10(2, 20, 76) - 1000) * 1e-4, 7);
    const [applied] = await readChips(byId['S2A_33TWL_20240301_0_L2A']!, [CELL], GRID, { bands: ['red'] });
    // Source pixel (20, 76): 300 + 20, no offset subtracted.
    expect(applied!.image.data[0]![0]).toBe(Math.fround(0.032));
    const [old] = await readChips(byId['S2A_33TWL_20220101_0_L2A']!, [CELL], GRID, { bands: ['red'] });
    expect(old!.image.data[0]![0]).toBe(Math.fround(dn10(2, 20, 76) * 1e-4));
  });

  it('Planetary Computer: maps B02…SCL, signs asset URLs with one shared cached SAS token and refreshes it before expiry', async () => {
    const source = new StacApiSource({
      url: `${server.url}/pc`,
      collection: 'sentinel-2-l2a',
      preset: 'planetary-computer',
      tokenUrl: `${server.url}/token/sentinel-2-l2a`,
    });
    const [acq] = await source.search(QUERY);
    expect(Object.keys(acq!.assets).sort()).toEqual(['blue', 'red', 'scl']);
    const tokenBefore = server.requests.get('/token/sentinel-2-l2a') ?? 0;
    const [chip] = await readChips(acq!, [CELL], GRID, { bands: ['red', 'blue'] });
    await readChips(acq!, [CELL], GRID, { bands: ['red'] });
    expect((server.requests.get('/token/sentinel-2-l2a') ?? 0) - tokenBefore).toBe(1);
    expect(assetUrls.some((u) => u === `/${files.red}?sv=2024&sig=abc`)).toBe(true);
    // PC keeps ESA's DNs: baseline 05.10 means −1000 DN.
    expect(chip!.image.data[0]![0]).toBeCloseTo((dn10(2, 20, 76) - 1000) * 1e-4, 7);
    // A token about to expire is fetched again.
    tokenExpiry = new Date(Date.now() + 60_000).toISOString();
    const pcUrl = `${server.url}/token/sentinel-2-l2a`;
    const { sasToken } = await import('../src/imagery/planetary-computer.ts');
    const other = `${pcUrl}?fresh=1`;
    await sasToken(other);
    await sasToken(other);
    expect(server.requests.get('/token/sentinel-2-l2a')! - tokenBefore).toBe(3);
  });

  it('reads a static STAC catalog on disk with relative asset hrefs and raster:bands scaling', async () => {
    const root = join(dir, 'catalog');
    mkdirSync(join(root, 'items'), { recursive: true });
    const rb = [{ scale: 0.0001, offset: 0, nodata: 0 }];
    const asset = (f: string) => ({
      href: `../../${f}`,
      type: 'image/tiff; application=geotiff',
      'raster:bands': rb,
    });
    writeFileSync(
      join(root, 'items', 'a.json'),
      JSON.stringify(
        item(
          'a',
          '2024-04-02T10:00:00Z',
          { 'eo:cloud_cover': 10 },
          { red: asset(files.red!), nir: asset(files.nir!), scl: asset(files.scl!) },
        ),
      ),
    );
    writeFileSync(
      join(root, 'items', 'b.json'),
      JSON.stringify(item('b', null, {}, { red: asset(files.red!) })),
    );
    writeFileSync(
      join(root, 'catalog.json'),
      JSON.stringify({
        type: 'Catalog',
        id: 'demo',
        stac_version: '1.0.0',
        description: 'd',
        links: [
          { rel: 'item', href: './items/a.json' },
          { rel: 'item', href: './items/b.json' },
        ],
      }),
    );
    const source = openSource({ kind: 'local', path: root });
    expect(source.id).toBe(`local:${root}`);
    const errors: Error[] = [];
    const acqs = await source.search(QUERY, { onItemError: (e) => errors.push(e) });
    expect(acqs.map((a) => a.itemId)).toEqual(['a']);
    expect(acqs[0]!.assets.red).toBe(join(dir, files.red!));
    expect(errors.map((e) => e.message)).toEqual([
      `item "b" from ${join(root, 'items', 'b.json')} has no valid datetime (got null)`,
    ]);
    const [chip] = await readChips(acqs[0]!, [CELL], GRID);
    expect(chip!.image.bands).toEqual(['red', 'nir']);
    expect(chip!.image.data[1]![0]).toBe(Math.fround(dn10(3, 20, 76) * 1e-4));
    // The SCL cloud and its 60 m buffer (cloud-buffer.ts): 82 columns × 112 rows of this chip.
    expect(chip!.validFraction).toBe((65536 - 82 * 112) / 65536);
  });

  it('reads a folder of GeoTIFFs dated by sidecar or file name', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const stack = {
      ...SCENE,
      res: 10,
      bands: 3,
      type: 'UInt16' as const,
      nodata: 0,
      descriptions: ['B02', 'B03', 'B04'],
      value: (b: number, x: number, y: number) => dn10(b, x, y),
    };
    makeCog(folder, 'site_2024-05-03', stack);
    makeCog(folder, 'survey', stack);
    writeFileSync(
      join(folder, 'survey.json'),
      JSON.stringify({ datetime: '2024-04-01T09:30:00Z', cloudCover: 7 }),
    );
    makeCog(folder, 'undated', stack);
    const errors: Error[] = [];
    const acqs = await openSource({ kind: 'local', path: folder }).search(QUERY, {
      onItemError: (e) => errors.push(e),
    });
    expect(acqs.map((a) => [a.itemId, a.datetime, a.cloudCover])).toEqual([
      ['survey', '2024-04-01T09:30:00.000Z', 7],
      ['site_2024-05-03', '2024-05-03T00:00:00.000Z', null],
    ]);
    expect(acqs[0]!.assets).toEqual({
      blue: `${join(folder, 'survey.tif')}#band=1`,
      green: `${join(folder, 'survey.tif')}#band=2`,
      red: `${join(folder, 'survey.tif')}#band=3`,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(join(folder, 'undated.tif'));
    const [chip] = await readChips(acqs[1]!, [CELL], GRID);
    expect(chip!.image.bands).toEqual(['blue', 'green', 'red']);
    expect(chip!.image.data[2]![0]).toBe(Math.fround(dn10(2, 20, 76) * 1e-4));
    expect(chip!.image.data[0]![0]).toBe(Math.fround(dn10(0, 20, 76) * 1e-4));
  });
});
