/**
 * Renders one acquisition of the demo landscape: six reflectance bands (uint16, reflectance × 10000,
 * 0 = no data) and the Sentinel-2 scene classification (SCL), with the season, the events, clouds and
 * per-date noise applied.
 */
import { Cover, Scl, type Landscape } from './landscape.ts';
import { createRng } from './rng.ts';
import {
  BURN,
  CIRRUS,
  CLOUD,
  CROP,
  FLOOD_WATER,
  FOREST_SUMMER,
  FOREST_WINTER,
  GRASS_DORMANT,
  GRASS_GREEN,
  SOIL,
  URBAN,
  WATER,
  cropCover,
  greenness,
  mix,
} from './spectra.ts';

/** What one acquisition shows besides the landscape itself. */
export interface SceneSpec {
  /** Day of the year (1–366). */
  dayOfYear: number;
  /** Whether the flood covers its footprint. */
  flooded: boolean;
  /** Days since the fire, or null before it. */
  daysSinceFire: number | null;
  /** Cloud layer from `cloudLayer`, or null on a clear day. */
  clouds: Uint8Array | null;
  /** Whether the north-east corner lies outside the satellite's swath (no data there). */
  swathEdge: boolean;
  /** Seed of this date's noise. */
  seed: number;
}

/** One rendered acquisition. */
export interface Scene {
  /** Reflectance × 10000 per band, in `BANDS` order; 0 = no data. */
  bands: Uint16Array[];
  /** Scene classification per pixel. */
  scl: Uint8Array;
  /** Percentage of pixels classified as cloud (8, 9, 10), for `eo:cloud_cover`. */
  cloudCover: number;
}

/** Whether pixel (x, y) of a size × size scene lies outside the swath on a `swathEdge` date. */
export function outsideSwath(x: number, y: number, size: number): boolean {
  return (x + 0.5) / size - (y + 0.5) / size > 0.75;
}

/** Scales a spectrum by a factor, into `out`. */
function scale(s: readonly number[], f: number, out: number[]): number[] {
  for (let k = 0; k < 6; k++) out[k] = s[k]! * f;
  return out;
}

/** Renders the bands and SCL of one acquisition. */
export function renderScene(land: Landscape, spec: SceneSpec): Scene {
  const { size } = land;
  const n = size * size;
  const bands = Array.from({ length: 6 }, () => new Uint16Array(n));
  const scl = new Uint8Array(n);
  const rng = createRng(spec.seed);
  const illumination = 1 + 0.015 * rng.normal();
  const g = greenness(spec.dayOfYear);
  const forest = mix(FOREST_WINTER, FOREST_SUMMER, g, []);
  const grass = mix(GRASS_DORMANT, GRASS_GREEN, 0.2 + 0.8 * g, []);
  const urban = mix(URBAN, GRASS_GREEN, 0.12, []);
  const recovery = spec.daysSinceFire === null ? 0 : Math.min(0.3, 0.0025 * spec.daysSinceFire);
  const burnt = mix(BURN, GRASS_GREEN, recovery, []);
  const covers = land.parcels.map((p) => cropCover(p.crop, spec.dayOfYear - p.shift));
  const soil: number[] = [];
  const surface: number[] = [0, 0, 0, 0, 0, 0];
  let cloudy = 0;

  for (let i = 0; i < n; i++) {
    const x = i % size;
    const y = (i - x) / size;
    if (spec.swathEdge && outsideSwath(x, y, size)) {
      scl[i] = Scl.NoData;
      continue;
    }
    const tex = land.texture[i]!;
    let cls: number;
    const c = land.cover[i]!;
    if (spec.flooded && land.flood[i] === 1) {
      scale(FLOOD_WATER, 1 + 0.03 * tex, surface);
      cls = Scl.Water;
    } else if (spec.daysSinceFire !== null && land.burn[i] === 1) {
      scale(burnt, 1 + 0.05 * tex, surface);
      cls = Scl.NotVegetated;
    } else if (c === Cover.Water) {
      scale(WATER, 1 + 0.03 * tex, surface);
      cls = Scl.Water;
    } else if (c === Cover.Forest) {
      scale(forest, 1 + 0.07 * tex, surface);
      cls = Scl.Vegetation;
    } else if (c === Cover.Field) {
      const p = land.parcel[i]!;
      const cov = covers[p]!;
      mix(scale(SOIL, land.parcels[p]!.soilBrightness, soil), CROP, cov, surface);
      scale(surface, 1 + 0.05 * tex, surface);
      cls = cov >= 0.3 ? Scl.Vegetation : Scl.NotVegetated;
    } else if (c === Cover.Urban) {
      scale(urban, 1 + 0.12 * tex, surface);
      cls = Scl.NotVegetated;
    } else {
      scale(grass, 1 + 0.07 * tex, surface);
      cls = Scl.Vegetation;
    }

    const cloud = spec.clouds?.[i] ?? 0;
    if (cloud === Scl.CloudHigh) mix(surface, scale(CLOUD, 1 + 0.04 * tex, soil), 1, surface);
    else if (cloud === Scl.CloudMedium) mix(surface, CLOUD, 0.7, surface);
    else if (cloud === Scl.Cirrus) mix(surface, CIRRUS, 0.3, surface);
    else if (cloud === Scl.CloudShadow) scale(surface, 0.4, surface);
    if (cloud !== 0) cls = cloud;
    if (cloud === Scl.CloudHigh || cloud === Scl.CloudMedium || cloud === Scl.Cirrus) cloudy++;

    for (let k = 0; k < 6; k++) {
      const r = surface[k]! * illumination * (1 + 0.015 * rng.normal()) + 0.003 * rng.normal();
      bands[k]![i] = Math.min(65535, Math.max(1, Math.round(r * 10000)));
    }
    scl[i] = cls;
  }
  return { bands, scl, cloudCover: Math.round((10000 * cloudy) / n) / 100 };
}
