import { Context } from '@temporalio/activity';
import type { Embedder } from '../src/embed/embedder.ts';
import { openSource, type ImagerySource, type SourceConfig } from '../src/imagery/index.ts';
import type { FailedAcquisition, NearestAcquisitions } from '../src/pipeline/acquisition-report.ts';
import {
  discover,
  listFailed,
  listProcessed,
  markAcquisition,
  nearestAcquisitions,
  type AcquisitionRef,
  type Discovery,
} from '../src/pipeline/acquisitions.ts';
import { getArea } from '../src/pipeline/areas.ts';
import {
  assessArea,
  eventWindows,
  scoreStoredEmbeddings,
  type Assessment,
  type AssessWindows,
} from '../src/pipeline/assess.ts';
import { detectAcquisition, type DetectResult } from '../src/pipeline/detect-alerts.ts';
import { detectEvent, type DetectEventResult } from '../src/pipeline/detect-event.ts';
import { embedAcquisitionChips, type EmbedDeps, type EmbedChipsResult } from '../src/pipeline/embed-chips.ts';
import {
  deliverOnce,
  markDeliveryFailed,
  openDeliveries,
  requeueFailedDeliveries,
  type DeliveryAttempt,
} from '../src/notify/deliver.ts';
import type { EventKind } from '../src/domain.ts';
import { DeliveryError } from '../src/errors.ts';
import type { Db } from '../src/store/db.ts';
import type { EvidenceStore } from '../src/store/evidence-store.ts';
import { withFailures } from './failures.ts';

/** What the activities run on; tests inject real, small versions of each. */
export interface ActivityDeps {
  /** The database. */
  db: Db;
  /** Opens an imagery source from an area's source config. */
  openSource?: (config: SourceConfig) => ImagerySource;
  /** The embedding model (opened lazily by the caller, reused across calls). */
  embedder: () => Promise<Embedder>;
  /** Where evidence (chip renderings, alert tiles) is stored and read, by hash: the database, so workers need no shared disk. */
  evidence: EvidenceStore;
  /** Current time (ISO) for monitoring runs that have no scheduled time. */
  clock?: () => Date;
  /** Chip reader override (fault injection in tests). */
  readChips?: EmbedDeps['readChips'];
  /** Minimum valid fraction for a chip to be usable. */
  minValidFraction?: number;
  /** How long one webhook POST may take, in ms (default 10 s). */
  deliveryTimeoutMs?: number;
}

/** Embed result plus the model that produced it. */
export interface EmbedActivityResult extends EmbedChipsResult {
  modelId: string;
}

/** Heartbeat details of the embedding activity: where to resume. */
interface EmbedProgress {
  nextBatch: number;
}

