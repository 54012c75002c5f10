import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { verifySignature } from '../src/notify/sign.ts';
import { addSubscription } from '../src/notify/subscriptions.ts';
import { addArea } from '../src/pipeline/areas.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { createWorkers } from '../src/temporal/worker.ts';
import type { DeliverNotificationsResult } from '../workflows/deliver-notifications.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { startTemporal } from './helpers/temporal.ts';
import { until, webhookReceiver, type Receiver } from './helpers/webhook-receiver.ts';

interface DeliveryRow {
  id: number;
  subscription_id: number;
  event_id: string;
  status: string;
  attempts: number;
  response_code: number | null;
  last_error: string | null;
}

describe('webhook notifications on a real Temporal server', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let source: RangeServer;
  let fixture: SeriesFixture;
  let workers: Worker[];
  let running: Promise<unknown>;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Answers 500 to the first POST of each event, then 200: a forced activity retry.
  let flaky: Receiver;
  // Holds every POST until released, then answers 500: an endpoint that never works.
  let down: Receiver;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-series-'));
    source = await startRangeServer(dir);
    fixture = await writeSeriesFixture(dir, { baseUrl: source.url });
    env = await startTemporal();
    db = await openDb({ dataDir: 'memory://' });
    const embedder = new SpectralEmbedder();
    workers = await createWorkers({
      connection: env.nativeConnection,
      namespace: 'default',
      deps: {
        db,
        embedder: async () => embedder,
        evidence: new DbEvidenceStore(db),
        deliveryTimeoutMs: 120_000,
      },
    });
    running = Promise.all(workers.map((w) => w.run()));
    await addArea(db, {
      id: 'valley',
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
    flaky = await webhookReceiver(async (_r, nth) => (nth === 1 ? 500 : 200));
    down = await webhookReceiver(async () => {
      await gate;
      return 500;
    });
  });

  afterAll(async () => {
    release();
    for (const w of workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await env?.teardown();
    await db?.close();
    await source?.close();
    await flaky?.close();
    await down?.close();
  });

  it('delivers one signed event per alert change across a retry, and a failing endpoint never holds monitoring up', async () => {
    const good = await addSubscription(db, { areaId: 'valley', webhookUrl: flaky.url });
    const bad = await addSubscription(db, { areaId: 'valley', webhookUrl: down.url });
    await addSubscription(db, { areaId: 'valley', webhookUrl: flaky.url, kinds: ['burn'] });

    const result: MonitorAreaResult = await env.client.workflow.execute('monitorArea', {
      workflowId: 'notify-test/monitor',
      taskQueue: IO_TASK_QUEUE,
      args: [{ areaId: 'valley', deliveryRetry: { maximumAttempts: 3, initialIntervalMs: 500 } }],
    });
    expect(result.processed).toBe(fixture.dates.length);
    expect(result.alertIds).toHaveLength(1);
    // Monitoring is done while the failing endpoint has not answered a single POST.
    const open = await db.query<{ status: string }>(
      'SELECT status FROM notify_deliveries WHERE subscription_id = $1',
      [bad.id],
    );
    expect(open.rows.length).toBeGreaterThan(0);
    expect(open.rows.every((r) => r.status === 'pending')).toBe(true);
    release();

    const rows = await until('deliveries to finish', async () => {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT id, subscription_id, event_id, status, attempts, response_code, last_error
           FROM notify_deliveries ORDER BY subscription_id, id`,
      );
      return rows.every((r) => r.status === 'delivered' || r.status === 'failed') ? rows : undefined;
    });
    const { rows: changes } = await db.query<{ alert_id: number; version: number }>(
      'SELECT alert_id, version FROM alert_changes ORDER BY id',
    );
    const events = changes.map((c) => `alert/${c.alert_id}/v${c.version}`);
    expect(events.length).toBeGreaterThan(0);
    const cell = (r: DeliveryRow) => [r.event_id, r.status, r.attempts, r.response_code, r.last_error];
    expect(rows.filter((r) => Number(r.subscription_id) === good.id).map(cell)).toEqual(
      events.map((e) => [e, 'delivered', 2, 200, 'webhook answered 500 Internal Server Error']),
    );
    expect(rows.filter((r) => Number(r.subscription_id) === bad.id).map(cell)).toEqual(
      events.map((e) => [e, 'failed', 3, 500, 'webhook answered 500 Internal Server Error']),
    );
    // The filtered-out subscription got nothing; each receiver got each event exactly once per attempt.
    expect(rows).toHaveLength(2 * events.length);
    for (const e of events) {
      const got = flaky.received.filter((r) => r.event === e);
      expect(got).toHaveLength(2);
      expect(got[1]!.body).toBe(got[0]!.body);
      expect(got.every((r) => verifySignature(good.secret, r.body, r.signature))).toBe(true);
      expect(verifySignature(bad.secret, got[0]!.body, got[0]!.signature)).toBe(false);
      expect(JSON.parse(got[0]!.body)).toMatchObject({
        id: e,
        type: 'alert.created',
        alert: { areaId: 'valley' },
      });
      expect(down.received.filter((r) => r.event === e)).toHaveLength(3);
    }

    // Delivering again (a replayed or restarted delivery) sends nothing more.
    const before = flaky.received.length + down.received.length;
    const again: DeliverNotificationsResult = await env.client.workflow.execute('deliverNotifications', {
      workflowId: 'notify-test/again',
      taskQueue: IO_TASK_QUEUE,
      args: [
        { deliveryIds: rows.map((r) => Number(r.id)), retry: { maximumAttempts: 2, initialIntervalMs: 100 } },
      ],
    });
    const ids = (sub: number) =>
      rows.filter((r) => Number(r.subscription_id) === sub).map((r) => Number(r.id));
    expect(again).toEqual({ delivered: ids(good.id), failed: ids(bad.id) });
    expect(flaky.received.length + down.received.length).toBe(before);
  });
});
