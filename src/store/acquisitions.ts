/**
 * Acquisitions and their status per area: what discovery records, processing marks, and the lists the
 * pipeline and the CLI read back.
 */
import { InputError } from '../errors.ts';
import type { Acquisition } from '../imagery/index.ts';
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf, OuterJoined, RowOf } from './schema.ts';

/** What workflows carry about an acquisition: a reference, never pixels. */
export interface AcquisitionRef {
  /** Database id. */
  id: number;
  /** The source's item id. */
  itemId: string;
  /** ISO datetime. */
  datetime: string;
}

/** An acquisition whose processing failed for an area. */
export interface FailedAcquisition {
  /** Database id. */
  id: number;
  /** The source's item id (or pass key). */
  itemId: string;
  /** ISO datetime. */
  datetime: string;
  /** Error class name, e.g. RasterError. */
  type: string;
  /** The error message. */
  message: string;
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

/** An acquisition's reference columns. */
type RefRow = ColumnsOf<'acquisitions', 'id' | 'item_id' | 'datetime'>;

function decodeRef(r: RefRow): AcquisitionRef {
  return { id: r.id, itemId: r.item_id, datetime: new Date(r.datetime).toISOString() };
}

/** A reference with the area's error columns. */
type FailedRow = RefRow & ColumnsOf<'area_acquisitions', 'error_type' | 'error'>;

function decodeError(r: FailedRow): { type: string; message: string } {
  return { type: r.error_type ?? 'Error', message: r.error ?? '' };
}

function decodeFailed(r: FailedRow): FailedAcquisition {
  return { ...decodeRef(r), ...decodeError(r) };
}

/** A whole acquisitions row. */
type AcquisitionRow = RowOf<'acquisitions'>;

function decodeAcquisition(r: AcquisitionRow): Acquisition {
  const items = r.items as Acquisition[] | null;
  return {
    source: r.source,
    itemId: r.item_id,
    datetime: new Date(r.datetime).toISOString(),
    cloudCover: r.cloud_cover,
    epsg: r.epsg,
    assets: r.assets as Record<string, string>,
    properties: r.properties as Record<string, unknown>,
    ...(items ? { items } : {}),
  };
}

/** A failed row with the area's status and `items`: how many items the pass has (computed). */
type AreaAcquisitionRow = FailedRow & ColumnsOf<'area_acquisitions', 'status'> & { items: number };

function decodeAreaAcquisition(r: AreaAcquisitionRow): AreaAcquisition {
  const status = r.status as AreaAcquisition['status'];
  return {
    ...decodeRef(r),
    items: r.items,
    status,
    error: status === 'failed' ? decodeError(r) : null,
  };
}

/** The datetime of the newest processed acquisition of the area, if any. */
export async function lastProcessed(db: Queryable, areaId: string): Promise<string | undefined> {
  const { rows } = await db.query<OuterJoined<ColumnsOf<'acquisitions', 'datetime'>>>(
    `SELECT max(a.datetime) AS datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'processed'`,
    [areaId],
  );
  const d = rows[0]?.datetime;
  return d ? new Date(d).toISOString() : undefined;
}

/** Whether the area has acquisitions recorded, of any status. */
export async function areaHasAcquisitions(db: Queryable, areaId: string): Promise<boolean> {
  const { rows } = await db.query<{ seen: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM area_acquisitions WHERE area_id = $1) AS seen',
    [areaId],
  );
  return rows[0]!.seen;
}

/**
 * Inserts acquisitions (passes with their items) and links them to the area, in order; existing rows are
 * left untouched (the first of repeated items wins, as when inserted one by one).
 */
