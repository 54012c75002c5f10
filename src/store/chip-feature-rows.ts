/**
 * Chip states as the features API reads them: each chip with its latest observation (in the datetime
 * interval when one is given, and then only chips observed in it) and the highest-scoring detection
 * signals of that acquisition, page by page.
 */
import type { Queryable } from './db.ts';
import type { ColumnsOf, OuterJoined } from './schema.ts';

/** Which chips; every field optional, combined with AND. */
export interface ChipFeatureFilter {
  /** Only this area's chips. */
  areaId?: string;
  /** Only chips whose lon/lat bounds meet this west, south, east, north box. */
  bbox?: readonly [number, number, number, number];
  /** The state in this interval (inclusive ends); chips without an observation in it are left out. */
  datetime?: { start?: Date; end?: Date };
}

/** One chip with its state. */
export interface ChipStateRow {
  /** Chip id. */
  id: number;
  /** Grid key. */
  key: string;
  /** Area id. */
  areaId: string;
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** EPSG code of the bounds. */
  epsg: number;
  /** minx, miny, maxx, maxy in EPSG:<epsg>. */
  bounds: [number, number, number, number];
  /** Acquisition of the state, or null when the chip was never observed. */
  acquisitionId: number | null;
  /** Its datetime (ISO 8601), or null. */
  datetime: string | null;
  /** Share of valid pixels, or null. */
  validFraction: number | null;
  /** Whether the look was usable, or null. */
  usable: boolean | null;
  /** Highest detection score of the acquisition over models, or null. */
  score: number | null;
  /** Kind of change of that detection, or null. */
  kind: string | null;
  /** Its confidence, or null. */
  confidence: string | null;
}

/**
 * A chip with its latest state (`st`, an outer join): the observation, its datetime, and the strongest
 * signals' score with their `kind` and `confidence` (read from the signals jsonb).
 */
type Row = ColumnsOf<'chips', 'id' | 'key' | 'area_id' | 'col' | 'row' | 'epsg' | 'bounds'> &
  OuterJoined<
    ColumnsOf<'observations', 'acquisition_id' | 'valid_fraction' | 'usable'> &
      ColumnsOf<'acquisitions', 'datetime'> &
      ColumnsOf<'chip_signals', 'score'> & { kind: string; confidence: string }
  >;

function decodeRow(r: Row): ChipStateRow {
  return {
    id: r.id,
    key: r.key,
    areaId: r.area_id,
    col: r.col,
    row: r.row,
    epsg: r.epsg,
    bounds: r.bounds as [number, number, number, number],
    acquisitionId: r.acquisition_id,
    datetime: r.datetime === null ? null : new Date(r.datetime).toISOString(),
    validFraction: r.valid_fraction,
    usable: r.usable,
    score: r.score,
    kind: r.kind,
    confidence: r.confidence,
  };
}

/** One page of matching chips by id, with the number of all matching chips. */
export async function chipStateRowPage(
  q: Queryable,
  filter: ChipFeatureFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: ChipStateRow[]; numberMatched: number }> {
  const params: unknown[] = [
    filter.datetime?.start?.toISOString() ?? null,
    filter.datetime?.end?.toISOString() ?? null,
  ];
  const where: string[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.areaId !== undefined) add((p) => `c.area_id = ${p}`, filter.areaId);
  if (filter.bbox) {
    const [w, s, e, n] = filter.bbox;
    add((p) => `c.lonlat_bounds[1] <= ${p}`, e);
    add((p) => `c.lonlat_bounds[3] >= ${p}`, w);
    add((p) => `c.lonlat_bounds[2] <= ${p}`, n);
    add((p) => `c.lonlat_bounds[4] >= ${p}`, s);
  }
  if (filter.datetime) where.push('st.acquisition_id IS NOT NULL');
  const from = `FROM chips c
    LEFT JOIN LATERAL (
      SELECT o.acquisition_id, a.datetime, o.valid_fraction, o.usable, sig.score,
             sig.signals ->> 'kind' AS kind, sig.signals ->> 'confidence' AS confidence
        FROM observations o
        JOIN acquisitions a ON a.id = o.acquisition_id
        LEFT JOIN LATERAL (
          SELECT cs.score, cs.signals FROM chip_signals cs
           WHERE cs.chip_id = o.chip_id AND cs.acquisition_id = o.acquisition_id
           ORDER BY cs.score DESC, cs.model_id LIMIT 1) sig ON true
       WHERE o.chip_id = c.id AND ($1::timestamptz IS NULL OR a.datetime >= $1)
         AND ($2::timestamptz IS NULL OR a.datetime <= $2)
       ORDER BY a.datetime DESC, a.id DESC LIMIT 1) st ON true
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params);
  const { rows } = await q.query<Row>(
    `SELECT c.id, c.key, c.area_id, c.col, c."row", c.epsg, c.bounds, st.* ${from}
      ORDER BY c.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { rows: rows.map(decodeRow), numberMatched: count.rows[0]!.n };
}
