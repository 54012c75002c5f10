/**
 * A workflow that fails prints its root cause in one line, with the exit status of its error class,
 * not a WorkflowFailedError stack. Each run starts an embedded Temporal server: slow, so few cases.
 */
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { cliRunner, type CliResult } from './helpers/cli-run.ts';
import { rowCounts } from './helpers/row-counts.ts';

const VALLEY = {
  type: 'Polygon',
  coordinates: [
    [
      [13.4, 52.5],
      [13.42, 52.5],
      [13.42, 52.51],
      [13.4, 52.51],
      [13.4, 52.5],
    ],
  ],
};

describe('workflow failures through the CLI (embedded database)', () => {
  const home = mkdtempSync(join(tmpdir(), 'dw-wf-fail-'));
  const folder = join(home, 'imagery');
  let db: Db;
  let cli: (...args: string[]) => Promise<CliResult>;
  let api: string;

  beforeAll(async () => {
    mkdirSync(folder);
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    await new Promise((r) => s.close(r)); // nothing listens there any more
    db = await openDb({ dataDir: join(home, 'db') });
    cli = cliRunner(home, '', { DRIFTWATCH_RETRY_BUDGET_S: '5' });
    await addArea(db, { id: 'gone', geojson: VALLEY, source: { kind: 'local', path: folder }, chipPx: 32 });
    await addArea(db, {
      id: 'remote',
      geojson: VALLEY,
      source: { kind: 'stac-api', url: api, collection: 'sentinel-2-l2a' },
      chipPx: 32,
    });
    rmSync(folder, { recursive: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('monitor run on a folder that is gone', async () => {
    const before = await rowCounts(db);
    const r = await cli('monitor', 'run', 'gone');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('driftwatch:'))).toEqual([
      `driftwatch: SourceError: local source ${folder} does not exist`,
    ]);
    expect(r.stderr).not.toMatch(/WorkflowFailedError|\n\s+at /);
    expect(r.status).toBe(2);
    expect(await rowCounts(db)).toEqual(before);
  }, 120_000);

  it('monitor run on a STAC API that refuses connections fails after one pass, exit 3', async () => {
    const before = await rowCounts(db);
    const started = Date.now();
    const r = await cli('monitor', 'run', 'remote');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('driftwatch:'))).toEqual([
      `driftwatch: SourceUnavailableError: POST ${api}/search: fetch failed (connect ECONNREFUSED ${api.slice(7)}) on all 4 attempts; check the URL and that its server is running`,
    ]);
    expect(r.stderr.match(/^source: POST .* failed/gm)).toHaveLength(3);
    expect(r.status).toBe(3);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await rowCounts(db)).toEqual(before);
  }, 120_000);
});
