/**
 * Seeds a database with one realistic monitored area for report and viewer tests: an 8 × 6 chip grid,
 * ten Sentinel-2 acquisitions (one cloudy), observations and signals for every chip, and two alerts
 * (a flood and a construction site) with before/after tiles (WebP) and heat-maps (PNG) written to an
 * evidence folder, each dated by the acquisition whose imagery it shows.
 */
import sharp from 'sharp';
import type { Db, Queryable } from '../../src/store/db.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import { renderTile, type TileScene } from './evidence-tiles.ts';

export const AREA_ID = 'oder-floodplain';
export const AREA_NAME = 'Lower Oder floodplain';
export const MODEL_ID = 'spectral-v1';
const EPSG = 32633;
const CELL_M = 2560;
const COLS = [160, 161, 162, 163, 164, 165, 166, 167];
const ROWS = [2040, 2041, 2042, 2043, 2044, 2045];

/** Acquisition dates; index 4 is cloudy over the whole area. */
export const ACQUISITION_DATES = [
  '2024-04-02T10:05:31Z',
  '2024-04-12T10:05:29Z',
  '2024-04-22T10:05:33Z',
  '2024-05-02T10:05:30Z',
  '2024-05-12T10:05:28Z',
  '2024-05-22T10:05:35Z',
  '2024-06-01T10:05:31Z',
  '2024-06-11T10:05:29Z',
  '2024-06-21T10:05:32Z',
  '2024-07-01T10:05:30Z',
];
const CLOUDY = 4;

export const FLOOD_CHIPS = [
  'EPSG:32633/2560/162/2042',
  'EPSG:32633/2560/163/2042',
  'EPSG:32633/2560/163/2043',
];
export const BUILT_CHIPS = ['EPSG:32633/2560/166/2044', 'EPSG:32633/2560/166/2045'];
/** A flood chip that was locally clouded over at acquisition 2. */
const LOCAL_CLOUD = { key: 'EPSG:32633/2560/163/2042', index: 2 };

/** What the seeding wrote, for assertions. */
export interface SeededViewerData {
  /** Acquisition ids in date order. */
  acquisitionIds: number[];
  /** Id of the flood alert (highest confidence, last seen 2024-06-21). */
  floodAlertId: number;
  /** Id of the construction alert (high confidence, last seen 2024-07-01). */
  builtAlertId: number;
  /** sha256 of every evidence file written, by alert id. */
  evidence: Map<number, string[]>;
}

function noise(i: number, j: number): number {
  let h = Math.imul(i * 2654435761 + j * 40503, 2246822519) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 3266489917) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Score and drift of a chip at acquisition `i`, or null where it was not scored. */
function signal(key: string, i: number, chipIndex: number): { score: number; drift: number } | null {
  if (i === CLOUDY || (key === LOCAL_CLOUD.key && i === LOCAL_CLOUD.index)) return null;
  const flood = FLOOD_CHIPS.indexOf(key);
  if (flood >= 0 && i >= 6) {
    const s = [
      [0.78, 0.91, 0.88, 0.42],
      [0.74, 0.86, 0.9, 0.46],
      [0.61, 0.8, 0.83, 0.38],
    ][flood]![i - 6]!;
    return { score: s, drift: [0.17, 0.26, 0.23, 0.09][i - 6]! + 0.01 * flood };
  }
  const built = BUILT_CHIPS.indexOf(key);
  if (built >= 0 && i >= 8) {
    const s = i === 8 ? 0.35 : [0.68, 0.64][built]!;
    return { score: s, drift: i === 8 ? 0.06 : 0.16 + 0.01 * built };
  }
  const r = noise(chipIndex, i);
  return {
    score: Math.round((0.05 + 0.13 * r) * 1000) / 1000,
    drift: Math.round((0.01 + 0.03 * r) * 1000) / 1000,
  };
}

/** Stores a scene as the pipeline would: heat-maps as PNG, photographic tiles as WebP. */
async function storeTile(q: Queryable, scene: TileScene): Promise<string> {
  const png = await renderTile(scene);
  const heat = scene.endsWith('-heatmap');
  const bytes = heat ? png : await sharp(png).webp({ quality: 85 }).toBuffer();
  const ref = await new DbEvidenceStore(q).put(bytes, heat ? 'image/png' : 'image/webp');
  return ref.sha256;
}

