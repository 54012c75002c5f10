/**
 * Typed reads for the report, the viewer, exports and the CLI (users' read queries). Every function takes a `Queryable`, so callers run them
 * inside `db.readOnly(tx => …)`. Timestamps come back as ISO 8601 strings (UTC).
 */
import { CONFIDENCE_LEVELS, type Confidence } from '../domain.ts';
import { InputError } from '../errors.ts';
import type { AlertStatus } from '../detect/confirmation.ts';
import { CHANGE_KINDS, type ChangeKind } from '../detect/detect-types.ts';
import type { Queryable } from './db.ts';
import type { ColumnsOf, OuterJoined, RowOf } from './schema.ts';
import type { CellBox } from '../pipeline/mosaic-box.ts';

export { CONFIDENCE_LEVELS, type Confidence } from '../domain.ts';

/** Kinds of evidence files attached to an alert, in display order. */
export const EVIDENCE_KINDS = ['before', 'after', 'heatmap', 'page'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** The columns and rows a set of chips spans in the area's grid (row grows northwards). */
export interface GridExtent {
  /** Smallest column. */
  minCol: number;
  /** Largest column. */
  maxCol: number;
  /** Smallest (southernmost) row. */
  minRow: number;
  /** Largest (northernmost) row. */
  maxRow: number;
}

/** One area with counts of what has been seen in it. */
export interface AreaSummary {
  /** Area id. */
  id: string;
  /** Display name. */
  name: string;
  /** EPSG code of the area's UTM grid. */
  epsg: number;
  /** West, south, east, north in lon/lat. */
  bbox: [number, number, number, number];
  /** Chip size in metres (chip_px × resolution). */
  cellM: number;
  /** Number of chips in the grid. */
  chipCount: number;
  /** Number of acquisitions processed for the area. */
  acquisitionCount: number;
  /** Number of open alerts. */
  openAlertCount: number;
  /** Number of alerts, open or closed. */
  alertCount: number;
  /** Grid extent of the chips, or null when the area has none yet. */
  extent: GridExtent | null;
  /** Datetime of the latest processed acquisition, or null. */
  lastAcquisition: string | null;
}

/** A prompt that fired for an alert, with its score. */
export interface PromptScore {
  /** The prompt text. */
  prompt: string;
  /** Its score in [0, 1]. */
  score: number;
}

/** Filters for `listAlerts`; all optional, combined with AND. */
export interface AlertFilter {
  /** Only alerts of this area id. */
  areaId?: string;
  /** Only alerts last seen at or after this date (YYYY-MM-DD, UTC) or datetime (ISO 8601). */
  from?: string;
  /** Only alerts last seen on or before this date (whole day, UTC) or at or before this datetime. */
  to?: string;
  /** Only alerts at least this confident (`high` includes `highest`). */
  minConfidence?: Confidence;
  /** Only alerts of this kind (exact match). */
  kind?: string;
  /** Only alerts with a fired prompt containing this text (case-insensitive). */
  prompt?: string;
  /** Only open or only closed alerts. */
  status?: 'open' | 'closed';
  /** Largest number of alerts returned (default 500). */
  limit?: number;
}

/** One alert as listed. */
export interface AlertSummary {
  /** Alert id. */
  id: number;
  /** Area id. */
  areaId: string;
  /** Area display name. */
  areaName: string;
  /** flood, burn, vegetation-loss, construction, change, … */
  kind: string;
  /** low, high or highest. */
  confidence: Confidence;
  /** Combined score in [0, 1]. */
  score: number;
  /** Keys of the chips in the cluster. */
  chipKeys: string[];
  /** Area of the cluster in km². */
  areaKm2: number;
  /** Prompts that fired, highest score first. */
  prompts: PromptScore[];
  /** Acquisition that first showed the change. */
  firstAcquisitionId: number;
  /** Latest acquisition that showed the change. */
  lastAcquisitionId: number;
  /** When the change was first seen. */
  firstSeen: string;
  /** When the change was last seen. */
  lastSeen: string;
  /** open or closed. */
  status: 'open' | 'closed';
  /** provisional (first anomalous look), confirmed (later clear looks agreed) or dismissed. */
  confirmation: AlertStatus;
  /** Clear looks of the alert's chips since its first look, and how many of them agreed. */
  looks: { clear: number; agreeing: number };
  /** sha256 of the latest `after` tile (or heat map), for thumbnails; null when there is none. */
  thumbnailSha256: string | null;
  /** Media type of the thumbnail, e.g. image/webp; null when there is none. */
  thumbnailMediaType: string | null;
}

/** A chip of an alert's cluster. */
export interface AlertChip {
  /** Chip id. */
  id: number;
  /** Stable grid key. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row. */
  row: number;
  /** West, south, east, north in lon/lat. */
  lonlatBounds: [number, number, number, number];
  /** Score at the alert's last acquisition (any model, highest), or null. */
  score: number | null;
}

/** One evidence file of an alert. */
export interface AlertEvidence {
  /** Acquisition that raised or updated the alert when the tile was written. */
  acquisitionId: number;
  /** Datetime of that acquisition. */
  datetime: string;
  /**
   * Earliest and latest datetime of the imagery the tile shows (a before tile shows earlier acquisitions
   * than `datetime`); null when not recorded (tiles written by older versions) or the tile shows none.
   */
  imaged: { from: string; to: string } | null;
  /** before, after, heatmap or page. */
  kind: EvidenceKind;
  /** Content hash; also the file's name in URLs. */
  sha256: string;
  /** MIME type, e.g. image/png. */
  mediaType: string;
  /** Size in bytes. */
  bytes: number;
  /** File name of an exported copy, `<sha256>.<ext>` (older evidence: its path under the old evidence folder). */
  path: string;
  /** Before/after tiles: the grid cells shown (west column, north row, size); null for others and older tiles. */
  cellBox?: CellBox | null;
}

/** One alert with everything needed to show it. */
export interface AlertDetail extends AlertSummary {
  /** GeoJSON of the cluster in lon/lat, or null. */
  geometry: unknown;
  /** Chips of the cluster, highest score first, then by key. */
  chips: AlertChip[];
  /** Evidence files by acquisition date, then before, after, heatmap, page. */
  evidence: AlertEvidence[];
}

/** One acquisition in a chip's history. */
export interface HistoryPoint {
  /** Acquisition id. */
  acquisitionId: number;
  /** Acquisition datetime. */
  datetime: string;
  /** Cosine distance to the baseline, or null. */
  drift: number | null;
  /** Drift normalised by the chip's own variability, or null. */
  driftZ: number | null;
  /** Combined score in [0, 1], or null when not scored. */
  score: number | null;
  /** Whether the chip was clear enough to use; false for cloudy or missing acquisitions. */
  usable: boolean;
  /** Fraction of valid pixels, or null when not observed. */
  validFraction: number | null;
  /** Scene cloud cover in percent, or null. */
  cloudCover: number | null;
}

/** The drift history of one chip under one model. */
export interface ChipHistory {
  /** Area id. */
  areaId: string;
  /** Chip id. */
  chipId: number;
  /** Stable grid key. */
  key: string;
  /** Model whose signals are shown, or null when the chip has none. */
  modelId: string | null;
  /** Acquisitions in time order. */
  points: HistoryPoint[];
}

/** One cell of an area's grid with its latest score. */
export interface GridCell {
  /** Chip id. */
  chipId: number;
  /** Stable grid key. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** Latest score in [0, 1], or null when never scored. */
  score: number | null;
  /** Latest drift, or null. */
  drift: number | null;
  /** Datetime of the acquisition that gave the latest score, or null. */
  datetime: string | null;
  /** Open alerts whose cluster contains this chip. */
  alertIds: number[];
}

/** An area's grid of latest scores, for the heat-map view. */
export interface AreaGrid {
  /** Area id. */
  areaId: string;
  /** Area display name. */
  areaName: string;
  /** Model whose scores are shown, or null when none. */
  modelId: string | null;
  /** Grid extent, or null when the area has no chips. */
  extent: GridExtent | null;
  /** One cell per chip, by row then column. */
  cells: GridCell[];
}

/** A timestamptz as the drivers return it. */
type Timestamp = RowOf<'acquisitions'>['datetime'];

function iso(value: Timestamp): string {
  return new Date(value).toISOString();
}

function isoOrNull(value: Timestamp | null): string | null {
  return value === null ? null : iso(value);
}

function imagedRange(from: Timestamp | null, to: Timestamp | null): { from: string; to: string } | null {
  const f = isoOrNull(from);
  const t = isoOrNull(to);
  return f && t ? { from: f, to: t } : null;
}

function cellBoxOf(value: number[] | null): CellBox | null {
  if (value === null || value.length !== 4) return null;
  const [left, top, cols, rows] = value as [number, number, number, number];
  return { left, top, cols, rows };
}

function bbox(value: number[]): [number, number, number, number] {
  return [value[0]!, value[1]!, value[2]!, value[3]!];
}

/** A jsonb value as both drivers return it: parsed, or the JSON text (PGlite in some paths) parsed here. */
export function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Prompt scores from an alert's `prompts` jsonb, highest first, then by prompt. */
function promptScores(value: unknown): PromptScore[] {
  const obj = (json(value) ?? {}) as Record<string, unknown>;
  return Object.entries(obj)
    .map(([prompt, score]) => ({ prompt, score: Number(score) }))
    .sort((a, b) => b.score - a.score || a.prompt.localeCompare(b.prompt));
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses a date filter bound. Returns the bound as a Date and whether it is inclusive: a date-only `to`
 * becomes the exclusive start of the next day.
 */
export function parseDateBound(value: string, which: 'from' | 'to'): { at: Date; inclusive: boolean } {
  const text = value.trim();
  const dateOnly = DATE_ONLY.test(text);
  const at = dateOnly ? new Date(`${text}T00:00:00Z`) : DATETIME.test(text) ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime()) || (dateOnly && at.toISOString().slice(0, 10) !== text)) {
    throw new InputError(
      `"${which}" date "${value}" is not a date (YYYY-MM-DD) or ISO 8601 datetime with zone`,
    );
  }
  if (which === 'to' && dateOnly) return { at: new Date(at.getTime() + 86_400_000), inclusive: false };
  return { at, inclusive: true };
}

