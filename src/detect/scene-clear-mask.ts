/**
 * The cloud test over a scene of grid chips instead of chip by chip: the chips are laid side by side on
 * their grid (column east, row north) and the clear mask (clearMask, cloud-mask.ts) is found over the
 * mosaic, so that a cloud's 31 × 31 window and its halo ring are not cut at chip edges and "brightened over
 * the image's other pixels" is measured against the scene, as `compare` does for a pair of images. Each
 * chip gets its part of the mosaic's mask; the pair detector then tests each chip on its own as well (a
 * bright object's halo against the chip's own pixels, which finds some haze more).
 *
 * The mosaic is grid-mosaic.ts's. Memory stays bounded whatever the area: the grid is cut into blocks of
 * at most SCENE_MASK_BLOCK_PX pixels a side, each block's chips mosaicked on their own (a cloud is cut only
 * at block edges), and a cell of a block that no chip fills is invalid in its mosaic.
 */
import type { ImageValue } from '../imagery/image.ts';
import { clearMask } from './cloud-mask.ts';
import { cellPart, gridLayout, mosaicImage } from './grid-mosaic.ts';

/** Largest side of one mosaic, in pixels (1024: 25 MB for six bands of float32). */
export const SCENE_MASK_BLOCK_PX = 1024;

/** A chip of a scene on the area's grid. */
export interface GridImage {
  /** Grid column (grows east). */
  col: number;
  /** Grid row (grows north). */
  row: number;
  /** The chip's pixels. */
  image: ImageValue;
}

/**
 * Each chip's image with its mask replaced by the clear mask of its block's mosaic, in the order given.
 * Chips of another size, band list or scale than the first are tested on their own (clearMask).
 */
export function sceneClearImages(
  chips: readonly GridImage[],
  blockPx: number = SCENE_MASK_BLOCK_PX,
): ImageValue[] {
  const out: ImageValue[] = new Array<ImageValue>(chips.length);
  if (chips.length === 0) return out;
  const first = chips[0]!.image;
  const size = first.width;
  const cells = Math.max(1, Math.floor(blockPx / size));
  const blocks = new Map<string, number[]>();
  chips.forEach((c, i) => {
    if (!sameShape(c.image, first)) {
      out[i] = { ...c.image, mask: clearMask(c.image) };
      return;
    }
    const id = `${Math.floor(c.col / cells)},${Math.floor(c.row / cells)}`;
    const list = blocks.get(id);
    if (list) list.push(i);
    else blocks.set(id, [i]);
  });
  for (const members of blocks.values()) {
    const masks = mosaicClearMasks(members.map((i) => chips[i]!));
    members.forEach((i, k) => (out[i] = { ...chips[i]!.image, mask: masks[k]! }));
  }
  return out;
}

/** Whether two chips can share a mosaic: square, same size, bands and scale. */
function sameShape(a: ImageValue, b: ImageValue): boolean {
  return (
    a.width === b.width &&
    a.height === a.width &&
    a.height === b.height &&
    a.scale === b.scale &&
    a.bands.length === b.bands.length &&
    a.bands.every((name, k) => name === b.bands[k])
  );
}

/** The clear mask of each chip, found over the mosaic of the chips' bounding box of cells. */
function mosaicClearMasks(chips: readonly GridImage[]): Uint8Array[] {
  const first = chips[0]!;
  const size = first.image.width;
  const layout = gridLayout(chips, size);
  // Bounds of the mosaic from the first chip's (the cloud buffer takes the pixel size from them).
  const b = first.image.bounds;
  const px = b ? (b[2] - b[0]) / size : 0;
  let bounds: ImageValue['bounds'] = null;
  if (b && px > 0) {
    const x0 = b[0] - (first.col - layout.col0) * size * px;
    const y1 = b[3] + (layout.rowTop - first.row) * size * px;
    bounds = [x0, y1 - layout.rows * size * px, x0 + layout.cols * size * px, y1];
  }
  const { crs, scale } = first.image;
  const scene = mosaicImage(chips, layout, first.image.bands, { crs, bounds, scale });
  const clear = clearMask(scene);
  return chips.map((c) => cellPart(clear, layout, c.col, c.row));
}
