/**
 * Evidence tiles of an alert or a compared pair, rendered to encoded bytes (an evidence store keeps
 * them, addressed by their sha256: src/store/evidence-store.ts):
 * - before and after: true colour under one percentile stretch shared by both (percentile-stretch.ts),
 *   scaled down to EVIDENCE_MAX_SIDE on the long side, optional outlines (the alert's cells) and a label
 *   with the tile's own date burned into the top-left corner; WebP (photographic content);
 * - the change heat-map with its legend (heatmap.ts); PNG (flat colours, lossless).
 */
import sharp from 'sharp';
import { InputError } from '../errors.ts';
import type { RgbImage } from '../imagery/image.ts';
import { drawText, fillRect, GLYPH_HEIGHT, strokeRect, textWidth } from './draw.ts';
import { EVIDENCE_MAX_SIDE, heatmapImage, type HeatInput } from './heatmap.ts';
import { applyStretch, percentileStretch, type MaskedRgb, type RgbStretch } from './percentile-stretch.ts';

export { EVIDENCE_MAX_SIDE, heatCellPixels, heatColour, heatmapImage, type HeatInput } from './heatmap.ts';

/** Media types of the tiles (all of them media types the evidence store accepts). */
export type TileMediaType = 'image/webp' | 'image/png';

/** Media type of before/after tiles. */
export const PHOTO_MEDIA_TYPE = 'image/webp';
/** WebP quality of before/after tiles. */
export const PHOTO_QUALITY = 85;
/** Media type of the heat-map. */
export const HEATMAP_MEDIA_TYPE = 'image/png';
/** Colour of outlined cells in before/after tiles. */
export const OUTLINE_COLOUR: [number, number, number] = [255, 45, 85];

/** One encoded tile. */
export interface EvidenceImage {
  /** The encoded file. */
  bytes: Buffer;
  /** Its media type. */
  mediaType: TileMediaType;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** The three tiles and the stretch the photographic ones were drawn with. */
export interface EvidenceTiles {
  /** Before, true colour. */
  before: EvidenceImage;
  /** After, true colour. */
  after: EvidenceImage;
  /** Per-cell change scores over the grid, with a legend. */
  heatmap: EvidenceImage;
  /** The stretch applied to before and after. */
  stretch: RgbStretch;
}

/** A rectangle in the pixels of the image it belongs to. */
export interface PixelRect {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** A before or after rendering to turn into a tile. */
export interface EvidencePhoto extends MaskedRgb {
  /** Text for the top-left corner and the file's EXIF ImageDescription, e.g. `before 2024-04-01`. */
  label?: string;
  /** Rectangles (in `image` pixels) to outline, e.g. the alert's cells. */
  outline?: PixelRect[];
}

/** Input of renderEvidence. */
export interface EvidenceInput {
  /** The extent before. */
  before: EvidencePhoto;
  /** The same extent after. */
  after: EvidencePhoto;
  /** Per-cell scores over the grid. */
  heat: HeatInput;
}

function checkRgb(name: string, img: RgbImage): void {
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
    throw new InputError(
      `${name} image ${img.width}×${img.height} has ${img.data.length} bytes, expected width×height×3`,
    );
  }
}

function raw(img: RgbImage) {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
}

/** `img` scaled to fit EVIDENCE_MAX_SIDE on its long side (unchanged when it fits), and the factor. */
async function capSize(
  img: RgbImage,
  kernel: 'lanczos3' | 'nearest',
): Promise<{ image: RgbImage; factor: number }> {
  const long = Math.max(img.width, img.height);
  if (long <= EVIDENCE_MAX_SIDE) return { image: img, factor: 1 };
  const { data, info } = await raw(img)
    .resize(EVIDENCE_MAX_SIDE, EVIDENCE_MAX_SIDE, { fit: 'inside', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    image: { width: info.width, height: info.height, data: new Uint8Array(data) },
    factor: info.width / img.width,
  };
}

/** Font scale of a tile's label: one font pixel per 256 pixels of the long side, less where the text would not fit the width. */
export function labelScale(width: number, height: number, text: string): number {
  const wanted = Math.max(1, Math.round(Math.max(width, height) / 256));
  const fits = Math.floor((width - 4) / Math.max(1, textWidth(text, 1) + 4));
  return Math.max(1, Math.min(wanted, fits));
}

/** Draws `text` in light letters on a black box in the top-left corner. */
function drawLabel(img: RgbImage, text: string): void {
  const s = labelScale(img.width, img.height, text);
  const pad = 2 * s;
  fillRect(img, 0, 0, textWidth(text, s) + 2 * pad, GLYPH_HEIGHT * s + 2 * pad, [0, 0, 0]);
  drawText(img, text, pad, pad, s, [255, 255, 255]);
}

async function photoTile(photo: EvidencePhoto, stretch: RgbStretch): Promise<EvidenceImage> {
  const { image, factor } = await capSize(applyStretch(photo, stretch), 'lanczos3');
  if (photo.outline?.length) {
    const stroke = Math.max(1, Math.round(Math.min(image.width, image.height) / 128));
    for (const r of photo.outline) {
      const x = Math.round(r.x * factor);
      const y = Math.round(r.y * factor);
      const w = Math.round((r.x + r.width) * factor) - x;
      const h = Math.round((r.y + r.height) * factor) - y;
      strokeRect(image, x, y, w, h, stroke, OUTLINE_COLOUR);
    }
  }
  if (photo.label) drawLabel(image, photo.label);
  const encoder = photo.label ? raw(image).withExif({ IFD0: { ImageDescription: photo.label } }) : raw(image);
  const bytes = await encoder.webp({ quality: PHOTO_QUALITY }).toBuffer();
  return { bytes, mediaType: PHOTO_MEDIA_TYPE, width: image.width, height: image.height };
}

/** Renders the before, after and heat-map tiles (see the file's comment). */
export async function renderEvidence(input: EvidenceInput): Promise<EvidenceTiles> {
  checkRgb('before', input.before.image);
  checkRgb('after', input.after.image);
  const heat = await capSize(heatmapImage(input.heat), 'nearest');
  const stretch = percentileStretch([input.before, input.after]);
  const [before, after, heatmap] = await Promise.all([
    photoTile(input.before, stretch),
    photoTile(input.after, stretch),
    raw(heat.image).png().toBuffer(),
  ]);
  return {
    before,
    after,
    heatmap: {
      bytes: heatmap,
      mediaType: HEATMAP_MEDIA_TYPE,
      width: heat.image.width,
      height: heat.image.height,
    },
    stretch,
  };
}
