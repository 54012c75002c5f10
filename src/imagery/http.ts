/**
 * HTTP with retries: 5xx, 429, timeouts and connection errors are retried with exponential backoff and
 * finally become SourceUnavailableError (retryable); other 4xx become SourceError at once. Both name the URL.
 */
import { SourceError, SourceUnavailableError } from '../errors.ts';

/** Retry and timeout policy of HTTP requests. */
export interface HttpOptions {
  /** Milliseconds one attempt may take before it counts as a timeout (default 20000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First backoff delay in ms, doubled on each retry (default 250). */
  backoffMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** Default policy; tests and the CLI may lower timeouts through options. */
export const DEFAULT_HTTP: Required<Omit<HttpOptions, 'headers'>> = {
  timeoutMs: 20_000,
  retries: 3,
  backoffMs: 250,
};

/** Counts of requests made, for benchmarks. */
export const httpStats = { requests: 0, bytes: 0 };

/**
 * Sends one request with retries and returns the response when its status is 2xx (or `acceptStatus`).
 * The caller's signal aborts at once and is never retried.
 */
export async function httpRequest(
  url: string,
  init: RequestInit & { acceptStatus?: number[] },
  options: HttpOptions & { signal?: AbortSignal } = {},
): Promise<{ response: Response; body: ArrayBuffer }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP.timeoutMs;
  const retries = options.retries ?? DEFAULT_HTTP.retries;
  const backoffMs = options.backoffMs ?? DEFAULT_HTTP.backoffMs;
  let lastProblem = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    options.signal?.throwIfAborted();
    if (attempt > 0)
      await sleep(backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5), options.signal);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      httpStats.requests++;
      const response = await fetch(url, {
        ...init,
        headers: { ...options.headers, ...(init.headers as Record<string, string>) },
        signal,
      });
      if (response.ok || init.acceptStatus?.includes(response.status)) {
        const body = await response.arrayBuffer();
        httpStats.bytes += body.byteLength;
        return { response, body };
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 500 || response.status === 429) {
        lastProblem = `HTTP ${response.status}`;
        continue;
      }
      throw new SourceError(
        `${init.method ?? 'GET'} ${url} failed with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      );
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) lastProblem = `timed out after ${timeoutMs} ms`;
      else
        lastProblem =
          err instanceof Error
            ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`
            : String(err);
    }
  }
  throw new SourceUnavailableError(
    `${init.method ?? 'GET'} ${url} unavailable after ${retries + 1} attempts: ${lastProblem}`,
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
