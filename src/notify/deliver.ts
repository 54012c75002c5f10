import type { Queryable } from '../store/db.ts';
import { deliveryToSend, recordDeliveryAttempt } from '../store/notifications.ts';
import { SIGNATURE_HEADER, signBody } from './sign.ts';

export { markDeliveryFailed, openDeliveries, requeueFailedDeliveries } from '../store/notifications.ts';

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
  const d = await deliveryToSend(db, deliveryId);
  if (!d) return { status: 'failed', responseCode: null, error: `delivery ${deliveryId} is gone` };
  if (d.status === 'delivered' || d.status === 'failed')
    return { status: d.status, responseCode: d.responseCode };
  let responseCode: number | null = null;
  let error: string | undefined;
  try {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS);
    const res = await fetch(d.webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signBody(d.secret, d.body),
        'X-Driftwatch-Event': d.eventId,
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
  await recordDeliveryAttempt(db, deliveryId, { status, attempt, responseCode, error: error ?? null });
  return { status, responseCode, ...(error !== undefined ? { error } : {}) };
}
