import { Command, CommanderError } from 'commander';
import { reportFailure } from './failure.ts';
import { debugEnabled } from '../config.ts';

/** A CLI command module: registers itself on the program. */
export interface CommandModule {
  register(program: Command): void;
}

// Each command lives in its own file under ./commands and is loaded here.
const modules: Array<() => Promise<CommandModule>> = [
  () => import('./commands/worker.ts'),
  () => import('./commands/area.ts'),
  () => import('./commands/monitor.ts'),
  () => import('./commands/assess.ts'),
  () => import('./commands/alerts.ts'),
  () => import('./commands/notify.ts'),
  () => import('./commands/sql.ts'),
  () => import('./commands/demo.ts'),
  () => import('./commands/serve.ts'),
  () => import('./commands/chips.ts'),
  () => import('./commands/compare.ts'),
  () => import('./commands/eval.ts'),
];

export async function buildProgram(): Promise<Command> {
  const program = new Command()
    .name('driftwatch')
    .description(
      'Watch areas of interest through satellite image time series and raise alerts when they change.',
    )
    .showHelpAfterError()
    .exitOverride();
  for (const load of modules) (await load()).register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    // One line naming the root cause; the stack only on request.
    const failure = reportFailure(err);
    process.stderr.write(`driftwatch: ${failure.type}: ${failure.message}\n`);
    if (debugEnabled() && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = failure.exitCode;
  }
}

await main(process.argv);
