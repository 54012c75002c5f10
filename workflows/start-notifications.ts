import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { isCancellation, log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { io } from './activity-proxies.ts';
import { deliverNotifications, type DeliveryRetry } from './deliver-notifications.ts';

/**
 * Starts delivery of the webhook events that these acquisitions' alert changes queued, as a child workflow
 * with the ABANDON parent-close policy, and returns as soon as it has started: the caller never waits for
 * (or fails on) a webhook, nor on the
 * queue's read. The child's id names its deliveries, so a replay or retry of the caller starts
 * nothing new while it runs, and a later one sends only what is still undelivered.
 */
export async function startNotifications(
  areaId: string,
  acquisitionIds: number[],
  retry?: DeliveryRetry,
): Promise<void> {
  try {
    const deliveryIds: number[] = await io.openDeliveries({ areaId, acquisitionIds });
    if (deliveryIds.length === 0) return;
    await startChild(deliverNotifications, {
      workflowId: `notify/${areaId}/${deliveryIds[0]}-${deliveryIds[deliveryIds.length - 1]}`,
      taskQueue: IO_TASK_QUEUE,
      args: [{ deliveryIds, retry }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // Already running for these deliveries, or the queue could not be read: monitoring goes on either way
    // (unsent events stay queued as pending in notify_deliveries; deliverNotifications with their ids sends them).
    if (isCancellation(err)) throw err; // the caller was cancelled: not a webhook matter
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      log.warn('webhook delivery not started', { areaId, error: String(err) });
  }
}
