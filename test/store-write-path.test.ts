/**
 * The store's write path on every backend: acquisitions, chips, observations, embeddings, prompt scores,
 * chip signals, event detections, alerts and alert evidence are stored with their exact values and read
 * back through the store's decoders, and writing them again (a retried activity) either leaves the first
 * rows as they are or updates them in place, as each statement's ON CONFLICT clause says. Then the
 * updates that follow: acquisitions marked processed or failed (with the error), an alert's later look.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Acquisition, GridCell } from '../src/imagery/index.ts';
import {
  getAcquisition,
  lastProcessed,
  listAreaAcquisitions,
  listFailed,
  listPending,
  listProcessed,
  markAcquisition,
  recordAcquisitions,
} from '../src/store/acquisitions.ts';
import { alertEvidenceFiles, insertAlertEvidence } from '../src/store/alert-evidence.ts';
import {
  alertFirstItemIds,
  alertsLastSeenIn,
  continueAlert,
  insertAlert,
  openAlerts,
  provisionalAlerts,
  recordAlertLook,
} from '../src/store/alerts.ts';
import { findArea, insertArea } from '../src/store/areas.ts';
import { chipIdsByKey, upsertChips } from '../src/store/chips.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import type { Db } from '../src/store/db.ts';
import {
  eventDetectionsInWindows,
  upsertChipSignals,
  upsertEventDetections,
} from '../src/store/detections.ts';
import {
  insertObservations,
  seriesBatches,
  seriesQueryChips,
  type ChipSeries,
  observationRgbShas,
  observedChips,
  usableChipCounts,
} from '../src/store/observations.ts';
import { areaPromptScores, insertPromptScores } from '../src/store/prompt-scores.ts';
import { chipHistory } from '../src/store/read-queries.ts';
import { areaEmbeddings, registerModel, storeEmbeddings } from '../src/store/vectors.ts';
import { backends } from './helpers/databases.ts';

const GEOMETRY = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [13.0, 52.0],
      [13.02, 52.0],
      [13.02, 52.01],
      [13.0, 52.01],
      [13.0, 52.0],
    ],
  ],
};

/** Two chips of 1 km side by side. */
const CELLS: GridCell[] = [0, 1].map((i) => ({
  key: `EPSG:32633/1000/${400 + i}/5762`,
  epsg: 32633,
  col: 400 + i,
  row: 5762,
  bounds: [400_000 + i * 1000, 5_762_000, 401_000 + i * 1000, 5_763_000],
  lonlatBounds: [13 + i * 0.01, 52, 13.01 + i * 0.01, 52.01],
}));
const [KEY_A, KEY_B] = CELLS.map((c) => c.key) as [string, string];

const BEFORE: Acquisition = {
  source: 'local:/data/strip',
  itemId: 'S2A_20240501',
  datetime: '2024-05-01T10:00:00.000Z',
  cloudCover: 12.5,
  epsg: 32633,
  assets: { red: '/data/strip/before.tif#band=3', nir: '/data/strip/before.tif#band=4' },
  properties: { platform: 'sentinel-2a' },
};
const PASS_ITEMS: Acquisition[] = [
  { ...BEFORE, itemId: 'S2B_20240511_T33UUU', datetime: '2024-05-11T10:00:01.000Z', cloudCover: 3 },
  { ...BEFORE, itemId: 'S2B_20240511_T33UUV', datetime: '2024-05-11T10:00:04.000Z', cloudCover: 5 },
];
const AFTER: Acquisition = {
  ...PASS_ITEMS[0]!,
  itemId: 'S2B_20240511',
  cloudCover: null,
  epsg: null,
  items: PASS_ITEMS,
};

const LATER: Acquisition = { ...BEFORE, itemId: 'S2A_20240521', datetime: '2024-05-21T10:00:00.000Z' };
const SEASON = { start: '2024-04-01T00:00:00.000Z', end: '2024-06-30T00:00:00.000Z' };