/** A prompt fired for an alert when its score rose by at least this much over the baseline. */
export const FIRED_PROMPT_MIN = 0.05;

/** Validates an alert kind given as text; the error lists the kinds. */
export function parseAlertKind(value: string): ChangeKind {
  const v = value.trim().toLowerCase();
  const kind = CHANGE_KINDS.find((k) => k === v);
  if (!kind) throw new InputError(`kind "${value}" is not one of ${CHANGE_KINDS.join(', ')}`);
  return kind;
}

/** Validates a confidence level given as text. */
export function parseConfidence(value: string): Confidence {
  const v = value.trim().toLowerCase();
  if ((CONFIDENCE_LEVELS as readonly string[]).includes(v)) return v as Confidence;
  throw new InputError(`confidence "${value}" is not one of ${CONFIDENCE_LEVELS.join(', ')}`);
}

/** All areas with chip, acquisition and alert counts and their grid extent, by name. */
export async function listAreas(q: Queryable): Promise<AreaSummary[]> {
  const { rows } = await q.query<AreaSummaryRow>(
    `SELECT a.id, a.name, a.epsg, a.bbox, a.chip_px * a.resolution_m AS cell_m,
            g.chip_count, g.min_col, g.max_col, g.min_row, g.max_row,
            aq.acquisition_count, aq.last_acquisition, al.alert_count, al.open_alert_count
       FROM areas a
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS chip_count, min(col) AS min_col, max(col) AS max_col,
                min("row") AS min_row, max("row") AS max_row
           FROM chips c WHERE c.area_id = a.id) g
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS acquisition_count, max(acq.datetime) AS last_acquisition
           FROM area_acquisitions x JOIN acquisitions acq ON acq.id = x.acquisition_id
          WHERE x.area_id = a.id AND x.status = 'processed') aq
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS alert_count, count(*) FILTER (WHERE status = 'open')::int AS open_alert_count
           FROM alerts WHERE alerts.area_id = a.id) al
      ORDER BY a.name COLLATE "C", a.id`,
  );
  return rows.map(decodeAreaSummary);
}

