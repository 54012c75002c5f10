/**
 * HTTP with retries: 5xx, 429, timeouts and connection errors are retried with exponential backoff while
 * the source's retry budget lasts (see `retry-budget.ts`) and finally become SourceUnavailableError;
 * other 4xx become SourceError at once. Both name the URL. Redirects are followed here (at most 10), not
 * by fetch, so that the Earthdata token goes only where earthdata.ts allows and a redirect to the
 * Earthdata login becomes an AccessError rather than a login page read as data.
 */
import { loadConfig } from '../config.ts';
import { SourceError, SourceUnavailableError } from '../errors.ts';
import type { Secret } from '../secret.ts';
import { shownUrl } from './shown-url.ts';
import {
  EARTHDATA_HOSTS,
  earthdataLoginError,
  earthdataRefusedError,
  isEarthdataLogin,
  sendsEarthdataToken,
} from './earthdata.ts';
import {
  announceRetry,
  budgetLeft,
  DEFAULT_RETRY_BUDGET_MS,
  noteFailure,
  noteSuccess,
  sourceKey,
} from './retry-budget.ts';

/** Retry and timeout policy of HTTP requests. */
export interface HttpOptions {
  /** Milliseconds one attempt may take before it counts as a timeout (default 20000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** First backoff delay in ms, doubled on each retry (default 250). */
  backoffMs?: number;
  /**
   * Milliseconds the source (the URL's origin) may stay unavailable, across requests and retries, before
   * its requests fail for good (non-retryable SourceUnavailableError; default 60000).
   */
  budgetMs?: number;
  /**
   * The URL is one the user gave (a STAC API root, a file to read): when every attempt of a call is
   * refused (or the host is unknown), the error is final rather than retried again later.
   */
  refusedIsFinal?: boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Domains (with their subdomains) that get the Earthdata token (default EARTHDATA_HOSTS). */
  earthdataHosts?: readonly string[];
}

/** Default policy; tests and the CLI may lower timeouts through options. */
export const DEFAULT_HTTP: Required<Omit<HttpOptions, 'headers' | 'refusedIsFinal' | 'earthdataHosts'>> = {
  timeoutMs: 20_000,
  retries: 3,
  backoffMs: 250,
  budgetMs: DEFAULT_RETRY_BUDGET_MS,
};

/** Counts of requests made, for benchmarks: every request sent (each attempt and each redirect hop). */
export const httpStats = { requests: 0, bytes: 0 };

