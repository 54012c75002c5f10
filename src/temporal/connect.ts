import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { temporalCliPath, type DriftwatchConfig } from '../config.ts';
import { installTemporalRuntime } from './runtime.ts';
import { ServiceUnavailableError } from '../errors.ts';

/** A connection to Temporal for clients and workers. */
export interface TemporalHandle {
  /** `host:port` of the frontend. */
  address: string;
  /** Whether this process started the embedded dev server (and stops it on close). */
  embedded: boolean;
  client: Client;
  /** Connection for workers. */
  nativeConnection: NativeConnection;
  namespace: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `TEMPORAL_ADDRESS` set → that cluster. Otherwise the embedded dev server: reuse the one another
 * driftwatch process serves (recorded in `home/temporal.server.json`), or start one whose state
 * persists in `home/temporal.db` and which stops when this process closes the handle.
 */
export async function openTemporal(config: DriftwatchConfig): Promise<TemporalHandle> {
  if (config.temporalAddress) return connectTo(config.temporalAddress, config.temporalNamespace);
  mkdirSync(config.home, { recursive: true });
  const lockPath = join(config.home, 'temporal.server.json');
  try {
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number; address: string };
    if (lock.pid !== process.pid && alive(lock.pid))
      return await connectTo(lock.address, config.temporalNamespace);
  } catch {
    // no usable lock: start our own
  }
  installTemporalRuntime();
  const port = await freePort();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath(config) },
      ip: '127.0.0.1',
      port,
      namespace: config.temporalNamespace,
      dbFilename: join(config.home, 'temporal.db'),
      // `--output none`: the server's banner would otherwise land on this process's stdout, which carries results.
      extraArgs: ['--log-level', 'error', '--output', 'none'],
    },
  });
  const address = `127.0.0.1:${port}`;
  writeFileSync(lockPath, JSON.stringify({ pid: process.pid, address }));
  return {
    address,
    embedded: true,
    client: env.client,
    nativeConnection: env.nativeConnection,
    namespace: config.temporalNamespace,
    async close() {
      rmSync(lockPath, { force: true });
      await env.teardown();
    },
  };
}
