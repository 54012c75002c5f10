/**
 * The demo landscape: a square land-cover map (forest in the north-west, a meandering river running north
 * to south with a floodplain of fields and meadows, a small town in the east, a patchwork of crop
 * parcels elsewhere), its texture, and the footprints of the two events (a river flood on the southern
 * floodplain, a burn scar in the forest). Everything is laid out in coordinates relative to the square's
 * side, so any size gives the same landscape at another resolution, and is drawn from a seeded PRNG.
 */
import { fbm } from './noise.ts';
import { createRng, deriveSeed, type Rng } from './rng.ts';
import type { Crop } from './spectra.ts';

/** Land-cover classes of the map. */
export const Cover = { Water: 1, Forest: 2, Field: 3, Grass: 4, Urban: 5 } as const;
export type Cover = (typeof Cover)[keyof typeof Cover];

/** One agricultural parcel. */
export interface Parcel {
  /** What grows there. */
  crop: Crop;
  /** Days by which this parcel's cycle runs late (positive) or early (negative). */
  shift: number;
  /** Brightness factor of its bare soil (soil moisture and texture differ between parcels). */
  soilBrightness: number;
}

/** The static part of the scene (what does not change between acquisitions except by season). */
export interface Landscape {
  /** Side of the square in pixels. */
  size: number;
  /** Land-cover class per pixel (`Cover`). */
  cover: Uint8Array;
  /** Index into `parcels` for Field pixels, −1 elsewhere. */
  parcel: Int16Array;
  /** Agricultural parcels. */
  parcels: Parcel[];
  /** Smooth spatial texture in about [−1, 1], fixed over time. */
  texture: Float32Array;
  /** 1 where the flood covers land (river pixels excluded), else 0. */
  flood: Uint8Array;
  /** 1 where the fire burns forest, else 0. */
  burn: Uint8Array;
}

/** Horizontal centre of the river (relative units) at relative row v. */
function riverCentre(v: number, wobble: number): number {
  return (
    0.5 +
    0.11 * Math.sin(2 * Math.PI * 1.2 * v + 0.4) +
    0.035 * Math.sin(2 * Math.PI * 2.9 * v + 1.3) +
    0.012 * wobble
  );
}

const RIVER_HALF_WIDTH = 0.0055;
const RIPARIAN = 0.008;