/**
 * An area with its counts (computed): `cell_m` (chip size in metres), the chip count and grid extent
 * (null without chips), processed acquisitions and the latest one's datetime, alerts and open alerts.
 */
type AreaSummaryRow = ColumnsOf<'areas', 'id' | 'name' | 'epsg' | 'bbox'> & {
  cell_m: number;
  chip_count: number;
  min_col: number | null;
  max_col: number | null;
  min_row: number | null;
  max_row: number | null;
  acquisition_count: number;
  last_acquisition: Timestamp | null;
  alert_count: number;
  open_alert_count: number;
};

function decodeAreaSummary(r: AreaSummaryRow): AreaSummary {
  return {
    id: r.id,
    name: r.name,
    epsg: r.epsg,
    bbox: bbox(r.bbox),
    cellM: r.cell_m,
    chipCount: r.chip_count,
    acquisitionCount: r.acquisition_count,
    openAlertCount: r.open_alert_count,
    alertCount: r.alert_count,
    extent:
      r.min_col === null
        ? null
        : { minCol: r.min_col, maxCol: r.max_col!, minRow: r.min_row!, maxRow: r.max_row! },
    lastAcquisition: isoOrNull(r.last_acquisition),
  };
}

const ALERT_COLUMNS = `a.id, a.area_id, ar.name AS area_name, a.kind, a.confidence, a.score, a.chip_keys, a.area_km2,
  a.prompts, a.first_acquisition_id, a.last_acquisition_id, a.first_seen, a.last_seen, a.status,
  a.confirmation, a.clear_looks, a.agreeing_looks,
  th.sha256 AS thumbnail, th.media_type AS thumbnail_media_type`;

