// A driftwatch worker in its own process, for crash tests. Env: TEMPORAL_ADDRESS, DB_DIR (the embedded
// database another process serves), EMBED_DELAY_MS (slows every embedding batch so the test can kill it
// mid-batch). Evidence goes to the database's evidence store.
import { NativeConnection } from '@temporalio/worker';
import { SpectralEmbedder } from '../../src/embed/spectral.ts';
import type { Embedder } from '../../src/embed/embedder.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import { openDb } from '../../src/store/open.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorkers } from '../../src/temporal/worker.ts';

const delay = Number(process.env.EMBED_DELAY_MS ?? 0);
const base = new SpectralEmbedder();
const slow: Embedder = {
  id: base.id,
  dimension: base.dimension,
  embedTexts: (p) => base.embedTexts(p),
  score: (i, t) => base.score(i, t),
  close: () => base.close(),
  async embedImages(chips, options) {
    await new Promise((r) => setTimeout(r, delay));
    return base.embedImages(chips, options);
  },
};

installTemporalRuntime();
const db = await openDb({ dataDir: process.env.DB_DIR! });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const workers = await createWorkers({
  connection,
  namespace: 'default',
  deps: { db, embedder: async () => slow, evidence: new DbEvidenceStore(db) },
});
process.stdout.write('worker ready\n');
await Promise.all(workers.map((w) => w.run()));
