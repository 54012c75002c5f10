/** Checks of the `--every`, `--cron` and `--catchup-window` values of a monitor schedule. */
import { msToNumber } from '@temporalio/common/lib/time.js';
import { InputError } from '../errors.ts';

/** A duration such as `1d`, `12h`, `5 days`, of at least `minMs`; throws InputError naming the flag and value. */
export function checkDuration(flag: string, value: string, minMs = 1000): number {
  let ms: number;
  try {
    ms = msToNumber(value.trim());
  } catch {
    ms = NaN;
  }
  if (!(ms >= minMs))
    throw new InputError(
      `${flag} "${value}" is not a duration of at least ${minMs / 1000} s, such as 1d, 12h or "5 days"`,
    );
  return ms;
}

const MACROS = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;
const NAMES: Record<number, string[]> = {
  3: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  4: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
};
const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** Whether one cron field (`*`, `5`, `1-5`, `*\/15`, `MON-FRI`, lists of these) is within its range. */
function validField(field: string, index: number): boolean {
  const [lo, hi] = RANGES[index]!;
  const value = (v: string): number => {
    const named = NAMES[index]?.indexOf(v.toUpperCase()) ?? -1;
    if (named >= 0) return index === 3 ? named + 1 : named;
    return /^\d+$/.test(v) ? Number(v) : NaN;
  };
  return field.split(',').every((part) => {
    const m = /^(\*|\?|([^-/]+)(?:-([^-/]+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return false;
    if (m[4] !== undefined && !(Number(m[4]) >= 1)) return false;
    if (m[1] === '*' || m[1] === '?') return m[1] === '*' || index === 2 || index === 4;
    return [m[2], m[3]].every((v) => v === undefined || (value(v) >= lo && value(v) <= hi));
  });
}

/** A five-field cron expression (minute hour day-of-month month day-of-week, UTC) or a macro such as `@daily`. */
export function checkCron(value: string): string {
  const expr = value.trim();
  if (MACROS.test(expr)) return expr;
  const fields = expr.split(/\s+/);
  const bad = fields.length === 5 ? fields.findIndex((f, i) => !validField(f, i)) : -2;
  if (bad !== -1)
    throw new InputError(
      `--cron "${value}" is not a cron expression of five fields (minute hour day-of-month month day-of-week, UTC) such as "0 6 * * *"${bad >= 0 ? `: field ${bad + 1} "${fields[bad]}" is out of range` : ''}`,
    );
  return expr;
}
