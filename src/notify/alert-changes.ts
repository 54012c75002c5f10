import type { Queryable } from '../store/db.ts';
import {
  areaSubscriptionFilters,
  insertAlertChange,
  queueDeliveries,
  setAlertVersion,
} from '../store/notifications.ts';
import { buildAlertEvent, type AlertChangeKind } from './alert-event.ts';
import { subscriptionWants } from './subscriptions.ts';

/** One alert change to record. */
export interface AlertChangeInput {
  /** The alert. */
  alertId: number;
  /** The acquisition whose look made the change. */
  acquisitionId: number;
  /** `detection` (raised or updated by the look) or `confirmation` (confirmed by it). */
  phase: 'detection' | 'confirmation';
  /** What changed. */
  change: AlertChangeKind;
}

/**
 * Records one change of an alert inside the transaction that made it, bumps the alert's version, and queues
 * one delivery per subscription of the area that wants it, with the event body built now (so every attempt
 * sends, and signs, the same bytes). A change is recorded once per (alert, acquisition, phase): a retried
 * activity or workflow records and queues nothing more. Returns the change id, or undefined when it was
 * recorded before.
 */
export async function recordAlertChange(tx: Queryable, input: AlertChangeInput): Promise<number | undefined> {
  const row = await insertAlertChange(tx, input);
  if (!row) return undefined;
  const a = await setAlertVersion(tx, input.alertId, row.version, input.acquisitionId);
  const event = buildAlertEvent(
    input.change,
    { id: Number(input.acquisitionId), datetime: a.acquired },
    {
      id: Number(input.alertId),
      areaId: a.areaId,
      kind: a.kind,
      confidence: a.confidence,
      status: a.status,
      confirmation: a.confirmation,
      areaKm2: a.areaKm2,
      firstSeen: a.firstSeen,
      lastSeen: a.lastSeen,
      version: row.version,
      geometry: a.geometry,
    },
  );
  const subs = await areaSubscriptionFilters(tx, a.areaId);
  const body = JSON.stringify(event);
  await queueDeliveries(
    tx,
    subs
      .filter((s) => subscriptionWants(s, a.kind, a.confidence))
      .map((s) => ({ subscriptionId: s.id, changeId: row.id, eventId: event.id, body })),
  );
  return Number(row.id);
}
