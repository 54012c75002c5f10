import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { monitorArea } from '../workflows/index.ts';
import { runPipelineWorkers, startTemporal } from './helpers/temporal.ts';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { InputError } from '../src/errors.ts';
import { openSource } from '../src/imagery/index.ts';
import { discoverAcquisitions, markAcquisition } from '../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../src/pipeline/areas.ts';
import { detectAcquisition, type DetectResult } from '../src/pipeline/detect-alerts.ts';
import { embedAcquisitionChips } from '../src/pipeline/embed-chips.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { writeSeriesFixture } from './helpers/series-fixture.ts';
import { addRadarItems, writeRadarFixture, type RadarLook } from './helpers/radar-fixture.ts';

/**
 * Monitors the area's source from its first acquisition on, each look embedded, detected and marked in turn;
 * `window.area` is the area's fusion window, `window.run` the one each detection is given.
 */
async function monitor(
  db: Db,
  id: string,
  geojson: unknown,
  path: string,
  chipPx: number,
  window: { area?: number; run?: number } = {},
) {
  const evidence = new DbEvidenceStore(db);
  const embedder = new SpectralEmbedder();
  await addArea(db, {
    id,
    geojson,
    source: { kind: 'local', path },
    chipPx,
    ...(window.area !== undefined ? { fusionDays: window.area } : {}),
  });
  const area = await getArea(db, id);
  const pending = await discoverAcquisitions(db, openSource(area.source), area, {
    until: '2025-01-01T00:00:00Z',
  });
  const results: { id: number; itemId: string; result: DetectResult }[] = [];
  for (const acq of pending) {
    await embedAcquisitionChips(
      { db, embedder, evidence },
      { areaId: id, acquisitionId: acq.id, batchSize: 8 },
    );
    const result = await detectAcquisition(db, evidence, {
      areaId: id,
      acquisitionId: acq.id,
      modelId: embedder.id,
      ...(window.run !== undefined ? { fusionDays: window.run } : {}),
    });
    await markAcquisition(db, id, acq.id, 'processed');
    results.push({ id: acq.id, itemId: acq.itemId, result });
  }
  const { rows } = await db.query<{
    kind: string;
    confidence: string;
    chip_keys: string[];
    area_km2: number;
    geometry_source: string;
    first_seen: Date;
    confirmation: string;
    clear_looks: number;
    agreeing_looks: number;
  }>(
    `SELECT kind, confidence, chip_keys, area_km2, geometry_source, first_seen, confirmation, clear_looks, agreeing_looks
       FROM alerts WHERE area_id = $1 ORDER BY id`,
    [id],
  );
  const alerts = rows.map((r) => [
    r.kind,
    r.confidence,
    [...r.chip_keys].sort(),
    r.area_km2,
    r.geometry_source,
    new Date(r.first_seen).toISOString().slice(0, 10),
    [r.confirmation, r.clear_looks, r.agreeing_looks],
  ]);
  return { results, alerts, embedder };
}

/** Forest at −8 dB; after 2024-04-01 columns 0…47 cleared (−12.5 dB) and columns 96…127 flooded (−20 dB). */
const forest = () => -8;
const changed = (x: number) => (x < 48 ? -12.5 : x >= 96 ? -20 : -8);

