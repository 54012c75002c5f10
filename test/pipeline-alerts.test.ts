import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { openSource } from '../src/imagery/index.ts';
import { discoverAcquisitions, markAcquisition } from '../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../src/pipeline/areas.ts';
import { detectAcquisition, type DetectDeps } from '../src/pipeline/detect-alerts.ts';
import { embedAcquisitionChips } from '../src/pipeline/embed-chips.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
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
    const evidence = new DbEvidenceStore(db);
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
      const checks: unknown[] = [];
      for (const acq of pending) {
        await embedAcquisitionChips(
          { db, embedder, evidence },
          { areaId: 'valley', acquisitionId: acq.id, batchSize: 8 },
        );
        const r = await detectAcquisition(db, evidence, {
          areaId: 'valley',
          acquisitionId: acq.id,
          modelId: embedder.id,
        });
        await markAcquisition(db, 'valley', acq.id, 'processed');
        raised.push(r.alerts.map((a) => ({ created: a.created, chipKeys: a.chipKeys })));
        checks.push(r.pairCheck);
      }
      const nw = fixture.floodedKeys; // the four north-west chips
      const first = [...nw].sort(
        (a, b) => Number(b.split('/')[3]) - Number(a.split('/')[3]) || a.localeCompare(b),
      )[0]!;
      expect(raised.slice(0, 2)).toEqual([[], []]);
      expect(raised[2]).toEqual([{ created: true, chipKeys: [first] }]);
      expect(raised[3]).toHaveLength(1);
      expect(raised[3]![0]!.created).toBe(false);
      // The pair detector saw the new water of every newly flooded chip against the look before (the
      // chip flooded since the third look is no new water on the fourth).
      expect(checks).toEqual([
        { referenceId: null, confirmed: 0, capped: 0, unchecked: 0 },
        { referenceId: null, confirmed: 0, capped: 0, unchecked: 0 },
        { referenceId: pending[1]!.id, confirmed: 1, capped: 0, unchecked: 0 },
        { referenceId: pending[2]!.id, confirmed: 3, capped: 0, unchecked: 0 },
      ]);
      const signal = await db.query<{ check: string; ref: string }>(
        `SELECT s.signals->>'pairCheck' AS check, s.signals->>'pairReference' AS ref
           FROM chip_signals s JOIN chips c ON c.id = s.chip_id WHERE c.key = $1 AND s.acquisition_id = $2`,
        [first, pending[2]!.id],
      );
      expect(signal.rows).toEqual([{ check: 'confirmed', ref: String(pending[1]!.id) }]);
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

  /** Runs the pipeline steps over a fixture with the north-west chip flooded on the given acquisitions. */
  async function monitorFloods(floodedOn: number[], deps: DetectDeps = {}) {
    const dates = ['2024-03-01', '2024-04-01', '2024-05-01', '2024-06-01', '2024-07-01', '2024-08-01'].map(
      (d) => `${d}T10:00:00Z`,
    );
    const floods = Object.fromEntries(floodedOn.map((i) => [i, { x0: 0, y0: 0, x1: 32, y1: 32 }]));
    const fixture = await writeSeriesFixture(mkdtempSync(join(tmpdir(), 'dw-confirm-')), { dates, floods });
    const db = await openDb({ dataDir: 'memory://' });
    const evidence = new DbEvidenceStore(db);
    const embedder = new SpectralEmbedder();
    const states: { confirmation: string; status: string; clear: number; agreeing: number }[] = [];
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
      for (const acq of pending) {
        await embedAcquisitionChips(
          { db, embedder, evidence },
          { areaId: 'valley', acquisitionId: acq.id, batchSize: 8 },
        );
        const input = { areaId: 'valley', acquisitionId: acq.id, modelId: embedder.id };
        await detectAcquisition(db, evidence, input, deps);
        // A retried detection counts the look once.
        await detectAcquisition(db, evidence, input, deps);
        await markAcquisition(db, 'valley', acq.id, 'processed');
        const { rows } = await db.query<{
          confirmation: string;
          status: string;
          clear_looks: number;
          agreeing_looks: number;
        }>('SELECT confirmation, status, clear_looks, agreeing_looks FROM alerts ORDER BY id');
        states.push(
          ...rows.map((r) => ({
            confirmation: r.confirmation,
            status: r.status,
            clear: r.clear_looks,
            agreeing: r.agreeing_looks,
          })),
        );
      }
      const { rows } = await db.query<{
        n: number;
        kind: string;
        first_seen: Date;
        confirmed_at: Date | null;
      }>('SELECT count(*) OVER ()::int AS n, kind, first_seen, confirmed_at FROM alerts');
      // One recorded change per alert, look and phase, the retried detections included.
      const changes = await db.query<{ change: string; version: number; datetime: Date }>(
        `SELECT c.change, c.version, a.datetime FROM alert_changes c JOIN acquisitions a ON a.id = c.acquisition_id
          ORDER BY c.version`,
      );
      const signals = await db.query<{ key: string; acquisition_id: number; signals: unknown }>(
        `SELECT c.key, s.acquisition_id, s.signals FROM chip_signals s JOIN chips c ON c.id = s.chip_id
          ORDER BY c.key, s.acquisition_id`,
      );
      return {
        dates,
        states,
        signals: signals.rows,
        alerts: rows,
        changes: changes.rows.map((c) => [c.change, c.version, new Date(c.datetime).toISOString()]),
      };
    } finally {
      await db.close();
    }
  }

  it('a flood that persists is provisional on its first look and confirmed by the second agreeing later look, keeping its first-detection date', async () => {
    const { dates, states, alerts, changes } = await monitorFloods([2, 3, 4, 5]);

    expect(states).toEqual([
      { confirmation: 'provisional', status: 'open', clear: 0, agreeing: 0 },
      { confirmation: 'provisional', status: 'open', clear: 1, agreeing: 1 },
      { confirmation: 'confirmed', status: 'open', clear: 2, agreeing: 2 },
      { confirmation: 'confirmed', status: 'open', clear: 2, agreeing: 2 },
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.kind).toBe('flood');
    expect(new Date(alerts[0]!.first_seen).toISOString()).toBe(new Date(dates[2]!).toISOString());
    expect(new Date(alerts[0]!.confirmed_at!).toISOString()).toBe(new Date(dates[4]!).toISOString());
    // Each detection ran twice; the alert changed twice: created by its first look, confirmed by look 4.
    const iso = (d: string) => new Date(d).toISOString();
    expect(changes).toEqual([
      ['created', 1, iso(dates[2]!)],
      ['confirmed', 2, iso(dates[4]!)],
    ]);
  });

  it('a flood seen once and never again is dismissed (and closed) once two agreeing looks among four can no longer happen', async () => {
    const { states, alerts } = await monitorFloods([2]);
    expect(states).toEqual([
      { confirmation: 'provisional', status: 'open', clear: 0, agreeing: 0 },
      { confirmation: 'provisional', status: 'open', clear: 1, agreeing: 0 },
      { confirmation: 'provisional', status: 'open', clear: 2, agreeing: 0 },
      { confirmation: 'dismissed', status: 'closed', clear: 3, agreeing: 0 },
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.confirmed_at).toBeNull();
  });

  it('reads the chip series three chips at a time (six batches of the 16 chips) with the same signals, alerts and confirmations as in one batch', async () => {
    const whole = await monitorFloods([2, 3, 4, 5]);
    const batched = await monitorFloods([2, 3, 4, 5], { seriesBatchChips: 3 });
    // 16 chips scored on each of the 6 looks.
    expect(whole.signals).toHaveLength(96);
    expect(batched.signals).toEqual(whole.signals);
    expect(batched.states).toEqual(whole.states);
    expect(batched.alerts).toEqual(whole.alerts);
    expect(batched.changes).toEqual(whole.changes);
  });
});
