import { InputError } from '../errors.ts';
import {
  DEFAULT_PASS_WINDOW_HOURS,
  groupPasses,
  passItems,
  type Acquisition,
  type ImagerySource,
} from '../imagery/index.ts';
import type { Queryable } from '../store/db.ts';
import {
  addSkipped,
  type FailedAcquisition,
  type NearestAcquisitions,
  type SkippedItem,
} from './acquisition-report.ts';
import type { AreaRecord } from './areas.ts';

/** What workflows carry about an acquisition: a reference, never pixels. */
export interface AcquisitionRef {
  /** Database id. */
  id: number;
  /** The source's item id. */
  itemId: string;
  /** ISO datetime. */
  datetime: string;
}

/** Options of one discovery. */
export interface DiscoverOptions {
  /** Only acquisitions at or before this instant (ISO); default now. */
  until?: string;
  /** Search this window instead of "newer than the last processed one". */
  window?: { start: string; end: string };
  signal?: AbortSignal;
}

/** The datetime of the newest processed acquisition of the area, if any. */
export async function lastProcessed(db: Queryable, areaId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ datetime: Date | null }>(
    `SELECT max(a.datetime) AS datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'processed'`,
    [areaId],
  );
  const d = rows[0]?.datetime;
  return d ? new Date(d).toISOString() : undefined;
}

/** Inserts acquisitions (passes with their items) and links them to the area; existing rows are left untouched. */
export async function recordAcquisitions(
  db: Queryable,
  areaId: string,
  found: readonly Acquisition[],
): Promise<void> {
  for (const acq of found) {
    await db.query(
      `INSERT INTO acquisitions (source, item_id, datetime, cloud_cover, epsg, assets, properties, items)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source, item_id) DO NOTHING`,
      [
        acq.source,
        acq.itemId,
        acq.datetime,
        acq.cloudCover,
        acq.epsg,
        JSON.stringify(acq.assets),
        JSON.stringify(acq.properties),
        acq.items ? JSON.stringify(acq.items) : null,
      ],
    );
    await db.query(
      `INSERT INTO area_acquisitions (area_id, acquisition_id)
       SELECT $1, id FROM acquisitions WHERE source = $2 AND item_id = $3
       ON CONFLICT (area_id, acquisition_id) DO NOTHING`,
      [areaId, acq.source, acq.itemId],
    );
  }
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
  const { rows: seen } = await db.query<{ seen: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM area_acquisitions WHERE area_id = $1) AS seen',
    [area.id],
  );
  const since = options.window?.start ?? last ?? area.start ?? '1970-01-01T00:00:00Z';
  const end = options.window?.end ?? until;
  const result: Discovery = {
    pending: [],
    skipped: [],
    skippedTotal: 0,
    window: { start: new Date(since).toISOString(), end: new Date(end).toISOString() },
    seenBefore: seen[0]!.seen,
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
  const { rows } = await db.query<{ id: number; item_id: string; datetime: Date }>(
    `SELECT a.id, a.item_id, a.datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'pending' AND a.datetime ${options.window ? '>=' : '>'} $2 AND a.datetime <= $3
      ORDER BY a.datetime, a.id`,
    [area.id, since, end],
  );
  result.pending = rows.map((r) => ({
    id: r.id,
    itemId: r.item_id,
    datetime: new Date(r.datetime).toISOString(),
  }));
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

/** Failed acquisitions of an area inside a window, oldest first, with their errors. */
export async function listFailed(
  db: Queryable,
  areaId: string,
  window: { start: string; end: string },
): Promise<FailedAcquisition[]> {
  const { rows } = await db.query<{
    id: number;
    item_id: string;
    datetime: Date;
    error_type: string | null;
    error: string | null;
  }>(
    `SELECT a.id, a.item_id, a.datetime, aa.error_type, aa.error FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'failed' AND a.datetime BETWEEN $2 AND $3 ORDER BY a.datetime, a.id`,
    [areaId, window.start, window.end],
  );
  return rows.map((r) => ({
    id: r.id,
    itemId: r.item_id,
    datetime: new Date(r.datetime).toISOString(),
    type: r.error_type ?? 'Error',
    message: r.error ?? '',
  }));
}

/** Loads an acquisition as the imagery layer describes it. */
export async function getAcquisition(db: Queryable, id: number): Promise<Acquisition> {
  const { rows } = await db.query<{
    source: string;
    item_id: string;
    datetime: Date;
    cloud_cover: number | null;
    epsg: number | null;
    assets: Record<string, string>;
    properties: Record<string, unknown>;
    items: Acquisition[] | null;
  }>('SELECT * FROM acquisitions WHERE id = $1', [id]);
  const r = rows[0];
  if (!r) throw new InputError(`unknown acquisition id ${id}`);
  return {
    source: r.source,
    itemId: r.item_id,
    datetime: new Date(r.datetime).toISOString(),
    cloudCover: r.cloud_cover,
    epsg: r.epsg,
    assets: r.assets,
    properties: r.properties,
    ...(r.items ? { items: r.items } : {}),
  };
}

/** Records what became of an acquisition for an area. */
export async function markAcquisition(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
  status: 'processed' | 'failed',
  error?: { type: string; message: string },
): Promise<void> {
  await db.query(
    `UPDATE area_acquisitions SET status = $3, error = $4, error_type = $5, updated_at = now()
      WHERE area_id = $1 AND acquisition_id = $2`,
    [areaId, acquisitionId, status, error?.message ?? null, error?.type ?? null],
  );
}

/** Processed acquisitions of an area inside a window, oldest first. */
export async function listProcessed(
  db: Queryable,
  areaId: string,
  window: { start: string; end: string },
): Promise<AcquisitionRef[]> {
  const { rows } = await db.query<{ id: number; item_id: string; datetime: Date }>(
    `SELECT a.id, a.item_id, a.datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'processed' AND a.datetime BETWEEN $2 AND $3 ORDER BY a.datetime, a.id`,
    [areaId, window.start, window.end],
  );
  return rows.map((r) => ({ id: r.id, itemId: r.item_id, datetime: new Date(r.datetime).toISOString() }));
}

/** One acquisition of an area as `area acquisitions` lists it. */
export interface AreaAcquisition {
  /** Database id. */
  id: number;
  /** The source's item id (or pass key). */
  itemId: string;
  /** ISO datetime. */
  datetime: string;
  /** Items in the pass (1 for a single item). */
  items: number;
  /** pending, processed or failed. */
  status: 'pending' | 'processed' | 'failed';
  /** What made it fail. */
  error: { type: string; message: string } | null;
}

/** The area's recorded acquisitions, oldest first, optionally of one status. */
export async function listAreaAcquisitions(
  db: Queryable,
  areaId: string,
  status?: AreaAcquisition['status'],
): Promise<AreaAcquisition[]> {
  const { rows } = await db.query<{
    id: number;
    item_id: string;
    datetime: Date;
    items: number;
    status: AreaAcquisition['status'];
    error_type: string | null;
    error: string | null;
  }>(
    `SELECT a.id, a.item_id, a.datetime, COALESCE(jsonb_array_length(a.items), 1)::int AS items, aa.status,
            aa.error_type, aa.error
       FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND ($2::text IS NULL OR aa.status = $2) ORDER BY a.datetime, a.id`,
    [areaId, status ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    itemId: r.item_id,
    datetime: new Date(r.datetime).toISOString(),
    items: r.items,
    status: r.status,
    error: r.status === 'failed' ? { type: r.error_type ?? 'Error', message: r.error ?? '' } : null,
  }));
}
