/**
 * Detections: the per-chip signals of monitoring (chip_signals, one row per chip, acquisition and model)
 * and the pair detections of post-event assessment (event_detections, one per chip, pre and post look).
 */
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf } from './schema.ts';

/** One chip's signals at one acquisition under one model. */
export interface ChipSignalRow {
  /** Chip id. */
  chipId: number;
  /** Acquisition id. */
  acquisitionId: number;
  /** Model id. */
  modelId: string;
  /** Cosine distance to the baseline, or null. */
  drift: number | null;
  /** Drift normalised by the chip's own variability, or null. */
  driftZ: number | null;
  /** Combined score. */
  score: number;
  /** The whole detection, stored as jsonb. */
  signals: unknown;
}

/** One chip's pair detection of a post-event look against the pre-event reference. */
export interface EventDetectionRow {
  /** Chip id. */
  chipId: number;
  /** The pre-event reference acquisition. */
  preAcquisitionId: number;
  /** The post-event acquisition. */
  postAcquisitionId: number;
  /** Whether both looks were clear enough to score. */
  usable: boolean;
  /** Combined score. */
  score: number;
  /** Kind of change. */
  kind: string;
  /** Confidence, or null. */
  confidence: string | null;
  /** Share of changed pixels, or null when not scored. */
  changedFraction: number | null;
  /** Evidence, strengths, signals and corroboration, stored as jsonb. */
  evidence: unknown;
  /** Run-length encoded per-pixel mask, or null. */
  mask: unknown;
}

/** One stored event detection of an area's chip, as assessment reads it. */
export interface StoredEventDetection<E> {
  /** The chip's grid key. */
  key: string;
  /** The post-event acquisition. */
  postAcquisitionId: number;
  /** Its datetime (ISO). */
  datetime: string;
  /** Kind of change. */
  kind: string;
  /** Combined score. */
  score: number;
  /** Confidence, or null. */
  confidence: string | null;
  /** The stored evidence jsonb. */
  evidence: E;
}

/**
 * Upserts chip signals by (chip, acquisition, model) in multi-row statements. Each chip appears once per
 * call (one detection per chip), so no statement updates a row twice.
 */
export async function upsertChipSignals(db: Queryable, rows: readonly ChipSignalRow[]): Promise<void> {
  await insertRows(
    db,
    insertInto('chip_signals', [
      'chip_id',
      'acquisition_id',
      'model_id',
      'drift',
      'drift_z',
      'score',
      'signals',
    ]),
    rows,
    (r) => [r.chipId, r.acquisitionId, r.modelId, r.drift, r.driftZ, r.score, JSON.stringify(r.signals)],
    `ON CONFLICT (chip_id, acquisition_id, model_id) DO UPDATE
       SET drift = EXCLUDED.drift, drift_z = EXCLUDED.drift_z, score = EXCLUDED.score, signals = EXCLUDED.signals`,
  );
}

/**
 * Upserts event detections by (chip, pre, post) in multi-row statements. Each chip appears once per call
 * (one scene), so no statement updates a row twice.
 */
export async function upsertEventDetections(
  db: Queryable,
  rows: readonly EventDetectionRow[],
): Promise<void> {
  await insertRows(
    db,
    insertInto('event_detections', [
      'chip_id',
      'pre_acquisition_id',
      'post_acquisition_id',
      'usable',
      'score',
      'kind',
      'confidence',
      'changed_fraction',
      'evidence',
      'mask',
    ]),
    rows,
    (r) => [
      r.chipId,
      r.preAcquisitionId,
      r.postAcquisitionId,
      r.usable,
      r.score,
      r.kind,
      r.confidence,
      r.changedFraction,
      JSON.stringify(r.evidence),
      r.mask,
    ],
    `ON CONFLICT (chip_id, pre_acquisition_id, post_acquisition_id) DO UPDATE
       SET usable = EXCLUDED.usable, score = EXCLUDED.score, kind = EXCLUDED.kind, confidence = EXCLUDED.confidence,
           changed_fraction = EXCLUDED.changed_fraction, evidence = EXCLUDED.evidence, mask = EXCLUDED.mask`,
  );
}

/**
 * The area's event detections with a post look in `post`, a reference in `pre` and a score at least
 * `threshold`: by chip key, strongest first, then by post datetime.
 */
export async function eventDetectionsInWindows<E>(
  db: Queryable,
  areaId: string,
  pre: { start: string; end: string },
  post: { start: string; end: string },
  threshold: number,
): Promise<StoredEventDetection<E>[]> {
  const { rows } = await db.query<
    ColumnsOf<'chips', 'key'> &
      ColumnsOf<'event_detections', 'post_acquisition_id' | 'kind' | 'score' | 'confidence' | 'evidence'> &
      ColumnsOf<'acquisitions', 'datetime'>
  >(
    `SELECT c.key, ed.post_acquisition_id, a.datetime, ed.kind, ed.score, ed.confidence, ed.evidence
       FROM event_detections ed
       JOIN chips c ON c.id = ed.chip_id
       JOIN acquisitions a ON a.id = ed.post_acquisition_id
       JOIN acquisitions r ON r.id = ed.pre_acquisition_id
      WHERE c.area_id = $1 AND a.datetime BETWEEN $2 AND $3 AND r.datetime BETWEEN $4 AND $5 AND ed.score >= $6
      ORDER BY c.key, ed.score DESC, a.datetime`,
    [areaId, post.start, post.end, pre.start, pre.end, threshold],
  );
  return rows.map((r) => ({
    key: r.key,
    postAcquisitionId: r.post_acquisition_id,
    datetime: new Date(r.datetime).toISOString(),
    kind: r.kind,
    score: r.score,
    confidence: r.confidence,
    evidence: r.evidence as E,
  }));
}

/** One chip of an area in one acquisition: whether it was usable, and its stored monitoring signals. */
export interface LookChipSignals {
  /** Acquisition id. */
  acquisitionId: number;
  /** The chip's grid key. */
  key: string;
  /** Whether the chip was usable in the acquisition. */
  usable: boolean;
  /** The stored detection (chip_signals.signals), or null where none was stored. */
  signals: unknown;
}

/** The observed chips of an area in the acquisitions, with their monitoring signals under the model. */
export async function lookChipSignals(
  db: Queryable,
  areaId: string,
  modelId: string,
  acquisitionIds: readonly number[],
): Promise<LookChipSignals[]> {
  if (acquisitionIds.length === 0) return [];
  const { rows } = await db.query<{ acquisition_id: number; key: string; usable: boolean; signals: unknown }>(
    `SELECT o.acquisition_id, c.key, o.usable, s.signals FROM observations o JOIN chips c ON c.id = o.chip_id
       LEFT JOIN chip_signals s ON s.chip_id = o.chip_id AND s.acquisition_id = o.acquisition_id AND s.model_id = $2
      WHERE c.area_id = $1 AND o.acquisition_id = ANY($3::bigint[]) ORDER BY o.acquisition_id, c.key`,
    [areaId, modelId, acquisitionIds],
  );
  return rows.map((r) => ({
    acquisitionId: Number(r.acquisition_id),
    key: r.key,
    usable: r.usable,
    signals: r.signals,
  }));
}