/** Fields of an alert row for `insertAlert`. */
export interface AlertRow {
  /** Area id (must exist). */
  areaId: string;
  /** Cluster key, unique per area. */
  clusterKey: string;
  /** Alert kind. */
  kind: string;
  /** low, high or highest. */
  confidence: string;
  /** Score in [0, 1]. */
  score: number;
  /** Chip keys of the cluster. */
  chipKeys: string[];
  /** Area in km². */
  areaKm2: number;
  /** Prompt → score. */
  prompts: Record<string, number>;
  /** First and last acquisition ids. */
  acquisitions: [number, number];
  /** First and last seen, ISO 8601. */
  seen: [string, string];
  /** open (default) or closed. */
  status?: string;
}

/** Inserts one alert and returns its id. */
export async function insertAlert(q: Queryable, a: AlertRow): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO alerts (area_id, cluster_key, kind, confidence, score, chip_keys, area_km2, prompts,
                         first_acquisition_id, last_acquisition_id, first_seen, last_seen, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      a.areaId,
      a.clusterKey,
      a.kind,
      a.confidence,
      a.score,
      a.chipKeys,
      a.areaKm2,
      JSON.stringify(a.prompts),
      a.acquisitions[0],
      a.acquisitions[1],
      a.seen[0],
      a.seen[1],
      a.status ?? 'open',
    ],
  );
  return rows[0]!.id;
}

/** Inserts an area row (EPSG:32633 grid, 256 px at 10 m) with the given id and name. */
export async function insertArea(q: Queryable, id: string, name: string): Promise<void> {
  const ring = [
    [14.0, 52.3],
    [14.28, 52.3],
    [14.28, 52.44],
    [14.0, 52.44],
    [14.0, 52.3],
  ];
  await q.query(`INSERT INTO areas (id, name, geometry, bbox, epsg) VALUES ($1, $2, $3, $4, $5)`, [
    id,
    name,
    JSON.stringify({ type: 'Polygon', coordinates: [ring] }),
    [14.0, 52.3, 14.28, 52.44],
    EPSG,
  ]);
}

