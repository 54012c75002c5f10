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
