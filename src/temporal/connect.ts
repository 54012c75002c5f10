import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdirSync } from 'node:fs';
import { temporalCliPath, type DriftwatchConfig } from '../config.ts';
import { installTemporalRuntime } from './runtime.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { acquireDevServer, type DevServerLease } from './dev-server.ts';

/** A connection to Temporal for clients and workers. */
export interface TemporalHandle {
  /** `host:port` of the frontend. */
  address: string;
  /** Whether this is the home's embedded dev server (started or adopted by this process, shared with others). */
  embedded: boolean;
  /** The embedded dev server's process, and whether this process started it. */
  server?: { pid: number; started: boolean };
  client: Client;
  /** Connection for workers. */
  nativeConnection: NativeConnection;
  namespace: string;
  close(): Promise<void>;
}

/** Connects to a running cluster, failing within `timeoutMs` with the address in the message. */
export async function connectTo(
  address: string,
  namespace: string,
  timeoutMs = 5000,
): Promise<TemporalHandle> {
  installTemporalRuntime();
  let connection: Connection;
  let nativeConnection: NativeConnection;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    nativeConnection = await NativeConnection.connect({ address });
  } catch (err) {
    throw new ServiceUnavailableError(`Temporal at ${address} is unreachable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const client = new Client({ connection, namespace });
  return {
    address,
    embedded: false,
    client,
    nativeConnection,
    namespace,
    async close() {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/** Open leases of this process, released synchronously if it exits without closing them. */
const openLeases = new Set<DevServerLease>();

function releaseAllSync(): void {
  for (const l of openLeases) l.releaseSync();
  openLeases.clear();
}

/**
 * On a terminating signal that nothing else in the process handles (a command other than `worker` or
 * `serve`), leave the shared server before dying of that signal, as the process would have anyway.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // someone else shuts down gracefully and closes
  releaseAllSync();
  for (const s of SIGNALS) process.off(s, onSignal);
  process.kill(process.pid, signal);
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', releaseAllSync);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/**
 * `TEMPORAL_ADDRESS` set → that cluster. Otherwise the home's embedded dev server (`temporal server
 * start-dev`, state in `home/temporal.db`): the one already running for this home, adopted, or one this
 * process starts. Every process using it is counted; the last to close its handle stops it (see
 * `dev-server.ts` for the record, the lock and what happens when a process is killed).
 */
export async function openTemporal(config: DriftwatchConfig): Promise<TemporalHandle> {
  installTemporalRuntime(config.temporalLogLevel);
  if (config.temporalAddress) return connectTo(config.temporalAddress, config.temporalNamespace);
  mkdirSync(config.home, { recursive: true });
  const cli = temporalCliPath(config);
  const lease = await acquireDevServer({ home: config.home, cli, namespace: config.temporalNamespace });
  openLeases.add(lease);
  hookExit();
  let handle: TemporalHandle;
  try {
    handle = await connectTo(lease.address, config.temporalNamespace);
  } catch (err) {
    openLeases.delete(lease);
    await lease.release();
    throw err;
  }
  return {
    ...handle,
    embedded: true,
    server: { pid: lease.pid, started: lease.started },
    async close() {
      try {
        await handle.close();
      } finally {
        openLeases.delete(lease);
        await lease.release();
      }
    },
  };
}
