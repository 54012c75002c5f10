import { resolve } from 'node:path';
import { z } from 'zod';
import { AreaError, InputError, SourceError } from '../errors.ts';
import {
  CHIP_PX_RANGE,
  gridCellsForArea,
  parseArea,
  parseSidecar,
  type GridCell,
  type SourceConfig,
  type ValidArea,
  validChipPx,
} from '../imagery/index.ts';
import { findArea, insertArea, type AreaRecord } from '../store/areas.ts';
import type { Queryable } from '../store/db.ts';
import { DEFAULT_MMU_HA } from '../detect/mapping-unit.ts';
import { checkFusionDays, FUSION_WINDOW_DAYS } from '../detect/sensor-fusion.ts';
import { checkChipCount, DEFAULT_MAX_CHIPS } from './chip-limit.ts';

export { listAreas, removeArea, type AreaRecord, type AreaRemoval } from '../store/areas.ts';

/** What `addArea` needs. */
export interface NewArea {
  /** Stable id: lower-case letters, digits, `-` and `_`. */
  id: string;
  /** Display name (defaults to the id). */
  name?: string;
  /** GeoJSON Feature, Polygon or MultiPolygon in lon/lat. */
  geojson: unknown;
  /** Where acquisitions come from. */
  source: SourceConfig;
  /** Chip size in pixels (default 256). */
  chipPx?: number;
  /** Pixel size in metres (default 10). */
  resolutionM?: number;
  /** Earliest acquisition date to consider (ISO date). */
  start?: string;
  /** Largest accepted area in km² (default 10,000). */
  maxAreaKm2?: number;
  /** Most chips the area may yield on its grid (default 20,000); checked before anything is stored. */
  maxChips?: number;
  /** Minimum mapping unit in hectares (default DEFAULT_MMU_HA, 0.1 ha). */
  mmuHa?: number;
  /** Days within which optical and radar looks of a chip are fused (default FUSION_WINDOW_DAYS, 0…60). */
  fusionDays?: number;
}

const ID = /^[a-z0-9][a-z0-9_-]*$/;

const passWindowHours = z.number().min(0).max(168).optional();
const sourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('stac-api'),
    url: z.string().url(),
    collection: z.string().min(1),
    preset: z.enum(['earth-search', 'planetary-computer']).optional(),
    passWindowHours,
  }),
  z.object({
    kind: z.literal('local'),
    path: z.string().min(1),
    metadata: z.record(z.string(), z.unknown()).optional(),
    passWindowHours,
  }),
]);

