import { ApplicationFailure, executeChild } from '@temporalio/workflow';
import {
  asDiscovery,
  type NearestAcquisitions,
  type SkipReport,
} from '../src/pipeline/acquisition-report.ts';
import type { AcquisitionRef, Discovery } from '../src/pipeline/acquisitions.ts';
import type { Assessment } from '../src/pipeline/assess.ts';
import type { DetectEventResult, EventLook } from '../src/pipeline/detect-event.ts';
import {
  DEFAULT_WINDOWS,
  eventWindows,
  IO_TASK_QUEUE,
  type AssessWindows,
  type EventKind,
} from '../src/domain.ts';
import { fusionDaysProblem } from '../src/detect/sensor-fusion.ts';
import { embed, io } from './activity-proxies.ts';
import type { DeliveryRetry } from './deliver-notifications.ts';
import { processAcquisition } from './process-acquisition.ts';
import { startNotifications } from './start-notifications.ts';

/** Input of `assessDisaster`. */
export interface AssessDisasterInput {
  areaId: string;
  /** ISO date of the event. */
  eventDate: string;
  /** Prompts whose affected area is reported (e.g. "flooded area"). */
  prompts: string[];
  /** Days before/after the event (default 60 / 30). */
  windows?: AssessWindows;
  batchSize?: number;
  /** Retry budget of webhook deliveries (default: deliver-notifications.ts). */
  deliveryRetry?: DeliveryRetry;
  /** Days within which optical and radar looks of a chip are fused (default: the area's). */
  fusionDays?: number;
  /** The kind of event: its own evidence ranks and alerts the chips (default: any change). */
  event?: EventKind;
}

/** The assessment, with the failed and skipped acquisitions of its windows and, for a window without any processed acquisition, the nearest ones outside it. */
export interface AssessDisasterResult extends Assessment, SkipReport {
  /** What the post-event detection compared: the pre-event reference and each post-event look. */
  detection: {
    reference: DetectEventResult['reference'];
    looks: Pick<EventLook, 'acquisition' | 'referenceLooks' | 'scored' | 'unscored' | 'changed'>[];
    reason?: string;
    /** The event kind whose evidence scored the chips; absent when any change did. */
    event?: EventKind;
  };
}

/**
 * On-demand assessment: processes the area's unprocessed acquisitions in the pre-event window (the
 * baseline) and the post-event window, scores the prompts, compares each post-event look with one
 * pre-event reference look by the pair detector (raising alerts with evidence), and reports.
 */
export async function assessDisaster(input: AssessDisasterInput): Promise<AssessDisasterResult> {
  const problem =
    input.fusionDays === undefined
      ? undefined
      : fusionDaysProblem(input.fusionDays, 'assessment fusion window');
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'InputError');
  const windows = input.windows ?? DEFAULT_WINDOWS;
  const { pre, post } = eventWindows(input.eventDate, windows);
  const window = { start: pre.start, end: post.end };
  const discovery: Discovery = asDiscovery(await io.discoverAcquisitions({ areaId: input.areaId, window }));
  const pending: AcquisitionRef[] = discovery.pending;
  for (const acquisition of pending) {
    await executeChild(processAcquisition, {
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
  }
  const modelId = await embed.modelId();
  const all: AcquisitionRef[] = await io.listProcessed({ areaId: input.areaId, window });
  await embed.scorePrompts({
    areaId: input.areaId,
    acquisitionIds: all.map((a) => a.id),
    prompts: input.prompts,
  });
  const detection: DetectEventResult = await io.detectEvent({
    areaId: input.areaId,
    eventDate: input.eventDate,
    modelId,
    windows,
    fusionDays: input.fusionDays,
    event: input.event,
  });
  await startNotifications(
    input.areaId,
    detection.looks.map((l) => l.acquisition.id),
    input.deliveryRetry,
  );
  const assessment = await io.assess({
    areaId: input.areaId,
    eventDate: input.eventDate,
    modelId,
    prompts: input.prompts,
    windows,
  });
  const nearest: NearestAcquisitions[] = [];
  for (const w of [assessment.preEvent, assessment.postEvent]) {
    if (w.acquisitions === 0)
      nearest.push(
        await io.nearestAcquisitions({ areaId: input.areaId, window: { start: w.start, end: w.end } }),
      );
  }
  return {
    ...assessment,
    detection: {
      reference: detection.reference,
      looks: detection.looks.map((l) => ({
        acquisition: l.acquisition,
        referenceLooks: l.referenceLooks,
        scored: l.scored,
        unscored: l.unscored,
        changed: l.changed,
      })),
      ...(detection.reason ? { reason: detection.reason } : {}),
      ...(input.event ? { event: input.event } : {}),
    },
    failures: await io.listFailed({ areaId: input.areaId, window }),
    skipped: discovery.skipped,
    skippedTotal: discovery.skippedTotal,
    nearest,
  };
}
