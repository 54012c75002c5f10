/**
 * Chip states as GeoJSON features: each chip's square (its grid bounds through proj4 to lon/lat, exterior
 * counter-clockwise) with its latest observation — in the datetime interval when one is given, and then
 * only chips observed in it — and the highest-scoring detection signals of that acquisition.
 */
import { transformer } from '../imagery/index.ts';
import type { Queryable } from '../store/db.ts';
import type { DateInterval } from './query-params.ts';

/** Which chips; every field optional, combined with AND. */
export interface ChipFeatureFilter {
  /** Only this area's chips. */
  areaId?: string;
  /** Only chips whose lon/lat bounds meet this west, south, east, north box. */
  bbox?: readonly [number, number, number, number];
  /** The state in this interval; chips without an observation in it are left out. */
  datetime?: DateInterval;
}

/** A chip state's properties. */
export interface ChipProperties {
  /** Chip id. */
  id: number;
  /** Grid key EPSG:<code>/<cell metres>/<col>/<row>. */
  key: string;
  /** Area id. */
  area_id: string;
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** Acquisition of the state, or null when the chip was never observed. */
  acquisition_id: number | null;
  /** Its datetime (ISO 8601), or null. */
  datetime: string | null;
  /** Share of valid pixels, or null. */
  valid_fraction: number | null;
  /** Whether the look was usable, or null. */
  usable: boolean | null;
  /** Highest detection score of the acquisition over models, or null when none was scored. */
  score: number | null;
  /** Kind of change of that detection, or null. */
  kind: string | null;
  /** Its confidence, or null (below the threshold or not scored). */
  confidence: string | null;
}

/** One chip state as a GeoJSON Feature. */
export interface ChipFeature {
  /** Always Feature. */
  type: 'Feature';
  /** The chip id. */
  id: number;
  /** The chip's square. */
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  /** Its state. */
  properties: ChipProperties;
}

interface ChipRow {
  id: number | string;
  key: string;
  area_id: string;
  col: number;
  row: number;
  epsg: number;
  bounds: number[];
  acquisition_id: number | string | null;
  datetime: Date | string | null;
  valid_fraction: number | null;
  usable: boolean | null;
  score: number | null;
  kind: string | null;
  confidence: string | null;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

function toFeature(r: ChipRow): ChipFeature {
  const t = transformer(r.epsg, 4326);
  const [x0, y0, x1, y1] = r.bounds as [number, number, number, number];
  const ring = (
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ] as const
  ).map(([x, y]): [number, number] => {
    const [lon, lat] = t(x, y);
    return [round7(lon), round7(lat)];
  });
  const id = Number(r.id);
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Polygon', coordinates: [ring] },
    properties: {
      id,
      key: r.key,
      area_id: r.area_id,
      col: r.col,
      row: r.row,
      acquisition_id: r.acquisition_id === null ? null : Number(r.acquisition_id),
      datetime: r.datetime === null ? null : new Date(r.datetime).toISOString(),
      valid_fraction: r.valid_fraction,
      usable: r.usable,
      score: r.score,
      kind: r.kind,
      confidence: r.confidence,
    },
  };
}

/** One page of matching chips by id, with the number of all matching chips. */
export async function chipFeaturePage(
  q: Queryable,
  filter: ChipFeatureFilter,
  page: { limit: number; offset: number },
): Promise<{ features: ChipFeature[]; numberMatched: number }> {
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
  const { rows } = await q.query<ChipRow>(
    `SELECT c.id, c.key, c.area_id, c.col, c."row", c.epsg, c.bounds, st.* ${from}
      ORDER BY c.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { features: rows.map(toFeature), numberMatched: count.rows[0]!.n };
}
