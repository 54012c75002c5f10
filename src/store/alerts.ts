/**
 * Alerts: raising and continuing them (the merge rule itself is detect/alert-merge.ts), their outlines,
 * their confirmation by later looks, and the reads assessment and the demo make.
 */
import type { OpenAlert } from '../detect/alert-merge.ts';
import type { AlertStatus } from '../detect/confirmation.ts';
import type { Confidence } from '../domain.ts';
import type { Queryable } from './db.ts';
import type { ColumnsOf } from './schema.ts';

/** What continuing an open alert writes. */
export interface AlertContinuation {
  /** The alert. */
  id: number;
  /** Its chips after the merge. */
  chipKeys: string[];
  /** Its confidence after the merge. */
  confidence: string;
  /** The candidate's score (the stored one is kept when higher). */
  score: number;
  /** The candidate's area in km². */
  areaKm2: number;
  /** Prompt scores after the merge. */
  prompts: Record<string, number>;
  /** Whether the larger of the stored and the new area is kept (a pixel extent). */
  keepLargerArea: boolean;
  /** The acquisition that continued it. */
  acquisitionId: number;
  /** Its datetime (ISO). */
  datetime: string;
}

/** What raising an alert writes. */
export interface AlertInsert {
  /** The area. */
  areaId: string;
  /** Stable key of the cluster within the acquisition. */
  clusterKey: string;
  /** Kind of change. */
  kind: string;
  /** Confidence. */
  confidence: string;
  /** Score. */
  score: number;
  /** Chips of the cluster. */
  chipKeys: string[];
  /** Area in km². */
  areaKm2: number;
  /** Prompt scores. */
  prompts: Record<string, number>;
  /** The acquisition that raised it. */
  acquisitionId: number;
  /** Its datetime (ISO). */
  datetime: string;
  /** Whether the area is counted in pixels (then a repeat keeps the larger area even over pixels). */
  pixelArea: boolean;
}

/** An alert's outline as written. */
export interface AlertOutline {
  /** The alert. */
  id: number;
  /** MultiPolygon in lon/lat. */
  geometry: unknown;
  /** West, south, east, north. */
  bbox: readonly number[];
  /** pixels or chips. */
  source: 'pixels' | 'chips';
  /** Burnt km² per severity class, or null. */
  burnSeverityKm2: Record<string, number> | null | undefined;
  /** Area in km². */
  km2: number;
}

/** A provisional open alert as confirmation reads it. */
export interface ProvisionalAlert {
  /** Alert id. */
  id: number;
  /** Kind of change. */
  kind: string;
  /** Chips of the cluster. */
  chipKeys: string[];
  /** When it was first seen (ISO). */
  firstSeen: string;
  /** Clear looks so far. */
  clearLooks: number;
  /** Agreeing looks so far. */
  agreeingLooks: number;
}

/** An alert as assessment lists it. */
export interface AssessedAlertRow {
  /** Alert id. */
  id: number;
  /** Kind of change. */
  kind: string;
  /** Confidence. */
  confidence: string;
  /** Chips of the cluster. */
  chipKeys: string[];
  /** Area in km². */
  areaKm2: number;
  /** Burnt km² per severity class, or null. */
  burnSeverityKm2: Record<string, number> | null;
}

/** What the merge rule reads of an open alert. */
type OpenAlertRow = ColumnsOf<
  'alerts',
  'id' | 'kind' | 'chip_keys' | 'confidence' | 'score' | 'prompts' | 'first_acquisition_id'
>;

function decodeOpenAlert(o: OpenAlertRow): OpenAlert {
  return {
    id: o.id,
    kind: o.kind,
    chipKeys: o.chip_keys,
    confidence: o.confidence as Confidence,
    score: o.score,
    prompts: o.prompts as Record<string, number>,
    firstAcquisitionId: o.first_acquisition_id,
  };
}

/** The area's open alerts, as the merge rule takes them. */
export async function openAlerts(db: Queryable, areaId: string): Promise<OpenAlert[]> {
  const { rows } = await db.query<OpenAlertRow>(
    `SELECT id, kind, chip_keys, confidence, score, prompts, first_acquisition_id FROM alerts WHERE area_id = $1 AND status = 'open'`,
    [areaId],
  );
  return rows.map(decodeOpenAlert);
}

/** Writes a continuation into its open alert. */
export async function continueAlert(db: Queryable, c: AlertContinuation): Promise<void> {
  await db.query(
    `UPDATE alerts SET chip_keys = $2, confidence = $3, score = GREATEST(score, $4),
            area_km2 = CASE WHEN $9::boolean THEN GREATEST(area_km2, $5)
                            WHEN geometry_source = 'pixels' THEN area_km2 ELSE $5 END, prompts = $6,
            last_acquisition_id = $7, last_seen = GREATEST(last_seen, $8::timestamptz), updated_at = now()
      WHERE id = $1`,
    [
      c.id,
      c.chipKeys,
      c.confidence,
      c.score,
      c.areaKm2,
      JSON.stringify(c.prompts),
      c.acquisitionId,
      c.datetime,
      c.keepLargerArea,
    ],
  );
}

/**
 * Raises an alert; the same acquisition raising the same cluster again merges its chips into the alert.
 * Returns its id, whether this call created it, and its chips.
 */
