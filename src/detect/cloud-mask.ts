/**
 * Clouds seen in the bands themselves, for the pair detector: an image without a cloud mask of its own (a
 * pair of PNGs, a GeoTIFF without SCL or a QA band) still has its clouds left out, so that a flood under a
 * cloud is "not seen" rather than "not flooded", and a cloud's brightness is not read as change.
 *
 * A pixel is cloud when the cover rule (spectral/cover.ts: bright in the visible and in shortwave infrared)
 * classes it so and at least CLOUD_WINDOW_SHARE of the (2·CLOUD_WINDOW_RADIUS + 1)² window around it is
 * classed so too. Clouds are extended objects; a bright roof or a greenhouse, which the pixel rule alone also
 * classes as cloud in top-of-atmosphere images (8 % of the changed pixels of the development set's Bercy),
 * is small, and keeps its change (the largest such bright object of the development cities, 19 × 19
 * pixels in Paris's after image, fills a third of its window; with a 15 × 15 window it was masked, and two
 * more of Paris's unchanged chips alerted through the pipeline).
 *
 * Only with swir16: without shortwave infrared the cover rule for cloud (grey and bright) also takes concrete
 * and white roofs, most of what changes in aerial RGB, so RGB images keep their own mask alone.
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { classifyPixels, COVER_CLASSES } from '../spectral/cover.ts';
import { windowMean } from './window-mean.ts';

/** Radius of the window whose cloud share decides (15 → 31 × 31 pixels, 310 m at 10 m). */
export const CLOUD_WINDOW_RADIUS = 15;
/** Share of the window classed cloud from which a cloud pixel is masked. */
export const CLOUD_WINDOW_SHARE = 0.5;

const CLOUD_CODE = 1 + COVER_CLASSES.indexOf('cloud');

/**
 * Per pixel, 1 where the image shows a cloud (see the module comment), else 0; undefined when the image has
 * no swir16 band (no test is made).
 */
export function spectralCloud(image: ImageValue): Uint8Array | undefined {
  if (band(image, 'swir16') === undefined) return undefined;
  const classes = classifyPixels(image);
  const cloud = Float32Array.from(classes, (c, i) =>
    image.mask[i] ? (c === CLOUD_CODE ? 1 : 0) : Number.NaN,
  );
  let any = false;
  for (let i = 0; i < cloud.length && !any; i++) any = cloud[i] === 1;
  if (!any) return new Uint8Array(cloud.length);
  const near = windowMean(cloud, image.width, image.height, CLOUD_WINDOW_RADIUS);
  return Uint8Array.from(cloud, (v, i) => (v === 1 && near[i]! >= CLOUD_WINDOW_SHARE ? 1 : 0));
}

/** The image's own mask with the clouds it shows (spectralCloud) left out: 1 where the pixel is seen. */
export function clearMask(image: ImageValue): Uint8Array {
  const cloud = spectralCloud(image);
  if (!cloud) return image.mask;
  return Uint8Array.from(image.mask, (v, i) => (v && !cloud[i] ? 1 : 0));
}
