/**
 * One delivery per alert change across a worker restart: the receiver holds the first POST, the worker is
 * shut down while that delivery activity is in flight, a new worker is started, and each change ends
 * delivered once in the recorded deliveries, the held event re-sent with the same id and body.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { verifySignature } from '../src/notify/sign.ts';
import { addSubscription } from '../src/notify/subscriptions.ts';
import { addArea } from '../src/pipeline/areas.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { createWorkers } from '../src/temporal/worker.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { startTemporal } from './helpers/temporal.ts';
import { until, webhookReceiver, type Receiver } from './helpers/webhook-receiver.ts';

describe('webhook delivery across a worker restart', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let source: RangeServer;
  let fixture: SeriesFixture;
  let hook: Receiver;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const pools: { workers: Worker[]; running: Promise<unknown> }[] = [];

  async function startWorkers() {
    const embedder = new SpectralEmbedder();
    const workers = await createWorkers({
      connection: env.nativeConnection,
      namespace: 'default',
      deps: {
        db,
        embedder: async () => embedder,
        evidence: new DbEvidenceStore(db),
        deliveryTimeoutMs: 120_000,
      },
    });
    const pool = { workers, running: Promise.all(workers.map((w) => w.run())) };
    pools.push(pool);
    return pool;
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-restart-'));
    source = await startRangeServer(dir);
    fixture = await writeSeriesFixture(dir, { baseUrl: source.url });
    env = await startTemporal();
    db = await openDb({ dataDir: 'memory://' });
    await addArea(db, {
      id: 'valley',
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
    // Holds the very first POST (until the end of the test); answers every later one 200 at once.
    hook = await webhookReceiver(async () => {
      if (hook.received.length === 1) {
        await held;
        return 500;
      }
      return 200;
    });
  });

  afterAll(async () => {
    release();
    for (const { workers, running } of pools) {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    }
    await env?.teardown();
    await db?.close();
    await source?.close();
    await hook?.close();
  });

  it('delivers each change exactly once when the worker is replaced while a POST is in flight', async () => {
    const sub = await addSubscription(db, { areaId: 'valley', webhookUrl: hook.url });
    const first = await startWorkers();
    const result: MonitorAreaResult = await env.client.workflow.execute('monitorArea', {
      workflowId: 'restart-test/monitor',
      taskQueue: IO_TASK_QUEUE,
      args: [{ areaId: 'valley', deliveryRetry: { maximumAttempts: 3, initialIntervalMs: 200 } }],
    });
    expect(result.alertIds).toHaveLength(1);
    const heldEvent = await until('the first POST to arrive', async () => hook.received[0]?.event);

    // The worker goes away while that POST waits for its answer; a new one takes over.
    for (const w of first.workers) w.shutdown();
    await first.running;
    await startWorkers();

    const rows = await until('deliveries to finish', async () => {
      const { rows } = await db.query<{
        event_id: string;
        body: string;
        status: string;
        attempts: number;
        response_code: number | null;
        last_error: string | null;
      }>(
        `SELECT event_id, body, status, attempts, response_code, last_error FROM notify_deliveries
          WHERE subscription_id = $1 ORDER BY id`,
        [sub.id],
      );
      return rows.length > 0 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    });
    const { rows: changes } = await db.query<{ alert_id: number; version: number }>(
      'SELECT alert_id, version FROM alert_changes ORDER BY id',
    );
    const events = changes.map((c) => `alert/${c.alert_id}/v${c.version}`);
    // One recorded delivery per change; the held one took a second POST, by the new worker.
    expect(rows.map((r) => [r.event_id, r.status, r.response_code])).toEqual(
      events.map((e) => [e, 'delivered', 200]),
    );
    expect(rows.map((r) => r.attempts)).toEqual(events.map((e) => (e === heldEvent ? 2 : 1)));
    expect(rows.map((r) => r.last_error)).toEqual(
      events.map((e) => (e === heldEvent ? 'webhook unreachable: WORKER_SHUTDOWN' : null)),
    );
    // The receiver saw the held event twice, byte for byte the stored body, and every other event once.
    for (const r of rows) {
      const got = hook.received.filter((x) => x.event === r.event_id);
      expect(got.map((x) => x.body)).toEqual(r.event_id === heldEvent ? [r.body, r.body] : [r.body]);
      expect(got.every((x) => verifySignature(sub.secret, x.body, x.signature))).toBe(true);
    }
    expect(hook.received).toHaveLength(events.length + 1);
  });
});
