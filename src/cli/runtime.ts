import { loadConfig, type DriftwatchConfig } from '../config.ts';
import type { Embedder } from '../embed/embedder.ts';
import { DEFAULT_HTTP } from '../imagery/http.ts';
import { formatRetry, onRetry } from '../imagery/retry-budget.ts';
import { openEmbedder } from '../embed/registry.ts';
import type { Db } from '../store/db.ts';
import { DbEvidenceStore } from '../store/db-evidence-store.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { dbConfigOf, openDb } from '../store/open.ts';
import { openTemporal, type TemporalHandle } from '../temporal/connect.ts';
import { createWorkers, type WorkerRole } from '../temporal/worker.ts';

/** What a CLI command works with; everything is opened lazily and closed once. */
export interface Runtime {
  config: DriftwatchConfig;
  db(): Promise<Db>;
  /** The evidence store over the database (importing files of the old evidence folder on first read). */
  evidence(): Promise<EvidenceStore>;
  temporal(): Promise<TemporalHandle>;
  embedder(): Promise<Embedder>;
  /**
   * Runs workers in this process until `stop()` is called. Commands that wait on a workflow call this
   * with the embedded Temporal server (`TemporalHandle.embedded`): nobody else need be polling it, and
   * the server, shared by every process of the home, stays up until the last of them closes.
   */
  startWorkers(role?: WorkerRole): Promise<{ stop(): Promise<void> }>;
  /** Prints progress to stderr (not to stdout, which carries results). */
  progress(message: string): void;
}

export async function withRuntime<T>(
  fn: (rt: Runtime) => Promise<T>,
  options: { quiet?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  let db: Promise<Db> | undefined;
  let temporal: Promise<TemporalHandle> | undefined;
  let embedder: Promise<Embedder> | undefined;
  const stops: Array<() => Promise<void>> = [];
  const progress = (message: string) => {
    if (!options.quiet) process.stderr.write(`${message}\n`);
  };
  // Sources fail for good once unavailable for the configured budget; every retry until then is shown.
  DEFAULT_HTTP.budgetMs = config.retryBudgetS * 1000;
  const stopRetryProgress = onRetry((notice) => progress(formatRetry(notice)));
  const rt: Runtime = {
    config,
    db: () => (db ??= openDb(dbConfigOf(config))),
    evidence: async () => new DbEvidenceStore(await rt.db(), { legacyDir: config.legacyEvidenceDir }),
    temporal: () => {
      temporal ??= openTemporal(config).then((t) => {
        if (t.embedded) progress(`temporal: embedded dev server on ${t.address}`);
        return t;
      });
      return temporal;
    },
    embedder: () =>
      (embedder ??= openEmbedder(config.model, { provider: config.provider, logger: progress })),
    async startWorkers(role = 'all') {
      const t = await rt.temporal();
      const workers = await createWorkers({
        connection: t.nativeConnection,
        namespace: t.namespace,
        role,
        deps: { db: await rt.db(), embedder: rt.embedder, evidence: await rt.evidence() },
      });
      const running = Promise.all(workers.map((w) => w.run()));
      const stop = async () => {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      };
      stops.push(stop);
      return { stop };
    },
    progress,
  };
  try {
    return await fn(rt);
  } finally {
    stopRetryProgress();
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (embedder) await (await embedder.catch(() => undefined))?.close();
    if (temporal) await (await temporal.catch(() => undefined))?.close();
    if (db) await (await db.catch(() => undefined))?.close();
  }
}

/** Prints a value as JSON (for --json) or through `text`. */
export function output<T>(value: T, json: boolean | undefined, text: (v: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text(value)}\n`);
}
