import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { SpectralEmbedder } from '../../src/embed/spectral.ts';
import type { Db } from '../../src/store/db.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorkers } from '../../src/temporal/worker.ts';

/** A real Temporal dev server (the binary found by setup) for one test file. */
export function startTemporal(): Promise<TestWorkflowEnvironment> {
  installTemporalRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: inject('temporalCli') },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error'],
    },
  });
}

/** In-process workers on both task queues with the spectral model, as a test's pipeline. */
export interface PipelineWorkers {
  /** Where the workers write evidence files. */
  evidenceDir: string;
  /** Shuts the workers down and waits for them. */
  stop(): Promise<void>;
}

export async function runPipelineWorkers(env: TestWorkflowEnvironment, db: Db): Promise<PipelineWorkers> {
  const evidenceDir = mkdtempSync(join(tmpdir(), 'dw-evidence-'));
  const embedder = new SpectralEmbedder();
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    deps: { db, embedder: async () => embedder, evidenceDir },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    evidenceDir,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}
