/**
 * onnxruntime-node sessions, opened lazily and shared: one per ONNX file and requested provider, released
 * when the last user closes it. `auto` tries cuda, then webgpu, then cpu, and logs which one ran.
 */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.ts';

/** Execution provider a caller may ask for. */
export type ProviderChoice = 'auto' | 'cpu' | 'cuda' | 'webgpu';

/** Execution provider that actually runs a session. */
export type ProviderName = 'cpu' | 'cuda' | 'webgpu';

const AUTO_ORDER: ProviderName[] = ['cuda', 'webgpu', 'cpu'];

/** Options of one session. */
export interface SessionOptions {
  /** Provider to run on; `auto` picks the best available. */
  provider: ProviderChoice;
  /** Intra-op threads (0: onnxruntime's choice, one per core). */
  threads?: number;
  /** Receives a line about the provider chosen and any fallback. */
  logger?: (msg: string) => void;
}

/** An open session and where it runs. */
export interface OpenSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  file: string;
}

interface Entry {
  opened: Promise<OpenSession>;
  users: number;
}

const pool = new Map<string, Entry>();

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

async function create(file: string, provider: ProviderName, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    logSeverityLevel: 3,
  });
}

async function openOn(file: string, options: SessionOptions): Promise<OpenSession> {
  const threads = options.threads ?? 0;
  const log = options.logger ?? (() => {});
  if (options.provider !== 'auto') {
    try {
      const session = await create(file, options.provider, threads);
      log(`${file}: running on ${options.provider}`);
      return { session, provider: options.provider, file };
    } catch (cause) {
      if (options.provider === 'cpu') {
        throw new ModelError(`${file} is not a loadable ONNX model: ${message(cause)}`, { cause });
      }
      throw new ModelError(
        `execution provider ${options.provider} is unavailable for ${file}: ${message(cause)}`,
        { cause },
      );
    }
  }
  for (const provider of AUTO_ORDER) {
    try {
      const session = await create(file, provider, threads);
      log(`${file}: auto chose ${provider}`);
      return { session, provider, file };
    } catch (cause) {
      if (provider === 'cpu') {
        throw new ModelError(`${file} is not a loadable ONNX model: ${message(cause)}`, { cause });
      }
      log(`${file}: auto: ${provider} unavailable (${message(cause)}), trying the next provider`);
    }
  }
  throw new ModelError(`no execution provider could open ${file}`);
}

function keyOf(file: string, options: SessionOptions): string {
  return `${resolve(file)}\u0000${options.provider}\u0000${options.threads ?? 0}`;
}

/** The shared session of `file` on `options.provider`, opening it on first use. Pair with `releaseSession`. */
export async function acquireSession(file: string, options: SessionOptions): Promise<OpenSession> {
  const key = keyOf(file, options);
  let entry = pool.get(key);
  if (!entry) {
    const created: Entry = { opened: openOn(resolve(file), options), users: 0 };
    pool.set(key, created);
    created.opened.catch(() => {
      if (pool.get(key) === created) pool.delete(key);
    });
    entry = created;
  }
  entry.users++;
  try {
    return await entry.opened;
  } catch (error) {
    entry.users--;
    throw error;
  }
}

/** Gives back one use of a session; the last user's release disposes it. */
export async function releaseSession(file: string, options: SessionOptions): Promise<void> {
  const key = keyOf(file, options);
  const entry = pool.get(key);
  if (!entry) return;
  entry.users--;
  if (entry.users > 0) return;
  pool.delete(key);
  const opened = await entry.opened.catch(() => null);
  await opened?.session.release();
}

/** Number of sessions open in this process (for tests and diagnostics). */
export function openSessionCount(): number {
  return pool.size;
}
