import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { rowCounts } from './helpers/row-counts.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { startTemporal } from './helpers/temporal.ts';

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  // `node --import tsx` runs the worker in this very process (the tsx CLI would fork a child, and killing
  // the CLI would leave the worker running).
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'helpers/worker-main.ts')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('worker ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

describe('fault tolerance', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let server: RangeServer;
  let fixture: SeriesFixture;
  let workerEnv: Record<string, string>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-series-'));
    server = await startRangeServer(dir);
    fixture = await writeSeriesFixture(dir, { baseUrl: server.url });
    env = await startTemporal();
    const dbDir = join(mkdtempSync(join(tmpdir(), 'dw-db-')), 'db');
    db = await openDb({ dataDir: dbDir }); // this process owns the embedded database and serves it to the workers
    await addArea(db, {
      id: 'valley',
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
    workerEnv = {
      TEMPORAL_ADDRESS: env.address,
      DB_DIR: dbDir,
      EMBED_DELAY_MS: '400',
    };
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await env?.teardown();
    await db?.close();
    await server?.close();
  });

  it('a worker killed in the middle of an embedding batch is replaced and the run completes with the rows of an uninterrupted run', async () => {
    children.push(await startWorker(workerEnv));
    const handle = await env.client.workflow.start('monitorArea', {
      taskQueue: IO_TASK_QUEUE,
      workflowId: 'monitor-crash',
      args: [{ areaId: 'valley', until: '2024-12-31T00:00:00Z', batchSize: 2 }],
    });
    // Wait until the first acquisition is partly embedded, then kill the worker without warning.
    for (;;) {
      const { embeddings } = await rowCounts(db);
      if (embeddings >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    children[0]!.kill('SIGKILL');
    const partial = (await rowCounts(db)).embeddings;
    expect(partial).toBeLessThan(fixture.allKeys.length * 3);
    children.push(await startWorker(workerEnv));
    const result: MonitorAreaResult = await handle.result();
    expect(result).toMatchObject({ processed: 3, failed: 0 });
    const counts = await rowCounts(db);
    const n = fixture.allKeys.length;
    expect(counts).toMatchObject({
      acquisitions: 3,
      chips: n,
      observations: 3 * n,
      embeddings: 3 * n,
      prompt_scores: 3 * n * 4,
      chip_signals: 3 * n,
      alerts: 1,
    });
    // The replacement worker resumed the interrupted embedding from its last heartbeat, not from batch 0.
    const starts: number[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'processAcquisition'` })) {
      const history = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const event of history.events ?? []) {
        if (event.activityTaskStartedEventAttributes)
          console.log(
            'DEBUG started attempt',
            event.activityTaskStartedEventAttributes.attempt,
            JSON.stringify(event.activityTaskStartedEventAttributes.lastFailure?.message),
          );
        const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
        if (!payload || payload.length === 0) continue; // void results carry no data
        const result = JSON.parse(Buffer.from(payload).toString('utf8')) as { startBatch?: number };
        if (result.startBatch !== undefined) starts.push(result.startBatch);
      }
    }
    expect(starts).toHaveLength(3);
    expect(starts.filter((b) => b > 0)).toHaveLength(1);
  }, 120_000);
});
