/** The one line a failure prints and its exit status; the retry budget of a source. */
import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { toFailure } from '../activities/failures.ts';
import { reportFailure } from '../src/cli/failure.ts';
import { AreaError, InputError, SourceUnavailableError } from '../src/errors.ts';
import { httpRequest } from '../src/imagery/http.ts';
import { onRetry, type RetryNotice } from '../src/imagery/retry-budget.ts';

/** A failure as the client sees it: workflow → child workflow → activity → application failure. */
function wrapped(app: unknown): WorkflowFailedError {
  const activity = new ActivityFailure(
    'activity failed',
    'discoverAcquisitions',
    '1',
    RetryState.NON_RETRYABLE_FAILURE,
    'worker',
    app as Error,
  );
  const child = new ChildWorkflowFailure(
    'default',
    { workflowId: 'process/x', runId: 'r' },
    'processAcquisition',
    RetryState.NON_RETRYABLE_FAILURE,
    activity,
  );
  return new WorkflowFailedError('Workflow execution failed', child, RetryState.NON_RETRYABLE_FAILURE);
}

describe('reportFailure', () => {
  it('rebuilds a typed error from its ApplicationFailure deep in a workflow failure: bad input exits 2', () => {
    const err = wrapped(toFailure(new AreaError('unknown area "nowhere"')));
    expect(reportFailure(err)).toEqual({
      type: 'AreaError',
      message: 'unknown area "nowhere"',
      exitCode: 2,
    });
  });

  it('an unavailable source exits 3, whether retryable or not', () => {
    for (const retryable of [true, false]) {
      const err = wrapped(toFailure(new SourceUnavailableError('GET http://x/ timed out', { retryable })));
      expect(reportFailure(err)).toEqual({
        type: 'SourceUnavailableError',
        message: 'GET http://x/ timed out',
        exitCode: 3,
      });
    }
  });

  it('an error of ours thrown directly keeps its class and exit status', () => {
    expect(reportFailure(new InputError('--size "x" is bad'))).toEqual({
      type: 'InputError',
      message: '--size "x" is bad',
      exitCode: 2,
    });
  });

  it('a failure of no type of ours is an internal error (exit 1) named by its innermost cause', () => {
    const app = ApplicationFailure.create({
      type: 'TypeError',
      message: "Cannot read properties of null (reading 'x')",
    });
    expect(reportFailure(wrapped(app))).toEqual({
      type: 'TypeError',
      message: "Cannot read properties of null (reading 'x')",
      exitCode: 1,
    });
    expect(reportFailure(new RangeError('Invalid typed array length: 40000000000'))).toEqual({
      type: 'RangeError',
      message: 'Invalid typed array length: 40000000000',
      exitCode: 1,
    });
  });

  it('an activity timeout is an unavailable service (exit 3)', () => {
    const timeout = new TimeoutFailure(
      'activity StartToClose timeout',
      undefined,
      TimeoutType.START_TO_CLOSE,
    );
    expect(reportFailure(wrapped(timeout))).toEqual({
      type: 'TimeoutError',
      message: 'activity StartToClose timeout',
      exitCode: 3,
    });
  });
});

describe('the retry budget of a source', () => {
  const servers: Server[] = [];
  /** A source of its own (the budget is per origin) that accepts requests and never answers. */
  async function hangingUrl(path: string): Promise<string> {
    const hanging = createServer(() => {});
    servers.push(hanging);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(hanging.address() as AddressInfo).port}${path}`;
  }
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('a hanging source fails for good once its budget is spent, not after every attempt times out (no retry is left to announce)', async () => {
    const url = await hangingUrl('/search');
    const notices: RetryNotice[] = [];
    const stop = onRetry((n) => notices.push(n));
    const started = Date.now();
    const err = await httpRequest(
      url,
      { method: 'GET' },
      { timeoutMs: 20_000, budgetMs: 1500, retries: 3 },
    ).catch((e: unknown) => e);
    stop();
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as SourceUnavailableError).retryable).toBe(false);
    expect((err as Error).message).toBe(
      `GET ${url} unavailable for longer than its retry budget of 2 s: timed out after 1500 ms`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(5000);
    expect(notices).toEqual([]);
  });

  it('the budget spans calls: a second request to the failing source gets only what is left', async () => {
    const notices: RetryNotice[] = [];
    const stop = onRetry((n) => notices.push(n));
    const other = await hangingUrl('/other');
    const first = await httpRequest(
      other,
      { method: 'GET' },
      { timeoutMs: 300, budgetMs: 1000, retries: 1, backoffMs: 10 },
    ).catch((e: unknown) => e);
    stop();
    expect((first as SourceUnavailableError).retryable).toBe(true);
    expect((first as Error).message).toBe(
      `GET ${other} unavailable after 2 attempts: timed out after 300 ms`,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      request: `GET ${other}`,
      problem: 'timed out after 300 ms',
      attempt: 2,
      attempts: 2,
    });
    const second = await httpRequest(
      other,
      { method: 'GET' },
      { timeoutMs: 300, budgetMs: 1000, retries: 1, backoffMs: 10 },
    ).catch((e: unknown) => e);
    expect((second as SourceUnavailableError).retryable).toBe(false);
    expect((second as Error).message).toMatch(
      new RegExp(
        `^GET ${other} unavailable for longer than its retry budget of 1 s: timed out after \\d+ ms$`,
      ),
    );
  });
});