/** Where httpRequest also counts the requests it sends (each attempt and each redirect hop). */
export interface RequestCounter {
  requests: number;
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether a fetch error is a refused connection, an unknown host or a port fetch never connects to. */
function refused(err: unknown): boolean {
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  return (typeof cause?.code === 'string' && REFUSED.has(cause.code)) || cause?.message === 'bad port';
}

/**
 * Sends one request with retries and returns the response when its status is 2xx (or `acceptStatus`).
 * The caller's signal aborts at once and is never retried.
 */
export async function httpRequest(
  url: string,
  init: RequestInit & { acceptStatus?: number[] },
  options: HttpOptions & { signal?: AbortSignal; counter?: RequestCounter } = {},
): Promise<{ response: Response; body: ArrayBuffer }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP.timeoutMs;
  const retries = options.retries ?? DEFAULT_HTTP.retries;
  const backoffMs = options.backoffMs ?? DEFAULT_HTTP.backoffMs;
  const budgetMs = options.budgetMs ?? DEFAULT_HTTP.budgetMs;
  const key = sourceKey(url);
  const request = `${init.method ?? 'GET'} ${shownUrl(url)}`;
  // Read from this process's environment at each call: never stored, never passed on.
  const earthdataToken = loadConfig().earthdataToken;
  const earthdataHosts = options.earthdataHosts ?? EARTHDATA_HOSTS;
  let lastProblem = '';
  let allRefused = true;
  for (let attempt = 0; attempt <= retries; attempt++) {
    options.signal?.throwIfAborted();
    const attemptMs = Math.max(1, Math.min(timeoutMs, budgetLeft(key, budgetMs)));
    const timeout = AbortSignal.timeout(attemptMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const startedAt = Date.now();
    try {
      const response = await send(url, init, signal, {
        counter: options.counter,
        request,
        headers: { ...options.headers, ...(init.headers as Record<string, string>) },
        earthdataToken,
        earthdataHosts,
      });
      if (response.ok || init.acceptStatus?.includes(response.status)) {
        const body = await response.arrayBuffer();
        httpStats.bytes += body.byteLength;
        noteSuccess(key);
        return { response, body };
      }
      const text = await response.text().catch(() => '');
      allRefused = false;
      if (response.status >= 500 || response.status === 429) {
        lastProblem = `HTTP ${response.status}`;
      } else {
        noteSuccess(key); // the server answered: it is up
        if (
          (response.status === 401 || response.status === 403) &&
          sendsEarthdataToken(new URL(response.url || url), earthdataHosts)
        )
          throw earthdataRefusedError(request, response.status, earthdataToken !== undefined);
        throw new SourceError(
          `${request} failed with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        );
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (options.signal?.aborted) throw options.signal.reason;
      if (!refused(err)) allRefused = false;
      if (timeout.aborted) lastProblem = `timed out after ${attemptMs} ms`;
      else
        lastProblem =
          err instanceof Error
            ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`
            : String(err);
    }
    const left = noteFailure(key, budgetMs, startedAt);
    if (left <= 0)
      throw new SourceUnavailableError(
        `${request} unavailable for longer than its retry budget of ${Math.round(budgetMs / 1000)} s: ${lastProblem}`,
        { retryable: false },
      );
    if (attempt < retries) {
      const delayMs = Math.min(left, backoffMs * 2 ** attempt * (0.75 + Math.random() * 0.5));
      announceRetry({
        request,
        problem: lastProblem,
        attempt: attempt + 2,
        attempts: retries + 1,
        delayMs,
        budgetLeftMs: left,
      });
      await sleep(delayMs, options.signal);
    }
  }
  if (allRefused && options.refusedIsFinal)
    throw new SourceUnavailableError(
      `${request}: ${lastProblem} on all ${retries + 1} attempts; check the URL and that its server is running`,
      { retryable: false },
    );
  throw new SourceUnavailableError(`${request} unavailable after ${retries + 1} attempts: ${lastProblem}`);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * One fetch, following redirects: the Earthdata token is sent where sendsEarthdataToken allows and kept
 * only while the redirects stay on its origin; 303 (and 301/302 of a POST) continue as a GET without body.
 */
async function send(
  url: string,
  init: RequestInit,
  signal: AbortSignal,
  ctx: {
    counter: RequestCounter | undefined;
    request: string;
    headers: Record<string, string>;
    earthdataToken: Secret | undefined;
    earthdataHosts: readonly string[];
  },
): Promise<Response> {
  let current = new URL(url);
  let method = init.method ?? 'GET';
  let body = init.body;
  let bearer = ctx.earthdataToken !== undefined && sendsEarthdataToken(current, ctx.earthdataHosts);
  let tokenSent = false;
  for (let hop = 0; ; hop++) {
    const headers = bearer
      ? { ...ctx.headers, Authorization: `Bearer ${ctx.earthdataToken!.reveal()}` }
      : ctx.headers;
    tokenSent ||= bearer;
    httpStats.requests++;
    if (ctx.counter) ctx.counter.requests++;
    const response = await fetch(current, { ...init, method, body, headers, signal, redirect: 'manual' });
    const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
    if (location === null) return response;
    await response.body?.cancel();
    const next = new URL(location, current);
    if (isEarthdataLogin(next)) throw earthdataLoginError(ctx.request, tokenSent);
    if (hop === MAX_REDIRECTS)
      throw new SourceError(
        `${ctx.request} was redirected more than ${MAX_REDIRECTS} times (last to ${shownUrl(next)})`,
      );
    if (
      response.status === 303 ||
      (method === 'POST' && (response.status === 301 || response.status === 302))
    ) {
      method = 'GET';
      body = undefined;
    }
    bearer &&= next.origin === current.origin;
    current = next;
  }
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
