/** Areas: their geometry, grid and source as stored. */
import { parseArea, type GridSpec, type SourceConfig, type ValidArea } from '../imagery/index.ts';
import type { ColumnsOf, RowOf } from './schema.ts';
import type { Db, Queryable } from './db.ts';

/** An area as stored. */
export interface AreaRecord {
  /** Stable id. */
  id: string;
  /** Display name. */
  name: string;
  /** The validated area (geometry, bbox, UTM zone). */
  area: ValidArea;
  /** The area's chip grid. */
  grid: GridSpec;
  /** Where acquisitions come from. */
  source: SourceConfig;
  /** Earliest acquisition date to consider (ISO), when the area was registered with one. */
  start?: string;
  /** Minimum mapping unit in hectares: smaller groups of changed pixels make no alert. */
  mmuHa: number;
  /** Days within which an optical and a radar look of a chip are fused (sensor-fusion.ts). */
  fusionDays: number;
  /** When the area was registered (ISO). */
  createdAt: string;
}

/** The columns of a new area row. */
export interface AreaInsert {
  /** Stable id. */
  id: string;
  /** Display name. */
  name: string;
  /** GeoJSON geometry in lon/lat. */
  geometry: ValidArea['geometry'];
  /** West, south, east, north. */
  bbox: readonly number[];
  /** EPSG code of the grid. */
  epsg: number;
  /** Chip size in pixels. */
  chipPx: number;
  /** Pixel size in metres. */
  resolutionM: number;
  /** The source config, with `start` when given. */
  source: SourceConfig & { start?: string };
  /** Minimum mapping unit in hectares. */
  mmuHa: number;
  /** Fusion window in days. */
  fusionDays: number;
}

/** An areas row as the drivers return it (schema.ts). */
type AreaRow = RowOf<'areas'>;

function decodeArea(row: AreaRow): AreaRecord {
  const { start, ...source } = row.source as SourceConfig & { start?: string };
  const area = parseArea(row.geometry as ValidArea['geometry'], { maxAreaKm2: Number.POSITIVE_INFINITY });
  return {
    id: row.id,
    name: row.name,
    area: { ...area, epsg: row.epsg },
    grid: { epsg: row.epsg, chipPx: row.chip_px, resolutionM: row.resolution_m },
    source: source as SourceConfig,
    start,
    mmuHa: row.mmu_ha,
    fusionDays: row.fusion_days,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Inserts an area unless one has its id; returns whether it was inserted. */
export async function insertArea(db: Queryable, a: AreaInsert): Promise<boolean> {
  const { rows } = await db.query<ColumnsOf<'areas', 'id'>>(
    `INSERT INTO areas (id, name, geometry, bbox, epsg, chip_px, resolution_m, source, mmu_ha, fusion_days)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      a.id,
      a.name,
      JSON.stringify(a.geometry),
      a.bbox,
      a.epsg,
      a.chipPx,
      a.resolutionM,
      JSON.stringify(a.source),
      a.mmuHa,
      a.fusionDays,
    ],
  );
  return rows.length > 0;
}

/** The area with this id, or undefined. */
export async function findArea(db: Queryable, id: string): Promise<AreaRecord | undefined> {
  const { rows } = await db.query<AreaRow>('SELECT * FROM areas WHERE id = $1', [id]);
  return rows[0] ? decodeArea(rows[0]) : undefined;
}

/** Whether an area has this id. */
export async function areaExists(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM areas WHERE id = $1`, [id]);
  return rows.length > 0;
}

/** Every area, by id. */
export async function listAreas(db: Queryable): Promise<AreaRecord[]> {
  const { rows } = await db.query<AreaRow>('SELECT * FROM areas ORDER BY id');
  return rows.map(decodeArea);
}

/** What removeArea did. */
export interface AreaRemoval {
  /** Whether an area had the id. */
  removed: boolean;
  /** Evidence files (chip renderings, alert tiles and pages) deleted with it: no other area uses them. */
  evidenceFiles: number;
  /** Their bytes. */
  evidenceBytes: number;
}

/**
 * Removes an area and everything recorded for it (foreign keys cascade), and, in the same transaction, the
 * evidence files that only it used. Evidence is content-addressed, so identical bytes (the same chip
 * rendered for two overlapping areas) are one file: a file goes only when neither an observation's
 * rendering nor an alert's evidence of any other area still names it. A file of the area's that another
 * worker stores again while it is being removed is stored again once that worker's write retries.
 */
export async function removeArea(db: Db, id: string): Promise<AreaRemoval> {
  return db.transaction(async (tx) => {
    const { rows: used } = await tx.query<{ sha256: string }>(
      `SELECT o.rgb_sha256 AS sha256 FROM observations o JOIN chips c ON c.id = o.chip_id
        WHERE c.area_id = $1 AND o.rgb_sha256 IS NOT NULL
       UNION
       SELECT ae.sha256 FROM alert_evidence ae JOIN alerts a ON a.id = ae.alert_id WHERE a.area_id = $1`,
      [id],
    );
    const { affectedRows } = await tx.query('DELETE FROM areas WHERE id = $1', [id]);
    if (affectedRows === 0) return { removed: false, evidenceFiles: 0, evidenceBytes: 0 };
    const { rows: freed } = await tx.query<{ bytes: number }>(
      `DELETE FROM evidence_files f
        WHERE f.sha256 = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.rgb_sha256 = f.sha256)
          AND NOT EXISTS (SELECT 1 FROM alert_evidence ae WHERE ae.sha256 = f.sha256)
       RETURNING f.bytes`,
      [used.map((r) => r.sha256)],
    );
    return {
      removed: true,
      evidenceFiles: freed.length,
      evidenceBytes: freed.reduce((n, r) => n + Number(r.bytes), 0),
    };
  });
}
