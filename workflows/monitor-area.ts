import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { ApplicationFailure, continueAsNew, executeChild, workflowInfo } from '@temporalio/workflow';
import {
  addSkipped,
  asDiscovery,
  MAX_REPORTED_SKIPS,
  type SkipReport,
} from '../src/pipeline/acquisition-report.ts';
import type { Discovery } from '../src/pipeline/acquisitions.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { fusionDaysProblem } from '../src/detect/sensor-fusion.ts';
import { io } from './activity-proxies.ts';
import type { DeliveryRetry } from './deliver-notifications.ts';
import { processAcquisition, type ProcessAcquisitionResult } from './process-acquisition.ts';

/** Input of `monitorArea`. */
export interface MonitorAreaInput {
  areaId: string;
  /** Process acquisitions up to this instant; default: the schedule's action time, else now. */
  until?: string;
  /** Chips per embedding batch. */
  batchSize?: number;
  /** Retry budget of webhook deliveries (default: deliver-notifications.ts). */
  deliveryRetry?: DeliveryRetry;
  /**
   * Days within which optical and radar looks of a chip are fused (default: the area's). A schedule's
   * action holds the window it was started with (`monitor start`), so its runs keep using it.
   */
  fusionDays?: number;
  /** Totals carried over continue-as-new. */
  carried?: MonitorAreaResult;
}

export interface MonitorAreaResult extends SkipReport {
  areaId: string;
  until: string;
  processed: number;
  failed: number;
  /** Ids of alerts raised or updated. */
  alertIds: number[];
}

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
/** Continue as new after this many acquisitions, so long backlogs keep histories short. */
export const ACQUISITIONS_PER_RUN = 25;

/**
 * One monitoring pass: finds acquisitions newer than the last processed one (up to the scheduled
 * time, so schedule backfills replay the past in order) and processes them oldest first, each as a
 * child workflow with a deterministic id. The result names failed acquisitions and skipped items with
 * their errors and, when an area that never had an acquisition finds none, the nearest ones outside.
 */
export async function monitorArea(input: MonitorAreaInput): Promise<MonitorAreaResult> {
  const problem =
    input.fusionDays === undefined
      ? undefined
      : fusionDaysProblem(input.fusionDays, 'monitoring fusion window');
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'InputError');
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START);
  const until = input.until ?? (scheduled ? scheduled.toISOString() : new Date().toISOString());
  const result: MonitorAreaResult = input.carried ?? {
    areaId: input.areaId,
    until,
    processed: 0,
    failed: 0,
    alertIds: [],
    failures: [],
    skipped: [],
    skippedTotal: 0,
    nearest: [],
  };
  result.until = until;
  const discovery: Discovery = asDiscovery(await io.discoverAcquisitions({ areaId: input.areaId, until }));
  const pending = discovery.pending;
  if (!input.carried) {
    for (const s of discovery.skipped) addSkipped(result, s);
    result.skippedTotal += discovery.skippedTotal - discovery.skipped.length;
    if (pending.length === 0 && !discovery.seenBefore)
      result.nearest.push(await io.nearestAcquisitions({ areaId: input.areaId, window: discovery.window }));
  }
  for (const [i, acquisition] of pending.entries()) {
    if (i >= ACQUISITIONS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof monitorArea>({ ...input, until, carried: result });
    }
    const r: ProcessAcquisitionResult = await executeChild(processAcquisition, {
      workflowId: `process/${input.areaId}/${acquisition.id}`,
      taskQueue: IO_TASK_QUEUE,
      args: [
        {
          areaId: input.areaId,
          acquisition,
          batchSize: input.batchSize,
          deliveryRetry: input.deliveryRetry,
          ...(input.fusionDays !== undefined ? { fusionDays: input.fusionDays } : {}),
        },
      ],
    });
    if (r.status === 'processed') result.processed += 1;
    else {
      result.failed += 1;
      if (result.failures.length < MAX_REPORTED_SKIPS) {
        result.failures.push({
          id: acquisition.id,
          itemId: acquisition.itemId,
          datetime: acquisition.datetime,
          type: r.error?.type ?? 'Error',
          message: r.error?.message ?? '',
        });
      }
    }
    for (const a of r.alerts) if (!result.alertIds.includes(a.id)) result.alertIds.push(a.id);
  }
  return result;
}