/** The latest after tile (or heat map) of alert `a`, as `th`: join after FROM alerts a. */
const THUMBNAIL_JOIN = `LEFT JOIN LATERAL (
    SELECT e.sha256, f.media_type FROM alert_evidence e
      JOIN acquisitions acq ON acq.id = e.acquisition_id
      JOIN evidence_files f ON f.sha256 = e.sha256
     WHERE e.alert_id = a.id AND e.kind IN ('after', 'heatmap')
     ORDER BY acq.datetime DESC, e.kind LIMIT 1) th ON true`;

/** A row of ALERT_COLUMNS: the alert, its area's name, and its thumbnail's hash and media type (or null). */
type AlertSummaryRow = ColumnsOf<
  'alerts',
  | 'id'
  | 'area_id'
  | 'kind'
  | 'confidence'
  | 'score'
  | 'chip_keys'
  | 'area_km2'
  | 'prompts'
  | 'first_acquisition_id'
  | 'last_acquisition_id'
  | 'first_seen'
  | 'last_seen'
  | 'status'
  | 'confirmation'
  | 'clear_looks'
  | 'agreeing_looks'
> & {
  area_name: RowOf<'areas'>['name'];
  thumbnail: RowOf<'alert_evidence'>['sha256'] | null;
  thumbnail_media_type: RowOf<'evidence_files'>['media_type'] | null;
};

/** Decodes one row of ALERT_COLUMNS. */
function decodeAlertSummary(r: AlertSummaryRow): AlertSummary {
  return {
    id: r.id,
    areaId: r.area_id,
    areaName: r.area_name,
    kind: r.kind,
    confidence: r.confidence as Confidence,
    score: r.score,
    chipKeys: r.chip_keys.slice(),
    areaKm2: r.area_km2,
    prompts: promptScores(r.prompts),
    firstAcquisitionId: r.first_acquisition_id,
    lastAcquisitionId: r.last_acquisition_id,
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    status: r.status as 'open' | 'closed',
    confirmation: r.confirmation as AlertStatus,
    looks: { clear: r.clear_looks, agreeing: r.agreeing_looks },
    thumbnailSha256: r.thumbnail,
    thumbnailMediaType: r.thumbnail_media_type,
  };
}

