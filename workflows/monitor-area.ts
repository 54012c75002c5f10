import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { continueAsNew, executeChild, workflowInfo } from '@temporalio/workflow';
import { IO_TASK_QUEUE } from '../src/temporal/task-queues.ts';
import { io } from './activity-proxies.ts';
import { processAcquisition, type ProcessAcquisitionResult } from './process-acquisition.ts';

/** Input of `monitorArea`. */
export interface MonitorAreaInput {
  areaId: string;
  /** Process acquisitions up to this instant; default: the schedule's action time, else now. */
  until?: string;
  /** Chips per embedding batch. */
  batchSize?: number;
  /** Totals carried over continue-as-new. */
  carried?: MonitorAreaResult;
}

export interface MonitorAreaResult {
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
 * child workflow with a deterministic id.
 */
export async function monitorArea(input: MonitorAreaInput): Promise<MonitorAreaResult> {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START);
  const until = input.until ?? (scheduled ? scheduled.toISOString() : new Date().toISOString());
  const result: MonitorAreaResult = input.carried ?? {
    areaId: input.areaId,
    until,
    processed: 0,
    failed: 0,
    alertIds: [],
  };
  result.until = until;
  const pending = await io.discoverAcquisitions({ areaId: input.areaId, until });
  for (const [i, acquisition] of pending.entries()) {
    if (i >= ACQUISITIONS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof monitorArea>({ ...input, until, carried: result });
    }
    const r: ProcessAcquisitionResult = await executeChild(processAcquisition, {
      workflowId: `process/${input.areaId}/${acquisition.id}`,
      taskQueue: IO_TASK_QUEUE,
      args: [{ areaId: input.areaId, acquisition, batchSize: input.batchSize }],
    });
    if (r.status === 'processed') result.processed += 1;
    else result.failed += 1;
    for (const a of r.alerts) if (!result.alertIds.includes(a.id)) result.alertIds.push(a.id);
  }
  return result;
}
