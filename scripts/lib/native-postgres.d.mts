// Types of native-postgres.mjs, the plain ESM helper shared by the tests' global setup, .ci/run and the benchmarks.

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;
/** The unprivileged user PostgreSQL runs as when this process is root (empty otherwise). */
export function runAs(): { uid?: number; gid?: number };
/** The server's version and the pgvector version it offers. */
export function nativePostgresVersions(binDir: string, url: string): { server: string; pgvector: string };
/** A throwaway server started by startNativePostgres. */
export interface NativePostgres {
  /** Connection URL of its `postgres` database. */
  url: string;
  /** Its data folder (removed by stop). */
  dataDir: string;
  /** The postmaster's process id. */
  pid: number | undefined;
  /** Stops the server (fast shutdown) and starts it again on the same port and data after `downMs`. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts a throwaway server from `binDir` on a free local port. */
export function startNativePostgres(binDir: string): Promise<NativePostgres>;
