import type { Queryable } from '../store/db.ts';
import { SIGNATURE_HEADER, signBody } from './sign.ts';

/** How one POST of a delivery went. */
export interface DeliveryAttempt {
  /** The delivery's status after this attempt. */
  status: 'delivered' | 'retrying' | 'failed';
  /** HTTP status that came back, or null when none did. */
  responseCode: number | null;
  /** Why this attempt failed, when it did (the stored last_error keeps the last failure). */
  error?: string;
}

/** How long one POST may take before it counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * POSTs one queued delivery (its stored body, signed with the subscription's secret) and records the
 * attempt number, response code and error. A delivery already delivered or failed is not sent again, so a
 * retried or replayed call sends nothing twice once it went through. `attempt` is the activity's attempt
 * number (1 first), so `attempts` counts the POSTs tried.
 */
export async function deliverOnce(
  db: Queryable,
  deliveryId: number,
  attempt: number,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<DeliveryAttempt> {
  const { rows } = await db.query<{
    status: string;
    response_code: number | null;
    event_id: string;
    body: string;
    webhook_url: string;
    secret: string;
  }>(
    `SELECT d.status, d.response_code, d.event_id, d.body, s.webhook_url, s.secret
       FROM notify_deliveries d JOIN notify_subscriptions s ON s.id = d.subscription_id
      WHERE d.id = $1`,
    [deliveryId],
  );
  const d = rows[0];
  if (!d) return { status: 'failed', responseCode: null, error: `delivery ${deliveryId} is gone` };
  if (d.status === 'delivered' || d.status === 'failed')
    return { status: d.status, responseCode: d.response_code };
  let responseCode: number | null = null;
  let error: string | undefined;
  try {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS);
    const res = await fetch(d.webhook_url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signBody(d.secret, d.body),
        'X-Driftwatch-Event': d.event_id,
        'X-Driftwatch-Delivery': String(deliveryId),
      },
      body: d.body,
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    responseCode = res.status;
    await res.body?.cancel();
    if (!res.ok) error = `webhook answered ${res.status} ${res.statusText}`.trim();
  } catch (err) {
    error = `webhook unreachable: ${err instanceof Error ? err.message : String(err)}`;
  }
  const status = error === undefined ? 'delivered' : 'retrying';
  await db.query(
    `UPDATE notify_deliveries SET status = $2, attempts = GREATEST(attempts, $3), response_code = $4,
            last_error = COALESCE($5, last_error), delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
      WHERE id = $1 AND status IN ('pending', 'retrying')`,
    [deliveryId, status, attempt, responseCode, error ?? null],
  );
  return { status, responseCode, ...(error !== undefined ? { error } : {}) };
}

/** Marks a delivery failed once its retries are spent (a delivered one stays delivered). */
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
  const { rows } = await db.query<{ id: number }>(
    `SELECT d.id FROM notify_deliveries d
       JOIN alert_changes c ON c.id = d.change_id
       JOIN alerts al ON al.id = c.alert_id
      WHERE al.area_id = $1 AND c.acquisition_id = $2 AND d.status IN ('pending', 'retrying')
      ORDER BY d.id`,
    [areaId, acquisitionId],
  );
  return rows.map((r) => Number(r.id));
}
