import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { SpectralEmbedder } from '../../src/embed/spectral.ts';
import type { Db } from '../../src/store/db.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
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
  /** Where the workers store evidence (the database). */
  evidence: EvidenceStore;
  /** Shuts the workers down and waits for them. */
  stop(): Promise<void>;
}

export async function runPipelineWorkers(env: TestWorkflowEnvironment, db: Db): Promise<PipelineWorkers> {
  const evidence = new DbEvidenceStore(db);
  const embedder = new SpectralEmbedder();
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    deps: { db, embedder: async () => embedder, evidence },
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    evidence,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}
