/**
 * Areas of interest: GeoJSON Polygon / MultiPolygon (bare or inside a Feature) in lon/lat, validated and
 * summarised (bbox, UTM zone of the centroid, geodesic area). Areas may cross the antimeridian, either
 * split into a MultiPolygon at ±180° (RFC 7946) or as one ring that jumps across it (179° → −179°).
 */
import { AreaError } from '../errors.ts';
import type { Bbox } from './image.ts';
import { utmEpsg } from './crs.ts';
import { checkHoles, checkPartsDisjoint } from './area-parts.ts';
import { findSelfIntersection, type Ring } from './polygon.ts';

/** A position: [longitude, latitude] (further members such as altitude are ignored). */
export type Position = number[];

/** A GeoJSON Polygon in lon/lat. */
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}

/** A GeoJSON MultiPolygon in lon/lat. */
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}

/** The geometry of an area of interest. */
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;

/** A validated area of interest. */
export interface ValidArea {
  /** The geometry as given (rings closed, coordinates within range). */
  geometry: AreaGeometry;
  /** Lon/lat west, south, east, north; west > east when the area crosses the antimeridian. */
  bbox: Bbox;
  /** UTM zone of the area's centroid: 326xx (north) or 327xx (south). */
  epsg: number;
  /** Geodesic area in square kilometres (holes subtracted). */
  areaKm2: number;
}

/** Options of parseArea. */
export interface AreaOptions {
  /** Largest accepted area in km² (default 10000). */
  maxAreaKm2?: number;
}

const EARTH_RADIUS_M = 6378137;

/** Validates a GeoJSON area; throws AreaError naming the problem and the offending value. */
export function parseArea(geojson: unknown, options: AreaOptions = {}): ValidArea {
  const maxAreaKm2 = options.maxAreaKm2 ?? 10_000;
  const geometry = extractGeometry(geojson);
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  if (!Array.isArray(polygons) || polygons.length === 0)
    throw new AreaError(`${geometry.type} has no coordinates (empty geometry)`);
  const rings: Ring[][] = polygons.map((polygon, p) =>
    parsePolygon(polygon, geometry.type === 'Polygon' ? 'polygon' : `polygon ${p}`),
  );
  const bbox = lonLatBbox(rings);
  const unwrapped = rings.map((poly) => poly.map((ring) => unwrapRing(ring, bbox)));
  if (unwrapped.length > 1) checkPartsDisjoint(unwrapped);

  let areaM2 = 0;
  let cx = 0;
  let cy = 0;
  let weight = 0;
  for (const [p, poly] of unwrapped.entries()) {
    let polyArea = 0;
    for (const [r, ring] of poly.entries()) {
      const a = Math.abs(sphericalRingArea(ring));
      polyArea += r === 0 ? a : -a;
      const c = planarCentroid(ring);
      const sign = r === 0 ? 1 : -1;
      cx += sign * c.x * c.area;
      cy += sign * c.y * c.area;
      weight += sign * c.area;
    }
    if (polyArea <= 0) throw new AreaError(`${label(geometry, p)} has zero area (empty geometry)`);
    areaM2 += polyArea;
  }
  const areaKm2 = areaM2 / 1e6;
  if (areaKm2 > maxAreaKm2) {
    throw new AreaError(`area of ${areaKm2.toFixed(1)} km² is larger than the limit of ${maxAreaKm2} km²`);
  }
  const centroidLon = normalizeLon(weight > 0 ? cx / weight : (bbox[0] + bbox[2]) / 2);
  const centroidLat = weight > 0 ? cy / weight : (bbox[1] + bbox[3]) / 2;
  return { geometry, bbox, epsg: utmEpsg(centroidLon, centroidLat), areaKm2 };
}

function label(geometry: AreaGeometry, p: number): string {
  return geometry.type === 'Polygon' ? 'polygon' : `polygon ${p}`;
}

function extractGeometry(input: unknown): AreaGeometry {
  if (input === null || typeof input !== 'object')
    throw new AreaError(`area must be a GeoJSON object, got ${describe(input)}`);
  const obj = input as Record<string, unknown>;
  if (obj.type === 'Feature') {
    if (obj.geometry === null || obj.geometry === undefined)
      throw new AreaError('Feature has no geometry (empty geometry)');
    return extractGeometry(obj.geometry);
  }
  if (obj.type === 'FeatureCollection') {
    const features = obj.features;
    if (Array.isArray(features) && features.length === 1) return extractGeometry(features[0]);
    throw new AreaError(
      `FeatureCollection with ${Array.isArray(features) ? features.length : 'no'} features: give one Feature, Polygon or MultiPolygon`,
    );
  }
  if (obj.type !== 'Polygon' && obj.type !== 'MultiPolygon') {
    throw new AreaError(
      `geometry type ${describe(obj.type)} is not supported: give a Polygon or MultiPolygon`,
    );
  }
  if (!Array.isArray(obj.coordinates))
    throw new AreaError(`${obj.type} coordinates must be an array, got ${describe(obj.coordinates)}`);
  return { type: obj.type, coordinates: obj.coordinates } as AreaGeometry;
}