describe('monitoring scores radar looks against the radar baseline', () => {
  it('a radar-only area raises one vegetation-loss and one flood alert of their pixels on the look that shows them, nothing before, and later radar looks confirm them', async () => {
    const looks: RadarLook[] = [
      { datetime: '2024-03-01T17:50:00Z', db: forest },
      { datetime: '2024-03-13T17:50:00Z', db: forest },
      { datetime: '2024-03-25T17:50:00Z', db: forest },
      { datetime: '2024-04-06T17:50:00Z', db: (x) => changed(x) },
      { datetime: '2024-04-18T17:50:00Z', db: (x) => changed(x) },
      { datetime: '2024-04-30T17:50:00Z', db: (x) => changed(x) },
    ];
    const fixture = await writeRadarFixture(mkdtempSync(join(tmpdir(), 'dw-monitor-radar-')), looks);
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const { results, alerts, embedder } = await monitor(
        db,
        'forest',
        fixture.area,
        fixture.folder,
        fixture.chipPx,
      );
      expect(
        results.map((r) => [r.itemId, r.result.scored, r.result.alerts.map((a) => [a.kind, a.created])]),
      ).toEqual([
        ['s1-2024-03-01', 16, []],
        ['s1-2024-03-13', 16, []],
        ['s1-2024-03-25', 16, []],
        [
          's1-2024-04-06',
          16,
          [
            ['flood', true],
            ['vegetation-loss', true],
          ],
        ],
        // The change still stands out of the composites that have taken in one and two changed looks.
        [
          's1-2024-04-18',
          16,
          [
            ['flood', false],
            ['vegetation-loss', false],
          ],
        ],
        [
          's1-2024-04-30',
          16,
          [
            ['flood', false],
            ['vegetation-loss', false],
          ],
        ],
      ]);
      const col = (c: number) => [0, 1, 2, 3].map((r) => fixture.keyAt(c, r));
      // 48 × 128 and 32 × 128 pixels of 10 m; one system saw each. Both are confirmed by the two later looks,
      // judged against the baseline from before their first look.
      expect(alerts).toEqual([
        ['flood', 'low', col(3).sort(), 0.4096, 'pixels', '2024-04-06', ['confirmed', 2, 2]],
        [
          'vegetation-loss',
          'low',
          [...col(0), ...col(1)].sort(),
          0.6144,
          'pixels',
          '2024-04-06',
          ['confirmed', 2, 2],
        ],
      ]);
      const { rows } = await db.query<{ item_id: string; key: string; signals: Record<string, unknown> }>(
        `SELECT a.item_id, c.key, s.signals FROM chip_signals s JOIN chips c ON c.id = s.chip_id
           JOIN acquisitions a ON a.id = s.acquisition_id WHERE s.model_id = $1 ORDER BY a.datetime, c.key`,
        [embedder.id],
      );
      // The first look has no earlier radar look: stored, not scored. Later ones: against 1, 2, 3 looks.
      expect(
        ['s1-2024-03-01', 's1-2024-03-13', 's1-2024-03-25', 's1-2024-04-06'].map((item) => [
          item,
          [...new Set(rows.filter((r) => r.item_id === item).map((r) => r.signals.baselineCount))],
        ]),
      ).toEqual([
        ['s1-2024-03-01', [0]],
        ['s1-2024-03-13', [1]],
        ['s1-2024-03-25', [2]],
        ['s1-2024-04-06', [3]],
      ]);
      const at = (c: number) =>
        rows.find((r) => r.item_id === 's1-2024-04-06' && r.key === fixture.keyAt(c, 0))!.signals;
      expect(at(0)).toMatchObject({
        kind: 'vegetation-loss',
        signals: ['radar'],
        sensor: 'radar',
        evidence: { sensor: 'radar', lossFraction: 1, waterFraction: 0, beforeLooks: 3 },
      });
      expect(at(1)).toMatchObject({
        kind: 'vegetation-loss',
        evidence: { lossFraction: 0.5, waterFraction: 0 },
      });
      expect(at(2)).toMatchObject({ kind: 'change', score: 0, confidence: null });
      expect(at(3)).toMatchObject({ kind: 'flood', evidence: { lossFraction: 0, waterFraction: 1 } });
    } finally {
      await db.close();
    }
  });

  /** The flood: pixels 0…47 × 0…31, the top-left chip and the west half of the chip east of it. */
  const FLOOD = { x0: 0, y0: 0, x1: 48, y1: 32 };
  const flooded = (x: number, y: number) => (x < FLOOD.x1 && y < FLOOD.y1 ? -20 : -8);

  /**
   * One local catalog of optical looks (the flood on the third) and radar looks after each: a day and
   * 7 h 50 min after unless `radarDates` names them, monitored with the fusion windows of `window`.
   */
  async function fusionArea(
    db: Db,
    id: string,
    clouds?: typeof FLOOD,
    radarDates = ['2024-03-02T17:50:00Z', '2024-04-02T17:50:00Z', '2024-05-02T17:50:00Z'],
    window: { area?: number; run?: number } = {},
  ) {
    const fixture = await writeSeriesFixture(mkdtempSync(join(tmpdir(), `dw-monitor-${id}-`)), {
      dates: ['2024-03-01T10:00:00Z', '2024-04-01T10:00:00Z', '2024-05-01T10:00:00Z'],
      floods: { 2: FLOOD },
      ...(clouds ? { clouds: { 2: clouds } } : {}),
    });
    await addRadarItems(fixture.catalog, [
      { datetime: radarDates[0]!, db: forest },
      { datetime: radarDates[1]!, db: forest },
      { datetime: radarDates[2]!, db: flooded },
    ]);
    const run = await monitor(db, id, fixture.area, fixture.catalog, fixture.chipPx, window);
    const { rows } = await db.query<{ item_id: string; key: string; signals: Record<string, unknown> }>(
      `SELECT a.item_id, c.key, s.signals FROM chip_signals s JOIN chips c ON c.id = s.chip_id
         JOIN acquisitions a ON a.id = s.acquisition_id
        WHERE c.area_id = $1 AND s.signals->>'confidence' IS NOT NULL ORDER BY a.datetime, c.key`,
      [id],
    );
    const alerting = rows.map((r) => {
      const f = r.signals.fusion as
        { agrees: number[]; unseen: number[]; radarOnly: boolean; windowDays: number } | undefined;
      return [
        r.item_id,
        r.key,
        r.signals.confidence,
        r.signals.signals,
        f && [f.agrees.length, f.unseen.length, f.radarOnly],
        f?.windowDays,
      ];
    });
    const west = fixture.allKeys.find((k) => k.endsWith('/1560/15624'))!;
    const east = fixture.allKeys.find((k) => k.endsWith('/1561/15624'))!;
    return { ...run, alerting, west, east };
  }

  it('an optical and a radar look a day apart that both see the flood make it highest; the optical looks never take a radar look as their reference', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const { results, alerts, alerting, west, east } = await fusionArea(db, 'both');
      const idOf = (item: string) => results.find((r) => r.itemId === item)!.id;
      // The optical looks' pair check takes the optical look before (never the radar look between).
      expect(
        results.map((r) => [
          r.itemId,
          r.result.pairCheck?.referenceId,
          r.result.alerts.map((a) => [a.kind, a.confidence, a.created]),
        ]),
      ).toEqual([
        ['S2-fixture-2024-03-01', null, []],
        ['S1-fixture-2024-03-02', undefined, []],
        ['S2-fixture-2024-04-01', null, []],
        ['S1-fixture-2024-04-02', undefined, []],
        ['S2-fixture-2024-05-01', idOf('S2-fixture-2024-04-01'), [['flood', 'highest', true]]],
        ['S1-fixture-2024-05-02', undefined, [['flood', 'highest', false]]],
      ]);
      // Per alerting chip: confidence, signals, [agreeing partners, unseen partners, radarOnly]. The optical
      // look has no radar look processed in its window yet (its own three signals make it highest); the
      // radar look a day later agrees with it, so it is highest too and gains `spectral`.
      expect(alerting).toEqual([
        ['S2-fixture-2024-05-01', west, 'highest', ['drift', 'prompt', 'spectral'], [0, 0, false], 3],
        ['S2-fixture-2024-05-01', east, 'highest', ['drift', 'prompt', 'spectral'], [0, 0, false], 3],
        ['S1-fixture-2024-05-02', west, 'highest', ['radar', 'spectral'], [1, 0, false], 3],
        ['S1-fixture-2024-05-02', east, 'highest', ['radar', 'spectral'], [1, 0, false], 3],
      ]);
      // One alert: the radar look continues the optical one, and counts as its first agreeing later look
      // (against the radar looks before it). 48 × 32 pixels of 10 m.
      expect(alerts).toEqual([
        ['flood', 'highest', [west, east].sort(), 0.1536, 'pixels', '2024-05-01', ['provisional', 1, 1]],
      ]);
    } finally {
      await db.close();
    }
  });

  it('a flood under cloud in the optical look alerts from radar alone, radarOnly, at the confidence of one system', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const { results, alerts, alerting, west, east } = await fusionArea(db, 'cloudy', {
        x0: 0,
        y0: 0,
        x1: 64,
        y1: 32,
      });
      expect(
        results.map((r) => [r.itemId, r.result.alerts.map((a) => [a.kind, a.confidence, a.created])]),
      ).toEqual([
        ['S2-fixture-2024-03-01', []],
        ['S1-fixture-2024-03-02', []],
        ['S2-fixture-2024-04-01', []],
        ['S1-fixture-2024-04-02', []],
        ['S2-fixture-2024-05-01', []],
        ['S1-fixture-2024-05-02', [['flood', 'low', true]]],
      ]);
      expect(alerting).toEqual([
        ['S1-fixture-2024-05-02', west, 'low', ['radar'], [0, 1, true], 3],
        ['S1-fixture-2024-05-02', east, 'low', ['radar'], [0, 1, true], 3],
      ]);
      // 48 × 32 pixels less the 3 of the patch's inner corner that the 5 × 5 median filter rounds off.
      expect(alerts).toEqual([
        ['flood', 'low', [west, east].sort(), 0.1533, 'pixels', '2024-05-02', ['provisional', 0, 0]],
      ]);
    } finally {
      await db.close();
    }
  });

  /** Radar looks exactly 4 days after each optical look. */
  const FOUR_DAYS_LATER = ['2024-03-05T10:00:00Z', '2024-04-05T10:00:00Z', '2024-05-05T10:00:00Z'];

  it("an optical and a radar look 4 days apart agree under the area's 4-day fusion window, and not under a run's 3-day window", async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const wide = await fusionArea(db, 'wide', undefined, FOUR_DAYS_LATER, { area: 4 });
      const narrow = await fusionArea(db, 'narrow', undefined, FOUR_DAYS_LATER, { area: 4, run: 3 });
      const { rows } = await db.query<{ id: string; fusion_days: number }>(
        'SELECT id, fusion_days FROM areas ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 'narrow', fusion_days: 4 },
        { id: 'wide', fusion_days: 4 },
      ]);
      // 4 days is within the area's window: the radar look agrees with the optical one and is highest.
      expect(wide.alerting).toEqual([
        ['S2-fixture-2024-05-01', wide.west, 'highest', ['drift', 'prompt', 'spectral'], [0, 0, false], 4],
        ['S2-fixture-2024-05-01', wide.east, 'highest', ['drift', 'prompt', 'spectral'], [0, 0, false], 4],
        ['S1-fixture-2024-05-05', wide.west, 'highest', ['radar', 'spectral'], [1, 0, false], 4],
        ['S1-fixture-2024-05-05', wide.east, 'highest', ['radar', 'spectral'], [1, 0, false], 4],
      ]);
      // The run's 3 days win over the area's 4: the optical look lies outside it, so the radar chips are
      // not fused — one system saw them, no optical look was in the window (radarOnly).
      expect(narrow.alerting).toEqual([
        ['S2-fixture-2024-05-01', narrow.west, 'highest', ['drift', 'prompt', 'spectral'], [0, 0, false], 3],
        ['S2-fixture-2024-05-01', narrow.east, 'highest', ['drift', 'prompt', 'spectral'], [0, 0, false], 3],
        ['S1-fixture-2024-05-05', narrow.west, 'low', ['radar'], [0, 0, true], 3],
        ['S1-fixture-2024-05-05', narrow.east, 'low', ['radar'], [0, 0, true], 3],
      ]);
      // Either way one alert, which the radar look continues; it keeps the optical chips' highest.
      for (const run of [wide, narrow])
        expect(run.alerts).toEqual([
          [
            'flood',
            'highest',
            [run.west, run.east].sort(),
            0.1536,
            'pixels',
            '2024-05-01',
            ['provisional', 1, 1],
          ],
        ]);
    } finally {
      await db.close();
    }
  });

  it('a fusion window that is not a whole number of days from 0 to 60 is refused, naming it', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    try {
      const fixture = await writeRadarFixture(mkdtempSync(join(tmpdir(), 'dw-monitor-window-')), [
        { datetime: '2024-03-01T17:50:00Z', db: forest },
      ]);
      const area = { geojson: fixture.area, source: { kind: 'local', path: fixture.folder } as const };
      /** The error's class and message. */
      const refusal = (p: Promise<unknown>) =>
        p.then(
          () => 'accepted',
          (e: Error) => [e instanceof InputError, e.message],
        );
      expect(await refusal(addArea(db, { id: 'neg', ...area, fusionDays: -1 }))).toEqual([
        true,
        'fusion window -1 is not a whole number of days from 0 to 60',
      ]);
      expect(await refusal(addArea(db, { id: 'wide', ...area, fusionDays: 61 }))).toEqual([
        true,
        'fusion window 61 is not a whole number of days from 0 to 60',
      ]);
      expect((await db.query('SELECT id FROM areas')).rows).toEqual([]);
      await addArea(db, { id: 'forest', ...area, chipPx: fixture.chipPx });
      expect(
        await refusal(
          detectAcquisition(db, new DbEvidenceStore(db), {
            areaId: 'forest',
            acquisitionId: 1,
            modelId: 'spectral',
            fusionDays: 2.5,
          }),
        ),
      ).toEqual([true, 'monitoring fusion window 2.5 is not a whole number of days from 0 to 60']);
    } finally {
      await db.close();
    }
  });
});

