import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startNativePostgres } from '../scripts/lib/native-postgres.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the Temporal server binary found by scripts/setup.mjs. */
    temporalCli: string;
    /** URL of a native Postgres server with pgvector, or '' when none is available. */
    nativePostgresUrl: string;
  }
}

/** Reads .driftwatch/setup.json and starts a native Postgres unless TEST_DATABASE_URL names one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const setupFile = join('.driftwatch', 'setup.json');
  if (!existsSync(setupFile)) throw new Error('run `node scripts/setup.mjs` first (npm test does it)');
  const state = JSON.parse(readFileSync(setupFile, 'utf8')) as {
    temporal: string;
    postgresBin: string | null;
  };
  project.provide('temporalCli', state.temporal);
  let stop = async () => {};
  let url = process.env.TEST_DATABASE_URL ?? '';
  if (!url && state.postgresBin) {
    const pg = await startNativePostgres(state.postgresBin);
    url = pg.url;
    stop = pg.stop;
  }
  if (!url) console.warn('native Postgres unavailable: tests run on PGlite only');
  project.provide('nativePostgresUrl', url);
  return stop;
}
