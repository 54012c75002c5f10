import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/errors.ts';
import { EMBED_TASK_QUEUE, IO_TASK_QUEUE } from '../src/domain.ts';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** Search, store, detect: the I/O queue. */
export const io = proxyActivities<Activities>({
  taskQueue: IO_TASK_QUEUE,
  startToCloseTimeout: '10 minutes',
  retry,
});

/** Model inference: the embedding queue. Long batches heartbeat; a lost worker is noticed within the heartbeat timeout. */
export const embed = proxyActivities<Activities>({
  taskQueue: EMBED_TASK_QUEUE,
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '15 seconds',
  retry,
});
