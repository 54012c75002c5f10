import { advance, type AlertStatus, type ConfirmationState } from '../detect/confirmation.ts';
import { confirmationLook, type ChipLook } from '../detect/confirmation-look.ts';
import { recordAlertChange } from '../notify/alert-changes.ts';
import type { Db } from '../store/db.ts';

/** An alert whose confirmation one acquisition moved. */
export interface ConfirmationChange {
  /** Alert id. */
  id: number;
  /** Status after this acquisition. */
  confirmation: AlertStatus;
}

/**
 * Counts one acquisition as a later look of every provisional open alert of the area that it did not
 * raise (confirmation.ts, confirmation-look.ts): confirmed alerts record when, dismissed ones are
 * closed so that a new anomaly there starts a new alert. Only acquisitions after an alert's last look
 * count, each once (last_look_acquisition_id), so retries and replays change nothing.
 */
export async function advanceConfirmations(
  db: Db,
  areaId: string,
  acquisition: { id: number; datetime: string },
  chips: ReadonlyMap<string, ChipLook>,
  threshold: number,
): Promise<ConfirmationChange[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      id: number;
      kind: string;
      chip_keys: string[];
      first_seen: Date;
      clear_looks: number;
      agreeing_looks: number;
    }>(
      `SELECT al.id, al.kind, al.chip_keys, al.first_seen, al.clear_looks, al.agreeing_looks
         FROM alerts al
         LEFT JOIN acquisitions last ON last.id = COALESCE(al.last_look_acquisition_id, al.first_acquisition_id)
        WHERE al.area_id = $1 AND al.status = 'open' AND al.confirmation = 'provisional'
          AND al.first_acquisition_id <> $2 AND last.datetime < $3::timestamptz
        ORDER BY al.id`,
      [areaId, acquisition.id, acquisition.datetime],
    );
    const changes: ConfirmationChange[] = [];
    for (const r of rows) {
      const before: ConfirmationState = {
        status: 'provisional',
        clearLooks: r.clear_looks,
        agreeingLooks: r.agreeing_looks,
      };
      const look = confirmationLook(
        { kind: r.kind, chipKeys: r.chip_keys, firstSeen: new Date(r.first_seen).toISOString() },
        chips,
        threshold,
      );
      const after = advance(before, look);
      await tx.query(
        `UPDATE alerts SET confirmation = $2, clear_looks = $3, agreeing_looks = $4,
                confirmed_at = CASE WHEN $2 = 'confirmed' THEN $5::timestamptz ELSE confirmed_at END,
                status = CASE WHEN $2 = 'dismissed' THEN 'closed' ELSE status END,
                last_look_acquisition_id = $6, updated_at = now()
          WHERE id = $1`,
        [r.id, after.status, after.clearLooks, after.agreeingLooks, acquisition.datetime, acquisition.id],
      );
      if (after.status !== before.status) changes.push({ id: r.id, confirmation: after.status });
      if (after.status === 'confirmed')
        await recordAlertChange(tx, {
          alertId: r.id,
          acquisitionId: acquisition.id,
          phase: 'confirmation',
          change: 'confirmed',
        });
    }
    return changes;
  });
}
