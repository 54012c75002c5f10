import { workflowInfo } from '@temporalio/workflow';
import { io } from './activity-proxies.ts';
import { deliverEach, type DeliveryRetry } from './deliver-notifications.ts';

/** Input of `redeliverNotifications`: the failed deliveries to send again, by id. */
export interface RedeliverNotificationsInput {
  /** Failed deliveries (their stored bodies are sent again as they are). */
  deliveryIds: number[];
  /** Retry budget of each (tests shorten it). */
  retry?: DeliveryRetry;
}

/** How a redelivery went. */
export interface RedeliverNotificationsResult {
  /** Ids this run put back to pending and sent (failed ones that another run had re-queued are left to it). */
  requeued: number[];
  /** Re-queued ids that were delivered. */
  delivered: number[];
  /** Re-queued ids that failed again. */
  failed: number[];
}

/**
 * Re-queues failed webhook deliveries, claimed by this run, then delivers them as `deliverNotifications`
 * does: the same event id and stored body, signed again with the subscription's secret. A delivery that
 * was delivered is never sent again, and one that another run re-queued is left to that run.
 */
export async function redeliverNotifications(
  input: RedeliverNotificationsInput,
): Promise<RedeliverNotificationsResult> {
  const requeued: number[] = await io.requeueDeliveries({
    deliveryIds: input.deliveryIds,
    claim: workflowInfo().runId,
  });
  const { delivered, failed } = await deliverEach(requeued, input.retry);
  return { requeued, delivered, failed };
}
