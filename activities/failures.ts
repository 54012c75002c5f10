import { ApplicationFailure } from '@temporalio/common';
import { DriftwatchError } from '../src/errors.ts';

/**
 * Maps errors at the activity boundary: a DriftwatchError becomes an ApplicationFailure whose `type`
 * is its class name, non-retryable unless the class is transient (SourceUnavailableError,
 * ServiceUnavailableError). Anything else passes through and Temporal retries it.
 */
export function toFailure(err: unknown): unknown {
  if (err instanceof DriftwatchError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      nonRetryable: !err.retryable,
      cause: err,
    });
  }
  return err;
}

/** Wraps every function of an activity object with `toFailure`. */
export function withFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toFailure(err);
      }
    };
  }
  return wrapped as T;
}
