/**
 * Per-collection presets of the STAC API presets (stac-item.ts): which asset holds which of the project's
 * bands, how its numbers scale, and what the items must say. A collection without one here reads as
 * Sentinel-2 L2A under its preset.
 * - `landsat-c2-l2` (Earth Search and Planetary Computer): Landsat 4-9 Collection 2 Level-2 surface
 *   reflectance; asset keys blue, green, red, nir08, swir16, swir22 as the project's blue, green, red,
 *   nir, swir16, swir22 (nir08 is Landsat's only near-infrared band: detection reads it where Sentinel-2
 *   has `nir`); reflectance = DN × 0.0000275 − 0.2, set here once whatever the asset's raster:bands say
 *   (they say the same; applying both would scale twice); DN 0 is fill; `qa_pixel` is the validity mask
 *   (qa-bands.ts).
 * - `sentinel-1-rtc` (Planetary Computer): radiometrically terrain-corrected γ0 backscatter, assets vv and
 *   vh as linear power (float32, nodata −32768), so items are marked `backscatter: linear` (radar-metadata.ts).
 *   Its SAS token endpoint answers only requests that carry a Planetary Computer subscription key: see
 *   docs/radar.md.
 */
import type { BandScaling } from './raster-reader.ts';

/** Which preset a collection preset belongs to (the STAC API presets of stac-item.ts). */
export type ApiPreset = 'earth-search' | 'planetary-computer';

/** How one collection's items become acquisitions. */
export interface CollectionPreset {
  /** Asset key → the project's band name; other assets are not read. */
  assets: Readonly<Record<string, string>>;
  /** Scaling per project band name, replacing raster:bands and the Sentinel-2 rule. */
  scaling: Readonly<Record<string, Partial<BandScaling>>>;
  /** Item properties set on every acquisition (e.g. the backscatter units). */
  properties: Readonly<Record<string, unknown>>;
}

/** Landsat Collection 2 Level-2 surface reflectance scale and offset. */
export const LANDSAT_C2_SCALE = 0.0000275;
/** Added after LANDSAT_C2_SCALE. */
export const LANDSAT_C2_OFFSET = -0.2;

const LANDSAT_REFLECTANCE: Partial<BandScaling> = {
  scale: LANDSAT_C2_SCALE,
  offset: LANDSAT_C2_OFFSET,
  nodata: 0,
  kind: 'reflectance',
};

const LANDSAT_C2_L2: CollectionPreset = {
  assets: {
    blue: 'blue',
    green: 'green',
    red: 'red',
    nir08: 'nir',
    swir16: 'swir16',
    swir22: 'swir22',
    qa_pixel: 'qa_pixel',
  },
  scaling: {
    ...Object.fromEntries(
      ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'].map((b) => [b, LANDSAT_REFLECTANCE]),
    ),
    qa_pixel: { scale: 1, offset: 0, nodata: null, kind: 'class' },
  },
  properties: {},
};

const LINEAR_GAMMA0: Partial<BandScaling> = { scale: 1, offset: 0, nodata: -32768, kind: 'reflectance' };

const SENTINEL_1_RTC: CollectionPreset = {
  assets: { vv: 'vv', vh: 'vh' },
  scaling: { vv: LINEAR_GAMMA0, vh: LINEAR_GAMMA0 },
  properties: { backscatter: 'linear' },
};

const PRESETS: Readonly<Record<ApiPreset, Readonly<Record<string, CollectionPreset>>>> = {
  'earth-search': { 'landsat-c2-l2': LANDSAT_C2_L2 },
  'planetary-computer': { 'landsat-c2-l2': LANDSAT_C2_L2, 'sentinel-1-rtc': SENTINEL_1_RTC },
};

/** The preset of a collection under an API preset, if there is one. */
export function collectionPreset(
  preset: ApiPreset | undefined,
  collection: string | undefined,
): CollectionPreset | undefined {
  if (!preset || !collection) return undefined;
  const byCollection = PRESETS[preset];
  return Object.hasOwn(byCollection, collection) ? byCollection[collection] : undefined;
}