describe('a monitoring workflow carries its fusion window to detection', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it("monitorArea's fusionDays 4 fuses an optical and a radar look 4 days apart over an area of the default 3; 61 fails the run at once, naming it", async () => {
    const db = await openDb({ dataDir: 'memory://' });
    const workers = await runPipelineWorkers(env, db);
    try {
      const fixture = await writeSeriesFixture(mkdtempSync(join(tmpdir(), 'dw-monitor-carried-')), {
        dates: ['2024-03-01T10:00:00Z', '2024-04-01T10:00:00Z', '2024-05-01T10:00:00Z'],
        floods: { 2: { x0: 0, y0: 0, x1: 48, y1: 32 } },
      });
      await addRadarItems(fixture.catalog, [
        { datetime: '2024-03-05T10:00:00Z', db: forest },
        { datetime: '2024-04-05T10:00:00Z', db: forest },
        { datetime: '2024-05-05T10:00:00Z', db: (x, y) => (x < 48 && y < 32 ? -20 : -8) },
      ]);
      await addArea(db, {
        id: 'carried',
        geojson: fixture.area,
        source: { kind: 'local', path: fixture.catalog },
        chipPx: fixture.chipPx,
      });
      const bad = await env.client.workflow
        .execute(monitorArea, {
          taskQueue: IO_TASK_QUEUE,
          workflowId: 'monitor-carried-bad',
          args: [{ areaId: 'carried', until: '2025-01-01T00:00:00Z', fusionDays: 61 }],
        })
        .catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(WorkflowFailedError);
      const cause = (bad as WorkflowFailedError).cause as ApplicationFailure;
      expect([cause.type, cause.nonRetryable, cause.message]).toEqual([
        'InputError',
        true,
        'monitoring fusion window 61 is not a whole number of days from 0 to 60',
      ]);
      expect((await db.query('SELECT 1 FROM area_acquisitions')).rows).toEqual([]);
      const result = await env.client.workflow.execute(monitorArea, {
        taskQueue: IO_TASK_QUEUE,
        workflowId: 'monitor-carried',
        args: [{ areaId: 'carried', until: '2025-01-01T00:00:00Z', fusionDays: 4 }],
      });
      expect([result.processed, result.failed]).toEqual([6, 0]);
      const { rows } = await db.query<{ item_id: string; confidence: string; window: number }>(
        `SELECT a.item_id, s.signals->>'confidence' AS confidence, (s.signals->'fusion'->>'windowDays')::int AS window
           FROM chip_signals s JOIN chips c ON c.id = s.chip_id JOIN acquisitions a ON a.id = s.acquisition_id
          WHERE c.area_id = 'carried' AND a.item_id LIKE 'S1-%' AND s.signals->>'confidence' IS NOT NULL
          ORDER BY c.key`,
      );
      expect(rows).toEqual([
        { item_id: 'S1-fixture-2024-05-05', confidence: 'highest', window: 4 },
        { item_id: 'S1-fixture-2024-05-05', confidence: 'highest', window: 4 },
      ]);
    } finally {
      await workers.stop();
      await db.close();
    }
  });
});
