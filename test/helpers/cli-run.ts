/** Runs the CLI in its own process against a given home and database (asynchronously). */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Exit status and output of one CLI run. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A CLI runner for `home` and, when given, a native Postgres `databaseUrl` (else the embedded database). */
export function cliRunner(home: string, databaseUrl = '', env: Record<string, string> = {}) {
  return (...args: string[]): Promise<CliResult> =>
    new Promise((done) => {
      execFile(
        process.execPath,
        [require.resolve('tsx/cli'), 'src/cli/main.ts', ...args],
        {
          env: {
            ...process.env,
            DRIFTWATCH_HOME: home,
            DATABASE_URL: databaseUrl,
            TEMPORAL_ADDRESS: '',
            ...env,
          },
        },
        (err, stdout, stderr) =>
          done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
}
