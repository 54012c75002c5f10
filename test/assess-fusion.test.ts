import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import type { AssessDisasterResult } from '../workflows/assess-disaster.ts';
import { assessDisaster } from '../workflows/index.ts';
import { addRadarItems } from './helpers/radar-fixture.ts';
import { writeSeriesFixture } from './helpers/series-fixture.ts';
import { runPipelineWorkers, startTemporal, type PipelineWorkers } from './helpers/temporal.ts';

const EVENT = '2024-04-10T00:00:00Z';
/** The flood: pixels 0…47 × 0…31, the top-left chip and the west half of the chip east of it. */
const FLOOD = { x0: 0, y0: 0, x1: 48, y1: 32 };
const inFlood = (x: number, y: number) => x < FLOOD.x1 && y < FLOOD.y1;
const dry = () => -8;
const flooded = (x: number, y: number) => (inFlood(x, y) ? -20 : -8);

/**
 * One local STAC source with optical (Sentinel-2-like) and radar (VV) looks of the same grid, before and
 * after a flood: the optical and the radar look after the event are a day apart.
 */
describe('assessment fusing optical and radar looks', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let workers: PipelineWorkers;
  const root = mkdtempSync(join(tmpdir(), 'dw-assess-fusion-'));

  /** An area over a source whose optical post-event look has `clouds` masked out. */
  const area = async (id: string, clouds?: typeof FLOOD) => {
    const fixture = await writeSeriesFixture(join(root, id), {
      dates: ['2024-04-01T10:00:00Z', '2024-04-20T10:00:00Z'],
      floods: { 1: FLOOD },
      ...(clouds ? { clouds: { 1: clouds } } : {}),
    });
    await addRadarItems(fixture.catalog, [
      { datetime: '2024-04-02T17:50:00Z', db: dry },
      { datetime: '2024-04-21T17:50:00Z', db: flooded },
    ]);
    await addArea(db, {
      id,
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
    return fixture;
  };

  const run = (areaId: string) =>
    env.client.workflow.execute(assessDisaster, {
      taskQueue: IO_TASK_QUEUE,
      workflowId: `assess-fusion-${areaId}`,
      args: [{ areaId, eventDate: EVENT, prompts: ['flooded area'] }],
    });

  /** Per post-event look (by item): chip key → [confidence, signals, fusion] of its alerting chips. */
  const fusedChips = async (areaId: string) => {
    const { rows } = await db.query<{
      item_id: string;
      key: string;
      confidence: string;
      evidence: { signals: string[]; sensor: string; fusion?: { radarOnly: boolean; agrees: number[] } };
    }>(
      `SELECT a.item_id, c.key, ed.confidence, ed.evidence FROM event_detections ed
         JOIN chips c ON c.id = ed.chip_id JOIN acquisitions a ON a.id = ed.post_acquisition_id
        WHERE c.area_id = $1 AND ed.confidence IS NOT NULL ORDER BY a.item_id, c.key`,
      [areaId],
    );
    return rows.map((r) => [
      r.item_id,
      r.key,
      r.evidence.sensor,
      r.confidence,
      r.evidence.signals,
      r.evidence.fusion?.radarOnly,
      r.evidence.fusion?.agrees.length,
    ]);
  };

  beforeAll(async () => {
    env = await startTemporal();
    db = await openDb({ dataDir: 'memory://' });
    workers = await runPipelineWorkers(env, db);
  });

  afterAll(async () => {
    await workers?.stop();
    await env?.teardown();
    await db?.close();
  });

  it('optical and radar looks that agree on the flooded chips make both highest (radar alone is low)', async () => {
    const f = await area('both');
    const a: AssessDisasterResult = await run('both');
    const [west, east] = [
      f.allKeys.find((k) => k.endsWith('/1560/15624'))!,
      f.allKeys.find((k) => k.endsWith('/1561/15624'))!,
    ];
    expect(a.detection.looks.map((l) => [l.acquisition.itemId, l.scored, l.changed])).toEqual([
      ['S2-fixture-2024-04-20', 16, 2],
      ['S1-fixture-2024-04-21', 16, 2],
    ]);
    expect(await fusedChips('both')).toEqual([
      ['S1-fixture-2024-04-21', west, 'radar', 'highest', ['radar', 'spectral'], false, 1],
      ['S1-fixture-2024-04-21', east, 'radar', 'highest', ['radar', 'spectral'], false, 1],
      [
        'S2-fixture-2024-04-20',
        west,
        'optical',
        'highest',
        ['change', 'spectral', 'drift', 'prompt', 'radar'],
        false,
        1,
      ],
      [
        'S2-fixture-2024-04-20',
        east,
        'optical',
        'highest',
        ['change', 'spectral', 'drift', 'prompt', 'radar'],
        false,
        1,
      ],
    ]);
    // One alert (same cluster), seen by both systems.
    expect(a.alerts.map((al) => [al.kind, al.confidence, al.chipKeys])).toEqual([
      ['flood', 'highest', [west, east].sort()],
    ]);
  });

  it('a flood under cloud in the optical look still alerts from radar, its confidence that of radar alone', async () => {
    const f = await area('cloudy', { x0: 0, y0: 0, x1: 64, y1: 32 });
    const a: AssessDisasterResult = await run('cloudy');
    const [west, east] = [
      f.allKeys.find((k) => k.endsWith('/1560/15624'))!,
      f.allKeys.find((k) => k.endsWith('/1561/15624'))!,
    ];
    expect(a.detection.looks.map((l) => [l.acquisition.itemId, l.scored, l.changed])).toEqual([
      ['S2-fixture-2024-04-20', 14, 0],
      ['S1-fixture-2024-04-21', 16, 2],
    ]);
    expect(await fusedChips('cloudy')).toEqual([
      ['S1-fixture-2024-04-21', west, 'radar', 'low', ['radar'], true, 0],
      ['S1-fixture-2024-04-21', east, 'radar', 'low', ['radar'], true, 0],
    ]);
    expect(a.alerts.map((al) => [al.kind, al.confidence, al.chipKeys])).toEqual([
      ['flood', 'low', [west, east].sort()],
    ]);
  });
});
