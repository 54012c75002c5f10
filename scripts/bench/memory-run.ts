// One step of `npm run bench:memory`, in its own process so that its peak RSS is its own. `prepare`
// creates the embedded database in DRIFTWATCH_HOME (migrations: their peak is the database's, not the
// pipeline's) and registers the area of the scene the parent wrote; `measure` reopens it, embeds and
// detects each acquisition with the direct in-process pipeline steps (spectral embedder), and prints one
// JSON line with the peak RSS (the process's own high-water mark, peakMiB below) after opening, after embedding and at
// the end, and the time each step took. With DRIFTWATCH_BENCH_PROBE=1 it also writes to stderr a probe of
// where the peak is reached: a worker thread samples the process's RSS every 20 ms (it runs while the
// main thread computes), and marks are taken at each embedding, at the pair check's reads (through
// detectAcquisition's injectable chip reader) and after each detection, with the main thread's heap.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { SpectralEmbedder } from '../../src/embed/spectral.ts';
import { openSource, readChips } from '../../src/imagery/index.ts';
import { discoverAcquisitions, markAcquisition } from '../../src/pipeline/acquisitions.ts';
import { addArea, getArea } from '../../src/pipeline/areas.ts';
import { detectAcquisition } from '../../src/pipeline/detect-alerts.ts';
import type { PairCheckDeps } from '../../src/pipeline/monitoring-pair-check.ts';
import { embedAcquisitionChips } from '../../src/pipeline/embed-chips.ts';
import { DbEvidenceStore } from '../../src/store/db-evidence-store.ts';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
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
/**
 * The process's peak RSS in MiB: Linux's VmHWM, the high-water mark of this process's own memory.
 * `process.resourceUsage().maxRSS` is not used where VmHWM exists: on Linux it keeps the parent's RSS at
 * the moment it spawned this process (the parent that wrote a large scene holds over 1 GiB then), so it
 * would report the parent's memory as this step's.
 */
function peakMiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux: maxRSS below
  }
  return process.resourceUsage().maxRSS / 1024;
}
const probing = process.env.DRIFTWATCH_BENCH_PROBE === '1';
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

/** The probe's RSS sampler: a worker thread keeping the highest RSS since the last call of `since`. */
class RssSampler {
  private readonly peak = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  constructor() {
    this.worker = new Worker(
      `const { workerData: p } = require('node:worker_threads');
       setInterval(() => { const m = Math.round(process.memoryUsage.rss() / 1048576); if (m > Atomics.load(p, 0)) Atomics.store(p, 0, m); }, 20);`,
      { eval: true, workerData: this.peak },
    );
    this.worker.unref();
  }
  /** The highest RSS (MiB) sampled since the last call, then starts again from the current RSS. */
  since(): number {
    const m = Math.max(Atomics.load(this.peak, 0), Math.round(process.memoryUsage.rss() / 2 ** 20));
    Atomics.store(this.peak, 0, 0);
    return m;
  }
}
const sampler = probing ? new RssSampler() : undefined;
let phase = 'open';
/** Ends the probe's current phase with a line (peak RSS sampled during it, heap and external now). */
function mark(next: string): void {
  if (!sampler) return;
  const m = process.memoryUsage();
  process.stderr.write(
    `probe: ${phase}: peak ${sampler.since()} MiB; then rss ${mib(m.rss)}, heap ${mib(m.heapUsed)} / ${mib(m.heapTotal)}, ` +
      `external ${mib(m.external)}, arrayBuffers ${mib(m.arrayBuffers)} MiB\n`,
  );
  phase = next;
}
/** The pair check's chip reader, marking its first read of each detection and its reads' count. */
let reads = 0;
/** The highest RSS sampled from the pair check's first read to the end of its last. */
let readsPeak = 0;
const reader: PairCheckDeps = probing
  ? {
      readChips: async (...args: Parameters<typeof readChips>) => {
        if (reads++ === 0) mark('pair check: reading');
        const chips = await readChips(...args);
        readsPeak = Math.max(readsPeak, sampler!.since());
        phase = 'after the last read (fit, scoring, persisting, clustering)';
        return chips;
      },
    }
  : {};
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
  // The probe marks the first evidence read of a look whose pair check ran: the alerts' evidence tiles.
  let tiles = false;
  const detectEvidence: EvidenceStore = probing
    ? {
        description: evidence.description,
        get: (sha) => {
          if (reads > 0 && !tiles) {
            tiles = true;
            mark('alert evidence');
          }
          return evidence.get(sha);
        },
        put: (bytes, mediaType) => evidence.put(bytes, mediaType),
      }
    : evidence;
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
  for (const [i, acq] of pending.entries()) {
    mark(`embed ${i + 1}`);
    let t = performance.now();
    const embedded = await embedAcquisitionChips(
      { db, embedder, evidence },
      { areaId: 'bench', acquisitionId: acq.id, batchSize: input.batchSize },
    );
    out.embedMs += performance.now() - t;
    out.embedMiB = Math.max(out.embedMiB, peakMiB());
    out.chips += embedded.chips;
    mark(`detect ${i + 1}`);
    reads = 0;
    tiles = false;
    t = performance.now();
    const detected = await detectAcquisition(
      db,
      detectEvidence,
      { areaId: 'bench', acquisitionId: acq.id, modelId: embedder.id },
      reader,
    );
    if (reads > 0) {
      process.stderr.write(
        `probe: pair check: ${reads} reads, peak ${readsPeak} MiB until the last one ended\n`,
      );
      readsPeak = 0;
    }
    out.detectMs += performance.now() - t;
    out.alerts += detected.alerts.length;
    await markAcquisition(db, 'bench', acq.id, 'processed');
  }
  mark('close');
  await db.close();
  out.peakMiB = peakMiB();
  console.log(JSON.stringify(out));
}
