/**
 * Raising and updating alerts in the database: the merge rule is detect/alert-merge.ts; this applies it
 * inside one transaction over the area's open alerts.
 */
import type { AlertCandidate } from '../detect/cluster.ts';
import { mergeAlert, type OpenAlert } from '../detect/alert-merge.ts';
import type { Confidence } from '../domain.ts';
import type { GridSpec } from '../imagery/index.ts';
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
 * adjacent chips). With a pixel extent (a post-event pair detection: changed pixels over the minimum mapping
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
    const { rows: open } = await tx.query<{
      id: number;
      kind: string;
      chip_keys: string[];
      confidence: Confidence;
      score: number;
      prompts: Record<string, number>;
      first_acquisition_id: number;
    }>(
      `SELECT id, kind, chip_keys, confidence, score, prompts, first_acquisition_id FROM alerts WHERE area_id = $1 AND status = 'open'`,
      [areaId],
    );
    const merge = mergeAlert(
      candidate,
      open.map((o): OpenAlert => ({
        id: o.id,
        kind: o.kind,
        chipKeys: o.chip_keys,
        confidence: o.confidence,
        score: o.score,
        prompts: o.prompts,
        firstAcquisitionId: o.first_acquisition_id,
      })),
      acquisitionId,
      { cellKm2, affectedKm2: extent?.km2 },
    );
    if (merge.action === 'continue') {
      await tx.query(
        `UPDATE alerts SET chip_keys = $2, confidence = $3, score = GREATEST(score, $4),
                area_km2 = CASE WHEN $9::boolean THEN GREATEST(area_km2, $5)
                                WHEN geometry_source = 'pixels' THEN area_km2 ELSE $5 END, prompts = $6,
                last_acquisition_id = $7, last_seen = GREATEST(last_seen, $8::timestamptz), updated_at = now()
          WHERE id = $1`,
        [
          merge.id,
          merge.chipKeys,
          merge.confidence,
          merge.score,
          merge.areaKm2,
          JSON.stringify(merge.prompts),
          acquisitionId,
          datetime,
          merge.keepLargerArea,
        ],
      );
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
    const { rows } = await tx.query<{ id: number; created: boolean; chip_keys: string[] }>(
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
        areaId,
        candidate.clusterKey,
        candidate.kind,
        candidate.confidence,
        candidate.score,
        candidate.chipKeys,
        merge.areaKm2,
        JSON.stringify(candidate.prompts),
        acquisitionId,
        datetime,
        extent !== undefined,
      ],
    );
    const ref: AlertRef = {
      id: rows[0]!.id,
      kind: candidate.kind,
      confidence: candidate.confidence,
      chipKeys: rows[0]!.chip_keys,
      created: rows[0]!.created,
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
  const pixels = extent.source === 'pixels';
  await tx.query(
    `UPDATE alerts SET geometry = $2, bbox = $3, geometry_source = $4, burn_severity_km2 = $5,
            area_km2 = CASE WHEN $6::boolean THEN $7 ELSE area_km2 END
      WHERE id = $1 AND (geometry_source IS NULL OR geometry_source = 'chips'
                         OR ($6::boolean AND area_km2 <= $7))`,
    [
      ref.id,
      JSON.stringify(extent.geometry),
      extent.bbox,
      extent.source,
      extent.burnSeverityKm2 ? JSON.stringify(extent.burnSeverityKm2) : null,
      pixels,
      extent.km2,
    ],
  );
}
