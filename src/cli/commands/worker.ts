import type { Command } from 'commander';
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
        rt.progress(
          `worker: polling ${o.queue === 'all' ? 'driftwatch-io and driftwatch-embed' : `driftwatch-${o.queue}`} on ${t.address}; Ctrl-C to stop`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        rt.progress('worker: shutting down…');
        await workers.stop();
      });
    });
}
