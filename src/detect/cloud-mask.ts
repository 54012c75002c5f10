/**
 * Clouds seen in the bands themselves, for the pair detector: an image without a cloud mask of its own (a
 * pair of PNGs, a GeoTIFF without SCL or a QA band) still has its clouds left out, so that a flood under a
 * cloud is "not seen" rather than "not flooded", and a cloud's brightness is not read as change.
 *
 * A pixel is cloud when the cover rule (spectral/cover.ts: bright in the visible and in shortwave infrared)
 * classes it so and either
 * - at least CLOUD_WINDOW_SHARE of the (2·CLOUD_WINDOW_RADIUS + 1)² window around it is classed so too
 *   (a large cloud), or
 * - it belongs to a bright object with a halo (haloClouds): the object's surroundings are brightened by at
 *   least a third of its own brightening, as a cloud's thinning edge is; the object is then masked with
 *   the cloud buffer around it (60 m).
 * A bright roof or a greenhouse, which the pixel rule alone also classes as cloud in top-of-atmosphere
 * images (8 % of the changed pixels of the development set's Bercy), is small and ends within a pixel, so it
 * keeps its change. In the development set's Paris after image, two cumulus of 229 and 332 cloud-classed
 * pixels never filled half a window; their rings are brightened by 0.12 over the scene (half their own
 * brightening), a roof's in Rennes by 0.04 (a sixth). Found by their halo, with `compare` masking over
 * the whole scene, they and their edges no longer alert.
 *
 * Only with swir16: without shortwave infrared the cover rule for cloud (grey and bright) also takes concrete
 * and white roofs, most of what changes in aerial RGB, so RGB images keep their own mask alone.
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { brightnessPlanes, classifyPixels, COVER_CLASSES, reflectanceFactor } from '../spectral/cover.ts';
import { median } from '../spectral/robust.ts';
import { cloudBufferPixels, dilateFlags } from '../imagery/cloud-buffer.ts';
import { labelGroups } from './mask-polygons.ts';
import { windowMean } from './window-mean.ts';

/** Radius of the window whose cloud share decides (15 → 31 × 31 pixels, 310 m at 10 m). */
export const CLOUD_WINDOW_RADIUS = 15;
/** Share of the window classed cloud from which a cloud pixel is masked. */
export const CLOUD_WINDOW_SHARE = 0.5;
/** Width of the ring around a bright object whose brightness tells a cloud's soft edge, in pixels. */
export const CLOUD_HALO_PX = 3;
/** Share of the object's own brightening (over the image's other pixels) that its ring must show. */
export const CLOUD_HALO_SHARE = 1 / 3;
/**
 * Pixel size assumed where an image's own cannot be read (not in a UTM CRS: a PNG pair has none): 10 m,
 * Sentinel-2's visible and near-infrared bands.
 */
export const ASSUMED_PIXEL_M = 10;

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
  const out = Uint8Array.from(cloud, (v, i) => (v === 1 && near[i]! >= CLOUD_WINDOW_SHARE ? 1 : 0));
  haloClouds(image, cloud, out);
  return out;
}

/** The image's pixel size in metres: from its bounds in a UTM CRS (EPSG:326xx, 327xx), else ASSUMED_PIXEL_M. */
export function pixelSizeM(image: ImageValue): number {
  if (image.bounds && image.crs && /^EPSG:32[67]\d\d$/.test(image.crs)) {
    const m = (image.bounds[2] - image.bounds[0]) / image.width;
    if (m > 0) return m;
  }
  return ASSUMED_PIXEL_M;
}

/**
 * Marks in `out` each 8-connected object of cloud-classed pixels whose CLOUD_HALO_PX ring is brightened
 * by at least CLOUD_HALO_SHARE of the object's own brightening over the image's unclouded pixels
 * (medians; brightness as the cover rule has it), with every pixel within the cloud buffer of it
 * (CLOUD_BUFFER_M, 60 m: Fmask 4's, as for the masks imagery brings, imagery/cloud-buffer.ts): the haze of
 * a cloud's edge reaches past the ring that tells it. A cloud thins out at its edge, so its surroundings
 * are half-lit haze; a roof or a greenhouse ends within a pixel and its surroundings are ordinary ground.
 * This finds the small clouds that the window rule leaves: cumulus of 200–350 classed pixels in the
 * development set's Paris.
 */
function haloClouds(image: ImageValue, cloud: Float32Array, out: Uint8Array): void {
  const { width: w, height: h } = image;
  const k = reflectanceFactor(image);
  const planes = brightnessPlanes(image);
  if (planes.length === 0) return;
  const bright = Float32Array.from({ length: w * h }, (_, i) =>
    image.mask[i] ? (planes.reduce((s, p) => s + p[i]!, 0) / planes.length) * k : Number.NaN,
  );
  const ground: number[] = [];
  for (let i = 0; i < cloud.length; i++)
    if (cloud[i] === 0 && Number.isFinite(bright[i]!)) ground.push(bright[i]!);
  if (ground.length === 0) return;
  const background = median(ground);
  const { label, sizes } = labelGroups(
    Uint8Array.from(cloud, (v) => (v === 1 ? 1 : 0)),
    w,
    h,
  );
  const members: number[][] = sizes.map(() => []);
  for (let p = 0; p < label.length; p++) if (label[p]) members[label[p]! - 1]!.push(p);
  const halo = new Uint8Array(w * h);
  const ringOf = new Int32Array(w * h);
  members.forEach((group, g) => {
    const id = g + 1;
    const ring: number[] = [];
    for (const p of group) {
      const x = p % w;
      const y = (p - x) / w;
      for (let Y = Math.max(0, y - CLOUD_HALO_PX); Y <= Math.min(h - 1, y + CLOUD_HALO_PX); Y++) {
        for (let X = Math.max(0, x - CLOUD_HALO_PX); X <= Math.min(w - 1, x + CLOUD_HALO_PX); X++) {
          const q = Y * w + X;
          if (label[q] === id || ringOf[q] === id || !Number.isFinite(bright[q]!)) continue;
          ringOf[q] = id;
          ring.push(q);
        }
      }
    }
    const inner = median(group.map((p) => bright[p]!)) - background;
    const lit = ring.length ? median(ring.map((q) => bright[q]!)) - background : Number.NaN;
    if (inner > 0 && lit >= CLOUD_HALO_SHARE * inner) for (const p of group) halo[p] = 1;
  });
  const buffered = dilateFlags(halo, w, h, cloudBufferPixels(pixelSizeM(image)));
  for (let p = 0; p < out.length; p++) if (buffered[p]) out[p] = 1;
}

/** The image's own mask with the clouds it shows (spectralCloud) left out: 1 where the pixel is seen. */
export function clearMask(image: ImageValue): Uint8Array {
  const cloud = spectralCloud(image);
  if (!cloud) return image.mask;
  return Uint8Array.from(image.mask, (v, i) => (v && !cloud[i] ? 1 : 0));
}