function parsePolygon(polygon: unknown, name: string): Ring[] {
  if (!Array.isArray(polygon) || polygon.length === 0)
    throw new AreaError(`${name} has no rings (empty geometry)`);
  const rings = polygon.map((ring, r) => parseRing(ring, `${name} ring ${r}`));
  for (const [r, ring] of rings.entries()) {
    const hit = findSelfIntersection([ring]);
    if (hit)
      throw new AreaError(
        `${name} ring ${r} self-intersects near (${hit[0].toFixed(6)}, ${hit[1].toFixed(6)})`,
      );
  }
  if (rings.length > 1) {
    const hit = findSelfIntersection(rings);
    if (hit)
      throw new AreaError(`${name} rings cross each other near (${hit[0].toFixed(6)}, ${hit[1].toFixed(6)})`);
    checkHoles(rings, name);
  }
  return rings;
}

function parseRing(ring: unknown, name: string): Ring {
  if (!Array.isArray(ring))
    throw new AreaError(`${name} must be an array of positions, got ${describe(ring)}`);
  const points: Ring = ring.map((pos, i) => {
    if (!Array.isArray(pos) || pos.length < 2 || typeof pos[0] !== 'number' || typeof pos[1] !== 'number') {
      throw new AreaError(`${name} position ${i} must be [lon, lat] numbers, got ${describe(pos)}`);
    }
    const [lon, lat] = pos as [number, number];
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
      throw new AreaError(
        `${name} position ${i} (${lon}, ${lat}) is out of range: lon must be in [-180, 180], lat in [-90, 90]`,
      );
    }
    return [lon, lat];
  });
  if (points.length === 0) throw new AreaError(`${name} is empty (empty geometry)`);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new AreaError(
      `${name} is not closed: first position (${first.join(', ')}) differs from last (${last.join(', ')})`,
    );
  }
  if (points.length < 4)
    throw new AreaError(`${name} has ${points.length} positions; a closed ring needs at least 4`);
  return unjumpRing(points);
}

/** A ring that jumps across the antimeridian (|Δlon| > 180°) is made continuous (lon may leave [-180, 180]). */
function unjumpRing(ring: Ring): Ring {
  const out: Ring = [];
  let shift = 0;
  let prev: number | null = null;
  for (const [lon, lat] of ring) {
    if (prev !== null) {
      const d = lon + shift - prev;
      if (d > 180) shift -= 360;
      else if (d < -180) shift += 360;
    }
    prev = lon + shift;
    out.push([lon + shift, lat]);
  }
  return out;
}

function normalizeLon(lon: number): number {
  if (lon >= -180 && lon <= 180) return lon;
  let l = ((((lon + 180) % 360) + 360) % 360) - 180;
  if (l === -180 && lon > 0) l = 180;
  return l;
}

/** The smallest longitude interval covering all rings (west > east when it crosses ±180°), with lat range. */
function lonLatBbox(polygons: Ring[][]): Bbox {
  const intervals: Array<[number, number]> = [];
  let south = Infinity;
  let north = -Infinity;
  for (const poly of polygons) {
    const outer = poly[0]!;
    let lo = Infinity;
    let hi = -Infinity;
    for (const [lon, lat] of outer) {
      lo = Math.min(lo, lon);
      hi = Math.max(hi, lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    }
    // Map the interval into [-180, 180]; one that leaves it wraps into two pieces.
    if (hi - lo >= 360) intervals.push([-180, 180]);
    else if (lo < -180) intervals.push([lo + 360, 180], [-180, hi]);
    else if (hi > 180) intervals.push([lo, 180], [-180, hi - 360]);
    else intervals.push([lo, hi]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const iv of intervals) {
    const top = merged[merged.length - 1];
    if (top && iv[0] <= top[1]) top[1] = Math.max(top[1], iv[1]);
    else merged.push([iv[0], iv[1]]);
  }
  // The largest uncovered gap on the circle decides west and east.
  let bestGap = -1;
  let west = -180;
  let east = 180;
  for (let i = 0; i < merged.length; i++) {
    const cur = merged[i]!;
    const next = merged[(i + 1) % merged.length]!;
    const gap = i + 1 < merged.length ? next[0] - cur[1] : next[0] + 360 - cur[1];
    if (gap > bestGap) {
      bestGap = gap;
      east = cur[1];
      west = next[0];
    }
  }
  // An area touching both -180 and 180 from one side only is covered by the wrap gap check above.
  if (west === -180 && east === 180) return [-180, south, 180, north];
  if (east === -180) east = 180;
  if (west === 180) west = -180;
  return [west, south, east, north];
}

/** Shifts longitudes so the ring is continuous with the bbox: for crossing boxes, lon < west gains 360°. */
export function unwrapRing(ring: Ring, bbox: Bbox): Ring {
  const crossing = bbox[0] > bbox[2];
  return ring.map(([lon, lat]) => {
    let l = normalizeLon(lon);
    if (crossing && l < bbox[0]) l += 360;
    return [l, lat] as [number, number];
  });
}

/** Signed area of a lon/lat ring on the sphere in m² (the formula of Chamberlain & Duquette, as in turf). */
function sphericalRingArea(ring: Ring): number {
  let total = 0;
  const n = ring.length;
  for (let i = 0; i < n - 1; i++) {
    const [lon1, lat1] = ring[i]!;
    const [lon2, lat2] = ring[i + 1]!;
    total += toRad(lon2 - lon1) * (2 + Math.sin(toRad(lat1)) + Math.sin(toRad(lat2)));
  }
  return (total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2;
}

function planarCentroid(ring: Ring): { x: number; y: number; area: number } {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (a === 0) return { x: ring[0]![0], y: ring[0]![1], area: 0 };
  return { x: cx / (3 * a), y: cy / (3 * a), area: Math.abs(a / 2) };
}

function toRad(deg: number): number {
  return (deg * Math.PI) / 180;
}

function describe(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
