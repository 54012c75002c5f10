import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';

/** Retry budget of one webhook delivery. */
export interface DeliveryRetry {
  /** POSTs tried at most (default 8). */
  maximumAttempts?: number;
  /** Wait before the first retry, in ms (default 5 s); doubled each time up to 10 minutes. */
  initialIntervalMs?: number;
}

/** Input of `deliverNotifications`: delivery ids only (their bodies are in the database). */
export interface DeliverNotificationsInput {
  /** The queued deliveries. */
  deliveryIds: number[];
  /** Retry budget (tests shorten it). */
  retry?: DeliveryRetry;
}

/** How the deliveries ended. */
export interface DeliverNotificationsResult {
  /** Delivered ids. */
  delivered: number[];
  /** Ids whose retries were spent. */
  failed: number[];
}

/**
 * Delivers queued webhook events, each by the `deliverNotification` activity with its own retries and
 * exponential backoff; a delivery whose budget is spent is recorded failed and the others go on. Started by
 * the monitoring workflows as an abandoned child, so a failing endpoint never holds them up.
 */
export async function deliverNotifications(
  input: DeliverNotificationsInput,
): Promise<DeliverNotificationsResult> {
  return deliverEach(input.deliveryIds, input.retry);
}

/** Sends each delivery by the activity with the retry budget, recording failed those whose budget is spent. */
export async function deliverEach(
  deliveryIds: readonly number[],
  retry?: DeliveryRetry,
): Promise<DeliverNotificationsResult> {
  const notify = proxyActivities<Activities>({
    taskQueue: IO_TASK_QUEUE,
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: retry?.initialIntervalMs ?? 5000,
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      maximumAttempts: retry?.maximumAttempts ?? 8,
    },
  });
  const result: DeliverNotificationsResult = { delivered: [], failed: [] };
  await Promise.all(
    deliveryIds.map(async (deliveryId) => {
      try {
        const sent = await notify.deliverNotification({ deliveryId });
        // A delivery recorded failed before (a rerun) stays failed: nothing is sent again.
        (sent.status === 'delivered' ? result.delivered : result.failed).push(deliveryId);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        await notify.markDeliveryFailed({ deliveryId });
        result.failed.push(deliveryId);
      }
    }),
  );
  result.delivered.sort((a, b) => a - b);
  result.failed.sort((a, b) => a - b);
  return result;
}
