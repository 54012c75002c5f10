import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Temporal core runtime once per process with a logger at WARN (or `TEMPORAL_LOG_LEVEL`):
 * worker state changes are routine and would drown driftwatch's own progress output. The runtime takes
 * no signals: commands that run workers (`worker`, `serve`) shut them down on SIGINT/SIGTERM
 * themselves, and any other command dies of the signal after leaving the embedded server (connect.ts).
 */
export function installTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN') as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  try {
    Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  } catch {
    // Already instantiated by an earlier connection in this process: keep it.
  }
}
