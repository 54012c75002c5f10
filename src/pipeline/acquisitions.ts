import { InputError } from '../errors.ts';
import type { Acquisition, ImagerySource } from '../imagery/index.ts';
import type { Queryable } from '../store/db.ts';
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

/** Inserts acquisitions and links them to the area; existing rows are left untouched. */
export async function recordAcquisitions(
  db: Queryable,
  areaId: string,
  found: readonly Acquisition[],
): Promise<void> {
  for (const acq of found) {
    await db.query(
      `INSERT INTO acquisitions (source, item_id, datetime, cloud_cover, epsg, assets, properties)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, item_id) DO NOTHING`,
      [
        acq.source,
        acq.itemId,
        acq.datetime,
        acq.cloudCover,
        acq.epsg,
        JSON.stringify(acq.assets),
        JSON.stringify(acq.properties),
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

/**
 * Searches the area's source and records what it finds. Monitoring mode (no `window`): returns the
 * pending acquisitions newer than the last processed one and not after `until`, in datetime order.
 * Window mode: returns every acquisition of the area inside the window that is not yet processed.
 */
export async function discoverAcquisitions(
  db: Queryable,
  source: ImagerySource,
  area: AreaRecord,
  options: DiscoverOptions = {},
): Promise<AcquisitionRef[]> {
  const until = options.until ?? new Date().toISOString();
  const since =
    options.window?.start ?? (await lastProcessed(db, area.id)) ?? area.start ?? '1970-01-01T00:00:00Z';
  const end = options.window?.end ?? until;
  if (Date.parse(since) > Date.parse(end)) return [];
  const found = await source.search(
    { bbox: area.area.bbox, intersects: area.area.geometry, datetime: { start: since, end } },
    { signal: options.signal },
  );
  await recordAcquisitions(db, area.id, found);
  const { rows } = await db.query<{ id: number; item_id: string; datetime: Date }>(
    `SELECT a.id, a.item_id, a.datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'pending' AND a.datetime ${options.window ? '>=' : '>'} $2 AND a.datetime <= $3
      ORDER BY a.datetime, a.id`,
    [area.id, since, end],
  );
  return rows.map((r) => ({ id: r.id, itemId: r.item_id, datetime: new Date(r.datetime).toISOString() }));
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