export function createActivities(deps: ActivityDeps) {
  const open = deps.openSource ?? openSource;
  const clock = deps.clock ?? (() => new Date());
  return withFailures({
    /** Searches the area's source; returns the acquisitions to process, oldest first, and the skipped items. */
    async discoverAcquisitions(input: {
      areaId: string;
      until?: string;
      window?: { start: string; end: string };
    }): Promise<Discovery> {
      const area = await getArea(deps.db, input.areaId);
      return discover(deps.db, open(area.source), area, {
        until: input.until ?? clock().toISOString(),
        window: input.window,
        signal: Context.current().cancellationSignal,
      });
    },

    /** The nearest acquisitions of the area's source before and after a window (reads only). */
    async nearestAcquisitions(input: {
      areaId: string;
      window: { start: string; end: string };
    }): Promise<NearestAcquisitions> {
      const area = await getArea(deps.db, input.areaId);
      return nearestAcquisitions(open(area.source), area, input.window, {
        signal: Context.current().cancellationSignal,
      });
    },

    /** Failed acquisitions of the area inside the window, with their errors. */
    async listFailed(input: {
      areaId: string;
      window: { start: string; end: string };
    }): Promise<FailedAcquisition[]> {
      return listFailed(deps.db, input.areaId, input.window);
    },

    /** Reads, embeds and stores the acquisition's chips in batches; resumes from its last heartbeat. */
    async embedChips(input: {
      areaId: string;
      acquisitionId: number;
      batchSize: number;
      prompts?: string[];
    }): Promise<EmbedActivityResult> {
      const ctx = Context.current();
      const resume = (ctx.info.heartbeatDetails as EmbedProgress | undefined)?.nextBatch ?? 0;
      if (resume > 0)
        ctx.log.info('resuming embedding', { acquisitionId: input.acquisitionId, batch: resume });
      const embedder = await deps.embedder();
      const result = await embedAcquisitionChips(
        {
          db: deps.db,
          embedder,
          evidence: deps.evidence,
          readChips: deps.readChips,
          minValidFraction: deps.minValidFraction,
        },
        { ...input, startBatch: resume },
        {
          signal: ctx.cancellationSignal,
          onBatch: (nextBatch) => ctx.heartbeat({ nextBatch } satisfies EmbedProgress),
        },
      );
      return { ...result, modelId: embedder.id };
    },

    /** Scores every chip against its baseline, stores signals, raises or updates alerts with evidence. */
    async detectChanges(input: {
      areaId: string;
      acquisitionId: number;
      modelId: string;
      threshold?: number;
      /** Fusion window in days (default: the area's). */
      fusionDays?: number;
    }): Promise<DetectResult> {
      return detectAcquisition(deps.db, deps.evidence, input, {
        readChips: deps.readChips,
        minValidFraction: deps.minValidFraction,
      });
    },

    /**
     * Post-event detection: each processed post-event look against one pre-event reference look by the
     * pair detector; stores the detections and raises alerts with evidence (reads chips from the source).
     */
    async detectEvent(input: {
      areaId: string;
      eventDate: string;
      modelId: string;
      windows?: AssessWindows;
      threshold?: number;
      fusionDays?: number;
      event?: EventKind;
    }): Promise<DetectEventResult> {
      const { pre, post } = eventWindows(input.eventDate, input.windows);
      return detectEvent(
        {
          db: deps.db,
          evidence: deps.evidence,
          readChips: deps.readChips,
          minValidFraction: deps.minValidFraction,
        },
        {
          areaId: input.areaId,
          modelId: input.modelId,
          pre,
          post,
          threshold: input.threshold,
          fusionDays: input.fusionDays,
          event: input.event,
        },
      );
    },

    /** Records that an acquisition was processed or failed for an area. */
    async markAcquisition(input: {
      areaId: string;
      acquisitionId: number;
      status: 'processed' | 'failed';
      error?: { type: string; message: string };
    }): Promise<void> {
      await markAcquisition(deps.db, input.areaId, input.acquisitionId, input.status, input.error);
    },

    /** Processed acquisitions of the area inside the window, oldest first. */
    async listProcessed(input: {
      areaId: string;
      window: { start: string; end: string };
    }): Promise<AcquisitionRef[]> {
      return listProcessed(deps.db, input.areaId, input.window);
    },

    /** Scores extra prompts on stored embeddings (embedding queue: it needs the model). */
    async scorePrompts(input: {
      areaId: string;
      acquisitionIds: number[];
      prompts: string[];
    }): Promise<number> {
      return scoreStoredEmbeddings(
        deps.db,
        await deps.embedder(),
        input.areaId,
        input.acquisitionIds,
        input.prompts,
      );
    },

    /** Disaster-mode assessment over processed acquisitions around the event. */
    async assess(input: {
      areaId: string;
      eventDate: string;
      modelId: string;
      prompts: string[];
      windows?: AssessWindows;
    }): Promise<Assessment> {
      return assessArea(deps.db, input);
    },

    /** Queued webhook deliveries of the alert changes these acquisitions made in the area, by id. */
    async openDeliveries(input: { areaId: string; acquisitionIds: number[] }): Promise<number[]> {
      const ids: number[] = [];
      for (const a of input.acquisitionIds) ids.push(...(await openDeliveries(deps.db, input.areaId, a)));
      return ids;
    },

    /**
     * POSTs one queued webhook delivery and records the attempt; a non-2xx answer or no answer throws a
     * retryable DeliveryError so that Temporal retries it with backoff. Sends nothing once delivered.
     */
    async deliverNotification(input: { deliveryId: number }): Promise<DeliveryAttempt> {
      const ctx = Context.current();
      const result = await deliverOnce(deps.db, input.deliveryId, ctx.info.attempt, {
        signal: ctx.cancellationSignal,
        timeoutMs: deps.deliveryTimeoutMs,
      });
      if (result.status === 'retrying')
        throw new DeliveryError(`delivery ${input.deliveryId}: ${result.error ?? 'failed'}`);
      return result;
    },

    /** Puts failed deliveries back to pending for one redelivery run (`claim`); the ids it holds, by id. */
    async requeueDeliveries(input: { deliveryIds: number[]; claim: string }): Promise<number[]> {
      return requeueFailedDeliveries(deps.db, input.deliveryIds, input.claim);
    },

    /** Records a delivery as failed once its retries are spent. */
    async markDeliveryFailed(input: { deliveryId: number }): Promise<void> {
      await markDeliveryFailed(deps.db, input.deliveryId);
    },

    /** The id of the configured model (so workflows can name it without loading it). */
    async modelId(): Promise<string> {
      return (await deps.embedder()).id;
    },
  });
}

export type Activities = ReturnType<typeof createActivities>;