/** Validates a source config; a local path is made absolute (it is the source's identity). */
export function parseSourceConfig(value: unknown): SourceConfig {
  const parsed = sourceSchema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(
      `invalid source ${JSON.stringify(value)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'source'}: ${i.message}`).join('; ')}`,
    );
  }
  const source = parsed.data;
  if (source.kind !== 'local') return source;
  if (source.metadata) {
    try {
      parseSidecar(source.metadata, null);
    } catch (err) {
      if (err instanceof SourceError) throw new InputError(err.message);
      throw err;
    }
  }
  return { ...source, path: resolve(source.path) };
}

/** Registers an area (idempotent for the same id and geometry); returns the stored record. */
export async function addArea(db: Queryable, input: NewArea): Promise<AreaRecord> {
  if (!ID.test(input.id)) {
    throw new AreaError(
      `area id "${input.id}" must be lower-case letters, digits, "-" or "_", starting with a letter or digit`,
    );
  }
  const area = parseArea(input.geojson, { maxAreaKm2: input.maxAreaKm2 });
  const source = parseSourceConfig(input.source);
  const chipPx = input.chipPx ?? 256;
  const resolutionM = input.resolutionM ?? 10;
  if (!validChipPx(chipPx))
    throw new InputError(
      `chip size ${chipPx} px is not an integer in ${CHIP_PX_RANGE.min}…${CHIP_PX_RANGE.max}`,
    );
  if (!(resolutionM > 0)) throw new InputError(`resolution ${resolutionM} m must be positive`);
  const mmuHa = input.mmuHa ?? DEFAULT_MMU_HA;
  if (!(mmuHa >= 0) || !Number.isFinite(mmuHa)) {
    throw new InputError(`minimum mapping unit ${input.mmuHa} ha is not a finite number ≥ 0`);
  }
  const fusionDays = input.fusionDays === undefined ? FUSION_WINDOW_DAYS : checkFusionDays(input.fusionDays);
  if (input.start !== undefined && Number.isNaN(Date.parse(input.start))) {
    throw new InputError(`start "${input.start}" is not an ISO date`);
  }
  checkChipCount(
    input.id,
    area,
    { epsg: area.epsg, chipPx, resolutionM },
    input.maxChips ?? DEFAULT_MAX_CHIPS,
  );
  const sourceJson = { ...source, ...(input.start ? { start: input.start } : {}) };
  const inserted = await insertArea(db, {
    id: input.id,
    name: input.name ?? input.id,
    geometry: area.geometry,
    bbox: area.bbox,
    epsg: area.epsg,
    chipPx,
    resolutionM,
    source: sourceJson,
    mmuHa,
    fusionDays,
  });
  const stored = await getArea(db, input.id);
  if (!inserted) {
    const requested = {
      geometry: area.geometry,
      chipPx,
      resolutionM,
      source,
      start: input.start,
      mmuHa: input.mmuHa,
      fusionDays: input.fusionDays,
    };
    const conflict = areaConflict(stored, requested);
    if (conflict)
      throw new AreaError(
        `area "${input.id}" already exists with ${conflict}; remove it first or choose another id`,
      );
  }
  return stored;
}

/** JSON with object keys sorted (jsonb does not keep the order keys were written in). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** A source in words: its folder, or its URL and collection. */
function describeSource(s: SourceConfig): string {
  return s.kind === 'local' ? s.path : `${s.url} (collection ${s.collection})`;
}

/** What differs between a stored area and a request to add it again, in words; undefined when nothing does. */
function areaConflict(
  stored: AreaRecord,
  req: Pick<ValidArea, 'geometry'> & {
    chipPx: number;
    resolutionM: number;
    source: SourceConfig;
    start?: string;
    /** The minimum mapping unit asked for, when one was given. */
    mmuHa?: number;
    /** The fusion window asked for, when one was given. */
    fusionDays?: number;
  },
): string | undefined {
  if (JSON.stringify(stored.area.geometry) !== JSON.stringify(req.geometry)) return 'a different geometry';
  if (stored.grid.chipPx !== req.chipPx)
    return `chip size ${stored.grid.chipPx} px, not the ${req.chipPx} px given`;
  if (stored.grid.resolutionM !== req.resolutionM)
    return `resolution ${stored.grid.resolutionM} m, not the ${req.resolutionM} m given`;
  if (describeSource(stored.source) !== describeSource(req.source))
    return `source ${describeSource(stored.source)}, not the ${describeSource(req.source)} given`;
  if (canonical(stored.source) !== canonical(req.source))
    return `source settings ${canonical(stored.source)}, not the ${canonical(req.source)} given`;
  if ((stored.start ?? null) !== (req.start ?? null))
    return `start ${stored.start ?? 'none'}, not the ${req.start ?? 'none'} given`;
  if (req.mmuHa !== undefined && stored.mmuHa !== req.mmuHa)
    return `minimum mapping unit ${stored.mmuHa} ha, not the ${req.mmuHa} ha given`;
  if (req.fusionDays !== undefined && stored.fusionDays !== req.fusionDays)
    return `fusion window ${stored.fusionDays} days, not the ${req.fusionDays} given`;
  return undefined;
}

/** The area with this id, or an AreaError naming it. */
export async function getArea(db: Queryable, id: string): Promise<AreaRecord> {
  const area = await findArea(db, id);
  if (!area) throw new AreaError(`unknown area "${id}"`);
  return area;
}

/** The area's grid cells (stable keys), north-west first. */
export function areaCells(area: AreaRecord): GridCell[] {
  return gridCellsForArea(area.area, area.grid);
}
