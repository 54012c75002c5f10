/**
 * The sidecar `<name>.json` next to a GeoTIFF of a local folder source says what the file does not:
 *
 *     { "datetime": "2024-06-10T10:20:00Z", "bands": ["blue", "green", "red", "nir"],
 *       "cloudCover": 3, "scale": 0.0001, "offset": -0.1, "nodata": 0,
 *       "processingBaseline": "05.10", "platform": "sentinel-2b", "level": "L2A" }
 *
 * Every field is optional. `scale` and `offset` are one number for every band or an array of one number
 * per band (file order); value = stored × scale + offset. `nodata` replaces the file's nodata value (null:
 * none). Where no `offset` is given, the Sentinel-2 baseline rule of l2a-offset.ts applies by the
 * sidecar's `processingBaseline` (or `s2:processing_baseline`), else by `platform`, `level` and datetime.
 * Other keys are kept as item properties. A field of the wrong kind is a SourceError naming the file,
 * the field and the value.
 *
 * An area's local source may carry band metadata in the same form (`metadata`): defaults for every
 * GeoTIFF of the folder, each file's sidecar overriding them field by field.
 */
import { SourceError } from '../errors.ts';
import { sentinel2Offset } from './l2a-offset.ts';
import type { BandScaling } from './raster-reader.ts';

/** A number for every band, or one per band. */
export type PerBand = number | number[];

/** What a sidecar says. */
export interface Sidecar {
  /** ISO 8601 datetime of the acquisition. */
  datetime?: string;
  /** Band names in file order. */
  bands?: string[];
  /** Cloud cover in percent. */
  cloudCover?: number;
  /** Multiplier of stored numbers. */
  scale?: PerBand;
  /** Added after scaling. */
  offset?: PerBand;
  /** Stored value meaning "no data" (null: none), replacing the file's own. */
  nodata?: number | null;
  /** The whole sidecar, kept as the item's properties. */
  properties: Record<string, unknown>;
}

/** What the messages call a sidecar file, or the area's band metadata when no file is named. */
function where(file: string | null): string {
  return file === null ? "the source's band metadata" : `sidecar ${file}`;
}

function fail(file: string | null, key: string, value: unknown, expected: string): never {
  throw new SourceError(`${where(file)}: "${key}" is ${JSON.stringify(value)}; expected ${expected}`);
}

function perBand(file: string | null, key: string, value: unknown, nonZero: boolean): PerBand {
  const ok = (v: unknown): v is number =>
    typeof v === 'number' && Number.isFinite(v) && (!nonZero || v !== 0);
  if (ok(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(ok)) return value;
  return fail(
    file,
    key,
    value,
    `a${nonZero ? ' non-zero' : ''} number or an array of one such number per band`,
  );
}

/** Validates a parsed sidecar (file null: a source's band metadata); throws SourceError naming the file, field and value. */
export function parseSidecar(json: unknown, file: string | null): Sidecar {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SourceError(`${where(file)} must be a JSON object, got ${JSON.stringify(json)}`);
  }
  const o = json as Record<string, unknown>;
  const out: Sidecar = { properties: { ...o } };
  if (o.datetime !== undefined) {
    if (typeof o.datetime !== 'string' || Number.isNaN(Date.parse(o.datetime)))
      fail(file, 'datetime', o.datetime, 'an ISO 8601 date, e.g. "2024-06-10T10:20:00Z"');
    out.datetime = o.datetime;
  }
  if (o.bands !== undefined) {
    if (!Array.isArray(o.bands) || !o.bands.every((b) => typeof b === 'string' && b.length > 0))
      fail(file, 'bands', o.bands, 'an array of band names in file order');
    out.bands = o.bands as string[];
  }
  if (o.cloudCover !== undefined) {
    if (typeof o.cloudCover !== 'number' || !(o.cloudCover >= 0 && o.cloudCover <= 100))
      fail(file, 'cloudCover', o.cloudCover, 'a percentage in 0…100');
    out.cloudCover = o.cloudCover;
  }
  if (o.scale !== undefined) out.scale = perBand(file, 'scale', o.scale, true);
  if (o.offset !== undefined) out.offset = perBand(file, 'offset', o.offset, false);
  if (o.nodata !== undefined) {
    if (o.nodata !== null && !(typeof o.nodata === 'number' && Number.isFinite(o.nodata)))
      fail(file, 'nodata', o.nodata, 'a number or null');
    out.nodata = o.nodata as number | null;
  }
  if (o.processingBaseline !== undefined) {
    const v = o.processingBaseline;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n)) fail(file, 'processingBaseline', v, 'a baseline such as "04.00"');
  }
  return out;
}

/**
 * Scaling overrides per band from the sidecar and the Sentinel-2 baseline rule; throws SourceError when a
 * per-band array does not have one value per band.
 */
export function sidecarScaling(
  sidecar: Sidecar,
  bands: readonly string[],
  file: string | null,
  datetime: string,
): Record<string, Partial<BandScaling>> {
  const at = (key: 'scale' | 'offset', i: number): number | undefined => {
    const v = sidecar[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return v;
    if (v.length !== bands.length)
      fail(file, key, v, `one number per band (the raster has ${bands.length}: ${bands.join(', ')})`);
    return v[i];
  };
  const rule = sidecar.offset === undefined ? sentinel2Offset(sidecar.properties, datetime) : null;
  const out: Record<string, Partial<BandScaling>> = {};
  bands.forEach((band, i) => {
    const s: Partial<BandScaling> = {};
    if (sidecar.nodata !== undefined) s.nodata = sidecar.nodata;
    if (band !== 'scl') {
      const scale = at('scale', i);
      const offset = at('offset', i) ?? rule ?? undefined;
      if (scale !== undefined) s.scale = scale;
      if (offset !== undefined) s.offset = offset;
      if (scale !== undefined || offset !== undefined) s.kind = 'reflectance';
    }
    if (Object.keys(s).length > 0) out[band] = s;
  });
  return out;
}
