/**
 * `driftwatch notify redeliver` on a real Temporal server: failed deliveries are sent again with the same
 * event id and exact body, delivered ones never; a retried or concurrent request for the same failed
 * deliveries sends each once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import {
  failedDeliveriesOf,
  redeliveryResult,
  redeliveryWorkflowId,
  startRedelivery,
} from '../src/notify/redeliver.ts';
import { verifySignature } from '../src/notify/sign.ts';
import { addSubscription } from '../src/notify/subscriptions.ts';
import { addArea } from '../src/pipeline/areas.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { createWorkers } from '../src/temporal/worker.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { cliRunner, type CliResult } from './helpers/cli-run.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { startTemporal } from './helpers/temporal.ts';
import { until, webhookReceiver, type Receiver } from './helpers/webhook-receiver.ts';

interface DeliveryRow {
  id: number;
  subscription_id: number;
  event_id: string;
  body: string;
  status: string;
  attempts: number;
  response_code: number | null;
}

describe('re-delivery of failed webhook events', () => {
  const home = mkdtempSync(join(tmpdir(), 'dw-redeliver-'));
  let env: TestWorkflowEnvironment;
  let db: Db;
  let source: RangeServer;
  let fixture: SeriesFixture;
  let workers: Worker[];
  let running: Promise<unknown>;
  let cli: (...args: string[]) => Promise<CliResult>;
  // Always 200.
  let good: Receiver;
  // 500 until `flakyUp`, then 200.
  let flaky: Receiver;
  let flakyUp = false;
  // Always 500; while `hold` is set, each POST waits for it first.
  let dead: Receiver;
  let hold: Promise<void> | undefined;
  // The dead endpoint's subscription id.
  let deadId = 0;

  const deliveries = async () =>
    (
      await db.query<DeliveryRow>(
        `SELECT id, subscription_id, event_id, body, status, attempts, response_code
           FROM notify_deliveries ORDER BY subscription_id, id`,
      )
    ).rows.map((r) => ({ ...r, id: Number(r.id), subscription_id: Number(r.subscription_id) }));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-series-'));
    source = await startRangeServer(dir);
    fixture = await writeSeriesFixture(dir, { baseUrl: source.url });
    env = await startTemporal();
    db = await openDb({ dataDir: join(home, 'db') });
    const embedder = new SpectralEmbedder();
    workers = await createWorkers({
      connection: env.nativeConnection,
      namespace: 'default',
      deps: { db, embedder: async () => embedder, evidence: new DbEvidenceStore(db) },
    });
    running = Promise.all(workers.map((w) => w.run()));
    await addArea(db, {
      id: 'valley',
      geojson: fixture.area,
      source: { kind: 'local', path: fixture.catalog },
      chipPx: fixture.chipPx,
    });
    good = await webhookReceiver(async () => 200);
    flaky = await webhookReceiver(async () => (flakyUp ? 200 : 500));
    dead = await webhookReceiver(async () => {
      await hold;
      return 500;
    });
    cli = cliRunner(home, '', { TEMPORAL_ADDRESS: env.address });
  });

  afterAll(async () => {
    for (const w of workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await env?.teardown();
    await db?.close();
    await source?.close();
    for (const r of [good, flaky, dead]) await r?.close();
  });

  it('re-sends failed events once with the same id and body, never a delivered one', async () => {
    const g = await addSubscription(db, { areaId: 'valley', webhookUrl: good.url });
    const f = await addSubscription(db, { areaId: 'valley', webhookUrl: flaky.url });
    const d = await addSubscription(db, { areaId: 'valley', webhookUrl: dead.url });
    deadId = d.id;
    const result: MonitorAreaResult = await env.client.workflow.execute('monitorArea', {
      workflowId: 'redeliver-test/monitor',
      taskQueue: IO_TASK_QUEUE,
      args: [{ areaId: 'valley', deliveryRetry: { maximumAttempts: 2, initialIntervalMs: 100 } }],
    });
    expect(result.alertIds).toHaveLength(1);
    const first = await until('deliveries to finish', async () => {
      const rows = await deliveries();
      return rows.length > 0 && rows.every((r) => r.status === 'delivered' || r.status === 'failed')
        ? rows
        : undefined;
    });
    const of = (rows: DeliveryRow[], sub: number) => rows.filter((r) => r.subscription_id === sub);
    const cells = (rows: DeliveryRow[]) => rows.map((r) => [r.status, r.attempts, r.response_code]);
    const events = of(first, g.id).map((r) => r.event_id);
    expect(events).toEqual([`alert/${result.alertIds[0]}/v1`]);
    expect(cells(of(first, g.id))).toEqual([['delivered', 1, 200]]);
    expect(cells(of(first, f.id))).toEqual([['failed', 2, 500]]);
    expect(cells(of(first, d.id))).toEqual([['failed', 2, 500]]);

    // Which failed deliveries a request names: the area's, one subscription's, those queued since a time.
    const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
    expect(ids(await failedDeliveriesOf(db, { areaId: 'valley' }))).toEqual([
      ...ids(of(first, f.id)),
      ...ids(of(first, d.id)),
    ]);
    expect(await failedDeliveriesOf(db, { areaId: 'valley', since: '2999-01-01T00:00:00.000Z' })).toEqual([]);
    const flakyFailed = await failedDeliveriesOf(db, { areaId: 'valley', subscriptionId: f.id });
    expect(ids(flakyFailed)).toEqual(ids(of(first, f.id)));

    // The endpoint is back: the CLI re-queues its failed delivery and waits for it.
    flakyUp = true;
    const run = await cli('notify', 'redeliver', 'valley', '--subscription', String(f.id), '--attempts', '2');
    expect([run.stdout, run.status]).toEqual([
      're-queued 1 failed deliveries of valley: 1 delivered, 0 failed again\n',
      0,
    ]);
    const second = await deliveries();
    expect(cells(of(second, f.id))).toEqual([['delivered', 3, 200]]);
    expect(of(second, g.id)).toEqual(of(first, g.id));
    expect(of(second, d.id)).toEqual(of(first, d.id));
    // The same event id and exact stored body, signed again; the delivered subscription got nothing more.
    const body = of(first, f.id)[0]!.body;
    expect(flaky.received.map((r) => [r.event, r.body])).toEqual([
      [events[0], body],
      [events[0], body],
      [events[0], body],
    ]);
    expect(flaky.received.every((r) => verifySignature(f.secret, r.body, r.signature))).toBe(true);
    expect(good.received).toHaveLength(1);
    expect(dead.received).toHaveLength(2);

    // The CLI call retried with what it had read: the same workflow id, and nothing is sent again.
    const id = redeliveryWorkflowId('valley', flakyFailed);
    expect((await env.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    const retried = await startRedelivery(env.client, 'valley', flakyFailed);
    expect(retried.workflowId).toBe(id);
    expect(await redeliveryResult(retried)).toEqual({ requeued: [], delivered: [], failed: [] });
    expect(flaky.received).toHaveLength(3);
    expect(await failedDeliveriesOf(db, { areaId: 'valley', subscriptionId: f.id })).toEqual([]);
  });

  it('joins a running redelivery of the same failed deliveries instead of sending twice', async () => {
    const failed = await failedDeliveriesOf(db, { areaId: 'valley' });
    const before = await deliveries();
    expect(failed.map((r) => r.id)).toEqual(
      before.filter((r) => r.subscription_id === deadId).map((r) => r.id),
    );
    let open: () => void = () => {};
    hold = new Promise<void>((resolve) => (open = resolve));
    const a = await startRedelivery(env.client, 'valley', failed, {
      maximumAttempts: 2,
      initialIntervalMs: 100,
    });
    await until('the re-sent POST to arrive', async () => (dead.received.length === 3 ? true : undefined));
    // A second request while the first POST is held: the same run, not a second one.
    const b = await startRedelivery(env.client, 'valley', failed, {
      maximumAttempts: 2,
      initialIntervalMs: 100,
    });
    expect(b.workflowId).toBe(a.workflowId);
    expect((await b.describe()).runId).toBe((await a.describe()).runId);
    open();
    hold = undefined;
    const ids = failed.map((r) => r.id);
    expect(await redeliveryResult(b)).toEqual({ requeued: ids, delivered: [], failed: ids });
    const after = await deliveries();
    expect(
      after.filter((r) => r.subscription_id === deadId).map((r) => [r.status, r.attempts, r.response_code]),
    ).toEqual([['failed', 4, 500]]);
    expect(dead.received).toHaveLength(4);
    expect(new Set(dead.received.map((r) => r.body)).size).toBe(1);
    // A request that names no failed delivery (queued an hour from now) starts nothing.
    const none = await cli(
      'notify',
      'redeliver',
      'valley',
      '--since',
      new Date(Date.now() + 3_600_000).toISOString(),
    );
    expect([none.stdout, none.status]).toEqual(['re-queued 0 failed deliveries of valley\n', 0]);
  });
});