/** Seeds the area, its acquisitions, chips, observations, signals and two alerts with evidence. */
export async function seedViewerData(db: Db): Promise<SeededViewerData> {
  return db.transaction(async (q) => {
    await insertArea(q, AREA_ID, AREA_NAME);
    await q.query(`INSERT INTO models (id, dimension) VALUES ($1, 16)`, [MODEL_ID]);
    const acquisitionIds: number[] = [];
    for (const [i, datetime] of ACQUISITION_DATES.entries()) {
      const day = datetime.slice(0, 10).replaceAll('-', '');
      const { rows } = await q.query<{ id: number }>(
        `INSERT INTO acquisitions (source, item_id, datetime, cloud_cover, epsg, assets)
         VALUES ('earth-search', $1, $2, $3, $4, '{}') RETURNING id`,
        [
          `S2${i % 2 ? 'A' : 'B'}_33UVU_${day}_0_L2A`,
          datetime,
          i === CLOUDY ? 92.4 : 3 + ((i * 7) % 11),
          EPSG,
        ],
      );
      acquisitionIds.push(rows[0]!.id);
      await q.query(
        `INSERT INTO area_acquisitions (area_id, acquisition_id, status) VALUES ($1, $2, 'processed')`,
        [AREA_ID, rows[0]!.id],
      );
    }

    const chipIds: number[] = [];
    const keys: string[] = [];
    for (const row of ROWS) {
      for (const col of COLS) {
        const key = `EPSG:${EPSG}/${CELL_M}/${col}/${row}`;
        const x = col * CELL_M;
        const y = row * CELL_M;
        const lon = 14.0 + (col - 160) * 0.035;
        const lat = 52.3 + (row - 2040) * 0.023;
        const { rows } = await q.query<{ id: number }>(
          `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            AREA_ID,
            key,
            EPSG,
            col,
            row,
            [x, y, x + CELL_M, y + CELL_M],
            [lon, lat, lon + 0.035, lat + 0.023],
          ],
        );
        chipIds.push(rows[0]!.id);
        keys.push(key);
      }
    }

    const obs: { chip: number[]; acq: number[]; valid: number[]; usable: boolean[] } = {
      chip: [],
      acq: [],
      valid: [],
      usable: [],
    };
    const sig: { chip: number[]; acq: number[]; drift: number[]; z: number[]; score: number[] } = {
      chip: [],
      acq: [],
      drift: [],
      z: [],
      score: [],
    };
    for (const [c, chipId] of chipIds.entries()) {
      for (const [i, acqId] of acquisitionIds.entries()) {
        const s = signal(keys[c]!, i, c);
        obs.chip.push(chipId);
        obs.acq.push(acqId);
        obs.valid.push(s ? 0.97 : 0.08);
        obs.usable.push(s !== null);
        if (s) {
          sig.chip.push(chipId);
          sig.acq.push(acqId);
          sig.drift.push(s.drift);
          sig.z.push(Math.round(((s.drift - 0.025) / 0.01) * 100) / 100);
          sig.score.push(s.score);
        }
      }
    }
    await q.query(
      `INSERT INTO observations (chip_id, acquisition_id, valid_fraction, usable)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::boolean[])`,
      [obs.chip, obs.acq, obs.valid, obs.usable],
    );
    await q.query(
      `INSERT INTO chip_signals (chip_id, acquisition_id, model_id, drift, drift_z, score)
       SELECT c, a, $6, d, z, s FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[])
         AS t(c, a, d, z, s)`,
      [sig.chip, sig.acq, sig.drift, sig.z, sig.score, MODEL_ID],
    );

    const acq = (i: number) => acquisitionIds[i]!;
    const floodAlertId = await insertAlert(q, {
      areaId: AREA_ID,
      clusterKey: 'flood-162-2042',
      kind: 'flood',
      confidence: 'highest',
      score: 0.91,
      chipKeys: FLOOD_CHIPS,
      areaKm2: 19.6608,
      prompts: { 'flooded farmland': 0.87, 'muddy river water': 0.71 },
      acquisitions: [acq(6), acq(8)],
      seen: [ACQUISITION_DATES[6]!, ACQUISITION_DATES[8]!],
    });
    const builtAlertId = await insertAlert(q, {
      areaId: AREA_ID,
      clusterKey: 'construction-166-2044',
      kind: 'construction',
      confidence: 'high',
      score: 0.68,
      chipKeys: BUILT_CHIPS,
      areaKm2: 13.1072,
      prompts: { 'new buildings': 0.64, 'bare soil': 0.52 },
      acquisitions: [acq(9), acq(9)],
      seen: [ACQUISITION_DATES[9]!, ACQUISITION_DATES[9]!],
    });

    const evidence = new Map<number, string[]>();
    // Written at acquisition `i`, showing imagery of acquisition `imaged` (a before tile shows an earlier one).
    const attach = async (alertId: number, i: number, kind: string, scene: TileScene, imaged = i) => {
      const sha = await storeTile(q, scene);
      await q.query(
        `INSERT INTO alert_evidence (alert_id, acquisition_id, kind, sha256, imaged_from, imaged_to)
         VALUES ($1, $2, $3, $4, $5, $5)`,
        [alertId, acq(i), kind, sha, ACQUISITION_DATES[imaged]],
      );
      evidence.set(alertId, [...(evidence.get(alertId) ?? []), sha]);
    };
    await attach(floodAlertId, 8, 'before', 'farm-before', 3);
    await attach(floodAlertId, 8, 'after', 'farm-flooded');
    await attach(floodAlertId, 8, 'heatmap', 'flood-heatmap');
    await attach(builtAlertId, 9, 'before', 'field-before', 7);
    await attach(builtAlertId, 9, 'after', 'field-built');
    await attach(builtAlertId, 9, 'heatmap', 'built-heatmap');
    return { acquisitionIds, floodAlertId, builtAlertId, evidence };
  });
}
