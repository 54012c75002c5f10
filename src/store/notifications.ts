/**
 * Notifications: webhook subscriptions, the alert changes recorded with the transaction that made them, and
 * the deliveries queued for them.
 */
import type { Confidence } from '../domain.ts';
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf, RowOf } from './schema.ts';

/** A delivery's id. */
type DeliveryIdRow = ColumnsOf<'notify_deliveries', 'id'>;

/** A webhook subscription as listed (without its secret). */
export interface SubscriptionRow {
  /** Subscription id. */
  id: number;
  /** The area whose alert changes it receives. */
  areaId: string;
  /** Where events are POSTed. */
  webhookUrl: string;
  /** Lowest confidence that is sent. */
  minConfidence: Confidence;
  /** Kinds that are sent; null for all. */
  kinds: string[] | null;
  /** When it was added (ISO 8601). */
  createdAt: string;
}

/** A delivery with what sending it needs. */
export interface DeliveryToSend {
  /** pending, retrying, delivered or failed. */
  status: string;
  /** HTTP status of the last attempt, or null. */
  responseCode: number | null;
  /** The event id. */
  eventId: string;
  /** The stored event body. */
  body: string;
  /** The subscription's URL. */
  webhookUrl: string;
  /** The subscription's signing secret. */
  secret: string;
}

/** An alert as its change event describes it, with the datetime of the acquisition that changed it. */
export interface ChangedAlert {
  /** Area id. */
  areaId: string;
  /** Kind of change. */
  kind: string;
  /** Confidence. */
  confidence: string;
  /** open or closed. */
  status: string;
  /** provisional, confirmed or dismissed. */
  confirmation: string;
  /** Area in km². */
  areaKm2: number;
  /** First seen (ISO). */
  firstSeen: string;
  /** Last seen (ISO). */
  lastSeen: string;
  /** Outline, or null. */
  geometry: unknown;
  /** Datetime of the acquisition (ISO). */
  acquired: string;
}

