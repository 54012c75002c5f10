/**
 * Alerts as GeoJSON features (RFC 7946), read page by page so that exports and the features API never
 * hold more than one page. Every alert has a geometry: the stored outline, or, for alerts stored before
 * outlines were (migration 0009), the union of their chips' squares.
 */
import { InputError } from '../errors.ts';
import { chipExtent, type MultiPolygon } from '../pipeline/alert-extent.ts';
import {
  CONFIDENCE_LEVELS,
  parseConfidence,
  parseDateBound,
  type Confidence,
} from '../store/read-queries.ts';
import type { Queryable } from '../store/db.ts';
import type { DateInterval } from './query-params.ts';

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
  /** Only alerts seen (first_seen … last_seen) during this interval. */
  datetime?: DateInterval;
}

/** An alert's feature properties: flat scalars, so that CSV and FlatGeobuf columns match GeoJSON's. */
export interface AlertProperties {
  /** Alert id. */
  id: number;
  /** Area id. */
  area_id: string;
  /** flood, burn, vegetation-loss, construction or change. */
  kind: string;
  /** low, high or highest. */
  confidence: string;
  /** Combined score in [0, 1]. */
  score: number;
  /** open or closed. */
  status: string;
  /** provisional, confirmed or dismissed. */
  confirmation: string;
  /** Changed area in km² (pixels for geometry_source pixels, whole chips for chips). */
  area_km2: number;
  /** First detection (ISO 8601). */
  first_seen: string;
  /** Last detection (ISO 8601). */
  last_seen: string;
  /** Number of chips in the alert's cluster. */
  chip_count: number;
  /** pixels (changed pixels) or chips (union of the chips' squares). */
  geometry_source: string;
  /** Burnt area of low severity in km² (burn alerts from pixels, else null). */
  burn_low_km2: number | null;
  /** Burnt area of moderate-low severity in km². */
  burn_moderate_low_km2: number | null;
  /** Burnt area of moderate-high severity in km². */
  burn_moderate_high_km2: number | null;
  /** Burnt area of high severity in km². */
  burn_high_km2: number | null;
}

/** One alert as a GeoJSON Feature. */
export interface AlertFeature {
  /** Always Feature. */
  type: 'Feature';
  /** The alert id. */
  id: number;
  /** Its outline. */
  geometry: MultiPolygon;
  /** Its properties. */
  properties: AlertProperties;
}

/** The property names in column order. */
export const ALERT_PROPERTY_NAMES = [
  'id',
  'area_id',
  'kind',
  'confidence',
  'score',
  'status',
  'confirmation',
  'area_km2',
  'first_seen',
  'last_seen',
  'chip_count',
  'geometry_source',
  'burn_low_km2',
  'burn_moderate_low_km2',
  'burn_moderate_high_km2',
  'burn_high_km2',
] as const satisfies readonly (keyof AlertProperties)[];

/** Page size of exports. */
export const EXPORT_PAGE_SIZE = 500;

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

interface AlertRow {
  id: number | string;
  area_id: string;
  kind: string;
  confidence: string;
  score: number;
  status: string;
  confirmation: string;
  area_km2: number;
  first_seen: Date | string;
  last_seen: Date | string;
  chip_keys: string[];
  geometry: MultiPolygon | string | null;
  geometry_source: string | null;
  burn_severity_km2: Record<string, number> | string | null;
  epsg: number;
  chip_px: number;
  resolution_m: number;
}

const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function toFeature(r: AlertRow): AlertFeature {
  const stored = json<MultiPolygon>(r.geometry);
  const grid = { epsg: r.epsg, chipPx: r.chip_px, resolutionM: r.resolution_m };
  const geometry = stored?.type === 'MultiPolygon' ? stored : chipExtent(r.chip_keys, grid).geometry;
  const burn = json<Record<string, number>>(r.burn_severity_km2);
  const id = Number(r.id);
  return {
    type: 'Feature',
    id,
    geometry,
    properties: {
      id,
      area_id: r.area_id,
      kind: r.kind,
      confidence: r.confidence,
      score: Number(r.score),
      status: r.status,
      confirmation: r.confirmation,
      area_km2: Number(r.area_km2),
      first_seen: new Date(r.first_seen).toISOString(),
      last_seen: new Date(r.last_seen).toISOString(),
      chip_count: r.chip_keys.length,
      geometry_source: stored?.type === 'MultiPolygon' ? (r.geometry_source ?? 'chips') : 'chips',
      burn_low_km2: burn?.low ?? null,
      burn_moderate_low_km2: burn?.['moderate-low'] ?? null,
      burn_moderate_high_km2: burn?.['moderate-high'] ?? null,
      burn_high_km2: burn?.high ?? null,
    },
  };
}

/** One page of matching alerts by id, with the number of all matching alerts. */
export async function alertFeaturePage(
  q: Queryable,
  filter: AlertFeatureFilter,
  page: { limit: number; offset: number },
): Promise<{ features: AlertFeature[]; numberMatched: number }> {
  if (!Number.isInteger(page.limit) || page.limit < 1) {
    throw new InputError(`limit ${page.limit} is not a positive integer`);
  }
  if (!Number.isInteger(page.offset) || page.offset < 0) {
    throw new InputError(`offset ${page.offset} is not an integer ≥ 0`);
  }
  const { where, params } = whereOf(filter);
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts a ${where}`, params);
  const { rows } = await q.query<AlertRow>(
    `SELECT ${COLUMNS} FROM alerts a JOIN areas ar ON ar.id = a.area_id ${where}
      ORDER BY a.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { features: rows.map(toFeature), numberMatched: count.rows[0]!.n };
}

/**
 * Every matching alert in id order, read in pages of pageSize by id (keyset paging: each page is one short
 * query, whatever the number of alerts).
 */
export async function* alertFeatures(
  q: Queryable,
  filter: AlertFeatureFilter,
  pageSize: number = EXPORT_PAGE_SIZE,
): AsyncGenerator<AlertFeature> {
  const { where, params } = whereOf(filter);
  let after = 0;
  for (;;) {
    const { rows } = await q.query<AlertRow>(
      `SELECT ${COLUMNS} FROM alerts a JOIN areas ar ON ar.id = a.area_id
        ${where ? `${where} AND` : 'WHERE'} a.id > $${params.length + 1}
        ORDER BY a.id LIMIT $${params.length + 2}`,
      [...params, after, pageSize],
    );
    for (const r of rows) yield toFeature(r);
    if (rows.length < pageSize) return;
    after = Number(rows.at(-1)!.id);
  }
}
