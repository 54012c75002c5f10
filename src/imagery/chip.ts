import type { Bbox, ImageValue, RgbImage } from './image.ts';

/** One cell of an area's stable chip grid, as seen in one acquisition. */
export interface Chip {
  /** Stable grid key `EPSG:<code>/<cell metres>/<col>/<row>`: the same ground gets the same key in every acquisition. */
  key: string;
  /** EPSG code of the grid (the area's UTM zone). */
  epsg: number;
  /** Grid column: floor(x / cell). */
  col: number;
  /** Grid row: floor(y / cell). */
  row: number;
  /** Bounds in EPSG:<epsg>. */
  bounds: Bbox;
  /** Bounds in lon/lat: west, south, east, north. */
  lonlatBounds: Bbox;
  /** The band stack (reflectance as float) with its validity mask. */
  image: ImageValue;
  /** Fraction of valid pixels. */
  validFraction: number;
  /** validFraction >= the configured minimum; unusable chips are kept and marked, not dropped. */
  usable: boolean;
  /** True-colour rendering for the model and for evidence. */
  rgb: RgbImage;
}
