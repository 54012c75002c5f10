import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ActivityFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AreaError } from '../src/errors.ts';
import { addArea } from '../src/pipeline/areas.ts';
import { openDb } from '../src/store/open.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { startNativePostgres } from '../scripts/lib/native-postgres.mjs';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { rowCounts } from './helpers/row-counts.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { runPipelineWorkers, startTemporal } from './helpers/temporal.ts';

const require = createRequire(import.meta.url);
describe('bad input and faults in workflows', () => {
  let env: TestWorkflowEnvironment;
  let server: RangeServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dw-series-'));
    server = await startRangeServer(dir);
    env = await startTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
    await server?.close();
  });

  it('an unknown area id fails the run at once with a non-retryable AreaError naming it', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    const { stop } = await runPipelineWorkers(env, db);
    try {
      const err = await env.client.workflow
        .execute('monitorArea', {
          taskQueue: IO_TASK_QUEUE,
          workflowId: 'unknown-area',
          args: [{ areaId: 'nowhere' }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const activity = (err as WorkflowFailedError).cause;
      expect(activity).toBeInstanceOf(ActivityFailure);
      const app = (activity as ActivityFailure).cause as ApplicationFailure;
      expect(app.type).toBe('AreaError');
      expect(app.nonRetryable).toBe(true);
      expect(app.message).toBe('unknown area "nowhere"');
    } finally {
      await stop();
      await db.close();
    }
  });

  it('invalid GeoJSON is refused with a typed error, by the API and by the CLI, and nothing is stored', async () => {
    const db = await openDb({ dataDir: 'memory://' });
    const unclosed = {
      type: 'Polygon',
      coordinates: [
        [
          [10, 45],
          [10.1, 45],
          [10.1, 45.1],
          [10, 45.1],
        ],
      ],
    };
    await expect(
      addArea(db, { id: 'bad', geojson: unclosed, source: { kind: 'local', path: dir } }),
    ).rejects.toThrow(AreaError);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM areas')).rows[0]!.n).toBe(0);
    await db.close();

    const file = join(dir, 'bad.geojson');
    writeFileSync(file, JSON.stringify({ type: 'Point', coordinates: [10, 45] }));
    const home = mkdtempSync(join(tmpdir(), 'dw-home-'));
    const cli = spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), 'src/cli/main.ts', 'area', 'add', 'bad', file, '--source', dir],
      {
        env: { ...process.env, DRIFTWATCH_HOME: home, DATABASE_URL: '' },
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/^driftwatch: AreaError: .*Point/m);
  });

  it('corrupt tiles in one acquisition fail that acquisition, recorded with the asset, while the others complete', async () => {
    const corruptDir = mkdtempSync(join(dir, 'corrupt-'));
    const base = `${server.url}/${corruptDir.split('/').pop()}`;
    const fixture: SeriesFixture = await writeSeriesFixture(corruptDir, { baseUrl: base, corrupt: 1 });
    const db = await openDb({ dataDir: 'memory://' });
    const { stop } = await runPipelineWorkers(env, db);
    try {
      await addArea(db, {
        id: 'valley',
        geojson: fixture.area,
        source: { kind: 'local', path: fixture.catalog },
        chipPx: fixture.chipPx,
      });
      const result: MonitorAreaResult = await env.client.workflow.execute('monitorArea', {
        taskQueue: IO_TASK_QUEUE,
        workflowId: 'corrupt-run',
        args: [{ areaId: 'valley', until: '2024-12-31T00:00:00Z' }],
      });
      expect(result).toMatchObject({ processed: 2, failed: 1 });
      const { rows } = await db.query<{
        item_id: string;
        status: string;
        error_type: string | null;
        error: string | null;
      }>(
        `SELECT a.item_id, aa.status, aa.error_type, aa.error FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id ORDER BY a.datetime`,
      );
      expect(rows.map((r) => [r.item_id, r.status, r.error_type])).toEqual([
        ['S2-fixture-2024-03-01', 'processed', null],
        ['S2-fixture-2024-04-01', 'failed', 'RasterError'],
        ['S2-fixture-2024-05-01', 'processed', null],
      ]);
      expect(rows[1]!.error).toContain('S2-fixture-2024-04-01-red.tif');
      const n = fixture.allKeys.length;
      expect(await rowCounts(db)).toMatchObject({ observations: 2 * n, embeddings: 2 * n });
    } finally {
      await stop();
      await db.close();
    }
  });

  const setupFile = join('.driftwatch', 'setup.json');
  const pgBin = existsSync(setupFile)
    ? (JSON.parse(readFileSync(setupFile, 'utf8')) as { postgresBin: string | null }).postgresBin
    : null;
  it.runIf(pgBin)(
    'a database restarted mid-run costs retries, not rows: the run completes with exact counts',
    async () => {
      const pg = await startNativePostgres(pgBin!);
      const fixtureDir = mkdtempSync(join(dir, 'restart-'));
      const fixture = await writeSeriesFixture(fixtureDir, {
        baseUrl: `${server.url}/${fixtureDir.split('/').pop()}`,
      });
      const db = await openDb({ databaseUrl: pg.url });
      const { stop } = await runPipelineWorkers(env, db);
      try {
        await addArea(db, {
          id: 'valley',
          geojson: fixture.area,
          source: { kind: 'local', path: fixture.catalog },
          chipPx: fixture.chipPx,
        });
        const handle = await env.client.workflow.start('monitorArea', {
          taskQueue: IO_TASK_QUEUE,
          workflowId: 'restart-run',
          args: [{ areaId: 'valley', until: '2024-12-31T00:00:00Z', batchSize: 2 }],
        });
        for (;;) {
          const { embeddings } = await rowCounts(db);
          if (embeddings > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await pg.restart(1500);
        const result: MonitorAreaResult = await handle.result();
        expect(result).toMatchObject({ processed: 3, failed: 0 });
        const n = fixture.allKeys.length;
        expect(await rowCounts(db)).toMatchObject({
          observations: 3 * n,
          embeddings: 3 * n,
          chip_signals: 3 * n,
          alerts: 1,
        });
      } finally {
        await stop();
        await db.close();
        await pg.stop();
      }
    },
    120_000,
  );
});
