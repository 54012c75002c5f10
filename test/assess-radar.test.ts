import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK_UNCHANGED, MASK_VEGETATION_LOSS, MASK_WATER } from '../src/detect/mask-codes.ts';
import { decodeMask } from '../src/detect/mask-rle.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import type { AssessDisasterResult } from '../workflows/assess-disaster.ts';
import { assessDisaster } from '../workflows/index.ts';
import { writeRadarFixture, type RadarFixture } from './helpers/radar-fixture.ts';
import { runPipelineWorkers, startTemporal, type PipelineWorkers } from './helpers/temporal.ts';

const PRE = '2024-04-01T17:50:00Z';
const POST = '2024-04-20T17:50:00Z';
const EVENT = '2024-04-10T00:00:00Z';

/** A permanent lake in the south-east chip (−20 dB on both dates); land elsewhere at −8 dB. */
const lake = (x: number, y: number) => x >= 96 && y >= 96;
/** The flood: pixel columns 0…47 over the area's full height (the west chip column and half the next). */
const flooded = (x: number, y: number) => x < 48 && y < 128;
const dry = (x: number, y: number) => (lake(x, y) ? -20 : -8);
const afterFlood = (x: number, y: number) => (flooded(x, y) ? -20 : dry(x, y));

/**
 * Post-event assessment of a local Sentinel-1-like source (VV, linear power, sidecars): a block of pixels
 * drops from about −8 dB to about −20 dB after the event. The block meets the area's edges on three sides,
 * so the 5 × 5 median speckle filter (which rounds a block's corners inside a scene) keeps it whole.
 */
