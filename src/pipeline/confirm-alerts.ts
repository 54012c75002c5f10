import { advance, type AlertStatus, type ConfirmationState, type LaterLook } from '../detect/confirmation.ts';
import { confirmationLook, type ChipLook } from '../detect/confirmation-look.ts';
import { recordAlertChange } from '../notify/alert-changes.ts';
import { provisionalAlerts, recordAlertLook, type ProvisionalAlert } from '../store/alerts.ts';
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
  return advanceConfirmationsWith(db, areaId, acquisition, (r) =>
    confirmationLook({ kind: r.kind, chipKeys: r.chipKeys, firstSeen: r.firstSeen }, chips, threshold),
  );
}

/** advanceConfirmations with the look of each provisional alert judged by `lookOf` (a radar look's, e.g.). */
export async function advanceConfirmationsWith(
  db: Db,
  areaId: string,
  acquisition: { id: number; datetime: string },
  lookOf: (alert: ProvisionalAlert) => LaterLook,
): Promise<ConfirmationChange[]> {
  return db.transaction(async (tx) => {
    const rows = await provisionalAlerts(tx, areaId, acquisition);
    const changes: ConfirmationChange[] = [];
    for (const r of rows) {
      const before: ConfirmationState = {
        status: 'provisional',
        clearLooks: r.clearLooks,
        agreeingLooks: r.agreeingLooks,
      };
      const after = advance(before, lookOf(r));
      await recordAlertLook(tx, r.id, after, acquisition);
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
