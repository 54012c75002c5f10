/**
 * Raising and updating alerts in the database: the merge rule is detect/alert-merge.ts; this applies it
 * inside one transaction over the area's open alerts.
 */
import type { AlertCandidate } from '../detect/cluster.ts';
import { mergeAlert } from '../detect/alert-merge.ts';
import type { GridSpec } from '../imagery/index.ts';
import { continueAlert, insertAlert, openAlerts, storeAlertOutline } from '../store/alerts.ts';
import type { Db, Queryable } from '../store/db.ts';
import { recordAlertChange } from '../notify/alert-changes.ts';
import { chipExtent, type AlertExtent } from './alert-extent.ts';

/** An alert raised or updated by one acquisition. */
export interface AlertRef {
  id: number;
  kind: string;
  confidence: string;
  chipKeys: string[];
  /** true when this acquisition raised it, false when it updated an open alert. */
  created: boolean;
}

/**
 * Raises the candidate as a new alert, or updates the open alert it continues (same kind, overlapping or
 * adjacent chips). With a pixel extent (a pair detection — post-event, or a monitoring look the pair check confirmed: changed pixels over the minimum mapping
 * unit) its area and outline are the extent's, and an update keeps whichever of the stored and the new
 * extent is larger; without one, its area is its chips times the cell area and its outline the union of its
 * chips' squares (alert-extent.ts) — unless its outline is from pixels already: a chip-level look adds its
 * chips to the alert but keeps the pixels' area and outline, which it cannot measure.
 */
export async function upsertAlert(
  db: Db,
  areaId: string,
  acquisitionId: number,
  datetime: string,
  candidate: AlertCandidate,
  grid: GridSpec,
  extent?: AlertExtent,
): Promise<AlertRef> {
  const cellKm2 = ((grid.chipPx * grid.resolutionM) / 1000) ** 2;
  return db.transaction(async (tx) => {
    const open = await openAlerts(tx, areaId);
    const merge = mergeAlert(candidate, open, acquisitionId, { cellKm2, affectedKm2: extent?.km2 });
    if (merge.action === 'continue') {
      await continueAlert(tx, {
        id: merge.id,
        chipKeys: merge.chipKeys,
        confidence: merge.confidence,
        score: merge.score,
        areaKm2: merge.areaKm2,
        prompts: merge.prompts,
        acquisitionId,
        datetime,
        keepLargerArea: merge.keepLargerArea,
      });
      const ref: AlertRef = {
        id: merge.id,
        kind: merge.kind,
        confidence: merge.confidence,
        chipKeys: merge.chipKeys,
        created: false,
      };
      await storeExtent(tx, ref, extent ?? chipExtent(ref.chipKeys, grid));
      await recordDetection(tx, ref, acquisitionId);
      return ref;
    }
    // The same acquisition raising the same cluster again (a retry, or assessment after monitoring)
    // merges its chips into the alert; a repeat with the same chips changes nothing.
    const row = await insertAlert(tx, {
      areaId,
      clusterKey: candidate.clusterKey,
      kind: candidate.kind,
      confidence: candidate.confidence,
      score: candidate.score,
      chipKeys: candidate.chipKeys,
      areaKm2: merge.areaKm2,
      prompts: candidate.prompts,
      acquisitionId,
      datetime,
      pixelArea: extent !== undefined,
    });
    const ref: AlertRef = {
      id: row.id,
      kind: candidate.kind,
      confidence: candidate.confidence,
      chipKeys: row.chipKeys,
      created: row.created,
    };
    await storeExtent(tx, ref, extent ?? chipExtent(ref.chipKeys, grid));
    await recordDetection(tx, ref, acquisitionId);
    return ref;
  });
}

/** One recorded change (and one queued webhook event per subscription) per alert and acquisition, retries included. */
async function recordDetection(tx: Queryable, ref: AlertRef, acquisitionId: number): Promise<void> {
  await recordAlertChange(tx, {
    alertId: ref.id,
    acquisitionId,
    phase: 'detection',
    change: ref.created ? 'created' : 'updated',
  });
}

/**
 * Writes the alert's outline. A pixel extent replaces the stored one when it is at least as large (the
 * alert's area is the larger of the two) or when the stored one is from chips, and sets the area to its
 * own; a chip extent is written over a chip extent only (a monitoring look never replaces the pixels of an
 * assessment).
 */
async function storeExtent(tx: Queryable, ref: AlertRef, extent: AlertExtent): Promise<void> {
  await storeAlertOutline(tx, {
    id: ref.id,
    geometry: extent.geometry,
    bbox: extent.bbox,
    source: extent.source,
    burnSeverityKm2: extent.burnSeverityKm2,
    km2: extent.km2,
  });
}