/**
 * Alerts matching `filter`, most recently seen first; ties by confidence (highest first), score
 * (highest first) and id (newest first).
 */
export async function listAlerts(q: Queryable, filter: AlertFilter = {}): Promise<AlertSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.areaId !== undefined) add((p) => `a.area_id = ${p}`, filter.areaId);
  if (filter.from !== undefined) {
    const b = parseDateBound(filter.from, 'from');
    add((p) => `a.last_seen >= ${p}`, b.at.toISOString());
  }
  if (filter.to !== undefined) {
    const b = parseDateBound(filter.to, 'to');
    add((p) => `a.last_seen ${b.inclusive ? '<=' : '<'} ${p}`, b.at.toISOString());
  }
  if (filter.minConfidence !== undefined) {
    const level = parseConfidence(filter.minConfidence);
    add((p) => `a.confidence = ANY(${p}::text[])`, CONFIDENCE_LEVELS.slice(CONFIDENCE_LEVELS.indexOf(level)));
  }
  if (filter.kind !== undefined) add((p) => `a.kind = ${p}`, parseAlertKind(filter.kind));
  if (filter.prompt !== undefined) {
    // Only prompts that fired count: every alert stores a score for every prompt.
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM jsonb_each(a.prompts) e WHERE strpos(lower(e.key), lower(${p})) > 0 AND jsonb_typeof(e.value) = 'number' AND (e.value)::float8 >= ${FIRED_PROMPT_MIN})`,
      filter.prompt,
    );
  }
  if (filter.status !== undefined) add((p) => `a.status = ${p}`, filter.status);
  const limit = filter.limit ?? 500;
  if (!Number.isInteger(limit) || limit < 1)
    throw new InputError(`alert limit ${limit} is not a positive integer`);
  params.push(CONFIDENCE_LEVELS, limit);
  const { rows } = await q.query<AlertSummaryRow>(
    `SELECT ${ALERT_COLUMNS}
       FROM alerts a JOIN areas ar ON ar.id = a.area_id ${THUMBNAIL_JOIN}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.last_seen DESC, array_position($${params.length - 1}::text[], a.confidence) DESC,
               a.score DESC, a.id DESC
      LIMIT $${params.length}`,
    params,
  );
  return rows.map(decodeAlertSummary);
}

/** Distinct alert kinds and fired prompts, for filter menus. */
export async function alertFacets(q: Queryable): Promise<{ kinds: string[]; prompts: string[] }> {
  const kinds = await q.query<ColumnsOf<'alerts', 'kind'>>(`SELECT DISTINCT kind FROM alerts ORDER BY kind`);
  const prompts = await q.query<{ prompt: string }>(
    `SELECT DISTINCT k AS prompt FROM alerts, jsonb_object_keys(alerts.prompts) k ORDER BY k`,
  );
  return { kinds: kinds.rows.map((r) => r.kind), prompts: prompts.rows.map((r) => r.prompt) };
}

/** One alert with its chips and evidence, or undefined when no alert has this id. */
export async function getAlert(q: Queryable, id: number): Promise<AlertDetail | undefined> {
  if (!Number.isSafeInteger(id)) throw new InputError(`alert id "${id}" is not an integer`);
  const { rows } = await q.query<AlertSummaryRow & ColumnsOf<'alerts', 'geometry'>>(
    `SELECT ${ALERT_COLUMNS}, a.geometry FROM alerts a JOIN areas ar ON ar.id = a.area_id ${THUMBNAIL_JOIN}
      WHERE a.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const summary = decodeAlertSummary(row);
  const chips = await q.query<AlertChipRow>(
    `SELECT c.id, c.key, c.col, c."row", c.lonlat_bounds,
            (SELECT max(s.score) FROM chip_signals s
              WHERE s.chip_id = c.id AND s.acquisition_id = $3) AS score
       FROM chips c
      WHERE c.area_id = $1 AND c.key = ANY($2::text[])`,
    [summary.areaId, summary.chipKeys, summary.lastAcquisitionId],
  );
  const evidence = await q.query<AlertEvidenceRow>(
    `SELECT e.acquisition_id, acq.datetime, e.kind, e.sha256, f.media_type, f.bytes, f.path,
            e.imaged_from, e.imaged_to, e.cell_box
       FROM alert_evidence e
       JOIN acquisitions acq ON acq.id = e.acquisition_id
       JOIN evidence_files f ON f.sha256 = e.sha256
      WHERE e.alert_id = $1
      ORDER BY acq.datetime, acq.id, array_position(ARRAY['before','after','heatmap','page'], e.kind)`,
    [id],
  );
  return {
    ...summary,
    geometry: json(row.geometry) ?? null,
    chips: chips.rows
      .map(decodeAlertChip)
      .sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.key.localeCompare(b.key)),
    evidence: evidence.rows.map(decodeAlertEvidence),
  };
}

