/**
 * The change heat-map of an alert or a compared pair: each grid cell is a square of
 * heatCellPixels(cols, rows) pixels coloured by its score, from blue (0) through pale yellow (0.5) to
 * red (1); non-finite values (cells not scored) are grey; highlighted cells get a one-pixel white outline.
 * Below the grid a legend on a dark strip names what the colours mean: a title, the colour scale with
 * ticks and values at 0, 0.25, 0.5, 0.75 and 1, a grey swatch "not scored" and an outlined swatch
 * "in alert". The grid is centred over the legend when it is narrower than LEGEND_MIN_WIDTH; the whole
 * image fits in EVIDENCE_MAX_SIDE on its long side.
 */
import { InputError } from '../errors.ts';
import type { RgbImage } from '../imagery/image.ts';
import { drawText, fillRect, GLYPH_HEIGHT, strokeRect, textWidth } from './draw.ts';

/** Longest side, in pixels, of any evidence tile. */
export const EVIDENCE_MAX_SIDE = 1024;
/** Narrowest heat-map image (the legend's width). */
export const LEGEND_MIN_WIDTH = 320;
/** Font scale of the legend's text (5×7 glyphs drawn as 10×14 pixels). */
const LEGEND_SCALE = 2;
const TEXT_H = GLYPH_HEIGHT * LEGEND_SCALE;
const MARGIN = 12;
/** Vertical layout of the legend strip, from its top. */
const LAYOUT = { title: 8, bar: 28, barHeight: 14, tick: 42, tickHeight: 4, values: 48, swatches: 70 };
/** Height of the legend strip below the grid. */
export const LEGEND_HEIGHT = LAYOUT.swatches + TEXT_H + 8;
/** Scores that get a tick and a value on the legend's colour scale. */
export const LEGEND_TICKS = [0, 0.25, 0.5, 0.75, 1];
const LEGEND_BACKGROUND: [number, number, number] = [32, 32, 32];
const LEGEND_TEXT: [number, number, number] = [240, 240, 240];
const NOT_SCORED: [number, number, number] = [128, 128, 128];
const OUTLINE: [number, number, number] = [255, 255, 255];

/** Per-cell scores (row-major, north row first), cells to outline and the legend's title. */
export interface HeatInput {
  /** Grid columns. */
  cols: number;
  /** Grid rows. */
  rows: number;
  /** cols × rows scores in [0, 1], row-major, north row first; NaN where a cell was not scored. */
  values: number[];
  /** cols × rows flags: outline these cells (the alert's). */
  highlight?: boolean[];
  /** Title of the legend (default `change score`), e.g. with the date of the scores. */
  title?: string;
}

/**
 * Pixels per grid cell: 256 / max(cols, rows), clamped to 4…32, and no more than lets the grid and its
 * legend fit in EVIDENCE_MAX_SIDE (at least 1).
 */
export function heatCellPixels(cols: number, rows: number): number {
  const wanted = Math.min(32, Math.max(4, Math.floor(256 / Math.max(cols, rows))));
  const fit = Math.min(
    Math.floor(EVIDENCE_MAX_SIDE / cols),
    Math.floor((EVIDENCE_MAX_SIDE - LEGEND_HEIGHT) / rows),
  );
  return Math.max(1, Math.min(wanted, fit));
}

const STOPS: Array<[number, [number, number, number]]> = [
  [0, [49, 54, 149]],
  [0.5, [255, 255, 191]],
  [1, [165, 0, 38]],
];

/** Colour of a score in [0, 1] (clamped); grey for non-finite values. */
export function heatColour(v: number): [number, number, number] {
  if (!Number.isFinite(v)) return NOT_SCORED;
  const x = Math.min(1, Math.max(0, v));
  const [[x0, c0], [x1, c1]] = x <= 0.5 ? [STOPS[0]!, STOPS[1]!] : [STOPS[1]!, STOPS[2]!];
  const t = (x - x0) / (x1 - x0);
  return [0, 1, 2].map((i) => Math.round(c0[i]! + t * (c1[i]! - c0[i]!))) as [number, number, number];
}

