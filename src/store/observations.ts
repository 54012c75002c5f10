/**
 * Observations: what one acquisition showed of one chip (valid fraction, usability, spectral stats, RGB
 * evidence), and the one chip-series reader detection reads (seriesBatches): every chip's states (observation, embedding,
 * prompt scores) up to and including one acquisition, over the acquisitions already processed and that one.
 */
import type { ChipState } from '../detect/index.ts';
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf, OuterJoined } from './schema.ts';
import { parseVector } from './vectors.ts';

/** One observation to store. */
export interface ObservationRow {
  /** Chip id. */
  chipId: number;
  /** Acquisition id. */
  acquisitionId: number;
  /** Fraction of valid pixels. */
  validFraction: number;
  /** Whether the chip was clear enough to use. */
  usable: boolean;
  /** Spectral statistics (index means etc.). */
  stats: Record<string, number>;
  /** sha256 of the chip's RGB evidence PNG. */
  rgbSha256: string | null;
}

/** Inserts observations in multi-row statements; existing rows are left as they are. */
export async function insertObservations(db: Queryable, rows: readonly ObservationRow[]): Promise<void> {
  await insertRows(
    db,
    insertInto('observations', [
      'chip_id',
      'acquisition_id',
      'valid_fraction',
      'usable',
      'stats',
      'rgb_sha256',
    ]),
    rows,
    (r) => [r.chipId, r.acquisitionId, r.validFraction, r.usable, JSON.stringify(r.stats), r.rgbSha256],
    'ON CONFLICT (chip_id, acquisition_id) DO NOTHING',
  );
}

/** Per acquisition, how many of the area's chips it observed usable (acquisitions observing none are absent). */
export async function usableChipCounts(
  db: Queryable,
  areaId: string,
  acquisitionIds: readonly number[],
): Promise<Map<number, number>> {
  // `usable` here counts the usable observations.
  const { rows } = await db.query<ColumnsOf<'observations', 'acquisition_id'> & { usable: number }>(
    `SELECT o.acquisition_id, count(*) FILTER (WHERE o.usable)::int AS usable
       FROM observations o JOIN chips c ON c.id = o.chip_id
      WHERE c.area_id = $1 AND o.acquisition_id = ANY($2::bigint[])
      GROUP BY o.acquisition_id`,
    [areaId, acquisitionIds],
  );
  return new Map(rows.map((r) => [r.acquisition_id, r.usable]));
}

/** One chip of the area observed by an acquisition. */
export interface ObservedChip {
  /** Chip id. */
  chipId: number;
  /** Stable grid key. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row. */
  row: number;
}

/** The area's chips that one acquisition observed, by chip id. */
export async function observedChips(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
): Promise<ObservedChip[]> {
  const { rows } = await db.query<ColumnsOf<'chips', 'id' | 'key' | 'col' | 'row'>>(
    `SELECT c.id, c.key, c.col, c."row" FROM observations o JOIN chips c ON c.id = o.chip_id
      WHERE c.area_id = $1 AND o.acquisition_id = $2 ORDER BY c.id`,
    [areaId, acquisitionId],
  );
  return rows.map((r) => ({ chipId: r.id, key: r.key, col: r.col, row: r.row }));
}

/** The RGB evidence hash of the area's observations in some acquisitions, by `<key>@<acquisition id>`. */
export async function observationRgbShas(
  db: Queryable,
  areaId: string,
  acquisitionIds: readonly number[],
): Promise<Map<string, string | null>> {
  const { rows } = await db.query<
    ColumnsOf<'chips', 'key'> & ColumnsOf<'observations', 'acquisition_id' | 'rgb_sha256'>
  >(
    `SELECT c.key, o.acquisition_id, o.rgb_sha256 FROM observations o JOIN chips c ON c.id = o.chip_id
      WHERE c.area_id = $1 AND o.acquisition_id = ANY($2::bigint[])`,
    [areaId, acquisitionIds],
  );
  return new Map(rows.map((r) => [`${r.key}@${r.acquisition_id}`, r.rgb_sha256]));
}

/**
 * One state of the chip series: the observation with its chip and datetime, the embedding (as text) when
 * there is one, and `prompts`, the prompt scores as one object (computed), or null when there are none.
 */
type StateRow = ColumnsOf<
  'observations',
  'chip_id' | 'acquisition_id' | 'usable' | 'valid_fraction' | 'stats' | 'rgb_sha256'
> &
  ColumnsOf<'chips', 'key' | 'col' | 'row'> &
  ColumnsOf<'acquisitions', 'datetime'> &
  OuterJoined<ColumnsOf<'embeddings', 'embedding'>> & { prompts: Record<string, number> | null };

/** One chip's states over time, oldest first. */
export interface ChipSeries {
  /** Chip id. */
  chipId: number;
  /** Stable grid key. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row. */
  row: number;
  /** Its states, oldest first. */
  states: Array<ChipState & { rgbSha256: string | null }>;
}

