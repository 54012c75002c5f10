import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { openSource } from '../src/imagery/index.ts';
import { discoverAcquisitions, markAcquisition } from '../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../src/pipeline/areas.ts';
import { detectAcquisition } from '../src/pipeline/detect-alerts.ts';
import { embedAcquisitionChips } from '../src/pipeline/embed-chips.ts';
import { openDb } from '../src/store/open.ts';
import { writeSeriesFixture } from './helpers/series-fixture.ts';

describe('alerts over successive acquisitions (pipeline steps called directly)', () => {
  it('a flood that spreads on the next acquisition updates its alert instead of raising a new one', async () => {
    const dates = ['2024-03-01', '2024-04-01', '2024-05-01', '2024-06-01'].map((d) => `${d}T10:00:00Z`);
    // 128 px, 32-px chips: the flood covers the north-west chip on 05-01, then the whole north-west quarter.
    const fixture = await writeSeriesFixture(mkdtempSync(join(tmpdir(), 'dw-spread-')), {
      dates,
      floods: { 2: { x0: 0, y0: 0, x1: 32, y1: 32 }, 3: { x0: 0, y0: 0, x1: 64, y1: 64 } },
    });
    const db = await openDb({ dataDir: 'memory://' });
    const evidenceDir = mkdtempSync(join(tmpdir(), 'dw-ev-'));
    const embedder = new SpectralEmbedder();
    try {
      await addArea(db, {
        id: 'valley',
        geojson: fixture.area,
        source: { kind: 'local', path: fixture.catalog },
        chipPx: 32,
      });
      const area = await getArea(db, 'valley');
      const pending = await discoverAcquisitions(db, openSource(area.source), area, {
        until: '2025-01-01T00:00:00Z',
      });
      expect(pending.map((p) => p.datetime)).toEqual(dates.map((d) => new Date(d).toISOString()));
      const raised: { created: boolean; chipKeys: string[] }[][] = [];
      for (const acq of pending) {
        await embedAcquisitionChips(
          { db, embedder, evidenceDir },
          { areaId: 'valley', acquisitionId: acq.id, batchSize: 8 },
        );
        const r = await detectAcquisition(db, evidenceDir, {
          areaId: 'valley',
          acquisitionId: acq.id,
          modelId: embedder.id,
        });
        await markAcquisition(db, 'valley', acq.id, 'processed');
        raised.push(r.alerts.map((a) => ({ created: a.created, chipKeys: a.chipKeys })));
      }
      const nw = fixture.floodedKeys; // the four north-west chips
      const first = [...nw].sort(
        (a, b) => Number(b.split('/')[3]) - Number(a.split('/')[3]) || a.localeCompare(b),
      )[0]!;
      expect(raised.slice(0, 2)).toEqual([[], []]);
      expect(raised[2]).toEqual([{ created: true, chipKeys: [first] }]);
      expect(raised[3]).toHaveLength(1);
      expect(raised[3]![0]!.created).toBe(false);
      const { rows } = await db.query<{ n: number; chip_keys: string[]; first_seen: Date; last_seen: Date }>(
        `SELECT count(*) OVER ()::int AS n, chip_keys, first_seen, last_seen FROM alerts`,
      );
      expect(rows).toHaveLength(1);
      expect([...rows[0]!.chip_keys].sort()).toEqual(nw);
      expect(new Date(rows[0]!.first_seen).toISOString()).toBe(new Date(dates[2]!).toISOString());
      expect(new Date(rows[0]!.last_seen).toISOString()).toBe(new Date(dates[3]!).toISOString());
      // Both acquisitions left their evidence on the one alert.
      const ev = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM alert_evidence');
      expect(ev.rows[0]!.n).toBe(6);
    } finally {
      await db.close();
    }
  });
});