function checkHeat(heat: HeatInput): void {
  const { cols, rows, values, highlight } = heat;
  if (!(Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0)) {
    throw new InputError(`heat-map grid ${cols}×${rows} must have positive integer size`);
  }
  if (values.length !== cols * rows)
    throw new InputError(`heat-map has ${values.length} values for ${cols}×${rows} cells`);
  if (highlight && highlight.length !== cols * rows) {
    throw new InputError(`heat-map highlight has ${highlight.length} flags for ${cols}×${rows} cells`);
  }
}

/** Where the legend's colour scale puts a score: the x of its column. */
export function legendX(width: number, score: number): number {
  return MARGIN + Math.round(score * (width - 2 * MARGIN - 1));
}

function drawLegend(img: RgbImage, top: number, title: string): void {
  const w = img.width;
  fillRect(img, 0, top, w, LEGEND_HEIGHT, LEGEND_BACKGROUND);
  drawText(img, title, MARGIN, top + LAYOUT.title, LEGEND_SCALE, LEGEND_TEXT);
  const barW = w - 2 * MARGIN;
  for (let x = 0; x < barW; x++) {
    fillRect(img, MARGIN + x, top + LAYOUT.bar, 1, LAYOUT.barHeight, heatColour(x / (barW - 1)));
  }
  for (const t of LEGEND_TICKS) {
    const x = legendX(w, t);
    fillRect(img, x - 1, top + LAYOUT.tick, 2, LAYOUT.tickHeight, LEGEND_TEXT);
    const label = String(t);
    const lw = textWidth(label, LEGEND_SCALE);
    const lx = Math.min(w - MARGIN - lw, Math.max(MARGIN, x - Math.floor(lw / 2)));
    drawText(img, label, lx, top + LAYOUT.values, LEGEND_SCALE, LEGEND_TEXT);
  }
  const y = top + LAYOUT.swatches;
  fillRect(img, MARGIN, y, TEXT_H, TEXT_H, NOT_SCORED);
  drawText(img, 'not scored', MARGIN + TEXT_H + 6, y, LEGEND_SCALE, LEGEND_TEXT);
  const x2 = MARGIN + TEXT_H + 6 + textWidth('not scored', LEGEND_SCALE) + 24;
  fillRect(img, x2, y, TEXT_H, TEXT_H, heatColour(1));
  strokeRect(img, x2, y, TEXT_H, TEXT_H, 1, OUTLINE);
  drawText(img, 'in alert', x2 + TEXT_H + 6, y, LEGEND_SCALE, LEGEND_TEXT);
}

/**
 * Draws the heat-map with its legend. A grid too large to fit EVIDENCE_MAX_SIDE even at one pixel per
 * cell comes out larger; the caller scales it down.
 */
export function heatmapImage(heat: HeatInput): RgbImage {
  checkHeat(heat);
  const { cols, rows, values, highlight } = heat;
  const px = heatCellPixels(cols, rows);
  const gridW = cols * px;
  const gridH = rows * px;
  const width = Math.max(gridW, LEGEND_MIN_WIDTH);
  const height = gridH + LEGEND_HEIGHT;
  const left = Math.floor((width - gridW) / 2);
  const img: RgbImage = { width, height, data: new Uint8Array(width * height * 3) };
  fillRect(img, 0, 0, width, gridH, LEGEND_BACKGROUND);
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) {
      const cell = Math.floor(y / px) * cols + Math.floor(x / px);
      const edge = x % px === 0 || y % px === 0 || x % px === px - 1 || y % px === px - 1;
      const colour = highlight?.[cell] && edge ? OUTLINE : heatColour(values[cell]!);
      img.data.set(colour, (y * width + left + x) * 3);
    }
  }
  drawLegend(img, gridH, heat.title ?? 'change score');
  return img;
}
