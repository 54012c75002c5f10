import {
  DEFAULT_PASS_WINDOW_HOURS,
  groupPasses,
  passItems,
  type Acquisition,
  type ImagerySource,
} from '../imagery/index.ts';
import {
  areaHasAcquisitions,
  lastProcessed,
  listPending,
  recordAcquisitions,
  type AcquisitionRef,
} from '../store/acquisitions.ts';
import type { Queryable } from '../store/db.ts';
import { addSkipped, type NearestAcquisitions, type SkippedItem } from './acquisition-report.ts';
import type { AreaRecord } from './areas.ts';

export {
  getAcquisition,
  lastProcessed,
  listAreaAcquisitions,
  listFailed,
  listProcessed,
  listProcessedWithProperty,
  markAcquisition,
  recordAcquisitions,
  type AcquisitionRef,
  type AreaAcquisition,
} from '../store/acquisitions.ts';

/** Options of one discovery. */
export interface DiscoverOptions {
  /** Only acquisitions at or before this instant (ISO); default now. */
  until?: string;
  /** Search this window instead of "newer than the last processed one". */
  window?: { start: string; end: string };
  signal?: AbortSignal;
}

/** What one discovery found. */
export interface Discovery {
  /** Acquisitions to process, oldest first. */
  pending: AcquisitionRef[];
  /** Items the source could not turn into acquisitions (at most MAX_REPORTED_SKIPS). */
  skipped: SkippedItem[];
  /** How many items the source skipped in all. */
  skippedTotal: number;
  /** The searched window. */
  window: { start: string; end: string };
  /** Whether the area had acquisitions recorded (of any status) before this discovery. */
  seenBefore: boolean;
}

const HOUR = 3_600_000;

/** The area's pass window in hours. */
export function passWindowHours(area: AreaRecord): number {
  return area.source.passWindowHours ?? DEFAULT_PASS_WINDOW_HOURS;
}

/**
 * Searches the area's source, groups the items into passes and records them. Monitoring mode (no
 * `window`): returns the pending acquisitions newer than the last processed one and not after `until`,
 * in datetime order. Window mode: returns every acquisition of the area inside the window that is not yet
 * processed. The search reaches one pass window before the start, so that a pass is always keyed by all
 * of its items; a pass counts as inside when its first item is.
 */
export async function discover(
  db: Queryable,
  source: ImagerySource,
  area: AreaRecord,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const until = options.until ?? new Date().toISOString();
  const last = await lastProcessed(db, area.id);
  const seenBefore = await areaHasAcquisitions(db, area.id);
  const since = options.window?.start ?? last ?? area.start ?? '1970-01-01T00:00:00Z';
  const end = options.window?.end ?? until;
  const result: Discovery = {
    pending: [],
    skipped: [],
    skippedTotal: 0,
    window: { start: new Date(since).toISOString(), end: new Date(end).toISOString() },
    seenBefore,
  };
  if (Date.parse(since) > Date.parse(end)) return result;
  const hours = passWindowHours(area);
  const items = await source.search(
    {
      bbox: area.area.bbox,
      intersects: area.area.geometry,
      datetime: { start: new Date(Date.parse(since) - hours * HOUR).toISOString(), end },
    },
    {
      signal: options.signal,
      onItemError: (err) => addSkipped(result, { type: err.name, message: err.message }),
    },
  );
  const passes = groupPasses(items, hours).filter((p) => Date.parse(p.datetime) >= Date.parse(since));
  await recordAcquisitions(db, area.id, passes);
  result.pending = await listPending(db, area.id, since, end, options.window !== undefined);
  return result;
}

/** The pending acquisitions of a discovery (see `discover`). */
export async function discoverAcquisitions(
  db: Queryable,
  source: ImagerySource,
  area: AreaRecord,
  options: DiscoverOptions = {},
): Promise<AcquisitionRef[]> {
  return (await discover(db, source, area, options)).pending;
}

/**
 * The latest acquisition before and the earliest after a window, searched `spanDays` around it (read
 * only: nothing is recorded). Skipped items of that search are not reported again.
 */
export async function nearestAcquisitions(
  source: ImagerySource,
  area: AreaRecord,
  window: { start: string; end: string },
  options: { spanDays?: number; signal?: AbortSignal } = {},
): Promise<NearestAcquisitions> {
  const spanDays = options.spanDays ?? 366;
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  const hours = passWindowHours(area);
  const items = await source.search(
    {
      bbox: area.area.bbox,
      intersects: area.area.geometry,
      datetime: {
        start: new Date(start - spanDays * 24 * HOUR - hours * HOUR).toISOString(),
        end: new Date(end + spanDays * 24 * HOUR).toISOString(),
      },
    },
    { signal: options.signal, onItemError: () => {} },
  );
  const passes = groupPasses(items, hours);
  const ref = (p: Acquisition | undefined) =>
    p ? { itemId: p.itemId, datetime: p.datetime, items: passItems(p).length } : null;
  const before = passes.filter((p) => Date.parse(p.datetime) < start).at(-1);
  const after = passes.find((p) => Date.parse(p.datetime) > end);
  return {
    window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
    searchedDays: spanDays,
    before: ref(before),
    after: ref(after),
  };
}
