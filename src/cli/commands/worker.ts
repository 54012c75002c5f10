import type { Command } from 'commander';
import { EMBED_TASK_QUEUE, IO_TASK_QUEUE } from '../../domain.ts';
import { InputError } from '../../errors.ts';
import type { WorkerRole } from '../../temporal/worker.ts';
import { withRuntime } from '../runtime.ts';

export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'run workers until interrupted (starts the embedded Temporal server unless TEMPORAL_ADDRESS is set)',
    )
    .option('--queue <role>', 'io, embed (GPU workers) or all', 'all')
    .action(async (o) => {
      if (!['io', 'embed', 'all'].includes(o.queue))
        throw new InputError(`--queue "${o.queue}": expected io, embed or all`);
      await withRuntime(async (rt) => {
        const t = await rt.temporal();
        const workers = await rt.startWorkers(o.queue as WorkerRole);
        const queues =
          o.queue === 'all'
            ? `${IO_TASK_QUEUE} and ${EMBED_TASK_QUEUE}`
            : o.queue === 'io'
              ? IO_TASK_QUEUE
              : EMBED_TASK_QUEUE;
        rt.progress(`worker: polling ${queues} on ${t.address}; Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        rt.progress('worker: shutting down…');
        await workers.stop();
      });
    });
}
