import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { addArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import {
  backfillMonitor,
  describeSpec,
  listMonitors,
  monitorHandle,
  setMonitorPaused,
  startMonitor,
} from '../src/temporal/schedules.ts';
import { rowCounts } from './helpers/row-counts.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { runPipelineWorkers, startTemporal, type PipelineWorkers } from './helpers/temporal.ts';

describe('monitor schedules on a real Temporal server', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let fixture: SeriesFixture;
  let workers: PipelineWorkers;

  beforeAll(async () => {
    fixture = await writeSeriesFixture(mkdtempSync(join(tmpdir(), 'dw-series-')));
    env = await startTemporal();
    db = await openDb({ dataDir: 'memory://' });
    workers = await runPipelineWorkers(env, db);
    await addArea(db, {
      id: 'valley',
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
  });

  afterAll(async () => {
    await workers?.stop();
    await env?.teardown();
    await db?.close();
  });

  it('creates, pauses, resumes and re-specifies an area schedule with overlap skip and a catch-up window', async () => {
    const handle = await startMonitor(env.client, 'valley', {
      every: '10 days',
      paused: true,
      catchupWindow: '2 days',
    });
    let d = await handle.describe();
    expect(d.state.paused).toBe(true);
    expect(d.policies.overlap).toBe('SKIP');
    expect(d.policies.catchupWindow).toBe(2 * 86_400_000);
    expect(describeSpec(d.spec as Parameters<typeof describeSpec>[0])).toBe('every 10d');
    await setMonitorPaused(env.client, 'valley', false);
    expect((await handle.describe()).state.paused).toBe(false);
    await startMonitor(env.client, 'valley', { every: '6h', paused: true });
    d = await handle.describe();
    expect(describeSpec(d.spec as Parameters<typeof describeSpec>[0])).toBe('every 6h');
    expect(d.state.paused).toBe(true);
    await expect(monitorHandle(env.client, 'nowhere')).rejects.toThrow(InputError);
    await expect(startMonitor(env.client, 'valley', {})).rejects.toThrow(
      'give exactly one of --every or --cron',
    );
  });

  it("a schedule's runs carry the fusion window it was started with, which listMonitors shows (null once restarted without one); a window outside 0…60 days is refused", async () => {
    const handle = await startMonitor(env.client, 'valley', { every: '1d', paused: true, fusionDays: 5 });
    const args = async () => ((await handle.describe()).action as { args?: unknown[] }).args;
    expect(await args()).toEqual([{ areaId: 'valley', fusionDays: 5 }]);
    await expect(
      startMonitor(env.client, 'valley', { every: '1d', paused: true, fusionDays: 2.5 }),
    ).rejects.toThrow(new InputError('--fusion-days 2.5 is not a whole number of days from 0 to 60'));
    expect(await args()).toEqual([{ areaId: 'valley', fusionDays: 5 }]);
    const listed = async () =>
      (await listMonitors(env.client)).find((r) => r.scheduleId === 'monitor/valley');
    // Intervals are counted from the epoch: a daily schedule runs next at the coming UTC midnight.
    const midnight = new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000).toISOString();
    expect(await listed()).toEqual({
      scheduleId: 'monitor/valley',
      paused: true,
      spec: 'every 1d',
      nextRun: midnight,
      runs: 0,
      fusionDays: 5,
    });
    await startMonitor(env.client, 'valley', { every: '1d', paused: true });
    expect((await listed())?.fusionDays).toBe(null);
  });

  it('a backfill replays the past in order: each run processes what was acquired up to its scheduled time', async () => {
    await startMonitor(env.client, 'valley', { every: '15 days', paused: true });
    const runs = await backfillMonitor(
      env.client,
      'valley',
      { start: new Date('2024-02-20T00:00:00Z'), end: new Date('2024-05-20T00:00:00Z') },
      { wait: true },
    );
    // Every 15 days from the epoch: days 19785, 19800, 19815, 19830, 19845 and 19860 lie between
    // 2024-02-20 (day 19773) and 2024-05-20 (day 19863).
    expect(runs).toBe(6);
    const n = fixture.allKeys.length;
    expect(await rowCounts(db)).toMatchObject({
      acquisitions: 3,
      observations: 3 * n,
      embeddings: 3 * n,
      alerts: 1,
    });
    // The acquisitions were processed by successive runs, oldest first.
    const monitorRuns: { until: string; processed: number }[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'monitorArea'` })) {
      monitorRuns.push(await env.client.workflow.getHandle(wf.workflowId, wf.runId).result());
    }
    const productive = monitorRuns
      .filter((r) => r.processed > 0)
      .sort((a, b) => a.until.localeCompare(b.until));
    expect(productive.map((r) => r.processed)).toEqual([1, 1, 1]);
    await (await monitorHandle(env.client, 'valley')).delete();
  });
});