/**
 * Chips whose states one query of seriesBatches reads at most: the rows of one query (each state with its
 * embedding as text and its prompt scores) stay this many chips' worth, whatever the area's size.
 */
export const SERIES_QUERY_CHIPS = 256;

/**
 * States one query of seriesBatches reads at most (2^13: a 1024-d embedding each, ≈ 70 MiB as numbers):
 * an area with a long history is read in fewer chips per query (at least one), so that a batch's size
 * does not grow with the history either.
 */
export const SERIES_BATCH_STATES = 2 ** 13;

/** Chips per query for an area whose chips have up to `looks` states each (SERIES_QUERY_CHIPS, SERIES_BATCH_STATES). */
export function seriesQueryChips(looks: number): number {
  return Math.max(1, Math.min(SERIES_QUERY_CHIPS, Math.floor(SERIES_BATCH_STATES / Math.max(1, looks))));
}

/** Which chips seriesBatches reads, and how many per query. */
export interface SeriesBatchOptions {
  /** Chips per query and per batch (default seriesQueryChips of the area's looks up to the acquisition). */
  chipsPerQuery?: number;
  /** Only these chips (ids of the area's chips), in id order; default every chip of the area. */
  chipIds?: readonly number[];
}

/**
 * Every chip's states up to and including the acquisition (processed acquisitions and this one), by chip
 * id, oldest first, one batch of `chipsPerQuery` chips at a time (consecutive chip ids, or the next ids
 * of `chipIds`), so that the database's answer and what the caller holds stay one batch's worth (at
 * most SERIES_BATCH_STATES states, by default), whatever the area's size and the length of its history.
 * Chips without a state are left out.
 */
export async function* seriesBatches(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
  modelId: string,
  until: string,
  options: SeriesBatchOptions = {},
): AsyncGenerator<ChipSeries[]> {
  const ids = options.chipIds
    ? [...new Set(options.chipIds)].sort((a, b) => a - b)
    : (
        await db.query<{ id: number }>('SELECT id FROM chips WHERE area_id = $1 ORDER BY id', [areaId])
      ).rows.map((r) => r.id);
  const step = Math.max(
    1,
    Math.floor(
      options.chipsPerQuery ?? seriesQueryChips(await seriesLooks(db, areaId, acquisitionId, until)),
    ),
  );
  for (let i = 0; i < ids.length; i += step) {
    const part = ids.slice(i, i + step);
    // A run of the area's consecutive ids is one range; a subset is a list.
    const [chipFilter, chipParams] = options.chipIds
      ? ['c.id = ANY($5::bigint[])', [part]]
      : ['c.id BETWEEN $5 AND $6', [part[0]!, part.at(-1)!]];
    const { rows } = await db.query<StateRow>(
      `SELECT c.id AS chip_id, c.key, c.col, c."row", o.acquisition_id, a.datetime, o.usable, o.valid_fraction, o.stats,
              o.rgb_sha256, e.embedding::text AS embedding,
              (SELECT jsonb_object_agg(p.prompt, p.score) FROM prompt_scores p
                WHERE p.chip_id = o.chip_id AND p.acquisition_id = o.acquisition_id AND p.model_id = $3) AS prompts
         FROM observations o
         JOIN chips c ON c.id = o.chip_id
         JOIN acquisitions a ON a.id = o.acquisition_id
         JOIN area_acquisitions aa ON aa.area_id = c.area_id AND aa.acquisition_id = o.acquisition_id
         LEFT JOIN embeddings e ON e.chip_id = o.chip_id AND e.acquisition_id = o.acquisition_id AND e.model_id = $3
        WHERE c.area_id = $1 AND ${chipFilter} AND a.datetime <= $4
          AND (aa.status = 'processed' OR o.acquisition_id = $2)
        ORDER BY c.id, a.datetime`,
      [areaId, acquisitionId, modelId, until, ...chipParams],
    );
    const batch: ChipSeries[] = [];
    let series: ChipSeries | undefined;
    for (const r of rows) {
      if (series?.chipId !== r.chip_id) {
        series = { chipId: r.chip_id, key: r.key, col: r.col, row: r.row, states: [] };
        batch.push(series);
      }
      series.states.push(decodeState(r));
    }
    if (batch.length > 0) yield batch;
  }
}

/** The acquisitions a chip series of the area can have a state in (what seriesBatches reads), counted. */
async function seriesLooks(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
  until: string,
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND a.datetime <= $3 AND (aa.status = 'processed' OR aa.acquisition_id = $2)`,
    [areaId, acquisitionId, until],
  );
  return rows[0]?.n ?? 0;
}

function decodeState(r: StateRow): ChipSeries['states'][number] {
  return {
    acquisitionId: r.acquisition_id,
    datetime: new Date(r.datetime).toISOString(),
    usable: r.usable,
    validFraction: r.valid_fraction,
    embedding: r.embedding ? parseVector(r.embedding) : null,
    prompts: r.prompts ?? {},
    stats: r.stats as Record<string, number>,
    rgbSha256: r.rgb_sha256,
  };
}