export async function recordAcquisitions(
  db: Queryable,
  areaId: string,
  found: readonly Acquisition[],
): Promise<void> {
  await insertRows(
    db,
    insertInto('acquisitions', [
      'source',
      'item_id',
      'datetime',
      'cloud_cover',
      'epsg',
      'assets',
      'properties',
      'items',
    ]),
    found,
    (acq) => [
      acq.source,
      acq.itemId,
      acq.datetime,
      acq.cloudCover,
      acq.epsg,
      JSON.stringify(acq.assets),
      JSON.stringify(acq.properties),
      acq.items ? JSON.stringify(acq.items) : null,
    ],
    'ON CONFLICT (source, item_id) DO NOTHING',
  );
  if (found.length === 0) return;
  await db.query(
    `INSERT INTO area_acquisitions (area_id, acquisition_id)
     SELECT $1, a.id FROM unnest($2::text[], $3::text[]) AS k(source, item_id)
       JOIN acquisitions a ON a.source = k.source AND a.item_id = k.item_id
     ON CONFLICT (area_id, acquisition_id) DO NOTHING`,
    [areaId, found.map((a) => a.source), found.map((a) => a.itemId)],
  );
}

/**
 * The area's pending acquisitions after `since` (at or after it when `fromSince`) and not after `end`,
 * oldest first.
 */
export async function listPending(
  db: Queryable,
  areaId: string,
  since: string,
  end: string,
  fromSince: boolean,
): Promise<AcquisitionRef[]> {
  const { rows } = await db.query<RefRow>(
    `SELECT a.id, a.item_id, a.datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'pending' AND a.datetime ${fromSince ? '>=' : '>'} $2 AND a.datetime <= $3
      ORDER BY a.datetime, a.id`,
    [areaId, since, end],
  );
  return rows.map(decodeRef);
}

/** Failed acquisitions of an area inside a window, oldest first, with their errors. */
export async function listFailed(
  db: Queryable,
  areaId: string,
  window: { start: string; end: string },
): Promise<FailedAcquisition[]> {
  const { rows } = await db.query<FailedRow>(
    `SELECT a.id, a.item_id, a.datetime, aa.error_type, aa.error FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'failed' AND a.datetime BETWEEN $2 AND $3 ORDER BY a.datetime, a.id`,
    [areaId, window.start, window.end],
  );
  return rows.map(decodeFailed);
}

/** Loads an acquisition as the imagery layer describes it. */
export async function getAcquisition(db: Queryable, id: number): Promise<Acquisition> {
  const { rows } = await db.query<AcquisitionRow>('SELECT * FROM acquisitions WHERE id = $1', [id]);
  const r = rows[0];
  if (!r) throw new InputError(`unknown acquisition id ${id}`);
  return decodeAcquisition(r);
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
  const { rows } = await db.query<RefRow>(
    `SELECT a.id, a.item_id, a.datetime FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'processed' AND a.datetime BETWEEN $2 AND $3 ORDER BY a.datetime, a.id`,
    [areaId, window.start, window.end],
  );
  return rows.map(decodeRef);
}

/**
 * Processed acquisitions of an area up to `end`, oldest first, each with whether its item properties hold
 * `key` (the backscatter declaration of a radar look); only these columns are read, not the items.
 */
export async function listProcessedWithProperty(
  db: Queryable,
  areaId: string,
  end: string,
  key: string,
): Promise<{ ref: AcquisitionRef; has: boolean }[]> {
  const { rows } = await db.query<RefRow & { has: boolean }>(
    `SELECT a.id, a.item_id, a.datetime, a.properties ? $3 AS has
       FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND aa.status = 'processed' AND a.datetime <= $2 ORDER BY a.datetime, a.id`,
    [areaId, end, key],
  );
  return rows.map((r) => ({ ref: decodeRef(r), has: r.has }));
}

/** The area's recorded acquisitions, oldest first, optionally of one status. */
export async function listAreaAcquisitions(
  db: Queryable,
  areaId: string,
  status?: AreaAcquisition['status'],
): Promise<AreaAcquisition[]> {
  const { rows } = await db.query<AreaAcquisitionRow>(
    `SELECT a.id, a.item_id, a.datetime, COALESCE(jsonb_array_length(a.items), 1)::int AS items, aa.status,
            aa.error_type, aa.error
       FROM area_acquisitions aa JOIN acquisitions a ON a.id = aa.acquisition_id
      WHERE aa.area_id = $1 AND ($2::text IS NULL OR aa.status = $2) ORDER BY a.datetime, a.id`,
    [areaId, status ?? null],
  );
  return rows.map(decodeAreaAcquisition);
}