for (const backend of backends()) {
  describe(`store writes on ${backend.name}`, () => {
    let db: Db;
    let chips: Map<string, number>;
    let before: number;
    let after: number;
    let alertId: number;

    beforeAll(async () => {
      db = await backend.open();
      await insertArea(db, {
        id: 'strip',
        name: 'Strip',
        geometry: GEOMETRY,
        bbox: [13, 52, 13.02, 52.01],
        epsg: 32633,
        chipPx: 100,
        resolutionM: 10,
        source: { kind: 'local', path: '/data/strip' },
        mmuHa: 0.1,
        fusionDays: 3,
      });
    });
    afterAll(async () => {
      await db?.close();
    });

    it('records each acquisition once per item and links it to the area once; a repeated item keeps its first row', async () => {
      await recordAcquisitions(db, 'strip', [BEFORE, AFTER]);
      await recordAcquisitions(db, 'strip', [{ ...BEFORE, cloudCover: 80, assets: {} }, AFTER]);
      const listed = await listAreaAcquisitions(db, 'strip');
      const id = expect.any(Number) as number;
      expect(listed).toEqual([
        {
          id,
          itemId: 'S2A_20240501',
          datetime: '2024-05-01T10:00:00.000Z',
          items: 1,
          status: 'pending',
          error: null,
        },
        {
          id,
          itemId: 'S2B_20240511',
          datetime: '2024-05-11T10:00:01.000Z',
          items: 2,
          status: 'pending',
          error: null,
        },
      ]);
      [before, after] = listed.map((a) => a.id) as [number, number];
      expect(await getAcquisition(db, before)).toEqual(BEFORE);
      expect(await getAcquisition(db, after)).toEqual(AFTER);
      expect((await findArea(db, 'strip'))?.mmuHa).toBe(0.1);
    });

    it('keeps each chip id when the grid is inserted again', async () => {
      chips = await upsertChips(db, 'strip', CELLS);
      expect([...chips.keys()]).toEqual([KEY_A, KEY_B]);
      expect(await upsertChips(db, 'strip', CELLS)).toEqual(chips);
      expect(await chipIdsByKey(db, 'strip')).toEqual(chips);
    });

    it('stores observations exactly; writing them again with other values leaves the first', async () => {
      const rows = [
        { key: KEY_A, acq: before, validFraction: 1, usable: true, stats: { ndvi: 0.625 }, rgb: 'aa01' },
        { key: KEY_B, acq: before, validFraction: 0.25, usable: false, stats: { ndvi: 0.5 }, rgb: null },
        { key: KEY_A, acq: after, validFraction: 0.875, usable: true, stats: { ndvi: -0.125 }, rgb: 'aa02' },
        { key: KEY_B, acq: after, validFraction: 1, usable: true, stats: { ndvi: 0.25 }, rgb: 'bb02' },
      ].map((r) => ({
        chipId: chips.get(r.key)!,
        acquisitionId: r.acq,
        validFraction: r.validFraction,
        usable: r.usable,
        stats: r.stats,
        rgbSha256: r.rgb,
      }));
      await insertObservations(db, rows);
      await insertObservations(
        db,
        rows.map((r) => ({ ...r, validFraction: 0, usable: false, stats: {}, rgbSha256: 'ff' })),
      );
      expect(await usableChipCounts(db, 'strip', [before, after])).toEqual(
        new Map([
          [before, 1],
          [after, 2],
        ]),
      );
      expect(await observationRgbShas(db, 'strip', [after])).toEqual(
        new Map([
          [`${KEY_A}@${after}`, 'aa02'],
          [`${KEY_B}@${after}`, 'bb02'],
        ]),
      );
    });

    it('inserts embeddings and prompt scores once: writing them again inserts none, and the series reads them back', async () => {
      await registerModel(db, { id: 'm3', dimension: 3 });
      const vectors = [
        { chipId: chips.get(KEY_A)!, acquisitionId: before, vector: [1, 0, 0] },
        { chipId: chips.get(KEY_A)!, acquisitionId: after, vector: [0.5, 0.25, -0.75] },
      ];
      expect(await storeEmbeddings(db, 'm3', vectors)).toBe(2);
      expect(await storeEmbeddings(db, 'm3', [{ ...vectors[0]!, vector: [0, 1, 0] }])).toBe(0);
      const stored = await areaEmbeddings(db, 'strip', 'm3', [before, after]);
      expect(stored.sort((a, b) => a.acquisitionId - b.acquisitionId)).toEqual([
        { chipId: chips.get(KEY_A), key: KEY_A, acquisitionId: before, embedding: [1, 0, 0] },
        { chipId: chips.get(KEY_A), key: KEY_A, acquisitionId: after, embedding: [0.5, 0.25, -0.75] },
      ]);
      const scores = ['flooded field', 'burnt forest'].map((prompt, i) => ({
        chipId: chips.get(KEY_A)!,
        acquisitionId: after,
        modelId: 'm3',
        prompt,
        score: 0.75 - i * 0.5,
      }));
      expect(await insertPromptScores(db, scores)).toBe(2);
      expect(
        await insertPromptScores(
          db,
          scores.map((s) => ({ ...s, score: 0 })),
        ),
      ).toBe(0);
      expect(
        (await areaPromptScores(db, 'strip', 'm3', [after])).sort((a, b) => a.prompt.localeCompare(b.prompt)),
      ).toEqual([
        { key: KEY_A, acquisitionId: after, prompt: 'burnt forest', score: 0.25 },
        { key: KEY_A, acquisitionId: after, prompt: 'flooded field', score: 0.75 },
      ]);

      // The pending acquisition `after` is read with the processed ones (none yet) up to its datetime.
      // Every chip's series, all batches together.
      const loadSeries = async (chipsPerQuery?: number) => {
        const out: ChipSeries[] = [];
        const options = chipsPerQuery === undefined ? {} : { chipsPerQuery };
        for await (const b of seriesBatches(db, 'strip', after, 'm3', AFTER.datetime, options))
          out.push(...b);
        return out;
      };
      const series = await loadSeries();
      expect(series).toEqual([
        {
          chipId: chips.get(KEY_A),
          key: KEY_A,
          col: 400,
          row: 5762,
          states: [
            {
              acquisitionId: after,
              datetime: '2024-05-11T10:00:01.000Z',
              usable: true,
              validFraction: 0.875,
              embedding: [0.5, 0.25, -0.75],
              prompts: { 'flooded field': 0.75, 'burnt forest': 0.25 },
              stats: { ndvi: -0.125 },
              rgbSha256: 'aa02',
            },
          ],
        },
        {
          chipId: chips.get(KEY_B),
          key: KEY_B,
          col: 401,
          row: 5762,
          states: [
            {
              acquisitionId: after,
              datetime: '2024-05-11T10:00:01.000Z',
              usable: true,
              validFraction: 1,
              embedding: null,
              prompts: {},
              stats: { ndvi: 0.25 },
              rgbSha256: 'bb02',
            },
          ],
        },
      ]);
      // Read one chip per query (consecutive chip ids), the series are the same.
      expect(await loadSeries(1)).toEqual(series);
      // In batches: one chip per batch in chip-id order; or only some chips, listed in any order.
      const batches = async (options: Parameters<typeof seriesBatches>[5]) => {
        const out: ChipSeries[][] = [];
        for await (const b of seriesBatches(db, 'strip', after, 'm3', AFTER.datetime, options)) out.push(b);
        return out;
      };
      expect(await batches({ chipsPerQuery: 1 })).toEqual([[series[0]], [series[1]]]);
      expect(await batches({ chipIds: [chips.get(KEY_B)!] })).toEqual([[series[1]]]);
      expect(await batches({ chipIds: [chips.get(KEY_B)!, chips.get(KEY_A)!], chipsPerQuery: 1 })).toEqual([
        [series[0]],
        [series[1]],
      ]);
      expect(await batches({ chipIds: [] })).toEqual([]);
      // The chips an acquisition observed (a radar look's chip list), by chip id.
      expect(await observedChips(db, 'strip', after)).toEqual([
        { chipId: chips.get(KEY_A), key: KEY_A, col: 400, row: 5762 },
        { chipId: chips.get(KEY_B), key: KEY_B, col: 401, row: 5762 },
      ]);
    });

    it('updates chip signals in place when they are written again', async () => {
      const signal = {
        chipId: chips.get(KEY_A)!,
        acquisitionId: after,
        modelId: 'm3',
        drift: 0.5,
        driftZ: 4,
        score: 0.625,
        signals: { kind: 'flood', confidence: 'low' },
      };
      await upsertChipSignals(db, [signal]);
      await upsertChipSignals(db, [{ ...signal, drift: 0.75, driftZ: null, score: 0.875 }]);
      const history = await chipHistory(db, 'strip', KEY_A, 'm3');
      expect(history).toEqual({
        areaId: 'strip',
        chipId: chips.get(KEY_A),
        key: KEY_A,
        modelId: 'm3',
        points: [
          {
            acquisitionId: before,
            datetime: '2024-05-01T10:00:00.000Z',
            drift: null,
            driftZ: null,
            score: null,
            usable: true,
            validFraction: 1,
            cloudCover: 12.5,
          },
          {
            acquisitionId: after,
            datetime: '2024-05-11T10:00:01.000Z',
            drift: 0.75,
            driftZ: null,
            score: 0.875,
            usable: true,
            validFraction: 0.875,
            cloudCover: null,
          },
        ],
      });
      const { rows } = await db.query('SELECT signals FROM chip_signals');
      expect(rows).toEqual([{ signals: { kind: 'flood', confidence: 'low' } }]);
    });

    it('updates an event detection in place by chip, pre and post look, with its mask bytes', async () => {
      const detection = {
        chipId: chips.get(KEY_B)!,
        preAcquisitionId: before,
        postAcquisitionId: after,
        usable: true,
        score: 0.5,
        kind: 'burn',
        confidence: 'low',
        changedFraction: 0.25,
        evidence: { strengths: { dnbr: 0.5 } },
        mask: new Uint8Array([1, 4, 4, 0, 255]),
      };
      await upsertEventDetections(db, [detection]);
      await upsertEventDetections(db, [
        { ...detection, score: 0.75, confidence: 'high', mask: new Uint8Array([1, 4, 4, 9, 0, 128]) },
      ]);
      const window = (start: string, end: string) => ({ start, end });
      expect(
        await eventDetectionsInWindows(
          db,
          'strip',
          window('2024-04-01T00:00:00Z', '2024-05-02T00:00:00Z'),
          window('2024-05-10T00:00:00Z', '2024-05-12T00:00:00Z'),
          0.5,
        ),
      ).toEqual([
        {
          key: KEY_B,
          postAcquisitionId: after,
          datetime: '2024-05-11T10:00:01.000Z',
          kind: 'burn',
          score: 0.75,
          confidence: 'high',
          evidence: { strengths: { dnbr: 0.5 } },
        },
      ]);
      const { rows } = await db.query<{ mask: Uint8Array }>('SELECT mask FROM event_detections');
      expect(rows.map((r) => [...r.mask])).toEqual([[1, 4, 4, 9, 0, 128]]);
    });

    it('raises an alert once per cluster: raising it again merges its chips in C order and keeps the larger area', async () => {
      const raise = {
        areaId: 'strip',
        clusterKey: `flood:${KEY_B}`,
        kind: 'flood',
        confidence: 'low',
        score: 0.625,
        chipKeys: [KEY_B],
        areaKm2: 0.5,
        prompts: { 'flooded field': 0.75 },
        acquisitionId: after,
        datetime: AFTER.datetime,
        pixelArea: false,
      };
      const first = await insertAlert(db, raise);
      expect(first).toEqual({ id: first.id, created: true, chipKeys: [KEY_B] });
      alertId = first.id;
      expect(await insertAlert(db, { ...raise, chipKeys: [KEY_A], areaKm2: 0.25 })).toEqual({
        id: alertId,
        created: false,
        chipKeys: [KEY_A, KEY_B],
      });
      expect(await openAlerts(db, 'strip')).toEqual([
        {
          id: alertId,
          kind: 'flood',
          chipKeys: [KEY_A, KEY_B],
          confidence: 'low',
          score: 0.625,
          prompts: { 'flooded field': 0.75 },
          firstAcquisitionId: after,
        },
      ]);
      const continuation = {
        id: alertId,
        chipKeys: [KEY_A, KEY_B],
        confidence: 'high',
        score: 0.5,
        areaKm2: 1,
        prompts: { 'flooded field': 0.875 },
        keepLargerArea: false,
        acquisitionId: after,
        datetime: AFTER.datetime,
      };
      await continueAlert(db, continuation);
      await continueAlert(db, continuation);
      const { rows } = await db.query(
        `SELECT confidence, score, area_km2, prompts, first_seen, last_seen, last_acquisition_id FROM alerts`,
      );
      expect(rows).toEqual([
        {
          confidence: 'high',
          score: 0.625,
          area_km2: 1,
          prompts: { 'flooded field': 0.875 },
          first_seen: new Date(AFTER.datetime),
          last_seen: new Date(AFTER.datetime),
          last_acquisition_id: after,
        },
      ]);
    });

    it('records an evidence tile once: the same tile again, even with other bytes, is left as it is', async () => {
      const store = new DbEvidenceStore(db);
      const first = await store.put(new Uint8Array([0x52, 0x49, 0x46, 0x46, 1]), 'image/webp');
      const other = await store.put(new Uint8Array([0x52, 0x49, 0x46, 0x46, 2]), 'image/webp');
      const tile = {
        alertId,
        acquisitionId: after,
        kind: 'after',
        sha256: first.sha256,
        imagedFrom: AFTER.datetime,
        imagedTo: AFTER.datetime,
        cellBox: [400, 5762, 2, 1] as const,
      };
      await insertAlertEvidence(db, [tile, { ...tile, kind: 'before', imagedFrom: BEFORE.datetime }]);
      await insertAlertEvidence(db, [{ ...tile, sha256: other.sha256, cellBox: null }]);
      expect(await alertEvidenceFiles(db, alertId)).toEqual([
        { kind: 'after', sha256: first.sha256, path: `${first.sha256}.webp` },
        { kind: 'before', sha256: first.sha256, path: `${first.sha256}.webp` },
      ]);
      const { rows } = await db.query(
        `SELECT kind, imaged_from, cell_box FROM alert_evidence ORDER BY kind COLLATE "C"`,
      );
      expect(rows).toEqual([
        { kind: 'after', imaged_from: new Date(AFTER.datetime), cell_box: [400, 5762, 2, 1] },
        { kind: 'before', imaged_from: new Date(BEFORE.datetime), cell_box: [400, 5762, 2, 1] },
      ]);
    });

    it('marks acquisitions processed or failed and lists each status with its error', async () => {
      await markAcquisition(db, 'strip', before, 'processed');
      await markAcquisition(db, 'strip', after, 'failed', { type: 'RasterError', message: 'bad tile' });
      const afterRef = { id: after, itemId: 'S2B_20240511', datetime: '2024-05-11T10:00:01.000Z' };
      expect(await listProcessed(db, 'strip', SEASON)).toEqual([
        { id: before, itemId: 'S2A_20240501', datetime: '2024-05-01T10:00:00.000Z' },
      ]);
      expect(await listFailed(db, 'strip', SEASON)).toEqual([
        { ...afterRef, type: 'RasterError', message: 'bad tile' },
      ]);
      expect(await listAreaAcquisitions(db, 'strip', 'failed')).toEqual([
        { ...afterRef, items: 2, status: 'failed', error: { type: 'RasterError', message: 'bad tile' } },
      ]);
      expect(await listPending(db, 'strip', SEASON.start, SEASON.end, false)).toEqual([]);
      expect(await lastProcessed(db, 'strip')).toBe('2024-05-01T10:00:00.000Z');
      await markAcquisition(db, 'strip', after, 'processed');
      expect(await listFailed(db, 'strip', SEASON)).toEqual([]);
      expect(await lastProcessed(db, 'strip')).toBe('2024-05-11T10:00:01.000Z');
    });

    it('reads the provisional alert for a later look, records the look, and lists the alert by last seen', async () => {
      await recordAcquisitions(db, 'strip', [LATER]);
      const later = (await listPending(db, 'strip', SEASON.start, SEASON.end, false))[0]!;
      expect(later).toEqual({ id: later.id, itemId: 'S2A_20240521', datetime: LATER.datetime });
      const look = { id: later.id, datetime: later.datetime };
      expect(await provisionalAlerts(db, 'strip', look)).toEqual([
        {
          id: alertId,
          kind: 'flood',
          chipKeys: [KEY_A, KEY_B],
          firstSeen: AFTER.datetime,
          clearLooks: 0,
          agreeingLooks: 0,
        },
      ]);
      await recordAlertLook(db, alertId, { status: 'confirmed', clearLooks: 1, agreeingLooks: 1 }, look);
      expect(await provisionalAlerts(db, 'strip', look)).toEqual([]);
      const { rows } = await db.query(
        'SELECT status, confirmation, confirmed_at, last_look_acquisition_id FROM alerts',
      );
      expect(rows).toEqual([
        {
          status: 'open',
          confirmation: 'confirmed',
          confirmed_at: new Date(LATER.datetime),
          last_look_acquisition_id: later.id,
        },
      ]);
      expect(await alertsLastSeenIn(db, 'strip', SEASON)).toEqual([
        {
          id: alertId,
          kind: 'flood',
          confidence: 'high',
          chipKeys: [KEY_A, KEY_B],
          areaKm2: 1,
          burnSeverityKm2: null,
        },
      ]);
      expect(await alertFirstItemIds(db, 'strip')).toEqual(['S2B_20240511']);
    });
  });
}

describe('chips per query of the chip series', () => {
  it('reads 256 chips at a time up to 32 looks, then 8,192 states at a time, and at least one chip', () => {
    expect([0, 3, 32, 33, 70, 350, 8192, 10_000].map(seriesQueryChips)).toEqual([
      256, 256, 256, 248, 117, 23, 1, 1,
    ]);
  });
});
