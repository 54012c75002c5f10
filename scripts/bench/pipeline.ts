// npm run bench:pipeline — the orchestration overhead: the same acquisitions processed end to end through
// Temporal (schedule-free monitorArea run, child workflows, two task queues, in-process workers) and by
// calling the same pipeline functions directly, in one run, on fresh embedded databases.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
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
import { IO_TASK_QUEUE } from '../../src/temporal/task-queues.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorkers } from '../../src/temporal/worker.ts';
import { writeSeriesFixture } from '../../test/helpers/series-fixture.ts';

const quick = process.argv.includes('--quick');
const size = quick ? 128 : 256;
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

async function direct(): Promise<number> {
  const { db, evidence } = await freshDatabase();
  const started = performance.now();
  const area = await getArea(db, 'bench');
  const pending = await discoverAcquisitions(db, openSource(area.source), area, {
    until: '2030-01-01T00:00:00Z',
  });
  for (const acq of pending) {
    await embedAcquisitionChips(
      { db, embedder, evidence },
      { areaId: 'bench', acquisitionId: acq.id, batchSize },
    );
    await detectAcquisition(db, evidence, {
      areaId: 'bench',
      acquisitionId: acq.id,
      modelId: embedder.id,
    });
    await markAcquisition(db, 'bench', acq.id, 'processed');
  }
  const ms = performance.now() - started;
  await db.close();
  return ms;
}

async function throughTemporal(env: TestWorkflowEnvironment): Promise<number> {
  const { db, evidence } = await freshDatabase();
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    deps: { db, embedder: async () => embedder, evidence },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const started = performance.now();
  await env.client.workflow.execute('monitorArea', {
    taskQueue: IO_TASK_QUEUE,
    workflowId: `bench-${Date.now()}`,
    args: [{ areaId: 'bench', until: '2030-01-01T00:00:00Z', batchSize }],
  });
  const ms = performance.now() - started;
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
for (let r = 0; r < rounds; r++) {
  best = {
    direct: Math.min(best.direct, await direct()),
    temporal: Math.min(best.temporal, await throughTemporal(env)),
  };
}
await env.teardown();
const chips = chipsPerAcq * dates.length;
const fmt = (ms: number) =>
  `${((dates.length / ms) * 60_000).toFixed(1)} acquisitions/min, ${((chips / ms) * 1000).toFixed(1)} chips/s (${(ms / 1000).toFixed(2)} s)`;
console.log(`direct in-process : ${fmt(best.direct)}`);
console.log(`through Temporal  : ${fmt(best.temporal)}`);
console.log(`ratio temporal/direct throughput: ${(best.direct / best.temporal).toFixed(3)}`);
