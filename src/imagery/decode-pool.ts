/**
 * Decoding compressed TIFF tiles off the main thread: a pool of worker threads that run geotiff.js's
 * own decoders (so decoded bytes are identical to those of `readRasters`), or inline decoding for a pool
 * of size 0.
 *
 * Hand-written rather than geotiff.js's `Pool` because that one starts its workers through the
 * `web-worker` package, whose workers keep a Node process alive until the pool is destroyed and cannot be
 * unref'd; these worker threads hold the process only while a job is pending, so one pool per size can
 * be shared by every reader of the process and never needs closing.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { getDecoder } from 'geotiff';
import './zlib-deflate.ts';

/** What geotiff.js's decoders need besides the bytes (its `BaseDecoderParameters`). */
export interface DecoderParameters {
  tileWidth: number;
  tileHeight: number;
  planarConfiguration: number;
  bitsPerSample: number[];
  predictor: number;
}

/** Decodes compressed tiles. */
export interface TileDecoder {
  /** Worker threads (0: decoding on the calling thread). */
  readonly size: number;
  /** The decoded bytes of one tile; `buffer` is transferred (unusable afterwards) when size > 0. */
  decode(compression: number, parameters: DecoderParameters, buffer: ArrayBuffer): Promise<ArrayBuffer>;
}

/** The default pool size: one worker per core the process may use. */
export function defaultDecodeWorkers(): number {
  return availableParallelism();
}

const pools = new Map<number, TileDecoder>();

/** The shared decoder with `size` worker threads (0: inline); created on first use. */
export function tileDecoder(size: number = defaultDecodeWorkers()): TileDecoder {
  const n = Math.max(0, Math.floor(size));
  let pool = pools.get(n);
  if (!pool) {
    pool = n === 0 ? inlineDecoder : new WorkerPool(n);
    pools.set(n, pool);
  }
  return pool;
}

/** One tile decoded on this thread by geotiff.js's decoder for its compression (DEFLATE: zlib-deflate.ts). */
export async function decodeTile(
  compression: number,
  parameters: DecoderParameters,
  buffer: ArrayBuffer,
): Promise<ArrayBuffer> {
  const decoder = await getDecoder(compression, parameters);
  return (await decoder.decode(buffer)) as ArrayBuffer;
}

const inlineDecoder: TileDecoder = { size: 0, decode: decodeTile };

interface Job {
  resolve: (b: ArrayBuffer) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, Job>;
}

class WorkerPool implements TileDecoder {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;

  constructor(readonly size: number) {}

  decode(compression: number, parameters: DecoderParameters, buffer: ArrayBuffer): Promise<ArrayBuffer> {
    const w = this.pick();
    const id = this.nextId++;
    return new Promise<ArrayBuffer>((resolve, reject) => {
      if (w.jobs.size === 0) w.worker.ref();
      w.jobs.set(id, { resolve, reject });
      w.worker.postMessage({ id, compression, parameters, buffer }, [buffer]);
    });
  }

  /** The least busy worker, starting another while fewer than `size` run and all are busy. */
  private pick(): PoolWorker {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (!best || w.jobs.size < best.jobs.size) best = w;
    if (best && (best.jobs.size === 0 || this.workers.length >= this.size)) return best;
    return this.start();
  }

  private start(): PoolWorker {
    // geotiff.js imports `web-worker`, which treats any worker thread as one of its own unless
    // workerData is an object without `mod`.
    const worker = new Worker(new URL('./decode-worker.mjs', import.meta.url), { workerData: {} });
    const w: PoolWorker = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', (m: { id: number; decoded?: ArrayBuffer; error?: string }) => {
      const job = w.jobs.get(m.id);
      w.jobs.delete(m.id);
      if (w.jobs.size === 0) worker.unref();
      if (!job) return;
      if (m.decoded) job.resolve(m.decoded);
      else job.reject(new Error(m.error ?? 'tile decoding failed'));
    });
    const fail = (err: Error): void => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      for (const job of w.jobs.values()) job.reject(err);
      w.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`tile decode worker exited with code ${code}`)));
    this.workers.push(w);
    return w;
  }
}