/** A chip of an alert with `score`, its highest signal score at the alert's last acquisition, or null. */
type AlertChipRow = ColumnsOf<'chips', 'id' | 'key' | 'col' | 'row' | 'lonlat_bounds'> &
  OuterJoined<ColumnsOf<'chip_signals', 'score'>>;

function decodeAlertChip(r: AlertChipRow): AlertChip {
  return {
    id: r.id,
    key: r.key,
    col: r.col,
    row: r.row,
    lonlatBounds: bbox(r.lonlat_bounds),
    score: r.score,
  };
}

/** An evidence tile of an alert with its acquisition's datetime and its file's record. */
type AlertEvidenceRow = ColumnsOf<
  'alert_evidence',
  'acquisition_id' | 'kind' | 'sha256' | 'imaged_from' | 'imaged_to' | 'cell_box'
> &
  ColumnsOf<'acquisitions', 'datetime'> &
  ColumnsOf<'evidence_files', 'media_type' | 'bytes' | 'path'>;

function decodeAlertEvidence(r: AlertEvidenceRow): AlertEvidence {
  return {
    acquisitionId: r.acquisition_id,
    datetime: iso(r.datetime),
    imaged: imagedRange(r.imaged_from, r.imaged_to),
    kind: r.kind as EvidenceKind,
    sha256: r.sha256,
    mediaType: r.media_type,
    bytes: r.bytes,
    path: r.path,
    cellBox: cellBoxOf(r.cell_box),
  };
}

/** The model with the most signals in an area (ties by id), or null when it has none. */
export async function defaultModel(q: Queryable, areaId: string): Promise<string | null> {
  const { rows } = await q.query<ColumnsOf<'chip_signals', 'model_id'>>(
    `SELECT s.model_id FROM chip_signals s JOIN chips c ON c.id = s.chip_id
      WHERE c.area_id = $1 GROUP BY s.model_id ORDER BY count(*) DESC, s.model_id LIMIT 1`,
    [areaId],
  );
  return rows[0]?.model_id ?? null;
}

/**
 * The drift history of one chip: every acquisition that observed or scored it, in time order.
 * Acquisitions where the chip was cloudy (or not scored) have `usable` false and null scores.
 * Undefined when the area has no chip with this key.
 */
export async function chipHistory(
  q: Queryable,
  areaId: string,
  key: string,
  modelId?: string,
): Promise<ChipHistory | undefined> {
  const chip = await q.query<ColumnsOf<'chips', 'id'>>(
    `SELECT id FROM chips WHERE area_id = $1 AND key = $2`,
    [areaId, key],
  );
  const chipId = chip.rows[0]?.id;
  if (chipId === undefined) return undefined;
  const model = modelId ?? (await defaultModel(q, areaId));
  const { rows } = await q.query<HistoryRow>(
    `WITH s AS (SELECT acquisition_id, drift, drift_z, score FROM chip_signals WHERE chip_id = $1 AND model_id = $2),
          o AS (SELECT acquisition_id, valid_fraction, usable FROM observations WHERE chip_id = $1)
     SELECT acq.id, acq.datetime, acq.cloud_cover, s.drift, s.drift_z, s.score, o.valid_fraction, o.usable,
            s.acquisition_id IS NOT NULL AS scored
       FROM acquisitions acq
       LEFT JOIN s ON s.acquisition_id = acq.id
       LEFT JOIN o ON o.acquisition_id = acq.id
      WHERE s.acquisition_id IS NOT NULL OR o.acquisition_id IS NOT NULL
      ORDER BY acq.datetime, acq.id`,
    [chipId, model],
  );
  return {
    areaId,
    chipId,
    key,
    modelId: model,
    points: rows.map(decodeHistoryPoint),
  };
}