export async function insertAlert(
  db: Queryable,
  a: AlertInsert,
): Promise<{ id: number; created: boolean; chipKeys: string[] }> {
  // `created`: whether the row was inserted rather than updated (computed).
  const { rows } = await db.query<ColumnsOf<'alerts', 'id' | 'chip_keys'> & { created: boolean }>(
    `INSERT INTO alerts (area_id, cluster_key, kind, confidence, score, chip_keys, area_km2, prompts,
                         first_acquisition_id, last_acquisition_id, first_seen, last_seen)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10)
     ON CONFLICT (area_id, cluster_key) DO UPDATE
       SET chip_keys = ARRAY(SELECT k FROM unnest(alerts.chip_keys || EXCLUDED.chip_keys) AS k
                             GROUP BY k ORDER BY k COLLATE "C"),
           area_km2 = CASE WHEN NOT $11::boolean AND alerts.geometry_source = 'pixels' THEN alerts.area_km2
                           ELSE GREATEST(alerts.area_km2, EXCLUDED.area_km2) END
     RETURNING id, (xmax = 0) AS created, chip_keys`,
    [
      a.areaId,
      a.clusterKey,
      a.kind,
      a.confidence,
      a.score,
      a.chipKeys,
      a.areaKm2,
      JSON.stringify(a.prompts),
      a.acquisitionId,
      a.datetime,
      a.pixelArea,
    ],
  );
  const r = rows[0]!;
  return { id: r.id, created: r.created, chipKeys: r.chip_keys };
}

/**
 * Writes an alert's outline. A pixel outline replaces the stored one when it is at least as large or when
 * the stored one is from chips, and sets the area to its own; a chip outline is written over a chip
 * outline only.
 */
export async function storeAlertOutline(db: Queryable, o: AlertOutline): Promise<void> {
  const pixels = o.source === 'pixels';
  await db.query(
    `UPDATE alerts SET geometry = $2, bbox = $3, geometry_source = $4, burn_severity_km2 = $5,
            area_km2 = CASE WHEN $6::boolean THEN $7 ELSE area_km2 END
      WHERE id = $1 AND (geometry_source IS NULL OR geometry_source = 'chips'
                         OR ($6::boolean AND area_km2 <= $7))`,
    [
      o.id,
      JSON.stringify(o.geometry),
      o.bbox,
      o.source,
      o.burnSeverityKm2 ? JSON.stringify(o.burnSeverityKm2) : null,
      pixels,
      o.km2,
    ],
  );
}

/**
 * The area's provisional open alerts that the acquisition did not raise and whose last look is before
 * it, by id.
 */
export async function provisionalAlerts(
  db: Queryable,
  areaId: string,
  acquisition: { id: number; datetime: string },
): Promise<ProvisionalAlert[]> {
  const { rows } = await db.query<
    ColumnsOf<'alerts', 'id' | 'kind' | 'chip_keys' | 'first_seen' | 'clear_looks' | 'agreeing_looks'>
  >(
    `SELECT al.id, al.kind, al.chip_keys, al.first_seen, al.clear_looks, al.agreeing_looks
       FROM alerts al
       LEFT JOIN acquisitions last ON last.id = COALESCE(al.last_look_acquisition_id, al.first_acquisition_id)
      WHERE al.area_id = $1 AND al.status = 'open' AND al.confirmation = 'provisional'
        AND al.first_acquisition_id <> $2 AND last.datetime < $3::timestamptz
      ORDER BY al.id`,
    [areaId, acquisition.id, acquisition.datetime],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    chipKeys: r.chip_keys,
    firstSeen: new Date(r.first_seen).toISOString(),
    clearLooks: r.clear_looks,
    agreeingLooks: r.agreeing_looks,
  }));
}

/**
 * Records one look of an alert: its confirmation state, when it was confirmed, closing it when dismissed,
 * and the acquisition as its last look.
 */
export async function recordAlertLook(
  db: Queryable,
  id: number,
  state: { status: AlertStatus; clearLooks: number; agreeingLooks: number },
  acquisition: { id: number; datetime: string },
): Promise<void> {
  await db.query(
    `UPDATE alerts SET confirmation = $2, clear_looks = $3, agreeing_looks = $4,
            confirmed_at = CASE WHEN $2 = 'confirmed' THEN $5::timestamptz ELSE confirmed_at END,
            status = CASE WHEN $2 = 'dismissed' THEN 'closed' ELSE status END,
            last_look_acquisition_id = $6, updated_at = now()
      WHERE id = $1`,
    [id, state.status, state.clearLooks, state.agreeingLooks, acquisition.datetime, acquisition.id],
  );
}

/** The area's alerts last seen inside a window, by id. */
export async function alertsLastSeenIn(
  db: Queryable,
  areaId: string,
  window: { start: string; end: string },
): Promise<AssessedAlertRow[]> {
  const { rows } = await db.query<
    ColumnsOf<'alerts', 'id' | 'kind' | 'confidence' | 'chip_keys' | 'area_km2' | 'burn_severity_km2'>
  >(
    `SELECT id, kind, confidence, chip_keys, area_km2, burn_severity_km2
       FROM alerts WHERE area_id = $1 AND last_seen BETWEEN $2 AND $3 ORDER BY id`,
    [areaId, window.start, window.end],
  );
  return rows.map((a) => ({
    id: a.id,
    kind: a.kind,
    confidence: a.confidence,
    chipKeys: a.chip_keys,
    areaKm2: a.area_km2,
    burnSeverityKm2: a.burn_severity_km2 as Record<string, number> | null,
  }));
}

/** The item ids of the acquisitions that raised the area's alerts. */
export async function alertFirstItemIds(db: Queryable, areaId: string): Promise<string[]> {
  const { rows } = await db.query<ColumnsOf<'acquisitions', 'item_id'>>(
    `SELECT a.item_id FROM alerts al JOIN acquisitions a ON a.id = al.first_acquisition_id WHERE al.area_id = $1`,
    [areaId],
  );
  return rows.map((r) => r.item_id);
}
