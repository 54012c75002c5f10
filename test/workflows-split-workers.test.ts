/**
 * The deployment the README describes: the embed worker and the I/O worker in two processes with two
 * different DRIFTWATCH_HOME folders, sharing only one Postgres server and one Temporal server. Each
 * runs the real `driftwatch worker --queue …` command. The run must complete with the embed worker's
 * chip renderings reaching the I/O worker's alert tiles, and the viewer (a third process here) must
 * serve every tile, with no evidence folder anywhere.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addArea } from '../src/pipeline/areas.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import type { Db } from '../src/store/db.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import { sha256Hex } from '../src/store/evidence-media.ts';
import { openDb } from '../src/store/open.ts';
import { IO_TASK_QUEUE } from '../src/domain.ts';
import type { MonitorAreaResult } from '../workflows/monitor-area.ts';
import { freshPostgresUrl } from './helpers/databases.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';
import { startTemporal } from './helpers/temporal.ts';

const serverUrl = inject('nativePostgresUrl');
if (!serverUrl) {
  // Two processes cannot share an embedded PGlite database: each home owns its own.
  console.warn('workflows-split-workers: skipped, no native Postgres (set TEST_DATABASE_URL or run setup)');
}

/** A `driftwatch worker --queue <role>` process; resolves once it polls. */
function startCliWorker(role: 'io' | 'embed', env: Record<string, string>): Promise<ChildProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DRIFTWATCH_EVIDENCE_DIR;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'src/cli/main.ts'), 'worker', '--queue', role],
    { env: childEnv, stdio: ['ignore', 'inherit', 'pipe'] },
  );
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('worker: polling')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${role} worker exited early with ${code}:\n${stderr}`)));
  });
}

/** Stops a worker with SIGTERM (it shuts down cleanly) and waits for it. */
function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe.skipIf(!serverUrl)(
  'embed and I/O workers on two machines (two homes, one Postgres, one Temporal)',
  () => {
    let env: TestWorkflowEnvironment;
    let db: Db;
    let server: RangeServer;
    let fixture: SeriesFixture;
    let viewer: RunningServer | undefined;
    const homes = { io: '', embed: '' };
    const workers: Partial<Record<'io' | 'embed', ChildProcess>> = {};

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dw-split-series-'));
      server = await startRangeServer(dir);
      fixture = await writeSeriesFixture(dir, { baseUrl: server.url });
      env = await startTemporal();
      const url = await freshPostgresUrl(serverUrl);
      db = await openDb({ databaseUrl: url });
      await addArea(db, {
        id: 'valley',
        geojson: fixture.area,
        source: { kind: 'local', path: fixture.catalog },
        chipPx: fixture.chipPx,
      });
      for (const role of ['embed', 'io'] as const) {
        homes[role] = mkdtempSync(join(tmpdir(), `dw-home-${role}-`));
        workers[role] = await startCliWorker(role, {
          DRIFTWATCH_HOME: homes[role],
          DATABASE_URL: url,
          TEMPORAL_ADDRESS: env.address,
        });
      }
    });

    afterAll(async () => {
      await viewer?.close();
      for (const w of Object.values(workers)) await stopWorker(w);
      await env?.teardown();
      await db?.close();
      await server?.close();
    });

    it('completes a monitoring run whose alert tiles the viewer serves from the database', async () => {
      const result: MonitorAreaResult = await env.client.workflow.execute('monitorArea', {
        taskQueue: IO_TASK_QUEUE,
        workflowId: 'monitor-split',
        args: [{ areaId: 'valley', until: '2024-12-31T00:00:00Z', batchSize: 4 }],
      });
      expect(result).toMatchObject({ processed: 3, failed: 0 });
      expect(result.alertIds).toHaveLength(1);

      // Embedding ran in the embed process only, detection in the I/O process only.
      const ranBy: Record<string, Set<string>> = {};
      for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'processAcquisition'` })) {
        const history = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
        const scheduled = new Map<string, string>();
        for (const event of history.events ?? []) {
          const s = event.activityTaskScheduledEventAttributes;
          if (s) scheduled.set(String(event.eventId), s.activityType!.name!);
          const started = event.activityTaskStartedEventAttributes;
          if (started) {
            const name = scheduled.get(String(started.scheduledEventId))!;
            (ranBy[name] ??= new Set()).add(started.identity!.split('@')[0]!);
          }
        }
      }
      expect([...ranBy.embedChips!]).toEqual([String(workers.embed!.pid)]);
      expect([...ranBy.detectChanges!]).toEqual([String(workers.io!.pid)]);

      // Neither home holds evidence: the embed worker's chip renderings reached the I/O worker's tiles
      // through the database.
      for (const home of Object.values(homes)) {
        expect(existsSync(join(home, 'evidence')), home).toBe(false);
        expect(readdirSync(home).filter((f) => /\.(png|webp)$/.test(f))).toEqual([]);
      }
      const { rows: tiles } = await db.query<{ kind: string; sha256: string; media_type: string }>(
        `SELECT ae.kind, ae.sha256, f.media_type FROM alert_evidence ae JOIN evidence_files f USING (sha256)
        WHERE ae.alert_id = $1 ORDER BY ae.kind`,
        [result.alertIds[0]],
      );
      expect(tiles.map((t) => [t.kind, t.media_type])).toEqual([
        ['after', 'image/webp'],
        ['before', 'image/webp'],
        ['heatmap', 'image/png'],
      ]);
      const { rows: chips } = await db.query<{ n: number; stored: number }>(
        `SELECT count(*)::int AS n, count(b.sha256)::int AS stored
         FROM observations o LEFT JOIN evidence_blobs b ON b.sha256 = o.rgb_sha256`,
      );
      expect(chips[0]).toEqual({ n: fixture.allKeys.length * 3, stored: fixture.allKeys.length * 3 });

      viewer = await startServer(db, { port: 0, evidence: new DbEvidenceStore(db) });
      const page = await fetch(new URL(`/alerts/${result.alertIds[0]}`, viewer.url));
      expect(page.status).toBe(200);
      const html = await page.text();
      for (const t of tiles) {
        expect(html).toContain(`/evidence/${t.sha256}`);
        const res = await fetch(new URL(`/evidence/${t.sha256}`, viewer.url));
        expect([res.status, res.headers.get('content-type')], t.kind).toEqual([200, t.media_type]);
        expect(sha256Hex(Buffer.from(await res.arrayBuffer()))).toBe(t.sha256);
      }
    }, 180_000);
  },
);
