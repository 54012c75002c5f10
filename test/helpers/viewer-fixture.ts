/**
 * The data the viewer tests browse: a database and its evidence folder. Today a freshly seeded
 * in-memory database; a demo database can replace it without touching the assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../src/store/db.ts';
import { openDb } from '../../src/store/open.ts';
import { seedViewerData } from './seed-viewer.ts';

/** A database to browse, with where its evidence lives. */
export interface ViewerFixture {
  /** The database (only read by the viewer). */
  db: Db;
  /** Folder the evidence files' stored paths are relative to. */
  evidenceDir: string;
  /** How many alerts the fixture is known to hold, when known in advance. */
  expectedAlertCount?: number;
  /** Closes the database and removes temporary files. */
  close(): Promise<void>;
}

/** An in-memory database seeded with one area and two alerts whose evidence PNGs are rendered with sharp. */
export async function seededViewerFixture(): Promise<ViewerFixture> {
  const evidenceDir = mkdtempSync(join(tmpdir(), 'driftwatch-evidence-'));
  const db = await openDb({ dataDir: 'memory://' });
  await seedViewerData(db, evidenceDir);
  return {
    db,
    evidenceDir,
    expectedAlertCount: 2,
    async close() {
      await db.close();
      rmSync(evidenceDir, { recursive: true, force: true });
    },
  };
}

/**
 * The database of a real `driftwatch demo` run (a small 256-px series, so 16 chips over 12 acquisitions),
 * in a temporary DRIFTWATCH_HOME. The demo process has exited when this resolves; the test opens its
 * embedded database.
 */
export async function demoViewerFixture(): Promise<ViewerFixture & { demoOutput: string }> {
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
    evidenceDir: join(home, 'evidence'),
    demoOutput: run.stdout,
    async close() {
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
