import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { Secret } from './secret.ts';

/** Log levels of the Temporal core runtime. */
export const TEMPORAL_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type TemporalLogLevel = (typeof TEMPORAL_LOG_LEVELS)[number];

/** ONNX execution providers a model folder can run on. */
export const PROVIDERS = ['auto', 'cpu', 'cuda', 'webgpu'] as const;

/**
 * Everything driftwatch reads from the environment, in one place: no other module reads `process.env`
 * (the child processes driftwatch starts inherit it unchanged).
 */
export interface DriftwatchConfig {
  /** Folder for the embedded database and the Temporal dev server's state (`DRIFTWATCH_HOME`, default `.driftwatch`). */
  home: string;
  /** Folder of the embedded PGlite database: always `home/db`. */
  dbDir: string;
  /** Postgres server URL (`DATABASE_URL`); unset → embedded PGlite in `dbDir`. */
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
  /** ONNX execution provider for model folders (`DRIFTWATCH_PROVIDER`: auto, cpu, cuda, webgpu; default auto). */
  provider: (typeof PROVIDERS)[number];
  /** Seconds an imagery source may stay unavailable before its requests fail for good (`DRIFTWATCH_RETRY_BUDGET_S`, default 60). */
  retryBudgetS: number;
  /** Log level of the Temporal core runtime (`TEMPORAL_LOG_LEVEL`: TRACE, DEBUG, INFO, WARN, ERROR; default WARN). */
  temporalLogLevel: TemporalLogLevel;
  /** Print the stack of a failing command (`DRIFTWATCH_DEBUG` set to anything but the empty string). */
  debug: boolean;
  /** Planetary Computer subscription key sent to its SAS token API (`PC_SDK_SUBSCRIPTION_KEY`, as PC's own SDK names it); printed redacted. */
  pcSubscriptionKey?: Secret;
  /** NASA Earthdata user token sent as a bearer token to Earthdata hosts over https (`EARTHDATA_TOKEN`); printed redacted. */
  earthdataToken?: Secret;
}

/** A variable's text, trimmed; unset or blank → undefined. */
const text = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

/** A check that names the variable and its value when it fails. */
function checked<T>(
  name: string,
  expected: string,
  parse: (value: string) => T | undefined,
): z.ZodType<T | undefined, string | undefined> {
  return text.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const parsed = parse(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} is "${value}"; expected ${expected}`, input: value });
      return z.NEVER;
    }
    return parsed;
  });
}

const envSchema = z.object({
  DRIFTWATCH_HOME: z.string().optional(),
  DATABASE_URL: text,
  TEMPORAL_ADDRESS: checked('TEMPORAL_ADDRESS', 'host:port, e.g. localhost:7233', (v) =>
    /^[^\s:/]+:\d+$/.test(v) ? v : undefined,
  ),
  TEMPORAL_NAMESPACE: text,
  DRIFTWATCH_EVIDENCE_DIR: z.string().optional(),
  DRIFTWATCH_MODEL: text,
  TEMPORAL_CLI: text,
  // Not trimmed: the value is matched exactly, as before.
  DRIFTWATCH_PROVIDER: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const provider = v ?? 'auto';
      if ((PROVIDERS as readonly string[]).includes(provider)) return provider as (typeof PROVIDERS)[number];
      ctx.addIssue({
        code: 'custom',
        message: `DRIFTWATCH_PROVIDER is "${provider}"; expected auto, cpu, cuda or webgpu`,
        input: v,
      });
      return z.NEVER;
    }),
  DRIFTWATCH_RETRY_BUDGET_S: checked(
    'DRIFTWATCH_RETRY_BUDGET_S',
    'a number of seconds from 0 to 86400 (not 0)',
    (v) => {
      const n = Number(v);
      return /^\d+(\.\d+)?$/.test(v) && n > 0 && n <= 86_400 ? n : undefined;
    },
  ),
  TEMPORAL_LOG_LEVEL: checked('TEMPORAL_LOG_LEVEL', 'TRACE, DEBUG, INFO, WARN or ERROR', (v) =>
    (TEMPORAL_LOG_LEVELS as readonly string[]).includes(v.toUpperCase())
      ? (v.toUpperCase() as TemporalLogLevel)
      : undefined,
  ),
  DRIFTWATCH_DEBUG: z.string().optional(),
  PC_SDK_SUBSCRIPTION_KEY: text,
  EARTHDATA_TOKEN: text,
});

/** Every environment variable loadConfig reads (README's table documents each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/**
 * Reads and checks the environment; a bad value raises ConfigError naming the variable, its value and
 * what was expected (every bad value, one per clause).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DriftwatchConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '));
  const e = parsed.data;
  const home = resolve(e.DRIFTWATCH_HOME ?? '.driftwatch');
  return {
    home,
    dbDir: join(home, 'db'),
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE ?? 'default',
    legacyEvidenceDir: resolve(e.DRIFTWATCH_EVIDENCE_DIR ?? join(home, 'evidence')),
    model: e.DRIFTWATCH_MODEL ?? 'spectral',
    provider: e.DRIFTWATCH_PROVIDER,
    temporalCli: e.TEMPORAL_CLI,
    retryBudgetS: e.DRIFTWATCH_RETRY_BUDGET_S ?? 60,
    temporalLogLevel: e.TEMPORAL_LOG_LEVEL ?? 'WARN',
    debug: debugEnabled(env),
    pcSubscriptionKey:
      e.PC_SDK_SUBSCRIPTION_KEY === undefined ? undefined : new Secret(e.PC_SDK_SUBSCRIPTION_KEY),
    earthdataToken: e.EARTHDATA_TOKEN === undefined ? undefined : new Secret(e.EARTHDATA_TOKEN),
  };
}

/** Whether `DRIFTWATCH_DEBUG` asks for stacks; read on its own so that a failure of loadConfig can still honour it. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.DRIFTWATCH_DEBUG;
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
