/** Parsers of numeric and date flags: each throws InputError naming the flag and the value given. */
import { EVENT_KINDS, type EventKind } from '../domain.ts';
import { InputError } from '../errors.ts';

/** A whole number from `min` to `max` (`--pre-days 60`, `--chip-size 256`). */
export function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max)
      throw new InputError(`${flag} "${value}" is not a whole number from ${min} to ${max}`);
    return n;
  };
}

/** A number greater than zero (`--resolution 10`, `--max-area 500`). */
export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new InputError(`${flag} "${value}" is not a number greater than 0`);
    return n;
  };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A calendar date (YYYY-MM-DD, UTC) or a full ISO 8601 datetime with its zone; `1`, `2024` or
 * `2024-02-30` are refused. With `notAfter`, a later instant is refused too (an event still to come).
 */
export function isoDate(flag: string, value: string, notAfter?: Date): Date {
  const text = value.trim();
  const dateOnly = DATE_ONLY.test(text);
  const at = dateOnly ? new Date(`${text}T00:00:00Z`) : DATETIME.test(text) ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime()) || (dateOnly && at.toISOString().slice(0, 10) !== text))
    throw new InputError(
      `${flag} "${value}" is not a date (YYYY-MM-DD) or an ISO 8601 datetime with zone (2024-05-01T10:00:00Z)`,
    );
  if (notAfter && at.getTime() > notAfter.getTime())
    throw new InputError(`${flag} "${value}" is in the future (now is ${notAfter.toISOString()})`);
  return at;
}

/** An event kind of EVENT_KINDS (`--event flood`); with `any`, also the word `any` (any change). */
export function eventKind(flag: string, any: true): (value: string) => EventKind | 'any';
export function eventKind(flag: string, any?: false): (value: string) => EventKind;
export function eventKind(flag: string, any = false) {
  return (value: string): EventKind | 'any' => {
    const v = value.trim();
    if (any && v === 'any') return 'any';
    if ((EVENT_KINDS as readonly string[]).includes(v)) return v as EventKind;
    throw new InputError(
      `${flag} "${value}" is not an event kind (${[...EVENT_KINDS, ...(any ? ['any'] : [])].join(', ')})`,
    );
  };
}
