import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.ts';

/** Everything driftwatch reads from the environment, in one place. */
export interface DriftwatchConfig {
  /** Folder for the embedded database and the Temporal dev server's state (`DRIFTWATCH_HOME`, default `.driftwatch`). */
  home: string;
  /** Postgres server URL (`DATABASE_URL`); unset → embedded PGlite under `home/db`. */
  databaseUrl?: string;
  /** Temporal frontend `host:port` (`TEMPORAL_ADDRESS`); unset → an embedded dev server started by the CLI. */
  temporalAddress?: string;
  /** Temporal namespace (`TEMPORAL_NAMESPACE`, default `default`). */
  temporalNamespace: string;
  /** Evidence folder of releases that kept evidence on disk, read once per file and imported into the database (`DRIFTWATCH_EVIDENCE_DIR`, default `home/evidence`). */
  legacyEvidenceDir: string;
  /** Embedding model: `spectral` (default) or a Git-RSCLIP model folder (`DRIFTWATCH_MODEL`). */
  model: string;
  /** Path of a `temporal` binary for the embedded dev server (`TEMPORAL_CLI`); default: found by setup or on PATH. */
  temporalCli?: string;
  /** ONNX execution provider for model folders (`DRIFTWATCH_PROVIDER`: auto, cpu, cuda, webgpu). */
  provider: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  /** Seconds an imagery source may stay unavailable before its requests fail for good (`DRIFTWATCH_RETRY_BUDGET_S`, default 60). */
  retryBudgetS: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): DriftwatchConfig {
  const home = resolve(env.DRIFTWATCH_HOME ?? '.driftwatch');
  const provider = (env.DRIFTWATCH_PROVIDER ?? 'auto') as DriftwatchConfig['provider'];
  if (!['auto', 'cpu', 'cuda', 'webgpu'].includes(provider)) {
    throw new ConfigError(`DRIFTWATCH_PROVIDER is "${provider}"; expected auto, cpu, cuda or webgpu`);
  }
  const address = env.TEMPORAL_ADDRESS?.trim();
  if (address && !/^[^\s:/]+:\d+$/.test(address)) {
    throw new ConfigError(`TEMPORAL_ADDRESS is "${address}"; expected host:port, e.g. localhost:7233`);
  }
  const budget = env.DRIFTWATCH_RETRY_BUDGET_S?.trim() || '60';
  const retryBudgetS = Number(budget);
  if (!(/^\d+(\.\d+)?$/.test(budget) && retryBudgetS > 0 && retryBudgetS <= 86_400)) {
    throw new ConfigError(
      `DRIFTWATCH_RETRY_BUDGET_S is "${budget}"; expected a number of seconds from 0 to 86400 (not 0)`,
    );
  }
  return {
    home,
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    temporalAddress: address || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE?.trim() || 'default',
    legacyEvidenceDir: resolve(env.DRIFTWATCH_EVIDENCE_DIR ?? join(home, 'evidence')),
    model: env.DRIFTWATCH_MODEL?.trim() || 'spectral',
    provider,
    temporalCli: env.TEMPORAL_CLI?.trim() || undefined,
    retryBudgetS,
  };
}

/** The Temporal server binary: `TEMPORAL_CLI`, the one recorded by setup, or `temporal` on PATH. */
export function temporalCliPath(config: DriftwatchConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (config.temporalCli) return config.temporalCli;
  // Setup records the binary in the project's .driftwatch/setup.json (and a custom home may have its own).
  const projectHome = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.driftwatch');
  for (const setupFile of [join(config.home, 'setup.json'), join(projectHome, 'setup.json')]) {
    if (!existsSync(setupFile)) continue;
    const recorded = (JSON.parse(readFileSync(setupFile, 'utf8')) as { temporal?: string }).temporal;
    if (recorded && existsSync(recorded)) return recorded;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  throw new ConfigError(
    'no Temporal server binary: run `npm run setup`, install the Temporal CLI, set TEMPORAL_CLI, or set TEMPORAL_ADDRESS to a running cluster',
  );
}
