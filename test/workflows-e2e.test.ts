import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArea } from '../src/pipeline/areas.ts';
import type { Assessment } from '../src/pipeline/assess.ts';
import type { Db } from '../src/store/db.ts';
import { sha256Hex } from '../src/store/evidence-media.ts';
import { openDb } from '../src/store/open.ts';
import { startMonitor } from '../src/temporal/schedules.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { workflowBundle } from '../src/temporal/worker.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { rowCounts } from './helpers/row-counts.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { runPipelineWorkers, startTemporal, type PipelineWorkers } from './helpers/temporal.ts';

describe('workflows end to end on a real Temporal server and database', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let server: RangeServer;
  let fixture: SeriesFixture;
  let workers: PipelineWorkers;
  const histories: { workflowId: string; runId?: string }[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-series-'));
    server = await startRangeServer(dir);
    fixture = await writeSeriesFixture(dir, { baseUrl: server.url });
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
    await server?.close();
  });

  async function triggerAndWait(): Promise<MonitorAreaResult> {
    const handle = await startMonitor(env.client, 'valley', { every: '30 days' });
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    for (;;) {
      const d = await handle.describe();
      const action =
        d.info.recentActions[before] ??
        (d.info.recentActions.length > before ? d.info.recentActions.at(-1) : undefined);
      if (action) {
        const { workflowId, firstExecutionRunId } = action.action.workflow;
        histories.push({ workflowId, runId: firstExecutionRunId });
        return env.client.workflow.getHandle(workflowId, firstExecutionRunId).result();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('a schedule-triggered run embeds every chip of every acquisition and raises one flood alert with evidence', async () => {
    const result = await triggerAndWait();
    expect(result).toMatchObject({ areaId: 'valley', processed: 3, failed: 0 });
    const counts = await rowCounts(db);
    const chips = fixture.allKeys.length;
    expect(counts.acquisitions).toBe(3);
    expect(counts.chips).toBe(chips);
    expect(counts.observations).toBe(chips * 3);
    expect(counts.embeddings).toBe(chips * 3);
    expect(counts.alerts).toBe(1);
    const { rows } = await db.query<{ kind: string; chip_keys: string[]; confidence: string }>(
      'SELECT kind, chip_keys, confidence FROM alerts',
    );
    expect(rows[0]!.kind).toBe('flood');
    expect([...rows[0]!.chip_keys].sort()).toEqual(fixture.floodedKeys);
    const evidence = await db.query<{ kind: string; sha256: string }>(
      `SELECT ae.kind, ae.sha256 FROM alert_evidence ae ORDER BY ae.kind`,
    );
    expect(evidence.rows.map((r) => r.kind)).toEqual(['after', 'before', 'heatmap']);
    for (const e of evidence.rows) {
      const stored = await workers.evidence.get(e.sha256);
      expect(stored && sha256Hex(stored.content)).toBe(e.sha256);
    }
    console.log(
      `[e2e] alert ${rows[0]!.kind} (${rows[0]!.confidence}) over ${rows[0]!.chip_keys.length} chips; rows`,
      counts,
    );
  });

  it('a second run finds nothing new and writes nothing', async () => {
    const before = await rowCounts(db);
    const result = await triggerAndWait();
    expect(result).toMatchObject({ processed: 0, failed: 0, alertIds: [] });
    expect(await rowCounts(db)).toEqual(before);
  });

  it('assessDisaster returns the flooded chips and their area', async () => {
    const handle = await env.client.workflow.start('assessDisaster', {
      taskQueue: IO_TASK_QUEUE,
      workflowId: 'assess-valley',
      args: [
        { areaId: 'valley', eventDate: '2024-04-15T00:00:00Z', prompts: ['flooded area', 'burned area'] },
      ],
    });
    histories.push({ workflowId: handle.workflowId });
    const a: Assessment = await handle.result();
    expect(a.changedChips.map((c) => c.key)).toEqual(fixture.floodedKeys);
    expect(a.changedChips.every((c) => c.kind === 'flood')).toBe(true);
    const cellKm2 = ((fixture.chipPx * 10) / 1000) ** 2;
    expect(a.affectedKm2['flooded area']).toBeCloseTo(fixture.floodedKeys.length * cellKm2, 6);
    expect(a.affectedKm2['burned area']).toBe(0);
    expect(a.preEvent.acquisitions).toBe(2);
    expect(a.postEvent.acquisitions).toBe(1);
    expect(a.alerts).toHaveLength(1);
    expect(a.alerts[0]!.evidence.map((e) => e.kind).sort()).toEqual(['after', 'before', 'heatmap']);
  });

  it('replays the recorded histories of every workflow deterministically', async () => {
    const children: { workflowId: string }[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'processAcquisition'` }))
      children.push({ workflowId: wf.workflowId });
    expect(children.length).toBe(3);
    const all: { workflowId: string; runId?: string }[] = [...histories, children[0]!];
    const bundle = await workflowBundle();
    const types = new Set<string>();
    for (const h of all) {
      const handle = env.client.workflow.getHandle(h.workflowId, h.runId);
      const history = await handle.fetchHistory();
      types.add((await handle.describe()).type);
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, h.workflowId);
    }
    expect([...types].sort()).toEqual(['assessDisaster', 'monitorArea', 'processAcquisition']);
  });
});
