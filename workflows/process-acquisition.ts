import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { AcquisitionRef } from '../src/pipeline/acquisitions.ts';
import type { AlertRef } from '../src/pipeline/detect-alerts.ts';
import { embed, io } from './activity-proxies.ts';
import type { DeliveryRetry } from './deliver-notifications.ts';
import { startNotifications } from './start-notifications.ts';

/** Input of `processAcquisition`: references only. */
export interface ProcessAcquisitionInput {
  areaId: string;
  acquisition: AcquisitionRef;
  /** Chips per embedding batch (default 16). */
  batchSize?: number;
  /** Prompts to score besides the defaults. */
  prompts?: string[];
  /** Retry budget of the webhook deliveries its alert changes queue (default: deliver-notifications.ts). */
  deliveryRetry?: DeliveryRetry;
  /** Days within which optical and radar looks of a chip are fused (default: the area's). */
  fusionDays?: number;
}

export interface ProcessAcquisitionResult {
  acquisitionId: number;
  status: 'processed' | 'failed';
  chips: number;
  usable: number;
  alerts: AlertRef[];
  error?: { type: string; message: string };
}

/**
 * read chips → embed in batches → store → detect → alert → start webhook deliveries (not awaited), for
 * one acquisition of one area.
 * Bad input (a corrupt raster, a missing band) marks the acquisition failed and returns normally, so
 * the parent goes on with the others; transient faults are retried by the activities' policy.
 */
export async function processAcquisition(input: ProcessAcquisitionInput): Promise<ProcessAcquisitionResult> {
  const { areaId, acquisition } = input;
  try {
    const embedded = await embed.embedChips({
      areaId,
      acquisitionId: acquisition.id,
      batchSize: input.batchSize ?? 16,
      prompts: input.prompts,
    });
    const detected = await io.detectChanges({
      areaId,
      acquisitionId: acquisition.id,
      modelId: embedded.modelId,
      ...(input.fusionDays !== undefined ? { fusionDays: input.fusionDays } : {}),
    });
    await io.markAcquisition({ areaId, acquisitionId: acquisition.id, status: 'processed' });
    await startNotifications(areaId, [acquisition.id], input.deliveryRetry);
    return {
      acquisitionId: acquisition.id,
      status: 'processed',
      chips: embedded.chips,
      usable: embedded.usable,
      alerts: detected.alerts,
    };
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      const error = { type: err.cause.type ?? 'Error', message: err.cause.message };
      await io.markAcquisition({ areaId, acquisitionId: acquisition.id, status: 'failed', error });
      return { acquisitionId: acquisition.id, status: 'failed', chips: 0, usable: 0, alerts: [], error };
    }
    throw err;
  }
}
