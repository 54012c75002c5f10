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
 * - HLS v2.0 (Harmonized Landsat Sentinel-2), under any preset or none, since these collection ids name
 *   one product wherever it is served: NASA CMR-STAC (LPCLOUD) `HLSL30.v2.0` / `HLSS30.v2.0` and
 *   Planetary Computer `hls2-l30` / `hls2-s30`. Assets are named by band id, and the ids differ between
 *   the two sensors (L30 B05 is near-infrared, S30 B05 is red edge 1), so without this preset an L30 item
 *   would read as Sentinel-2. L30 B02 B03 B04 B05 B06 B07 and S30 B02 B03 B04 B8A B11 B12 become the
 *   project's blue, green, red, nir, swir16, swir22 (S30's narrow near-infrared B8A is the band harmonised
 *   with L30's B05); reflectance = DN × 0.0001 with no offset, set here once; DN −9999 is fill; `Fmask`
 *   is the validity mask `fmask` (qa-bands.ts). An item lacking one of these assets is refused.
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
  /** Whether an item lacking one of `assets` is refused (else the missing bands are simply absent). */
  requireAll?: boolean;
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

/** HLS v2.0 surface reflectance scale (no offset). */
export const HLS_SCALE = 0.0001;

const HLS_REFLECTANCE: Partial<BandScaling> = {
  scale: HLS_SCALE,
  offset: 0,
  nodata: -9999,
  kind: 'reflectance',
};

const HLS_SCALING: Readonly<Record<string, Partial<BandScaling>>> = {
  ...Object.fromEntries(['blue', 'green', 'red', 'nir', 'swir16', 'swir22'].map((b) => [b, HLS_REFLECTANCE])),
  // Fill (255) has the cloud bits set, so the bits alone decide.
  fmask: { scale: 1, offset: 0, nodata: null, kind: 'class' },
};

const HLS_L30: CollectionPreset = {
  assets: { B02: 'blue', B03: 'green', B04: 'red', B05: 'nir', B06: 'swir16', B07: 'swir22', Fmask: 'fmask' },
  scaling: HLS_SCALING,
  properties: {},
  requireAll: true,
};

const HLS_S30: CollectionPreset = {
  assets: { B02: 'blue', B03: 'green', B04: 'red', B8A: 'nir', B11: 'swir16', B12: 'swir22', Fmask: 'fmask' },
  scaling: HLS_SCALING,
  properties: {},
  requireAll: true,
};

/** Collections whose preset holds whatever the API preset (their ids name one product). */
const ANY_API: Readonly<Record<string, CollectionPreset>> = {
  'HLSL30.v2.0': HLS_L30,
  'HLSS30.v2.0': HLS_S30,
  'hls2-l30': HLS_L30,
  'hls2-s30': HLS_S30,
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
  if (!collection) return undefined;
  if (Object.hasOwn(ANY_API, collection)) return ANY_API[collection];
  if (!preset) return undefined;
  const byCollection = PRESETS[preset];
  return Object.hasOwn(byCollection, collection) ? byCollection[collection] : undefined;
}
