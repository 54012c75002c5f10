import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transformer } from '../src/imagery/crs.ts';
import { mosaicBox } from '../src/pipeline/mosaic-box.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import { seededViewerFixture, type ViewerFixture } from './helpers/viewer-fixture.ts';

const CELL_M = 2560;
/** Grid cells (column, row) → lon/lat in the seeded area's EPSG:32633 grid. */
const lonLat = transformer(32633, 4326);
const at = (col: number, row: number) => lonLat(col * CELL_M, row * CELL_M);

describe('alert outlines over the viewer tiles, and the alert downloads', () => {
  let fixture: ViewerFixture;
  let server: RunningServer;
  let floodId: number;
  let builtId: number;

  beforeAll(async () => {
    fixture = await seededViewerFixture();
    const { rows } = await fixture.db.query<{ id: number; kind: string }>(
      'SELECT id, kind FROM alerts ORDER BY id',
    );
    floodId = Number(rows.find((r) => r.kind === 'flood')!.id);
    builtId = Number(rows.find((r) => r.kind === 'construction')!.id);
    // The flood's outline: columns 162–164, rows 2042–2043.5, with a hole of half a cell.
    const geometry = {
      type: 'MultiPolygon',
      coordinates: [
        [
          [at(162, 2042), at(164, 2042), at(164, 2043.5), at(162, 2043.5), at(162, 2042)],
          [at(162.5, 2042.5), at(162.5, 2043), at(163, 2043), at(163, 2042.5), at(162.5, 2042.5)],
        ],
      ],
    };
    await fixture.db.query('UPDATE alerts SET geometry = $2, geometry_source = $3 WHERE id = $1', [
      floodId,
      JSON.stringify(geometry),
      'pixels',
    ]);
    server = await startServer(fixture.db, { port: 0, evidence: fixture.evidence });
  });

  afterAll(async () => {
    await server?.close();
    await fixture?.close();
  });

  const get = (path: string) => fetch(new URL(path, server.url));

  it('boxes the mosaic as the evidence does: the chips plus one cell, clipped to the area', () => {
    const cells = [];
    for (let col = 160; col <= 167; col++) for (let row = 2040; row <= 2045; row++) cells.push({ col, row });
    expect(
      mosaicBox(cells, [
        { col: 162, row: 2042 },
        { col: 163, row: 2043 },
      ]),
    ).toEqual({
      left: 161,
      top: 2044,
      cols: 4,
      rows: 4,
    });
    expect(mosaicBox(cells, [{ col: 167, row: 2045 }])).toEqual({ left: 166, top: 2045, cols: 2, rows: 2 });
  });

  it('draws the outline over the before and after tiles in the tiles\u2019 cell units, holes kept', async () => {
    const res = await get(`/alerts/${floodId}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const svgs = [...page.matchAll(/<svg\s+class="overlay"([\s\S]*?)<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(2); // before and after; not the heat-map
    for (const svg of svgs) {
      expect(svg).toContain('viewBox="0 0 4 4"');
      expect(svg).toContain('data-box="161,2044,4,4"');
      expect([...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1])).toEqual([
        'M1,3 L3,3 L3,1.5 L1,1.5 Z M1.5,2.5 L1.5,2 L2,2 L2,2.5 Z',
      ]);
    }
    expect(page).toContain(`href="/collections/alerts/items/${floodId}"`);
    expect(page).toContain(`href="/alerts/${floodId}.csv"`);
  });

  it('offers the alert as GeoJSON and CSV', async () => {
    const feature = await get(`/collections/alerts/items/${floodId}`);
    expect(feature.headers.get('content-type')).toContain('application/geo+json');
    expect(((await feature.json()) as { id: unknown }).id).toBe(floodId);
    const csv = await get(`/alerts/${floodId}.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(',')[0]).toBe('id');
    expect(lines[1]!.split(',')[0]).toBe(String(floodId));
    expect(lines[1]).toContain('MULTIPOLYGON');
    expect((await get('/alerts/999999.csv')).status).toBe(404);
  });

  it('uses the cell box stored with a tile over the box of the alert\u2019s chips', async () => {
    await fixture.db.query(
      `UPDATE alert_evidence SET cell_box = '{160,2045,6,5}' WHERE alert_id = $1 AND kind = 'after'`,
      [floodId],
    );
    const page = await (await get(`/alerts/${floodId}`)).text();
    const boxes = [...page.matchAll(/data-box="([^"]*)"/g)].map((m) => m[1]);
    expect(boxes).toEqual(['161,2044,4,4', '160,2045,6,5']); // before (no stored box), after
    expect(page).toContain('viewBox="0 0 6 5"');
    expect(page).toContain('<path d="M2,4 L4,4 L4,2.5 L2,2.5 Z M2.5,3.5 L2.5,3 L3,3 L3,3.5 Z"');
  });

  it('draws nothing for an alert without an outline', async () => {
    await fixture.db.query('UPDATE alerts SET geometry = NULL WHERE id = $1', [builtId]);
    const page = await (await get(`/alerts/${builtId}`)).text();
    expect(page).not.toContain('class="overlay"');
  });
});
