// One step of `npm run bench:memory`, in its own process so that its peak RSS is its own. `prepare`
// creates the embedded database in DRIFTWATCH_HOME (migrations: their peak is the database's, not the
// pipeline's) and registers the area of the scene the parent wrote; `measure` reopens it, embeds and
// detects each acquisition with the direct in-process pipeline steps (spectral embedder), and prints one
// JSON line with the peak RSS (`process.resourceUsage().maxRSS`) after opening, after embedding and at
// the end, and the time each step took.
import { SpectralEmbedder } from '../../src/embed/spectral.ts';
import { openSource } from '../../src/imagery/index.ts';
import { discoverAcquisitions, markAcquisition } from '../../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../../src/pipeline/areas.ts';
import { detectAcquisition } from '../../src/pipeline/detect-alerts.ts';
import { embedAcquisitionChips } from '../../src/pipeline/embed-chips.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import { dbConfigFromEnv, openDb } from '../../src/store/open.ts';

/** What the parent passes, as one JSON argument after the step's name. */
export interface RunInput {
  /** The scene's catalog.json. */
  catalog: string;
  /** The area GeoJSON. */
  area: unknown;
  /** Chip side in pixels. */
  chipPx: number;
  /** Chips per embedding batch. */
  batchSize: number;
}

/** What `measure` prints. */
export interface RunOutput {
  /** Acquisitions embedded and detected. */
  acquisitions: number;
  /** Chips embedded, summed over acquisitions. */
  chips: number;
  /** Alerts raised or updated, summed over acquisitions. */
  alerts: number;
  /** Peak RSS (MiB) once the database is open and the acquisitions discovered. */
  startMiB: number;
  /** Peak RSS (MiB) after the last embedding. */
  embedMiB: number;
  /** Peak RSS (MiB) of the whole step. */
  peakMiB: number;
  /** Time spent embedding, summed over acquisitions. */
  embedMs: number;
  /** Time spent detecting, summed over acquisitions. */
  detectMs: number;
}

const step = process.argv[2];
const input = JSON.parse(process.argv[3]!) as RunInput;
const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;
const db = await openDb(dbConfigFromEnv());
if (step === 'prepare') {
  await addArea(db, {
    id: 'bench',
    geojson: input.area,
    source: { kind: 'local', path: input.catalog },
    chipPx: input.chipPx,
  });
  await db.close();
} else {
  const evidence = new DbEvidenceStore(db);
  const embedder = new SpectralEmbedder();
  const area = await getArea(db, 'bench');
  const pending = await discoverAcquisitions(db, openSource(area.source), area, {
    until: '2030-01-01T00:00:00Z',
  });
  const out: RunOutput = {
    acquisitions: pending.length,
    chips: 0,
    alerts: 0,
    startMiB: peakMiB(),
    embedMiB: 0,
    peakMiB: 0,
    embedMs: 0,
    detectMs: 0,
  };
  for (const acq of pending) {
    let t = performance.now();
    const embedded = await embedAcquisitionChips(
      { db, embedder, evidence },
      { areaId: 'bench', acquisitionId: acq.id, batchSize: input.batchSize },
    );
    out.embedMs += performance.now() - t;
    out.embedMiB = Math.max(out.embedMiB, peakMiB());
    out.chips += embedded.chips;
    t = performance.now();
    const detected = await detectAcquisition(db, evidence, {
      areaId: 'bench',
      acquisitionId: acq.id,
      modelId: embedder.id,
    });
    out.detectMs += performance.now() - t;
    out.alerts += detected.alerts.length;
    await markAcquisition(db, 'bench', acq.id, 'processed');
  }
  await db.close();
  out.peakMiB = peakMiB();
  console.log(JSON.stringify(out));
}