/** Smooth 0→1 step between e0 and e1. */
function step(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/** Irregular boundaries in [0, 1]: cumulative widths drawn from [min, max]. */
function boundaries(rng: Rng, min: number, max: number): number[] {
  const out = [0];
  while (out[out.length - 1]! < 1) out.push(out[out.length - 1]! + min + (max - min) * rng.next());
  return out;
}

function indexOf(bounds: number[], t: number): number {
  let i = 0;
  while (i + 1 < bounds.length - 1 && t >= bounds[i + 1]!) i++;
  return i;
}

/** Builds the landscape of a `size` × `size` scene from a seed. */
export function buildLandscape(size: number, seed: number): Landscape {
  const n = size * size;
  const rng = (stream: number) => createRng(deriveSeed(seed, stream));
  const texture = fbm(size, size, size / 10, 4, rng(1));
  const edgeA = fbm(size, size, size / 6, 4, rng(2));
  const edgeB = fbm(size, size, size / 6, 4, rng(3));
  const wobble = fbm(1, size, size / 5, 2, rng(4));

  // Parcels: irregular columns, each cut into irregular rows.
  const prng = rng(5);
  const cols = boundaries(prng, 0.06, 0.12);
  const rows = cols.slice(0, -1).map(() => boundaries(prng, 0.05, 0.11));
  const parcelIndex: number[][] = [];
  const parcels: Parcel[] = [];
  const meadows = new Set<number>();
  for (const r of rows) {
    const ids: number[] = [];
    for (let k = 0; k < r.length - 1; k++) {
      const draw = prng.next();
      const crop: Crop = draw < 0.4 ? 'wheat' : draw < 0.65 ? 'maize' : 'beet';
      if (draw >= 0.85) meadows.add(parcels.length);
      ids.push(parcels.length);
      parcels.push({
        crop,
        shift: Math.round((prng.next() - 0.5) * 20),
        soilBrightness: 0.92 + 0.16 * prng.next(),
      });
    }
    parcelIndex.push(ids);
  }

  const cover = new Uint8Array(n);
  const parcel = new Int16Array(n).fill(-1);
  const flood = new Uint8Array(n);
  const burn = new Uint8Array(n);
  const margin = 1 / size;
  for (let y = 0; y < size; y++) {
    const v = (y + 0.5) / size;
    const centre = riverCentre(v, wobble[y]!);
    // The flood reaches furthest in the middle of the southern reach and tapers at both ends.
    const reach = 0.08 * step(0.5, 0.6, v) * (1 - step(0.9, 0.97, v));
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const u = (x + 0.5) / size;
      const fromBank = Math.abs(u - centre) - RIVER_HALF_WIDTH;
      const a = edgeA[i]!;
      const b = edgeB[i]!;
      let c: Cover;
      if (fromBank < 0) c = Cover.Water;
      else if (((u - 0.78) / 0.12) ** 2 + ((v - 0.58) / 0.09) ** 2 < 1 + 0.6 * a) c = Cover.Urban;
      else if (fromBank > 0.02 && u + 0.12 * a < 0.4 && v + 0.12 * b < 0.48) c = Cover.Forest;
      else if (Math.hypot(u - 0.86, v - 0.14) < 0.08 + 0.03 * b) c = Cover.Forest;
      else if (fromBank < RIPARIAN) c = Cover.Grass;
      else {
        const ci = indexOf(cols, u);
        const rowBounds = rows[ci]!;
        const ri = indexOf(rowBounds, v);
        const id = parcelIndex[ci]![ri]!;
        const onMargin = u - cols[ci]! < margin || v - rowBounds[ri]! < margin;
        if (onMargin || meadows.has(id)) c = Cover.Grass;
        else {
          c = Cover.Field;
          parcel[i] = id;
        }
      }
      cover[i] = c;
      if ((c === Cover.Field || c === Cover.Grass) && fromBank < reach * (1 + 0.5 * a)) flood[i] = 1;
      if (c === Cover.Forest && Math.hypot(u - 0.18, v - 0.22) < 0.095 * (1 + 0.35 * b)) burn[i] = 1;
    }
  }
  return { size, cover, parcel, parcels, texture, flood, burn };
}

/** Where a cloud sits on one acquisition (relative units of the square). */
export interface CloudSpec {
  /** Centre column, 0 (west) to 1 (east). */
  u: number;
  /** Centre row, 0 (north) to 1 (south). */
  v: number;
  /** Radius. */
  radius: number;
}

/** Sentinel-2 scene classification codes used by the demo. */
export const Scl = {
  NoData: 0,
  CloudShadow: 3,
  Vegetation: 4,
  NotVegetated: 5,
  Water: 6,
  CloudMedium: 8,
  CloudHigh: 9,
  Cirrus: 10,
} as const;

/**
 * A cloud layer: per pixel 0 (clear), or the SCL class of what covers it: 9 thick core, 8 medium, 10 thin
 * cirrus fringe, 3 the cloud's shadow (cast north-north-west, the sun being in the south-south-east).
 */
export function cloudLayer(size: number, spec: CloudSpec, seed: number): Uint8Array {
  const shape = fbm(size, size, size / 12, 3, createRng(seed));
  const value = (x: number, y: number): number => {
    if (x < 0 || y < 0 || x >= size || y >= size) return -1;
    const d = Math.hypot((x + 0.5) / size - spec.u, (y + 0.5) / size - spec.v);
    return 1 - d / spec.radius + 0.45 * shape[y * size + x]!;
  };
  const dx = Math.round(0.03 * size);
  const dy = Math.round(0.06 * size);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = value(x, y);
      const i = y * size + x;
      if (c > 0.45) out[i] = Scl.CloudHigh;
      else if (c > 0.15) out[i] = Scl.CloudMedium;
      else if (c > 0) out[i] = Scl.Cirrus;
      else if (value(x + dx, y + dy) > 0.15) out[i] = Scl.CloudShadow;
    }
  }
  return out;
}
