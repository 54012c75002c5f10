/**
 * The map-like grid view of an area: one square per chip in its grid position (north up), coloured by
 * its latest score; chips of open alerts are outlined. An inline SVG without external tiles.
 */
import { scoreColour, scoreGradientCss } from './colour-scale.ts';
import { formatDate, formatScore } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { AreaGrid, GridCell } from '../store/read-queries.ts';

/** Options of `gridMap`. */
export interface GridMapOptions {
  /** Link of a cell, or undefined for none. */
  cellHref?: (cell: GridCell) => string | undefined;
  /** Keys to outline strongly (e.g. the chips of the alert being shown); default: chips of open alerts. */
  highlight?: ReadonlySet<string>;
  /** Key of the chip drawn as selected. */
  selectedKey?: string;
  /** Largest drawn width in CSS pixels. */
  maxWidth?: number;
  /** Preferred width of one cell in CSS pixels (default 36). */
  cellPx?: number;
  /** Whether to draw the colour legend below the map (default true). */
  legend?: boolean;
}

/** Renders an area's grid; an area without chips gives a short note instead. */
export function gridMap(grid: AreaGrid, options: GridMapOptions = {}): SafeHtml {
  const e = grid.extent;
  if (!e || grid.cells.length === 0) return html`<p class="muted">No chips yet in ${grid.areaName}.</p>`;
  const cols = e.maxCol - e.minCol + 1;
  const rows = e.maxRow - e.minRow + 1;
  const S = 20;
  const gap = 2;
  const W = cols * S + gap;
  const H = rows * S + gap;
  const maxWidth = options.maxWidth ?? 560;
  const drawnWidth = Math.min(maxWidth, Math.max(160, cols * (options.cellPx ?? 36)));
  const cells = grid.cells.map((c) => {
    const x = (c.col - e.minCol) * S + gap;
    const y = (e.maxRow - c.row) * S + gap;
    const inAlert = options.highlight ? options.highlight.has(c.key) : c.alertIds.length > 0;
    const selected = options.selectedKey === c.key;
    const fill = c.score === null ? '#f8fafc' : scoreColour(c.score);
    const title = `${c.key}\nscore ${formatScore(c.score)}${c.datetime ? ` on ${formatDate(c.datetime)}` : ''}${
      c.alertIds.length ? `\nalert ${c.alertIds.map((id) => `#${id}`).join(', ')}` : ''
    }`;
    const cls = ['cell', inAlert ? 'cell-alert' : '', selected ? 'cell-selected' : '']
      .filter(Boolean)
      .join(' ');
    const rect = html`<rect
      class="${cls}"
      x="${x}"
      y="${y}"
      width="${S - gap}"
      height="${S - gap}"
      rx="3"
      fill="${fill}"
      ><title>${title}</title></rect
    >`;
    const href = options.cellHref?.(c);
    return href ? html`<a href="${href}">${rect}</a>` : rect;
  });
  const legend =
    options.legend === false
      ? ''
      : html`<div class="grid-legend">
          <span>0</span><span class="ramp" style="background:${scoreGradientCss()}"></span><span>1</span>
          <span class="legend-key"><span class="swatch swatch-alert"></span>alert chip</span>
          <span class="legend-key"><span class="swatch swatch-none"></span>not scored</span>
        </div>`;
  return html`<figure class="grid-map" style="max-width:${drawnWidth}px">
    <svg
      viewBox="0 0 ${W} ${H}"
      role="img"
      aria-label="${`latest scores of ${grid.cells.length} chips in ${grid.areaName}`}"
      xmlns="http://www.w3.org/2000/svg"
    >
      ${cells}
    </svg>
    ${legend}
  </figure>`;
}
