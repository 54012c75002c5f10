/**
 * The users' views of docs/sql.md — chip_history, chip_drift, nearest_chips(), alert_evidence_files — on
 * every backend, with exact rows and exact order (nearest first, as pgvector-node's tests assert).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { backends } from './helpers/databases.ts';

/** A 3 × 1 km strip at 10 m: three chips of 1 km (100 px) in a row. */
const STRIP = {
  type: 'Polygon',
  coordinates: [
    [
      [13.0, 52.0],
      [13.04, 52.0],
      [13.04, 52.008],
      [13.0, 52.008],
      [13.0, 52.0],
    ],
  ],
};

const DATES = ['2024-05-01T10:00:00.000Z', '2024-05-11T10:00:00.000Z', '2024-05-21T10:00:00.000Z'];

/** Embeddings per chip (in key order) and acquisition: unit-ish 3-d vectors with known cosine distances. */
const VECTORS = [
  [
    [1, 0, 0],
    [1, 0.1, 0],
    [0, 1, 0],
  ],
  [
    [1, 0.3, 0],
    [1, 0.2, 0],
    [1, 0.5, 0],
  ],
  [
    [0, 0, 1],
    [1, 0, 0.05],
    [1, 0, 0.4],
  ],
];

interface Seeded {
  keys: string[];
  acquisitions: number[];
  alertId: number;
}

async function seed(db: Db): Promise<Seeded> {
  await addArea(db, {
    id: 'strip',
    geojson: STRIP,
    source: { kind: 'local', path: '/data/strip' },
    chipPx: 100,
    maxAreaKm2: 100,
  });
  const chips: { id: number; key: string }[] = [];
  for (const col of [0, 1, 2]) {
    const key = `EPSG:32633/1000/${col}/0`;
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds)
       VALUES ('strip', $1, 32633, $2, 0, $3, $4) RETURNING id`,
      [
        key,
        col,
        [col * 1000, 0, col * 1000 + 1000, 1000],
        [13 + col * 0.014, 52, 13.014 + col * 0.014, 52.009],
      ],
    );
    chips.push({ id: rows[0]!.id, key });
  }
  const keys = chips.slice(0, 3).map((c) => c.key);
  await db.query(`INSERT INTO models (id, dimension) VALUES ('m3', 3)`);
  const acquisitions: number[] = [];
  for (const [i, datetime] of DATES.entries()) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('local:strip', $1, $2, '{}') RETURNING id`,
      [`item-${i}`, datetime],
    );
    acquisitions.push(rows[0]!.id);
  }
  for (const [c, chip] of chips.slice(0, 3).entries()) {
    for (const [a, acq] of acquisitions.entries()) {
      await db.query(
        `INSERT INTO observations (chip_id, acquisition_id, valid_fraction, usable) VALUES ($1, $2, $3, $4)`,
        [chip.id, acq, c === 2 && a === 0 ? 0.2 : 1, !(c === 2 && a === 0)],
      );
      await db.query(
        `INSERT INTO embeddings (chip_id, acquisition_id, model_id, embedding) VALUES ($1, $2, 'm3', $3)`,
        [chip.id, acq, `[${VECTORS[c]![a]!.join(',')}]`],
      );
    }
  }
  await db.query(
    `INSERT INTO chip_signals (chip_id, acquisition_id, model_id, drift, drift_z, score, signals)
     VALUES ($1, $2, 'm3', 0.9, 12, 0.97, '{"kind": "flood", "confidence": "high"}')`,
    [chips[0]!.id, acquisitions[2]],
  );
  const { rows: alert } = await db.query<{ id: number }>(
    `INSERT INTO alerts (area_id, cluster_key, kind, confidence, score, chip_keys, area_km2,
                         first_acquisition_id, last_acquisition_id, first_seen, last_seen)
     VALUES ('strip', 'k', 'flood', 'high', 0.97, $1, 1, $2, $2, $3, $3) RETURNING id`,
    [[keys[0]], acquisitions[2], DATES[2]],
  );
  const alertId = alert[0]!.id;
  for (const [kind, sha, acq] of [
    ['before', 'aa', acquisitions[1]],
    ['after', 'bb', acquisitions[2]],
  ] as const) {
    await db.query(
      `INSERT INTO evidence_files (sha256, media_type, bytes, path) VALUES ($1, 'image/webp', 10, $2)`,
      [sha, `${sha}.webp`],
    );
    await db.query(
      `INSERT INTO alert_evidence (alert_id, acquisition_id, kind, sha256) VALUES ($1, $2, $3, $4)`,
      [alertId, acq, kind, sha],
    );
  }
  return { keys, acquisitions, alertId };
}

