import type { NativeConnection } from '@temporalio/worker';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createRequire } from 'node:module';
import { createActivities, type ActivityDeps } from '../../activities/index.ts';
import { EMBED_TASK_QUEUE, IO_TASK_QUEUE } from '../domain.ts';

const require = createRequire(import.meta.url);
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflows bundled once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows/index.ts'),
    logger: quietLogger,
  });
  return bundle;
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** Which queues a worker polls. */
export type WorkerRole = 'all' | 'io' | 'embed';

/** Options of `createWorkers`. */
export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  /** `io` polls driftwatch-io, `embed` only driftwatch-embed (GPU workers), `all` both. */
  role?: WorkerRole;
  /** Concurrent embedding activities (default 1: one model, one batch at a time). */
  embedConcurrency?: number;
}

/** Creates the workers for the role; run them with `Promise.all(workers.map((w) => w.run()))`. */
export async function createWorkers(options: WorkerOptions): Promise<Worker[]> {
  const activities = createActivities(options.deps);
  const role = options.role ?? 'all';
  const workers: Worker[] = [];
  if (role !== 'embed') {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: IO_TASK_QUEUE,
        workflowBundle: await workflowBundle(),
        activities,
      }),
    );
  }
  if (role !== 'io') {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: EMBED_TASK_QUEUE,
        activities,
        maxConcurrentActivityTaskExecutions: options.embedConcurrency ?? 1,
      }),
    );
  }
  return workers;
}
