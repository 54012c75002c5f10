/** Re-delivery of failed webhook events: which deliveries a request names, and the workflow that sends them. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { IO_TASK_QUEUE } from '../domain.ts';
import { AreaError, InputError } from '../errors.ts';
import { areaExists } from '../store/areas.ts';
import type { Queryable } from '../store/db.ts';
import { failedDeliveries, subscriptionArea, type FailedDelivery } from '../store/notifications.ts';
import type { DeliveryRetry } from '../../workflows/deliver-notifications.ts';
import {
  redeliverNotifications,
  type RedeliverNotificationsInput,
  type RedeliverNotificationsResult,
} from '../../workflows/redeliver-notifications.ts';

/** A handle of a redelivery run. */
export type RedeliveryHandle = WorkflowHandle<typeof redeliverNotifications>;

/** What `notify redeliver` asks for. */
export interface RedeliverRequest {
  /** The area whose failed deliveries are sent again. */
  areaId: string;
  /** Only this subscription's (of the area). */
  subscriptionId?: number;
  /** Only deliveries queued at or after this instant (ISO 8601). */
  since?: string;
}

/** A subscription id flag: a positive integer; anything else is bad input naming the value. */
export function parseSubscriptionId(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new InputError(`subscription id "${value}" is not a positive integer`);
  return n;
}

/** A `--since` value: an ISO 8601 date or date-time, returned as an ISO instant; anything else is bad input. */
export function parseSince(value: string): string {
  const t = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? Date.parse(value)
    : NaN;
  if (Number.isNaN(t)) throw new InputError(`--since "${value}" is not an ISO 8601 date`);
  return new Date(t).toISOString();
}

/**
 * The failed deliveries a request names, by id. An unknown area, an unknown subscription or one of another
 * area is bad input naming the value.
 */
export async function failedDeliveriesOf(
  db: Queryable,
  request: RedeliverRequest,
): Promise<FailedDelivery[]> {
  if (!(await areaExists(db, request.areaId))) throw new AreaError(`unknown area "${request.areaId}"`);
  if (request.subscriptionId !== undefined) {
    const area = await subscriptionArea(db, request.subscriptionId);
    if (area === undefined) throw new InputError(`unknown subscription ${request.subscriptionId}`);
    if (area !== request.areaId)
      throw new InputError(
        `subscription ${request.subscriptionId} is of area "${area}", not "${request.areaId}"`,
      );
  }
  return failedDeliveries(db, request);
}

/**
 * The workflow id of redelivering these failed deliveries as they stand now: a hash of their ids, attempts
 * and last re-queue time. A retried or concurrent call for the same failed deliveries gets the same id (and
 * joins the run that has it); once a run re-queued them they are no longer failed, and if they fail again
 * their attempts and re-queue time differ, so a later request is a new run.
 */
export function redeliveryWorkflowId(areaId: string, deliveries: readonly FailedDelivery[]): string {
  const key = deliveries.map((d) => `${d.id}:${d.attempts}:${d.requeuedAt ?? ''}`).join(',');
  return `notify-redeliver/${areaId}/${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * Starts the redelivery workflow of these failed deliveries, or returns the handle of the run already
 * started for them under the same id.
 */
export async function startRedelivery(
  client: Client,
  areaId: string,
  deliveries: readonly FailedDelivery[],
  retry?: DeliveryRetry,
): Promise<RedeliveryHandle> {
  const workflowId = redeliveryWorkflowId(areaId, deliveries);
  const input: RedeliverNotificationsInput = { deliveryIds: deliveries.map((d) => d.id), retry };
  try {
    return await client.workflow.start(redeliverNotifications, {
      workflowId,
      taskQueue: IO_TASK_QUEUE,
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return client.workflow.getHandle<typeof redeliverNotifications>(workflowId);
  }
}

/** The result of a redelivery run. */
export async function redeliveryResult(handle: RedeliveryHandle): Promise<RedeliverNotificationsResult> {
  return handle.result();
}
