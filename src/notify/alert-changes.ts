import type { Queryable } from '../store/db.ts';
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
  const { rows: inserted } = await tx.query<{ id: number; version: number }>(
    `INSERT INTO alert_changes (alert_id, acquisition_id, phase, change, version)
     SELECT id, $2, $3, $4, version + 1 FROM alerts WHERE id = $1
     ON CONFLICT DO NOTHING
     RETURNING id, version`,
    [input.alertId, input.acquisitionId, input.phase, input.change],
  );
  const row = inserted[0];
  if (!row) return undefined;
  const { rows } = await tx.query<{
    area_id: string;
    kind: string;
    confidence: string;
    status: string;
    confirmation: string;
    area_km2: number;
    first_seen: Date;
    last_seen: Date;
    geometry: unknown;
    acquired: Date;
  }>(
    `UPDATE alerts al SET version = $2 FROM acquisitions aq WHERE al.id = $1 AND aq.id = $3
     RETURNING al.area_id, al.kind, al.confidence, al.status, al.confirmation, al.area_km2, al.first_seen,
               al.last_seen, al.geometry, aq.datetime AS acquired`,
    [input.alertId, row.version, input.acquisitionId],
  );
  const a = rows[0]!;
  const event = buildAlertEvent(
    input.change,
    { id: Number(input.acquisitionId), datetime: new Date(a.acquired).toISOString() },
    {
      id: Number(input.alertId),
      areaId: a.area_id,
      kind: a.kind,
      confidence: a.confidence,
      status: a.status,
      confirmation: a.confirmation,
      areaKm2: a.area_km2,
      firstSeen: new Date(a.first_seen).toISOString(),
      lastSeen: new Date(a.last_seen).toISOString(),
      version: row.version,
      geometry: a.geometry ?? null,
    },
  );
  const { rows: subs } = await tx.query<{ id: number; min_confidence: string; kinds: string[] | null }>(
    `SELECT id, min_confidence, kinds FROM notify_subscriptions WHERE area_id = $1 ORDER BY id`,
    [a.area_id],
  );
  const body = JSON.stringify(event);
  for (const s of subs) {
    if (!subscriptionWants({ minConfidence: s.min_confidence, kinds: s.kinds }, a.kind, a.confidence))
      continue;
    await tx.query(
      `INSERT INTO notify_deliveries (subscription_id, change_id, event_id, body) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subscription_id, change_id) DO NOTHING`,
      [s.id, row.id, event.id, body],
    );
  }
  return Number(row.id);
}
