import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAssessment } from '../src/cli/commands/assess.ts';
import { MASK_WATER } from '../src/detect/mask-codes.ts';
import { decodeMask } from '../src/detect/mask-rle.ts';
import { transformer } from '../src/imagery/index.ts';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import type { AssessDisasterResult } from '../workflows/assess-disaster.ts';
import { assessDisaster } from '../workflows/index.ts';
import { rowCounts } from './helpers/row-counts.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { runPipelineWorkers, startTemporal, type PipelineWorkers } from './helpers/temporal.ts';

/**
 * The most common real assessment: one image before the event, one after, no history. The flood covers
 * the top-left chip entirely and the left half of the chip east of it (pixels 0…47 × 0…31 of a 4 × 4 grid
 * of 32-pixel chips).
 */
describe('assessment of one pre-event and one post-event image', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let workers: PipelineWorkers;
  let fixture: SeriesFixture;
  const cellKm2 = ((32 * 10) / 1000) ** 2;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-assess-pair-'));
    fixture = await writeSeriesFixture(dir, {
      dates: ['2024-04-01T10:00:00Z', '2024-04-20T10:00:00Z'],
      floods: { 1: { x0: 0, y0: 0, x1: 48, y1: 32 } },
    });
    env = await startTemporal();
    db = await openDb({ dataDir: 'memory://' });
    workers = await runPipelineWorkers(env, db);
    await addArea(db, {
      id: 'delta',
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
  });

  afterAll(async () => {
    await workers?.stop();
    await env?.teardown();
    await db?.close();
  });

  const run = (id: string) =>
    env.client.workflow.execute(assessDisaster, {
      taskQueue: IO_TASK_QUEUE,
      workflowId: id,
      args: [
        { areaId: 'delta', eventDate: '2024-04-10T00:00:00Z', prompts: ['flooded area', 'burned area'] },
      ],
    });

  it('raises exactly the flood alert over the two flooded chips, with evidence and the area in pixels', async () => {
    const a: AssessDisasterResult = await run('assess-pair-1');
    const west = fixture.allKeys.find((k) => k.endsWith('/1560/15624'))!;
    const east = fixture.allKeys.find((k) => k.endsWith('/1561/15624'))!;
    expect(a.detection.reference?.datetime).toBe('2024-04-01T10:00:00.000Z');
    expect(a.detection.looks).toEqual([
      {
        acquisition: expect.objectContaining({ datetime: '2024-04-20T10:00:00.000Z' }),
        scored: 16,
        unscored: 0,
        changed: 2,
        // The one pre-event look is the reference of every chip.
        referenceLooks: [{ id: 1, itemId: 'S2-fixture-2024-04-01', datetime: '2024-04-01T10:00:00.000Z' }],
      },
    ]);
    expect(a.changedChips.map((c) => [c.key, c.kind])).toEqual([
      [west, 'flood'],
      [east, 'flood'],
    ]);
    expect(a.affectedKm2['flooded area']).toBeCloseTo(1.5 * cellKm2, 6);
    expect(a.affectedKm2['burned area']).toBe(0);
    expect(a.alerts).toHaveLength(1);
    expect(a.alerts[0]).toMatchObject({
      kind: 'flood',
      chipKeys: [west, east].sort(),
      areaKm2: 0.1536,
      burnSeverityKm2: null,
    });
    expect(a.alerts[0]!.evidence.map((e) => e.kind).sort()).toEqual(['after', 'before', 'heatmap']);
    const { rows } = await db.query<{ area_km2: number; confirmation: string }>(
      'SELECT area_km2, confirmation FROM alerts',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.area_km2).toBeCloseTo(1.5 * cellKm2, 6);
    const { rows: outline } = await db.query<{ geometry: unknown; geometry_source: string; bbox: number[] }>(
      'SELECT geometry, geometry_source, bbox FROM alerts',
    );
    // The flood's pixels 0…47 × 0…31 from the north-west corner of the west chip, as one rectangle.
    const toLonLat = transformer(fixture.epsg, 4326);
    const at = (x: number, y: number) =>
      toLonLat(1560 * 320 + x * 10, 15625 * 320 - y * 10).map((v) => Math.round(v * 1e7) / 1e7);
    expect(outline[0]!.geometry_source).toBe('pixels');
    expect(outline[0]!.geometry).toEqual({
      type: 'MultiPolygon',
      coordinates: [[[at(48, 0), at(0, 0), at(0, 32), at(48, 32), at(48, 0)]]],
    });
    const { rows: masks } = await db.query<{ key: string; mask: Uint8Array }>(
      `SELECT c.key, ed.mask FROM event_detections ed JOIN chips c ON c.id = ed.chip_id WHERE c.key = ANY($1)`,
      [[west, east]],
    );
    const water = (k: string) => {
      const m = decodeMask(new Uint8Array(masks.find((r) => r.key === k)!.mask));
      expect([m.width, m.height]).toEqual([32, 32]);
      return [...m.values.keys()].filter((i) => m.values[i] === MASK_WATER);
    };
    expect(water(west)).toEqual([...Array(1024).keys()]);
    expect(water(east)).toEqual([...Array(1024).keys()].filter((i) => i % 32 < 16));
    const text = formatAssessment(a);
    expect(text).toContain('  reference: 2024-04-01');
    expect(text).toMatch(/ {2}alert #\d+ flood \(\w+\), 2 chip\(s\), 0\.15 km², evidence /);
    expect(text).toContain(
      '16 chip(s) scored, 0 not scored (too little valid data in either look), 2 changed',
    );
  });

  it('a second run of the same assessment writes nothing new', async () => {
    const before = await rowCounts(db);
    const { rows: e1 } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_detections');
    const a: AssessDisasterResult = await run('assess-pair-2');
    expect(a.alerts.map((al) => al.chipKeys.length)).toEqual([2]);
    expect(await rowCounts(db)).toEqual(before);
    const { rows: e2 } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_detections');
    expect(e2[0]!.n).toBe(e1[0]!.n);
    expect(e1[0]!.n).toBe(16);
  });

  it('says why nothing was compared when the pre-event window is empty', async () => {
    const a: AssessDisasterResult = await env.client.workflow.execute(assessDisaster, {
      taskQueue: IO_TASK_QUEUE,
      workflowId: 'assess-pair-3',
      args: [
        {
          areaId: 'delta',
          eventDate: '2024-04-10T00:00:00Z',
          prompts: ['flooded area'],
          windows: { preDays: 5, postDays: 30 },
        },
      ],
    });
    expect(a.detection.reference).toBeNull();
    expect(a.detection.reason).toBe(
      'no processed acquisition in the pre-event window 2024-04-05T00:00:00.000Z … 2024-04-09T23:59:59.999Z',
    );
    expect(formatAssessment(a)).toContain('  not compared: no processed acquisition in the pre-event window');
  });

  it('with --event flood alerts on the flood alone; without it the cleared plot alerts too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-assess-event-'));
    const both = await writeSeriesFixture(dir, {
      dates: ['2024-04-01T10:00:00Z', '2024-04-20T10:00:00Z'],
      floods: { 1: { x0: 0, y0: 0, x1: 32, y1: 32 } },
      cleared: { 1: { x0: 96, y0: 96, x1: 128, y1: 128 } },
    });
    for (const id of ['mixed-any', 'mixed-flood'])
      await addArea(db, {
        id,
        geojson: both.area,
        source: { kind: 'local', path: both.catalog },
        chipPx: both.chipPx,
      });
    const assess = (areaId: string, event?: 'flood') =>
      env.client.workflow.execute(assessDisaster, {
        taskQueue: IO_TASK_QUEUE,
        workflowId: `assess-event-${areaId}`,
        args: [
          {
            areaId,
            eventDate: '2024-04-10T00:00:00Z',
            prompts: ['flooded area'],
            ...(event ? { event } : {}),
          },
        ],
      });
    const nw = both.allKeys.find((k) => k.endsWith('/1560/15624'))!;
    const se = both.allKeys.find((k) => k.endsWith('/1563/15621'))!;
    const any: AssessDisasterResult = await assess('mixed-any');
    const flood: AssessDisasterResult = await assess('mixed-flood', 'flood');
    expect(any.alerts.map((a) => [a.kind, a.chipKeys])).toEqual([
      ['flood', [nw]],
      ['vegetation-loss', [se]],
    ]);
    expect(flood.alerts.map((a) => [a.kind, a.chipKeys])).toEqual([['flood', [nw]]]);
    expect(flood.changedChips.map((c) => c.key)).toEqual([nw]);
    expect(flood.detection.event).toBe('flood');
    expect(any.detection.event).toBeUndefined();
    expect(formatAssessment(flood)).toContain('  event: flood (chips scored by flood evidence alone)');
    // The cleared plot is still scored and stored, below the threshold.
    const { rows } = await db.query<{ score: number; kind: string; confidence: string | null }>(
      `SELECT ed.score, ed.kind, ed.confidence FROM event_detections ed
         JOIN chips c ON c.id = ed.chip_id WHERE c.area_id = 'mixed-flood' AND c.key = $1`,
      [se],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.confidence).toBeNull();
    expect(rows[0]!.score).toBeLessThan(0.5);
  });
});
