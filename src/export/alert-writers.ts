/**
 * Alert features written as a stream, one feature at a time: a GeoJSON FeatureCollection (RFC 7946), CSV
 * (RFC 4180: the properties, then the centroid's lon and lat and the outline as WKT) or FlatGeobuf (the
 * `flatgeobuf` package's header and feature encoders; no spatial index, whose size needs the feature count
 * up front, and the feature count 0 that the format reads as unknown).
 */
import type { Writable } from 'node:stream';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { ALERT_PROPERTY_NAMES, type AlertFeature, type AlertProperties } from './alert-features.ts';
import { centroid, multiPolygonWkt } from './geometry-text.ts';
import { write } from './sink.ts';

/** The export formats. */
export const EXPORT_FORMATS = ['geojson', 'csv', 'fgb'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Writes a FeatureCollection; returns the number of features. */
export async function writeGeoJson(features: AsyncIterable<AlertFeature>, out: Writable): Promise<number> {
  let n = 0;
  await write(out, '{"type":"FeatureCollection","features":[');
  for await (const f of features) {
    await write(out, `${n ? ',' : ''}\n${JSON.stringify(f)}`);
    n++;
  }
  await write(out, '\n]}\n');
  return n;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; null is empty. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes CSV with a header row; returns the number of features. */
export async function writeCsv(features: AsyncIterable<AlertFeature>, out: Writable): Promise<number> {
  let n = 0;
  await write(out, `${[...ALERT_PROPERTY_NAMES, 'centroid_lon', 'centroid_lat', 'wkt'].join(',')}\r\n`);
  for await (const f of features) {
    const c = centroid(f.geometry);
    const fields = [
      ...ALERT_PROPERTY_NAMES.map((k) => f.properties[k]),
      c?.[0] ?? null,
      c?.[1] ?? null,
      multiPolygonWkt(f.geometry),
    ];
    await write(out, `${fields.map(csvField).join(',')}\r\n`);
    n++;
  }
  return n;
}

/** FlatGeobuf column types of the properties. */
const COLUMN_TYPES: Record<keyof AlertProperties, ColumnType> = {
  id: ColumnType.Long,
  area_id: ColumnType.String,
  kind: ColumnType.String,
  confidence: ColumnType.String,
  score: ColumnType.Double,
  status: ColumnType.String,
  confirmation: ColumnType.String,
  area_km2: ColumnType.Double,
  first_seen: ColumnType.DateTime,
  last_seen: ColumnType.DateTime,
  chip_count: ColumnType.Int,
  geometry_source: ColumnType.String,
  burn_low_km2: ColumnType.Double,
  burn_moderate_low_km2: ColumnType.Double,
  burn_moderate_high_km2: ColumnType.Double,
  burn_high_km2: ColumnType.Double,
};

const FGB_HEADER: HeaderMeta = {
  geometryType: GeometryType.MultiPolygon,
  columns: ALERT_PROPERTY_NAMES.map((name): ColumnMeta => ({
    name,
    type: COLUMN_TYPES[name],
    title: null,
    description: null,
    width: -1,
    precision: -1,
    scale: -1,
    nullable: name.startsWith('burn_'),
    unique: name === 'id',
    primary_key: name === 'id',
  })),
  envelope: null,
  featuresCount: 0,
  indexNodeSize: 0,
  crs: null,
  title: null,
  description: null,
  metadata: null,
};

/**
 * The size-prefixed header, padded with zeros (counted in its size prefix, after the flatbuffer's tables)
 * to a multiple of 8 bytes: features then start 8-byte aligned, as readers that view their coordinates as
 * Float64Array in place need.
 */
function alignedHeader(): Uint8Array {
  const header = buildHeader(FGB_HEADER, 4326);
  const pad = (8 - (header.length % 8)) % 8;
  if (pad === 0) return header;
  const out = new Uint8Array(header.length + pad);
  out.set(header);
  new DataView(out.buffer).setUint32(0, header.length - 4 + pad, true);
  return out;
}

/** Writes FlatGeobuf in EPSG:4326; returns the number of features. */
export async function writeFlatGeobuf(features: AsyncIterable<AlertFeature>, out: Writable): Promise<number> {
  await write(out, magicbytes);
  await write(out, alignedHeader());
  let n = 0;
  for await (const f of features) {
    const props: Record<string, string | number | null> = { ...f.properties };
    await write(out, buildFeature(parseGeometry(f.geometry), props, FGB_HEADER));
    n++;
  }
  return n;
}

/** Writes features in a format; returns the number of features. */
export function writeFeatures(
  format: ExportFormat,
  features: AsyncIterable<AlertFeature>,
  out: Writable,
): Promise<number> {
  if (format === 'geojson') return writeGeoJson(features, out);
  if (format === 'csv') return writeCsv(features, out);
  return writeFlatGeobuf(features, out);
}
