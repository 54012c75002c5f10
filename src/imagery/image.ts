/**
 * The image value that every reader returns and every consumer takes (in the manner of rio-tiler's
 * ImageData): named band planes, a validity mask, and where the pixels are. Detection and embedding
 * never handle bare arrays.
 */

/** [minx, miny, maxx, maxy] in some CRS, or [west, south, east, north] in lon/lat. */
export type Bbox = [number, number, number, number];

/** Pixels of one image window. */
export interface ImageValue {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Band names, in the order of `data` (Earth Search names where known: blue, green, red, nir, swir16, …). */
  bands: string[];
  /** One row-major plane per band. Reflectance in [0, 1] when `scale` is `reflectance`. */
  data: Float32Array[];
  /** One byte per pixel: 1 valid, 0 invalid (nodata, cloud, outside the scene). */
  mask: Uint8Array;
  /** `EPSG:<code>` (or a proj4 string for a user-defined CRS), or null when the image is not georeferenced. */
  crs: string | null;
  /** Bounds in `crs`, or null when not georeferenced. */
  bounds: Bbox | null;
  /**
   * What the numbers mean: surface/TOA reflectance in [0, 1], 8-bit display values in [0, 255], or radar
   * backscatter (γ0 or σ0) in dB (imagery/radar-image.ts).
   */
  scale: 'reflectance' | 'display' | 'backscatter';
}

/** An interleaved 8-bit RGB rendering (what the model and the evidence tiles see). */
export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major, interleaved R, G, B. */
  data: Uint8Array;
}

/** The plane of band `name`, or undefined when the image lacks it. */
export function band(image: ImageValue, name: string): Float32Array | undefined {
  const i = image.bands.indexOf(name);
  return i < 0 ? undefined : image.data[i];
}

/** Fraction of valid pixels in the mask. */
export function validFraction(image: ImageValue): number {
  let n = 0;
  for (let i = 0; i < image.mask.length; i++) n += image.mask[i]!;
  return image.mask.length === 0 ? 0 : n / image.mask.length;
}
