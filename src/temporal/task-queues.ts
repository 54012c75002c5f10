/** The task queues live in src/domain.ts with the other domain constants; this path re-exports them. */
export { EMBED_TASK_QUEUE, IO_TASK_QUEUE } from '../domain.ts';