for (const backend of backends()) {
  describe(`users' views on ${backend.name}`, () => {
    let db: Db;
    let s: Seeded;
    beforeAll(async () => {
      db = await backend.open();
      s = await seed(db);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('chip_history: every observation with its model and signals, one row per chip, look and model', async () => {
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT chip_key, acquisition_id, usable, valid_fraction, model_id, score, kind, confidence
           FROM chip_history WHERE area_id = 'strip' AND chip_key = $1 ORDER BY datetime`,
        [s.keys[0]],
      );
      expect(rows).toEqual([
        {
          chip_key: s.keys[0],
          acquisition_id: s.acquisitions[0],
          usable: true,
          valid_fraction: 1,
          model_id: 'm3',
          score: null,
          kind: null,
          confidence: null,
        },
        {
          chip_key: s.keys[0],
          acquisition_id: s.acquisitions[1],
          usable: true,
          valid_fraction: 1,
          model_id: 'm3',
          score: null,
          kind: null,
          confidence: null,
        },
        {
          chip_key: s.keys[0],
          acquisition_id: s.acquisitions[2],
          usable: true,
          valid_fraction: 1,
          model_id: 'm3',
          score: 0.97,
          kind: 'flood',
          confidence: 'high',
        },
      ]);
      const { rows: cloudy } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chip_history WHERE area_id = 'strip' AND NOT usable`,
      );
      expect(cloudy).toEqual([{ n: 1 }]);
    });

    it('chip_drift: the cosine distance to the previous embedded look of the same chip', async () => {
      const { rows } = await db.query<{ chip_key: string; drift: number | null; previous: Date | null }>(
        `SELECT chip_key, round(drift_from_previous::numeric, 6)::float8 AS drift, previous_datetime AS previous
           FROM chip_drift WHERE area_id = 'strip' AND chip_key = $1 ORDER BY datetime`,
        [s.keys[0]],
      );
      // [1,0,0] → [1,0.1,0]: 1 − 1/√1.01; [1,0.1,0] → [0,1,0]: 1 − 0.1/√1.01.
      expect(rows.map((r) => [r.drift, r.previous && new Date(r.previous).toISOString()])).toEqual([
        [null, null],
        [Number((1 - 1 / Math.sqrt(1.01)).toFixed(6)), DATES[0]],
        [Number((1 - 0.1 / Math.sqrt(1.01)).toFixed(6)), DATES[1]],
      ]);
    });

    it('nearest_chips(): the k nearest stored embeddings of the same model, nearest first, itself left out', async () => {
      const { rows } = await db.query<{ chip_key: string; acquisition_id: number }>(
        `SELECT chip_key, acquisition_id FROM nearest_chips('strip', $1, $2, 4)`,
        [s.keys[0], s.acquisitions[0]],
      );
      // From [1,0,0]: [1,0,0.05] (0.00125), [1,0.1,0] (0.00496), [1,0.2,0] (0.0194), [1,0.3,0] (0.0422).
      expect(rows.map((r) => [r.chip_key, r.acquisition_id])).toEqual([
        [s.keys[2], s.acquisitions[1]],
        [s.keys[0], s.acquisitions[1]],
        [s.keys[1], s.acquisitions[1]],
        [s.keys[1], s.acquisitions[0]],
      ]);
    });

    it('alert_evidence_files: one row per evidence file of each alert', async () => {
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT alert_id, kind, evidence_kind, acquisition_id, sha256, media_type
           FROM alert_evidence_files WHERE area_id = 'strip' ORDER BY evidence_kind`,
      );
      expect(rows).toEqual([
        {
          alert_id: s.alertId,
          kind: 'flood',
          evidence_kind: 'after',
          acquisition_id: s.acquisitions[2],
          sha256: 'bb',
          media_type: 'image/webp',
        },
        {
          alert_id: s.alertId,
          kind: 'flood',
          evidence_kind: 'before',
          acquisition_id: s.acquisitions[1],
          sha256: 'aa',
          media_type: 'image/webp',
        },
      ]);
    });
  });
}
