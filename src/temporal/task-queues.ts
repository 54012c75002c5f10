/** I/O work: search, read, store, detect, alert. */
export const IO_TASK_QUEUE = 'driftwatch-io';
/** Model inference: a GPU worker can poll only this queue. */
export const EMBED_TASK_QUEUE = 'driftwatch-embed';
