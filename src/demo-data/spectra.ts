/**
 * Surface reflectances of the demo landscape's cover types in the six Sentinel-2 bands the pipeline uses,
 * and the seasonal cycles that mix them.
 *
 * Values are typical Sentinel-2 L2A surface reflectances (0–1) for central European land cover (fresh
 * char near the Burned Area Index's convergence point, red 0.1 / NIR 0.06: dark in the visible and the
 * near infrared), in band order blue (B02), green (B03), red (B04), nir (B08), swir16 (B11), swir22 (B12):
 *
 * | cover                | blue  | green | red   | nir   | swir16 | swir22 | NDVI  | notes                          |
 * |----------------------|-------|-------|-------|-------|--------|--------|-------|--------------------------------|
 * | river water          | 0.050 | 0.060 | 0.040 | 0.025 | 0.012  | 0.008  | −0.23 | MNDWI +0.67                    |
 * | flood water (turbid) | 0.080 | 0.110 | 0.100 | 0.070 | 0.030  | 0.020  | −0.18 | MNDWI +0.57, sediment-laden    |
 * | forest, summer       | 0.025 | 0.050 | 0.028 | 0.310 | 0.150  | 0.070  | 0.83  | NBR 0.63                       |
 * | forest, winter       | 0.030 | 0.045 | 0.035 | 0.200 | 0.140  | 0.080  | 0.70  | mixed forest, leaf-off         |
 * | crop, full cover     | 0.030 | 0.070 | 0.035 | 0.420 | 0.210  | 0.100  | 0.85  |                                |
 * | bare soil            | 0.070 | 0.100 | 0.130 | 0.190 | 0.290  | 0.230  | 0.19  | ploughed / harvested loam      |
 * | grass, green         | 0.035 | 0.075 | 0.045 | 0.330 | 0.220  | 0.110  | 0.76  |                                |
 * | grass, dormant       | 0.050 | 0.070 | 0.070 | 0.220 | 0.240  | 0.150  | 0.52  |                                |
 * | urban                | 0.090 | 0.110 | 0.130 | 0.190 | 0.240  | 0.210  | 0.19  | NDBI +0.12                     |
 * | burn scar            | 0.040 | 0.050 | 0.060 | 0.080 | 0.200  | 0.180  | 0.14  | NBR −0.38: dNBR ≈ 1.0 (high)   |
 * | thick cloud          | 0.500 | 0.490 | 0.490 | 0.520 | 0.380  | 0.260  | 0.03  |                                |
 * | cirrus               | 0.300 | 0.280 | 0.270 | 0.280 | 0.200  | 0.150  | —     | mixed at 30 % over the surface |
 */

/** Band names in file and table order (Earth Search names). */
export const BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'] as const;
export type BandName = (typeof BANDS)[number];

/** Reflectance per band, in `BANDS` order. */
export type Spectrum = readonly [number, number, number, number, number, number];

export const WATER: Spectrum = [0.05, 0.06, 0.04, 0.025, 0.012, 0.008];
export const FLOOD_WATER: Spectrum = [0.08, 0.11, 0.1, 0.07, 0.03, 0.02];
export const FOREST_SUMMER: Spectrum = [0.025, 0.05, 0.028, 0.31, 0.15, 0.07];
export const FOREST_WINTER: Spectrum = [0.03, 0.045, 0.035, 0.2, 0.14, 0.08];
export const CROP: Spectrum = [0.03, 0.07, 0.035, 0.42, 0.21, 0.1];
export const SOIL: Spectrum = [0.07, 0.1, 0.13, 0.19, 0.29, 0.23];
export const GRASS_GREEN: Spectrum = [0.035, 0.075, 0.045, 0.33, 0.22, 0.11];
export const GRASS_DORMANT: Spectrum = [0.05, 0.07, 0.07, 0.22, 0.24, 0.15];
export const URBAN: Spectrum = [0.09, 0.11, 0.13, 0.19, 0.24, 0.21];
export const BURN: Spectrum = [0.04, 0.05, 0.06, 0.08, 0.2, 0.18];
export const CLOUD: Spectrum = [0.5, 0.49, 0.49, 0.52, 0.38, 0.26];
export const CIRRUS: Spectrum = [0.3, 0.28, 0.27, 0.28, 0.2, 0.15];

/** Crop types of the agricultural parcels, each with its own cycle of green cover. */
export type Crop = 'wheat' | 'maize' | 'beet';

/**
 * Green cover fraction (0–1) through the year as (day of year, cover) keyframes, linearly interpolated:
 * winter wheat greens up in spring and is harvested in late July, maize and sugar beet are sown in
 * spring and harvested in September / October.
 */
const CYCLES: Record<Crop, readonly (readonly [number, number])[]> = {
  wheat: [
    [0, 0.25],
    [60, 0.3],
    [95, 0.55],
    [130, 0.9],
    [175, 0.9],
    [195, 0.45],
    [206, 0.05],
    [275, 0.05],
    [295, 0.18],
    [366, 0.25],
  ],
  maize: [
    [0, 0.05],
    [130, 0.05],
    [160, 0.25],
    [190, 0.85],
    [245, 0.9],
    [262, 0.6],
    [275, 0.05],
    [366, 0.05],
  ],
  beet: [
    [0, 0.05],
    [105, 0.05],
    [150, 0.45],
    [180, 0.9],
    [280, 0.9],
    [292, 0.05],
    [366, 0.05],
  ],
};

/** Green cover of a crop on a day of the year (1–366). */
export function cropCover(crop: Crop, dayOfYear: number): number {
  const keys = CYCLES[crop];
  const d = Math.min(366, Math.max(0, dayOfYear));
  for (let i = 1; i < keys.length; i++) {
    const [d1, c1] = keys[i]!;
    const [d0, c0] = keys[i - 1]!;
    if (d <= d1) return c0 + ((c1 - c0) * (d - d0)) / (d1 - d0);
  }
  return keys[keys.length - 1]![1];
}

/** Seasonal greenness of natural vegetation, 0 in mid-January to 1 in mid-July. */
export function greenness(dayOfYear: number): number {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365);
}

/** Linear mix of two spectra: (1 − t)·a + t·b, band by band, into `out`. */
export function mix(a: readonly number[], b: readonly number[], t: number, out: number[]): number[] {
  for (let k = 0; k < 6; k++) out[k] = a[k]! + (b[k]! - a[k]!) * t;
  return out;
}