/**
 * An acquisition that observed or scored the chip, with its signals and observation (each an outer join)
 * and `scored`: whether it has signals (computed).
 */
type HistoryRow = ColumnsOf<'acquisitions', 'id' | 'datetime' | 'cloud_cover'> &
  OuterJoined<
    ColumnsOf<'chip_signals', 'drift' | 'drift_z' | 'score'> &
      ColumnsOf<'observations', 'valid_fraction' | 'usable'>
  > & { scored: boolean };

function decodeHistoryPoint(r: HistoryRow): HistoryPoint {
  return {
    acquisitionId: r.id,
    datetime: iso(r.datetime),
    drift: r.drift,
    driftZ: r.drift_z,
    score: r.score,
    usable: r.usable ?? r.scored,
    validFraction: r.valid_fraction,
    cloudCover: r.cloud_cover,
  };
}

/** A chip with its latest signals under the model and their acquisition's datetime (an outer join). */
type GridCellRow = ColumnsOf<'chips', 'id' | 'key' | 'col' | 'row'> &
  OuterJoined<ColumnsOf<'chip_signals', 'score' | 'drift'> & ColumnsOf<'acquisitions', 'datetime'>>;

function decodeGridCell(r: GridCellRow, alertIds: number[]): GridCell {
  return {
    chipId: r.id,
    key: r.key,
    col: r.col,
    row: r.row,
    score: r.score,
    drift: r.drift,
    datetime: isoOrNull(r.datetime),
    alertIds,
  };
}

/** Every chip of an area with its latest score under `modelId` (default: the area's main model). */
export async function areaGrid(
  q: Queryable,
  areaId: string,
  modelId?: string,
): Promise<AreaGrid | undefined> {
  const area = await q.query<ColumnsOf<'areas', 'name'>>(`SELECT name FROM areas WHERE id = $1`, [areaId]);
  const name = area.rows[0]?.name;
  if (name === undefined) return undefined;
  const model = modelId ?? (await defaultModel(q, areaId));
  const { rows } = await q.query<GridCellRow>(
    `SELECT c.id, c.key, c.col, c."row", l.score, l.drift, l.datetime
       FROM chips c
       LEFT JOIN LATERAL (
         SELECT s.score, s.drift, acq.datetime FROM chip_signals s JOIN acquisitions acq ON acq.id = s.acquisition_id
          WHERE s.chip_id = c.id AND s.model_id = $2
          ORDER BY acq.datetime DESC, acq.id DESC LIMIT 1) l ON true
      WHERE c.area_id = $1
      ORDER BY c."row", c.col, c.key`,
    [areaId, model],
  );
  const alerts = await q.query<ColumnsOf<'alerts', 'id' | 'chip_keys'>>(
    `SELECT id, chip_keys FROM alerts WHERE area_id = $1 AND status = 'open' ORDER BY id`,
    [areaId],
  );
  const alertsByKey = new Map<string, number[]>();
  for (const a of alerts.rows) {
    for (const k of a.chip_keys) alertsByKey.set(k, [...(alertsByKey.get(k) ?? []), a.id]);
  }
  const cells: GridCell[] = rows.map((r) => decodeGridCell(r, alertsByKey.get(r.key) ?? []));
  let extent: GridExtent | null = null;
  for (const c of cells) {
    extent = extent
      ? {
          minCol: Math.min(extent.minCol, c.col),
          maxCol: Math.max(extent.maxCol, c.col),
          minRow: Math.min(extent.minRow, c.row),
          maxRow: Math.max(extent.maxRow, c.row),
        }
      : { minCol: c.col, maxCol: c.col, minRow: c.row, maxRow: c.row };
  }
  return { areaId, areaName: name, modelId: model, extent, cells };
}
