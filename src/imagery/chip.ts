import type { GridCell } from './grid.ts';
import type { ImageValue, RgbImage } from './image.ts';

/**
 * One cell of an area's stable chip grid (its key, grid position and bounds: the same ground gets the
 * same key in every acquisition), as seen in one acquisition.
 */
export interface Chip extends GridCell {
  /** The band stack (reflectance as float) with its validity mask. */
  image: ImageValue;
  /** Fraction of valid pixels. */
  validFraction: number;
  /** validFraction >= the configured minimum; unusable chips are kept and marked, not dropped. */
  usable: boolean;
  /** True-colour rendering for the model and for evidence. */
  rgb: RgbImage;
}