describe('assessment from radar backscatter', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let workers: PipelineWorkers;
  let flood: RadarFixture;
  const root = mkdtempSync(join(tmpdir(), 'dw-assess-radar-'));

  const add = async (id: string, fixture: RadarFixture) =>
    addArea(db, {
      id,
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.folder },
      chipPx: fixture.chipPx,
    });

  const run = (areaId: string, workflowId: string) =>
    env.client.workflow.execute(assessDisaster, {
      taskQueue: IO_TASK_QUEUE,
      workflowId,
      args: [{ areaId, eventDate: EVENT, prompts: ['flooded area'] }],
    });

  beforeAll(async () => {
    flood = await writeRadarFixture(join(root, 'flood'), [
      { datetime: PRE, db: dry },
      { datetime: POST, db: afterFlood },
    ]);
    env = await startTemporal();
    db = await openDb({ dataDir: 'memory://' });
    workers = await runPipelineWorkers(env, db);
    await add('radar-flood', flood);
  });

  afterAll(async () => {
    await workers?.stop();
    await env?.teardown();
    await db?.close();
  });

  it('raises exactly one flood alert, from radar, whose pixel area is the block', async () => {
    const a: AssessDisasterResult = await run('radar-flood', 'assess-radar-flood');
    expect(a.detection.reference?.datetime).toBe('2024-04-01T17:50:00.000Z');
    expect(a.detection.looks.map(({ scored, unscored, changed }) => ({ scored, unscored, changed }))).toEqual(
      [{ scored: 16, unscored: 0, changed: 8 }],
    );
    const west = [0, 1, 2, 3].map((r) => flood.keyAt(0, r));
    const half = [0, 1, 2, 3].map((r) => flood.keyAt(1, r));
    expect(a.changedChips.map((c) => [c.key, c.kind]).sort()).toEqual(
      [...west, ...half].sort().map((k) => [k, 'flood']),
    );
    // 48 × 128 pixels of 10 m.
    expect(a.affectedKm2['flooded area']).toBeCloseTo(0.6144, 9);
    expect(a.alerts).toHaveLength(1);
    expect(a.alerts[0]).toMatchObject({
      kind: 'flood',
      confidence: 'low',
      chipKeys: [...west, ...half].sort(),
      areaKm2: 0.6144,
    });
    const { rows } = await db.query<{ area_km2: number; geometry_source: string }>(
      'SELECT area_km2, geometry_source FROM alerts',
    );
    expect(rows).toEqual([{ area_km2: 0.6144, geometry_source: 'pixels' }]);
    const { rows: det } = await db.query<{
      key: string;
      kind: string;
      evidence: { signals: string[]; evidence: { sensor: string; waterFraction: number } };
      mask: Uint8Array;
    }>(
      `SELECT c.key, ed.kind, ed.evidence, ed.mask FROM event_detections ed JOIN chips c ON c.id = ed.chip_id
        ORDER BY c.key`,
    );
    expect(det).toHaveLength(16);
    const water = (k: string) => {
      const m = decodeMask(new Uint8Array(det.find((r) => r.key === k)!.mask));
      return [...m.values.keys()].filter((i) => m.values[i] === MASK_WATER);
    };
    for (const k of west) expect(water(k)).toEqual([...Array(1024).keys()]);
    for (const k of half) expect(water(k)).toEqual([...Array(1024).keys()].filter((i) => i % 32 < 16));
    // The lake (south-east chip) is permanent water: none of it is new.
    expect(water(flood.keyAt(3, 3))).toEqual([]);
    const westRow = det.find((r) => r.key === west[0])!;
    expect(westRow.evidence.signals).toEqual(['radar']);
    expect(westRow.evidence.evidence.sensor).toBe('radar');
    expect(westRow.evidence.evidence.waterFraction).toBe(1);
  });

  it('a forest block whose VV drops from −8 to −12.5 dB raises exactly one vegetation-loss alert of its pixels, and no flood', async () => {
    const cleared = await writeRadarFixture(join(root, 'cleared'), [
      { datetime: PRE, db: dry },
      { datetime: POST, db: (x, y) => (flooded(x, y) ? -12.5 : dry(x, y)) },
    ]);
    await add('radar-cleared', cleared);
    const a: AssessDisasterResult = await run('radar-cleared', 'assess-radar-cleared');
    expect(a.detection.looks.map(({ scored, changed }) => ({ scored, changed }))).toEqual([
      { scored: 16, changed: 8 },
    ]);
    const west = [0, 1, 2, 3].map((r) => cleared.keyAt(0, r));
    const half = [0, 1, 2, 3].map((r) => cleared.keyAt(1, r));
    expect(a.changedChips.map((c) => [c.key, c.kind]).sort()).toEqual(
      [...west, ...half].sort().map((k) => [k, 'vegetation-loss']),
    );
    expect(a.alerts.map((al) => [al.kind, al.confidence, al.chipKeys, al.areaKm2])).toEqual([
      // 48 × 128 pixels of 10 m.
      ['vegetation-loss', 'low', [...west, ...half].sort(), 0.6144],
    ]);
    const { rows } = await db.query<{ key: string; mask: Uint8Array }>(
      `SELECT c.key, ed.mask FROM event_detections ed JOIN chips c ON c.id = ed.chip_id
        WHERE c.area_id = 'radar-cleared' ORDER BY c.key`,
    );
    const codes = (k: string) => decodeMask(new Uint8Array(rows.find((r) => r.key === k)!.mask)).values;
    for (const k of west) expect(new Set(codes(k))).toEqual(new Set([MASK_VEGETATION_LOSS]));
    for (const k of half)
      expect(Array.from(codes(k))).toEqual(
        [...Array(1024).keys()].map((i) => (i % 32 < 16 ? MASK_VEGETATION_LOSS : MASK_UNCHANGED)),
      );
    expect(rows.flatMap((r) => Array.from(codes(r.key))).filter((v) => v === MASK_WATER)).toEqual([]);
  });

  it('a stable radar area with a permanent lake raises no alert', async () => {
    const stable = await writeRadarFixture(join(root, 'stable'), [
      { datetime: PRE, db: dry },
      { datetime: POST, db: dry },
    ]);
    await add('radar-stable', stable);
    const a: AssessDisasterResult = await run('radar-stable', 'assess-radar-stable');
    expect(a.detection.looks.map(({ scored, changed }) => ({ scored, changed }))).toEqual([
      { scored: 16, changed: 0 },
    ]);
    expect(a.changedChips).toEqual([]);
    expect(a.alerts).toEqual([]);
  });

  it('a radar raster given as optical bands fails its acquisitions with a typed error naming the asset', async () => {
    const fixture = await writeRadarFixture(join(root, 'undeclared'), [
      { datetime: PRE, db: dry, sidecar: { backscatter: undefined } },
      { datetime: POST, db: afterFlood, sidecar: { backscatter: undefined } },
    ]);
    await add('radar-undeclared', fixture);
    const a: AssessDisasterResult = await run('radar-undeclared', 'assess-radar-undeclared');
    expect(a.failures.map((f) => [f.itemId, f.type, f.message])).toEqual(
      ['2024-04-01', '2024-04-20'].map((d) => [
        `s1-${d}`,
        'SourceError',
        `asset "s1-${d}" (${join(fixture.folder, `s1-${d}.tif`)}) is radar (vv) but was given as optical bands (vv)`,
      ]),
    );
    expect([a.detection.looks, a.alerts]).toEqual([[], []]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM observations o JOIN chips c ON c.id = o.chip_id WHERE c.area_id = 'radar-undeclared'`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('a radar look without its vv polarisation fails with a typed error naming the asset', async () => {
    const fixture = await writeRadarFixture(join(root, 'vh-only'), [
      { datetime: PRE, db: dry, band: 'vh' },
      { datetime: POST, db: afterFlood, band: 'vh' },
    ]);
    await add('radar-vh-only', fixture);
    const a: AssessDisasterResult = await run('radar-vh-only', 'assess-radar-vh-only');
    expect(a.failures.map((f) => [f.itemId, f.type, f.message])).toEqual(
      ['2024-04-01', '2024-04-20'].map((d) => [
        `s1-${d}`,
        'SourceError',
        `radar asset "s1-${d}" (${join(fixture.folder, `s1-${d}.tif`)}) has no vv polarisation (bands: vh)`,
      ]),
    );
    expect([a.detection.looks, a.alerts]).toEqual([[], []]);
  });

  it('several pre-event radar looks make a composite reference: a transient of the last one that one look takes for change (a false clearing) or for permanent water (a missed flood) is suppressed', async () => {
    // Forest at −8 dB. The last pre-event look alone is brighter by 3 dB over columns 0…47 (a passing wet
    // canopy) and dark over columns 96…127 (−20 dB, a passing pool); after the event columns 96…127 flood.
    const transient = (x: number) => (x < 48 ? -5 : x >= 96 ? -20 : -8);
    const fixture = await writeRadarFixture(join(root, 'transient'), [
      { datetime: '2024-03-20T17:50:00Z', db: () => -8 },
      { datetime: '2024-03-26T17:50:00Z', db: () => -8 },
      { datetime: PRE, db: transient },
      { datetime: POST, db: (x) => (x >= 96 ? -20 : -8) },
    ]);
    await add('radar-one-look', fixture);
    await add('radar-three-looks', fixture);
    const assess = (areaId: string, preDays: number) =>
      env.client.workflow.execute(assessDisaster, {
        taskQueue: IO_TASK_QUEUE,
        workflowId: `assess-${areaId}`,
        args: [{ areaId, eventDate: EVENT, prompts: ['flooded area'], windows: { preDays, postDays: 30 } }],
      });
    // 12 days before the event hold the last pre-event look alone; 60 days hold all three.
    const one: AssessDisasterResult = await assess('radar-one-look', 12);
    const three: AssessDisasterResult = await assess('radar-three-looks', 60);
    const col = (c: number) => [0, 1, 2, 3].map((r) => fixture.keyAt(c, r));
    expect(
      [one, three].map((a) => [
        a.detection.reference?.datetime.slice(0, 10),
        a.detection.looks.map((l) => l.referenceLooks.map((r) => r.datetime.slice(0, 10))),
        a.alerts.map((al) => [al.kind, al.confidence, al.chipKeys, al.areaKm2]),
      ]),
    ).toEqual([
      [
        '2024-04-01',
        [['2024-04-01']],
        // One look's reference: the 3 dB brightening reads as a 3 dB drop of forest, beyond the loss cut at
        // 6046 of its 48 × 128 px (one look's speckle takes the rest under it); the flood falls on its dark
        // patch, permanent water, so it raises nothing.
        [['vegetation-loss', 'low', [...col(0), ...col(1)].sort(), 0.6046]],
      ],
      [
        '2024-04-01',
        [['2024-03-20', '2024-03-26', '2024-04-01']],
        // The composite of the three: the brightening is diluted to 1.2 dB, under the loss cut's 2 dB
        // floor, and the pool to −9.6 dB, not water, so the flood (32 × 128 px) is new water.
        [['flood', 'low', col(3).sort(), 0.4096]],
      ],
    ]);
    const { rows } = await db.query<{
      area_id: string;
      key: string;
      evidence: { evidence: { beforeLooks: number; beforeSpeckleDb: number } };
    }>(
      `SELECT c.area_id, c.key, ed.evidence FROM event_detections ed JOIN chips c ON c.id = ed.chip_id
        WHERE c.area_id IN ('radar-one-look', 'radar-three-looks') AND c.key = $1 ORDER BY c.area_id`,
      [fixture.keyAt(2, 0)],
    );
    // The unchanged chip's reference: its look count and speckle in dB (the fixture's ±1.5 dB per look and
    // pixel; the composite of three carries under half of one look's, about 1/√3 of it).
    expect(
      rows.map((r) => [r.area_id, r.evidence.evidence.beforeLooks, r.evidence.evidence.beforeSpeckleDb]),
    ).toEqual([
      ['radar-one-look', 1, 1.053],
      ['radar-three-looks', 3, 0.489],
    ]);
  });
});
