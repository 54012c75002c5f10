import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type TemporalLogLevel } from '../config.ts';

let installed = false;

/**
 * Installs the Temporal core runtime once per process with a logger at `level` (default: the configuration's `TEMPORAL_LOG_LEVEL`, WARN):
 * worker state changes are routine and would drown driftwatch's own progress output. The runtime takes
 * no signals: commands that run workers (`worker`, `serve`) shut them down on SIGINT/SIGTERM
 * themselves, and any other command dies of the signal after leaving the embedded server (connect.ts).
 */
export function installTemporalRuntime(level?: TemporalLogLevel): void {
  if (installed) return;
  level ??= loadConfig().temporalLogLevel;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  } catch {
    // Already instantiated by an earlier connection in this process: keep it.
  }
}
