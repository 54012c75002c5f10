/**
 * Parameters of the features API and exports, as OGC API – Features (Part 1) spells them: `bbox` as
 * west,south,east,north in lon/lat, `datetime` as an instant or an interval `start/end` with `..` (or
 * nothing) for an open end, `limit` and `offset` as integers. Each parser throws an InputError naming the
 * parameter and the value it could not use.
 */
import { InputError } from '../errors.ts';
import { parseDateBound } from '../store/read-queries.ts';

/** A time interval; a missing end is open. */
export interface DateInterval {
  /** Inclusive start. */
  start?: Date;
  /** Inclusive end. */
  end?: Date;
}

/** Largest page the features API serves. */
export const MAX_LIMIT = 10_000;

/** `bbox=west,south,east,north` (four finite numbers in lon/lat ranges, south ≤ north, west ≤ east). */
export function parseBbox(text: string): [number, number, number, number] {
  const parts = text.split(',').map((p) => p.trim());
  const v = parts.map(Number);
  const ok =
    parts.length === 4 &&
    parts.every((p) => p !== '') &&
    v.every(Number.isFinite) &&
    v[0]! >= -180 &&
    v[2]! <= 180 &&
    v[1]! >= -90 &&
    v[3]! <= 90 &&
    v[0]! <= v[2]! &&
    v[1]! <= v[3]!;
  if (!ok) {
    throw new InputError(
      `bbox "${text}" is not west,south,east,north: four numbers in lon/lat with west ≤ east and south ≤ north`,
    );
  }
  return v as [number, number, number, number];
}

/** `datetime=<instant>`, `<start>/<end>`, `../<end>` or `<start>/..` (dates or ISO 8601 datetimes with zone). */
export function parseDatetime(text: string): DateInterval {
  const bad = () =>
    new InputError(
      `datetime "${text}" is not an instant or an interval start/end of dates (YYYY-MM-DD) or ISO 8601 datetimes with zone, ".." for an open end`,
    );
  const parts = text.trim().split('/');
  if (parts.length > 2) throw bad();
  const open = (p: string) => p === '' || p === '..';
  const start = (p: string) => parseDateBound(p, 'from').at;
  const end = (p: string) => {
    const b = parseDateBound(p, 'to');
    return b.inclusive ? b.at : new Date(b.at.getTime() - 1);
  };
  try {
    if (parts.length === 1) {
      if (open(parts[0]!)) throw bad();
      return { start: start(parts[0]!), end: end(parts[0]!) };
    }
    const [a, b] = parts as [string, string];
    if (open(a) && open(b)) throw bad();
    const out: DateInterval = {};
    if (!open(a)) out.start = start(a);
    if (!open(b)) out.end = end(b);
    if (out.start && out.end && out.start > out.end) throw bad();
    return out;
  } catch (err) {
    if (err instanceof InputError) throw bad();
    throw err;
  }
}

/** An integer parameter in min…max. */
function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new InputError(`${name} "${text}" is not an integer from ${min} to ${max}`);
  }
  return n;
}

/** `limit` in 1…MAX_LIMIT. */
export function parseLimit(text: string): number {
  return integer('limit', text, 1, MAX_LIMIT);
}

/** `offset` ≥ 0. */
export function parseOffset(text: string): number {
  return integer('offset', text, 0, Number.MAX_SAFE_INTEGER);
}
