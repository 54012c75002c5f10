/**
 * Reading chips on every core: a pool of worker threads (`chip-worker.mjs`), each of which reads whole
 * batches of cells with readChips on its own thread — its own COG handles, byte caches and decoded-tile
 * caches, decoding inline — so that window assembly, resampling, masks and rendering run in parallel
 * too, not only tile decoding (in a CPU profile of a Sentinel-2 chip, decoding is about a quarter of
 * the work; shipping only that to decode workers made two cores slower than one). Workers share nothing
 * mutable; the calling thread only hands out batches in order and collects the chips, whose pixel
 * buffers are transferred, not copied.
 *
 * Hand-written on node:worker_threads (like decode-pool.ts): the workers hold the process only while a
 * batch is pending, so one pool per size is shared by every caller of the process and never needs
 * closing.
 */
import { Worker } from 'node:worker_threads';
import { errorFromType, SourceUnavailableError } from '../errors.ts';
import type { Chip } from './chip.ts';
import type { GridCell, GridSpec } from './grid.ts';
import { DEFAULT_HTTP, type HttpOptions } from './http.ts';
import type { Acquisition } from './source.ts';
import type { Resampling } from './warp.ts';

/** The options of readChips that travel to a worker (plain data; no signal, no worker counts). */
export interface ChipJobOptions {
  /** Smallest valid fraction of a usable chip. */
  minValidFraction?: number;
  /** Bands of the stack. */
  bands?: string[];
  /** Cells read at once within the batch. */
  concurrency?: number;
  /** Resampling of continuous bands. */
  resampling?: Resampling;
  /** HTTP retry and timeout policy. */
  http?: HttpOptions;
}

/** One batch of cells for a worker. */
export interface ChipJob {
  /** The acquisition whose bands are read. */
  acquisition: Acquisition;
  /** The cells of the batch, in output order. */
  cells: GridCell[];
  /** The chip grid. */
  grid: GridSpec;
  /** readChips options for the batch. */
  options: ChipJobOptions;
}

/** An error as it crosses the thread boundary. */
interface ErrorFields {
  name: string;
  message: string;
  retryable?: boolean;
}

interface Pending {
  job: ChipJob;
  signal?: AbortSignal;
  resolve: (chips: Chip[]) => void;
  reject: (err: unknown) => void;
  /** Rejects the batch while it waits in the queue. */
  onQueuedAbort?: () => void;
}

interface Running extends Pending {
  id: number;
  onAbort?: () => void;
}

interface PoolWorker {
  worker: Worker;
  running: Running | null;
}

/** Runs chip batches on `size` worker threads, one batch per worker at a time, in the order given. */
export class ChipWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;

  constructor(
    /** Worker threads at most. */
    readonly size: number,
  ) {}

  /** The chips of one batch, in the order of its cells. */
  read(job: ChipJob, signal?: AbortSignal): Promise<Chip[]> {
    return new Promise<Chip[]>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const pending: Pending = { job, signal, resolve, reject };
      if (signal) {
        // A batch aborted while it waits leaves the queue at once, not when a worker frees up.
        pending.onQueuedAbort = () => {
          const i = this.queue.indexOf(pending);
          if (i < 0) return;
          this.queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', pending.onQueuedAbort, { once: true });
      }
      this.queue.push(pending);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let w = this.workers.find((x) => x.running === null);
      if (!w && this.workers.length < this.size) w = this.start();
      if (!w) return;
      const next = this.queue.shift()!;
      if (next.onQueuedAbort) next.signal?.removeEventListener('abort', next.onQueuedAbort);
      if (next.signal?.aborted) {
        next.reject(next.signal.reason);
        continue;
      }
      this.send(w, next);
    }
  }

  private send(w: PoolWorker, pending: Pending): void {
    const id = this.nextId++;
    const running: Running = { ...pending, id };
    w.running = running;
    w.worker.ref();
    if (pending.signal) {
      const signal = pending.signal;
      running.onAbort = () => {
        w.worker.postMessage({ cancel: id });
        this.finish(w, id);
        pending.reject(signal.reason);
      };
      signal.addEventListener('abort', running.onAbort, { once: true });
    }
    try {
      // A worker thread has its own copy of the HTTP defaults: the job carries the calling thread's (the
      // retry budget and policy the CLI set from the configuration), under the job's own options.
      const http = { ...DEFAULT_HTTP, ...pending.job.options.http };
      w.worker.postMessage({ id, ...pending.job, options: { ...pending.job.options, http } });
    } catch (err) {
      // A job that cannot be cloned (e.g. an acquisition holding functions) fails alone.
      this.finish(w, id);
      pending.reject(err);
    }
  }

  /** Frees the worker of job `id` (if it still runs it) and starts the next batch. */
  private finish(w: PoolWorker, id: number): Running | null {
    const running = w.running;
    if (!running || running.id !== id) return null;
    if (running.onAbort) running.signal?.removeEventListener('abort', running.onAbort);
    w.running = null;
    w.worker.unref();
    queueMicrotask(() => this.dispatch());
    return running;
  }

  private start(): PoolWorker {
    // geotiff.js imports `web-worker`, which treats any worker thread as one of its own unless
    // workerData is an object without `mod`.
    const worker = new Worker(new URL('./chip-worker.mjs', import.meta.url), { workerData: {} });
    const w: PoolWorker = { worker, running: null };
    worker.unref();
    worker.on('message', (m: { id: number; chips?: Chip[]; error?: ErrorFields }) => {
      const running = this.finish(w, m.id);
      if (!running) return;
      if (m.chips) running.resolve(m.chips);
      else running.reject(errorOf(m.error ?? { name: 'Error', message: 'chip worker failed' }));
    });
    const fail = (err: Error): void => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      const running = w.running;
      if (running) {
        this.finish(w, running.id);
        running.reject(err);
      }
      queueMicrotask(() => this.dispatch());
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`chip worker exited with code ${code}`)));
    this.workers.push(w);
    return w;
  }
}

/** The error of the worker's fields: the project's class of that name where there is one. */
function errorOf(fields: ErrorFields): Error {
  if (fields.name === 'SourceUnavailableError')
    return new SourceUnavailableError(fields.message, { retryable: fields.retryable });
  const ours = errorFromType(fields.name, fields.message);
  if (ours) return ours;
  if (fields.name === 'AbortError') return new DOMException(fields.message, 'AbortError');
  const err = new Error(fields.message);
  err.name = fields.name;
  return err;
}

const pools = new Map<number, ChipWorkerPool>();

/** The shared pool of `size` chip workers; created on first use. */
export function chipWorkerPool(size: number): ChipWorkerPool {
  const n = Math.max(1, Math.floor(size));
  let pool = pools.get(n);
  if (!pool) {
    pool = new ChipWorkerPool(n);
    pools.set(n, pool);
  }
  return pool;
}
