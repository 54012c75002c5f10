/**
 * Alerts as GeoJSON features (RFC 7946), read page by page so that exports and the features API never
 * hold more than one page. Every alert has a geometry: the stored outline, or, for alerts stored before
 * outlines were (migration 0009), the union of their chips' squares.
 */
import { InputError } from '../errors.ts';
import { chipExtent, type MultiPolygon } from '../pipeline/alert-extent.ts';
import {
  alertFeatureRowPage,
  alertFeatureRowsAfter,
  type AlertFeatureFilter,
  type AlertFeatureRow,
} from '../store/alert-feature-rows.ts';
import type { Queryable } from '../store/db.ts';

export { checkAlertFeatureFilter, type AlertFeatureFilter } from '../store/alert-feature-rows.ts';

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

function toFeature(r: AlertFeatureRow): AlertFeature {
  const stored = r.geometry as MultiPolygon | null;
  const geometry = stored?.type === 'MultiPolygon' ? stored : chipExtent(r.chipKeys, r.grid).geometry;
  const burn = r.burnSeverityKm2;
  return {
    type: 'Feature',
    id: r.id,
    geometry,
    properties: {
      id: r.id,
      area_id: r.areaId,
      kind: r.kind,
      confidence: r.confidence,
      score: r.score,
      status: r.status,
      confirmation: r.confirmation,
      area_km2: r.areaKm2,
      first_seen: r.firstSeen,
      last_seen: r.lastSeen,
      chip_count: r.chipKeys.length,
      geometry_source: stored?.type === 'MultiPolygon' ? (r.geometrySource ?? 'chips') : 'chips',
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
  const { rows, numberMatched } = await alertFeatureRowPage(q, filter, page);
  return { features: rows.map(toFeature), numberMatched };
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
  let after = 0;
  for (;;) {
    const rows = await alertFeatureRowsAfter(q, filter, after, pageSize);
    for (const r of rows) yield toFeature(r);
    if (rows.length < pageSize) return;
    after = rows.at(-1)!.id;
  }
}
