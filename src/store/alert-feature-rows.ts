/**
 * Alerts as exports and the features API read them: filtered, by id, page by page (offset pages for the
 * API, keyset pages for exports), each row with its area's grid.
 */
import { InputError } from '../errors.ts';
import type { Queryable } from './db.ts';
import type { ColumnsOf } from './schema.ts';
import { CONFIDENCE_LEVELS, json, parseConfidence, parseDateBound, type Confidence } from './read-queries.ts';

/** Which alerts; every field optional, combined with AND. */
export interface AlertFeatureFilter {
  /** Only the alert with this id. */
  id?: number;
  /** Only this area's alerts. */
  areaId?: string;
  /** Only alerts last seen at or after this date (YYYY-MM-DD, UTC) or ISO 8601 datetime. */
  since?: string;
  /** Only alerts at least this confident. */
  minConfidence?: Confidence;
  /** Only alerts whose bbox meets this west, south, east, north box (lon/lat). */
  bbox?: readonly [number, number, number, number];
  /** Only alerts seen (first_seen … last_seen) during this interval (inclusive ends). */
  datetime?: { start?: Date; end?: Date };
}

/** One alert with what its feature needs. */
export interface AlertFeatureRow {
  /** Alert id. */
  id: number;
  /** Area id. */
  areaId: string;
  /** Kind of change. */
  kind: string;
  /** Confidence. */
  confidence: string;
  /** Score. */
  score: number;
  /** open or closed. */
  status: string;
  /** provisional, confirmed or dismissed. */
  confirmation: string;
  /** Area in km². */
  areaKm2: number;
  /** First seen (ISO). */
  firstSeen: string;
  /** Last seen (ISO). */
  lastSeen: string;
  /** Chips of the cluster. */
  chipKeys: string[];
  /** The stored outline (parsed jsonb), or null. */
  geometry: unknown;
  /** pixels or chips, or null when no outline is stored. */
  geometrySource: string | null;
  /** Burnt km² per severity class, or null. */
  burnSeverityKm2: Record<string, number> | null;
  /** The area's grid. */
  grid: { epsg: number; chipPx: number; resolutionM: number };
}

/** Throws the InputError of a malformed filter (before anything is written). */
export function checkAlertFeatureFilter(filter: AlertFeatureFilter): void {
  whereOf(filter);
}

/** SQL WHERE clause (or '') and its parameters for a filter, numbering parameters from 1. */
function whereOf(filter: AlertFeatureFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  if (filter.id !== undefined) add((p) => `a.id = ${p}`, filter.id);
  if (filter.areaId !== undefined) add((p) => `a.area_id = ${p}`, filter.areaId);
  if (filter.since !== undefined) {
    let since: Date;
    try {
      since = parseDateBound(filter.since, 'from').at;
    } catch {
      throw new InputError(
        `since "${filter.since}" is not a date (YYYY-MM-DD) or ISO 8601 datetime with zone`,
      );
    }
    add((p) => `a.last_seen >= ${p}`, since.toISOString());
  }
  if (filter.minConfidence !== undefined) {
    const level = parseConfidence(filter.minConfidence);
    add((p) => `a.confidence = ANY(${p}::text[])`, CONFIDENCE_LEVELS.slice(CONFIDENCE_LEVELS.indexOf(level)));
  }
  if (filter.bbox) {
    const [w, s, e, n] = filter.bbox;
    add((p) => `a.bbox[1] <= ${p}`, e);
    add((p) => `a.bbox[3] >= ${p}`, w);
    add((p) => `a.bbox[2] <= ${p}`, n);
    add((p) => `a.bbox[4] >= ${p}`, s);
  }
  if (filter.datetime?.start) add((p) => `a.last_seen >= ${p}`, filter.datetime!.start!.toISOString());
  if (filter.datetime?.end) add((p) => `a.first_seen <= ${p}`, filter.datetime!.end!.toISOString());
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

const COLUMNS = `a.id, a.area_id, a.kind, a.confidence, a.score, a.status, a.confirmation, a.area_km2,
  a.first_seen, a.last_seen, a.chip_keys, a.geometry, a.geometry_source, a.burn_severity_km2,
  ar.epsg, ar.chip_px, ar.resolution_m`;

/** A row of COLUMNS: the alert's columns and its area's grid. */
type Row = ColumnsOf<
  'alerts',
  | 'id'
  | 'area_id'
  | 'kind'
  | 'confidence'
  | 'score'
  | 'status'
  | 'confirmation'
  | 'area_km2'
  | 'first_seen'
  | 'last_seen'
  | 'chip_keys'
  | 'geometry'
  | 'geometry_source'
  | 'burn_severity_km2'
> &
  ColumnsOf<'areas', 'epsg' | 'chip_px' | 'resolution_m'>;

function decodeRow(r: Row): AlertFeatureRow {
  return {
    id: r.id,
    areaId: r.area_id,
    kind: r.kind,
    confidence: r.confidence,
    score: r.score,
    status: r.status,
    confirmation: r.confirmation,
    areaKm2: r.area_km2,
    firstSeen: new Date(r.first_seen).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
    chipKeys: r.chip_keys,
    geometry: json(r.geometry),
    geometrySource: r.geometry_source,
    burnSeverityKm2: json(r.burn_severity_km2) as Record<string, number> | null,
    grid: { epsg: r.epsg, chipPx: r.chip_px, resolutionM: r.resolution_m },
  };
}

/** One page of matching alerts by id (offset paging), with the number of all matching alerts. */
export async function alertFeatureRowPage(
  q: Queryable,
  filter: AlertFeatureFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: AlertFeatureRow[]; numberMatched: number }> {
  const { where, params } = whereOf(filter);
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts a ${where}`, params);
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM alerts a JOIN areas ar ON ar.id = a.area_id ${where}
      ORDER BY a.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { rows: rows.map(decodeRow), numberMatched: count.rows[0]!.n };
}

/** Up to `limit` matching alerts with ids above `afterId`, by id (one keyset page). */
export async function alertFeatureRowsAfter(
  q: Queryable,
  filter: AlertFeatureFilter,
  afterId: number,
  limit: number,
): Promise<AlertFeatureRow[]> {
  const { where, params } = whereOf(filter);
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM alerts a JOIN areas ar ON ar.id = a.area_id
      ${where ? `${where} AND` : 'WHERE'} a.id > $${params.length + 1}
      ORDER BY a.id LIMIT $${params.length + 2}`,
    [...params, afterId, limit],
  );
  return rows.map(decodeRow);
}
