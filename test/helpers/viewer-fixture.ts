/**
 * The data the viewer tests browse: a database and its evidence store. Today a freshly seeded
 * in-memory database; a demo database can replace it without touching the assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../src/store/db.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import type { EvidenceReader } from '../../src/store/evidence-store.ts';
import { openDb } from '../../src/store/open.ts';
import { seedViewerData } from './seed-viewer.ts';

/** A database to browse, with where its evidence lives. */
export interface ViewerFixture {
  /** The database (only read by the viewer). */
  db: Db;
  /** Where its evidence is read, by hash. */
  evidence: EvidenceReader;
  /** How many alerts the fixture is known to hold, when known in advance. */
  expectedAlertCount?: number;
  /** Closes the database and removes temporary files. */
  close(): Promise<void>;
}

/** An in-memory database seeded with one area and two alerts whose evidence PNGs are rendered with sharp. */
export async function seededViewerFixture(): Promise<ViewerFixture> {
  const db = await openDb({ dataDir: 'memory://' });
  await seedViewerData(db);
  return {
    db,
    evidence: new DbEvidenceStore(db),
    expectedAlertCount: 2,
    async close() {
      await db.close();
    },
  };
}

/**
 * The database of a real `driftwatch demo` run (a small 256-px series, so 16 chips over 12 acquisitions),
 * in a temporary DRIFTWATCH_HOME. The demo process has exited when this resolves; the test opens its
 * embedded database.
 */
export async function demoViewerFixture(): Promise<ViewerFixture & { demoOutput: string; home: string }> {
  const { spawnSync } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const home = mkdtempSync(join(tmpdir(), 'driftwatch-demo-'));
  const run = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), 'src/cli/main.ts', 'demo', '--size', '256'],
    {
      env: { ...process.env, DRIFTWATCH_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' },
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  if (run.status !== 0) throw new Error(`demo failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  const db = await openDb({ dataDir: join(home, 'db') });
  return {
    db,
    evidence: new DbEvidenceStore(db),
    demoOutput: run.stdout,
    home,
    async close() {
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
