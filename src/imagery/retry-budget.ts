/**
 * The retry budget of each source, in seconds: once a source (a URL origin) has been failing for longer
 * than its budget, across requests, HTTP retries and activity attempts in this process, its requests stop
 * being retried. A success clears the count; so does a quiet spell as long as the budget.
 */

/** Default budget: how long a source may stay unavailable before its requests fail for good. */
export const DEFAULT_RETRY_BUDGET_MS = 60_000;

/** One retry about to happen, for progress output. */
export interface RetryNotice {
  /** `GET https://…`. */
  request: string;
  /** What went wrong: `HTTP 503`, `timed out after 20000 ms`, `fetch failed (connect ECONNREFUSED …)`. */
  problem: string;
  /** The attempt about to start (2 for the first retry) and the most this call makes. */
  attempt: number;
  attempts: number;
  /** Delay before that attempt, and what is left of the source's budget, in ms. */
  delayMs: number;
  budgetLeftMs: number;
}

const failing = new Map<string, { since: number; last: number }>();
const listeners = new Set<(notice: RetryNotice) => void>();

/** The budget key of a URL: its origin (scheme, host, port). */
export function sourceKey(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Records a failure of the source, of an attempt that began at `startedAt` (the budget counts from the
 * start of the first failing attempt, so a hanging source spends it while it hangs); returns the ms of
 * budget left (≤ 0 when spent).
 */
export function noteFailure(key: string, budgetMs: number, startedAt: number, now = Date.now()): number {
  const entry = failing.get(key);
  if (!entry || startedAt - entry.last > budgetMs) failing.set(key, { since: startedAt, last: now });
  else entry.last = now;
  return budgetMs - (now - failing.get(key)!.since);
}

/** What is left of the source's budget now, in ms. */
export function budgetLeft(key: string, budgetMs: number, now = Date.now()): number {
  const entry = failing.get(key);
  if (!entry || now - entry.last > budgetMs) return budgetMs;
  return budgetMs - (now - entry.since);
}

/** Records a success of the source: its budget is whole again. */
export function noteSuccess(key: string): void {
  failing.delete(key);
}

/** Calls `listener` before every HTTP retry (the CLI prints these); returns a function that removes it. */
export function onRetry(listener: (notice: RetryNotice) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners about a retry. */
export function announceRetry(notice: RetryNotice): void {
  for (const listener of listeners) listener(notice);
}

/** The progress line of a retry. */
export function formatRetry(n: RetryNotice): string {
  return `source: ${n.request} failed (${n.problem}); attempt ${n.attempt} of ${n.attempts} in ${(n.delayMs / 1000).toFixed(1)} s, ${Math.max(0, Math.round(n.budgetLeftMs / 1000))} s of its retry budget left`;
}
