/**
 * The one line a failed command prints, and its exit status. A workflow failure arrives wrapped
 * (WorkflowFailedError → ChildWorkflowFailure → ActivityFailure → ApplicationFailure …): the chain is
 * walked to the first ApplicationFailure whose `type` is one of our error classes, which is rebuilt.
 */
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { DriftwatchError, errorFromType, EXIT_CODES } from '../errors.ts';

/** What the CLI prints (`driftwatch: <type>: <message>`) and the status it exits with. */
export interface FailureReport {
  type: string;
  message: string;
  exitCode: number;
}

/** The errors along a `.cause` chain, outermost first (cycles cut). */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && !chain.includes(e);) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

/** The typed error at the root of `err`, or undefined when no error of ours is in its chain. */
export function typedCause(err: unknown): DriftwatchError | undefined {
  for (const e of causes(err)) {
    if (e instanceof DriftwatchError) return e;
    if (e instanceof ApplicationFailure) {
      const typed = errorFromType(e.type, e.message);
      if (typed) return typed;
    }
  }
  return undefined;
}

/** The report of any error a command threw. */
export function reportFailure(err: unknown): FailureReport {
  const typed = typedCause(err);
  if (typed) return { type: typed.name, message: typed.message, exitCode: typed.exitCode };
  const chain = causes(err);
  const timeout = chain.find((e) => e instanceof TimeoutFailure);
  if (timeout)
    return {
      type: 'TimeoutError',
      message: (timeout as TimeoutFailure).message,
      exitCode: EXIT_CODES.unavailable,
    };
  // No error of ours: the innermost error is the root cause, reported as an internal fault.
  const root = chain.at(-1);
  if (root instanceof ApplicationFailure)
    return { type: root.type ?? 'Error', message: root.message, exitCode: EXIT_CODES.internal };
  if (root instanceof Error) return { type: root.name, message: root.message, exitCode: EXIT_CODES.internal };
  return { type: 'Error', message: String(root), exitCode: EXIT_CODES.internal };
}
