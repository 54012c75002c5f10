/**
 * How a cluster of changed chips (an AlertCandidate, cluster.ts) joins the open alerts: it continues the
 * open alert of its kind it shares or touches most chips with (matchAlert), unless that alert was raised
 * by this same acquisition (a retry, or assessment after monitoring, which the store merges by cluster
 * key). A continued alert takes the union of the chips, the higher confidence, the larger score and the
 * larger delta of each prompt. Its area is the caller's pixel count when it has one (a post-event pair
 * detection; the store keeps the larger of the stored and the new), else its chips times the cell area.
 * Pure: the store applies the result (pipeline/upsert-alert.ts).
 */
import { CONFIDENCE_RANK, type Confidence } from '../domain.ts';
import { matchAlert, type AlertCandidate } from './cluster.ts';

/** An open alert as stored. */
export interface OpenAlert {
  id: number;
  kind: string;
  chipKeys: string[];
  confidence: Confidence;
  score: number;
  prompts: Record<string, number>;
  /** The acquisition that raised it. */
  firstAcquisitionId: number;
}

/** The area of a candidate: counted in pixels by the caller, or its chips times the cell area. */
export interface CandidateArea {
  /** Area of one grid cell, km². */
  cellKm2: number;
  /** The affected area counted in pixels, when the caller counted it. */
  affectedKm2?: number;
}

/** What to do with a candidate. */
export type AlertMerge =
  | {
      /** Raise it as a new alert (the store merges a repeat of the same cluster key). */
      action: 'raise';
      /** Its area, km². */
      areaKm2: number;
    }
  | {
      /** Update the open alert `id` with the merged values. */
      action: 'continue';
      id: number;
      kind: string;
      /** Union of the alert's and the candidate's chips, sorted. */
      chipKeys: string[];
      confidence: Confidence;
      /** The larger of the alert's and the candidate's score. */
      score: number;
      prompts: Record<string, number>;
      /** The new area, km². */
      areaKm2: number;
      /** Keep the larger of the stored area and `areaKm2` (areas counted in pixels only grow). */
      keepLargerArea: boolean;
    };

/** How `candidate`, seen at `acquisitionId`, joins the `open` alerts of its area (see the file's comment). */
export function mergeAlert(
  candidate: AlertCandidate,
  open: readonly OpenAlert[],
  acquisitionId: number,
  area: CandidateArea,
): AlertMerge {
  const matchId = matchAlert(candidate, open);
  const existing = open.find((o) => o.id === matchId);
  if (!existing || existing.firstAcquisitionId === acquisitionId) {
    return { action: 'raise', areaKm2: area.affectedKm2 ?? candidate.chipKeys.length * area.cellKm2 };
  }
  const chipKeys = [...new Set([...existing.chipKeys, ...candidate.chipKeys])].sort();
  const confidence =
    CONFIDENCE_RANK[candidate.confidence] > CONFIDENCE_RANK[existing.confidence]
      ? candidate.confidence
      : existing.confidence;
  const prompts = { ...existing.prompts };
  for (const [p, s] of Object.entries(candidate.prompts)) prompts[p] = Math.max(prompts[p] ?? 0, s);
  return {
    action: 'continue',
    id: existing.id,
    kind: existing.kind,
    chipKeys,
    confidence,
    score: Math.max(existing.score, candidate.score),
    prompts,
    areaKm2: area.affectedKm2 ?? chipKeys.length * area.cellKm2,
    keepLargerArea: area.affectedKm2 !== undefined,
  };
}