/** Inserts a subscription; returns its id and when it was added (ISO). */
export async function insertSubscription(
  db: Queryable,
  s: {
    areaId: string;
    webhookUrl: string;
    secret: string;
    minConfidence: Confidence;
    kinds: string[] | null;
  },
): Promise<{ id: number; createdAt: string }> {
  const { rows } = await db.query<ColumnsOf<'notify_subscriptions', 'id' | 'created_at'>>(
    `INSERT INTO notify_subscriptions (area_id, webhook_url, secret, min_confidence, kinds)
     VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
    [s.areaId, s.webhookUrl, s.secret, s.minConfidence, s.kinds],
  );
  return { id: rows[0]!.id, createdAt: new Date(rows[0]!.created_at).toISOString() };
}

/** Subscriptions, of one area or all, by id. */
export async function listSubscriptions(db: Queryable, areaId?: string): Promise<SubscriptionRow[]> {
  const { rows } = await db.query<
    ColumnsOf<
      'notify_subscriptions',
      'id' | 'area_id' | 'webhook_url' | 'min_confidence' | 'kinds' | 'created_at'
    >
  >(
    `SELECT id, area_id, webhook_url, min_confidence, kinds, created_at FROM notify_subscriptions
      WHERE $1::text IS NULL OR area_id = $1 ORDER BY id`,
    [areaId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    areaId: r.area_id,
    webhookUrl: r.webhook_url,
    minConfidence: r.min_confidence as Confidence,
    kinds: r.kinds,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/** Removes a subscription and its delivery records; returns whether it existed. */
export async function deleteSubscription(db: Queryable, id: number): Promise<boolean> {
  const { rows } = await db.query(`DELETE FROM notify_subscriptions WHERE id = $1 RETURNING id`, [id]);
  return rows.length > 0;
}

/** A delivery with its subscription's URL and secret, or undefined when it is gone. */
export async function deliveryToSend(db: Queryable, deliveryId: number): Promise<DeliveryToSend | undefined> {
  const { rows } = await db.query<
    ColumnsOf<'notify_deliveries', 'status' | 'response_code' | 'event_id' | 'body'> &
      ColumnsOf<'notify_subscriptions', 'webhook_url' | 'secret'>
  >(
    `SELECT d.status, d.response_code, d.event_id, d.body, s.webhook_url, s.secret
       FROM notify_deliveries d JOIN notify_subscriptions s ON s.id = d.subscription_id
      WHERE d.id = $1`,
    [deliveryId],
  );
  const d = rows[0];
  if (!d) return undefined;
  return {
    status: d.status,
    responseCode: d.response_code,
    eventId: d.event_id,
    body: d.body,
    webhookUrl: d.webhook_url,
    secret: d.secret,
  };
}

/**
 * Records one attempt of a delivery still pending or retrying (the last error is kept when none is given);
 * `attempt` counts from 1 again after a re-queue, `attempts` goes on counting every POST.
 */
export async function recordDeliveryAttempt(
  db: Queryable,
  deliveryId: number,
  a: { status: 'delivered' | 'retrying'; attempt: number; responseCode: number | null; error: string | null },
): Promise<void> {
  await db.query(
    `UPDATE notify_deliveries SET status = $2, attempts = GREATEST(attempts, attempts_before + $3), response_code = $4,
            last_error = COALESCE($5, last_error), delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
      WHERE id = $1 AND status IN ('pending', 'retrying')`,
    [deliveryId, a.status, a.attempt, a.responseCode, a.error],
  );
}

/** Marks a delivery failed (a delivered one stays delivered). */
export async function markDeliveryFailed(db: Queryable, deliveryId: number): Promise<void> {
  await db.query(`UPDATE notify_deliveries SET status = 'failed' WHERE id = $1 AND status <> 'delivered'`, [
    deliveryId,
  ]);
}

/** Deliveries still to send for the alert changes one acquisition made in one area, by id. */
export async function openDeliveries(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
): Promise<number[]> {
  const { rows } = await db.query<DeliveryIdRow>(
    `SELECT d.id FROM notify_deliveries d
       JOIN alert_changes c ON c.id = d.change_id
       JOIN alerts al ON al.id = c.alert_id
      WHERE al.area_id = $1 AND c.acquisition_id = $2 AND d.status IN ('pending', 'retrying')
      ORDER BY d.id`,
    [areaId, acquisitionId],
  );
  return rows.map((r) => r.id);
}

/**
 * Records a change of an alert at the alert's next version, once per (alert, acquisition, phase); returns
 * its id and version, or undefined when it was recorded before.
 */
export async function insertAlertChange(
  db: Queryable,
  c: { alertId: number; acquisitionId: number; phase: string; change: string },
): Promise<{ id: number; version: number } | undefined> {
  const { rows } = await db.query<ColumnsOf<'alert_changes', 'id' | 'version'>>(
    `INSERT INTO alert_changes (alert_id, acquisition_id, phase, change, version)
     SELECT id, $2, $3, $4, version + 1 FROM alerts WHERE id = $1
     ON CONFLICT DO NOTHING
     RETURNING id, version`,
    [c.alertId, c.acquisitionId, c.phase, c.change],
  );
  return rows[0];
}

/** Sets an alert's version; returns the alert as its event describes it, with the acquisition's datetime. */
export async function setAlertVersion(
  db: Queryable,
  alertId: number,
  version: number,
  acquisitionId: number,
): Promise<ChangedAlert> {
  // `acquired`: the acquisition's datetime.
  const { rows } = await db.query<
    ColumnsOf<
      'alerts',
      | 'area_id'
      | 'kind'
      | 'confidence'
      | 'status'
      | 'confirmation'
      | 'area_km2'
      | 'first_seen'
      | 'last_seen'
      | 'geometry'
    > & { acquired: RowOf<'acquisitions'>['datetime'] }
  >(
    `UPDATE alerts al SET version = $2 FROM acquisitions aq WHERE al.id = $1 AND aq.id = $3
     RETURNING al.area_id, al.kind, al.confidence, al.status, al.confirmation, al.area_km2, al.first_seen,
               al.last_seen, al.geometry, aq.datetime AS acquired`,
    [alertId, version, acquisitionId],
  );
  const a = rows[0]!;
  return {
    areaId: a.area_id,
    kind: a.kind,
    confidence: a.confidence,
    status: a.status,
    confirmation: a.confirmation,
    areaKm2: a.area_km2,
    firstSeen: new Date(a.first_seen).toISOString(),
    lastSeen: new Date(a.last_seen).toISOString(),
    geometry: a.geometry ?? null,
    acquired: new Date(a.acquired).toISOString(),
  };
}

/** The area's subscriptions' filters, by id. */
export async function areaSubscriptionFilters(
  db: Queryable,
  areaId: string,
): Promise<{ id: number; minConfidence: string; kinds: string[] | null }[]> {
  const { rows } = await db.query<ColumnsOf<'notify_subscriptions', 'id' | 'min_confidence' | 'kinds'>>(
    `SELECT id, min_confidence, kinds FROM notify_subscriptions WHERE area_id = $1 ORDER BY id`,
    [areaId],
  );
  return rows.map((r) => ({ id: r.id, minConfidence: r.min_confidence, kinds: r.kinds }));
}

/** Queues deliveries of one event in one multi-row statement; a delivery queued before is left as it is. */
export async function queueDeliveries(
  db: Queryable,
  rows: readonly { subscriptionId: number; changeId: number; eventId: string; body: string }[],
): Promise<void> {
  await insertRows(
    db,
    insertInto('notify_deliveries', ['subscription_id', 'change_id', 'event_id', 'body']),
    rows,
    (r) => [r.subscriptionId, r.changeId, r.eventId, r.body],
    'ON CONFLICT (subscription_id, change_id) DO NOTHING',
  );
}

/** The area a subscription belongs to, or undefined when there is no such subscription. */
export async function subscriptionArea(db: Queryable, id: number): Promise<string | undefined> {
  const { rows } = await db.query<ColumnsOf<'notify_subscriptions', 'area_id'>>(
    `SELECT area_id FROM notify_subscriptions WHERE id = $1`,
    [id],
  );
  return rows[0]?.area_id;
}

/** A failed delivery, with what changes each time it is re-queued. */
export interface FailedDelivery {
  /** Delivery id. */
  id: number;
  /** POSTs tried so far. */
  attempts: number;
  /** When it was last re-queued (ISO), or null when never. */
  requeuedAt: string | null;
}

/**
 * Failed deliveries of an area's subscriptions (optionally of one subscription, optionally only those
 * queued at or after `since`), by id.
 */
export async function failedDeliveries(
  db: Queryable,
  filter: { areaId: string; subscriptionId?: number; since?: string },
): Promise<FailedDelivery[]> {
  const { rows } = await db.query<ColumnsOf<'notify_deliveries', 'id' | 'attempts' | 'requeued_at'>>(
    `SELECT d.id, d.attempts, d.requeued_at FROM notify_deliveries d
       JOIN notify_subscriptions s ON s.id = d.subscription_id
      WHERE s.area_id = $1 AND d.status = 'failed'
        AND ($2::bigint IS NULL OR d.subscription_id = $2)
        AND ($3::timestamptz IS NULL OR d.created_at >= $3)
      ORDER BY d.id`,
    [filter.areaId, filter.subscriptionId ?? null, filter.since ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    attempts: r.attempts,
    requeuedAt: r.requeued_at === null ? null : new Date(r.requeued_at).toISOString(),
  }));
}

/**
 * Puts those of these deliveries that are failed back to pending, claimed by `claim` (a redelivery
 * workflow run), and returns the ids this claim holds that are still to send, by id. Running it again
 * with the same claim (a retried activity) returns the same ids; another claim gets none of them.
 */
export async function requeueFailedDeliveries(
  db: Queryable,
  deliveryIds: readonly number[],
  claim: string,
): Promise<number[]> {
  await db.query(
    `UPDATE notify_deliveries SET status = 'pending', attempts_before = attempts, requeued_by = $2,
            requeued_at = now()
      WHERE id = ANY($1::bigint[]) AND status = 'failed'`,
    [deliveryIds, claim],
  );
  const { rows } = await db.query<DeliveryIdRow>(
    `SELECT id FROM notify_deliveries
      WHERE id = ANY($1::bigint[]) AND requeued_by = $2 AND status IN ('pending', 'retrying')
      ORDER BY id`,
    [deliveryIds, claim],
  );
  return rows.map((r) => r.id);
}
