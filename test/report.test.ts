/**
 * Queries, the static report and the viewer's HTTP behaviour on seeded rows: alert order and filters,
 * chip history with cloudy gaps, the area grid, report contents and escaping, status codes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { driftChart } from '../src/report/drift-chart.ts';
import { gridMap } from '../src/report/grid-map.ts';
import { escapeHtml, html } from '../src/report/html.ts';
import { writeReport } from '../src/report/html-report.ts';
import {
  areaGrid,
  chipHistory,
  getAlert,
  listAlerts,
  listAreas,
  type AlertFilter,
} from '../src/store/read-queries.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import type { Db } from '../src/store/db.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import { backends } from './helpers/databases.ts';
import {
  ACQUISITION_DATES,
  AREA_ID,
  BUILT_CHIPS,
  FLOOD_CHIPS,
  insertAlert,
  insertArea,
  seedViewerData,
  type SeededViewerData,
} from './helpers/seed-viewer.ts';

const HOSTILE_ID = 'hostile';
const HOSTILE_NAME = `<script>alert("pwned")</script> & Co's <b>farm</b>`;
const CHANGE_CHIP = 'EPSG:32633/2560/160/2040';

for (const backend of backends()) {
  describe(`on ${backend.name}`, () => {
    let db: Db;
    let evidenceDir: string;
    let seeded: SeededViewerData;
    /** Alert ids by name: flood and built from the seed, the rest added here. */
    const ids: Record<'flood' | 'built' | 'burnLow' | 'floodClosed' | 'change', number> = {
      flood: 0,
      built: 0,
      burnLow: 0,
      floodClosed: 0,
      change: 0,
    };

    beforeAll(async () => {
      evidenceDir = mkdtempSync(join(tmpdir(), 'driftwatch-report-evidence-'));
      db = await backend.open();
      seeded = await seedViewerData(db);
      ids.flood = seeded.floodAlertId;
      ids.built = seeded.builtAlertId;
      const acq = (i: number) => seeded.acquisitionIds[i]!;
      await insertArea(db, HOSTILE_ID, HOSTILE_NAME);
      // Same last_seen as the construction alert but low confidence: sorts after it.
      ids.burnLow = await insertAlert(db, {
        areaId: HOSTILE_ID,
        clusterKey: 'burn-1',
        kind: 'burn',
        confidence: 'low',
        score: 0.4,
        chipKeys: ['EPSG:32633/2560/1/1'],
        areaKm2: 6.5536,
        prompts: { 'burned area': 0.45 },
        acquisitions: [acq(9), acq(9)],
        seen: [ACQUISITION_DATES[9]!, ACQUISITION_DATES[9]!],
      });
      // Same last_seen as the seeded flood but only high confidence, and closed.
      ids.floodClosed = await insertAlert(db, {
        areaId: HOSTILE_ID,
        clusterKey: 'flood-2',
        kind: 'flood',
        confidence: 'high',
        score: 0.55,
        chipKeys: ['EPSG:32633/2560/2/2'],
        areaKm2: 6.5536,
        prompts: { 'Flooded Fields': 0.5 },
        acquisitions: [acq(7), acq(8)],
        seen: [ACQUISITION_DATES[7]!, ACQUISITION_DATES[8]!],
        status: 'closed',
      });
      // Same last_seen and confidence as the construction alert, higher score: sorts before it.
      ids.change = await insertAlert(db, {
        areaId: AREA_ID,
        clusterKey: 'change-160-2040',
        kind: 'change',
        confidence: 'high',
        score: 0.75,
        chipKeys: [CHANGE_CHIP],
        areaKm2: 6.5536,
        prompts: {},
        acquisitions: [acq(9), acq(9)],
        seen: [ACQUISITION_DATES[9]!, ACQUISITION_DATES[9]!],
      });
    });

    afterAll(async () => {
      await db?.close();
      if (evidenceDir) rmSync(evidenceDir, { recursive: true, force: true });
    });

    const alertIds = (filter?: AlertFilter) =>
      db.readOnly(async (q) => (await listAlerts(q, filter)).map((a) => a.id));

    describe('queries', () => {
      it('orders alerts by last seen, then confidence, score and id', async () => {
        expect(await alertIds()).toEqual([ids.change, ids.built, ids.burnLow, ids.flood, ids.floodClosed]);
      });

      it('filters by area, date range, confidence, kind, prompt and status', async () => {
        expect(await alertIds({ areaId: AREA_ID })).toEqual([ids.change, ids.built, ids.flood]);
        expect(await alertIds({ from: '2024-07-01' })).toEqual([ids.change, ids.built, ids.burnLow]);
        // A date-only upper bound includes the whole day.
        expect(await alertIds({ to: '2024-06-21' })).toEqual([ids.flood, ids.floodClosed]);
        expect(await alertIds({ to: '2024-06-21T10:05:00Z' })).toEqual([]);
        expect(await alertIds({ from: '2024-06-21T10:05:32Z', to: '2024-06-30' })).toEqual([
          ids.flood,
          ids.floodClosed,
        ]);
        expect(await alertIds({ minConfidence: 'high' })).toEqual([
          ids.change,
          ids.built,
          ids.flood,
          ids.floodClosed,
        ]);
        expect(await alertIds({ minConfidence: 'highest' })).toEqual([ids.flood]);
        expect(await alertIds({ kind: 'flood' })).toEqual([ids.flood, ids.floodClosed]);
        expect(await alertIds({ prompt: 'FLOODED' })).toEqual([ids.flood, ids.floodClosed]);
        expect(await alertIds({ prompt: '%' })).toEqual([]);
        expect(await alertIds({ status: 'closed' })).toEqual([ids.floodClosed]);
        expect(await alertIds({ areaId: HOSTILE_ID, kind: 'flood', status: 'open' })).toEqual([]);
        expect(await alertIds({ limit: 2 })).toEqual([ids.change, ids.built]);
      });

      it('refuses malformed filters with an InputError naming the value', async () => {
        await expect(alertIds({ from: '2024-13-45' })).rejects.toThrow(InputError);
        await expect(alertIds({ from: '2024-13-45' })).rejects.toThrow(
          '"from" date "2024-13-45" is not a date',
        );
        await expect(alertIds({ to: 'yesterday' })).rejects.toThrow('"to" date "yesterday"');
        await expect(alertIds({ minConfidence: 'sure' as 'high' })).rejects.toThrow(
          'confidence "sure" is not one of low, high, highest',
        );
      });

      it('lists areas with counts and grid extent, by name', async () => {
        const areas = await db.readOnly((q) => listAreas(q));
        expect(
          areas.map((a) => [a.id, a.chipCount, a.acquisitionCount, a.alertCount, a.openAlertCount]),
        ).toEqual([
          [HOSTILE_ID, 0, 0, 2, 1],
          [AREA_ID, 48, 10, 3, 3],
        ]);
        expect(areas[1]!.extent).toEqual({ minCol: 160, maxCol: 167, minRow: 2040, maxRow: 2045 });
        expect(areas[1]!.lastAcquisition).toBe('2024-07-01T10:05:30.000Z');
        expect(areas[0]!.extent).toBeNull();
      });

      it('returns one alert with chips by score, evidence by date and kind, prompts by score', async () => {
        const alert = await db.readOnly((q) => getAlert(q, ids.flood));
        expect(alert?.chips.map((c) => [c.key, c.score])).toEqual([
          [FLOOD_CHIPS[1], 0.9],
          [FLOOD_CHIPS[0], 0.88],
          [FLOOD_CHIPS[2], 0.83],
        ]);
        // Written at the after acquisition; the before tile shows imagery of an earlier one.
        expect(
          alert?.evidence.map((e) => [
            e.kind,
            e.datetime.slice(0, 10),
            e.imaged?.from.slice(0, 10),
            e.mediaType,
          ]),
        ).toEqual([
          ['before', '2024-06-21', '2024-05-02', 'image/webp'],
          ['after', '2024-06-21', '2024-06-21', 'image/webp'],
          ['heatmap', '2024-06-21', '2024-06-21', 'image/png'],
        ]);
        expect(alert?.evidence.map((e) => e.sha256)).toEqual(seeded.evidence.get(ids.flood));
        expect(alert?.prompts).toEqual([
          { prompt: 'flooded farmland', score: 0.87 },
          { prompt: 'muddy river water', score: 0.71 },
        ]);
        expect(await db.readOnly((q) => getAlert(q, 987654))).toBeUndefined();
        // No later look has been counted: provisional, as every new alert.
        expect(alert?.confirmation).toBe('provisional');
        expect(alert?.looks).toEqual({ clear: 0, agreeing: 0 });
      });

      it('gives a chip history with cloudy acquisitions as unusable gaps', async () => {
        const h = await db.readOnly((q) => chipHistory(q, AREA_ID, FLOOD_CHIPS[1]!));
        expect(h?.modelId).toBe('spectral-v1');
        expect(h?.points.map((p) => p.usable)).toEqual([
          true,
          true,
          false,
          true,
          false,
          true,
          true,
          true,
          true,
          true,
        ]);
        expect(h?.points.map((p) => p.score).slice(5)).toEqual([expect.any(Number), 0.74, 0.86, 0.9, 0.46]);
        expect(h?.points[2]).toMatchObject({ score: null, drift: null, validFraction: 0.08, usable: false });
        expect(h?.points[4]).toMatchObject({ score: null, cloudCover: 92.4, usable: false });
        expect(await db.readOnly((q) => chipHistory(q, AREA_ID, 'EPSG:32633/2560/0/0'))).toBeUndefined();
      });

      it('gives the area grid of latest scores with open alerts per chip', async () => {
        const grid = await db.readOnly((q) => areaGrid(q, AREA_ID));
        expect(grid?.cells).toHaveLength(48);
        const cell = (key: string) => grid!.cells.find((c) => c.key === key)!;
        expect([cell(FLOOD_CHIPS[1]!).score, cell(FLOOD_CHIPS[1]!).datetime]).toEqual([
          0.46,
          '2024-07-01T10:05:30.000Z',
        ]);
        expect(cell(FLOOD_CHIPS[0]!).alertIds).toEqual([ids.flood]);
        expect(cell(BUILT_CHIPS[0]!).alertIds).toEqual([ids.built]);
        expect(cell(CHANGE_CHIP).alertIds).toEqual([ids.change]);
        expect(grid!.cells.filter((c) => c.alertIds.length > 0)).toHaveLength(6);
        expect(await db.readOnly((q) => areaGrid(q, 'nowhere'))).toBeUndefined();
      });
    });

    describe('markup', () => {
      it('escapes interpolated text and keeps nested markup', () => {
        expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
          '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
        );
        expect(html`<p title="${'"q"'}">${['<i>', html`<b>${'&'}</b>`]}${null}${false}${0}</p>`.value).toBe(
          '<p title="&quot;q&quot;">&lt;i&gt;<b>&amp;</b>0</p>',
        );
      });

      it('draws the drift chart with gaps at unusable acquisitions and the alert span marked', async () => {
        const h = (await db.readOnly((q) => chipHistory(q, AREA_ID, FLOOD_CHIPS[1]!)))!;
        const svg = driftChart(h.points, {
          id: 'c1',
          alertSpan: ['2024-06-01T10:05:31Z', '2024-06-21T10:05:32Z'],
        }).value;
        // Usable runs: [0,1], [3], [5..9] → two score lines (a lone point has no line), two cloudy gaps.
        expect(svg.match(/<polyline[^>]*stroke="#4f46e5"/g)).toHaveLength(2);
        expect(svg.match(/<g class="gap">/g)).toHaveLength(2);
        expect(svg.match(/<g class="pt">/g)).toHaveLength(8);
        expect(svg).toContain('>first seen</text>');
        expect(svg).toContain('>last seen</text>');
        expect(driftChart([], { id: 'c2' }).value).toContain('No acquisitions have observed this chip yet.');
      });

      it('draws one grid cell per chip, north up, with alert chips outlined', async () => {
        const grid = (await db.readOnly((q) => areaGrid(q, AREA_ID)))!;
        const svg = gridMap(grid).value;
        expect(svg.match(/<rect\s+class="cell/g)).toHaveLength(48);
        expect(svg.match(/class="cell cell-alert"/g)).toHaveLength(6);
        // Row 2045 (northernmost) is drawn at the top: y = gap.
        expect(svg).toMatch(
          /<rect\s+class="cell cell-alert"\s+x="122"\s+y="2"\s[^>]*><title>EPSG:32633\/2560\/166\/2045/,
        );
      });
    });

    describe('static report', () => {
      let outDir: string;
      let index: string;
      let text: string;
      beforeAll(async () => {
        outDir = mkdtempSync(join(tmpdir(), 'driftwatch-report-'));
        index = await writeReport(db, {
          outDir,
          evidence: new DbEvidenceStore(db),
          title: 'Lower Oder <summer>',
          summary: ['A flood & a building site'],
          now: new Date('2024-07-02T08:00:00Z'),
        });
        text = readFileSync(index, 'utf8');
      });
      afterAll(() => {
        if (outDir) rmSync(outDir, { recursive: true, force: true });
      });

      it('lists each alert, in alert order', () => {
        expect(index).toBe(join(outDir, 'index.html'));
        const order = [...text.matchAll(/<article\s+class="card alert-card"\s+id="alert-(\d+)"/g)].map((m) =>
          Number(m[1]),
        );
        expect(order).toEqual([ids.change, ids.built, ids.burnLow, ids.flood, ids.floodClosed]);
        expect(text).toContain('<title>Lower Oder &lt;summer&gt;</title>');
        expect(text).toContain('<li>A flood &amp; a building site</li>');
        expect(text).toContain('Generated 2024-07-02 08:00 UTC');
        // Each alert's status, in the table of contents and on its card.
        expect(
          text.match(
            /<span class="tag confirm-provisional" title="0 of 0 later clear look\(s\) agreed">provisional<\/span>/g,
          ),
        ).toHaveLength(10);
      });

      it('references only evidence files copied next to it, with the same bytes and extension', () => {
        const srcs = [...text.matchAll(/<img\s[^>]*?src="([^"]+)"/g)].map((m) => m[1]!);
        expect(srcs).toHaveLength(6);
        const expected = [...seeded.evidence.get(ids.built)!, ...seeded.evidence.get(ids.flood)!];
        const exts = ['webp', 'webp', 'png', 'webp', 'webp', 'png']; // before, after, heat-map
        expect(srcs).toEqual(expected.map((sha, i) => `evidence/${sha}.${exts[i]}`));
        for (const src of srcs) {
          const bytes = readFileSync(join(outDir, src));
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(
            src.slice('evidence/'.length, src.lastIndexOf('.')),
          );
        }
        expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
      });

      it('captions each tile with the date of the imagery it shows', () => {
        const captions = [
          ...text.matchAll(/<figcaption><b>([^<]+)<\/b><span class="muted">([^<]+)<\/span>/g),
        ].map((m) => `${m[1]}: ${m[2]}`);
        expect(captions).toEqual([
          'Before: 11 Jun 2024',
          'After: 1 Jul 2024',
          'Change heat map: 1 Jul 2024',
          'Before: 2 May 2024',
          'After: 21 Jun 2024',
          'Change heat map: 21 Jun 2024',
        ]);
      });

      it('escapes a hostile area name', () => {
        expect(text).not.toContain('<script>');
        expect(text).not.toContain('<b>farm</b>');
        expect(text).toContain(
          `&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co&#39;s &lt;b&gt;farm&lt;/b&gt;`,
        );
      });
    });

    describe('viewer over HTTP', () => {
      let server: RunningServer;
      const errors: unknown[] = [];
      beforeAll(async () => {
        // A hash without bytes whose old-folder path would leave that folder.
        await db.query(
          `INSERT INTO evidence_files (sha256, media_type, bytes, path) VALUES ($1, 'image/png', 10, '../../etc/passwd')`,
          ['e'.repeat(64)],
        );
        const evidence = new DbEvidenceStore(db, { legacyDir: evidenceDir });
        server = await startServer(db, { port: 0, evidence, onError: (e) => errors.push(e) });
      });
      afterAll(async () => {
        await server?.close();
      });
      const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

      it('binds to 127.0.0.1 by default', () => {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      });

      it('answers 404 for an unknown alert id, as a page and as JSON', async () => {
        const page = await get('/alerts/987654');
        expect(page.status).toBe(404);
        expect(await page.text()).toContain('no alert with id 987654');
        const api = await get('/api/alerts/987654');
        expect(api.status).toBe(404);
        expect(await api.json()).toEqual({ error: 'no alert with id 987654', status: 404 });
        expect((await get('/alerts/abc')).status).toBe(400);
      });

      it('serves evidence by hash only: 400 for a malformed hash, 404 for unknown or escaping paths', async () => {
        const sha = seeded.evidence.get(ids.flood)![2]!; // the heat-map, a PNG
        const ok = await get(`/evidence/${sha}.png`);
        expect(ok.status).toBe(200);
        expect(ok.headers.get('content-type')).toBe('image/png');
        const bytes = Buffer.from(await ok.arrayBuffer());
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
        // A before tile is WebP: served with its stored media type, under its extension or none.
        const webp = seeded.evidence.get(ids.flood)![0]!;
        for (const path of [`/evidence/${webp}.webp`, `/evidence/${webp}`]) {
          const res = await get(path);
          expect([res.status, res.headers.get('content-type')], path).toEqual([200, 'image/webp']);
          const body = Buffer.from(await res.arrayBuffer());
          expect(createHash('sha256').update(body).digest('hex')).toBe(webp);
        }

        const bad = await get('/evidence/not-a-hash.png');
        expect(bad.status).toBe(400);
        expect(await bad.text()).toBe('evidence hash "not-a-hash" is not 64 lowercase hex digits\n');
        expect((await get(`/evidence/${sha.toUpperCase()}.png`)).status).toBe(400);
        expect((await get('/evidence/..%2F..%2Fpackage.json%00.png')).status).toBe(400);
        expect((await get(`/evidence/${'0'.repeat(64)}.png`)).status).toBe(404);
        expect((await get(`/evidence/${'e'.repeat(64)}.png`)).status).toBe(404);
        expect((await get(`/evidence/${sha}.png`, { headers: { 'if-none-match': `"${sha}"` } })).status).toBe(
          304,
        );
      });

      it('refuses every method but GET and HEAD with 405', async () => {
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
          const res = await get('/api/alerts', { method });
          expect(res.status, method).toBe(405);
          expect(res.headers.get('allow')).toBe('GET, HEAD');
        }
        const head = await get('/', { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe('');
      });

      it('serves alerts as JSON with the same filters, and 400 for a malformed filter', async () => {
        const res = await get('/api/alerts?confidence=high&kind=flood');
        expect(((await res.json()) as { alerts: Array<{ id: number }> }).alerts.map((a) => a.id)).toEqual([
          ids.flood,
          ids.floodClosed,
        ]);
        const bad = await get('/api/alerts?from=2024-02-30');
        expect(bad.status).toBe(400);
        expect(((await bad.json()) as { error: string }).error).toBe(
          '"from" date "2024-02-30" is not a date (YYYY-MM-DD) or ISO 8601 datetime with zone',
        );
        const areas = (await (await get('/api/areas')).json()) as { areas: Array<{ id: string }> };
        expect(areas.areas.map((a) => a.id)).toEqual([HOSTILE_ID, AREA_ID]);
      });

      it('escapes the hostile area name in pages and filters alerts by query parameters', async () => {
        const res = await get(`/alerts?area=${HOSTILE_ID}`);
        const body = await res.text();
        expect(res.status).toBe(200);
        expect(body).not.toContain('<script>');
        expect([...body.matchAll(/data-alert-id="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([
          ids.burnLow,
          ids.floodClosed,
        ]);
        expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect((await get(`/areas/${AREA_ID}?chip=${encodeURIComponent(FLOOD_CHIPS[0]!)}`)).status).toBe(200);
        expect((await get(`/areas/${AREA_ID}?chip=nope`)).status).toBe(404);
        expect(errors).toEqual([]);
      });
    });
  });
}
